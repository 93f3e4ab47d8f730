"""Client of a Home Comfort gateway's Local API (K40RF / MX400), HA-free.

Two ports, both mutual TLS with the context from ``tls.build_ssl_context``:
the auth port issues tokens (``POST /auth/token``, form-encoded, only within a
minute after the proximity check), the API port serves resources with
``Authorization: Bearer <token>``. Every failure becomes an error of
``errors.py``; the token never appears in a message or a log line.

Who answers: a context bound to the paired device (``tls.require_peer``)
fails every handshake with a server whose certificate names another device,
before a request is written; that failure becomes ``GatewayIdentityError``.
``peer_device_id`` makes only the handshake, to learn or prove the device.

How much is read: an answer is read up to a limit (``max_answer`` bytes for
a resource, ``MAX_TOKEN_ANSWER`` for the token answer): at most limit + 1
bytes, and nothing when its Content-Length is already above the limit.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
import datetime as dt
import json
import logging
import ssl
from typing import Any, Final
from urllib.parse import urlencode

import aiohttp
from cryptography import x509

from ..protocol.answers import AnswerTooLargeError as AnswerTooLarge, read_answer
from .errors import (
    AnswerTooLargeError,
    GatewayAuthError,
    GatewayConnectionError,
    GatewayError,
    GatewayForbiddenError,
    GatewayIdentityError,
    GatewayServerError,
    GatewayTlsError,
    InvalidClientError,
    InvalidGrantError,
    InvalidValueError,
    ProximityCheckRequiredError,
    ResourceNotFoundError,
    ServerCertificateRefusedError,
    TokenForbiddenError,
    TokenLimitReachedError,
    TokenRequestRejectedError,
    UncheckedServerError,
    ValueFormatError,
)
from .tls import (
    PeerIdentityError,
    certificate_device_id,
    certificate_fingerprint,
    peer_identity,
)
from .values import Resource, Scalar, parse_resource

_LOGGER = logging.getLogger(__name__)

DEFAULT_API_PORT: Final = 8443
DEFAULT_AUTH_PORT: Final = 8442
DEFAULT_TIMEOUT: Final = 10.0
DEFAULT_PARALLEL: Final = 4
GRANT_TYPE: Final = "client_credentials"
SCOPE_READ: Final = "service.read"
SCOPE_WRITE: Final = "service.level1.write"
# The largest answer taken from the API port: a real resource is a few hundred
# bytes, the largest lists (notifications, system info) a few KiB.
MAX_RESOURCE_ANSWER: Final = 64 * 1024
# The largest token answer: a JWT with its type and scopes is well under 2 KiB.
MAX_TOKEN_ANSWER: Final = 8 * 1024
# Owner channel (K 40 RF document): the password grant and its read scope.
OWNER_GRANT_TYPE: Final = "password"
OWNER_SCOPE: Final = "open_api.read"
# The token list of the owner channel: a few entries of ~100 bytes each; more
# than MAX_LISTED_TOKENS entries are not shown.
MAX_TOKEN_LIST_ANSWER: Final = 64 * 1024
MAX_LISTED_TOKENS: Final = 100
_MAX_NAME: Final = 64


@dataclass(frozen=True, slots=True)
class PeerCertificate:
    """Who a server's certificate says it is: device id and SHA-256 fingerprint."""

    device_id: str
    fingerprint: str


@dataclass(frozen=True, slots=True)
class ListedToken:
    """One token of the owner channel's token list (never the token itself)."""

    token_id: str
    client_name: str
    created_at: dt.datetime | None


