"""Settings read from the environment."""
from __future__ import annotations

import pytest

from directory import config


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    for name in ("DATABASE_URL", "SECRET_KEY", "MERIDIAN_ENV", "GEOCODER", "SESSION_COOKIE_SECURE",
                 "INTAKE_KEYS", "MAIL_USE_SSL", "MAIL_USE_TLS", *config.FROM_ENVIRONMENT):
        monkeypatch.delenv(name, raising=False)


def test_defaults_use_sqlite_in_the_instance_folder(tmp_path):
    settings = config.from_environment(str(tmp_path))
    assert settings["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'meridian.db'}"
    assert settings["GEOCODER"] == "offline"
    assert settings["SESSION_COOKIE_SECURE"] is False


def test_development_secret_key_is_generated_once_and_kept(tmp_path):
    first = config.from_environment(str(tmp_path))["SECRET_KEY"]
    second = config.from_environment(str(tmp_path))["SECRET_KEY"]
    assert first == second and len(first) >= 32
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_production_requires_a_secret_key(tmp_path, monkeypatch):
    monkeypatch.setenv("MERIDIAN_ENV", "production")
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://meridian.example")
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        config.from_environment(str(tmp_path))
    monkeypatch.setenv("SECRET_KEY", "s3cret-from-the-environment")
    monkeypatch.setenv("INTAKE_KEYS", KEY)
    settings = config.from_environment(str(tmp_path))
    assert settings["SECRET_KEY"] == "s3cret-from-the-environment"
    assert settings["SESSION_COOKIE_SECURE"] is True
    assert not (tmp_path / "secret_key").exists()


KEY = "q2Jx0m1m6J4y8H3nM8l1pQ9sX3vV5kR7tB0wC2eA4dE="


def test_production_requires_intake_keys(tmp_path, monkeypatch):
    monkeypatch.setenv("MERIDIAN_ENV", "production")
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://meridian.example")
    monkeypatch.setenv("SECRET_KEY", "s3cret-from-the-environment")
    with pytest.raises(RuntimeError, match="INTAKE_KEYS"):
        config.from_environment(str(tmp_path))
    monkeypatch.setenv("INTAKE_KEYS", f"{KEY}, older-key-still-decrypts")
    assert config.from_environment(str(tmp_path))["INTAKE_KEYS"] == [KEY, "older-key-still-decrypts"]
    assert not (tmp_path / "intake_keys").exists()


def test_production_refuses_to_start_without_a_public_base_url(tmp_path, monkeypatch):
    monkeypatch.setenv("MERIDIAN_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "s3cret-from-the-environment")
    monkeypatch.setenv("INTAKE_KEYS", KEY)
    with pytest.raises(RuntimeError, match="PUBLIC_BASE_URL must be set when MERIDIAN_ENV=production"):
        config.from_environment(str(tmp_path))
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://meridian.example/")
    assert config.from_environment(str(tmp_path))["PUBLIC_BASE_URL"] == "https://meridian.example"


@pytest.mark.parametrize("value", ["meridian.example", "javascript:alert(1)", "https://", "https://a.example/?x=1"])
def test_a_public_base_url_that_is_not_an_http_address_is_refused(tmp_path, monkeypatch, value):
    monkeypatch.setenv("PUBLIC_BASE_URL", value)
    with pytest.raises(RuntimeError, match="PUBLIC_BASE_URL must be an http"):
        config.from_environment(str(tmp_path))


def test_development_intake_key_is_generated_once_and_private(tmp_path):
    first = config.from_environment(str(tmp_path))["INTAKE_KEYS"]
    assert config.from_environment(str(tmp_path))["INTAKE_KEYS"] == first and len(first) == 1
    assert (tmp_path / "intake_keys").stat().st_mode & 0o077 == 0


@pytest.mark.parametrize("url, expected", [
    ("postgres://u@h/db", "postgresql+psycopg://u@h/db"),
    ("postgresql://u@h:5432/db", "postgresql+psycopg://u@h:5432/db"),
    ("sqlite:////var/data/m.db", "sqlite:////var/data/m.db"),
])
def test_database_url_gets_the_psycopg_driver(tmp_path, monkeypatch, url, expected):
    monkeypatch.setenv("DATABASE_URL", url)
    assert config.from_environment(str(tmp_path))["SQLALCHEMY_DATABASE_URI"] == expected


def test_unknown_geocoder_is_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("GEOCODER", "google")
    with pytest.raises(RuntimeError, match="GEOCODER"):
        config.from_environment(str(tmp_path))
    monkeypatch.setenv("GEOCODER", "Nominatim")
    assert config.from_environment(str(tmp_path))["GEOCODER"] == "nominatim"


def test_every_documented_setting_is_read_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("MAIL_TIMEOUT_SECONDS", "3")
    monkeypatch.setenv("LOG_LEVEL", "DEBUG")
    monkeypatch.setenv("HOLD_HOURS", "12")
    monkeypatch.setenv("MAIL_PORT", "465")
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://meridian.example/")
    settings = config.from_environment(str(tmp_path))
    assert settings["MAIL_TIMEOUT_SECONDS"] == 3.0 and settings["LOG_LEVEL"] == "DEBUG"
    assert settings["HOLD_HOURS"] == 12
    assert settings["MAIL_USE_SSL"] is True and settings["MAIL_USE_TLS"] is False
    assert settings["PUBLIC_BASE_URL"] == "https://meridian.example"


def test_a_number_setting_that_is_not_a_number_is_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("SESSION_IDLE_MINUTES", "half an hour")
    with pytest.raises(RuntimeError, match="SESSION_IDLE_MINUTES"):
        config.from_environment(str(tmp_path))


def test_mail_and_photo_folders_and_the_rate_limit_prefix_come_from_the_environment(tmp_path, monkeypatch):
    for name in config.FOLDERS_FROM_ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)
    settings = config.from_environment(str(tmp_path))
    # Unset: create_app puts them under instance/.
    assert "MAIL_FILE_DIR" not in settings and "PHOTO_DIR" not in settings
    assert settings["RATELIMIT_KEY_PREFIX"] == ""
    monkeypatch.setenv("MAIL_FILE_DIR", str(tmp_path / "mail"))
    monkeypatch.setenv("PHOTO_DIR", str(tmp_path / "photos"))
    monkeypatch.setenv("RATELIMIT_KEY_PREFIX", "meridian-staging")
    settings = config.from_environment(str(tmp_path))
    assert settings["MAIL_FILE_DIR"] == str(tmp_path / "mail")
    assert settings["PHOTO_DIR"] == str(tmp_path / "photos")
    assert settings["RATELIMIT_KEY_PREFIX"] == "meridian-staging"
