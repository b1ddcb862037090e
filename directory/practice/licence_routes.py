"""The practitioner's licences: list, add, edit and withdraw. The automatic checks and the
review states belong to directory.services.licensing.decisions; these views put its results in words."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from directory.services import presenters
from directory.auth.access import current_practitioner
from directory.extensions import db
from directory.models import Clinic, Licence, Practitioner, VerificationState
from directory.practice import bp
from directory.practice.licence_forms import LicenceForm
from directory.services.licensing import jurisdictions
from directory.services.licensing import decisions as licensing
from directory.services.search import listing_status
from directory.services.licensing.checks import CHECK_LABELS, FAIL, PASS, WARN, CheckResult
from directory.services.licensing.expiry import FIRST_REMINDER_DAYS
from directory.services.search.profiles import MAX_ID
from directory.web import ConfirmForm, form_errors

# Checks about profile fields: they are fixed on the profile page, not on the licence form.
PROFILE_FIELDS = {"npi": "NPI number", "nccaom_id": "NCCAOM diplomate number"}
RESULT_WORDS = {PASS: "Pass", WARN: "Warning", FAIL: "Fail"}

def state_text(licence: Licence) -> str:
    """The review state in plain words, with the date or the administrator's reason."""
    state = licence.verification_state
    if state is VerificationState.VERIFIED:
        when = presenters.short_date(licence.verified_at)
        return f"Verified on {when}" if when else "Verified"
    if state is VerificationState.NEEDS_CHANGES:
        return f"Changes requested: {licence.decision_reason or 'see the message we emailed you.'}"
    if state is VerificationState.REJECTED:
        return f"Rejected: {licence.decision_reason or 'see the message we emailed you.'}"
    if state is VerificationState.LAPSED:
        ended = presenters.short_date(licence.expires_on)
        return f"Lapsed on {ended}: it has expired" if ended else "Lapsed"
    return "Pending review"


def kind_of(licence: Licence) -> str:
    """What to call it: a certification where acupuncture is not licensed, else the
    jurisdiction's own word ("licence", or "registration" in Ontario and Australia)."""
    if not licence.is_licence:
        return "certification"
    found = jurisdictions.get(licence.jurisdiction)
    return found.credential_label if found else "licence"


def certification_text(licence: Licence) -> str | None:
    if licence.is_licence:
        return None
    place = presenters.jurisdiction_name(licence.jurisdiction)
    return f"Certification only — {place} does not license acupuncture; it will not list you"


@dataclass(frozen=True)
class CoveredClinic:
    clinic: Clinic
    shown: bool


@dataclass(frozen=True)
class LicenceRow:
    licence: Licence
    place: str
    kind: str
    state: str
    state_class: str
    certification: str | None
    checks: list[dict]
    clinics: list[CoveredClinic]
    notice: str | None = None


_STATE_CLASS = {VerificationState.VERIFIED: "ok", VerificationState.PENDING: "pending"}


def licence_rows(practitioner: Practitioner, today: date) -> list[LicenceRow]:
    shown = listing_status.listing_status(practitioner, today).shown_clinic_ids
    rows = []
    ordered = sorted(practitioner.licences, key=lambda lic: (presenters.jurisdiction_name(lic.jurisdiction), lic.id))
    for licence in ordered:
        notice = None
        if licence.expires_on is not None and licence.verification_state is VerificationState.VERIFIED:
            if licence.expires_on < today:
                notice = f"Expired on {presenters.short_date(licence.expires_on)}: submit your renewed licence."
            elif licence.expires_on <= today + timedelta(days=FIRST_REMINDER_DAYS):
                notice = (f"Expires on {presenters.short_date(licence.expires_on)}: enter the renewed "
                          "licence's dates when you have them.")
        covered = [CoveredClinic(c, c.id in shown) for c in practitioner.clinics
                   if c.jurisdiction == licence.jurisdiction.upper()]
        rows.append(LicenceRow(
            licence=licence, place=presenters.jurisdiction_name(licence.jurisdiction), kind=kind_of(licence),
            state=state_text(licence),
            state_class=_STATE_CLASS.get(licence.verification_state, "problem"),
            certification=certification_text(licence), checks=list(licence.check_results or []),
            clinics=covered if licence.is_licence else [], notice=notice))
    return rows


