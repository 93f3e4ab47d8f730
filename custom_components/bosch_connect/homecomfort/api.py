"""Client of the Home Comfort Partner API (cloud), without Home Assistant.

Every request carries the API key in ``x-api-key``; the remote-control
endpoints (``/hvacs/...``) also carry ``x-user-id``. HTTP answers map to the
errors of :mod:`.errors`:

* 401 -> :class:`InvalidApiKeyError`
* 403 -> by the error ``code`` of the body: ``IP_NOT_ALLOWED``,
  ``CONSENT_MISSING``, ``USER_ID_MISMATCH``, ``CONTRACT_NOT_ACTIVE``; a 403
  without a known code means "owner consent missing" on a gateway endpoint
  (that is what Bosch documents) and "address not on the allow list" elsewhere
* 451 -> :class:`ConsentOutdatedError`; 429 -> :class:`RateLimitedError`
  with ``Retry-After``; 404 -> :class:`NotFoundError`; 400 ->
  :class:`RequestRejectedError`; 5xx, time-outs and network errors ->
  :class:`HomeComfortConnectionError`
* ``POST /api-keys`` refused because of the 10-key limit ->
  :class:`KeyLimitReachedError`
* an answer that is not JSON, or larger than the limit of its kind (refused
  by its ``Content-Length`` or after limit + 1 bytes, never read whole) ->
  :class:`HomeComfortResponseError`

The client also measures the API's clock: the ``Date`` header of its last
successful (2xx) answer, against the middle of our request (the header has
whole seconds). Only successful answers count: those certainly come from the
API that checked the key, while an error may come from a proxy or a load
balancer with a clock of its own. :attr:`HomeComfortClient.clock_skew` is the
API's clock minus ours; :meth:`HomeComfortClient.server_now` is the API's
notion of now. :attr:`HomeComfortClient.confirmed_key` is the last key that a
request succeeded with.
"""

from __future__ import annotations

from collections.abc import Mapping
import datetime as dt
from email.utils import parsedate_to_datetime
import ssl
import time
from typing import Any

import aiohttp
from yarl import URL

from ..protocol.answers import (
    KIB,
    MIB,
    AnswerTooLargeError,
    parse_json,
    read_answer,
)
from .errors import (
    CannotDeleteOwnKeyError,
    ConsentMissingError,
    ConsentOutdatedError,
    ContractNotActiveError,
    HomeComfortConnectionError,
    HomeComfortResponseError,
    HttpsRequiredError,
    InvalidApiKeyError,
    InvalidDomainError,
    IpNotAllowedError,
    KeyLimitReachedError,
    NotFoundError,
    RateLimitedError,
    RequestRejectedError,
    UserIdMismatchError,
)
from .keys import parse_api_key
from .models import (
    Components,
    Contract,
    DhwCharge,
    DhwCircuit,
    HeatingCircuit,
    KeyInfo,
    NewKey,
)

API_KEY_HEADER = "x-api-key"
USER_ID_HEADER = "x-user-id"
DEFAULT_TIMEOUT = 30.0
DEFAULT_RETRY_AFTER = 60.0

# The largest answer of each kind that is read (bytes). One object: a key, a
# contract, a gateway's components, a circuit, an error; each a few KiB at
# most (the components of a cascade of 16 heat sources are about 4 KiB).
OBJECT_ANSWER_BYTES = 256 * KIB
# GET /contracts: every contract of the partner in one answer (no paging is
# documented): more than 60,000 contracts even at 512 bytes each (four times
# the fields we know of).
CONTRACTS_ANSWER_BYTES = 32 * MIB


def api_base_url(domain: str) -> str:
    """The base URL for an API domain as entered (``api.example.com`` or a URL).

    https only: the API key never travels in plain text.
    """
    text = domain.strip()
    if not text:
        raise InvalidDomainError("empty API domain")
    if "://" not in text:
        text = f"https://{text}"
    try:
        url = URL(text)
    except ValueError as err:
        raise InvalidDomainError(str(err)) from err
    if url.scheme not in ("http", "https") or not url.host or url.user or url.query:
        raise InvalidDomainError("not an http(s) URL with a host")
    if " " in url.host:
        raise InvalidDomainError("not an http(s) URL with a host")
    if url.scheme == "http":
        raise HttpsRequiredError("the Partner API requires https")
    return str(url.with_fragment(None)).rstrip("/")


def parse_date_header(value: str | None) -> dt.datetime | None:
    """An HTTP ``Date`` (RFC 9110) with its zone, or None."""
    if not value:
        return None
    try:
        moment = parsedate_to_datetime(value)
    except TypeError, ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def measure_skew(date_header: str | None, sent: float, received: float) -> float | None:
    """The server's clock minus ours (seconds) from an answer's ``Date`` header.

    ``sent`` and ``received`` are our clock (``time.time()``) around the
    request. The header has whole seconds: its mean error is half a second.
    """
    server = parse_date_header(date_header)
    if server is None:
        return None
    return server.timestamp() + 0.5 - (sent + received) / 2


