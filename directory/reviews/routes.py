"""Reviews on the web: a patient writes one after an attended visit; anyone reads them on a
practitioner's reviews page and may report one; the practitioner replies once."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from directory.auth.access import current_practitioner, role_required
from directory.booking import display
from directory.booking.routes import patient_required
from directory.extensions import db, limiter
from directory.models import Review, Role
from directory.reviews import bp
from directory.reviews.forms import FlagForm, ReplyForm, ReviewForm
from directory.services.reviews import measured, reviews
from directory.services.search import profiles
from directory.web import TOO_MANY, form_errors


def _me():
    return current_user._get_current_object()


def _review_or_404(review_id: int) -> Review:
    found = db.session.get(Review, review_id) if 0 < review_id < 2**62 else None
    if found is None or found.hidden_at is not None:
        abort(404)
    return found


@bp.route("/appointments/<int:appointment_id>/review", methods=["GET", "POST"])
@patient_required
def write(appointment_id: int):
    found = display.own_appointment(appointment_id, _me())
    try:
        reviews.check_may_review(found, _me())
    except reviews.ReviewError as error:
        return render_template("reviews/closed.html", appointment=found, message=error.message), 409
    form = ReviewForm()
    change = measured.measured_change(_me(), found.practitioner_id)
    errors: dict[str, str] = {}
    if form.validate_on_submit():
        try:
            reviews.write(found, _me(), rating=int(form.rating.data), text=form.text.data or "",
                          show_name=form.show_name.data, measured_change=change if form.show_change.data else None)
        except reviews.ReviewError as error:
            errors = {error.field or "rating": error.message}
        else:
            flash("Thank you: your review is published.", "success")
            return redirect(url_for("reviews.practitioner_reviews", practitioner_id=found.practitioner_id))
    elif form.is_submitted():
        errors = form_errors(form)
    return render_template("reviews/write.html", appointment=found, form=form, errors=errors,
                           change=change), 400 if errors else 200


@bp.get("/practitioners/<int:practitioner_id>/reviews")
def practitioner_reviews(practitioner_id: int):
    found = profiles.listed_profile(practitioner_id) if 0 < practitioner_id <= profiles.MAX_ID else None
    if found is None:
        abort(404)
    raw = request.args.get("page", "1")
    page = int(raw) if raw.isdigit() and 0 < int(raw) <= 10_000 else 1
    return render_template("reviews/list.html", practitioner=found.practitioner, page=page,
                           summary=reviews.summary(practitioner_id), reviews=reviews.page(practitioner_id, page),
                           per_page=reviews.PER_PAGE, flag_form=FlagForm(formdata=None))


@bp.post("/reviews/<int:review_id>/report")
@limiter.limit("10 per hour", error_message=TOO_MANY)
def report(review_id: int):
    found = _review_or_404(review_id)
    form = FlagForm()
    if form.validate_on_submit():
        reviews.flag(found, _me() if current_user.is_authenticated else None, form.reason.data)
        flash("Thank you: an admin will look at this review.", "success")
    else:
        flash(form_errors(form).get("reason", "Say what is wrong with the review."), "error")
    return redirect(url_for("reviews.practitioner_reviews", practitioner_id=found.practitioner_id))


@bp.get("/practice/reviews")
@role_required(Role.PRACTITIONER)
def practice_reviews():
    practitioner = current_practitioner()
    return render_template("reviews/practice.html", summary=reviews.summary(practitioner.id),
                           reviews=reviews.page(practitioner.id, 1, per_page=200), form=ReplyForm(formdata=None))


@bp.post("/practice/reviews/<int:review_id>/reply")
@role_required(Role.PRACTITIONER)
def reply(review_id: int):
    found = _review_or_404(review_id)
    if found.practitioner_id != current_practitioner().id:
        abort(404)
    form = ReplyForm()
    if form.validate_on_submit():
        try:
            reviews.reply(found, _me(), form.reply.data)
        except reviews.ReviewError as error:
            flash(error.message, "error")
        else:
            flash("Your reply is published.", "success")
    else:
        flash(form_errors(form).get("reply", "Write your reply."), "error")
    return redirect(url_for("reviews.practice_reviews"))
