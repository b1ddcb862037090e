"""Readable, unique profile slugs ("mei-lin", "mei-lin-2")."""
from __future__ import annotations

import re
import unicodedata

from sqlalchemy import or_, select

from directory.extensions import db
from directory.models import Practitioner


def slugify(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower().replace("'", "")).strip("-")


def unique_slug(name: str) -> str:
    base = slugify(name)[:100].strip("-") or "practitioner"
    # Only the base itself and its numbered variants can clash (not every slug it prefixes).
    taken = set(db.session.scalars(select(Practitioner.slug).where(
        or_(Practitioner.slug == base, Practitioner.slug.like(f"{base}-%")))))
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug
