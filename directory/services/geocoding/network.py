"""The network geocoder: Nominatim behind geopy's RateLimiter, with every answer,
found or not, cached in ``GeocodeCacheEntry``. Needs an app context."""
from __future__ import annotations

import functools
import logging
from datetime import timedelta

from flask import current_app
from geopy.exc import GeopyError
from geopy.extra.rate_limiter import RateLimiter
from geopy.geocoders import Nominatim
from geopy.location import Location
from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError, OperationalError, SQLAlchemyError
from sqlalchemy.pool import SingletonThreadPool, StaticPool

from directory.extensions import db
from directory.models import GeocodeCacheEntry
from directory.models._types import utcnow
from directory.services.geocoding.places import ACCEPTED_FORMS, MAX_QUERY_LENGTH, LocationNotFound, Place, echo
from directory.services.geocoding.zip_index import nearest_zip

log = logging.getLogger(__name__)

PROVIDER = "nominatim"
MISS_TTL = timedelta(days=30)  # places get added to OpenStreetMap; ask about misses again
UNAVAILABLE = ("The address lookup is unavailable right now. Enter a ZIP code (e.g. 94110) "
               'or "City, ST" instead.')
_LABEL_LENGTH = GeocodeCacheEntry.__table__.c.label.type.length


@functools.lru_cache(maxsize=8)
def _rate_limited(scheme: str, domain: str, user_agent: str, min_delay: float,
                  timeout: float) -> RateLimiter:
    """One limiter per configuration and process, so the delay holds across requests."""
    nominatim = Nominatim(domain=domain, scheme=scheme, user_agent=user_agent, timeout=timeout)
    # Errors are raised, not swallowed: a swallowed error would be cached as a miss.
    return RateLimiter(nominatim.geocode, min_delay_seconds=min_delay, max_retries=0,
                       error_wait_seconds=min_delay, swallow_exceptions=False)


def _ask_network(query: str, country: str | None) -> Location | None:
    config = current_app.config
    try:
        geocode = _rate_limited(config["NOMINATIM_SCHEME"], config["NOMINATIM_DOMAIN"],
                                config["NOMINATIM_USER_AGENT"], config["GEOCODER_MIN_DELAY_SECONDS"],
                                config["GEOCODER_TIMEOUT_SECONDS"])
        location = geocode(query, exactly_one=True, country_codes=country, language="en")
    except GeopyError as exc:
        log.warning("Nominatim lookup failed: %s", exc)
        raise LocationNotFound(UNAVAILABLE) from exc
    except Exception as exc:  # a malformed answer from the server must not become a 500
        log.exception("Nominatim lookup failed unexpectedly")
        raise LocationNotFound(UNAVAILABLE) from exc
    if location is not None and not (-90 <= location.latitude <= 90 and -180 <= location.longitude <= 180):
        log.warning("Nominatim answered impossible coordinates for %r", query)
        raise LocationNotFound(UNAVAILABLE)
    return location


def _cached(key: str):
    columns = (GeocodeCacheEntry.id, GeocodeCacheEntry.latitude, GeocodeCacheEntry.longitude,
               GeocodeCacheEntry.label, GeocodeCacheEntry.created_at)
    return db.session.execute(select(*columns).where(
        GeocodeCacheEntry.provider == PROVIDER, GeocodeCacheEntry.query == key)).first()


def _cache_statement(key: str, location: Location | None, entry_id: int | None):
    values = {"latitude": location.latitude if location else None,
              "longitude": location.longitude if location else None,
              "label": (location.address or "")[:_LABEL_LENGTH] if location else "",
              "created_at": utcnow()}
    if entry_id is not None:
        return update(GeocodeCacheEntry).where(GeocodeCacheEntry.id == entry_id).values(**values)
    return insert(GeocodeCacheEntry).values(provider=PROVIDER, query=key, **values)


def _store(key: str, location: Location | None, entry_id: int | None) -> None:
    """Cache an answer in a transaction of its own, so that it survives a request that
    never commits and cannot spoil the caller's. Where that is impossible (one shared
    SQLite connection, or the caller holding SQLite's write lock) it goes through a
    savepoint in the caller's transaction instead."""
    if len(key) > MAX_QUERY_LENGTH:
        return  # longer than the column; such queries are too rare to be worth caching
    statement = _cache_statement(key, location, entry_id)
    sqlite = db.engine.dialect.name == "sqlite"
    if not isinstance(db.engine.pool, (StaticPool, SingletonThreadPool)):
        try:
            _write_apart(statement, sqlite)
            return
        except IntegrityError:
            return  # another request cached the same query first
        except SQLAlchemyError as exc:
            if not (sqlite and isinstance(exc, OperationalError)):
                log.warning("Could not cache a geocoding answer: %s", exc)
                return
    try:
        with db.session.begin_nested():
            db.session.execute(statement)
    except SQLAlchemyError as exc:
        log.info("Geocoding answer not cached: %s", exc)


def _write_apart(statement, sqlite: bool) -> None:
    with db.engine.connect() as connection:
        if sqlite:  # don't wait long for a lock the caller itself may hold
            busy_timeout = connection.exec_driver_sql("PRAGMA busy_timeout").scalar()
            connection.exec_driver_sql("PRAGMA busy_timeout = 200")
        try:
            connection.execute(statement)
            connection.commit()
        finally:
            connection.rollback()
            if sqlite:
                connection.exec_driver_sql(f"PRAGMA busy_timeout = {int(busy_timeout)}")
                connection.commit()


def _age(created_at) -> timedelta:
    if created_at.tzinfo is None:  # SQLite hands back naive datetimes
        created_at = created_at.replace(tzinfo=utcnow().tzinfo)
    return utcnow() - created_at


def network_place(query: str, *, country: str | None = None) -> Place:
    """Where Nominatim says ``query`` is, from the cache when it has been asked before."""
    key = query.casefold() if country is None else f"{query.casefold()} [{country}]"
    entry = _cached(key)
    fresh = entry is not None and (entry.latitude is not None or _age(entry.created_at) < MISS_TTL)
    if fresh:
        location = None if entry.latitude is None else Location(entry.label, (entry.latitude, entry.longitude), {})
    else:
        location = _ask_network(query, country)
        _store(key, location, entry.id if entry is not None else None)
    if location is None:
        raise LocationNotFound(f'No place matching "{echo(query)}" was found. Check the address, '
                               f"or enter {ACCEPTED_FORMS}.")
    lat, lon, label = location.latitude, location.longitude, location.address or query
    near = nearest_zip(lat, lon)
    # Asked in English, Nominatim ends its labels with the country's name.
    in_us = near is not None and label.rsplit(",", 1)[-1].strip().lower() in {
        "united states", "united states of america", "usa", "us"}
    return Place(latitude=lat, longitude=lon, label=label, region=near.state if in_us else None,
                 country="US" if in_us else "", timezone=near.timezone if in_us else None,
                 source=PROVIDER)
