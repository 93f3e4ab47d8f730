"""What the user sees for each error of the Bosma cloud client."""

from __future__ import annotations

from ..errors import ErrorMap, Failure
from .errors import (
    BosmaConnectionError,
    BosmaError,
    BosmaMissingParameterError,
    BosmaResponseError,
    BosmaSignatureError,
    BosmaTimestampError,
)

# The repair issue while Bosma rejects our timestamps (a state, not an error:
# see the coordinator).
ISSUE_CLOCK_SKEW = "bosma_clock_skew"


def skew_text(skew: float | None) -> str:
    """Bosma's clock minus ours, as the messages show it."""
    return "?" if skew is None else f"{skew:+.0f}"


BOSMA_ERRORS: ErrorMap = {
    BosmaTimestampError: Failure(
        key="bosma_timestamp_rejected",
        repair=ISSUE_CLOCK_SKEW,
        placeholders=lambda err: {"skew": skew_text(err.skew)},
    ),
    BosmaMissingParameterError: Failure(
        key="bosma_missing_parameter",
        placeholders=lambda err: {"message": err.msg},
    ),
    BosmaSignatureError: Failure(key="bosma_signature_rejected", reauth=True),
    BosmaResponseError: Failure(
        key="bosma_server_error",
        placeholders=lambda err: {"code": str(err.code), "message": err.msg},
    ),
    BosmaConnectionError: Failure(key="bosma_cannot_connect"),
    BosmaError: Failure(key="bosma_invalid_url"),
}
