"""Automatic checks of a licence record (DESIGN §3, "Automatic licence checks").

``run_checks`` returns a list of ``CheckResult`` in a fixed order: required, dates,
jurisdiction, number_format, npi, nccaom_id, duplicate, roster. Rules where the issue
leaves room:

- A check reports each problem as its own result so the form can show it beside its
  field (e.g. "dates" can fail on the issue date and on the expiry date); a check with
  no problem reports one PASS. A check that has nothing to look at is left out: no
  "dates" without any date, no "number_format"/"duplicate" without jurisdiction and
  number (the "required" result already says what is missing), no "npi"/"nccaom_id"
  unless given.
- Renewal cycle: the expiry may be at most ``renewal_months`` (+ 31 days, as boards
  expire licences at the end of a month) after *today*. Not after the issue date: boards
  keep the original issue date across renewals, so a long-held licence would fail.
- A jurisdiction that does not license acupuncture (US-AL, US-OK, US-SD, the UK's
  voluntary register, ...) is a WARN, not a FAIL: the practitioner may still record the
  credential; it is shown as a certification/registration and never lists them.
- Duplicate: any licence row of another practitioner with the same jurisdiction and
  normalised number, except rejected ones (a rejected claim must not block the real
  holder). The message does not say who holds it.
- Roster: left out entirely while no roster has been imported for the jurisdiction.
  Once one has: number not found, name mismatch and an inactive status FAIL; probation
  and an unrecognised status WARN; an expiry that differs from the roster's WARNs (a
  roster is a snapshot and may predate a renewal, so an admin looks at it).
"""
from __future__ import annotations

import calendar
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import date, timedelta

from sqlalchemy import exists, select

from directory.extensions import db
from directory.models import Licence, RosterEntry, VerificationState
from directory.models.licence import normalise_number
from directory.services.licensing import jurisdictions
from directory.services.licensing.names import names_match

PASS, WARN, FAIL = "pass", "warn", "fail"
_SEVERITY = {PASS: 0, WARN: 1, FAIL: 2}
EXPIRY_GRACE = timedelta(days=31)
REQUIRED_FIELDS = {"jurisdiction": "jurisdiction", "title": "title", "number": "number",
                   "issued_on": "issue date", "expires_on": "expiry date"}
# Each check's name as the admin and the practitioner read it.
CHECK_LABELS = {"required": "Required fields", "dates": "Dates", "jurisdiction": "Jurisdiction and title",
                "number_format": "Number format", "npi": "NPI check digit", "nccaom_id": "NCCAOM id",
                "duplicate": "Not held by another practitioner", "roster": "Board roster"}


@dataclass(frozen=True)
class CheckResult:
    name: str
    result: str
    message: str
    field: str | None = None

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class LicenceRecord:
    name: str
    jurisdiction: str
    title: str
    number: str
    issued_on: date | None
    expires_on: date | None
    npi: str | None = None
    nccaom_id: str | None = None


def run_checks(record: LicenceRecord, *, today: date, practitioner_id: int | None = None,
               licence_id: int | None = None, roster: Mapping[str, RosterEntry] | None = None) -> list[CheckResult]:
    """``roster``: the jurisdiction's roster entries by normalised number, when the caller
    already has them (a roster import re-checking every licence); else they are looked up."""
    jurisdiction = jurisdictions.get(record.jurisdiction)
    number = normalise_number(record.number)
    results = check_required(record) + check_dates(record, jurisdiction, today)
    if (record.jurisdiction or "").strip():
        results += check_jurisdiction(record, jurisdiction)
    if jurisdiction is not None and number:
        results.append(check_number_format(number, jurisdiction))
    if (record.npi or "").strip():
        results.append(check_npi(record.npi))
    if (record.nccaom_id or "").strip():
        results.append(check_nccaom_id(record.nccaom_id))
    if jurisdiction is not None and number:
        results.append(check_duplicate(jurisdiction, number, practitioner_id, licence_id))
        results += check_roster(record, jurisdiction, number, roster)
    return results


def verdict(results: list[CheckResult]) -> str:
    return max((r.result for r in results), key=_SEVERITY.__getitem__, default=PASS)


