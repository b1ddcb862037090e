"""What a worker would otherwise do on its first requests, done before it takes any.

gunicorn's master runs ``warm`` once after loading the app (``gunicorn.conf.py``,
``preload_app``); every worker it forks, at start or after ``--max-requests`` recycles
one, inherits the result. Measured in ``bench/first_request.py``.
"""
from __future__ import annotations

import logging
import time
from collections.abc import Callable

from flask import Flask
from sqlalchemy.exc import SQLAlchemyError

from directory.extensions import db
from directory.services.search import nearby as geo
from directory.services.search import results_map
from directory.services.licensing import jurisdictions
from directory.services.geocoding import zip_index

log = logging.getLogger(__name__)

# Any point works: the search only has to run once to configure the ORM and compile its SQL.
_WARM_UP_ORIGIN = (40.7506, -73.9972)


def _templates(app: Flask) -> None:
    for name in app.jinja_env.list_templates():
        app.jinja_env.get_template(name)


def _url_map(app: Flask) -> None:
    # werkzeug compiles the routing table on the first match.
    app.url_map.bind("localhost").match("/")


def _search(app: Flask) -> None:
    """One search against the database; its connections are closed again, because a
    connection opened here would be shared by every forked worker."""
    with app.app_context():
        try:
            geo.search(_WARM_UP_ORIGIN)
        except SQLAlchemyError as exc:  # the database may be down or not yet migrated: start anyway
            log.warning("Warm-up search skipped (workers compile it on their first search): %s", exc)
        finally:
            db.session.remove()
            db.engine.dispose()


def warm(app: Flask) -> dict[str, float]:
    """Seconds spent on each step, for the log."""
    steps: dict[str, Callable[[], object]] = {
        "zip index": zip_index.load,
        "map outlines": results_map.outlines,
        "jurisdiction rules": jurisdictions.all_jurisdictions,
        "templates": lambda: _templates(app),
        "routes": lambda: _url_map(app),
        "search": lambda: _search(app),
    }
    spent = {}
    for name, step in steps.items():
        started = time.perf_counter()
        step()
        spent[name] = round(time.perf_counter() - started, 3)
    return spent
