"""Data of the Bosma cloud authorization interface."""

from __future__ import annotations

from dataclasses import dataclass
import datetime as dt
from enum import IntEnum
from typing import Any

DEFAULT_BASE_URL = "https://www.bosma-iot.com/bosma-smart-global"
APPLY_TOKEN_PATH = "/sdk/globalcorpuser/applyToken"  # noqa: S105

# Response codes of the source document.
CODE_SUCCESS = 0
CODE_MISSING_PARAMETER = 499
CODE_TIMESTAMP = 501
CODE_SIGNATURE = 502
CODE_GENERAL = 500

# "The time stamp differs from the current time by more than 5 minutes".
MAX_SKEW_SECONDS = 300


class Platform(IntEnum):
    """Platform type of the app: 1 iOS, 2 Android."""

    IOS = 1
    ANDROID = 2


@dataclass(frozen=True, slots=True, kw_only=True)
class BosmaAccount:
    """Everything applyToken needs: the company and the app user."""

    base_url: str
    corp: str
    api_secret: str
    app_package: str
    platform: Platform
    openid: str
    country: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Ticket:
    """A ticket for the APP SDK, and what the exchange told us about clocks."""

    ticket: str
    issued_at: dt.datetime
    # Validity as reported by Bosma (the document names no field; None if absent).
    expires_at: dt.datetime | None
    # Bosma's clock minus ours in seconds (Date header), None if not measurable.
    skew: float | None

    def __repr__(self) -> str:
        """Never show the ticket itself."""
        return (
            f"Ticket(issued_at={self.issued_at.isoformat()}, "
            f"expires_at={self.expires_at}, skew={self.skew})"
        )


def parse_expiry(data: dict[str, Any], issued_at: dt.datetime) -> dt.datetime | None:
    """Find a validity in ``data``: seconds to live, or an epoch time (s or ms)."""
    for key in ("expiresIn", "expires_in", "expireIn"):
        value = data.get(key)
        if isinstance(value, int | float) and not isinstance(value, bool) and value > 0:
            return issued_at + dt.timedelta(seconds=float(value))
    for key in ("expireTime", "expiresAt", "expire_time"):
        value = data.get(key)
        if isinstance(value, int | float) and not isinstance(value, bool) and value > 0:
            seconds = value / 1000 if value > 1e11 else value
            return dt.datetime.fromtimestamp(seconds, dt.UTC)
    return None
