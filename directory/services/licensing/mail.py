"""Telling a practitioner what happened to their licence or listing, through the outbox."""
from __future__ import annotations

from directory.services import presenters
from directory.models import Licence, Practitioner
from directory.services.licensing import jurisdictions
from directory.services.links import external_url
from directory.services.mail.outbox import queue_email


def licence_label(licence: Licence) -> str:
    """"California licence AC12345", in the jurisdiction's own word for the credential."""
    jurisdiction = jurisdictions.get(licence.jurisdiction)
    word = jurisdiction.credential_label if jurisdiction else "licence"
    return f"{presenters.jurisdiction_name(licence.jurisdiction)} {word} {licence.number}"


def tell_practitioner(practitioner: Practitioner, subject: str, template: str, **context) -> None:
    user = practitioner.user
    licence = context.get("licence")
    queue_email(user.email, subject, template, name=user.name or practitioner.display_name,
                login_url=external_url("auth.login"), short_date=presenters.short_date,
                label=licence_label(licence) if licence is not None else None,
                place=presenters.jurisdiction_name(licence.jurisdiction) if licence is not None else None,
                **context)
