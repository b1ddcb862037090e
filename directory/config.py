"""Settings from the environment, with safe local defaults."""
from __future__ import annotations

import os
import re
import secrets
from pathlib import Path
from urllib.parse import urlsplit

GEOCODERS = ("offline", "nominatim")


def _bool(value: str | None, default: bool = False) -> bool:
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _database_url(instance_path: Path) -> str:
    url = os.environ.get("DATABASE_URL", "").strip()
    if not url:
        return f"sqlite:///{instance_path / 'meridian.db'}"
    # Heroku-style URLs name the dialect "postgres"; SQLAlchemy wants the driver.
    if url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url[len("postgres://"):]
    elif url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


def _secret_key(instance_path: Path, production: bool) -> str:
    key = os.environ.get("SECRET_KEY", "").strip()
    if key:
        return key
    if production:
        raise RuntimeError("SECRET_KEY must be set when MERIDIAN_ENV=production")
    # Development keeps one generated key so sessions survive restarts.
    key_file = instance_path / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key


def _public_base_url(raw: str, production: bool) -> str:
    url = raw.strip().rstrip("/")
    if not url:
        if production:
            raise RuntimeError("PUBLIC_BASE_URL must be set when MERIDIAN_ENV=production, e.g. "
                               "https://meridian.example: links in emails (password resets) are built "
                               "from it, never from the Host header a client sends")
        return ""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise RuntimeError(f"PUBLIC_BASE_URL must be an http(s) address such as https://meridian.example, "
                           f"not {raw!r}")
    return url


_TILE_HOST = re.compile(r"(\{s\}\.)?[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*(:\d{1,5})?")


def map_tile_origin(url: str, attribution: str) -> str:
    """The origin tiles come from (for the Content-Security-Policy), or "" when there is no
    street map. Refuses a MAP_TILE_URL that could not work or would loosen the policy."""
    url = url.strip()
    if not url:
        return ""
    parts = urlsplit(url)
    if (parts.scheme not in ("https", "http") or not _TILE_HOST.fullmatch(parts.netloc)
            or any(p not in parts.path + parts.query for p in ("{z}", "{x}", "{y}"))
            or any(c.isspace() or c in "'\";," for c in url)):
        raise RuntimeError("MAP_TILE_URL must be an http(s) tile address with {z}, {x} and {y}, a host name "
                           "and no user name, optionally {s}. for subdomains, such as "
                           f"https://tile.openstreetmap.org/{{z}}/{{x}}/{{y}}.png; not {url!r}")
    if not attribution.strip():
        raise RuntimeError("MAP_TILE_ATTRIBUTION must be set with MAP_TILE_URL: tile providers require "
                           "credit on the map, e.g. '&copy; OpenStreetMap contributors'")
    # A content-security-policy source may stand for any subdomain with "*.", as {s} does.
    return f"{parts.scheme}://{parts.netloc.replace('{s}', '*')}"


def _intake_keys(instance_path: Path, production: bool) -> list[str]:
    raw = os.environ.get("INTAKE_KEYS", "").strip()
    if raw:
        return [key.strip() for key in raw.split(",") if key.strip()]
    if production:
        raise RuntimeError("INTAKE_KEYS must be set when MERIDIAN_ENV=production "
                           "(generate one: python -c 'from cryptography.fernet import Fernet; "
                           "print(Fernet.generate_key().decode())')")
    # Development keeps one generated key so stored intakes stay readable across restarts.
    from cryptography.fernet import Fernet

    key_file = instance_path / "intake_keys"
    if key_file.exists():
        return [k for k in key_file.read_text().split() if k]
    instance_path.mkdir(parents=True, exist_ok=True)
    key = Fernet.generate_key().decode()
    key_file.write_text(key + "\n")
    key_file.chmod(0o600)
    return [key]


def defaults() -> dict:
    """Settings that do not depend on the environment."""
    return {
        "ENV_NAME": "development",
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "GEOCODER": "offline",
        "NOMINATIM_SCHEME": "https",
        "NOMINATIM_DOMAIN": "nominatim.openstreetmap.org",
        "NOMINATIM_USER_AGENT": "meridian-directory",
        "GEOCODER_MIN_DELAY_SECONDS": 1.0,
        "GEOCODER_TIMEOUT_SECONDS": 5.0,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": False,
        "WTF_CSRF_ENABLED": True,
        # Sessions end after this long without a request (Flask re-signs the cookie on
        # every request and rejects one whose signature is older than this).
        "SESSION_IDLE_MINUTES": 30,
        # ...and at the latest this long after login, however active.
        "SESSION_MAX_HOURS": 12,
        "PASSWORD_RESET_MAX_AGE_SECONDS": 3600,
        "EMAIL_CHANGE_MAX_AGE_SECONDS": 24 * 3600,
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_STORAGE_URI": "memory://",
        # Prepended to every rate-limit key, so apps sharing one Redis keep their counters apart.
        "RATELIMIT_KEY_PREFIX": "",
        "RATELIMIT_HEADERS_ENABLED": True,
        "LOGIN_RATE_LIMIT": "10 per minute;50 per hour",
        "SIGNUP_RATE_LIMIT": "5 per minute;30 per hour",
        "RESET_RATE_LIMIT": "5 per minute;20 per hour",
        # Mail: with no MAIL_SERVER, messages are written as .eml files under MAIL_FILE_DIR.
        "MAIL_SERVER": "",
        "MAIL_PORT": 587,
        "MAIL_USE_TLS": True,   # STARTTLS
        "MAIL_USE_SSL": False,  # implicit TLS (port 465)
        "MAIL_USERNAME": "",
        "MAIL_PASSWORD": "",
        "MAIL_FROM": "Meridian <no-reply@meridian.localhost>",
        # A mailbox people read: emails and the privacy page send questions here, never to MAIL_FROM.
        "SUPPORT_EMAIL": "support@meridian.localhost",
        "MAIL_TIMEOUT_SECONDS": 10.0,
        "MAIL_SEND_AFTER_COMMIT": True,
        "PUBLIC_BASE_URL": "",
        "PROXY_COUNT": 0,
        "MAX_CONTENT_LENGTH": 6 * 1024 * 1024,
        "PHOTO_MAX_BYTES": 5 * 1024 * 1024,
        "PHOTO_RATE_LIMIT": "10 per minute;30 per hour",
        # Booking
        "HOLD_HOURS": 48,                 # a request holds its slot this long at most
        "CANCEL_CUTOFF_HOURS": 24,        # patients cancel or reschedule online until then
        "API_TOKEN_HOURS": 24 * 30,
        "BOOKING_RATE_LIMIT": "10 per minute;60 per hour",
        # Per account: an export decrypts every intake the patient wrote.
        "EXPORT_RATE_LIMIT": "3 per hour;10 per day",
        "LOG_LEVEL": "INFO",
        # Per-process memory for finished search answers (services.search_cache); 0 turns it off.
        "SEARCH_CACHE_MB": 32.0,
        # A street map under the results map (Leaflet); unset, the page asks no other server.
        "MAP_TILE_URL": "",
        "MAP_TILE_ATTRIBUTION": "",
    }


