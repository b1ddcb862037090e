"""Reaction reports after a visit: what the patient felt (health data, encrypted) and the
triage level the rules gave (plain, so admins can count levels without reading notes)."""
from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import Boolean, DateTime, ForeignKey, Index
from sqlalchemy.orm import Mapped, mapped_column, relationship

from directory.extensions import db
from directory.models._types import enum_column, utcnow
from directory.models.encrypted import EncryptedJSON

if TYPE_CHECKING:
    from directory.models.booking import Appointment
    from directory.models.practitioner import Practitioner
    from directory.models.user import User

SEVERITIES = ("mild", "moderate", "severe")


class TriageLevel(str, enum.Enum):
    NONE = "none"                      # "nothing to report"
    SELF_CARE = "self_care"
    CONTACT_PRACTITIONER = "contact_practitioner"
    URGENT = "urgent"


class ReactionReport(db.Model):
    """One report on one attended visit; a patient may send several (each is kept)."""
    __tablename__ = "reaction_report"
    __table_args__ = (Index("ix_reaction_report_practitioner_created", "practitioner_id", "created_at"),
                      Index("ix_reaction_report_open_urgent", "level", "admin_closed_at"),
                      {"sqlite_autoincrement": True})

    id: Mapped[int] = mapped_column(primary_key=True)
    appointment_id: Mapped[int] = mapped_column(ForeignKey("appointment.id", ondelete="RESTRICT"), index=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="RESTRICT"), index=True)
    practitioner_id: Mapped[int] = mapped_column(ForeignKey("practitioner.id", ondelete="RESTRICT"))
    level: Mapped[TriageLevel] = mapped_column(enum_column(TriageLevel, "triage_level"))
    # For the admin's per-practitioner rates: whether any symptom was moderate or severe.
    moderate_or_severe: Mapped[bool] = mapped_column(Boolean, default=False)
    # {"symptoms": {code: severity}, "notes": str}: health data.
    content: Mapped[dict] = mapped_column(EncryptedJSON, deferred=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    acknowledged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    acknowledged_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="RESTRICT"))
    # {"note": str}: the practitioner's note on what they did; health data too.
    acknowledgement: Mapped[dict | None] = mapped_column(EncryptedJSON, deferred=True)
    # An urgent report is an open item in the admin safety queue until an admin closes it.
    admin_closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    admin_closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="RESTRICT"))

    appointment: Mapped[Appointment] = relationship()
    patient: Mapped[User] = relationship(foreign_keys=[patient_id])
    practitioner: Mapped[Practitioner] = relationship()

    @property
    def needs_acknowledgement(self) -> bool:
        return (self.level in (TriageLevel.URGENT, TriageLevel.CONTACT_PRACTITIONER)
                and self.acknowledged_at is None)
