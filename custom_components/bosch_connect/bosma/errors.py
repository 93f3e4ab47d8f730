"""Errors of the Bosma cloud authorization client (one small hierarchy)."""

from __future__ import annotations


class BosmaError(Exception):
    """Any failure talking to the Bosma cloud."""


class BosmaInvalidUrlError(BosmaError):
    """The base URL is not https (http only on this machine) or malformed."""


class BosmaConnectionError(BosmaError):
    """Network failure, timeout, HTTP error or an answer that is not the API's JSON."""


class BosmaResponseError(BosmaError):
    """Bosma answered with a non-zero ``code``."""

    def __init__(self, code: int, msg: str) -> None:
        super().__init__(f"Bosma answered code {code}: {msg}")
        self.code = code
        self.msg = msg


class BosmaMissingParameterError(BosmaResponseError):
    """Code 499: a required header or query parameter is missing."""


class BosmaTimestampError(BosmaResponseError):
    """Code 501: our timestamp differs from Bosma's clock by more than 5 minutes."""

    def __init__(self, code: int, msg: str, skew: float | None) -> None:
        super().__init__(code, msg)
        # Bosma's clock minus ours, in seconds (from the Date header), if known.
        self.skew = skew


class BosmaSignatureError(BosmaResponseError):
    """Code 502: the signature does not match (wrong company id or apiSecret)."""


class BosmaServerError(BosmaResponseError):
    """Code 500 or any other code: a general failure at Bosma."""
