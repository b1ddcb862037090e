from __future__ import annotations

import enum
import re
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, Boolean, Date, DateTime, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from directory.extensions import db
from directory.models._types import NEVER_REUSE_IDS, enum_column, utcnow

if TYPE_CHECKING:
    from directory.models.practitioner import Practitioner
    from directory.models.user import User


class BoardStatus(str, enum.Enum):
    ACTIVE = "active"
    INACTIVE = "inactive"
    DELINQUENT = "delinquent"
    EXPIRED = "expired"
    PROBATION = "probation"
    SUSPENDED = "suspended"
    REVOKED = "revoked"
    SURRENDERED = "surrendered"
    RETIRED = "retired"


ROSTER, ADMIN = "roster", "admin"
BOARD_STATUS_SOURCES = (ROSTER, ADMIN)


class VerificationState(str, enum.Enum):
    PENDING = "pending"
    VERIFIED = "verified"
    REJECTED = "rejected"
    NEEDS_CHANGES = "needs_changes"
    LAPSED = "lapsed"



def normalise_number(value: str) -> str:
    return re.sub(r"[\s\-]", "", value or "").upper()


class Licence(db.Model):
    __tablename__ = "licence"
    __table_args__ = (Index("ix_licence_jurisdiction_number", "jurisdiction", "number_normalized"),
                      Index("ix_licence_queue", "verification_state", "submitted_at"), NEVER_REUSE_IDS)

    id: Mapped[int] = mapped_column(primary_key=True)
    practitioner_id: Mapped[int] = mapped_column(
        ForeignKey("practitioner.id", ondelete="CASCADE"), index=True)
    country: Mapped[str] = mapped_column(String(2))
    jurisdiction: Mapped[str] = mapped_column(String(6))  # ISO 3166-2, e.g. "US-CA"
    title: Mapped[str] = mapped_column(String(40))
    number: Mapped[str] = mapped_column(String(40))
    number_normalized: Mapped[str] = mapped_column(String(40))
    issued_on: Mapped[date | None] = mapped_column(Date)
    expires_on: Mapped[date | None] = mapped_column(Date)
    # What the licensing board says, as a roster or an admin reported it; None: nobody has.
    # The practitioner's own say-so is never a board status.
    board_status: Mapped[BoardStatus | None] = mapped_column(enum_column(BoardStatus, "board_status"))
    board_status_source: Mapped[str | None] = mapped_column(String(10))   # BOARD_STATUS_SOURCES
    board_status_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    verification_state: Mapped[VerificationState] = mapped_column(
        enum_column(VerificationState, "verification_state"), default=VerificationState.PENDING, index=True)
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    verified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    check_results: Mapped[list[dict]] = mapped_column(JSON, default=list)
    # False where the jurisdiction does not license acupuncture (e.g. US-AL) or the register
    # is voluntary (UK): shown as a certification, never lists the practitioner.
    is_licence: Mapped[bool] = mapped_column(Boolean, default=True, server_default="1")
    # When it last entered the queue (first submission or an edit): the queue is oldest first.
    submitted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The admin's reason for a rejection, a request for changes or an override of a failed check.
    decision_reason: Mapped[str | None] = mapped_column(Text)
    # Set when a roster check starts failing for a verified licence: it stays verified (and
    # listed) but is back in the admins' queue until one of them decides.
    review_requested_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reminded_60_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reminded_14_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    practitioner: Mapped[Practitioner] = relationship(back_populates="licences")
    verified_by: Mapped[User | None] = relationship(foreign_keys=[verified_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])

    @validates("number")
    def _keep_normalised(self, _key: str, value: str) -> str:
        self.number_normalized = normalise_number(value)
        return value.strip()

    def is_current(self, today: date) -> bool:
        """Verified and not yet expired on ``today``: what the listing rule accepts."""
        return (self.verification_state is VerificationState.VERIFIED and self.is_licence
                and self.expires_on is not None and self.expires_on >= today)
