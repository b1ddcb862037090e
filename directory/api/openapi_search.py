"""The search part of the OpenAPI document that goes beyond distance: sorting, availability,
fee, insurance and therapy filters, and the result fields a patient compares on.

Merged into ``openapi`` by that module; vocabularies and limits come from the modules that
enforce them."""
from __future__ import annotations

from directory.data.vocabulary import COMPLEMENTARY_THERAPIES, INSURANCE
from directory.services.search.nearby import SORTS
from directory.services.search.query import MAX_AVAILABLE_WITHIN, MAX_FEE

REF = "#/components/schemas/"


def _query(name: str, schema: dict, description: str) -> dict:
    return {"name": name, "in": "query", "required": False, "schema": schema, "description": description}


PARAMETERS = [
    _query("sort", {"type": "string", "enum": list(SORTS), "default": "distance"}, (
        "Order of the results; every order finds the same practitioners at the same clinics with the same "
        "`total`. `distance`: nearest first. `soonest`: by `next_available` (none last), then distance. "
        "`rating`: by average of verified reviews, then their count (none last), then distance. "
        "`price`: by first-visit fee (none last), then distance. Ties: name. Anything else is 400.")),
    _query("available_within", {"type": "integer", "minimum": 1, "maximum": MAX_AVAILABLE_WITHIN}, (
        "Only practitioners with a free first-visit slot starting within this many days × 24 hours "
        "from now; each is shown at its nearest clinic that has one.")),
    _query("insurance", {"type": "string", "enum": list(INSURANCE)},
           "Only practitioners accepting this insurance (any case)."),
    _query("max_fee", {"type": "string", "pattern": r"^\$?[0-9][0-9,]*(\.[0-9]{1,2})?$"}, (
        f"Only practitioners whose first-visit fee is at most this amount, in the fee's currency "
        f"(e.g. 120 or 120.50; at most {MAX_FEE:,}). Practitioners without a listed fee are left out.")),
    _query("therapy", {"type": "string", "enum": list(COMPLEMENTARY_THERAPIES)},
           "Only practitioners offering this complementary therapy (slug; its label, in any case, too)."),
]

SUMMARY_PROPERTIES = {
    "next_available": {"oneOf": [{"$ref": REF + "NextAvailable"}, {"type": "null"}], "description": (
        "The earliest free first-visit slot at the clinic shown (`clinic.id`): exactly the first one "
        "its profile and `GET /practitioners/{id}/slots` offer. Null when there is none within the "
        "practitioner's booking horizon, or they take no new patients.")},
    "fees": {"$ref": REF + "BriefFees"},
    "insurance": {"type": "array", "items": {"type": "string"}, "description": "Insurance accepted."},
    "photo_url": {"type": ["string", "null"], "format": "uri"},
    "clinic": {"$ref": REF + "ShownClinic"},
}

SCHEMAS = {
    "NextAvailable": {"type": "object", "required": ["start", "clinic_id"], "properties": {
        "start": {"type": "string", "format": "date-time", "description": (
            "ISO 8601 with the clinic's UTC offset, e.g. 2027-01-05T09:00:00-08:00; request it with "
            "`POST /appointments` (kind `initial`).")},
        "clinic_id": {"type": "integer"},
    }},
    "BriefFees": {"type": "object", "required": ["initial", "follow_up", "currency"], "properties": {
        "initial": {"type": ["number", "null"], "minimum": 0, "description": "First visit, in `currency`."},
        "follow_up": {"type": ["number", "null"], "minimum": 0, "description": "Follow-up, in `currency`."},
        "currency": {"type": "string", "description": "ISO 4217."},
    }},
    "ShownClinic": {"type": "object", "required": ["id", "name", "street", "city", "region", "postal_code"],
                    "properties": {
                        "id": {"type": "integer"},
                        "name": {"type": ["string", "null"]},
                        "street": {"type": ["string", "null"]},
                        "city": {"type": "string"},
                        "region": {"type": "string"},
                        "postal_code": {"type": ["string", "null"]},
                    }, "description": "The clinic this result is shown at."},
}
