"""JSON API v1: nearby search and practitioner profiles, documented at /api/v1/openapi.json."""
from __future__ import annotations

from functools import lru_cache

from flask import Response, current_app, jsonify, request, url_for

from directory import http_cache
from directory.api import bp, serializers
from directory.api import lookups
from directory.api.openapi import document
from directory.extensions import db
from directory.services.booking.first_free import first_free
from directory.services.search import unlicensed_states
from directory.services.search import nearby as geo
from directory.services.reviews import reviews
from directory.services.search import cache as search_cache
from directory.services.search import live
from directory.services.search.cache import LiveAnswer, Place
from directory.services.search import query as search_query
from directory.services.search.query import InvalidSearch, SearchRequest


CACHE_CONTROL = http_cache.REVALIDATE


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
    if f.insurance:
        params["insurance"] = f.insurance
    if f.therapy:
        params["therapy"] = f.therapy
    if f.max_fee_cents is not None:
        params["max_fee"] = f"{f.max_fee_cents / 100:.2f}"
    if req.available_within is not None:
        params["available_within"] = req.available_within
    if req.sort != "distance":
        params["sort"] = req.sort
    return params


def _link(req: SearchRequest, page: int) -> str:
    return url_for("api.practitioners", _external=True, **_query(req, page))


def _search_answer(body: bytes, tag: str | None) -> Response:
    response = current_app.response_class(body, mimetype=current_app.json.mimetype)
    return http_cache.tagged(response, tag, CACHE_CONTROL)


@bp.get("/practitioners")
def practitioners():
    # Links in the answer are absolute: the key holds the address it was asked at.
    key = ("api", request.url_root, request.query_string)
    epoch = search_cache.current_epoch()
    now = None if epoch is None else epoch.minute  # the answer is true for the minute it is tagged with
    tag = http_cache.etag(epoch, *key)
    found = search_cache.lookup(key, epoch)
    if found.answer is None:
        # Parsed before If-None-Match is weighed: a bad search is a 400 even to "*".
        try:
            req = search_query.parse(request.args, now=now)
        except InvalidSearch as exc:
            return _invalid(exc)
    if http_cache.client_has(tag):
        return http_cache.not_modified(tag, CACHE_CONTROL)
    answer = found.answer
    if answer is None:
        answer = _search(req, now)
        search_cache.store(found, key, answer)
    return _search_answer(live.fill(answer, _next_available_json, now), tag)


def _next_available_json(place: Place, start) -> bytes:
    return _next_available_bytes(current_app.json, place, start)


@lru_cache(maxsize=8192)
def _next_available_bytes(provider, place: Place, start) -> bytes:
    # The same places are filled in over and over with the same times.
    return provider.dumps(serializers.live_next_available(place, start)).encode()


def _search(req: SearchRequest, now) -> LiveAnswer:
    """The answer, cut around the places its next free times go (see services.search.live)."""
    result = geo.search(req.origin, radius=req.radius, unit=req.unit, filters=req.filters,
                        page=req.page, per_page=req.per_page, sort=req.sort, now=now)
    place = req.place
    unlicensed = unlicensed_states.explain(place, result, req.filters)
    nearest = unlicensed.nearest if unlicensed is not None else []
    rated = reviews.summaries([h.practitioner.id for h in [*result.hits, *nearest]])
    recorder = live.Recorder()
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
        "results": [serializers.result(h, rated.get(h.practitioner.id), recorder) for h in result.hits],
        "unlicensed_state": None if unlicensed is None else {
            "state": unlicensed.state, "message": unlicensed.message,
            "nearest_licensed": [serializers.result(h, rated.get(h.practitioner.id), recorder) for h in nearest]},
        "links": {
            "self": _link(req, req.page),
            "next": _link(req, req.page + 1)
            if req.page < min(result.pages, search_query.MAX_PAGE) else None,
            "prev": _link(req, min(req.page - 1, result.pages)) if req.page > 1 else None,
        },
    }
    return recorder.cut(jsonify(body).get_data(), json=True, timely=req.timely)


@bp.get("/practitioners/<practitioner_id>")
def practitioner(practitioner_id: str):
    # A profile shows only what search shows (practitioner, clinics, licences, the index), so
    # the search epoch dates it too. A tag it issued proves the profile was listed in this epoch.
    tag = http_cache.etag(search_cache.current_epoch(), "profile", request.url_root, practitioner_id)
    if http_cache.client_has(tag) and not request.if_none_match.star_tag:
        return http_cache.not_modified(tag, CACHE_CONTROL)
    found = lookups.listed_profile(practitioner_id)
    if found is None:
        return lookups.not_listed(practitioner_id)
    if http_cache.client_has(tag):  # "*": there is a profile
        return http_cache.not_modified(tag, CACHE_CONTROL)
    first = first_free(db.session.connection(), [found.practitioner.id]).get(found.shown_clinic.id)
    response = jsonify(serializers.detail(found.practitioner, found.clinics, found.licences,
                                          found.shown_clinic, found.shown_licence, reviews.summary(found.practitioner.id),
                                          first.start if first else None))
    return http_cache.tagged(response, tag, CACHE_CONTROL)


@bp.get("/openapi.json")
def openapi():
    response = jsonify(document())
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response

