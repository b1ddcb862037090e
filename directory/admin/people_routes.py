"""Practitioners: find one, see their profile and licences, suspend or reinstate them."""
from __future__ import annotations

from datetime import date

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from directory.admin import bp, queries
from directory.admin.forms import PractitionerSearchForm, ReasonForm
from directory.models import ListingState, Practitioner
from directory.search.routes import page_window
from directory.services import audit
from directory.services.licensing import decisions as licensing
from directory.services.licensing import suspension
from directory.web import form_errors


@bp.get("/practitioners")
def practitioners():
    form = PractitionerSearchForm(request.args)
    errors = {} if form.validate() else form_errors(form)
    q = form.q.data if not errors else None
    rows, pages = queries.search_practitioners(q, queries.page_number(request.args.get("page")))

    def page_url(n: int) -> str:
        return url_for(".practitioners", q=q or None, page=n if n > 1 else None)

    return render_template("admin/practitioners.html", form=form, errors=errors, practitioners=rows,
                           results=pages, q=q, page_url=page_url, page_window=page_window), \
        400 if errors else 200


def _practitioner_or_404(practitioner_id: int) -> Practitioner:
    practitioner = queries.find_practitioner(practitioner_id)
    if practitioner is None:
        abort(404)
    return practitioner


def _practitioner_page(practitioner: Practitioner, form: ReasonForm, errors: dict[str, str],
                       code: int = 200):
    history, _ = audit.search(audit.AuditFilter(subject_type="practitioner", subject_id=practitioner.id),
                              page=1, per_page=100)
    return render_template("admin/practitioner.html", practitioner=practitioner, form=form, errors=errors,
                           history=history, today=date.today(),
                           suspended=practitioner.listing_state is ListingState.SUSPENDED), code


@bp.get("/practitioners/<int:practitioner_id>")
def practitioner(practitioner_id: int):
    return _practitioner_page(_practitioner_or_404(practitioner_id), ReasonForm(formdata=None), {})


def _change_listing(practitioner_id: int, *, suspend: bool):
    practitioner = _practitioner_or_404(practitioner_id)
    form = ReasonForm()
    if (practitioner.listing_state is ListingState.SUSPENDED) is suspend:
        message = ("This practitioner is already suspended, so nothing was changed." if suspend else
                   "This practitioner is not suspended, so there is nothing to reinstate.")
        return _practitioner_page(practitioner, form, {"reason": message}, 409)
    errors: dict[str, str] = {}
    if form.validate_on_submit():
        try:
            if suspend:
                suspension.suspend(practitioner, admin=current_user, reason=form.reason.data)
            else:
                suspension.reinstate(practitioner, admin=current_user, reason=form.reason.data)
        except licensing.DecisionError as exc:
            errors["reason"] = exc.message
        else:
            flash(f"{practitioner.display_name} has been "
                  f"{'suspended: they no longer appear in search' if suspend else 'reinstated'}.", "success")
            return redirect(url_for(".practitioner", practitioner_id=practitioner.id))
    errors = {**form_errors(form), **errors}
    return _practitioner_page(practitioner, form, errors, 400)


@bp.post("/practitioners/<int:practitioner_id>/suspend")
def suspend(practitioner_id: int):
    return _change_listing(practitioner_id, suspend=True)


@bp.post("/practitioners/<int:practitioner_id>/reinstate")
def reinstate(practitioner_id: int):
    return _change_listing(practitioner_id, suspend=False)
