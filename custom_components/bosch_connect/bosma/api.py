"""Client of the Bosma cloud authorization interface (``applyToken``).

The signature follows the source document exactly: the request header
parameters ``nonce`` and ``timestamp`` are sorted lexicographically, joined as
``key=value`` pairs with ``&``, the company's apiSecret is appended, and the
lower-case hex MD5 (32 characters) of that string is sent as ``sign``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
import datetime as dt
from email.utils import parsedate_to_datetime
import hashlib
import logging
import secrets
import time
from typing import Any

import aiohttp

from ..protocol.answers import KIB, AnswerTooLargeError, json_or_none, read_answer
from ..protocol.urls import secure_base_url
from .errors import (
    BosmaConnectionError,
    BosmaInvalidUrlError,
    BosmaMissingParameterError,
    BosmaResponseError,
    BosmaServerError,
    BosmaSignatureError,
    BosmaTimestampError,
)
from .models import (
    APPLY_TOKEN_PATH,
    CODE_MISSING_PARAMETER,
    CODE_SIGNATURE,
    CODE_SUCCESS,
    CODE_TIMESTAMP,
    BosmaAccount,
    Ticket,
    parse_expiry,
)

_LOGGER = logging.getLogger(__name__)

REQUEST_TIMEOUT = 15.0
# The largest applyToken answer that is read (bytes): a real one is a small
# envelope (code, msg, data) around one ticket and its validity. A larger one
# is refused by its Content-Length or after limit + 1 bytes, never read whole.
ANSWER_BYTES = 64 * KIB


def sign(nonce: str, timestamp: str, api_secret: str) -> str:
    """Return the ``sign`` header for ``nonce`` and ``timestamp``.

    >>> sign("5e60dc875e8786526c9e4c7fbfeb67fb", "1607056133",
    ...      "ytuaf6411b24c1c2990746d2a91d8c52")
    'c3fdb6067fbce9f19227803441dd73f1'
    """
    params = {"nonce": nonce, "timestamp": timestamp}
    joined = "&".join(f"{key}={params[key]}" for key in sorted(params))
    digest = hashlib.md5((joined + api_secret).encode(), usedforsecurity=False)
    return digest.hexdigest()


def new_nonce() -> str:
    """A 32-character random string."""
    return secrets.token_hex(16)


def check_base_url(url: str) -> str:
    """Return ``url`` without a trailing slash; https only."""
    if (checked := secure_base_url(url)) is None:
        raise BosmaInvalidUrlError(url)
    return checked


def measure_skew(date_header: str | None, sent: float, received: float) -> float | None:
    """Bosma's clock minus ours in seconds, from the response's Date header."""
    if not date_header:
        return None
    try:
        server = parsedate_to_datetime(date_header)
    except TypeError, ValueError:
        return None
    if server.tzinfo is None:
        return None
    # The header is truncated to whole seconds: its mean error is half a second.
    return server.timestamp() + 0.5 - (sent + received) / 2


class BosmaClient:
    """Apply for tickets at the Bosma cloud for one company and app user."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        account: BosmaAccount,
        *,
        time_func: Callable[[], float] | None = None,
        nonce_func: Callable[[], str] = new_nonce,
    ) -> None:
        self._session = session
        self._account = account
        self._base_url = check_base_url(account.base_url)
        self._time_func = time_func
        self._nonce = nonce_func

    def _time(self) -> float:
        # time.time is looked up at call time, so that a patched clock is honoured.
        return self._time_func() if self._time_func is not None else time.time()

    @property
    def account(self) -> BosmaAccount:
        """The account this client signs for."""
        return self._account

    def headers(self, timestamp: int) -> dict[str, str]:
        """The four signed headers for a request at ``timestamp``."""
        nonce = self._nonce()
        stamp = str(timestamp)
        return {
            "corp": self._account.corp,
            "nonce": nonce,
            "timestamp": stamp,
            "sign": sign(nonce, stamp, self._account.api_secret),
        }

    def query(self) -> dict[str, str]:
        """The query parameters of applyToken."""
        return {
            "appPackage": self._account.app_package,
            "platform": str(int(self._account.platform)),
            "openid": self._account.openid,
            "country": self._account.country,
        }

    async def apply_token(self) -> Ticket:
        """Request a fresh ticket; raise a :class:`BosmaError` on any failure."""
        sent = self._time()
        headers = self.headers(int(sent))
        try:
            async with asyncio.timeout(REQUEST_TIMEOUT):
                async with self._session.post(
                    self._base_url + APPLY_TOKEN_PATH,
                    params=self.query(),
                    headers=headers,
                    allow_redirects=False,
                ) as response:
                    status = response.status
                    date_header = response.headers.get("Date")
                    try:
                        raw = await read_answer(response, ANSWER_BYTES)
                    except AnswerTooLargeError as err:
                        raise BosmaConnectionError(
                            f"applyToken answered HTTP {status}: {err}"
                        ) from err
                    body: Any = json_or_none(raw)
        except (aiohttp.ClientError, TimeoutError) as err:
            raise BosmaConnectionError(
                f"applyToken failed: {type(err).__name__}"
            ) from err
        received = self._time()
        skew = measure_skew(date_header, sent, received)
        code = body.get("code") if isinstance(body, dict) else None
        if not isinstance(code, int) or isinstance(code, bool):
            raise BosmaConnectionError(f"applyToken answered HTTP {status}")
        msg = str(body.get("msg") or "")
        _LOGGER.debug("applyToken answered code %s", code)
        if code != CODE_SUCCESS:
            raise _error_for(code, msg, skew)
        data = body.get("data")
        if not isinstance(data, dict):
            raise BosmaServerError(code, "success without a ticket")
        ticket = data.get("ticket")
        if not isinstance(ticket, str) or not ticket:
            raise BosmaServerError(code, "success without a ticket")
        issued_at = dt.datetime.fromtimestamp(received, dt.UTC)
        return Ticket(
            ticket=ticket,
            issued_at=issued_at,
            expires_at=parse_expiry(data, issued_at),
            skew=skew,
        )


def _error_for(code: int, msg: str, skew: float | None) -> BosmaResponseError:
    if code == CODE_MISSING_PARAMETER:
        return BosmaMissingParameterError(code, msg)
    if code == CODE_TIMESTAMP:
        return BosmaTimestampError(code, msg, skew)
    if code == CODE_SIGNATURE:
        return BosmaSignatureError(code, msg)
    return BosmaServerError(code, msg)