# Settings an operator may set in the environment; each is read as its default's type.
FROM_ENVIRONMENT = (
    "NOMINATIM_SCHEME", "NOMINATIM_DOMAIN", "NOMINATIM_USER_AGENT", "GEOCODER_MIN_DELAY_SECONDS",
    "GEOCODER_TIMEOUT_SECONDS", "SESSION_IDLE_MINUTES", "SESSION_MAX_HOURS", "RATELIMIT_STORAGE_URI",
    "RATELIMIT_KEY_PREFIX",
    "LOGIN_RATE_LIMIT", "SIGNUP_RATE_LIMIT", "RESET_RATE_LIMIT", "BOOKING_RATE_LIMIT", "PUBLIC_BASE_URL",
    "PHOTO_RATE_LIMIT", "PROXY_COUNT", "HOLD_HOURS", "CANCEL_CUTOFF_HOURS", "API_TOKEN_HOURS", "LOG_LEVEL",
    "MAIL_SERVER", "MAIL_PORT", "MAIL_USERNAME", "MAIL_PASSWORD", "MAIL_FROM", "MAIL_TIMEOUT_SECONDS",
    "MAIL_SEND_AFTER_COMMIT", "SEARCH_CACHE_MB", "SUPPORT_EMAIL", "EXPORT_RATE_LIMIT",
    "MAP_TILE_URL", "MAP_TILE_ATTRIBUTION",
)
# Folders that default to instance/ (create_app fills them in when unset).
FOLDERS_FROM_ENVIRONMENT = ("MAIL_FILE_DIR", "PHOTO_DIR")


def _from_env(name: str, default):
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    if isinstance(default, bool):
        return _bool(raw, default)
    try:
        if isinstance(default, int):
            return int(raw)
        if isinstance(default, float):
            return float(raw)
    except ValueError:
        raise RuntimeError(f"{name} must be a number, not {raw!r}") from None
    return raw


def from_environment(instance_path: str) -> dict:
    """Build the configuration mapping for an app whose instance folder is given."""
    path = Path(instance_path)
    production = os.environ.get("MERIDIAN_ENV", "development").strip().lower() == "production"
    geocoder = os.environ.get("GEOCODER", "offline").strip().lower() or "offline"
    if geocoder not in GEOCODERS:
        raise RuntimeError(f"GEOCODER must be one of {', '.join(GEOCODERS)}, not {geocoder!r}")
    base = defaults()
    settings = {**base, **{name: _from_env(name, base[name]) for name in FROM_ENVIRONMENT}}
    if not 0 <= settings["SEARCH_CACHE_MB"] <= 64 * 1024:  # also refuses nan and inf
        raise RuntimeError(f"SEARCH_CACHE_MB must be between 0 and 65536, not {settings['SEARCH_CACHE_MB']}")
    map_tile_origin(settings["MAP_TILE_URL"], settings["MAP_TILE_ATTRIBUTION"])  # refuse a bad one now
    port = settings["MAIL_PORT"]
    settings.update({
        "ENV_NAME": "production" if production else "development",
        "SECRET_KEY": _secret_key(path, production),
        "SQLALCHEMY_DATABASE_URI": _database_url(path),
        "GEOCODER": geocoder,
        "SESSION_COOKIE_SECURE": _bool(os.environ.get("SESSION_COOKIE_SECURE"), production),
        "PUBLIC_BASE_URL": _public_base_url(settings["PUBLIC_BASE_URL"], production),
        "INTAKE_KEYS": _intake_keys(path, production),
        # The port decides the TLS mode unless it is set explicitly.
        "MAIL_USE_SSL": _bool(os.environ.get("MAIL_USE_SSL"), port == 465),
        "MAIL_USE_TLS": _bool(os.environ.get("MAIL_USE_TLS"), port not in (465, 25)),
    })
    settings.update({name: os.environ[name].strip() for name in FOLDERS_FROM_ENVIRONMENT
                     if os.environ.get(name, "").strip()})
    return settings
