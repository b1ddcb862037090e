"""The search form. It only renders and echoes what was typed: the rules live in
directory.services.search.query.parse, shared with the JSON API."""
from __future__ import annotations

from wtforms import BooleanField, Form, IntegerField, SearchField, SelectChoice, SelectField, StringField

from directory.data.vocabulary import COMPLEMENTARY_THERAPIES, INSURANCE, LANGUAGES, TECHNIQUES
from directory.services.search.query import FALSE_WORDS

RADIUS_CHOICES = ("5", "10", "25", "50", "100")
SORT_CHOICES = (("distance", "Nearest first"), ("soonest", "Soonest first visit"),
                ("rating", "Best rated"), ("price", "Lowest first-visit fee"))
WITHIN_CHOICES = (("", "Any time"), ("1", "Within 24 hours"), ("3", "Within 3 days"), ("7", "Within a week"),
                  ("14", "Within 2 weeks"), ("30", "Within 30 days"))
UNIT_CHOICES = (("mi", "miles"), ("km", "kilometres"))

# Labels used in the page's error messages, by query-string name.
FIELD_LABELS = {
    "near": "Location",
    "radius": "Radius",
    "unit": "Unit",
    "technique": "Technique",
    "language": "Language",
    "min_years": "Minimum years treating chronic pain",
    "accepting": "Accepting new patients",
    "available_within": "First visit",
    "insurance": "Insurance",
    "max_fee": "Highest first-visit fee",
    "therapy": "Also offers",
    "sort": "Sort results",
    "page": "Page",
    "per_page": "Results per page",
}
FIELD_ORDER = tuple(FIELD_LABELS)


class SearchForm(Form):
    """A GET form: no CSRF token (it changes nothing), bound to request.args."""

    near = SearchField("Location")
    radius = SelectField("Radius", choices=[SelectChoice(r) for r in RADIUS_CHOICES], default="25")
    unit = SelectField("Unit", choices=[SelectChoice(v, label) for v, label in UNIT_CHOICES],
                       default="mi")
    technique = SelectField(
        "Technique", default="",
        choices=[SelectChoice("", "Any technique")] + [SelectChoice(*t) for t in TECHNIQUES.items()])
    language = SelectField(
        "Language spoken", default="",
        choices=[SelectChoice("", "Any language")] + [SelectChoice(n) for n in LANGUAGES])
    min_years = IntegerField("Minimum years treating chronic pain")
    # Same false words as the parser, so "accepting=0" is not shown ticked.
    accepting = BooleanField(
        "Only practitioners accepting new patients",
        false_values=(False, "", *sorted(FALSE_WORDS)))
    available_within = SelectField("First visit", default="",
                                   choices=[SelectChoice(v, label) for v, label in WITHIN_CHOICES])
    insurance = SelectField("Insurance", default="",
                            choices=[SelectChoice("", "Any, or paying myself")] + [SelectChoice(n) for n in INSURANCE])
    max_fee = StringField("Highest first-visit fee")
    therapy = SelectField(
        "Also offers", default="",
        choices=[SelectChoice("", "Any")] + [SelectChoice(*t) for t in COMPLEMENTARY_THERAPIES.items()])
    sort = SelectField("Sort results", default="distance",
                       choices=[SelectChoice(v, label) for v, label in SORT_CHOICES])

    def ensure_within_choice(self, days: int | None) -> None:
        """Keep a number of days that came from a link or the API's vocabulary selectable."""
        value = "" if days is None else str(days)
        if value not in {c.value for c in self.available_within.choices}:
            self.available_within.choices = [*self.available_within.choices,
                                             SelectChoice(value, f"Within {days} days")]
        self.available_within.data = value

    def ensure_radius_choice(self, value: str) -> None:
        """Keep a radius that came from a link (e.g. 250) selectable and selected."""
        if value not in {c.value for c in self.radius.choices}:
            self.radius.choices = sorted(
                [*self.radius.choices, SelectChoice(value)], key=lambda c: float(c.value))
        self.radius.data = value
