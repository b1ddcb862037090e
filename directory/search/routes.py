"""The home page: a location search with filters and results ranked by distance."""
from __future__ import annotations

from datetime import datetime

from flask import Blueprint, current_app, render_template, request, session, url_for
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from directory import http_cache
from directory.search import live_html
from directory.search.forms import FIELD_LABELS, FIELD_ORDER, SearchForm
from directory.services.reviews import reviews
from directory.services.presenters import money, technique_labels, therapy_labels
from directory.services.search import empty, unlicensed_states
from directory.services.search.area import Circle
from directory.services.search import nearby as geo
from directory.services.geocoding import locate as geocoding
from directory.services.search import cache as search_cache
from directory.services.search import live
from directory.services.search.cache import LiveAnswer
from directory.services.search import query as search_query
from directory.services.search import results_map
from directory.services.search.nearby import MAX_RADIUS
from directory.services.search.query import FALSE_WORDS

bp = Blueprint("search", __name__)

# Radii the empty state may suggest, beyond those in the select.
RADIUS_STEPS = (5, 10, 25, 50, 100, 250, 500)
FILTER_PARAMS = ("technique", "language", "min_years", "accepting", "available_within", "insurance", "max_fee",
                 "therapy")
ORDER_TEXT = {"distance": "nearest first", "soonest": "soonest first visit first, then nearest",
              "rating": "best rated first, then nearest", "price": "lowest first-visit fee first, then nearest"}


def _page_message(field: str, message: str) -> str:
    """Parser messages name query parameters ("min_years must ..."); say the label instead."""
    label = FIELD_LABELS.get(field)
    if label and message.startswith(field + " "):
        return label + message[len(field):]
    return message


def _ordered_errors(errors: dict[str, str]) -> list[tuple[str, str]]:
    rank = {name: i for i, name in enumerate(FIELD_ORDER)}
    return sorted(errors.items(), key=lambda item: rank.get(item[0], len(rank)))


def page_window(current: int, pages: int, spread: int = 2) -> list[int | None]:
    """Page numbers to link: first, last and a few around the current one; None marks a gap."""
    shown = {1, pages, *range(current - spread, current + spread + 1)}
    numbers = sorted(n for n in shown if 1 <= n <= pages)
    window: list[int | None] = []
    for n in numbers:
        if window and n - window[-1] > 2:
            window.append(None)
        elif window and n - window[-1] == 2:
            window.append(n - 1)  # a gap of one page is shown rather than elided
        window.append(n)
    return window


def _url_with(args: MultiDict, **changes) -> str:
    """This page's URL with some parameters replaced (None removes one); others are kept."""
    params = MultiDict(args)
    for key, value in changes.items():
        params.pop(key, None)
        if value is not None:
            params[key] = value
    if changes.get("page") == 1:
        params.pop("page", None)  # page 1 is the default: keep its URL the plain search
    return url_for("search.index", **params.to_dict(flat=False))


def _filter_text(name: str, query: search_query.SearchRequest) -> str:
    """How the page names a filter in use: "Insurance: Aetna"."""
    f = query.filters
    value = {"technique": technique_labels([f.technique or ""])[0] if f.technique else "",
             "language": f.language, "min_years": f"at least {f.min_years} years",
             "accepting": "yes", "available_within": f"within {query.available_within} days",
             "insurance": f.insurance, "max_fee": money(f.max_fee_cents),
             "therapy": therapy_labels([f.therapy or ""])[0] if f.therapy else ""}[name]
    return f"{FIELD_LABELS[name]}: {value}"


def _emptied(args: MultiDict, query: search_query.SearchRequest) -> list[dict]:
    """For an empty result: each filter that alone emptied it, with the count and a link without it."""
    circle = Circle(*query.origin, query.radius, query.unit)
    return [{"text": _filter_text(name, query), "count": count,
             "url": _url_with(args, page=None, **{name: None})}
            for name, count in empty.emptied_by(circle, query.filters).items() if count]


def _suggestions(args: MultiDict, query: search_query.SearchRequest) -> list[dict]:
    """Ways out of an empty result: a wider radius, fewer filters."""
    suggestions = []
    limit = MAX_RADIUS[query.unit]
    wider = next((r for r in RADIUS_STEPS if r > query.radius and r <= limit), None)
    if wider is not None:
        suggestions.append({"text": f"Search within {wider} {query.unit}",
                            "url": _url_with(args, radius=str(wider), page=None)})
    if any((args.get(name) or "").strip() for name in FILTER_PARAMS):
        suggestions.append({"text": "Search again without filters",
                            "url": _url_with(args, page=None, **{n: None for n in FILTER_PARAMS})})
    return suggestions


