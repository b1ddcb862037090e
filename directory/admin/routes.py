"""The overview and the licence verification queue: review a licence and decide on it."""
from __future__ import annotations

from datetime import date

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user
from wtforms import SelectChoice

from directory.services import presenters
from directory.admin import bp, queries
from directory.admin.forms import APPROVE, REJECT, REQUEST_CHANGES, BoardStatusForm, DecisionForm
from directory.models import BoardStatus, Licence, VerificationState
from directory.services import audit
from directory.services.licensing import jurisdictions
from directory.services.licensing import checks as licence_checks
from directory.services.licensing import decisions as licensing
from directory.services.licensing import expiry as licence_expiry
from directory.services.licensing import rosters
from directory.services.licensing.expiry import FIRST_REMINDER_DAYS
from directory.services.licensing import review as licence_review
from directory.web import form_errors


@bp.context_processor
def _helpers():
    # The admin pages' own display helpers; their macros are imported `with context`.
    return {**{name: getattr(queries, name) for name in
               ("STATE_LABELS", "LISTING_LABELS", "check_counts", "timestamp", "days_until", "reminders_sent")},
            "BOARD_STATUS_LABELS": licence_review.BOARD_STATUS_LABELS,
            "failing_roster_checks": licence_review.roster_failures}


@bp.get("")
def overview():
    today = date.today()
    return render_template(
        "admin/overview.html",
        pending=queries.count_pending(),
        expiring=licence_expiry.count_expiring(today=today, days=FIRST_REMINDER_DAYS),
        lapsed=licence_expiry.count_lapsed(),
        suspended=queries.count_suspended(),
        oldest=licence_review.pending_queue(limit=5),
        imports=rosters.recent_imports(limit=5),
        window=FIRST_REMINDER_DAYS)


@bp.get("/licences")
def queue():
    return render_template("admin/queue.html", licences=licence_review.pending_queue(limit=200),
                           total=queries.count_pending())


def _licence_or_404(licence_id: int) -> Licence:
    licence = queries.find_licence(licence_id)
    if licence is None:
        abort(404)
    return licence


def _board_form(**kwargs) -> BoardStatusForm:
    return BoardStatusForm(labels=licence_review.BOARD_STATUS_LABELS, **kwargs)


def _review_page(licence: Licence, form: DecisionForm, errors: dict[str, str], code: int = 200,
                 board_form: BoardStatusForm | None = None, board_errors: dict[str, str] | None = None):
    history, _ = audit.search(audit.AuditFilter(subject_type="licence", subject_id=licence.id),
                              page=1, per_page=200)
    roster_entry = licence_checks.roster_entry_for(licence.jurisdiction, licence.number)
    checks, checked_now = licence.check_results, False
    if not checks and licence.verification_state is VerificationState.PENDING:
        # Loaded in bulk (such as the demo data) with none stored: run them for the reviewer
        # without saving; approving runs and stores them in any case.
        checks, checked_now = [r.as_dict() for r in licensing.current_checks(licence)], True
    if licence.review_requested_at is not None:
        form.decision.choices = [SelectChoice(c.value, KEEP_LABEL if c.value == APPROVE else c.label)
                                 for c in form.decision.choices]
    return render_template(
        "admin/licence.html", licence=licence, practitioner=licence.practitioner, form=form,
        errors=errors, history=history, roster_entry=roster_entry,
        awaits_decision=licence_review.awaits_decision(licence),
        board_form=board_form or _board_form(formdata=None), board_errors=board_errors or {},
        jurisdiction=jurisdictions.get(licence.jurisdiction), checks=checks, checked_now=checked_now,
        counts=queries.check_counts(checks),
        show_override=queries.has_failed_check(checks) or bool(form.override.data) or bool(errors),
        labels=licence_checks.CHECK_LABELS), code


@bp.get("/licences/<int:licence_id>")
def licence(licence_id: int):
    return _review_page(_licence_or_404(licence_id), DecisionForm(formdata=None), {})


def _decide(licence: Licence, form: DecisionForm) -> dict[str, str]:
    """Apply the decision; the problems to show beside the form, or {} when done."""
    decision, reason = form.decision.data, form.reason.data or None
    if decision in (REJECT, REQUEST_CHANGES) and not reason:
        return {"reason": "Write the reason: it is emailed to the practitioner."}
    if decision == APPROVE and form.override.data and not reason:
        return {"reason": "Write why you are approving although a check failed."}
    try:
        if decision == APPROVE:
            licensing.approve(licence, admin=current_user, override_reason=reason if form.override.data else None)
        elif decision == REJECT:
            licensing.reject(licence, admin=current_user, reason=reason)
        else:
            licensing.request_changes(licence, admin=current_user, reason=reason)
    except licensing.DecisionError as exc:
        return {"decision": exc.message}
    return {}


KEEP_LABEL = "Keep it verified: the roster is wrong or out of date (write why in the reason)"
_DONE = {APPROVE: "approved: it now counts towards the listing",
         REJECT: "rejected; the practitioner has been emailed the reason",
         REQUEST_CHANGES: "sent back for changes; the practitioner has been emailed the reason"}


@bp.post("/licences/<int:licence_id>/decision")
def decide(licence_id: int):
    licence = _licence_or_404(licence_id)
    form = DecisionForm()
    if not licence_review.awaits_decision(licence):
        state = queries.STATE_LABELS[licence.verification_state].lower()
        return _review_page(licence, form, {"decision": (
            f"This licence is no longer pending (it is {state}), so nothing was changed. "
            "It returns to the queue when the practitioner edits or resubmits it.")}, 409)
    errors = form_errors(form) if not form.validate_on_submit() else _decide(licence, form)
    if errors:
        return _review_page(licence, form, errors, 400)
    flash(f"{licence.practitioner.display_name}'s {licence.title} {licence.number} "
          f"({presenters.jurisdiction_name(licence.jurisdiction)}) was {_DONE[form.decision.data]}.", "success")
    return redirect(url_for(".queue"))


@bp.post("/licences/<int:licence_id>/board-status")
def board_status(licence_id: int):
    licence = _licence_or_404(licence_id)
    form = _board_form()
    if not form.validate_on_submit():
        return _review_page(licence, DecisionForm(formdata=None), {}, 400, board_form=form,
                            board_errors=form_errors(form))
    status = BoardStatus(form.board_status.data)
    licence_review.record_board_status(licence, status, admin=current_user, note=form.note.data)
    flash(f"Board status recorded: {licence_review.BOARD_STATUS_LABELS[status]}.", "success")
    return redirect(url_for(".licence", licence_id=licence.id))
