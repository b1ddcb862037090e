"""Account settings for every role: see the account, change email address or password."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user, login_required, login_user

from directory.account.forms import (
    ChangeEmailForm,
    ChangePasswordForm,
    ConfirmEmailChangeForm,
)
from directory.auth import events
from directory.auth.forms import NEW_PASSWORD_HINT
from directory.services.accounts import users as accounts
from directory.web import account_guess_limit, config_limit, external_url, form_errors, password_refused

bp = Blueprint("account", __name__, url_prefix="/account")

# Both forms ask for the current password: limit guessing it through them as well, from
# the account's one budget of failed password checks.
_limit = config_limit("LOGIN_RATE_LIMIT")
_guesses = account_guess_limit(lambda: current_user.email if current_user.is_authenticated else "")


def _forms() -> tuple[ChangeEmailForm, ChangePasswordForm]:
    return ChangeEmailForm(prefix="email"), ChangePasswordForm(prefix="pw")


def _page(email_form, password_form, email_errors=None, password_errors=None, status=200):
    return render_template("account/settings.html", email_form=email_form, password_form=password_form,
                           email_errors=email_errors or {}, password_errors=password_errors or {},
                           password_hint=NEW_PASSWORD_HINT), status


@bp.get("")
@login_required
def settings():
    return _page(*_forms())


@bp.post("/password")
@login_required
@_limit
@_guesses
def change_password():
    email_form, form = _forms()
    errors: dict[str, str] = {}
    if form.validate_on_submit():
        user = current_user._get_current_object()
        try:
            accounts.change_password(user, form.current_password.data, form.password.data)
        except accounts.AccountError as error:
            errors[error.field] = error.message
            if error.field == "current_password":
                password_refused()
        else:
            # Every other session ended with the version bump; this one carries on.
            login_user(user)
            events.record("password_changed", user=user)
            flash("Your password has been changed. Any other sessions have been logged out.", "success")
            return redirect(url_for("account.settings"))
    return _page(email_form, form, password_errors={**form_errors(form), **errors}, status=400)


@bp.post("/email")
@login_required
@_limit
@_guesses
def change_email():
    form, password_form = _forms()
    errors: dict[str, str] = {}
    if form.validate_on_submit():
        try:
            accounts.request_email_change(
                current_user, form.password.data, form.new_email.data,
                lambda token: external_url("account.confirm_email", token=token))
        except accounts.AccountError as error:
            errors[error.field] = error.message
            if error.field == "password":
                password_refused()
        else:
            events.record("email_change_requested", user=current_user)
            flash(f"We have sent a confirmation link to {form.new_email.data.strip()}. Your address "
                  "changes when you follow it.", "info")
            return redirect(url_for("account.settings"))
    return _page(form, password_form, email_errors={**form_errors(form), **errors}, status=400)


@bp.route("/email/confirm/<token>", methods=["GET", "POST"])
@login_required
def confirm_email(token: str):
    change = accounts.pending_email_change(token, current_user)
    if change is None:
        return render_template("account/email_invalid.html"), 400
    form = ConfirmEmailChangeForm()
    if form.validate_on_submit():
        try:
            accounts.confirm_email_change(change)
        except accounts.AccountError as error:
            flash(error.message, "error")
        else:
            events.record("email_changed", user=current_user)
            flash(f"Your email address is now {change.new_email}.", "success")
        return redirect(url_for("account.settings"))
    return render_template("account/email_confirm.html", form=form, new_email=change.new_email)


# The data export and closing the account (patients) add their routes to ``bp``.
from directory.account import data_routes  # noqa: E402,F401
