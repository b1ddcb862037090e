"""FHIR R4 resources as plain dicts, shaped as SMART Scheduling Links asks.

Everything here is a pure function of rows already loaded and links already built, so the
same inputs give byte-identical lines (and so stable ETags for unchanged files).

R4 puts qualifications on Practitioner, not PractitionerRole: each PractitionerRole
carries its Practitioner as a contained resource (``#practitioner``) holding the NPI and the
verified licences; the NPI is repeated on the role, where a directory client looks first.
"""
from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from directory.models import Clinic, Licence, Practitioner
from directory.services import presenters
from directory.services.booking.scheduling import Slot

NPI_SYSTEM = "http://hl7.org/fhir/sid/us-npi"
# NUCC Health Care Provider Taxonomy: 171100000X is "Acupuncturist".
NUCC_SYSTEM = "http://nucc.org/provider-taxonomy"
ACUPUNCTURIST = {"system": NUCC_SYSTEM, "code": "171100000X", "display": "Acupuncturist"}
BOOKING_DEEP_LINK = "http://fhir-registry.smarthealthit.org/StructureDefinition/booking-deep-link"
BOOKING_PHONE = "http://fhir-registry.smarthealthit.org/StructureDefinition/booking-phone"
CONTAINED_PRACTITIONER = "practitioner"


def instant(moment: datetime, zone: str | None = None) -> str:
    """A FHIR instant to the second with an offset: the clinic's own when ``zone`` is given
    (as the spec prefers for slots), else UTC written as Z."""
    if zone is not None:
        return moment.astimezone(ZoneInfo(zone)).isoformat(timespec="seconds")
    return moment.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def location_id(clinic: Clinic) -> str:
    return str(clinic.id)


def role_id(practitioner: Practitioner) -> str:
    return str(practitioner.id)


def schedule_id(practitioner_id: int, clinic_id: int) -> str:
    return f"{practitioner_id}-{clinic_id}"


def slot_id(practitioner_id: int, slot: Slot) -> str:
    return f"{practitioner_id}-{slot.clinic_id}-{slot.start.astimezone(timezone.utc):%Y%m%dT%H%MZ}"


def location_name(clinic: Clinic, practitioner: Practitioner) -> str:
    return clinic.name or f"{practitioner.display_name}, {clinic.city}"


def location(clinic: Clinic, practitioner: Practitioner, *, identifier_system: str, profile_url: str) -> dict:
    telecom = ([{"system": "phone", "value": clinic.phone}] if clinic.phone else []) + [
        {"system": "url", "value": profile_url}]
    address = {"line": [clinic.address]} if clinic.address else {}
    address.update({"city": clinic.city, "state": clinic.region})
    if clinic.postal_code:
        address["postalCode"] = clinic.postal_code
    address["country"] = clinic.country
    return {
        "resourceType": "Location",
        "id": location_id(clinic),
        "identifier": [{"system": identifier_system, "value": location_id(clinic)}],
        "status": "active",
        "name": location_name(clinic, practitioner),
        "description": f"Acupuncture with {practitioner.display_name}",
        "telecom": telecom,
        "address": address,
        "position": {"longitude": clinic.longitude, "latitude": clinic.latitude},
    }


def qualification(licence: Licence) -> dict:
    period = {"end": licence.expires_on.isoformat()} if licence.expires_on else {}
    if licence.issued_on:
        period = {"start": licence.issued_on.isoformat(), **period}
    found = {
        "identifier": [{"value": licence.number}],
        "code": {"text": f"{licence.title} licence"},
        "issuer": {"display": presenters.jurisdiction_name(licence.jurisdiction)},
    }
    if period:
        found["period"] = period
    return found


def practitioner_role(practitioner: Practitioner, clinics: list[Clinic], licences: list[Licence]) -> dict:
    """``clinics``: only those the listing rule shows; ``licences``: only verified, unexpired ones."""
    npi = [{"system": NPI_SYSTEM, "value": practitioner.npi}] if practitioner.npi else []
    contained = {"resourceType": "Practitioner", "id": CONTAINED_PRACTITIONER}
    if npi:
        contained["identifier"] = npi
    contained["active"] = True
    contained["name"] = [{"text": practitioner.display_name}]
    if licences:
        contained["qualification"] = [qualification(lic) for lic in licences]
    role = {"resourceType": "PractitionerRole", "id": role_id(practitioner), "contained": [contained]}
    if npi:
        role["identifier"] = npi
    role.update({
        "active": True,
        "practitioner": {"reference": f"#{CONTAINED_PRACTITIONER}", "display": practitioner.display_name},
        "code": [{"coding": [ACUPUNCTURIST], "text": "Acupuncturist"}],
        "location": [{"reference": f"Location/{location_id(c)}", "display": c.label} for c in clinics],
    })
    return role


def schedule(practitioner: Practitioner, clinic: Clinic) -> dict:
    found = {
        "resourceType": "Schedule",
        "id": schedule_id(practitioner.id, clinic.id),
        "active": True,
        "serviceType": [{"text": f"Acupuncture, first visit ({practitioner.initial_minutes} minutes)"}],
        # The Location first: SMART Scheduling Links clients read the first actor as the place.
        "actor": [{"reference": f"Location/{location_id(clinic)}", "display": clinic.label},
                  {"reference": f"PractitionerRole/{role_id(practitioner)}", "display": practitioner.display_name}],
    }
    if not practitioner.accepting_new_patients:
        found["comment"] = "Not accepting new patients: no first visits are offered."
    return found


def slot(practitioner_id: int, found: Slot, clinic: Clinic, *, booking_url: str) -> dict:
    extension = [{"url": BOOKING_DEEP_LINK, "valueUrl": booking_url}]
    if clinic.phone:
        extension.append({"url": BOOKING_PHONE, "valueString": clinic.phone})
    return {
        "resourceType": "Slot",
        "id": slot_id(practitioner_id, found),
        "extension": extension,
        "schedule": {"reference": f"Schedule/{schedule_id(practitioner_id, found.clinic_id)}"},
        "status": "free",
        "start": instant(found.start, clinic.timezone),
        "end": instant(found.end, clinic.timezone),
    }
