"""The OpenAPI 3.1 description of API v1, served at /api/v1/openapi.json.

Limits and vocabularies come from the modules that enforce them, so the document
cannot drift from the validation. The tests validate real responses against the
schemas below.
"""
from __future__ import annotations

import copy

from directory.api import openapi_booking, openapi_courses, openapi_safety, openapi_search
from directory.data.vocabulary import COMPLEMENTARY_THERAPIES, LANGUAGES, TECHNIQUES
from directory.services.search.nearby import MAX_RADIUS
from directory.services.search.query import (DEFAULT_PER_PAGE, DEFAULT_RADIUS, MAX_NEAR_LENGTH,
                                             MAX_PAGE, MAX_PER_PAGE)

REF = "#/components/schemas/"


def _ref(name: str) -> dict:
    return {"$ref": REF + name}


def _nullable(type_: str, **extra) -> dict:
    return {"type": [type_, "null"], **extra}


def _object(properties: dict, required: list[str] | None = None, **extra) -> dict:
    return {"type": "object", "required": list(properties) if required is None else required,
            "properties": properties, **extra}


def _query(name: str, schema: dict, description: str) -> dict:
    return {"name": name, "in": "query", "required": False, "schema": schema, "description": description}


SLUGS = {"type": "array", "items": {"type": "string"}}

SCHEMAS: dict[str, dict] = {
    "Origin": _object({
        "lat": {"type": "number", "minimum": -90, "maximum": 90},
        "lon": {"type": "number", "minimum": -180, "maximum": 180},
        "label": {"type": "string", "description": "How the location was understood."},
    }),
    "Location": _object({
        "clinic_id": {"type": "integer"},
        "lat": {"type": "number", "minimum": -90, "maximum": 90},
        "lon": {"type": "number", "minimum": -180, "maximum": 180},
        "city": {"type": "string"},
        "region": {"type": "string", "description": "State or province code, e.g. CA."},
        "postal_code": _nullable("string"),
        "country": {"type": "string", "description": "ISO 3166-1 alpha-2."},
    }, required=["clinic_id", "lat", "lon", "city", "region", "postal_code"],
        description="The clinic this result is shown at: the practitioner's nearest qualifying one."),
    "Licence": _object({
        "jurisdiction": {"type": "string", "description": "ISO 3166-2, e.g. US-CA.",
                         "examples": ["US-CA"]},
        "title": {"type": "string", "examples": ["L.Ac."]},
        "number": {"type": "string"},
        "verified_at": _nullable("string", format="date-time", description="UTC."),
        "expires_on": {"type": "string", "format": "date"},
    }, description="A licence verified by Meridian and not expired."),
    "PractitionerSummary": _object({
        "id": {"type": "integer"},
        "name": {"type": "string"},
        "slug": {"type": "string"},
        "credentials": {"type": "string", "examples": ["L.Ac., Dipl. Ac. (NCCAOM)"]},
        "distance": _nullable("number", minimum=0, description=(
            "Great-circle distance from the origin in the response's unit, rounded to 0.1; "
            "null without an origin.")),
        "location": _ref("Location"),
        "licence": _ref("Licence"),
        "years_chronic_pain": {"type": "integer", "minimum": 0,
                               "description": "Years treating chronic pain."},
        "techniques": {**SLUGS, "description": "Technique slugs: " + ", ".join(TECHNIQUES) + "."},
        "languages": {"type": "array", "items": {"type": "string"}},
        "accepting_new_patients": {"type": "boolean"},
        "rating": _ref("Rating"),
        **openapi_search.SUMMARY_PROPERTIES,
        "profile_url": {"type": "string", "format": "uri", "description": "The public profile page."},
        "api_url": {"type": "string", "format": "uri", "description": "This practitioner in the API."},
    }, required=["id", "name", "credentials", "distance", "location", "licence", "years_chronic_pain",
                 "techniques", "languages", "accepting_new_patients", "rating", *openapi_search.SUMMARY_PROPERTIES,
                 "profile_url"]),
    "Links": _object({
        "self": {"type": "string", "format": "uri"},
        "next": _nullable("string", format="uri"),
        "prev": _nullable("string", format="uri"),
    }),
    "SearchResults": _object({
        "origin": {"oneOf": [_ref("Origin"), {"type": "null"}],
                   "description": "The geocoded `near`; null without it."},
        "radius": _nullable("number", exclusiveMinimum=0,
                            description="Search radius in `unit`; null without an origin."),
        "unit": {"type": "string", "enum": ["mi", "km"]},
        "total": {"type": "integer", "minimum": 0, "description": "Matching practitioners."},
        "page": {"type": "integer", "minimum": 1},
        "per_page": {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE},
        "pages": {"type": "integer", "minimum": 1},
        "results": {"type": "array", "items": _ref("PractitionerSummary"), "maxItems": MAX_PER_PAGE},
        "links": _ref("Links"),
        "unlicensed_state": {"oneOf": [_ref("UnlicensedState"), {"type": "null"}], "description": (
            "Set when `near` is in a state that does not license acupuncture (Alabama, Oklahoma, "
            "South Dakota), where no one can be listed; null elsewhere.")},
    }, required=["origin", "radius", "unit", "total", "page", "per_page", "results"]),
    "UnlicensedState": _object({
        "state": {"type": "string", "examples": ["AL"]},
        "message": {"type": "string", "description": "Says why no one there is listed, for people."},
        "nearest_licensed": {"type": "array", "items": _ref("PractitionerSummary"), "description": (
            "When the search found no one: the nearest licensed practitioners within the largest "
            "radius, nearest first, with their `distance` in `unit`. Empty otherwise.")},
    }),
    "Clinic": _object({
        "id": {"type": "integer"},
        "name": _nullable("string"),
        "address": _nullable("string"),
        "city": {"type": "string"},
        "region": {"type": "string"},
        "postal_code": _nullable("string"),
        "country": {"type": "string"},
        "lat": {"type": "number", "minimum": -90, "maximum": 90},
        "lon": {"type": "number", "minimum": -180, "maximum": 180},
        "timezone": {"type": "string", "description": "IANA time zone, e.g. America/Los_Angeles."},
    }),
    "Fees": _object({
        **openapi_search.SCHEMAS["BriefFees"]["properties"],
        "initial_cents": _nullable("integer", minimum=0, description="First visit, in cents."),
        "follow_up_cents": _nullable("integer", minimum=0, description="Follow-up visit, in cents."),
        "sliding_scale": {"type": "boolean"},
    }),
    "Error": _object({
        "error": _object({
            "code": {"type": "string", "examples": ["invalid_parameter", "unknown_location", "not_found"]},
            "message": {"type": "string", "description": "Says what is wrong, for people."},
            "field": {"type": "string", "description": (
                "The parameter, body field or header at fault (400; 422 invalid_intake and invalid_slot).")},
            "details": {"type": "array", "description": (
                "Every problem found (400; 422 invalid_intake: each intake field, red_flag: each symptom)."),
                        "items": _object({"field": {"type": "string"}, "code": {"type": "string"},
                                          "message": {"type": "string"}})},
            "suggestions": {"type": "array", "items": {"type": "string"}, "maxItems": 8, "description": (
                "With unknown_location: what `near` may have meant, likeliest first; each is a `near` "
                "that is found (a typo's correction, or the states that have a city given without "
                "its state). Often empty.")},
        }, required=["code", "message"]),
    }),
}

