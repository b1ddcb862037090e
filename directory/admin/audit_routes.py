"""The audit log, read-only: there is deliberately no route that edits or deletes an event."""
from __future__ import annotations

from flask import render_template, request, url_for

from directory.admin import bp, queries
from directory.admin.forms import AuditFilterForm
from directory.search.routes import page_window
from directory.services import audit
from directory.services.accounts import users as accounts
from directory.web import form_errors

PER_PAGE = 50
_FILTERS = ("action", "actor", "subject_type", "subject_id", "since", "until")


def _filters(form: AuditFilterForm) -> tuple[audit.AuditFilter | None, dict[str, str]]:
    actor_id = None
    actor = form.actor.data or ""
    if actor.isascii() and actor.isdigit():
        actor_id = int(actor)
    elif actor:
        user = accounts.find_by_email(actor)
        if user is None:
            return None, {"actor": "No account has that email address."}
        actor_id = user.id
    return audit.AuditFilter(
        action=form.action.data or None, actor_id=actor_id, subject_type=form.subject_type.data or None,
        subject_id=int(form.subject_id.data) if form.subject_id.data else None,
        since=form.since.data, until=form.until.data), {}


# The endpoint is "admin.audit"; the function has another name so it does not hide the service.
@bp.get("/audit", endpoint="audit")
def audit_log():
    form = AuditFilterForm(request.args, actions=audit.actions())
    filters, errors = (None, form_errors(form)) if not form.validate() else _filters(form)
    events, total = ([], 0)
    page = queries.page_number(request.args.get("page"))
    if filters is not None:
        total = audit.count(filters)
        # Past the end (a stale link): show the last page instead.
        page = min(page, queries.Pages.of(page, PER_PAGE, total).pages)
        events = audit.page_of(filters, page=page, per_page=PER_PAGE)
    results = queries.Pages.of(page, PER_PAGE, total)
    kept = {name: request.args.get(name) for name in _FILTERS if request.args.get(name)}

    def page_url(n: int) -> str:
        return url_for(".audit", **kept, page=n if n > 1 else None)

    return render_template("admin/audit.html", form=form, errors=errors, events=events, results=results,
                           page_url=page_url, page_window=page_window, filtered=bool(kept)), \
        400 if errors else 200
