"""Forms for requesting, cancelling and answering appointments. The intake's rules live in
directory.services.intake; these forms only collect and label the answers."""
from __future__ import annotations

import unicodedata

from flask_wtf import FlaskForm
from wtforms import (HiddenField, RadioField, SelectChoice, SelectField, SelectMultipleField, StringField,
                     TextAreaField)
from wtforms.validators import DataRequired, InputRequired, Length, StopValidation

from directory.services import intake

REASON_MAX = 2000
HISTORY_MAX = 4000
MEDICATIONS_MAX = 2000
MESSAGE_MAX = 1000


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _plain_text(form, field):
    # Nobody types control characters, and PostgreSQL cannot store a NUL.
    if isinstance(field.data, str) and any(
            unicodedata.category(c) == "Cc" and c not in "\n\t\r" for c in field.data):
        raise StopValidation("Remove the control characters (such as a null byte) from this text.")


def _choices(labels: dict[str, str]) -> list[SelectChoice]:
    return [SelectChoice(key, label) for key, label in labels.items()]


def _text(label: str, max_length: int, required: str | None = None, **kwargs) -> TextAreaField:
    validators = [DataRequired(required)] if required else []
    validators += [_plain_text, Length(max=max_length, message=f"Use at most {max_length} characters.")]
    return TextAreaField(label, filters=[_strip], validators=validators,
                         render_kw={"rows": kwargs.pop("rows", 4), "maxlength": max_length}, **kwargs)


class IntakeForm(FlaskForm):
    # Which slot: carried from the link the patient followed.
    practitioner = HiddenField()
    clinic = HiddenField()
    start = HiddenField()
    kind = HiddenField()

    reason = _text("What would you like help with?", REASON_MAX, "Tell the practitioner why you are coming.")
    pain_duration = RadioField("How long have you had this pain?",
                               choices=_choices(intake.PAIN_DURATIONS),
                               validators=[InputRequired("Choose how long you have had this pain.")])
    pain_score = SelectField(
        "How bad is the pain right now, from 0 (no pain) to 10 (the worst you can imagine)?",
        choices=[SelectChoice("", "Choose a number")] + [SelectChoice(str(n), str(n)) for n in range(11)],
        validators=[DataRequired("Choose a number from 0 to 10 for your pain right now.")])
    medical_history = _text("Medical history", HISTORY_MAX, rows=5)
    medications = _text("Medicines you take now", MEDICATIONS_MAX)
    safety = SelectMultipleField("Do any of these apply to you?", choices=_choices(intake.SAFETY_FLAGS),
                                 validate_choice=False)
    red_flags = SelectMultipleField("Do you have any of these along with your back pain?",
                                    choices=_choices(intake.RED_FLAGS), validate_choice=False)

    def reported_red_flags(self) -> list[str]:
        return [key for key in (self.red_flags.data or []) if key in intake.RED_FLAGS]

    def values(self) -> dict:
        """The answers in the shape directory.services.intake.validate_intake expects."""
        chosen_safety = set(self.safety.data or [])
        chosen_red = set(self.red_flags.data or [])
        return {
            "reason": self.reason.data or "",
            "pain_duration": self.pain_duration.data or "",
            "pain_score": self.pain_score.data or "",
            "medical_history": self.medical_history.data or "",
            "medications": self.medications.data or "",
            "safety": {key: key in chosen_safety for key in intake.SAFETY_FLAGS},
            "red_flags": {key: key in chosen_red for key in intake.RED_FLAGS},
        }


class CancelForm(FlaskForm):
    reason = _text("Why are you cancelling?", 500, "Give a short reason for cancelling.", rows=3)


class ConfirmForm(FlaskForm):
    """A button that only needs its CSRF token."""


class DeclineForm(FlaskForm):
    message = _text("Message to the patient", MESSAGE_MAX,
                    "Write a short message to the patient: it is sent with the decline.", rows=3)


class CalendarForm(FlaskForm):
    action = StringField(validators=[InputRequired()])