# Spelled out rather than allOf, so that code generators give one flat type.
_SUMMARY = SCHEMAS["PractitionerSummary"]
SCHEMAS["PractitionerDetail"] = _object({
    **_SUMMARY["properties"],
    "bio": {"type": "string"},
    "back_pain_focus": {"type": "string"},
    "complementary_therapies": {
        **SLUGS, "description": "Slugs: " + ", ".join(COMPLEMENTARY_THERAPIES) + "."},
    "fees": _ref("Fees"),
    "clinics": {"type": "array", "items": _ref("Clinic"), "minItems": 1,
                "description": "Clinics the practitioner is listed at (licensed for their state)."},
    "licences": {"type": "array", "items": _ref("Licence"), "minItems": 1,
                 "description": "Verified, unexpired licences."},
}, required=[*_SUMMARY["required"], "bio", "back_pain_focus", "complementary_therapies", "clinics", "licences"],
    description="A search result's fields (distance always null; location and licence are those of "
                "the first listed clinic) plus the public profile.")


def _error_response(description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": _ref("Error")}}}


SEARCH_PARAMETERS = [
    _query("near", {"type": "string", "maxLength": MAX_NEAR_LENGTH}, (
        "Where to search from: a US ZIP code (12345 or 12345-6789), \"City, ST\", \"City, State\" "
        "or \"lat,lon\" (street addresses only when a network geocoder is configured). Search "
        "covers the United States (states, DC and territories); Canada too when a network geocoder "
        "is configured. A city without its state is found when one state has it. "
        "Without it every listed practitioner is returned, ordered by name.")),
    _query("radius", {"type": "number", "exclusiveMinimum": 0, "maximum": MAX_RADIUS["km"],
                      "default": DEFAULT_RADIUS},
           f"Search radius in `unit`; at most {MAX_RADIUS['mi']:g} mi or {MAX_RADIUS['km']:g} km. "
           f"Default {DEFAULT_RADIUS:g}, in `unit`. Ignored without `near`."),
    _query("unit", {"type": "string", "enum": ["mi", "km"], "default": "mi"},
           "Unit of `radius` and of every `distance`."),
    _query("page", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": 1}, "Page number."),
    _query("per_page", {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE,
                        "default": DEFAULT_PER_PAGE}, "Results per page."),
    _query("technique", {"type": "string", "enum": list(TECHNIQUES)},
           "Only practitioners offering this technique (slug; its label, in any case, is accepted too)."),
    _query("language", {"type": "string", "enum": list(LANGUAGES)},
           "Only practitioners speaking this language (any case)."),
    _query("min_years", {"type": "integer", "minimum": 0, "maximum": 80},
           "Minimum years treating chronic pain."),
    _query("accepting", {"type": "boolean"},
           "true: only practitioners accepting new patients (1/yes/on also accepted); false: no filter."),
    *openapi_search.PARAMETERS,
]

# Search answers and profiles are revalidated, never reused blind (directory/http_cache.py).
IF_NONE_MATCH = {
    "name": "If-None-Match", "in": "header", "required": False, "schema": {"type": "string"},
    "description": "An `ETag` from an earlier answer (weak or strong form, a list, or `*`): when it "
                   "still names the current answer the reply is `304 Not Modified`, with no body and "
                   "without the search being run.",
}
REVALIDATED_HEADERS = {
    "ETag": {"schema": {"type": "string"},
             "description": "A weak tag of what the answer shows: it changes when anything a listing "
                            "shows changes (a suspension, an approval, a profile edit), at midnight "
                            "(licences expire), with a new release, and with the query and host."},
    "Cache-Control": {"schema": {"type": "string", "const": "no-cache"},
                      "description": "Keep the answer if you like, but revalidate it with "
                                     "`If-None-Match` before every reuse."},
}
NOT_MODIFIED = {"description": "The copy named by `If-None-Match` is still current; no body.",
                "headers": REVALIDATED_HEADERS}

DOCUMENT = {
    "openapi": "3.1.0",
    "info": {
        "title": "Meridian API",
        "version": "1.0.0",
        "summary": "Find licensed acupuncturists for chronic back pain near a place, and book them.",
        "description": (
            "Search, profiles and free slots are public. Booking needs a bearer token from "
            "`POST /tokens` (`Authorization: Bearer <token>`). Only listed practitioners holding a "
            "verified, unexpired licence for the state of the clinic shown appear. Unknown query "
            "parameters are ignored; when a parameter is repeated the first value wins; empty values "
            "mean \"not given\". Request bodies are JSON objects. Every error is JSON: "
            "`{\"error\": {\"code\", \"message\"}}`."),
    },
    "servers": [{"url": "/api/v1"}],
    "paths": {
        "/practitioners": {"get": {
            "operationId": "searchPractitioners",
            "summary": "Search listed practitioners near a place",
            "description": "One result per practitioner, at its nearest qualifying clinic, ordered by "
                           "`sort` (default distance, then name); without `near`, by `sort` then name.",
            "parameters": [*SEARCH_PARAMETERS, IF_NONE_MATCH],
            "responses": {
                "200": {"description": "A page of results.", "headers": REVALIDATED_HEADERS,
                        "content": {"application/json": {"schema": _ref("SearchResults")}}},
                "304": NOT_MODIFIED,
                "400": _error_response(
                    "A parameter is invalid (`invalid_parameter`) or `near` could not be located "
                    "(`unknown_location`, with `suggestions`); `field` names the first parameter at fault."),
            },
        }},
        "/practitioners/{practitioner_id}": {"get": {
            "operationId": "getPractitioner",
            "summary": "A listed practitioner's public profile",
            "parameters": [{"name": "practitioner_id", "in": "path", "required": True,
                            "schema": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}},
                           IF_NONE_MATCH],
            "responses": {
                "200": {"description": "The profile.", "headers": REVALIDATED_HEADERS,
                        "content": {"application/json": {"schema": _ref("PractitionerDetail")}}},
                "304": NOT_MODIFIED,
                "404": _error_response("No listed practitioner has this id (code `not_found`)."),
            },
        }},
        "/openapi.json": {"get": {
            "operationId": "getOpenAPI",
            "summary": "This document",
            "responses": {"200": {"description": "OpenAPI 3.1 document.",
                                  "content": {"application/json": {"schema": {"type": "object"}}}}},
        }},
    },
    "components": {"schemas": SCHEMAS},
}

# The booking API (tokens, slots, appointments) is described in its own module.
SCHEMAS.update(openapi_search.SCHEMAS)
SCHEMAS.update(openapi_booking.SCHEMAS)
SCHEMAS.update(openapi_safety.SCHEMAS)
DOCUMENT["paths"].update(openapi_booking.PATHS)
DOCUMENT["paths"].update(openapi_safety.PATHS)
SCHEMAS.update(openapi_courses.SCHEMAS)
DOCUMENT["paths"].update(openapi_courses.PATHS)
DOCUMENT["components"]["securitySchemes"] = openapi_booking.SECURITY_SCHEMES


def document() -> dict:
    """A copy, so callers may change it freely."""
    return copy.deepcopy(DOCUMENT)
