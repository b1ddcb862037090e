from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import (JSON, Boolean, Date, DateTime, Float, ForeignKey, Index,
                        Integer, String, Text)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from directory.extensions import db
from directory.models._types import NEVER_REUSE_IDS, enum_column, utcnow

if TYPE_CHECKING:
    from directory.models.licence import Licence
    from directory.models.user import User


class ListingState(str, enum.Enum):
    DRAFT = "draft"
    LISTED = "listed"
    SUSPENDED = "suspended"


class Practitioner(db.Model):
    __tablename__ = "practitioner"
    __table_args__ = NEVER_REUSE_IDS

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    slug: Mapped[str] = mapped_column(String(140), unique=True)
    credentials: Mapped[str] = mapped_column(String(120), default="")
    bio: Mapped[str] = mapped_column(Text, default="")
    years_chronic_pain: Mapped[int] = mapped_column(Integer, default=0)
    back_pain_focus: Mapped[str] = mapped_column(String(300), default="")
    techniques: Mapped[list[str]] = mapped_column(JSON, default=list)
    complementary_therapies: Mapped[list[str]] = mapped_column(JSON, default=list)
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    fee_initial_cents: Mapped[int | None] = mapped_column(Integer)
    fee_follow_up_cents: Mapped[int | None] = mapped_column(Integer)
    fee_currency: Mapped[str] = mapped_column(String(3), default="USD")
    sliding_scale: Mapped[bool] = mapped_column(Boolean, default=False)
    insurance: Mapped[list[str]] = mapped_column(JSON, default=list)
    accepting_new_patients: Mapped[bool] = mapped_column(Boolean, default=True)
    npi: Mapped[str | None] = mapped_column(String(10))
    nccaom_id: Mapped[str | None] = mapped_column(String(6))
    cnt_certificate_on: Mapped[date | None] = mapped_column(Date)
    listing_state: Mapped[ListingState] = mapped_column(
        enum_column(ListingState, "listing_state"),
        default=ListingState.DRAFT,
    )
    # Booking settings (issue: availability). Minutes and hours, applied to every clinic.
    initial_minutes: Mapped[int] = mapped_column(Integer, default=60, server_default="60")
    follow_up_minutes: Mapped[int] = mapped_column(Integer, default=45, server_default="45")
    buffer_minutes: Mapped[int] = mapped_column(Integer, default=15, server_default="15")
    min_notice_hours: Mapped[int] = mapped_column(Integer, default=24, server_default="24")
    horizon_days: Mapped[int] = mapped_column(Integer, default=60, server_default="60")
    # SHA-256 of the secret in the private calendar feed URL; None = no feed (or revoked).
    calendar_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    suspended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    suspension_reason: Mapped[str | None] = mapped_column(Text)
    # File name under PHOTO_DIR; a new upload gets a new name so caches never show the old one.
    photo_key: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)

    user: Mapped[User] = relationship(back_populates="practitioner")
    # The clinics in use: an archived clinic (kept for its appointments' history) is in none of
    # the practitioner's lists, searches, schedules or new bookings.
    clinics: Mapped[list[Clinic]] = relationship(
        primaryjoin="and_(Practitioner.id == Clinic.practitioner_id, Clinic.archived_at.is_(None))",
        back_populates="practitioner", cascade="all, delete-orphan", order_by="Clinic.id")
    licences: Mapped[list[Licence]] = relationship(
        back_populates="practitioner", cascade="all, delete-orphan", order_by="Licence.id")


class Clinic(db.Model):
    __tablename__ = "clinic"
    __table_args__ = (Index("ix_clinic_lat_lon", "latitude", "longitude"), NEVER_REUSE_IDS)

    id: Mapped[int] = mapped_column(primary_key=True)
    practitioner_id: Mapped[int] = mapped_column(
        ForeignKey("practitioner.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120), default="")
    address: Mapped[str] = mapped_column(String(200), default="")
    city: Mapped[str] = mapped_column(String(100))
    region: Mapped[str] = mapped_column(String(10))  # state or province code, e.g. "CA"
    postal_code: Mapped[str] = mapped_column(String(12), default="")
    country: Mapped[str] = mapped_column(String(2), default="US")
    phone: Mapped[str] = mapped_column(String(30), default="")
    latitude: Mapped[float] = mapped_column(Float)
    longitude: Mapped[float] = mapped_column(Float)
    timezone: Mapped[str] = mapped_column(String(64))
    geocoded_by: Mapped[str] = mapped_column(String(40))
    geocoded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # Set instead of deleting a clinic that any appointment ever referenced.
    archived_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    practitioner: Mapped[Practitioner] = relationship(back_populates="clinics")

    @property
    def jurisdiction(self) -> str:
        """ISO 3166-2 code of the place whose licence this clinic needs."""
        return f"{self.country}-{self.region}".upper()

    @property
    def label(self) -> str:
        """"Mission Acupuncture (San Francisco, CA)"; "San Francisco, CA" for a clinic without a name."""
        place = f"{self.city}, {self.region}"
        return f"{self.name} ({place})" if self.name else place
