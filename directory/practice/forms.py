"""Forms for the practitioner's own pages. Field rules live here; rules that need the
database or the geocoder live in directory.services.practice.editing."""
from __future__ import annotations

import re
from datetime import date

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (BooleanField, DateField, HiddenField, SelectChoice, SelectField,
                     SelectMultipleField, StringField, TextAreaField)
from wtforms.validators import DataRequired, Length, Optional, Regexp, StopValidation, ValidationError

from directory.data.places import CANADIAN_PROVINCES, US_STATES
from directory.data.vocabulary import COMPLEMENTARY_THERAPIES, INSURANCE, LANGUAGES, TECHNIQUES
from directory.services.presenters import money
from directory.web import plain_text, strip

MAX_FEE_CENTS = 2_000_00
MAX_YEARS = 70
MAX_BIO = 4000
_MONEY_RE = re.compile(r"([0-9]{1,7})(?:\.([0-9]{1,2}))?")
_PHONE_RE = re.compile(r"[0-9+().\- ]*")


def _one_newline_style(value):
    return value.replace("\r\n", "\n").replace("\r", "\n") if isinstance(value, str) else value


def _digits_only(value):
    return re.sub(r"[\s\-]", "", value) if isinstance(value, str) else value


class MoneyField(StringField):
    """Dollars as typed ("120", "120.50", "$1,200") to whole cents; blank is None."""

    def process_formdata(self, valuelist):
        self.data = None
        text = (valuelist[0] if valuelist else "").strip().replace(",", "")
        text = text[1:].strip() if text.startswith("$") else text
        if not text:
            return
        if text.startswith("-"):
            raise ValueError("A fee cannot be negative.")
        match = _MONEY_RE.fullmatch(text)
        if not match:
            raise ValueError("Enter an amount in dollars, like 120 or 120.50.")
        cents = int(match.group(1)) * 100 + int((match.group(2) or "0").ljust(2, "0"))
        if cents > MAX_FEE_CENTS:
            raise ValueError(f"Enter an amount of at most {money(MAX_FEE_CENTS)}.")
        self.data = cents

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        if self.data is None:
            return ""
        whole, rest = divmod(self.data, 100)
        return f"{whole}" if rest == 0 else f"{whole}.{rest:02d}"


class WholeNumberField(StringField):
    """A whole number typed in a text box (inputmode numeric); blank is None."""

    def __init__(self, label=None, validators=None, message="Enter a whole number.", **kwargs):
        super().__init__(label, validators, **kwargs)
        self.message = message

    def process_formdata(self, valuelist):
        self.data = None
        text = (valuelist[0] if valuelist else "").strip()
        if not text:
            return
        if not re.fullmatch(r"[0-9]{1,6}", text):
            raise ValueError(self.message)
        self.data = int(text)

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return "" if self.data is None else str(self.data)


class CheckboxGroupField(SelectMultipleField):
    """Rendered by practice/_macros.html as a fieldset of checkboxes."""

    def pre_validate(self, form):
        allowed = {choice.value for choice in self.choices}
        unknown = [v for v in self.data or [] if v not in allowed]
        if unknown:
            raise ValidationError(f"Choose from the options listed for {self.label.text.lower()}.")


class PlainDateField(DateField):
    def __init__(self, label=None, validators=None, message="Enter a date.", **kwargs):
        super().__init__(label, validators, **kwargs)
        self.message = message

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            self.data = None
            raise ValueError(self.message) from None


def _required(message: str):
    def check(form, field):
        if field.data is None:
            raise StopValidation(message)
    return check


def _between(low: int, high: int, message: str):
    def check(form, field):
        if field.data is not None and not low <= field.data <= high:
            raise ValidationError(message)
    return check


def _not_in_future(form, field):
    if field.data is not None and field.data > date.today():
        raise ValidationError("The certificate date cannot be in the future.")
    if field.data is not None and field.data.year < 1970:
        raise ValidationError("Enter the date on your Clean Needle Technique certificate.")


