"""The licence form. It checks only what a browser could send wrongly (unparseable dates,
unknown jurisdiction codes, control characters); the rules of a licence — required fields,
date ranges, titles, number formats — are the automatic checks in
directory.services.licensing.checks, run by the licensing service and shown beside each field."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField, StringField
from wtforms.validators import Length, Optional, ValidationError

from directory.practice.forms import PlainDateField
from directory.services.licensing import jurisdictions
from directory.services.licensing.decisions import LicenceInput
from directory.web import plain_text, strip

DATE_MESSAGE = "Enter the date as year-month-day, like 2024-03-15."


def jurisdiction_choices() -> list[SelectChoice]:
    return [SelectChoice("", "Choose where it was issued")] + [
        SelectChoice(code, name, optgroup=country)
        for country, places in jurisdictions.choices() for code, name in places]


class LicenceForm(FlaskForm):
    jurisdiction = SelectField("Issued in", validate_choice=False, default="")
    title = StringField("Credential title", filters=[strip], validators=[
        plain_text(), Length(max=40, message="Use at most 40 characters.")],
        render_kw={"list": "title-options", "autocomplete": "off", "maxlength": 40})
    number = StringField("Licence number", filters=[strip], validators=[
        plain_text(), Length(max=40, message="Use at most 40 characters.")],
        render_kw={"autocomplete": "off", "spellcheck": "false", "maxlength": 40})
    issued_on = PlainDateField("Issue date", message=DATE_MESSAGE, validators=[Optional()])
    expires_on = PlainDateField("Expiry date", message=DATE_MESSAGE, validators=[Optional()])

    FIELDS = ("jurisdiction", "title", "number", "issued_on", "expires_on")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.jurisdiction.choices = jurisdiction_choices()

    def validate_jurisdiction(self, field):
        # Blank is left to the "required" check, so it is reported with the others.
        if field.data and jurisdictions.get(field.data) is None:
            raise ValidationError("Choose a state, province or country from the list.")

    def licence_input(self) -> LicenceInput:
        return LicenceInput(jurisdiction=self.jurisdiction.data or "", title=self.title.data or "",
                            number=self.number.data or "", issued_on=self.issued_on.data,
                            expires_on=self.expires_on.data)
