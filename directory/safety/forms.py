"""The reaction checklist (one question per symptom in the triage rules), and the short
forms around it."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import RadioField, SelectChoice, TextAreaField
from wtforms.validators import DataRequired, Length

from directory.services.safety.reports import NOTE_MAX, NOTES_MAX
from directory.services.safety.triage import SEVERITY_WORDS, rules
from directory.web import plain_text, strip

NOT_NOTICED = ""


def _newlines(value):
    return value.replace("\r\n", "\n") if isinstance(value, str) else value


def _severity_field(label: str) -> RadioField:
    choices = [SelectChoice(value, words) for value, words in [(NOT_NOTICED, "No"), *SEVERITY_WORDS.items()]]
    return RadioField(label, choices=choices, default=NOT_NOTICED, validate_choice=True)


def reaction_form(*args, **kwargs) -> FlaskForm:
    """A form with a field ``symptom_<code>`` per symptom, built from the rules file so the
    checklist and the triage never disagree."""
    fields = {f"symptom_{symptom.code}": _severity_field(symptom.label) for symptom in rules().symptoms.values()}
    fields["notes"] = TextAreaField(
        "Anything else your practitioner should know? (optional; needed for \"something else\")",
        filters=[strip, _newlines],
        validators=[plain_text(multiline=True), Length(max=NOTES_MAX, message=f"Use at most {NOTES_MAX} characters.")],
        render_kw={"rows": 4, "maxlength": NOTES_MAX})
    form_class = type("ReactionForm", (FlaskForm,), fields)
    return form_class(*args, **kwargs)


def chosen_symptoms(form: FlaskForm) -> list[dict]:
    return [{"code": name.removeprefix("symptom_"), "severity": field.data}
            for name, field in form._fields.items() if name.startswith("symptom_") and field.data]


class AcknowledgeForm(FlaskForm):
    note = TextAreaField("What you did or advised", filters=[strip, _newlines],
                         validators=[DataRequired("Write what you did or advised."), plain_text(multiline=True),
                                     Length(max=NOTE_MAX, message=f"Use at most {NOTE_MAX} characters.")],
                         render_kw={"rows": 3, "maxlength": NOTE_MAX})


class AttendanceForm(FlaskForm):
    attended = RadioField("Did the patient come?", choices=[SelectChoice("yes", "Attended"), SelectChoice("no", "Did not come (no-show)")],
                          validators=[DataRequired("Choose attended or did not come.")])