class ProfileForm(FlaskForm):
    display_name = StringField("Display name", filters=[strip], validators=[
        plain_text(), DataRequired("Enter your display name."),
        Length(max=120, message="Use at most 120 characters."),
    ], render_kw={"autocomplete": "name"})
    credentials = StringField("Credential letters", filters=[strip], validators=[
        plain_text(), Length(max=120, message="Use at most 120 characters.")])
    bio = TextAreaField("Biography", filters=[strip, _one_newline_style], validators=[
        plain_text(multiline=True), Length(max=MAX_BIO, message=f"Use at most {MAX_BIO} characters."),
    ], render_kw={"rows": 8})
    years_chronic_pain = WholeNumberField(
        "Years treating chronic pain", message=f"Enter a whole number of years from 0 to {MAX_YEARS}.",
        validators=[_required("Enter how many years you have treated chronic pain (0 if less than one)."),
                    _between(0, MAX_YEARS, f"Enter a whole number of years from 0 to {MAX_YEARS}.")],
        render_kw={"inputmode": "numeric"})
    back_pain_focus = StringField("Back-pain focus", filters=[strip], validators=[
        plain_text(), Length(max=300, message="Use at most 300 characters.")])
    techniques = CheckboxGroupField(
        "Techniques", choices=[SelectChoice(*item) for item in TECHNIQUES.items()])
    complementary_therapies = CheckboxGroupField(
        "Complementary therapies", choices=[SelectChoice(*item) for item in COMPLEMENTARY_THERAPIES.items()])
    languages = CheckboxGroupField("Languages", choices=[SelectChoice(name) for name in LANGUAGES])
    insurance = CheckboxGroupField(
        "Insurance accepted", choices=[SelectChoice(name) for name in INSURANCE])
    fee_currency = SelectField("Currency", choices=[SelectChoice("USD", "US dollars"),
                                                   SelectChoice("CAD", "Canadian dollars")],
                               default="USD")
    fee_initial_cents = MoneyField("First visit fee", render_kw={"inputmode": "decimal"})
    fee_follow_up_cents = MoneyField("Follow-up visit fee", render_kw={"inputmode": "decimal"})
    sliding_scale = BooleanField("I offer a sliding scale")
    accepting_new_patients = BooleanField("I am accepting new patients")
    npi = StringField("NPI number", filters=[strip, _digits_only], validators=[
        Optional(), Regexp(r"[0-9]{10}\Z", message="An NPI number has exactly 10 digits.")],
        render_kw={"inputmode": "numeric", "autocomplete": "off"})
    nccaom_id = StringField("NCCAOM diplomate number", filters=[strip, _digits_only], validators=[
        Optional(), Regexp(r"[1-9][0-9]{2,5}\Z",
                           message="An NCCAOM diplomate number has 3 to 6 digits and does not start with 0.")],
        render_kw={"inputmode": "numeric", "autocomplete": "off"})
    cnt_certificate_on = PlainDateField(
        "Clean Needle Technique certificate date",
        message="Enter the date as year-month-day, like 2024-03-15.",
        validators=[Optional(), _not_in_future])

    CHECKBOX_GROUPS = ("techniques", "complementary_therapies", "languages", "insurance")

    def values(self) -> dict:
        """The service's field names and values, with blanks as None where the column allows."""
        return {
            "display_name": self.display_name.data, "credentials": self.credentials.data or "",
            "bio": self.bio.data or "", "years_chronic_pain": self.years_chronic_pain.data,
            "back_pain_focus": self.back_pain_focus.data or "",
            **{name: list(getattr(self, name).data or []) for name in self.CHECKBOX_GROUPS},
            "fee_currency": self.fee_currency.data, "fee_initial_cents": self.fee_initial_cents.data,
            "fee_follow_up_cents": self.fee_follow_up_cents.data, "sliding_scale": self.sliding_scale.data,
            "accepting_new_patients": self.accepting_new_patients.data,
            "npi": self.npi.data or None, "nccaom_id": self.nccaom_id.data or None,
            "cnt_certificate_on": self.cnt_certificate_on.data,
        }


REGION_CHOICES = [SelectChoice("", "Choose a state or province")] + [
    SelectChoice(f"{country}-{code}", name, optgroup=group)
    for country, group, places in (("US", "United States", US_STATES), ("CA", "Canada", CANADIAN_PROVINCES))
    for code, name in sorted(places.items(), key=lambda item: item[1])
]


class ClinicForm(FlaskForm):
    name = StringField("Clinic name", filters=[strip], validators=[
        plain_text(), Length(max=120, message="Use at most 120 characters."),
    ], render_kw={"autocomplete": "organization"})
    address = StringField("Street address", filters=[strip], validators=[
        plain_text(), Length(max=200, message="Use at most 200 characters."),
    ], render_kw={"autocomplete": "street-address"})
    city = StringField("Town or city", filters=[strip], validators=[
        plain_text(), DataRequired("Enter the town or city."),
        Length(max=100, message="Use at most 100 characters."),
    ], render_kw={"autocomplete": "address-level2"})
    jurisdiction = SelectField("State or province", choices=REGION_CHOICES, default="", validate_choice=False,
                               validators=[DataRequired("Choose the state or province.")])
    postal_code = StringField("ZIP or postal code", filters=[strip], validators=[
        plain_text(), DataRequired("Enter the ZIP or postal code."),
        Length(max=12, message="Use at most 12 characters."),
    ], render_kw={"autocomplete": "postal-code"})
    phone = StringField("Phone", filters=[strip], validators=[
        plain_text(), Length(max=30, message="Use at most 30 characters."),
        Regexp(_PHONE_RE.pattern + r"\Z", message="Use only digits, spaces and + ( ) - ."),
    ], render_kw={"autocomplete": "tel", "type": "tel"})

    def validate_jurisdiction(self, field):
        country, _, region = (field.data or "").partition("-")
        known = US_STATES if country == "US" else CANADIAN_PROVINCES if country == "CA" else {}
        if region not in known:
            raise ValidationError("Choose a state or province from the list.")

    def validate_phone(self, field):
        if field.data and len(re.sub(r"[^0-9]", "", field.data)) < 7:
            raise ValidationError("Enter the full phone number, with area code.")

    @property
    def country(self) -> str:
        return (self.jurisdiction.data or "").partition("-")[0]

    @property
    def region(self) -> str:
        return (self.jurisdiction.data or "").partition("-")[2]


class ListingForm(FlaskForm):
    action = HiddenField(validators=[DataRequired()])


class PhotoForm(FlaskForm):
    photo = FileField("Photo", validators=[FileRequired("Choose a photo to upload.")],
                      render_kw={"accept": "image/jpeg,image/png"})

