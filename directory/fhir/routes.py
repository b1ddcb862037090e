"""`GET /fhir/$bulk-publish` and the files it lists. Files are built when fetched; an
unchanged file answers 304 to its ETag."""
from __future__ import annotations

from datetime import date

from flask import Response, jsonify, request

from directory.errors.handlers import json_error
from directory.fhir import bp
from directory.models._types import utcnow
from directory.services import links
from directory.services.fhir import publish

# The spec reads the manifest's max-age as the client's polling interval.
POLL_SECONDS = 60
UNKNOWN_FILE = ("There is no such file. Fetch /fhir/$bulk-publish for the list of files; Slot files are "
                "named by jurisdiction, such as US-CA.")


def _links() -> publish.Links:
    # One base for every link of a file (thousands of them), worked out once.
    base = links.base_url()

    def url(endpoint: str, **values) -> str:
        found = links.external_url(endpoint, base=base, **values)
        assert found is not None  # there is always a request, so always a base
        return found

    return publish.Links(
        file=lambda kind: url("fhir.resource_file", kind=kind),
        slot_file=lambda code: url("fhir.slot_file", jurisdiction=code),
        profile=lambda practitioner_id: url("practitioners.profile", practitioner_id=practitioner_id),
        # The same address, parameters in the same order, as a profile's time buttons.
        booking=lambda practitioner_id, clinic_id, start: url(
            "booking.new", practitioner=practitioner_id, clinic=clinic_id, start=start, kind="initial"),
        site=url("search.index"),
        manifest=url("fhir.bulk_publish"),
    )


@bp.get("/$bulk-publish")
def bulk_publish():
    response = jsonify(publish.manifest(_links(), now=utcnow(), today=date.today()))
    response.headers["Cache-Control"] = f"max-age={POLL_SECONDS}"
    return response


def _ndjson(body: str) -> Response:
    # no-cache: a cache may keep a file but must ask again each time, and gets a 304 while
    # it has not changed; a slot taken since is never served from a cache.
    response = Response(body, mimetype=publish.NDJSON)
    response.headers["Cache-Control"] = "no-cache"
    response.add_etag()
    return response.make_conditional(request)


@bp.get("/<any(Location, PractitionerRole, Schedule):kind>.ndjson")
def resource_file(kind: str):
    return _ndjson(publish.ndjson(publish.resource_lines(kind, _links(), today=date.today())))


@bp.get("/slots/<jurisdiction>.ndjson")
def slot_file(jurisdiction: str):
    if not publish.JURISDICTION_CODE.match(jurisdiction):
        return json_error(404, "not_found", UNKNOWN_FILE)
    return _ndjson(publish.ndjson(publish.slot_lines(jurisdiction, _links(), now=utcnow(), today=date.today())))
