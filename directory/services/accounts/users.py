"""Accounts: sign-up, password checks, session ending, reset and email-change tokens."""
from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from directory.extensions import db
from directory.models import ListingState, Practitioner, Role, User
from directory.models._types import utcnow
from directory.models.user import normalise_email
from directory.services import slugs
from directory.services.mail import outbox as mail
from directory.services.accounts import password_policy
from directory.services.accounts.passwords import hash_password, needs_rehash, verify_password

_RESET_SALT = "meridian.password-reset"
_EMAIL_CHANGE_SALT = "meridian.email-change"


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    # Verified against when the email is unknown, so a miss costs as much time as a hit.
    # Made on first use: hashing at import would slow every worker's and command's start.
    return hash_password("timing-equaliser-not-a-real-password")


class AccountError(ValueError):
    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


def find_by_email(email: str) -> User | None:
    return db.session.scalars(select(User).where(User.email == normalise_email(email))).first()


def check_new_password(password: str, *, email: str, name: str = "") -> None:
    found = password_policy.problems(password, email=email, name=name)
    if found:
        raise AccountError("password", found[0])


def register(*, email: str, password: str, name: str, role: Role) -> User:
    """Create and commit an account; a practitioner also gets a draft profile."""
    if role not in (Role.PATIENT, Role.PRACTITIONER):
        raise AccountError("role", "Choose whether you are a patient or a practitioner.")
    if any(unicodedata.category(ch) == "Cc" for ch in name.replace("\t", " ")):
        raise AccountError("name", "Remove the control characters from your name.")
    check_new_password(password, email=email, name=name)
    if find_by_email(email) is not None:
        raise AccountError("email", "An account with this email address already exists. "
                                    "Log in, or reset your password if you have forgotten it.")
    name = " ".join(name.split())  # no line breaks or runs of spaces from a crafted form post
    user = User(email=email, name=name, role=role, password_hash=hash_password(password),
                password_changed_at=utcnow())
    db.session.add(user)
    if role is Role.PRACTITIONER:
        db.session.add(Practitioner(user=user, display_name=name, slug=slugs.unique_slug(name),
                                    listing_state=ListingState.DRAFT))
    mail.queue_email(user.email, "Welcome to Meridian", "welcome", user=user)
    try:
        db.session.commit()
    except IntegrityError:
        # Another request registered the same address between our check and commit.
        db.session.rollback()
        raise AccountError("email", "An account with this email address already exists. "
                                    "Log in, or reset your password if you have forgotten it.") from None
    return user


def authenticate(email: str, password: str) -> User | None:
    """The active account these credentials open, or None. Upgrades an outdated hash."""
    user = find_by_email(email) if len(password) <= password_policy.MAX_LENGTH else None
    if user is None or not user.password_hash:
        verify_password(_dummy_hash(), password)
        return None
    if not verify_password(user.password_hash, password) or not user.active:
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = utcnow()
    db.session.commit()
    return user


def end_sessions(user: User) -> None:
    """Invalidate every session cookie issued for this account so far."""
    user.session_version = (user.session_version or 0) + 1


def log_out(user: User) -> None:
    end_sessions(user)
    db.session.commit()


def set_password(user: User, password: str) -> None:
    check_new_password(password, email=user.email, name=user.name)
    user.password_hash = hash_password(password)
    user.password_changed_at = utcnow()
    end_sessions(user)
    mail.queue_email(user.email, "Your Meridian password was changed", "password_changed", user=user)


def change_password(user: User, current: str, new: str) -> None:
    if not verify_password(user.password_hash, current):
        raise AccountError("current_password", "Your current password is not correct.")
    set_password(user, new)
    db.session.commit()


# -- password reset ---------------------------------------------------------------------------

def _serializer(salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=salt)


def _fingerprint(user: User) -> str:
    # Binds a token to the password it replaces: once used (or the password changes
    # any other way) the fingerprint no longer matches and the token is dead.
    return hashlib.sha256(f"{user.id}:{user.password_hash or ''}".encode()).hexdigest()[:24]


