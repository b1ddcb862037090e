"""Official board rosters, imported from CSV, that licences are cross-checked against."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from directory.extensions import db
from directory.models._types import NEVER_REUSE_IDS, utcnow


class RosterImport(db.Model):
    __tablename__ = "roster_import"
    __table_args__ = NEVER_REUSE_IDS

    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction: Mapped[str] = mapped_column(String(6), index=True)
    source: Mapped[str] = mapped_column(String(200))
    filename: Mapped[str] = mapped_column(String(255))
    # Of the file's bytes: the same file imported twice is recognised.
    sha256: Mapped[str] = mapped_column(String(64))
    rows: Mapped[int] = mapped_column(Integer, default=0)
    created: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    # matched / mismatched / not_found counts of the licences re-checked after the import
    report: Mapped[dict] = mapped_column(JSON, default=dict)
    imported_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    imported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class RosterEntry(db.Model):
    __tablename__ = "roster_entry"
    __table_args__ = (UniqueConstraint("jurisdiction", "number_normalized"),
                      Index("ix_roster_entry_import", "import_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction: Mapped[str] = mapped_column(String(6))
    number: Mapped[str] = mapped_column(String(40))
    number_normalized: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(40))      # as the board wrote it
    expires_on: Mapped[date | None] = mapped_column(Date)
    # Every other column of the board's row, kept as it came.
    extra: Mapped[dict] = mapped_column(JSON, default=dict)
    source: Mapped[str] = mapped_column(String(200))
    import_id: Mapped[int] = mapped_column(ForeignKey("roster_import.id", ondelete="CASCADE"))
    imported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class RosterImportResult(db.Model):
    """One line of an import's report: a roster entry the file created, updated or left
    unchanged, or a licence of the jurisdiction that the import matched, found mismatched or
    did not find. Kept per import, so each count of the report opens its own list later."""
    __tablename__ = "roster_import_result"
    __table_args__ = (Index("ix_roster_import_result_outcome", "import_id", "outcome"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    import_id: Mapped[int] = mapped_column(ForeignKey("roster_import.id", ondelete="CASCADE"))
    outcome: Mapped[str] = mapped_column(String(12))  # ENTRY_OUTCOMES or LICENCE_OUTCOMES
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("roster_entry.id", ondelete="CASCADE"))
    licence_id: Mapped[int | None] = mapped_column(ForeignKey("licence.id", ondelete="CASCADE"), index=True)
    # The licence's failing roster check at the time, as the list shows it.
    message: Mapped[str | None] = mapped_column(Text)


ENTRY_OUTCOMES = ("created", "updated", "unchanged")
LICENCE_OUTCOMES = ("matched", "mismatched", "not_found")