def _printable(value: object, limit: int = _MAX_NAME) -> str | None:
    """Text fit to show: str or int, control characters dropped, cut at ``limit``."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        return None
    text = "".join(c for c in str(value) if c.isprintable()).strip()
    return text[:limit] or None


def _listed_token(item: object) -> ListedToken | None:
    """One entry of ``GET /auth/token`` (None: not a token entry)."""
    if not isinstance(item, dict):
        return None
    token_id = _printable(item.get("token_id"))
    if token_id is None:
        return None
    created = item.get("created_at")
    when = None
    # Seconds since 1970, between 2000 and 2200: anything else is not a date.
    if (
        isinstance(created, int)
        and not isinstance(created, bool)
        and 946_684_800 <= created <= 7_258_118_400
    ):
        when = dt.datetime.fromtimestamp(created, dt.UTC)
    return ListedToken(
        token_id=token_id,
        client_name=_printable(item.get("client_name")) or "",
        created_at=when,
    )


# The sample rates of ``/recordings/...`` (hourly, daily, monthly, all three).
RECORDING_SAMPLE_RATES: Final = frozenset({"PT1H", "P1D", "P1M", "all"})


@dataclass(frozen=True, slots=True)
class Token:
    """A gateway token (it does not expire; a gateway issues only 32)."""

    access_token: str = field(repr=False)
    token_type: str
    scope: str

    @property
    def scopes(self) -> frozenset[str]:
        """The granted scopes."""
        return frozenset(self.scope.split())

    @property
    def can_write(self) -> bool:
        """True when the token may change settings."""
        return SCOPE_WRITE in self.scopes


def _ssl_failure(err: BaseException) -> bool:
    """True when a connection error is the TLS handshake being refused.

    A refused handshake arrives as an SSL error (an alert) or, when the peer
    drops the connection instead of sending an alert, as a reset while
    connecting: the TCP connection was accepted, so only TLS can have failed.
    """
    if isinstance(err, aiohttp.ClientSSLError | ssl.SSLError):
        return True
    if isinstance(err, aiohttp.ClientConnectorError):
        return isinstance(err.os_error, ConnectionResetError | ssl.SSLError)
    return False


def _refused_certificate(cause: BaseException) -> ServerCertificateRefusedError:
    """What a certificate refused in the handshake becomes."""
    if isinstance(cause, PeerIdentityError):
        changed = cause.mismatch == "fingerprint"
        err = GatewayIdentityError(
            cause.expected.device_id,
            cause.seen,
            reason=cause.verify_message,
            # The right device but not the pinned certificate: say so.
            message=cause.verify_message if changed else None,
        )
        err.certificate_changed = changed
        return err
    reason = getattr(cause, "verify_message", None) or None
    return ServerCertificateRefusedError(
        "the gateway certificate was refused: not issued by the configured"
        " Bosch root, or not valid now",
        reason=str(reason) if reason else None,
    )


async def _read_bounded(
    response: aiohttp.ClientResponse, limit: int, what: str
) -> bytes:
    """The body, or ``AnswerTooLargeError`` after at most ``limit`` + 1 bytes."""
    try:
        return await read_answer(response, limit)
    except AnswerTooLarge as err:
        response.close()  # the rest is not read: the connection is not reused
        raise AnswerTooLargeError(what, limit) from err


class GatewayClient:
    """Talks to one gateway; the caller owns the ``aiohttp.ClientSession``."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        host: str,
        *,
        api_port: int = DEFAULT_API_PORT,
        auth_port: int = DEFAULT_AUTH_PORT,
        ssl_context: ssl.SSLContext,
        token: str | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        max_answer: int = MAX_RESOURCE_ANSWER,
        require_identity: bool = False,
    ) -> None:
        """Remember where the gateway is and how to reach it.

        ``require_identity``: refuse to send the token or the client
        credentials unless ``ssl_context`` checks the server's device
        (``tls.require_peer``); Home Assistant's clients always set it.
        """
        self._session = session
        self.host = host
        self.api_port = api_port
        self.auth_port = auth_port
        self._ssl = ssl_context
        self._token = token
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self.max_answer = max_answer
        self._require_identity = require_identity

    def _check_identity_bound(self) -> None:
        """Before a secret is written: the context must check who the server is."""
        if self._require_identity and peer_identity(self._ssl) is None:
            raise UncheckedServerError(
                "refusing to send a secret: the SSL context checks no device"
            )

    @property
    def has_token(self) -> bool:
        """True when the client has a token to use."""
        return self._token is not None

    def set_token(self, token: str | None) -> None:
        """Use another token (or none)."""
        self._token = token

    def _url(self, port: int, path: str) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"https://{host}:{port}{path}"

    async def _request(
        self,
        method: str,
        port: int,
        path: str,
        *,
        headers: Mapping[str, str] | None = None,
        data: Mapping[str, str] | None = None,
        json_body: Any = None,
        limit: int | None = None,
    ) -> tuple[int, bytes]:
        """One request; transport failures become typed errors.

        The answer is read up to ``limit`` bytes (default ``max_answer``).
        """
        limit = self.max_answer if limit is None else limit
        try:
            async with self._session.request(
                method,
                self._url(port, path),
                headers=dict(headers or {}),
                data=data,
                json=json_body,
                ssl=self._ssl,
                timeout=self._timeout,
                allow_redirects=False,
            ) as response:
                body = await _read_bounded(response, limit, f"{method} {path}")
                return response.status, body
        except TimeoutError as err:
            raise GatewayConnectionError(f"{method} {path}: timed out") from err
        except aiohttp.ClientConnectorCertificateError as err:
            raise _refused_certificate(err.certificate_error) from err
        except aiohttp.ClientError as err:
            if _ssl_failure(err):
                raise GatewayTlsError(
                    "the gateway refused the TLS handshake "
                    "(client certificate, chain, cipher or TLS version)"
                ) from err
            raise GatewayConnectionError(
                f"{method} {path}: {type(err).__name__}"
            ) from err
        except ssl.SSLCertVerificationError as err:
            raise _refused_certificate(err) from err
        except ssl.SSLError as err:
            raise GatewayTlsError("TLS failure talking to the gateway") from err
        except OSError as err:
            raise GatewayConnectionError(f"{method} {path}: {err.strerror}") from err

    async def peer_device_id(self, port: int | None = None) -> str:
        """The device that the server's certificate names (handshake only)."""
        return (await self.peer_certificate(port)).device_id

    async def peer_certificate(self, port: int | None = None) -> PeerCertificate:
        """The device and fingerprint of the server's certificate (handshake only).

        Connects to ``port`` (default: the API port), completes the TLS
        handshake with the client's context and closes the connection without
        writing a byte: no request, no token. With a context bound to a device
        (``tls.require_peer``) the handshake itself fails for another device,
        so a successful return proves the server is that device.

        Raises ``GatewayIdentityError`` when the certificate names no device,
        ``ServerCertificateRefusedError`` / ``GatewayTlsError`` /
        ``GatewayConnectionError`` as ``get`` does.
        """
        port = self.api_port if port is None else port
        what = f"TLS handshake with port {port}"
        try:
            async with asyncio.timeout(self._timeout.total):
                _, writer = await asyncio.open_connection(
                    self.host, port, ssl=self._ssl
                )
        except TimeoutError as err:
            raise GatewayConnectionError(f"{what}: timed out") from err
        except ssl.SSLCertVerificationError as err:
            raise _refused_certificate(err) from err
        except ssl.SSLError as err:
            raise GatewayTlsError(
                "the gateway refused the TLS handshake "
                "(client certificate, chain, cipher or TLS version)"
            ) from err
        except ConnectionResetError as err:
            raise GatewayTlsError("the gateway dropped the TLS handshake") from err
        except OSError as err:
            raise GatewayConnectionError(f"{what}: {err.strerror or err}") from err
        try:
            ssl_object = writer.get_extra_info("ssl_object")
            der = ssl_object.getpeercert(binary_form=True) if ssl_object else None
        finally:
            writer.transport.abort()
        seen = None
        if der:
            try:
                seen = certificate_device_id(x509.load_der_x509_certificate(der))
            except ValueError:
                seen = None
        if seen is None or der is None:
            raise GatewayIdentityError(None, None)
        return PeerCertificate(seen, certificate_fingerprint(der))

    async def request_token(
        self,
        client_id: str,
        client_name: str,
        scopes: Iterable[str] | None = None,
    ) -> Token:
        """Request a token (within a minute after the proximity check).

        Each successful call uses up one of the gateway's 32 tokens: call it
        only when a person asked for it.
        """
        self._check_identity_bound()
        form = {
            "client_id": client_id,
            "client_name": client_name,
            "grant_type": GRANT_TYPE,
        }
        scope_list = [s for s in (scopes or ()) if s]
        if scope_list:
            form["scope"] = " ".join(scope_list)
        status, body = await self._request(
            "POST", self.auth_port, "/auth/token", data=form, limit=MAX_TOKEN_ANSWER
        )
        if status == 200:
            payload = _json(body)
            if not isinstance(payload, dict) or not isinstance(
                payload.get("access_token"), str
            ):
                raise ValueFormatError("the token answer has no access_token")
            _LOGGER.debug("Gateway %s issued a token", self.host)
            return Token(
                access_token=payload["access_token"],
                token_type=str(payload.get("token_type", "Bearer")),
                scope=str(payload.get("scope", " ".join(scope_list))),
            )
        if status == 412:
            raise ProximityCheckRequiredError
        if status == 401:
            raise InvalidClientError
        if status == 507:
            raise TokenLimitReachedError
        if status in (400, 415, 500):
            raise TokenRequestRejectedError(status)
        if status >= 500:
            raise GatewayServerError(status)
        raise TokenRequestRejectedError(status)

    # ---- the owner channel's token port ------------------------------------

    async def request_owner_token(
        self, login: str, password: str, client_name: str
    ) -> Token:
        """Owner channel: a token for the sticker's login and password.

        Within five minutes after the button press, from the gateway's subnet
        (else 412). Each success takes a place in the gateway's token database.
        """
        self._check_identity_bound()
        form = {
            "grant_type": OWNER_GRANT_TYPE,
            "username": login,
            "password": password,
            "client_name": client_name,
        }
        status, body = await self._request(
            "POST", self.auth_port, "/auth/token", data=form, limit=MAX_TOKEN_ANSWER
        )
        if status == 200:
            payload = _json(body)
            if (
                not isinstance(payload, dict)
                or not isinstance(payload.get("access_token"), str)
                or not payload["access_token"].strip()
            ):
                raise ValueFormatError("the token answer has no access_token")
            _LOGGER.debug("Gateway %s issued an owner token", self.host)
            return Token(
                access_token=payload["access_token"].strip(),
                token_type=str(payload.get("token_type", "Bearer")),
                scope=_printable(payload.get("scope"), 200) or OWNER_SCOPE,
            )
        errors: dict[int, type[GatewayError]] = {
            400: InvalidGrantError,
            401: InvalidClientError,
            403: TokenForbiddenError,
            412: ProximityCheckRequiredError,
            507: TokenLimitReachedError,
        }
        if status in errors:
            raise errors[status]()
        if status >= 500:
            raise GatewayServerError(status)
        raise TokenRequestRejectedError(status)

    async def list_tokens(self) -> list[ListedToken]:
        """Owner channel: the gateway's tokens (``GET /auth/token``, our token as bearer)."""
        status, body = await self._request(
            "GET",
            self.auth_port,
            "/auth/token",
            headers=self._auth_headers(),
            limit=MAX_TOKEN_LIST_ANSWER,
        )
        self._check_token_port(status, "GET /auth/token")
        payload = _json(body)
        if not isinstance(payload, list):
            raise ValueFormatError("the token list is not a list")
        listed = [t for t in map(_listed_token, payload) if t is not None]
        return listed[:MAX_LISTED_TOKENS]

    async def revoke_token(self, token_id: str) -> None:
        """Owner channel: revoke one token (``POST /auth/revoke``)."""
        status, _ = await self._request(
            "POST",
            self.auth_port,
            "/auth/revoke",
            headers=self._auth_headers(),
            data={"token_id": token_id, "usage_type": "private"},
            limit=MAX_TOKEN_ANSWER,
        )
        self._check_token_port(status, "POST /auth/revoke")

    def _check_token_port(self, status: int, what: str) -> None:
        if status == 401:
            raise GatewayAuthError("the gateway does not accept the token")
        if status == 403:
            raise GatewayForbiddenError(f"{what}: refused (403)")
        if status >= 500:
            raise GatewayServerError(status)
        if not 200 <= status < 300:
            raise TokenRequestRejectedError(status)

    def _auth_headers(self) -> dict[str, str]:
        if self._token is None:
            raise GatewayAuthError("no token")
        self._check_identity_bound()
        return {"Authorization": f"Bearer {self._token}"}

    def _check(self, status: int, path: str) -> None:
        if status == 401:
            raise GatewayAuthError("the gateway no longer accepts the token")
        if status == 403:
            raise GatewayForbiddenError(f"the token's scope does not allow {path}")
        if status == 404:
            raise ResourceNotFoundError(path)
        if status >= 500:
            raise GatewayServerError(status)

    async def get(self, path: str) -> Resource:
        """Read one resource.

        Real gateways answer 403, not 404, for a path outside the
        specification: on a read both mean ``ResourceNotFoundError`` (a
        write's 403 stays ``GatewayForbiddenError``).
        """
        status, body = await self._request(
            "GET", self.api_port, path, headers=self._auth_headers()
        )
        if status == 403:
            raise ResourceNotFoundError(path)
        self._check(status, path)
        if status != 200:
            raise GatewayError(f"GET {path}: unexpected HTTP {status}")
        return parse_resource(_json(body))

    async def get_many(
        self, paths: Iterable[str], parallel: int = DEFAULT_PARALLEL
    ) -> dict[str, Resource | None]:
        """Read several resources, at most ``parallel`` at a time.

        A resource the gateway does not have (403 or 404) maps to None; any other
        error is raised, and the reads not yet done are cancelled (an
        unreachable gateway is not asked for every remaining resource).
        """
        semaphore = asyncio.Semaphore(max(1, parallel))
        unique = list(dict.fromkeys(paths))

        async def one(path: str) -> Resource | None:
            async with semaphore:
                try:
                    return await self.get(path)
                except ResourceNotFoundError:
                    return None

        tasks = [asyncio.ensure_future(one(path)) for path in unique]
        try:
            results = await asyncio.gather(*tasks)
        except BaseException:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            raise
        return dict(zip(unique, results, strict=True))

    async def list(self, path: str) -> list[str]:
        """The ids a ``refEnum`` folder refers to."""
        resource = await self.get(path)
        if resource.type != "refEnum":
            raise ValueFormatError(f"{path} is a {resource.type}, not a folder")
        return list(resource.references)

    async def put(self, path: str, value: Scalar) -> None:
        """Write a value (``PUT {"value": ...}``); 400 becomes ``InvalidValueError``."""
        status, _ = await self._request(
            "PUT",
            self.api_port,
            path,
            headers=self._auth_headers(),
            json_body={"value": value},
        )
        if status == 400:
            raise InvalidValueError(f"the gateway refused the value for {path}")
        self._check(status, path)
        if status not in (200, 204):
            raise GatewayError(f"PUT {path}: unexpected HTTP {status}")

    # ---- recordings ----------------------------------------
    async def get_recording(
        self,
        path: str,
        sample_rate: str,
        start: dt.date | None = None,
        end: dt.date | None = None,
    ) -> dict[str, Any]:
        """The JSON object of ``GET /recordings/<path>?sampleRate=..&startDate=..``.

        ``path`` is the recorded resource (``/heatSources/emon/ch/compressor``);
        ``sample_rate`` one of ``RECORDING_SAMPLE_RATES``; the dates are the
        gateway's calendar days. Read with the same bound as any resource;
        403/404 (the gateway records nothing there) raise as ``get`` does.
        """
        if sample_rate not in RECORDING_SAMPLE_RATES:
            raise ValueError(f"no sample rate {sample_rate!r}")
        query = {"sampleRate": sample_rate}
        if start is not None:
            query["startDate"] = start.isoformat()
        if end is not None:
            query["endDate"] = end.isoformat()
        target = f"/recordings{path}?{urlencode(query)}"
        status, body = await self._request(
            "GET", self.api_port, target, headers=self._auth_headers()
        )
        self._check(status, target)
        if status != 200:
            raise GatewayError(f"GET {target}: unexpected HTTP {status}")
        payload = _json(body)
        if not isinstance(payload, dict):
            raise ValueFormatError("a recording is a JSON object")
        return payload


def _json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError) as err:
        raise ValueFormatError("the gateway's answer is not JSON") from err
