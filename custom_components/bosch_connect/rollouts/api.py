r"""Clients of Bosch IoT Rollouts (Eclipse hawkBit): Management API and DDI API.

Management API: ``/{tenant}/rest/v1/...`` with Basic auth (user
``TENANT\\USERNAME``) or an OAuth2 client-credentials bearer token. The first
call of a new OAuth2 client registers it with an empty permission set and
answers 403 until an administrator grants permissions.

DDI API: ``/{tenant}/controller/v1/{controllerId}`` with
``Authorization: TargetToken <token>`` (one target) or
``GatewayToken <token>`` (acts in the name of any target of the tenant).

Every answer is read up to a limit of its kind (refused by its
``Content-Length`` or after limit + 1 bytes, never read whole); a larger one
is a :class:`RolloutsConnectionError`, like any answer that is not hawkBit's.
"""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Callable
from dataclasses import dataclass
import logging
import time
from typing import Any
from urllib.parse import quote, urlsplit

import aiohttp

from ..protocol.answers import (
    KIB,
    MIB,
    AnswerTooLargeError,
    json_or_none,
    read_answer,
)
from ..protocol.urls import secure_base_url
from .errors import (
    RolloutsAuthError,
    RolloutsClientRegisteredError,
    RolloutsConnectionError,
    RolloutsDdiAuthError,
    RolloutsError,
    RolloutsForbiddenError,
    RolloutsInvalidClientError,
    RolloutsInvalidUrlError,
    RolloutsNotFoundError,
)
from .models import (
    UPDATE_STATUSES,
    Deployment,
    DistributionSet,
    Page,
    Poll,
    Target,
    TenantSummary,
)

_LOGGER = logging.getLogger(__name__)

REQUEST_TIMEOUT = 20.0
# hawkBit's largest page; how many pages we read to count overdue targets.
PAGE_LIMIT = 500
MAX_PAGES = 20
# Renew a token this long before it expires.
TOKEN_MARGIN = 30.0

# The largest answer of each kind that is read (bytes).
# An OAuth2 token answer: a JWT of a few KiB and a few short fields.
TOKEN_ANSWER_BYTES = 64 * KIB
# One target, a DDI poll, an error. A target is about 1 KiB; 25 KiB at most,
# with every field at hawkBit's maximum length in 3-byte characters and eight
# links that each name its percent-encoded controllerId.
OBJECT_ANSWER_BYTES = 256 * KIB
# A deploymentBase: a chunk per software module, a few links per artifact,
# metadata values of up to 4,000 characters.
DEPLOYMENT_ANSWER_BYTES = 4 * MIB
# A page holds at most the items asked for, and hawkBit never sends more than
# PAGE_LIMIT however large the tenant: 32 KiB per item (more than the largest
# possible target) plus the envelope; 16 MiB for a full page.
PAGE_ITEM_BYTES = 32 * KIB
PAGE_ENVELOPE_BYTES = 64 * KIB


def page_answer_bytes(items: int) -> int:
    """The largest answer to a request for a page of ``items`` items."""
    return PAGE_ENVELOPE_BYTES + max(1, min(items, PAGE_LIMIT)) * PAGE_ITEM_BYTES


def check_url(url: str) -> str:
    """Return ``url`` without a trailing slash; https only."""
    if (checked := secure_base_url(url)) is None:
        raise RolloutsInvalidUrlError(url)
    return checked


@dataclass(frozen=True, slots=True, kw_only=True)
class BasicCredentials:
    r"""A Rollouts cloud user: sent as ``TENANT\\USERNAME`` with the password."""

    username: str
    password: str

    def header(self, tenant: str) -> str:
        """The Authorization header value."""
        raw = f"{tenant}\\{self.username}:{self.password}".encode()
        return "Basic " + base64.b64encode(raw).decode()


@dataclass(frozen=True, slots=True, kw_only=True)
class OAuthCredentials:
    """An OAuth2 client (client credentials grant) of the Bosch IoT Suite."""

    token_url: str
    client_id: str
    client_secret: str
    scope: str = ""


type Credentials = BasicCredentials | OAuthCredentials


async def _request(
    session: aiohttp.ClientSession,
    method: str,
    url: str,
    *,
    max_bytes: int,
    **kwargs: Any,
) -> tuple[int, Any]:
    """One request: (status, parsed JSON or None); network failures raise.

    An answer larger than ``max_bytes`` is a RolloutsConnectionError.
    """
    try:
        async with asyncio.timeout(REQUEST_TIMEOUT):
            async with session.request(
                method, url, allow_redirects=False, **kwargs
            ) as response:
                try:
                    raw = await read_answer(response, max_bytes)
                except AnswerTooLargeError as err:
                    raise RolloutsConnectionError(
                        f"{method} {urlsplit(url).path}: {err}"
                    ) from err
                body = json_or_none(raw)
                return response.status, body
    except (aiohttp.ClientError, TimeoutError) as err:
        raise RolloutsConnectionError(
            f"{method} {urlsplit(url).path} failed: {type(err).__name__}"
        ) from err


