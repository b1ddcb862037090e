"""The practitioner's side: every reaction report on their patients, newest first, the
acknowledgement urgent and contact-practitioner reports need, and marking attendance."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user

from directory.auth.access import current_practitioner, role_required
from directory.booking import display
from directory.extensions import db
from directory.models import ReactionReport, Role
from directory.safety import bp
from directory.safety.forms import AcknowledgeForm, AttendanceForm
from directory.services.booking import attendance
from directory.services.safety import reports
from directory.services.safety.triage import SEVERITY_WORDS, SymptomError, rules
from directory.web import form_errors

practitioners_only = role_required(Role.PRACTITIONER)


def _me():
    return current_user._get_current_object()


def _own_report(report_id: int) -> ReactionReport:
    practitioner = current_practitioner()
    found = db.session.get(ReactionReport, report_id) if 0 < report_id < 2**62 else None
    if found is None or found.practitioner_id != practitioner.id:
        abort(404)
    return found


@bp.get("/practice/safety")
@practitioners_only
def practice_reports():
    practitioner = current_practitioner()
    return render_template("safety/practice_reports.html", reports=reports.for_practitioner(practitioner.id))


@bp.route("/practice/safety/<int:report_id>", methods=["GET", "POST"])
@practitioners_only
def practice_report(report_id: int):
    found = _own_report(report_id)
    form = AcknowledgeForm()
    errors: dict[str, str] = {}
    if form.validate_on_submit():
        try:
            reports.acknowledge(found, _me(), form.note.data)
        except SymptomError as error:
            errors = {"note": error.message}
        else:
            flash("Acknowledged.", "success")
            return redirect(url_for("safety.practice_report", report_id=found.id))
    elif form.is_submitted():
        errors = form_errors(form)
    content = reports.read(found, _me())
    return render_template("safety/practice_report.html", report=found, content=content, form=form, errors=errors,
                           labels={s.code: s.label for s in rules().symptoms.values()},
                           severity_words=SEVERITY_WORDS), 400 if errors else 200


@bp.post("/practice/appointments/<int:appointment_id>/attendance")
@practitioners_only
def mark_attendance(appointment_id: int):
    found = display.practitioners_appointment(appointment_id, _me())
    form = AttendanceForm()
    if not form.validate_on_submit():
        flash(form_errors(form).get("attended", "Choose attended or did not come."), "error")
    else:
        try:
            attendance.mark(found, attended=form.attended.data == "yes", by=_me())
        except attendance.AttendanceError as error:
            flash(str(error), "error")
        else:
            flash("Attendance recorded.", "success")
    return redirect(url_for("practice.appointment", appointment_id=found.id))
