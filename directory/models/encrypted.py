"""A column type for health data: JSON encrypted with Fernet (AES-128-CBC + HMAC-SHA256).

Keys come from the app's INTAKE_KEYS (newest first). Every key decrypts, only the first
encrypts, so a new key can be added in front and old rows re-encrypted at leisure
(MultiFernet.rotate) before the old key is dropped.
"""
from __future__ import annotations

import json
from functools import lru_cache

from cryptography.fernet import Fernet, MultiFernet
from flask import current_app
from sqlalchemy import Text
from sqlalchemy.types import TypeDecorator


@lru_cache(maxsize=8)
def fernet_for(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        raise RuntimeError("INTAKE_KEYS is empty: health data cannot be stored without a key")
    return MultiFernet([Fernet(key.encode() if isinstance(key, str) else key) for key in keys])


def current_fernet() -> MultiFernet:
    return fernet_for(tuple(current_app.config["INTAKE_KEYS"]))


class EncryptedJSON(TypeDecorator):
    impl = Text
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        return current_fernet().encrypt(json.dumps(value, separators=(",", ":")).encode()).decode("ascii")

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return json.loads(current_fernet().decrypt(value.encode("ascii")))
