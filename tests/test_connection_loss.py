"""A database connection cut after the answer was made (the server restarted between the
view's last query and the end of the request) must not turn that answer into a 500.
bench/faults.py --restart-db found it: the session's closing ROLLBACK failed in the teardown,
outside every error handler, and gunicorn answered its bare 500 page instead."""
from __future__ import annotations

from directory.extensions import db


def test_a_connection_cut_after_the_answer_keeps_the_answer(app, client, create_practitioner, monkeypatch):
    create_practitioner()  # listed, in San Francisco 94110
    dialect = type(db.engine.dialect)
    dbapi_error = db.engine.dialect.loaded_dbapi.OperationalError
    real_rollback = dialect.do_rollback
    cut: list[bool] = []

    def rollback_on_a_dead_connection(self, connection) -> None:
        if not cut:
            cut.append(True)
            raise dbapi_error("server closed the connection unexpectedly")
        real_rollback(self, connection)

    monkeypatch.setattr(dialect, "do_rollback", rollback_on_a_dead_connection)
    response = client.get("/api/v1/practitioners?near=94110")
    assert cut, "the request's teardown should have rolled back"
    assert response.status_code == 200
    assert response.get_json()["total"] == 1
    assert db.engine.pool.checkedout() == 0  # not left open in its transaction, holding locks
    # The dead connection was dropped, not returned to the pool: the next request works.
    again = client.get("/api/v1/practitioners?near=94110")
    assert again.status_code == 200 and again.get_json()["total"] == 1