def reset_token(user: User) -> str:
    return _serializer(_RESET_SALT).dumps({"u": user.id, "f": _fingerprint(user)})


def request_password_reset(email: str, link_for) -> bool:
    """Queue a reset email when the address has an account; ``link_for(token)`` makes the URL.

    The caller answers the same either way; the return value is for logging only.
    """
    user = find_by_email(email)
    if user is None or not user.active:
        return False
    max_age = current_app.config["PASSWORD_RESET_MAX_AGE_SECONDS"]
    mail.queue_email(user.email, "Reset your Meridian password", "password_reset", user=user,
                     link=link_for(reset_token(user)), minutes=max_age // 60)
    db.session.commit()
    return True


def user_for_reset_token(token: str) -> User | None:
    max_age = current_app.config["PASSWORD_RESET_MAX_AGE_SECONDS"]
    try:
        data = _serializer(_RESET_SALT).loads(token, max_age=max_age)
    except (SignatureExpired, BadSignature):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("u"), int):
        return None
    user = db.session.get(User, data["u"])
    if user is None or not user.active or data.get("f") != _fingerprint(user):
        return None
    return user


def reset_password(user: User, password: str) -> None:
    """Set the password of the account a reset token (checked by user_for_reset_token) named."""
    set_password(user, password)
    db.session.commit()


# -- email change -----------------------------------------------------------------------------

@dataclass(frozen=True)
class EmailChange:
    user: User
    new_email: str


def request_email_change(user: User, password: str, new_email: str, link_for) -> None:
    """Send a confirmation link to the new address. The answer never says whether the new
    address belongs to someone else: that address's owner is told instead."""
    if not verify_password(user.password_hash, password):
        raise AccountError("password", "Your current password is not correct.")
    new_email = normalise_email(new_email)
    if new_email == user.email:
        raise AccountError("new_email", "That is already your email address.")
    if find_by_email(new_email) is not None:
        mail.queue_email(new_email, "Someone tried to use this address on Meridian", "email_change_taken")
    else:
        token = _serializer(_EMAIL_CHANGE_SALT).dumps(
            {"u": user.id, "o": user.email, "n": new_email, "v": user.email_version})
        hours = current_app.config["EMAIL_CHANGE_MAX_AGE_SECONDS"] // 3600
        mail.queue_email(new_email, "Confirm your new Meridian email address", "email_change_confirm",
                         user=user, link=link_for(token), hours=hours)
    db.session.commit()


def pending_email_change(token: str, user: User) -> EmailChange | None:
    """The change a token asks for, if it is valid for this user and not used yet."""
    max_age = current_app.config["EMAIL_CHANGE_MAX_AGE_SECONDS"]
    try:
        data = _serializer(_EMAIL_CHANGE_SALT).loads(token, max_age=max_age)
    except (SignatureExpired, BadSignature):
        return None
    if not isinstance(data, dict) or data.get("u") != user.id or data.get("o") != user.email:
        return None
    if data.get("v") != user.email_version:  # used, or issued before a later change
        return None
    if not isinstance(data.get("n"), str):
        return None
    return EmailChange(user, data["n"])


def confirm_email_change(change: EmailChange) -> None:
    user, old = change.user, change.user.email
    user.email = change.new_email
    user.email_version = (user.email_version or 1) + 1
    mail.queue_email(old, "Your Meridian email address was changed", "email_changed",
                     user=user, new_email=change.new_email)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise AccountError("email", "That address is now used by another account.") from None


# -- admin accounts ---------------------------------------------------------------------------

def create_admin(email: str, password: str, name: str) -> User:
    try:
        validate_email(email, check_deliverability=False)
    except EmailNotValidError as error:
        raise AccountError("email", f"{email!r} is not a usable email address: {error}") from None
    check_new_password(password, email=email, name=name)
    if find_by_email(email) is not None:
        raise AccountError("email", f"An account for {normalise_email(email)} already exists.")
    user = User(email=email, name=name, role=Role.ADMIN, password_hash=hash_password(password),
                password_changed_at=utcnow())
    db.session.add(user)
    db.session.commit()
    return user
