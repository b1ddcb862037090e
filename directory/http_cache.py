"""Conditional answers for what search shows: clients may keep a copy, but ask before reusing it.

An answer's ETag names everything it was built from: the search epoch (the generation,
moved on by every commit that changes what a listing shows, the next-free generation,
moved on by every change of a next free time, today's date and the minute), the code
that rendered it (so a deploy changes it), and the request's own inputs. A client that
sends the tag back in If-None-Match gets 304 without the search being run while the tag
still holds; after a suspension the generation moves and the full new answer comes back.
``Cache-Control: no-cache`` lets browsers and proxies store an answer but never reuse it
without asking, so no listing outlives the data it was built from.
"""
from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

from flask import Flask, Response, current_app, request
from werkzeug.http import remove_entity_headers

from directory.services.search.cache import Epoch

REVALIDATE = "no-cache"
PACKAGE = Path(__file__).resolve().parent
EXTENSION = "code_version"


def init_app(app: Flask) -> None:
    # Read at start-up (once per process; in gunicorn's master under preload_app), so that
    # no visitor's request pays for hashing the package.
    app.extensions[EXTENSION] = code_version(str(app.template_folder))


@cache
def code_version(template_folder: str) -> str:
    """A digest of the package and its templates: the same on every worker, new with every deploy."""
    digest = hashlib.sha256()
    for root in (PACKAGE, Path(template_folder)):
        digest.update(root.name.encode() + b"\0")
        for path in sorted(p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
            digest.update(path.relative_to(root).as_posix().encode() + b"\0")
            digest.update(path.read_bytes())
    return digest.hexdigest()


def etag(epoch: Epoch | None, *inputs: object) -> str | None:
    """The tag of an answer built in ``epoch`` from ``inputs``; None when the epoch is unknown
    (then nothing can be promised about the answer, and it carries no tag)."""
    if epoch is None:
        return None
    parts = (current_app.extensions[EXTENSION], epoch.generation, epoch.next_free, epoch.day.isoformat(),
             epoch.minute.isoformat(), *inputs)
    # Weak: two answers with one tag show the same data, not necessarily the same bytes.
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:32]


def client_has(tag: str | None) -> bool:
    """Whether If-None-Match names this answer: RFC 9110 13.1.2 (weak comparison, any tag of
    a list, or "*", which matches whenever there is an answer: callers ask only then)."""
    if tag is None:
        return False
    return request.if_none_match.contains_weak(tag)  # also true for "*"


def not_modified(tag: str, cache_control: str, vary: str | None = None) -> Response:
    # A 304 repeats the headers the full answer would have carried (RFC 9110 15.4.5).
    response = current_app.response_class(status=304)
    remove_entity_headers(response.headers)
    return tagged(response, tag, cache_control, vary)


def tagged(response: Response, tag: str | None, cache_control: str, vary: str | None = None) -> Response:
    if tag is not None:
        response.set_etag(tag, weak=True)
    response.headers["Cache-Control"] = cache_control
    if vary:
        response.vary.add(vary)
    return response