def _model[T](parse: Callable[[Any], T], data: Any, what: str) -> T:
    """Parse one model; an answer of another shape is a RolloutsConnectionError."""
    try:
        return parse(data)
    except (KeyError, TypeError, ValueError, AttributeError) as err:
        raise RolloutsConnectionError(f"{what}: unexpected answer") from err


class ManagementClient:
    """Read-only access to one tenant's Management API."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        base_url: str,
        tenant: str,
        credentials: Credentials,
    ) -> None:
        self._session = session
        self._base_url = check_url(base_url)
        self._tenant = tenant
        self._credentials = credentials
        if isinstance(credentials, OAuthCredentials):
            check_url(credentials.token_url)
        self._token: str | None = None
        self._token_expires = 0.0

    @property
    def tenant(self) -> str:
        """The tenant in every path."""
        return self._tenant

    async def _fetch_token(self, credentials: OAuthCredentials) -> str:
        form = {"grant_type": "client_credentials"}
        if credentials.scope:
            form["scope"] = credentials.scope
        status, body = await _request(
            self._session,
            "POST",
            check_url(credentials.token_url),
            max_bytes=TOKEN_ANSWER_BYTES,
            data=form,
            headers={
                "Authorization": aiohttp.encode_basic_auth(
                    credentials.client_id, credentials.client_secret
                )
            },
        )
        if status in (400, 401, 403):
            raise RolloutsInvalidClientError(f"token endpoint answered {status}")
        token = body.get("access_token") if isinstance(body, dict) else None
        if status != 200 or not isinstance(token, str):
            raise RolloutsConnectionError(f"token endpoint answered HTTP {status}")
        expires_in = body.get("expires_in")
        lifetime = float(expires_in) if isinstance(expires_in, int | float) else 300.0
        self._token = token
        self._token_expires = time.monotonic() + lifetime - TOKEN_MARGIN
        return token

    async def _authorization(self, *, renew: bool = False) -> str:
        credentials = self._credentials
        if isinstance(credentials, BasicCredentials):
            return credentials.header(self._tenant)
        token = self._token
        if renew or token is None or time.monotonic() >= self._token_expires:
            token = await self._fetch_token(credentials)
        return f"Bearer {token}"

    async def get(
        self,
        path: str,
        params: dict[str, str] | None = None,
        *,
        max_bytes: int = OBJECT_ANSWER_BYTES,
    ) -> Any:
        """GET ``/{tenant}/rest/v1{path}``; errors become :class:`RolloutsError`."""
        url = f"{self._base_url}/{quote(self._tenant, safe='')}/rest/v1{path}"
        for attempt in (0, 1):
            headers = {
                "Authorization": await self._authorization(renew=attempt == 1),
                "Accept": "application/json",
            }
            status, body = await _request(
                self._session,
                "GET",
                url,
                max_bytes=max_bytes,
                params=params,
                headers=headers,
            )
            if status == 401 and attempt == 0 and self._token is not None:
                continue  # the token may have been revoked: one fresh token
            break
        if status == 200 and body is not None:
            return body
        if status == 401:
            raise RolloutsAuthError("Management API answered 401")
        if status == 403:
            if isinstance(self._credentials, OAuthCredentials):
                raise RolloutsClientRegisteredError(self._credentials.client_id)
            raise RolloutsForbiddenError("Management API answered 403")
        if status == 404:
            raise RolloutsNotFoundError(f"{path} not found")
        raise RolloutsConnectionError(f"Management API answered HTTP {status}")

    async def _page(
        self, path: str, offset: int, limit: int, q: str | None
    ) -> tuple[list[dict[str, Any]], int, int]:
        params = {"offset": str(offset), "limit": str(limit)}
        if q:
            params["q"] = q
        body = await self.get(path, params, max_bytes=page_answer_bytes(limit))
        try:
            content = [item for item in body["content"] if isinstance(item, dict)]
            return content, int(body["total"]), int(body.get("size", len(content)))
        except (KeyError, TypeError, ValueError) as err:
            raise RolloutsConnectionError(f"{path}: not a paged list") from err

    async def targets(
        self, offset: int = 0, limit: int = 50, q: str | None = None
    ) -> Page[Target]:
        """One page of targets, optionally filtered with FIQL ``q``."""
        content, total, size = await self._page("/targets", offset, limit, q)
        return Page(
            content=tuple(_model(Target.from_json, t, "/targets") for t in content),
            total=total,
            size=size,
        )

    async def target(self, controller_id: str) -> Target:
        """One target."""
        body = await self.get(f"/targets/{quote(controller_id, safe='')}")
        return _model(Target.from_json, body, "/targets/{id}")

    async def distribution_sets(
        self, offset: int = 0, limit: int = 50, q: str | None = None
    ) -> Page[DistributionSet]:
        """One page of distribution sets."""
        content, total, size = await self._page("/distributionsets", offset, limit, q)
        return Page(
            content=tuple(
                _model(DistributionSet.from_json, d, "/distributionsets")
                for d in content
            ),
            total=total,
            size=size,
        )

    async def check(self) -> None:
        """Read one target and one distribution set (what the entities need)."""
        await self.targets(limit=1)
        await self.distribution_sets(limit=1)

    async def summary(self) -> TenantSummary:
        """Targets per update status, overdue targets, distribution sets."""
        by_status: dict[str, int] = {}
        for status in UPDATE_STATUSES:
            page = await self.targets(limit=1, q=f"updateStatus=={status}")
            by_status[status] = page.total
        overdue = 0
        seen = 0
        total = 0
        for number in range(MAX_PAGES):
            page = await self.targets(offset=number * PAGE_LIMIT, limit=PAGE_LIMIT)
            total = page.total
            overdue += sum(1 for target in page.content if target.overdue)
            seen += len(page.content)
            if not page.content or seen >= total:
                break
        sets = await self.distribution_sets(limit=1)
        return TenantSummary(
            targets=total,
            by_status=by_status,
            overdue=overdue,
            distribution_sets=sets.total,
            overdue_complete=seen >= total,
        )


class DdiClient:
    """Polls the DDI API as one target (controller) would."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        base_url: str,
        tenant: str,
        controller_id: str,
        *,
        token_type: str,
        token: str,
    ) -> None:
        self._session = session
        self._base_url = check_url(base_url)
        self._tenant = tenant
        self._controller_id = controller_id
        self._authorization = f"{token_type} {token}"

    @property
    def controller_id(self) -> str:
        """The target that this client polls as."""
        return self._controller_id

    def _url(self, suffix: str = "") -> str:
        return (
            f"{self._base_url}/{quote(self._tenant, safe='')}/controller/v1/"
            f"{quote(self._controller_id, safe='')}{suffix}"
        )

    async def _get(
        self,
        url: str,
        params: dict[str, str] | None = None,
        *,
        max_bytes: int = OBJECT_ANSWER_BYTES,
    ) -> Any:
        status, body = await _request(
            self._session,
            "GET",
            url,
            max_bytes=max_bytes,
            params=params,
            headers={
                "Authorization": self._authorization,
                "Accept": "application/hal+json",
            },
        )
        if status == 200 and isinstance(body, dict):
            return body
        if status == 401:
            raise RolloutsDdiAuthError("DDI API answered 401")
        if status == 404:
            raise RolloutsNotFoundError("DDI resource not found")
        raise RolloutsConnectionError(f"DDI API answered HTTP {status}")

    async def poll(self) -> Poll:
        """Poll for work: the polling interval and the links to open actions."""
        body = await self._get(self._url())
        try:
            return Poll.from_json(body)
        except (ValueError, TypeError) as err:
            raise RolloutsConnectionError("DDI poll: no polling interval") from err

    async def deployment(self, poll: Poll) -> Deployment | None:
        """The deployment that ``poll`` links to (never follows foreign hosts)."""
        if poll.deployment_action_id is None:
            return None
        params: dict[str, str] = {}
        if poll.deployment_href and "?" in poll.deployment_href:
            for pair in poll.deployment_href.split("?", 1)[1].split("&"):
                key, _, value = pair.partition("=")
                if key == "c":
                    params["c"] = value
        body = await self._get(
            self._url(f"/deploymentBase/{quote(poll.deployment_action_id, safe='')}"),
            params,
            max_bytes=DEPLOYMENT_ANSWER_BYTES,
        )
        try:
            return Deployment.from_json(body)
        except (KeyError, TypeError) as err:
            raise RolloutsConnectionError("DDI deploymentBase: unexpected") from err


__all__ = [
    "BasicCredentials",
    "DdiClient",
    "ManagementClient",
    "OAuthCredentials",
    "RolloutsError",
    "check_url",
]
