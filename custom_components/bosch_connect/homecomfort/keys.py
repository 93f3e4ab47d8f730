"""Partner API keys: parse them tolerantly and know when they expire.

Bosch documents only that every key starts with ``xHCSAPI``, carries its UTC
expiry and lives six months; the layout is not public. So the parser accepts
any header-safe text with that prefix and looks for the expiry in it: first
as the third dot-separated field (``xHCSAPI.<keyId>.<YYYYMMDDTHHMMSSZ>.<secret>``,
what the simulator issues), then anywhere as ``YYYYMMDDTHHMMSSZ`` or
``YYYY-MM-DDTHH:MM:SSZ``. When no expiry is found, :func:`effective_expiry`
falls back to the expiry the API reports (``GET /api-keys/me``), else to six
months after the key was entered.
"""

from __future__ import annotations

from dataclasses import dataclass
import datetime as dt
import re

from .errors import ApiKeyExpiredError, ApiKeyFormatError

PREFIX = "xHCSAPI"
LIFETIME_MONTHS = 6
MAX_LENGTH = 2048

_HEADER_SAFE = re.compile(r"[!-~]+")  # printable ASCII, no spaces
_KEY_ID = re.compile(r"[A-Za-z0-9_-]+")
_EXPIRY_PATTERNS = (
    (re.compile(r"(?<!\d)(\d{8}T\d{6}Z)"), "%Y%m%dT%H%M%SZ"),
    (
        re.compile(r"(?<!\d)(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z)"),
        "%Y-%m-%dT%H:%M:%SZ",
    ),
)


@dataclass(frozen=True, slots=True)
class ApiKey:
    """A Partner API key and what can be read from it."""

    value: str
    key_id: str | None
    expires: dt.datetime | None  # the embedded expiry (UTC), if found

    def __repr__(self) -> str:
        """Never show the secret."""
        return f"ApiKey(key_id={self.key_id!r}, expires={self.expires!r})"


def _parse_expiry(text: str, fmt: str) -> dt.datetime | None:
    try:
        return dt.datetime.strptime(text, fmt).replace(tzinfo=dt.UTC)
    except ValueError:
        return None


def parse_api_key(text: str) -> ApiKey:
    """Parse a key as entered (surrounding white space is ignored).

    Raises :class:`ApiKeyFormatError` when the text cannot be a Partner API key.
    """
    value = text.strip()
    if not value.startswith(PREFIX) or len(value) <= len(PREFIX):
        raise ApiKeyFormatError("an API key starts with xHCSAPI")
    if len(value) > MAX_LENGTH or not _HEADER_SAFE.fullmatch(value):
        raise ApiKeyFormatError("an API key is printable ASCII without spaces")
    parts = value.split(".")
    if len(parts) >= 3 and parts[0] == PREFIX:
        expires = _parse_expiry(parts[2], "%Y%m%dT%H%M%SZ")
        if expires is not None and _KEY_ID.fullmatch(parts[1]):
            return ApiKey(value=value, key_id=parts[1], expires=expires)
    for pattern, fmt in _EXPIRY_PATTERNS:
        for match in pattern.finditer(value, len(PREFIX)):
            expires = _parse_expiry(match.group(1), fmt)
            if expires is not None:
                return ApiKey(value=value, key_id=None, expires=expires)
    return ApiKey(value=value, key_id=None, expires=None)


def add_months(moment: dt.datetime, months: int) -> dt.datetime:
    """``moment`` plus whole calendar months, the day clamped to the month's end."""
    index = moment.month - 1 + months
    year, month = moment.year + index // 12, index % 12 + 1
    day = moment.day
    while True:
        try:
            return moment.replace(year=year, month=month, day=day)
        except ValueError:
            day -= 1


def effective_expiry(
    key: ApiKey, reported: dt.datetime | None, entered_at: dt.datetime
) -> dt.datetime:
    """The expiry to plan with: embedded, else reported by the API, else 6 months."""
    if key.expires is not None:
        return key.expires
    if reported is not None:
        return reported
    return add_months(entered_at, LIFETIME_MONTHS)


def check_not_expired(key: ApiKey, now: dt.datetime) -> None:
    """Raise :class:`ApiKeyExpiredError` when the embedded expiry has passed."""
    if key.expires is not None and key.expires <= now:
        raise ApiKeyExpiredError(f"the API key expired on {key.expires.isoformat()}")


# Why a key that a renewal returned is of no use (see :func:`useless_key`).
EXPIRED = "expired"
NOT_LATER = "not_later"


def useless_key(
    new: dt.datetime | None, current: dt.datetime | None, now: dt.datetime
) -> str | None:
    """Why a renewed key is of no use, or None when it is.

    ``new``: the new key's expiry (embedded, else as the API reported it);
    ``current``: the expiry of the key in use as the key or the API tells it
    (not a guess); ``now``: the earliest notion of now the caller has, so that
    a clock running ahead never condemns a good key. A new key without a known
    expiry is given the benefit of the doubt.
    """
    if new is None:
        return None
    if new <= now:
        return EXPIRED
    if current is not None and new <= current:
        return NOT_LATER
    return None
