"""Forms for the admin area. Rules that need the database (an actor's email, a licence's
checks) are applied in the views."""
from __future__ import annotations

import re

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, DateField, RadioField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, Regexp, ValidationError

from directory.web import plain_text, strip

APPROVE, REJECT, REQUEST_CHANGES = "approve", "reject", "request_changes"
MAX_REASON = 2000
MAX_ID = 2**31 - 1
_CHOOSE_DECISION = "Choose approve, reject or ask for changes."


def _reason_field(label: str, hint_length: str = "reason") -> TextAreaField:
    return TextAreaField(label, filters=[strip], validators=[
        plain_text(multiline=True),
        Length(max=MAX_REASON, message=f"Keep the {hint_length} to {MAX_REASON} characters or fewer.")])


class QuietDateField(DateField):
    """A date typed as YYYY-MM-DD; a bad value is a form error with a plain message."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            self.data = None
            raise ValueError("Enter a date as YYYY-MM-DD, for example 2026-03-12.") from None


def _sensible_year(form, field):
    # The search adds a day to the end date; far-off years mean a typing slip anyway.
    if field.data is not None and not 2000 <= field.data.year <= 2999:
        raise ValidationError("Enter a date between the year 2000 and 2999.")


class DecisionForm(FlaskForm):
    decision = RadioField("Your decision", choices=[
        SelectChoice(APPROVE, "Approve: the licence is verified"),
        SelectChoice(REJECT, "Reject: the licence cannot be verified"),
        SelectChoice(REQUEST_CHANGES, "Ask the practitioner for changes"),
    ], invalid_choice_message=_CHOOSE_DECISION, validators=[DataRequired(message=_CHOOSE_DECISION)])
    reason = _reason_field("Reason")
    override = BooleanField("Approve although a check failed (write why in the reason)")


class BoardStatusForm(FlaskForm):
    """An admin records what the board says (from its online lookup, a letter, a call)."""
    board_status = SelectField("Board status", validators=[DataRequired(message="Choose the status the board gives.")],
                               invalid_choice_message="Choose the status the board gives.")
    note = TextAreaField("Where you saw it", filters=[strip], validators=[
        DataRequired(message="Say where you saw this status, for example the board's online lookup and the date."),
        plain_text(multiline=True),
        Length(max=MAX_REASON, message=f"Keep the note to {MAX_REASON} characters or fewer.")])

    def __init__(self, *args, labels: dict | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.board_status.choices = [SelectChoice("", "Choose a status")] + [
            SelectChoice(status.value, label) for status, label in (labels or {}).items()]


class ReasonForm(FlaskForm):
    """Suspend or reinstate a practitioner: the reason is required and kept in the audit log."""
    reason = TextAreaField("Reason", filters=[strip], validators=[
        DataRequired(message="Write the reason: it is kept in the audit log."),
        plain_text(multiline=True),
        Length(max=MAX_REASON, message=f"Keep the reason to {MAX_REASON} characters or fewer.")])


class RosterForm(FlaskForm):
    roster = FileField("Roster file (CSV)", validators=[FileRequired(message="Choose the CSV file to import.")])
    jurisdiction = SelectField("Jurisdiction", validators=[
        DataRequired(message="Choose the jurisdiction whose board published the roster.")])
    source = StringField("Source", filters=[strip], validators=[
        DataRequired(message="Say where the roster came from, such as the board's website and date."),
        plain_text(), Length(max=200, message="Keep the source to 200 characters or fewer.")])

    def __init__(self, *args, grouped_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        # Grouped by country; the empty first option makes the admin choose rather than
        # import into whatever was listed first.
        self.jurisdiction.choices = [SelectChoice("", "Choose a jurisdiction")] + [
            SelectChoice(code, f"{name} ({code})", optgroup=country)
            for country, options in grouped_choices for code, name in options]


class PractitionerSearchForm(FlaskForm):
    class Meta:
        csrf = False  # a GET search: nothing changes

    q = StringField("Name or email", filters=[strip], validators=[
        Optional(), plain_text(), Length(max=200, message="Keep the search to 200 characters or fewer.")])


def _subject_id(form, field):
    if field.data is None:
        return
    if not re.fullmatch(r"[0-9]{1,10}", field.data) or not 0 < int(field.data) <= MAX_ID:
        raise ValidationError("Enter the subject's id as a whole number, such as 42.")


class AuditFilterForm(FlaskForm):
    class Meta:
        csrf = False  # read-only filters in the query string

    action = SelectField("Action", validators=[Optional()],
                         invalid_choice_message="Choose an action from the list.")
    actor = StringField("Actor (email or account id)", filters=[strip], validators=[
        Optional(), plain_text(), Length(max=254, message="Enter an email address or an account id.")])
    subject_type = StringField("Subject type", filters=[strip, lambda v: v.lower() if isinstance(v, str) else v],
                               validators=[Optional(), Regexp(r"[a-z_]{1,40}\Z", message=(
                                   "Enter a subject type such as licence, practitioner or roster_import."))])
    subject_id = StringField("Subject id", filters=[strip, lambda v: v or None],
                             validators=[Optional(), _subject_id])
    since = QuietDateField("From date", validators=[Optional(), _sensible_year])
    until = QuietDateField("To date", validators=[Optional(), _sensible_year])

    def __init__(self, *args, actions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.action.choices = [SelectChoice("", "Any action")] + [SelectChoice(a) for a in actions]

    def validate_until(self, field):
        if field.data and self.since.data and field.data < self.since.data:
            raise ValidationError("The to date must be on or after the from date.")

    def validate_actor(self, field):
        value = field.data or ""
        if value and not (re.fullmatch(r"[0-9]{1,10}", value) and 0 < int(value) <= MAX_ID) and "@" not in value:
            raise ValidationError("Enter an email address or an account id.")
