"""Forms for sign-up, login, password reset and account settings."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    EmailField,
    HiddenField,
    PasswordField,
    RadioField,
    SelectChoice,
    StringField,
)
from wtforms.validators import DataRequired, Email, EqualTo, InputRequired, Length

from directory.services.accounts.password_policy import (
    MAX_LENGTH,
    MIN_LENGTH,
    RECOMMENDED_LENGTH,
)
from directory.web import strip

NEW_PASSWORD_HINT = (f"At least {MIN_LENGTH} characters; {RECOMMENDED_LENGTH} or more is best. "
                     "A few unrelated words make a strong password that is easy to remember.")


def email_field(label: str = "Email address", *, new: bool = True) -> EmailField:
    """``new=False`` for an address that only has to match an account (login, reset):
    the syntax check is for addresses we are about to store and write to."""
    validators = [InputRequired("Enter your email address."),
                  Length(max=254, message="An email address has at most 254 characters.")]
    if new:
        validators.append(Email("Enter an email address like name@example.com."))
    return EmailField(label, filters=[strip], validators=validators,
                      render_kw={"autocomplete": "email", "spellcheck": "false"})


def new_password_field(label: str = "Password") -> PasswordField:
    # Length and the common-password list are checked by the service, so every
    # way of setting a password (forms, CLI) applies the same rules.
    return PasswordField(label, validators=[InputRequired("Choose a password.")],
                         render_kw={"autocomplete": "new-password", "maxlength": MAX_LENGTH})


def confirm_field(label: str = "Type the password again") -> PasswordField:
    return PasswordField(label, validators=[
        InputRequired("Type the password again."),
        EqualTo("password", message="The two passwords do not match."),
    ], render_kw={"autocomplete": "new-password"})


class SignupForm(FlaskForm):
    role = RadioField("I am", choices=[
        SelectChoice("patient", "Looking for treatment (patient)"),
        SelectChoice("practitioner", "A licensed acupuncturist (practitioner)"),
    ], default="patient", validators=[InputRequired("Choose whether you are a patient or a practitioner.")])
    name = StringField("Your name", filters=[strip], validators=[
        DataRequired("Enter your name."),
        Length(max=120, message="Use at most 120 characters."),
    ], render_kw={"autocomplete": "name"})
    email = email_field()
    password = new_password_field()
    confirm = confirm_field()
    next = HiddenField()


class LoginForm(FlaskForm):
    email = email_field(new=False)
    password = PasswordField("Password", validators=[InputRequired("Enter your password.")],
                             render_kw={"autocomplete": "current-password"})
    next = HiddenField()


class ForgotPasswordForm(FlaskForm):
    email = email_field(new=False)


class ResetPasswordForm(FlaskForm):
    password = new_password_field("New password")
    confirm = confirm_field()
