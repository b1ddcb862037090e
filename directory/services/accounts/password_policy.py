"""What a new password must satisfy (NIST SP 800-63B: length and a blocklist, no composition rules)."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

MIN_LENGTH = 8
RECOMMENDED_LENGTH = 15
# Argon2 takes any length, but an unbounded one lets a single request burn CPU.
MAX_LENGTH = 256

_COMMON_FILE = Path(__file__).resolve().parents[2] / "data" / "common_passwords.txt"


@lru_cache(maxsize=1)
def _common() -> frozenset[str]:
    lines = _COMMON_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().casefold() for line in lines if line.strip() and not line.startswith("#"))


def is_common(password: str) -> bool:
    return password.casefold() in _common()


def problems(password: str, *, email: str = "", name: str = "") -> list[str]:
    """Reasons the password is not acceptable; empty when it is."""
    if len(password) < MIN_LENGTH:
        return [f"Use at least {MIN_LENGTH} characters ({RECOMMENDED_LENGTH} or more is best: "
                "a few unrelated words make a strong, memorable password)."]
    if len(password) > MAX_LENGTH:
        return [f"Use at most {MAX_LENGTH} characters."]
    folded = password.casefold()
    if is_common(password):
        return ["This is one of the most commonly used passwords, so it is among the first an "
                "attacker would try. Choose another."]
    email = email.strip().casefold()
    if email and folded in {email, email.partition("@")[0]}:
        return ["Don't use your email address as your password."]
    if name.strip() and folded == name.strip().casefold():
        return ["Don't use your name as your password."]
    if len(set(folded)) == 1:
        return ["Don't repeat a single character."]
    return []
