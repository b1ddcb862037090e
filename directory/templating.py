"""The names every template may use: display helpers, registered once by name on the Jinja
environment, so templates and the macros they import call ``when(...)`` rather than a module
handed in by each view."""
from __future__ import annotations

from flask import Flask

from directory.booking import display
from directory.services import presenters
from directory.services.booking import calendar_files, queries, replacement, schedule_view
from directory.services.safety import triage

GLOBALS = {
    # words for places, dates, money and licences
    "short_date": presenters.short_date,
    "jurisdiction_name": presenters.jurisdiction_name,
    "region_name": presenters.region_name,
    "money": presenters.money,
    "years_text": presenters.years_text,
    "technique_labels": presenters.technique_labels,
    "therapy_labels": presenters.therapy_labels,
    "distance_text": presenters.distance_text,
    "licence_badge_text": presenters.licence_badge,
    # words for appointments and times
    "when": calendar_files.when,
    "clock": calendar_files.clock,
    "day_label": calendar_files.day_label,
    "KIND_LABELS": calendar_files.KIND_LABELS,
    "zone_label": schedule_view.zone_label,
    "shown_status": queries.shown_status,
    "patient_may_change": queries.patient_may_change,
    "waiting_replacement": replacement.waiting_replacement,
    "kept_original": replacement.kept_original,
    "STATUS_LABELS": display.STATUS_LABELS,
    "iso_utc": display.iso_utc,
    # words for reaction reports
    "TRIAGE_LABELS": triage.LEVEL_LABELS,
}


def register(app: Flask) -> None:
    app.jinja_env.globals.update(GLOBALS)
