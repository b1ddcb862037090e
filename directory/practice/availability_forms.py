"""Forms of the availability page: weekly hours per clinic, booking settings, time off.

Weekly hours are one text box per weekday ("09:00-12:30, 13:30-18:00"), so the form works
without JavaScript and a day can hold several ranges. The form parses what was typed; the
rules over a day's ranges (order, overlaps, how many) live in directory.services.booking.scheduling."""
from __future__ import annotations

import re
from datetime import date, time, timedelta

from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import Length, NumberRange, Optional, ValidationError

from directory.practice.forms import PlainDateField, WholeNumberField
from directory.services.booking.scheduling import (DAY_KEYS, DAY_NAMES, SETTING_LIMITS, TIME_OFF_DAYS_AHEAD,
                                           TIME_OFF_TOO_FAR)
from directory.web import plain_text, strip

_TIME = r"(\d{1,2})(?:[:.](\d{2}))?(?:\s*([ap])\.?m?\.?)?"
_RANGE_RE = re.compile(rf"\s*{_TIME}\s*(?:-|–|—|to)\s*{_TIME}\s*", re.IGNORECASE)
HOURS_HINT = "24-hour clock, for example 09:00-12:30, 13:30-18:00. Leave blank when closed."
DATE_MESSAGE = "Enter the date as year-month-day, like 2026-07-03."


def _clock(hour: str, minute: str | None, half: str | None) -> time | None:
    h, m = int(hour), int(minute or 0)
    if half:
        if not 1 <= h <= 12:
            return None
        h = h % 12 + (12 if half.lower() == "p" else 0)
    return time(h, m) if h <= 23 and m <= 59 else None


def parse_ranges(text: str) -> list[tuple[time, time]]:
    """"09:00-12:30, 13:30-18:00" (also "9-12:30", "1:30 pm to 6 pm"); raises ValueError."""
    ranges = []
    for part in filter(None, (p.strip() for p in re.split(r"[,;\n]", text or ""))):
        match = _RANGE_RE.fullmatch(part)
        start = _clock(*match.group(1, 2, 3)) if match else None
        end = _clock(*match.group(4, 5, 6)) if match else None
        if start is None or end is None:
            raise ValueError(f"“{part[:30]}” is not a time range. Write ranges like 09:00-12:30, "
                             "separated by commas.")
        ranges.append((start, end))
    return ranges


def format_ranges(ranges: list[tuple[time, time]]) -> str:
    return ", ".join(f"{start:%H:%M}-{end:%H:%M}" for start, end in ranges)


class RangesField(StringField):
    """One weekday's ranges; ``data`` is a list of (start, end) times."""

    def process_formdata(self, valuelist):
        self.data = []
        text = valuelist[0] if valuelist else ""
        self.raw_data = [text]
        if len(text) > 200:
            raise ValueError(f"{self.label.text}: use at most 200 characters.")
        try:
            self.data = parse_ranges(text)
        except ValueError as exc:
            raise ValueError(f"{self.label.text}: {exc}") from None

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return format_ranges(self.data or [])


class HoursForm(FlaskForm):
    """Create with ``prefix=f"clinic-{clinic.id}"``: the page has one per clinic."""

    def hours(self) -> dict[int, list[tuple[time, time]]]:
        return {day: self[key].data or [] for day, key in enumerate(DAY_KEYS)}

    @classmethod
    def initial(cls, hours: dict[int, list[tuple[time, time]]], prefix: str) -> HoursForm:
        return cls(formdata=None, prefix=prefix, data={key: hours.get(day, []) for day, key in enumerate(DAY_KEYS)})


for _key, _name in zip(DAY_KEYS, DAY_NAMES):
    setattr(HoursForm, _key, RangesField(_name, render_kw={"autocomplete": "off", "spellcheck": "false"}))


def _setting(label: str, name: str) -> WholeNumberField:
    low, high, unit = SETTING_LIMITS[name]
    message = f"Enter a whole number of {unit} from {low} to {high}."
    return WholeNumberField(label, message=message, validators=[NumberRange(low, high, message)],
                            render_kw={"inputmode": "numeric"})


class SettingsForm(FlaskForm):
    initial_minutes = _setting("First visit length (minutes)", "initial_minutes")
    follow_up_minutes = _setting("Follow-up visit length (minutes)", "follow_up_minutes")
    buffer_minutes = _setting("Buffer between appointments (minutes)", "buffer_minutes")
    min_notice_hours = _setting("Minimum notice (hours)", "min_notice_hours")
    horizon_days = _setting("Booking horizon (days ahead)", "horizon_days")

    def values(self) -> dict[str, int]:
        return {name: self[name].data for name in SETTING_LIMITS}


def _not_too_far(field) -> None:
    if field.data is not None and field.data > date.today() + timedelta(days=TIME_OFF_DAYS_AHEAD):
        raise ValidationError(TIME_OFF_TOO_FAR)


class TimeOffForm(FlaskForm):
    first_day = PlainDateField("First day", message=DATE_MESSAGE)
    last_day = PlainDateField("Last day", message=DATE_MESSAGE, validators=[Optional()])
    clinic_id = SelectField("Where", default="", validate_choice=False)
    note = StringField("Note", filters=[strip], validators=[
        plain_text(), Length(max=200, message="Use at most 200 characters.")],
        render_kw={"maxlength": 200})

    def validate_first_day(self, field):
        if field.data is None:
            raise ValidationError("Enter the first day off, like 2026-07-03.")
        # "Today" differs by zone: a day that is still today anywhere in the US is accepted.
        if (self.last_day.data or field.data) < date.today() - timedelta(days=1):
            raise ValidationError("These days are over already: choose days from today on.")
        _not_too_far(field)

    def validate_last_day(self, field):
        _not_too_far(field)

    def validate_clinic_id(self, field):
        if field.data not in {choice.value for choice in self.clinic_id.choices}:
            raise ValidationError("Choose one of your clinics, or all clinics.")

    @property
    def chosen_clinic_id(self) -> int | None:
        return int(self.clinic_id.data) if self.clinic_id.data else None
