"""Input checks shared by the parties services."""

from __future__ import annotations

import re

from procurement.errors import Collector, ErrorCode
from procurement.money.currency import is_country

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

#: a few of the passwords most often tried first; the length rule catches the rest
_COMMON = {
    "password12",
    "password123",
    "1234567890",
    "qwertyuiop",
    "letmein123",
    "welcome123",
    "administrator",
    "procurement",
    "changeme123",
}

MIN_PASSWORD = 10
MAX_PASSWORD = 128


def normalize_email(email: str) -> str:
    return email.strip().lower()


def check_email(c: Collector, email: str, field: str = "email") -> None:
    if len(email) > 320 or not _EMAIL.match(email.strip()):
        c.add(ErrorCode.INVALID_EMAIL, "Enter a valid email address", field)


def check_password(
    c: Collector, password: str, email: str | None = None, field: str = "password"
) -> None:
    """At least 10 characters of at least two kinds, not a common one, not the email."""
    if len(password) < MIN_PASSWORD:
        c.add(ErrorCode.WEAK_PASSWORD, f"Use at least {MIN_PASSWORD} characters", field)
        return
    if len(password) > MAX_PASSWORD:
        c.add(ErrorCode.WEAK_PASSWORD, f"Use at most {MAX_PASSWORD} characters", field)
        return
    kinds = sum(
        bool(re.search(p, password)) for p in (r"[a-z]", r"[A-Z]", r"[0-9]", r"[^a-zA-Z0-9]")
    )
    lowered = password.lower()
    local = (email or "").split("@")[0].lower()
    if (
        kinds < 2
        or lowered in _COMMON
        or len(set(password)) < 4
        or (len(local) >= 4 and local in lowered)
    ):
        c.add(
            ErrorCode.WEAK_PASSWORD,
            "Choose a less guessable password: mix letters with digits or symbols, "
            "and do not reuse your email",
            field,
        )


def check_name(c: Collector, value: str, field: str, max_len: int = 200) -> str:
    value = value.strip()
    if not value:
        c.add(ErrorCode.REQUIRED, "This cannot be empty", field)
    elif len(value) > max_len:
        c.add(ErrorCode.TOO_LONG, f"Use at most {max_len} characters", field)
    return value


def check_country(c: Collector, code: str, field: str) -> str:
    code = code.strip().upper()
    if len(code) != 2 or not is_country(code):
        c.add(ErrorCode.INVALID_COUNTRY, f"'{code}' is not an ISO 3166 country code", field)
    return code


def check_unit(c: Collector, unit: str, field: str) -> str:
    """A unit of measure code (EA, KG, M, SET...), upper-cased."""
    unit = unit.strip().upper()
    if not 1 <= len(unit) <= 10:
        c.add(ErrorCode.INVALID, "Give a unit of measure of 1 to 10 characters", field)
    return unit