def _retry_after(value: str | None, now: dt.datetime) -> float:
    if not value:
        return DEFAULT_RETRY_AFTER
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except TypeError, ValueError:
        return DEFAULT_RETRY_AFTER
    return max(0.0, (when - now).total_seconds())


class HomeComfortClient:
    """Talks to one Partner API domain with one key (replaceable) and user."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        base_url: str,
        api_key: str,
        *,
        user_id: str | None = None,
        ssl_context: ssl.SSLContext | None = None,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        """``ssl_context``: a custom CA (default: the session's verification)."""
        self._session = session
        self._base = base_url.rstrip("/")
        self._key = api_key
        self.user_id = user_id
        self._ssl: ssl.SSLContext | bool = ssl_context if ssl_context else True
        self.timeout = aiohttp.ClientTimeout(total=timeout)  # per request
        self._skew: float | None = None  # seconds, the API's clock minus ours
        self.skew_measured_at: dt.datetime | None = None  # our clock, UTC
        self.confirmed_key: str | None = None  # the last key a request succeeded with

    @property
    def api_key(self) -> str:
        """The key this client sends."""
        return self._key

    def use_key(self, api_key: str) -> None:
        """Send ``api_key`` from now on."""
        self._key = api_key

    @property
    def clock_skew(self) -> float | None:
        """The API's clock minus ours in seconds (None until an answer told it)."""
        return self._skew

    def server_now(self, local_now: dt.datetime | None = None) -> dt.datetime:
        """The API's notion of now (local time when no ``Date`` was seen yet)."""
        now = local_now or dt.datetime.now(dt.UTC)
        return now + dt.timedelta(seconds=self._skew) if self._skew is not None else now

    def _note_success(
        self,
        response: aiohttp.ClientResponse,
        key: str,
        sent: float,
        received: float,
    ) -> None:
        """A 2xx answer: ``key`` works, and its ``Date`` tells the API's clock."""
        self.confirmed_key = key
        skew = measure_skew(response.headers.get("Date"), sent, received)
        if skew is not None:
            self._skew = skew
            self.skew_measured_at = dt.datetime.fromtimestamp(received, dt.UTC)

    async def _request(
        self,
        method: str,
        path: str,
        *,
        body: Mapping[str, Any] | None = None,
        gateway_id: str | None = None,
        remote_control: bool = False,
        limit: int = OBJECT_ANSWER_BYTES,
    ) -> Any:
        key = self._key
        headers = {API_KEY_HEADER: key, "Accept": "application/json"}
        if remote_control:
            if not self.user_id:
                raise ValueError("remote control needs a user ID")
            headers[USER_ID_HEADER] = self.user_id
        sent = time.time()
        try:
            async with self._session.request(
                method,
                f"{self._base}{path}",
                headers=headers,
                json=body,
                ssl=self._ssl,
                timeout=self.timeout,
                allow_redirects=False,
            ) as response:
                received = time.time()
                try:
                    answer = await read_answer(response, limit)
                except AnswerTooLargeError as err:
                    raise HomeComfortResponseError(
                        f"{method} {path}: {err}", response.status
                    ) from err
                if response.status >= 400:
                    self._raise_for(method, path, response, answer, gateway_id)
                if 200 <= response.status < 300:
                    self._note_success(response, key, sent, received)
                if response.status == 204:
                    return None
                try:
                    return parse_json(answer)
                except ValueError as err:
                    raise HomeComfortResponseError(
                        f"{method} {path}: not JSON", response.status
                    ) from err
        except (aiohttp.ClientError, TimeoutError) as err:
            raise HomeComfortConnectionError(
                f"{method} {path}: {type(err).__name__}"
            ) from err

    def _raise_for(
        self,
        method: str,
        path: str,
        response: aiohttp.ClientResponse,
        answer: bytes,
        gateway_id: str | None,
    ) -> None:
        status = response.status
        code = ""
        message = f"{method} {path}: HTTP {status}"
        try:
            data = parse_json(answer)
        except ValueError:
            data = None
        if isinstance(data, Mapping):
            code = str(data.get("code") or "").upper()
            if isinstance(data.get("message"), str):
                message = f"{message}: {data['message']}"
        gw = gateway_id or ""
        if status == 401:
            raise InvalidApiKeyError(message)
        if status == 429:
            # An HTTP date in Retry-After counts by the clock of this answer.
            now = parse_date_header(response.headers.get("Date")) or self.server_now()
            retry = _retry_after(response.headers.get("Retry-After"), now)
            raise RateLimitedError(retry)
        if status == 451 or code == "CONSENT_OUTDATED":
            raise ConsentOutdatedError(message, gw)
        if code == "API_KEY_LIMIT_REACHED" or (
            status == 409 and method == "POST" and path == "/api-keys"
        ):
            raise KeyLimitReachedError(message)
        if code == "CANNOT_DELETE_OWN_KEY":
            raise CannotDeleteOwnKeyError(message)
        if status == 403:
            if code == "IP_NOT_ALLOWED":
                raise IpNotAllowedError(message)
            if code == "USER_ID_MISMATCH":
                raise UserIdMismatchError(message, gw)
            if code == "CONTRACT_NOT_ACTIVE":
                raise ContractNotActiveError(message, gw)
            if gateway_id is not None:
                raise ConsentMissingError(message, gw)
            raise IpNotAllowedError(message)
        if status == 404:
            raise NotFoundError(message)
        if status >= 500:
            raise HomeComfortConnectionError(message)
        if status in (400, 409, 422):
            raise RequestRejectedError(message, code or None)
        raise HomeComfortResponseError(message, status)

    # ------------------------------------------------------------- API keys
    async def key_info(self) -> KeyInfo:
        """``GET /api-keys/me``."""
        return KeyInfo.from_json(await self._request("GET", "/api-keys/me"))

    async def create_key(self) -> NewKey:
        """``POST /api-keys``: a new key valid six months; this one stays valid."""
        return NewKey.from_json(await self._request("POST", "/api-keys"))

    async def delete_key(self, key_id: str) -> None:
        """``DELETE /api-keys/{keyId}``; never the key this client is using."""
        if key_id == parse_api_key(self._key).key_id:
            raise CannotDeleteOwnKeyError("refusing to delete the key in use")
        await self._request("DELETE", f"/api-keys/{URL.build(path=key_id).raw_path}")

    # ------------------------------------------------------------ contracts
    async def contracts(self) -> list[Contract]:
        """``GET /contracts``: every contract of the partner."""
        return Contract.list_from_json(
            await self._request("GET", "/contracts", limit=CONTRACTS_ANSWER_BYTES)
        )

    async def contract(self, gateway_id: str) -> Contract:
        """``GET /contracts/{gatewayId}``."""
        return Contract.from_json(
            await self._request(
                "GET", f"/contracts/{gateway_id}", gateway_id=gateway_id
            )
        )

    # ---------------------------------------------------------------- hvacs
    async def components(self, gateway_id: str) -> Components:
        """``GET /hvacs/{gatewayId}/components``."""
        data = await self._request(
            "GET",
            f"/hvacs/{gateway_id}/components",
            gateway_id=gateway_id,
            remote_control=self.user_id is not None,
        )
        return Components.from_json(data, gateway_id)

    async def _circuit(
        self,
        method: str,
        gateway_id: str,
        path: str,
        body: Mapping[str, Any] | None = None,
    ) -> Any:
        """A circuit's resource under ``/hvacs/{gatewayId}/`` (remote control)."""
        return await self._request(
            method,
            f"/hvacs/{gateway_id}/{path}",
            body=body,
            gateway_id=gateway_id,
            remote_control=True,
        )

    async def heating_circuit(self, gateway_id: str, circuit_id: str) -> HeatingCircuit:
        """``GET /hvacs/{gatewayId}/heatingCircuits/{circuitId}``."""
        path = f"heatingCircuits/{circuit_id}"
        return HeatingCircuit.from_json(await self._circuit("GET", gateway_id, path))

    async def update_heating_circuit(
        self,
        gateway_id: str,
        circuit_id: str,
        *,
        setpoint: float | None = None,
        operation_mode: str | None = None,
    ) -> HeatingCircuit:
        """``PATCH`` a heating circuit's setpoint and/or operation mode."""
        path = f"heatingCircuits/{circuit_id}"
        body = _changes(setpoint, operation_mode)
        return HeatingCircuit.from_json(
            await self._circuit("PATCH", gateway_id, path, body)
        )

    async def dhw_circuit(self, gateway_id: str, circuit_id: str) -> DhwCircuit:
        """``GET /hvacs/{gatewayId}/dhwCircuits/{circuitId}``."""
        path = f"dhwCircuits/{circuit_id}"
        return DhwCircuit.from_json(await self._circuit("GET", gateway_id, path))

    async def update_dhw_circuit(
        self,
        gateway_id: str,
        circuit_id: str,
        *,
        setpoint: float | None = None,
        operation_mode: str | None = None,
    ) -> DhwCircuit:
        """``PATCH`` a hot-water circuit's setpoint and/or operation mode."""
        path = f"dhwCircuits/{circuit_id}"
        body = _changes(setpoint, operation_mode)
        return DhwCircuit.from_json(
            await self._circuit("PATCH", gateway_id, path, body)
        )

    async def dhw_charge(self, gateway_id: str, circuit_id: str) -> DhwCharge:
        """``GET /hvacs/{gatewayId}/dhwCircuits/{circuitId}/charge``."""
        path = f"dhwCircuits/{circuit_id}/charge"
        return DhwCharge.from_json(await self._circuit("GET", gateway_id, path))


def _changes(setpoint: float | None, operation_mode: str | None) -> dict[str, Any]:
    body: dict[str, Any] = {}
    if setpoint is not None:
        body["setpoint"] = setpoint
    if operation_mode is not None:
        body["operationMode"] = operation_mode
    if not body:
        raise ValueError("nothing to change")
    return body
