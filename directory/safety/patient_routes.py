"""The patient's side: the reaction checklist for a past visit, the advice it gives (shown
before anything else), and saying a visit did not happen."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from directory.booking import display
from directory.booking.routes import patient_required
from directory.extensions import db
from directory.models import ReactionReport
from directory.safety import bp
from directory.safety.forms import chosen_symptoms, reaction_form
from directory.services.booking import attendance
from directory.services.safety import reports
from directory.services.safety.triage import SEVERITY_WORDS, SymptomError, rules, triage
from directory.web import ConfirmForm, config_limit, form_errors


def _me():
    return current_user._get_current_object()


@bp.route("/appointments/<int:appointment_id>/reaction", methods=["GET", "POST"])
@config_limit("BOOKING_RATE_LIMIT")
@patient_required
def report(appointment_id: int):
    found = display.own_appointment(appointment_id, _me())
    if not reports.may_report(found, _me()):
        return render_template("safety/closed.html", appointment=found), 409
    form = reaction_form()
    errors: dict[str, str] = {}
    if request.method == "POST":
        # "Nothing to report" is its own button on the same form (CSRF checked alike).
        nothing = request.form.get("nothing") == "1"
        if form.validate_on_submit():
            try:
                done = reports.submit(found, _me(), [] if nothing else chosen_symptoms(form),
                                      "" if nothing else form.notes.data or "")
            except SymptomError as error:
                errors = {"notes" if error.field == "notes" else "symptoms": error.message}
            else:
                return redirect(url_for("safety.report_result", appointment_id=found.id, report_id=done.report.id))
        else:
            errors = form_errors(form)
    return render_template("safety/report.html", appointment=found, form=form, errors=errors,
                           symptoms=list(rules().symptoms.values())), 400 if errors else 200


@bp.get("/appointments/<int:appointment_id>/reactions/<int:report_id>")
@patient_required
def report_result(appointment_id: int, report_id: int):
    found = display.own_appointment(appointment_id, _me())
    report_row = db.session.get(ReactionReport, report_id) if 0 < report_id < 2**62 else None
    if report_row is None or report_row.appointment_id != found.id:
        abort(404)
    content = reports.read(report_row, _me())
    outcome = triage(content["symptoms"])
    return render_template("safety/result.html", appointment=found, report=report_row, content=content,
                           outcome=outcome, labels={s.code: s.label for s in rules().symptoms.values()},
                           severity_words=SEVERITY_WORDS)


@bp.post("/appointments/<int:appointment_id>/missed")
@patient_required
def missed(appointment_id: int):
    found = display.own_appointment(appointment_id, _me())
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        attendance.patient_missed(found, by=_me())
    except attendance.AttendanceError as error:
        flash(str(error), "error")
    else:
        flash("Thank you: this visit is recorded as not attended.", "success")
    return redirect(url_for("booking.appointment", appointment_id=found.id))
