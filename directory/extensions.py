"""Flask extensions, created unbound and initialised by create_app."""
from __future__ import annotations

import math
import sqlite3

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

# Named constraints keep Alembic migrations deterministic on every backend.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
# Storage comes from RATELIMIT_STORAGE_URI (memory:// unless Redis is configured);
# limits are declared on the routes that need them (login, sign-up, reset).
limiter = Limiter(get_remote_address)

_MATH_FUNCTIONS = {
    "sin": math.sin, "cos": math.cos, "asin": math.asin, "acos": math.acos,
    "sqrt": math.sqrt, "radians": math.radians, "atan2": math.atan2,
}


def configure_sqlite(dbapi_connection, _record) -> None:
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    try:
        cursor.execute("SELECT sin(0)")
    except sqlite3.OperationalError:
        # SQLite built without SQLITE_ENABLE_MATH_FUNCTIONS: provide them in Python.
        for name, fn in _MATH_FUNCTIONS.items():
            dbapi_connection.create_function(name, -1 if name == "atan2" else 1, fn, deterministic=True)
    cursor.close()