def _own_licence(practitioner: Practitioner, licence_id: int) -> Licence:
    # Another practitioner's licence is "not found", so ids reveal nothing.
    licence = db.session.scalar(select(Licence).where(
        Licence.id == licence_id, Licence.practitioner_id == practitioner.id)) \
        if 0 < licence_id <= MAX_ID else None
    if licence is None:
        abort(404)
    return licence


def _actor():
    return current_user._get_current_object()


@bp.get("/licences")
def licences():
    practitioner = current_practitioner()
    return render_template("practice/licences.html", practitioner=practitioner,
                           rows=licence_rows(practitioner, date.today()), check_names=CHECK_LABELS,
                           result_words=RESULT_WORDS)


REQUIRED_MESSAGES = {"jurisdiction": "Choose where the licence was issued.", "title": "Enter the credential title.",
                     "number": "Enter the licence number.", "issued_on": "Enter the issue date.",
                     "expires_on": "Enter the expiry date."}


def _per_field(results: list[CheckResult], form: LicenceForm) -> list[CheckResult]:
    """The "required" check names several missing fields in one result; give each its own."""
    out = []
    for result in results:
        if result.name == "required" and result.result == FAIL and result.field is None:
            blank = [name for name in form.FIELDS if form[name].data in (None, "")]
            if blank:
                out += [CheckResult("required", FAIL, REQUIRED_MESSAGES[name], name) for name in blank]
                continue
        out.append(result)
    return out


@dataclass
class CheckDisplay:
    """A failed submission's check results, placed for the form."""
    by_field: dict[str, list] = field(default_factory=dict)   # form field -> fails and warnings
    elsewhere: list = field(default_factory=list)             # profile fields or no field
    summary: list[tuple[str | None, str]] = field(default_factory=list)  # (link, message) per fail

    @classmethod
    def of(cls, results, form: LicenceForm) -> CheckDisplay:
        shown = cls()
        for result in _per_field(results, form):
            if result.result == PASS:
                continue
            if result.field in form.FIELDS:
                shown.by_field.setdefault(result.field, []).append(result)
                link = f"#{form[result.field].id}"
            else:
                shown.elsewhere.append(result)
                link = (url_for(".profile", _anchor=result.field)
                        if result.field in PROFILE_FIELDS else "#other-checks")
            if result.result == FAIL:
                shown.summary.append((link, result.message))
        return shown


_UNCHANGED_STATE = {VerificationState.VERIFIED: "It stays verified.",
                    VerificationState.PENDING: "It is still waiting for review.",
                    VerificationState.LAPSED: "It is still lapsed: enter the renewed licence's dates."}


def _success_message(saved: Licence, before: VerificationState | None, before_place: str | None) -> str:
    place = presenters.jurisdiction_name(saved.jurisdiction)
    kind = kind_of(saved)
    if before is not None and saved.verification_state is before:
        return f"Your {place} {kind} has been saved. {_UNCHANGED_STATE.get(before, '')}".strip()
    if not saved.is_licence:
        return (f"Submitted for review as a certification. {place} does not license acupuncture, so "
                "it is shown on your profile as a certification and does not list you in search.")
    found = jurisdictions.get(saved.jurisdiction)
    regulator = found.regulator if found else f"the {place} licensing board"
    message = (f"Submitted for review. An administrator will check it against the records of the "
               f"regulator, {regulator}.")
    has_clinic = any(c.jurisdiction == saved.jurisdiction for c in saved.practitioner.clinics)
    if before is VerificationState.VERIFIED:
        message += f" Until it is approved again, patients do not find you at your clinics in {before_place}."
    elif has_clinic:
        message += f" Once it is verified, patients can find you at your clinics in {place}."
    else:
        message += f" Once it is verified, add a clinic in {place} so that patients can find you there."
    return message


