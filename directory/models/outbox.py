"""Email waiting to be delivered: written in the same transaction as the change that caused it."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from directory.extensions import db
from directory.models._types import utcnow


class OutboxMessage(db.Model):
    __tablename__ = "outbox_message"
    # The sender's query: unsent messages whose next attempt is due.
    __table_args__ = (Index("ix_outbox_message_pending", "sent_at", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Set at enqueue time so a retried delivery carries the same Message-ID and
    # receiving servers can drop a duplicate.
    message_id: Mapped[str] = mapped_column(String(255), unique=True)
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    # [{"filename", "content_type", "content"}] with text content, e.g. an appointment's .ics.
    attachments: Mapped[list[dict] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Set when the server refused the message for good (e.g. 550 no such user).
    failed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
