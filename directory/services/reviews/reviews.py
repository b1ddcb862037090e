"""Verified reviews: only the patient of an attended visit reviews that practitioner, once per
practitioner per 90 days; the practitioner replies once, publicly; anyone may report a
review and admins hide or restore it with a reason (audited)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select

from directory.extensions import db
from directory.models import Appointment, Review, ReviewFlag, User
from directory.models._types import as_utc
from directory.models.review import TEXT_MAX
from directory.services import audit
from directory.services.booking import attendance
from directory.services.booking.transactions import now_utc

ONE_PER = timedelta(days=90)
REPLY_MAX = 2000
FLAG_REASON_MAX = 500
PER_PAGE = 10


class ReviewError(ValueError):
    """``code`` is the API's: not_found (404), conflict (409) or invalid_parameter (400)."""

    def __init__(self, code: str, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.code, self.message, self.field = code, message, field


@dataclass(frozen=True)
class Summary:
    average: float
    count: int


def author_label(name: str | None, show_name: bool) -> str:
    """ "Mei Lin Chen" -> "Mei C."; "Verified patient" when they'd rather not be named."""
    parts = (name or "").split()
    if not show_name or not parts:
        return "Verified patient"
    return parts[0] if len(parts) == 1 else f"{parts[0]} {parts[-1][0].upper()}."


def _last_review(patient_id: int, practitioner_id: int) -> Review | None:
    return db.session.scalars(select(Review).where(Review.patient_id == patient_id,
                                                   Review.practitioner_id == practitioner_id)
                              .order_by(Review.created_at.desc()).limit(1)).first()


def check_may_review(appointment: Appointment, patient: User, now: datetime | None = None) -> None:
    now = now_utc(now)
    if appointment.patient_id != patient.id or not attendance.was_attended(appointment, now):
        raise ReviewError("not_found", "You can review a practitioner after a visit you attended.")
    last = _last_review(patient.id, appointment.practitioner_id)
    if last is not None and as_utc(last.created_at) + ONE_PER > now:
        raise ReviewError("conflict", "You reviewed this practitioner in the last 90 days; you can "
                                      f"review them again from {(as_utc(last.created_at) + ONE_PER).date():%-d %B %Y}.")


def may_review(appointment: Appointment, patient: User, now: datetime | None = None) -> bool:
    try:
        check_may_review(appointment, patient, now)
    except ReviewError:
        return False
    return True


def write(appointment: Appointment, patient: User, *, rating: object, text: object = "", show_name: bool = True,
          measured_change: str | None = None, now: datetime | None = None) -> Review:
    """Raises ReviewError. ``measured_change`` is passed only when the patient ticked it. Commits."""
    now = now_utc(now)
    check_may_review(appointment, patient, now)
    if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5:
        raise ReviewError("invalid_parameter", "Rating must be a whole number from 1 to 5.", "rating")
    if text is None:
        text = ""
    if not isinstance(text, str):
        raise ReviewError("invalid_parameter", "Text must be a string.", "text")
    text = text.strip()
    if len(text) > TEXT_MAX:
        raise ReviewError("invalid_parameter", f"Text can be at most {TEXT_MAX} characters.", "text")
    start = as_utc(appointment.starts_at)
    review = Review(appointment_id=appointment.id, patient_id=patient.id, practitioner_id=appointment.practitioner_id,
                    rating=rating, text=text, author=author_label(patient.name, show_name),
                    visit_month=date(start.year, start.month, 1), measured_change=measured_change, created_at=now)
    db.session.add(review)
    db.session.flush()
    audit.record("review.create", "review", review.id, actor=patient, after={"rating": rating})
    db.session.commit()
    return review


def reply(review: Review, practitioner_user: User, text: str, now: datetime | None = None) -> None:
    if practitioner_user.id != review.practitioner.user_id:
        raise PermissionError("Only the reviewed practitioner can reply.")
    text = (text or "").strip()
    if not text or len(text) > REPLY_MAX:
        raise ReviewError("invalid_parameter", f"Write a reply of 1 to {REPLY_MAX} characters.", "reply")
    if review.reply is not None:
        raise ReviewError("conflict", "You have already replied to this review.")
    review.reply, review.replied_at = text, now_utc(now)
    audit.record("review.reply", "review", review.id, actor=practitioner_user)
    db.session.commit()


def flag(review: Review, reporter: User | None, reason: str) -> None:
    reason = (reason or "").strip()
    if not reason or len(reason) > FLAG_REASON_MAX:
        raise ReviewError("invalid_parameter", f"Say what is wrong in 1 to {FLAG_REASON_MAX} characters.", "reason")
    db.session.add(ReviewFlag(review_id=review.id, reporter_id=reporter.id if reporter else None, reason=reason))
    db.session.commit()


def set_hidden(review: Review, admin: User, *, hidden: bool, reason: str, now: datetime | None = None) -> None:
    reason = (reason or "").strip()
    if not reason:
        raise ReviewError("invalid_parameter", "Give a reason, for the audit log.", "reason")
    before = review.hidden_at is not None
    open_flags = [f for f in review.flags if f.resolved_at is None]
    if before == hidden and (hidden or not open_flags):
        raise ReviewError("conflict", "The review is already " + ("hidden." if hidden else "shown."))
    review.hidden_at = now_utc(now) if hidden else None
    review.hidden_reason = reason if hidden else None
    # Either decision answers the reports that asked for it ("restore" of a shown review keeps it).
    for open_flag in open_flags:
        open_flag.resolved_at = now_utc(now)
    audit.record("review.hide" if hidden else "review.restore", "review", review.id, actor=admin,
                 before={"hidden": before}, after={"hidden": hidden}, reason=reason)
    db.session.commit()


def _shown():
    return Review.hidden_at.is_(None)


def summaries(practitioner_ids: list[int]) -> dict[int, Summary]:
    """Average and count of shown reviews per practitioner, for a page of results in one query."""
    if not practitioner_ids:
        return {}
    rows = db.session.execute(select(Review.practitioner_id, func.avg(Review.rating), func.count())
                              .where(Review.practitioner_id.in_(practitioner_ids), _shown())
                              .group_by(Review.practitioner_id)).all()
    return {pid: Summary(round(float(avg), 1), count) for pid, avg, count in rows}


def summary(practitioner_id: int) -> Summary | None:
    return summaries([practitioner_id]).get(practitioner_id)


def page(practitioner_id: int, number: int = 1, per_page: int = PER_PAGE) -> list[Review]:
    return list(db.session.scalars(select(Review).where(Review.practitioner_id == practitioner_id, _shown())
                                   .order_by(Review.created_at.desc(), Review.id.desc())
                                   .offset((max(number, 1) - 1) * per_page).limit(per_page)))


def flagged() -> list[Review]:
    """Reviews with an open report, for the admins, oldest report first."""
    return list(db.session.scalars(select(Review).join(ReviewFlag).where(ReviewFlag.resolved_at.is_(None))
                                   .group_by(Review.id).order_by(func.min(ReviewFlag.created_at))))