def _title_table() -> list[tuple[str, list[jurisdictions.Jurisdiction]]]:
    return [(country, [jurisdictions.get(code) for code, _name in places])
            for country, places in jurisdictions.choices()]


def _all_titles() -> list[str]:
    return sorted({title for j in jurisdictions.all_jurisdictions() for title in j.titles})


def _licence_form(practitioner: Practitioner, licence: Licence | None):
    form = LicenceForm(obj=licence)
    if licence is None and request.method == "GET":
        asked = (request.args.get("jurisdiction") or "").strip().upper()
        if jurisdictions.get(asked) is not None:
            form.jurisdiction.data = asked
    checks = CheckDisplay()
    if form.validate_on_submit():
        before = licence.verification_state if licence is not None else None
        before_place = presenters.jurisdiction_name(licence.jurisdiction) if licence is not None else None
        try:
            if licence is None:
                saved = licensing.submit_licence(practitioner, form.licence_input(), actor=_actor())
            else:
                saved = licensing.update_licence(licence, form.licence_input(), actor=_actor())
        except licensing.ChecksFailed as failed:
            # Nothing was saved; make sure nothing half-applied can be flushed by a later query.
            db.session.rollback()
            checks = CheckDisplay.of(failed.results, form)
        else:
            flash(_success_message(saved, before, before_place), "success")
            for result in saved.check_results or []:
                if result.get("result") == WARN:
                    flash(f"Accepted with a warning: {result.get('message')}", "warning")
            return redirect(url_for(".licences", _anchor=f"licence-{saved.id}"))
    errors = form_errors(form)
    chosen = jurisdictions.get(form.jurisdiction.data or "")
    failed = bool(errors or checks.summary)
    return render_template(
        "practice/licence_form.html", form=form, errors=errors, checks=checks, licence=licence,
        chosen=chosen, title_table=_title_table(), all_titles=_all_titles(),
        state=state_text(licence) if licence else None, kind=kind_of(licence) if licence else None,
        place=presenters.jurisdiction_name(licence.jurisdiction) if licence else None,
        profile_fields=PROFILE_FIELDS), 400 if failed else 200


@bp.route("/licences/new", methods=["GET", "POST"])
def licence_new():
    return _licence_form(current_practitioner(), None)


@bp.route("/licences/<int:licence_id>/edit", methods=["GET", "POST"])
def licence_edit(licence_id: int):
    practitioner = current_practitioner()
    return _licence_form(practitioner, _own_licence(practitioner, licence_id))


@bp.route("/licences/<int:licence_id>/withdraw", methods=["GET", "POST"])
def licence_withdraw(licence_id: int):
    practitioner = current_practitioner()
    licence = _own_licence(practitioner, licence_id)
    form = ConfirmForm()
    place = presenters.jurisdiction_name(licence.jurisdiction)
    if form.validate_on_submit():
        label = f"Your {place} {kind_of(licence)} {licence.number}"
        licensing.withdraw_licence(licence, actor=_actor())
        flash(f"{label} has been withdrawn.", "success")
        return redirect(url_for(".licences"))
    today = date.today()
    row = next(r for r in licence_rows(practitioner, today) if r.licence.id == licence.id)
    # Clinics this licence alone keeps in search disappear once it is withdrawn.
    others_cover = any(o.id != licence.id and o.is_current(today) and o.jurisdiction == licence.jurisdiction
                       for o in practitioner.licences)
    losing = [] if others_cover else [c.clinic for c in row.clinics if c.shown]
    return render_template("practice/licence_withdraw.html", row=row, form=form, losing=losing,
                           errors=form_errors(form))
