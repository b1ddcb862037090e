"""Account settings: change email address or password; close a patient's account."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField
from wtforms.validators import DataRequired, InputRequired

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


class CloseAccountForm(FlaskForm):
    understood = BooleanField("I understand that this cannot be undone", validators=[
        DataRequired("Tick the box to show you understand that closing cannot be undone.")])
    password = PasswordField("Your password", validators=[
        InputRequired("Enter your password to close the account.")], render_kw={"autocomplete": "current-password"})
