"""JSON API v1: nearby search and practitioner profiles, documented at /api/v1/openapi.json."""
from __future__ import annotations

from flask import Response, current_app, jsonify, request, url_for

from directory.api import bp, serializers
from directory.api.openapi import document
from directory.errors.handlers import json_error
from directory.services.search import unlicensed_states
from directory.services.search import nearby as geo
from directory.services.reviews import reviews
from directory.services.search import profiles
from directory.services.search import cache as search_cache
from directory.services.search import query as search_query
from directory.services.booking.queries import parse_id
from directory.services.search.query import InvalidSearch, SearchRequest


CACHE_CONTROL = "public, max-age=60"


def _invalid(exc: InvalidSearch):
    first = exc.errors[0]
    error = {
        "code": first.code,
        "message": first.message,
        "field": first.field,
        "details": [{"field": e.field, "code": e.code, "message": e.message} for e in exc.errors],
    }
    if first.code == "unknown_location":
        error["suggestions"] = list(first.suggestions)
    response = jsonify({"error": error})
    response.status_code = 400
    return response


def _query(req: SearchRequest, page: int) -> dict:
    """The normalised parameters of ``req`` at another page, for paging links."""
    params: dict[str, object] = {"unit": req.unit, "per_page": req.per_page, "page": page}
    if req.near is not None:
        params.update(near=req.near, radius=f"{req.radius:g}")
    f = req.filters
    if f.technique:
        params["technique"] = f.technique
    if f.language:
        params["language"] = f.language
    if f.min_years is not None:
        params["min_years"] = f.min_years
    if f.accepting is not None:
        params["accepting"] = "true" if f.accepting else "false"
    return params


def _link(req: SearchRequest, page: int) -> str:
    return url_for("api.practitioners", _external=True, **_query(req, page))


def _search_answer(body: bytes) -> Response:
    response = current_app.response_class(body, mimetype=current_app.json.mimetype)
    response.headers["Cache-Control"] = CACHE_CONTROL
    return response


@bp.get("/practitioners")
def practitioners():
    # Links in the answer are absolute: the key holds the address it was asked at.
    key = ("api", request.url_root, request.query_string)
    found = search_cache.lookup(key)
    if found.answer is not None:
        return _search_answer(found.answer)
    try:
        req = search_query.parse(request.args)
    except InvalidSearch as exc:
        return _invalid(exc)
    result = geo.search(req.origin, radius=req.radius, unit=req.unit, filters=req.filters,
                        page=req.page, per_page=req.per_page)
    place = req.place
    unlicensed = unlicensed_states.explain(place, result, req.filters)
    nearest = unlicensed.nearest if unlicensed is not None else []
    rated = reviews.summaries([h.practitioner.id for h in [*result.hits, *nearest]])
    body = {
        "origin": None if place is None else {
            "lat": place.latitude, "lon": place.longitude, "label": place.label},
        # Without an origin nothing is bounded by a radius.
        "radius": result.radius,
        "unit": result.unit,
        "total": result.total,
        "page": result.page,
        "per_page": result.per_page,
        "pages": result.pages,
        "results": [serializers.summary(h.practitioner, h.clinic, h.licence, h.distance, rated.get(h.practitioner.id))
                    for h in result.hits],
        "unlicensed_state": None if unlicensed is None else {
            "state": unlicensed.state, "message": unlicensed.message,
            "nearest_licensed": [serializers.summary(h.practitioner, h.clinic, h.licence, h.distance,
                                                     rated.get(h.practitioner.id)) for h in nearest]},
        "links": {
            "self": _link(req, req.page),
            "next": _link(req, req.page + 1)
            if req.page < min(result.pages, search_query.MAX_PAGE) else None,
            "prev": _link(req, min(req.page - 1, result.pages)) if req.page > 1 else None,
        },
    }
    answer = jsonify(body).get_data()
    search_cache.store(found, key, answer)
    return _search_answer(answer)


@bp.get("/practitioners/<practitioner_id>")
def practitioner(practitioner_id: str):
    found_id = parse_id(practitioner_id)
    found = profiles.listed_profile(found_id) if found_id is not None else None
    if found is None:
        return json_error(404, "not_found", f"No listed practitioner has the id {practitioner_id[:40]!r}.")
    response = jsonify(serializers.detail(found.practitioner, found.clinics, found.licences,
                                          found.shown_clinic, found.shown_licence, reviews.summary(found_id)))
    response.headers["Cache-Control"] = CACHE_CONTROL
    return response


@bp.get("/openapi.json")
def openapi():
    response = jsonify(document())
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response

