from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from flask_login import UserMixin
from sqlalchemy import Boolean, DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from directory.extensions import db
from directory.models._types import NEVER_REUSE_IDS, enum_column, utcnow

if TYPE_CHECKING:
    from directory.models.practitioner import Practitioner


class Role(str, enum.Enum):
    PATIENT = "patient"
    PRACTITIONER = "practitioner"
    ADMIN = "admin"


class User(UserMixin, db.Model):
    __tablename__ = "user_account"
    __table_args__ = NEVER_REUSE_IDS

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    # Null means the account cannot log in with a password (e.g. imported records).
    password_hash: Mapped[str | None] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(enum_column(Role, "user_role"))
    name: Mapped[str] = mapped_column(String(120))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # Part of every session's identity: bumping it ends every session of this account
    # (logout, password change), even copies of the cookie made before.
    session_version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    # Inside every email-change link and moved on by each change: a link works once, even
    # after the address changes back to the one it was issued for.
    email_version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    password_changed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    practitioner: Mapped[Practitioner | None] = relationship(back_populates="user", uselist=False)

    @validates("email")
    def _fold_email(self, _key: str, value: str) -> str:
        return normalise_email(value)

    def get_id(self) -> str:
        return f"{self.id}.{self.session_version}"

    @property
    def is_active(self) -> bool:  # Flask-Login consults this before logging a user in.
        return self.active


def normalise_email(value: str) -> str:
    return value.strip().casefold()