def _title(query: search_query.SearchRequest | None, results: geo.Page | None,
           errors: dict) -> str:
    if errors:
        return "Error: check your search"
    if results is None:
        return "Find a licensed acupuncturist for chronic back pain"
    noun = "practitioner" if results.total == 1 else "practitioners"
    title = (f"{results.total} {noun} within {results.radius:g} {results.unit} "
             f"of {query.place.label}")
    if results.pages > 1:
        title += f" (page {results.page} of {results.pages})"
    return title


def _shared_page() -> bool:
    """Whether this visitor sees the page everyone sees: no account in the header, no message."""
    return not current_user.is_authenticated and "_flashes" not in session


# The page differs by session (the account in the header, a flashed message): shared copies
# are revalidated per cookie, and a personal page is never shared (security.py makes a
# logged-in one no-store).
SHARED = http_cache.REVALIDATE
PERSONAL = "private, no-cache"


@bp.get("/")
def index():
    if not _shared_page():
        answer, _ = _render_index(None)
        page = current_app.make_response(live.fill(answer, live_html.renderer()))
        return http_cache.tagged(page, None, PERSONAL, "Cookie")
    key = ("page", request.url_root, request.query_string)
    epoch = search_cache.current_epoch()
    now = None if epoch is None else epoch.minute  # the page is true for the minute it is tagged with
    tag = http_cache.etag(epoch, *key)
    if http_cache.client_has(tag):  # every shared page is a 200, errors included
        return http_cache.not_modified(tag, SHARED, "Cookie")
    found = search_cache.lookup(key, epoch) if request.args else search_cache.Lookup(None, None)
    answer = found.answer
    if answer is None:
        answer, searched = _render_index(now)
        if searched:
            search_cache.store(found, key, answer)
    page = current_app.response_class(live.fill(answer, live_html.renderer(), now), mimetype="text/html")
    return http_cache.tagged(page, tag, SHARED, "Cookie")


def _render_index(now: datetime | None) -> tuple[LiveAnswer, bool]:
    """The page, cut around the places its next free times go, and whether it holds search
    results (rather than errors or the empty form). ``now``: the minute of the cache epoch."""
    args = request.args
    form = SearchForm(args)
    errors: dict[str, str] = {}
    places_meant: list[dict] = []  # what a location that was not found may have meant
    search = None
    try:
        search = search_query.parse(args, now=now)
    except search_query.InvalidSearch as exc:
        errors = {field: _page_message(field, message) for field, message in exc.by_field().items()}
        places_meant = [{"text": place, "url": _url_with(args, near=place, page=None)}
                        for place in exc.suggestions("near")]
    if "near" in args and not (args.get("near") or "").strip():
        # The form was sent with an empty location box: say so rather than ignore it.
        errors["near"] = "Enter a location: a ZIP code, a city and state, or a latitude,longitude."
        search = None

    # A select can't show a value it doesn't offer; show its default beside the error
    # rather than whichever option happens to come first.
    for name in ("radius", "unit", "sort", "available_within", "insurance", "therapy"):
        if name in errors:
            getattr(form, name).data = getattr(form, name).default

    results = None
    unlicensed = None
    suggestions: list[dict] = []
    emptied: list[dict] = []
    if search is not None:
        form.ensure_radius_choice(f"{search.radius:g}")
        form.unit.data = search.unit
        form.technique.data = search.filters.technique or ""
        form.language.data = search.filters.language or ""
        form.insurance.data = search.filters.insurance or ""
        form.therapy.data = search.filters.therapy or ""
        form.sort.data = search.sort
        form.ensure_within_choice(search.available_within)
        if search.origin is not None:
            results = geo.search(search.origin, radius=search.radius, unit=search.unit,
                                 filters=search.filters, page=search.page, per_page=search.per_page,
                                 sort=search.sort, now=now)
            if not results.hits:
                suggestions = _suggestions(args, search)
                if not results.total and search.filters.active:
                    emptied = _emptied(args, search)
            unlicensed = unlicensed_states.explain(search.place, results, search.filters)

    recorder = live.Recorder()
    html = render_template(
        "search/index.html",
        live=recorder,
        form=form,
        errors=errors,
        error_list=_ordered_errors(errors),
        search=search,
        results=results,
        results_map=results_map.for_page(results),
        ratings=reviews.summaries([hit.practitioner.id for hit in results.hits]) if results else {},
        suggestions=suggestions,
        emptied=emptied,
        order_text=ORDER_TEXT[search.sort] if search else "",
        places_meant=places_meant,
        unlicensed=unlicensed,
        coverage=geocoding.coverage(),
        title=_title(search, results, errors),
        active_filters=sum(1 for name in FILTER_PARAMS
                           if (args.get(name) or "").strip().lower() not in ("", *FALSE_WORDS)),
        page_url=lambda n: _url_with(args, page=n),
        page_window=page_window,
        street_addresses=current_app.config.get("GEOCODER") != "offline",
    )
    return recorder.cut(html.encode(), json=False, timely=bool(search and search.timely)), results is not None
