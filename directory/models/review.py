"""Reviews from patients of attended visits, the practitioner's one public reply, and
reports that ask an admin to look at a review."""
from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, Date, DateTime, ForeignKey, Index, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from directory.extensions import db
from directory.models._types import utcnow

if TYPE_CHECKING:
    from directory.models.booking import Appointment
    from directory.models.practitioner import Practitioner
    from directory.models.user import User

TEXT_MAX = 2000


class Review(db.Model):
    __tablename__ = "review"
    __table_args__ = (CheckConstraint("rating BETWEEN 1 AND 5", name="rating"),
                      Index("ix_review_practitioner_created", "practitioner_id", "created_at"),
                      {"sqlite_autoincrement": True})

    id: Mapped[int] = mapped_column(primary_key=True)
    appointment_id: Mapped[int] = mapped_column(ForeignKey("appointment.id", ondelete="RESTRICT"), unique=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="RESTRICT"), index=True)
    practitioner_id: Mapped[int] = mapped_column(ForeignKey("practitioner.id", ondelete="RESTRICT"))
    rating: Mapped[int] = mapped_column(SmallInteger)
    text: Mapped[str] = mapped_column(Text, default="")
    # Fixed when written: "Mei L." or "Verified patient", as the patient chose.
    author: Mapped[str] = mapped_column(String(80))
    visit_month: Mapped[date] = mapped_column(Date)  # the first day of the visit's month
    # Only when the patient ticked it: their own measured change, e.g. "pain 7 → 3 over 8 sessions".
    measured_change: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    reply: Mapped[str | None] = mapped_column(Text)
    replied_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    hidden_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    hidden_reason: Mapped[str | None] = mapped_column(Text)

    appointment: Mapped[Appointment] = relationship()
    patient: Mapped[User] = relationship()
    practitioner: Mapped[Practitioner] = relationship()
    flags: Mapped[list[ReviewFlag]] = relationship(back_populates="review", order_by="ReviewFlag.id")


class ReviewFlag(db.Model):
    """Someone asked an admin to look at a review."""
    __tablename__ = "review_flag"
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("review.id", ondelete="RESTRICT"), index=True)
    reporter_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    reason: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    review: Mapped[Review] = relationship(back_populates="flags")
