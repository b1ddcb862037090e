"""A patient's own data at /account: download a copy, or close the account."""
from __future__ import annotations

import json

from flask import Response, current_app, redirect, render_template, url_for
from flask_login import current_user, logout_user

from directory.account.forms import CloseAccountForm
from directory.account.routes import bp
from directory.auth import events
from directory.auth.access import role_required
from directory.extensions import limiter
from directory.models import Role
from directory.services.accounts import personal_data
from directory.web import TOO_MANY, ConfirmForm, config_limit, form_errors

_export_limit = limiter.limit(lambda: current_app.config["EXPORT_RATE_LIMIT"], methods=["POST"],
                              key_func=lambda: f"export:{current_user.get_id()}", error_message=TOO_MANY)


@bp.post("/export")
@role_required(Role.PATIENT)
@_export_limit
def export():
    form = ConfirmForm()
    if not form.validate_on_submit():
        return redirect(url_for("account.settings"))
    data = personal_data.export(current_user._get_current_object())
    events.record("data_exported", user=current_user)
    body = json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True)
    return Response(body, mimetype="application/json", headers={
        "Content-Disposition": 'attachment; filename="meridian-my-data.json"',
        "Cache-Control": "no-store"})


def _close_page(form: CloseAccountForm, errors: dict | None = None, status: int = 200):
    plan = personal_data.closing_plan(current_user._get_current_object())
    return render_template("account/close.html", form=form, errors=errors or {}, plan=plan), status


@bp.get("/close")
@role_required(Role.PATIENT)
def close():
    return _close_page(CloseAccountForm())


@bp.post("/close")
@role_required(Role.PATIENT)
@config_limit("LOGIN_RATE_LIMIT")   # it asks for the password: no faster guessing here than at login
def close_confirmed():
    form = CloseAccountForm()
    if not form.validate_on_submit():
        return _close_page(form, form_errors(form), 400)
    user = current_user._get_current_object()
    try:
        personal_data.close_account(user, form.password.data)
    except personal_data.AccountDataError as error:
        return _close_page(form, {error.field: error.message}, 400)
    events.record("account_closed", user=user)
    logout_user()
    return render_template("account/closed.html")
