"""Meridian: find licensed acupuncturists for chronic back pain."""
from __future__ import annotations

import logging
import time
from datetime import timedelta
from pathlib import Path

from flask import Flask, session
from sqlalchemy.exc import DBAPIError
from werkzeug.middleware.proxy_fix import ProxyFix

from directory import config as settings
from directory import http_cache, security, session_hooks
from directory.services.mail import delivery as mailer
from directory.extensions import csrf, db, limiter, login_manager, migrate
from directory.services.search import cache as search_cache

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: dict | None = None) -> Flask:
    """Build the app. ``config`` overrides the environment (tests pass their own)."""
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        instance_path=str(ROOT / "instance"),
    )
    overrides = dict(config or {})
    if "SECRET_KEY" in overrides and "SQLALCHEMY_DATABASE_URI" in overrides:
        # Fully specified (tests): don't read or create anything in instance/.
        app.config.update({k: v for k, v in settings.defaults().items()})
    else:
        app.config.update(settings.from_environment(app.instance_path))
    app.config.update(overrides)
    app.config.setdefault("MAIL_FILE_DIR", str(Path(app.instance_path) / "mail"))
    app.config.setdefault("PHOTO_DIR", str(Path(app.instance_path) / "photos"))
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(minutes=app.config["SESSION_IDLE_MINUTES"])
    if app.config.get("PROXY_COUNT"):
        # Behind N reverse proxies, the client address (rate limits, logs) is in X-Forwarded-For.
        n = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)  # type: ignore[method-assign]

    register_logging(app)
    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_template_names(app)
    register_commands(app)
    return app


def register_logging(app: Flask) -> None:
    """Send the app's own events (auth, mail) to stderr, where gunicorn collects them."""
    logger = logging.getLogger("directory")
    if app.testing or logger.handlers:
        return
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logger.addHandler(handler)
    logger.setLevel(app.config.get("LOG_LEVEL", "INFO"))


def register_extensions(app: Flask) -> None:
    db.init_app(app)
    session_hooks.install(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    login_manager.init_app(app)
    csrf.init_app(app)
    # Registered before the limiter's own hook so it runs after it (Flask runs after_request
    # hooks last-registered first) and sees the header the limiter adds.
    app.after_request(security.retry_after_only_when_refused)
    limiter.init_app(app)
    security.init_app(app)
    mailer.init_app(app)
    search_cache.init_app(app)
    http_cache.init_app(app)

    @app.teardown_appcontext
    def end_session(_error: BaseException | None) -> None:
        # Runs before Flask-SQLAlchemy's own teardown (teardowns run last-registered first).
        # Ending the session sends ROLLBACK; when the database cut the connection after the
        # answer was made (a restart), that fails, and the exception would replace the finished
        # answer with gunicorn's bare 500. Drop the dead connection instead of rolling back.
        session = db.session()  # the scope's own Session
        connection = session.connection() if session.in_transaction() else None
        try:
            db.session.remove()
        except DBAPIError:
            # The failed ROLLBACK leaves the connection outside the pool and, unless the driver
            # saw the socket close, still inside its transaction: close it for good here.
            if connection is not None:
                connection.invalidate()
                connection.close()
            db.session.remove()

    from directory.models import User

    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please log in to continue."
    login_manager.login_message_category = "info"

    @login_manager.user_loader
    def load_user(session_id: str) -> User | None:
        # The id carries the account's session version: after logout or a password
        # change the version moves on and every older cookie stops working.
        user_id, _, version = session_id.partition(".")
        if not (user_id.isdigit() and version.isdigit()):
            return None
        started = session.get("login_at")
        max_age = app.config["SESSION_MAX_HOURS"] * 3600
        if not isinstance(started, (int, float)) or time.time() - started > max_age:
            return None
        user = db.session.get(User, int(user_id))
        if user is None or user.session_version != int(version) or not user.active:
            return None
        return user


def register_blueprints(app: Flask) -> None:
    from directory.account.routes import bp as account_bp
    from directory.admin import bp as admin_bp
    from directory.api import bp as api_bp
    from directory.auth.routes import bp as auth_bp
    from directory.fhir import bp as fhir_bp
    from directory.health.routes import bp as health_bp
    from directory.legal.routes import bp as legal_bp
    from directory.booking import bp as booking_bp
    from directory.courses import bp as courses_bp
    from directory.practice import bp as practice_bp
    from directory.practitioners.routes import bp as practitioners_bp
    from directory.reviews import bp as reviews_bp
    from directory.safety import bp as safety_bp
    from directory.search.routes import bp as search_bp

    app.register_blueprint(search_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(account_bp)
    app.register_blueprint(practitioners_bp)
    app.register_blueprint(practice_bp)
    app.register_blueprint(booking_bp)
    app.register_blueprint(safety_bp)
    app.register_blueprint(reviews_bp)
    app.register_blueprint(courses_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(health_bp)
    app.register_blueprint(fhir_bp)
    app.register_blueprint(legal_bp)
    app.register_blueprint(api_bp, url_prefix="/api/v1")
    # The API takes no cookies-based form posts; CSRF applies to HTML forms.
    csrf.exempt(api_bp)


def register_errorhandlers(app: Flask) -> None:
    from directory.errors.handlers import register

    register(app)


def register_template_names(app: Flask) -> None:
    from directory import templating

    templating.register(app)


def register_commands(app: Flask) -> None:
    from directory.cli import register

    register(app)