def check_required(record: LicenceRecord, *, skip: tuple[str, ...] = ()) -> list[CheckResult]:
    """``skip``: fields already reported otherwise (the CSV command's unreadable dates)."""
    missing = [f for f in REQUIRED_FIELDS if f not in skip and _blank(getattr(record, f))]
    if not missing:
        return [CheckResult("required", PASS, "All required fields are filled in.")]
    words = ", ".join(REQUIRED_FIELDS[f] for f in missing)
    return [CheckResult("required", FAIL, f"Missing: {words}.", missing[0] if len(missing) == 1 else None)]


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def check_dates(record: LicenceRecord, jurisdiction: jurisdictions.Jurisdiction | None,
                today: date) -> list[CheckResult]:
    issued, expires = record.issued_on, record.expires_on
    if issued is None and expires is None:
        return []
    problems = []
    if issued is not None and issued > today:
        problems.append(CheckResult("dates", FAIL, f"The issue date {issued.isoformat()} is in the future.",
                                    "issued_on"))
    if issued is not None and expires is not None and expires <= issued:
        problems.append(CheckResult("dates", FAIL, "The expiry date must be after the issue date.", "expires_on"))
    elif expires is not None and expires < today:
        problems.append(CheckResult("dates", FAIL, f"This expired on {expires.isoformat()}.", "expires_on"))
    elif expires is not None and jurisdiction is not None and jurisdiction.renewal_months:
        months = jurisdiction.renewal_months
        if expires > add_months(today, months) + EXPIRY_GRACE:
            problems.append(CheckResult(
                "dates", FAIL, f"The expiry date {expires.isoformat()} is further out than {jurisdiction.name} "
                f"allows: a {jurisdiction.credential_label} there runs at most {months} months from renewal. "
                "Check the date on the certificate.", "expires_on"))
    return problems or [CheckResult("dates", PASS, "The dates are consistent.")]


def check_jurisdiction(record: LicenceRecord, jurisdiction: jurisdictions.Jurisdiction | None) -> list[CheckResult]:
    if jurisdiction is None:
        return [CheckResult("jurisdiction", FAIL, f"{record.jurisdiction.strip()!r} is not a jurisdiction we know: "
                            "use a code such as US-CA.", "jurisdiction")]
    results = []
    if not jurisdiction.licensed:
        results.append(CheckResult(
            "jurisdiction", WARN, f"{jurisdiction.name} does not license acupuncture, so this is recorded as a "
            f"{jurisdiction.credential_label}, not a licence: it is shown labelled as such and does not list the "
            "practitioner in search.", "jurisdiction"))
    title = (record.title or "").strip()
    if title and not jurisdiction.accepts_title(title):
        results.append(CheckResult(
            "jurisdiction", FAIL, f"{title!r} is not a title {jurisdiction.name} uses. Accepted: "
            f"{', '.join(jurisdiction.titles)}.", "title"))
    return results or [CheckResult("jurisdiction", PASS, f"{jurisdiction.name} licenses acupuncture "
                                   f"({jurisdiction.regulator}).")]


def check_number_format(number: str, jurisdiction: jurisdictions.Jurisdiction) -> CheckResult:
    if jurisdiction.number_matches(number):
        return CheckResult("number_format", PASS, f"The number has the {jurisdiction.name} format.")
    expected = (f" Expected a number like {jurisdiction.number_example}." if jurisdiction.number_example
                else " Check it against the certificate.")
    if jurisdiction.pattern_documented:
        return CheckResult("number_format", FAIL, f"{number} is not a {jurisdiction.name} number.{expected}", "number")
    return CheckResult("number_format", WARN, f"{number} does not look like the numbers {jurisdiction.name} usually "
                       f"issues; the format is not documented, so an admin will check it.{expected}", "number")


def npi_is_valid(npi: str) -> bool:
    """Ten digits whose last is the Luhn check digit over "80840" + the first nine (CMS's NPI rule)."""
    if not isinstance(npi, str) or not re.fullmatch(r"[0-9]{10}", npi):
        return False
    total = 0
    # Luhn: double every second digit counting leftwards from the one before the check digit.
    for position, char in enumerate(reversed("80840" + npi[:9])):
        digit = int(char) * (2 if position % 2 == 0 else 1)
        total += digit - 9 if digit > 9 else digit
    return (10 - total % 10) % 10 == int(npi[9])


def check_npi(npi: str) -> CheckResult:
    value = npi.strip()
    if not re.fullmatch(r"[0-9]{10}", value):
        return CheckResult("npi", FAIL, "An NPI is exactly 10 digits.", "npi")
    if not npi_is_valid(value):
        return CheckResult("npi", FAIL, f"{value} is not a valid NPI: its last (check) digit does not match. "
                           "Check for a typo.", "npi")
    return CheckResult("npi", PASS, "The NPI check digit is valid.")


