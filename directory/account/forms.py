"""Account settings: change email address or password."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import PasswordField
from wtforms.validators import InputRequired

from directory.auth.forms import confirm_field, email_field, new_password_field
from directory.web import ConfirmForm


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField("Current password", validators=[
        InputRequired("Enter your current password.")], render_kw={"autocomplete": "current-password"})
    password = new_password_field("New password")
    confirm = confirm_field()


class ChangeEmailForm(FlaskForm):
    new_email = email_field("New email address")
    password = PasswordField("Current password", validators=[
        InputRequired("Enter your current password.")], render_kw={"autocomplete": "current-password"})


# Only a button (and the CSRF token): the change itself is in the emailed link.
ConfirmEmailChangeForm = ConfirmForm
