"""The admin safety queue (open urgent reaction reports and per-practitioner rates) and review
moderation. Admins see who, when, the triage level and acknowledgement — never symptoms or notes."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user

from directory.admin import bp
from directory.admin.forms import ReasonForm
from directory.extensions import db
from directory.models import ReactionReport, Review
from directory.services.reviews import reviews
from directory.services.safety import queue
from directory.web import form_errors


def _me():
    return current_user._get_current_object()


def _get(model, object_id: int):
    found = db.session.get(model, object_id) if 0 < object_id < 2**62 else None
    if found is None:
        abort(404)
    return found


@bp.get("/safety")
def safety():
    return render_template("admin/safety.html", items=queue.open_urgent(), rates=queue.rates(),
                           baseline_any=queue.BASELINE_ANY, baseline_moderate=queue.BASELINE_MODERATE_OR_SEVERE,
                           form=ReasonForm(formdata=None))


@bp.post("/safety/<int:report_id>/close")
def safety_close(report_id: int):
    found = _get(ReactionReport, report_id)
    form = ReasonForm()
    if not form.validate_on_submit():
        flash(form_errors(form).get("reason", "Give a reason."), "error")
    else:
        try:
            queue.close(found, _me(), form.reason.data)
        except ValueError as error:
            flash(str(error), "error")
        else:
            flash("The item is closed.", "success")
    return redirect(url_for("admin.safety"))


@bp.get("/reviews")
def reviews_queue():
    return render_template("admin/reviews.html", flagged=reviews.flagged(), form=ReasonForm(formdata=None))


@bp.post("/reviews/<int:review_id>/<any(hide, restore):action>")
def review_moderate(review_id: int, action: str):
    found = _get(Review, review_id)
    form = ReasonForm()
    if not form.validate_on_submit():
        flash(form_errors(form).get("reason", "Give a reason."), "error")
    else:
        try:
            reviews.set_hidden(found, _me(), hidden=action == "hide", reason=form.reason.data)
        except reviews.ReviewError as error:
            flash(error.message, "error")
        else:
            flash("The review is hidden." if action == "hide" else "The review is shown again.", "success")
    return redirect(url_for("admin.reviews_queue"))
