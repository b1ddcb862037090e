"""Sign-up, login, logout and password reset."""
from __future__ import annotations

import time

from flask import (
    Blueprint,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_user, logout_user

from directory.auth import events
from directory.auth.forms import (
    NEW_PASSWORD_HINT,
    ForgotPasswordForm,
    LoginForm,
    ResetPasswordForm,
    SignupForm,
)
from directory.models import Role, User
from directory.services import links
from directory.services.accounts import users as accounts
from directory.web import (
    ConfirmForm,
    account_guess_limit,
    after_answer,
    config_limit,
    form_errors,
    password_refused,
    safe_next,
)

bp = Blueprint("auth", __name__)

LOGIN_FAILED = "The email address or password is not correct."
RESET_SENT = ("If an account uses that address, we have sent it a link to choose a new password. "
              "The link works once, for one hour. Check your spam folder if it does not arrive.")


def home_for(user: User) -> str:
    if user.role is Role.PRACTITIONER:
        return url_for("practice.dashboard")
    if user.role is Role.ADMIN:
        return url_for("admin.overview")
    return url_for("search.index")


def start_session(user: User) -> None:
    """Log in on a fresh session: nothing from before login (e.g. a planted id) survives."""
    session.clear()
    login_user(user)
    session.permanent = True  # the idle timeout applies (PERMANENT_SESSION_LIFETIME)
    session["login_at"] = time.time()


@bp.route("/signup", methods=["GET", "POST"])
@config_limit("SIGNUP_RATE_LIMIT")
def signup():
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    form = SignupForm()
    if request.method == "GET":
        form.role.data = "practitioner" if request.args.get("as") == "practitioner" else "patient"
        form.next.data = safe_next(request.args.get("next")) or ""
    errors: dict[str, str] = {}
    if form.validate_on_submit():
        try:
            user = accounts.register(email=form.email.data, password=form.password.data,
                                     name=form.name.data, role=Role(form.role.data))
        except accounts.AccountError as error:
            errors[error.field] = error.message
        else:
            start_session(user)
            events.record("signup", user=user)
            flash(f"Welcome to Meridian, {user.name}. Your account is ready.", "success")
            return redirect(safe_next(form.next.data) or home_for(user))
    errors = {**form_errors(form), **errors}
    if "role" in errors:
        errors["role"] = "Choose whether you are a patient or a practitioner."
    status = 400 if errors else 200
    return render_template("auth/signup.html", form=form, errors=errors,
                           password_hint=NEW_PASSWORD_HINT), status


@bp.route("/login", methods=["GET", "POST"])
@config_limit("LOGIN_RATE_LIMIT")
@account_guess_limit(lambda: request.form.get("email", ""))
def login():
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next")) or home_for(current_user))
    form = LoginForm()
    if request.method == "GET":
        form.next.data = safe_next(request.args.get("next")) or ""
    errors: dict[str, str] = {}
    if form.validate_on_submit():
        user = accounts.authenticate(form.email.data, form.password.data)
        if user is not None:
            start_session(user)
            events.record("login", user=user)
            return redirect(safe_next(form.next.data) or home_for(user))
        events.record("login_failed", email=form.email.data)
        password_refused()
        errors["password"] = LOGIN_FAILED
    errors = {**form_errors(form), **errors}
    status = 400 if errors else 200
    return render_template("auth/login.html", form=form, errors=errors), status


@bp.route("/logout", methods=["GET", "POST"])
def logout():
    if not current_user.is_authenticated:
        return redirect(url_for("search.index"))
    form = ConfirmForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        accounts.log_out(user)
        events.record("logout", user=user)
        logout_user()
        session.clear()
        flash("You have logged out.", "success")
        return redirect(url_for("search.index"))
    return render_template("auth/logout.html", form=form)


@bp.route("/password/forgot", methods=["GET", "POST"])
@config_limit("RESET_RATE_LIMIT")
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        # Finding an account, signing its token and queuing its mail take longer than finding
        # none: all of it happens after the answer, which is the same for every address.
        after_answer(_send_reset, form.email.data, links.base_url(), request.remote_addr)
        flash(RESET_SENT, "info")
        return redirect(url_for("auth.forgot_password"))
    errors = form_errors(form)
    return render_template("auth/forgot.html", form=form, errors=errors), 400 if errors else 200


def _send_reset(email: str, base: str, ip: str | None) -> None:
    sent = accounts.request_password_reset(
        email, lambda token: links.external_url("auth.reset_password", base=base, token=token))
    events.record("reset_requested" if sent else "reset_requested_unknown", email=email, ip=ip)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@config_limit("RESET_RATE_LIMIT")
def reset_password(token: str):
    user = accounts.user_for_reset_token(token)
    if user is None:
        return render_template("auth/reset_invalid.html"), 400
    form = ResetPasswordForm()
    errors: dict[str, str] = {}
    if form.validate_on_submit():
        try:
            accounts.reset_password(user, form.password.data)
        except accounts.AccountError as error:
            errors[error.field] = error.message
        else:
            events.record("password_reset", user=user)
            if current_user.is_authenticated:
                logout_user()
            session.clear()
            flash("Your password has been changed and every session has been logged out. "
                  "Log in with your new password.", "success")
            return redirect(url_for("auth.login"))
    errors = {**form_errors(form), **errors}
    return render_template("auth/reset.html", form=form, errors=errors, token=token,
                           password_hint=NEW_PASSWORD_HINT), 400 if errors else 200
