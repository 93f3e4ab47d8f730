"""Client of a Home Comfort gateway's Local API (K40RF / MX400), HA-free.

Two ports, both mutual TLS with the context from ``tls.build_ssl_context``:
the auth port issues tokens (``POST /auth/token``, form-encoded, only within a
minute after the proximity check), the API port serves resources with
``Authorization: Bearer <token>``. Every failure becomes an error of
``errors.py``; the token never appears in a message or a log line.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
import json
import logging
import ssl
from typing import Any, Final

import aiohttp

from .errors import (
    GatewayAuthError,
    GatewayConnectionError,
    GatewayError,
    GatewayForbiddenError,
    GatewayServerError,
    GatewayTlsError,
    InvalidClientError,
    InvalidValueError,
    ProximityCheckRequiredError,
    ResourceNotFoundError,
    TokenLimitReachedError,
    TokenRequestRejectedError,
    ValueFormatError,
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
    ) -> None:
        """Remember where the gateway is and how to reach it."""
        self._session = session
        self.host = host
        self.api_port = api_port
        self.auth_port = auth_port
        self._ssl = ssl_context
        self._token = token
        self._timeout = aiohttp.ClientTimeout(total=timeout)

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
    ) -> tuple[int, bytes]:
        """One request; transport failures become typed errors."""
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
                return response.status, await response.read()
        except TimeoutError as err:
            raise GatewayConnectionError(f"{method} {path}: timed out") from err
        except aiohttp.ClientConnectorCertificateError as err:
            raise GatewayTlsError(
                "the gateway certificate was refused: not issued by the configured"
                " Bosch root, or not valid now"
            ) from err
        except aiohttp.ClientError as err:
            if _ssl_failure(err):
                raise GatewayTlsError(
                    "the gateway refused the TLS handshake "
                    "(client certificate, chain, cipher or TLS version)"
                ) from err
            raise GatewayConnectionError(
                f"{method} {path}: {type(err).__name__}"
            ) from err
        except ssl.SSLError as err:
            raise GatewayTlsError("TLS failure talking to the gateway") from err
        except OSError as err:
            raise GatewayConnectionError(f"{method} {path}: {err.strerror}") from err

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
        form = {
            "client_id": client_id,
            "client_name": client_name,
            "grant_type": GRANT_TYPE,
        }
        scope_list = [s for s in (scopes or ()) if s]
        if scope_list:
            form["scope"] = " ".join(scope_list)
        status, body = await self._request(
            "POST", self.auth_port, "/auth/token", data=form
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

    def _auth_headers(self) -> dict[str, str]:
        if self._token is None:
            raise GatewayAuthError("no token")
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
        """Read one resource."""
        status, body = await self._request(
            "GET", self.api_port, path, headers=self._auth_headers()
        )
        self._check(status, path)
        if status != 200:
            raise GatewayError(f"GET {path}: unexpected HTTP {status}")
        return parse_resource(_json(body))

    async def get_many(
        self, paths: Iterable[str], parallel: int = DEFAULT_PARALLEL
    ) -> dict[str, Resource | None]:
        """Read several resources, at most ``parallel`` at a time.

        A resource the gateway does not have (404) maps to None; any other
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


def _json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError) as err:
        raise ValueFormatError("the gateway's answer is not JSON") from err