def nccaom_id_is_valid(value: str) -> bool:
    return isinstance(value, str) and re.fullmatch(r"[1-9][0-9]{2,5}", value) is not None


def check_nccaom_id(value: str) -> CheckResult:
    if nccaom_id_is_valid(value.strip()):
        return CheckResult("nccaom_id", PASS, "The NCCAOM diplomate id has a valid form.")
    return CheckResult("nccaom_id", FAIL, "An NCCAOM diplomate id is 3 to 6 digits and does not start with 0.",
                       "nccaom_id")


def check_duplicate(jurisdiction: jurisdictions.Jurisdiction, number: str, practitioner_id: int | None,
                    licence_id: int | None) -> CheckResult:
    query = select(Licence.id).where(
        Licence.jurisdiction == jurisdiction.code, Licence.number_normalized == number,
        Licence.verification_state != VerificationState.REJECTED)
    if practitioner_id is not None:
        query = query.where(Licence.practitioner_id != practitioner_id)
    if licence_id is not None:
        query = query.where(Licence.id != licence_id)
    if db.session.scalar(select(exists(query))):
        return CheckResult("duplicate", FAIL, f"Another practitioner has already recorded {jurisdiction.name} "
                           f"number {number}. If it is yours, contact us.", "number")
    return CheckResult("duplicate", PASS, "No other practitioner has recorded this number.")


def roster_entry_for(jurisdiction: str, number: str) -> RosterEntry | None:
    return db.session.scalar(select(RosterEntry).where(
        RosterEntry.jurisdiction == (jurisdiction or "").strip().upper(),
        RosterEntry.number_normalized == normalise_number(number)))


def roster_imported(jurisdiction: str) -> bool:
    code = (jurisdiction or "").strip().upper()
    return bool(db.session.scalar(select(exists().where(RosterEntry.jurisdiction == code))))


_ACTIVE_WORDS = {"active", "current", "clear", "valid", "licensed", "registered", "renewed", "good"}
_INACTIVE_WORDS = {"expired", "inactive", "delinquent", "suspended", "revoked", "retired", "surrendered",
                   "cancelled", "canceled", "deceased", "lapsed", "void", "null", "denied", "terminated",
                   "not", "closed"}
# In force, but with conditions an admin should read.
_CAUTION_WORDS = {"probation", "probationary", "restricted", "conditions", "conditional", "limited"}


def roster_status(status: str) -> str:
    """PASS for an active status as boards write it ("Active", "CURRENT", "Clear"), WARN for
    probation/restrictions or a status we do not recognise, FAIL for anything not in force."""
    words = set(re.findall(r"[a-z]+", (status or "").casefold()))
    if words & _INACTIVE_WORDS:
        return FAIL
    if words & _CAUTION_WORDS or not words & _ACTIVE_WORDS:
        return WARN
    return PASS


def check_roster(record: LicenceRecord, jurisdiction: jurisdictions.Jurisdiction, number: str,
                 roster: Mapping[str, RosterEntry] | None = None) -> list[CheckResult]:
    imported = bool(roster) if roster is not None else roster_imported(jurisdiction.code)
    if not imported:
        return []
    entry = roster.get(number) if roster is not None else roster_entry_for(jurisdiction.code, number)
    if entry is None:
        return [CheckResult("roster", FAIL, f"{number} is not on the {jurisdiction.name} roster.", "number")]
    results = []
    if not (record.name or "").strip():
        results.append(CheckResult("roster", WARN, f"No name to compare with the roster's {entry.name!r}."))
    elif not names_match(record.name, entry.name):
        results.append(CheckResult("roster", FAIL, f"The roster lists {number} under {entry.name!r}, "
                                   f"not {record.name.strip()!r}."))
    status = roster_status(entry.status)
    if status == FAIL:
        results.append(CheckResult("roster", FAIL, f"The roster's status for {number} is {entry.status!r}, "
                                   "not active."))
    elif status == WARN:
        results.append(CheckResult("roster", WARN, f"The roster's status for {number} is {entry.status!r}: "
                                   "an admin will check it."))
    if entry.expires_on is not None and record.expires_on is not None and entry.expires_on != record.expires_on:
        results.append(CheckResult(
            "roster", WARN, f"The roster gives the expiry as {entry.expires_on.isoformat()}, not "
            f"{record.expires_on.isoformat()} (the roster may predate a renewal).", "expires_on"))
    return results or [CheckResult("roster", PASS, f"Found on the {jurisdiction.name} roster: name, status and "
                                   "expiry agree.")]
