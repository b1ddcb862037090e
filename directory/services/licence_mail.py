"""Telling a practitioner what happened to their licence or listing, through the outbox."""
from __future__ import annotations

from flask import current_app
from werkzeug.routing import BuildError

from directory import presenters
from directory.models import Licence, Practitioner
from directory.services import jurisdictions
from directory.services.mail import queue_email


def place_name(code: str) -> str:
    jurisdiction = jurisdictions.get(code)
    return jurisdiction.name if jurisdiction else presenters.jurisdiction_name(code)


def licence_label(licence: Licence) -> str:
    """"California licence AC12345", in the jurisdiction's own word for the credential."""
    jurisdiction = jurisdictions.get(licence.jurisdiction)
    word = jurisdiction.credential_label if jurisdiction else "licence"
    return f"{place_name(licence.jurisdiction)} {word} {licence.number}"


def _page_url(endpoint: str) -> str | None:
    # Services run without a request (the daily job), so the Host header is no help:
    # only a configured public address makes a link.
    base = current_app.config.get("PUBLIC_BASE_URL")
    if not base:
        return None
    try:
        path = current_app.url_map.bind("localhost").build(endpoint)
    except BuildError:
        return None
    return base.rstrip("/") + path


def tell_practitioner(practitioner: Practitioner, subject: str, template: str, **context) -> None:
    user = practitioner.user
    queue_email(user.email, subject, template, name=user.name or practitioner.display_name,
                login_url=_page_url("auth.login"), short_date=presenters.short_date,
                label=licence_label(context["licence"]) if "licence" in context else None,
                place=place_name(context["licence"].jurisdiction) if "licence" in context else None,
                **context)
