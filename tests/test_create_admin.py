"""`flask create-admin EMAIL`: password from a prompt or stdin, never from argv."""
from __future__ import annotations

from sqlalchemy import select

from directory.extensions import db
from directory.models import Role, User
from directory.services.accounts.passwords import verify_password

PASSWORD = "admin passphrase for tests"


def run(app, args, stdin):
    return app.test_cli_runner().invoke(args=["create-admin", *args], input=stdin)


def test_creates_an_admin_with_the_password_from_stdin(app):
    result = run(app, ["Boss@Example.com", "--name", "Ada Admin"], PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    assert "Created administrator boss@example.com" in result.output
    user = db.session.scalars(select(User)).one()
    assert user.role is Role.ADMIN and user.name == "Ada Admin"
    assert verify_password(user.password_hash, PASSWORD)
    assert PASSWORD not in result.output


def test_the_admin_can_log_in(app, client):
    run(app, ["boss@example.com"], PASSWORD + "\n")
    response = client.post("/login", data={"email": "boss@example.com", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/account").status_code == 200


def test_refuses_a_weak_password(app):
    result = run(app, ["boss@example.com"], "short\n")
    assert result.exit_code != 0
    assert "at least 8 characters" in result.output
    assert db.session.scalar(select(User.id)) is None


def test_refuses_an_existing_address(app, create_user):
    create_user(email="boss@example.com")
    db.session.commit()
    result = run(app, ["boss@example.com"], PASSWORD + "\n")
    assert result.exit_code != 0
    assert "already exists" in result.output


def test_refuses_something_that_is_not_an_email_address(app):
    result = run(app, ["not-an-address"], PASSWORD + "\n")
    assert result.exit_code != 0
    assert "not a usable email address" in result.output
    assert db.session.scalar(select(User.id)) is None


def test_refuses_empty_stdin(app):
    result = run(app, ["boss@example.com"], "")
    assert result.exit_code != 0
    assert db.session.scalar(select(User.id)) is None


def test_has_no_password_option(app):
    result = run(app, ["boss@example.com", "--password", PASSWORD], "")
    assert result.exit_code != 0
    assert "No such option" in result.output


def test_explains_a_database_that_was_never_migrated(tmp_path):
    from directory import create_app
    from tests.conftest import make_config

    empty = create_app(make_config(f"sqlite:///{tmp_path / 'empty.db'}"))
    result = empty.test_cli_runner().invoke(args=["create-admin", "boss@example.com"], input=PASSWORD + "\n")
    assert result.exit_code != 0
    assert "run `flask db upgrade` first" in result.output
