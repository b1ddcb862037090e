"""Forms for requesting, cancelling and answering appointments. The intake's rules live in
directory.services.booking.intake; these forms only collect and label the answers."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (HiddenField, RadioField, SelectChoice, SelectField, SelectMultipleField, StringField,
                     TextAreaField)
from wtforms.validators import DataRequired, InputRequired, Length

from directory.services.booking import intake
from directory.services.booking.requests import CANCEL_REASON_MAX, DECLINE_MESSAGE_MAX
from directory.web import plain_text, strip


def _newlines(value):
    # Browsers send a textarea's line breaks as CRLF; plain_text refuses a bare "\r".
    return value.replace("\r\n", "\n") if isinstance(value, str) else value


def _choices(labels: dict[str, str]) -> list[SelectChoice]:
    return [SelectChoice(key, label) for key, label in labels.items()]


def _text(label: str, max_length: int, required: str | None = None, **kwargs) -> TextAreaField:
    validators = [DataRequired(required)] if required else []
    validators += [plain_text(multiline=True), Length(max=max_length, message=f"Use at most {max_length} characters.")]
    return TextAreaField(label, filters=[strip, _newlines], validators=validators,
                         render_kw={"rows": kwargs.pop("rows", 4), "maxlength": max_length}, **kwargs)


class IntakeForm(FlaskForm):
    # Which slot: carried from the link the patient followed.
    practitioner = HiddenField()
    clinic = HiddenField()
    start = HiddenField()
    kind = HiddenField()

    reason = _text("What would you like help with?", intake.MAX_LENGTHS["reason"],
                   "Tell the practitioner why you are coming.")
    pain_duration = RadioField("How long have you had this pain?",
                               choices=_choices(intake.PAIN_DURATIONS),
                               validators=[InputRequired("Choose how long you have had this pain.")])
    pain_score = SelectField(
        "How bad is the pain right now, from 0 (no pain) to 10 (the worst you can imagine)?",
        choices=[SelectChoice("", "Choose a number")] + [SelectChoice(str(n), str(n)) for n in range(11)],
        validators=[DataRequired("Choose a number from 0 to 10 for your pain right now.")])
    medical_history = _text("Medical history", intake.MAX_LENGTHS["medical_history"], rows=5)
    medications = _text("Medicines you take now", intake.MAX_LENGTHS["medications"])
    safety = SelectMultipleField("Do any of these apply to you?", choices=_choices(intake.SAFETY_FLAGS),
                                 validate_choice=False)
    red_flags = SelectMultipleField("Do you have any of these along with your back pain?",
                                    choices=_choices(intake.RED_FLAGS), validate_choice=False)

    def reported_red_flags(self) -> list[str]:
        return [key for key in (self.red_flags.data or []) if key in intake.RED_FLAGS]

    def values(self) -> dict:
        """The answers in the shape directory.services.booking.intake.validate_intake expects."""
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
    # Optional, as in the API: nobody has to explain a cancellation to be allowed one.
    reason = _text("Why are you cancelling? (optional)", CANCEL_REASON_MAX, rows=3)


class DeclineForm(FlaskForm):
    message = _text("Message to the patient", DECLINE_MESSAGE_MAX,
                    "Write a short message to the patient: they can read it in Meridian.", rows=3)


class CalendarForm(FlaskForm):
    action = StringField(validators=[InputRequired()])
