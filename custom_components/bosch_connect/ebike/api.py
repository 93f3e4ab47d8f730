"""Client of the Bosch eBike Cloud API for the ConnectModule (BCM).

OAuth2 client credentials (Keycloak), the ConnectModule Configuration API
(``/connect-module/v1``) and the Notification API (``/notification/v1``).
Plain asyncio + aiohttp; the caller passes the session (and optionally an SSL
context; Home Assistant's session brings its own).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
import datetime as dt
import json
import logging
from ssl import SSLContext
import time
from typing import Any, Literal
from urllib.parse import quote

import aiohttp
from multidict import CIMultiDict, CIMultiDictProxy
from yarl import URL

from ..protocol.answers import KIB, MIB, AnswerTooLargeError, read_answer
from ..protocol.times import parse_time
from .errors import (
    EbikeApiError,
    EbikeAuthError,
    EbikeConnectionError,
    InsecureUrlError,
    WebhookConflictError,
    WebhookRejectedError,
)

_LOGGER = logging.getLogger(__name__)

# A URL, not a password:
DEFAULT_TOKEN_URL = (
    "https://p9.authz.bosch.com/auth/realms/obc/protocol/openid-connect/token"  # noqa: S105
)
DEFAULT_API_URL = "https://api.bosch-ebike.com"
CONFIGURATION_PATH = "/connect-module/v1"
NOTIFICATION_PATH = "/notification/v1"

FEATURE_LOCATION_TRACKING = "LOCATION_TRACKING"
FEATURE_BIKE_STATUS = "BIKE_STATUS"
FEATURES = (FEATURE_LOCATION_TRACKING, FEATURE_BIKE_STATUS)
EVENT_LOCATION_TRACKING = "LOCATION_TRACKING"
EVENT_BIKE_STATUS = "BIKE_STATUS"
PROFILE_NONE = "NONE"
PROFILES = ("NONE", "DEFAULT", "FLEET", "CHARGING")

TIMEOUT = aiohttp.ClientTimeout(total=30)
REFRESH_MARGIN = 30.0  # seconds before expiry at which the token is renewed
_AUTH_ERRORS = {"invalid_client", "unauthorized_client", "invalid_grant"}
_MAX_DETAIL = 200

# The largest answer of each kind that is read (bytes); a larger one is an
# EbikeApiError, refused by its Content-Length or after limit + 1 bytes.
# A Keycloak token answer: a JWT of 1-2 KiB (it must fit an Authorization
# header, which servers cap at 8-16 KiB) and a few short fields.
TOKEN_ANSWER_BYTES = 64 * KIB
# One ConnectModule (about 0.6 KiB; 1.5 KiB pretty-printed with every field at
# its OpenAPI maximum), Feature or Webhook, a problem+json error, a 304.
OBJECT_ANSWER_BYTES = 64 * KIB
# GET /webhooks: each event type is subscribed once, so a handful of webhooks.
WEBHOOKS_ANSWER_BYTES = 256 * KIB
# GET /connect-modules lists every module of the account in one answer (no
# paging): room for more than 20,000 bikes even at 1.5 KiB per module.
MODULES_ANSWER_BYTES = 32 * MIB

type AuthLocation = Literal["HEADER", "QUERY"]


def _text(value: Any, default: str = "") -> str:
    return value if isinstance(value, str) else default


def is_https_url(url: str) -> bool:
    """An absolute https URL with a host (where a secret or token may go)."""
    try:
        parsed = URL(url)
    except ValueError, TypeError:
        return False
    return parsed.scheme == "https" and bool(parsed.host)


@dataclass(frozen=True, slots=True)
class Feature:
    """One feature of a ConnectModule (LOCATION_TRACKING, BIKE_STATUS, ...)."""

    type: str
    status: str
    requested_profile: str
    applied_profile: str
    updated_at: dt.datetime | None = None
    status_detail: str | None = None

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Feature:
        """From the API's Feature object."""
        detail = data.get("statusDetail")
        return cls(
            type=_text(data.get("type")),
            status=_text(data.get("status"), "DISABLED"),
            requested_profile=_text(data.get("requestedProfile"), PROFILE_NONE),
            applied_profile=_text(data.get("appliedProfile"), PROFILE_NONE),
            updated_at=parse_time(data.get("updatedAt")),
            status_detail=(
                (_text(detail.get("type")) or None)
                if isinstance(detail, dict)
                else None
            ),
        )


@dataclass(frozen=True, slots=True)
class ConnectModule:
    """A Bosch ConnectModule and the bike it is built into."""

    id: str
    bike_id: str
    oem_bike_id: str
    oem_brand_id: str
    sync_status: str
    features: tuple[Feature, ...]
    created_at: dt.datetime | None = None
    updated_at: dt.datetime | None = None
    synced_at: dt.datetime | None = None
    etag: str | None = None

    @classmethod
    def from_json(
        cls, data: Mapping[str, Any], etag: str | None = None
    ) -> ConnectModule:
        """From the API's ConnectModule object."""
        module_id = data.get("id")
        if not isinstance(module_id, str) or not module_id:
            raise EbikeApiError(200, "ConnectModule without id")
        features = data.get("features")
        return cls(
            id=module_id,
            bike_id=_text(data.get("bikeId")),
            oem_bike_id=_text(data.get("oemBikeId")),
            oem_brand_id=_text(data.get("oemBrandId")),
            sync_status=_text(data.get("syncStatus"), "SUCCESS"),
            features=tuple(
                Feature.from_json(f)
                for f in (features if isinstance(features, list) else [])
                if isinstance(f, dict)
            ),
            created_at=parse_time(data.get("createdAt")),
            updated_at=parse_time(data.get("updatedAt")),
            synced_at=parse_time(data.get("syncedAt")),
            etag=etag,
        )

    def _part(self, index: int) -> str | None:
        parts = self.id.split("_", 2)
        return parts[index] if len(parts) == 3 else None

    @property
    def product_code(self) -> str | None:
        """``BCM3100`` of ``BCM3100_EB1310000B_<serial>``."""
        return self._part(0)

    @property
    def part_number(self) -> str | None:
        """``EB1310000B`` of ``BCM3100_EB1310000B_<serial>``."""
        return self._part(1)

    @property
    def serial_number(self) -> str | None:
        """The serial number part of the module id."""
        return self._part(2)

    def feature(self, feature_type: str) -> Feature | None:
        """The feature of that type, if the module reports it."""
        return next((f for f in self.features if f.type == feature_type), None)


@dataclass(frozen=True, slots=True)
class WebhookAuthentication:
    """Static credentials Bosch sends with every notification."""

    name: str
    secret: str
    location: AuthLocation = "HEADER"

    def __repr__(self) -> str:
        """Never show the secret."""
        return f"WebhookAuthentication(name={self.name!r}, location={self.location!r})"

    def to_json(self) -> dict[str, str]:
        """The API's Authentication object."""
        return {"name": self.name, "secret": self.secret, "location": self.location}


@dataclass(frozen=True, slots=True)
class Webhook:
    """A webhook subscription (the secret is write-only and never returned)."""

    id: str
    url: str
    event_types: tuple[str, ...]
    description: str | None = None
    created_at: dt.datetime | None = None
    updated_at: dt.datetime | None = None
    authentication_name: str | None = None
    authentication_location: str | None = None

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Webhook:
        """From the API's Webhook object."""
        webhook_id = data.get("id")
        if not isinstance(webhook_id, str) or not webhook_id:
            raise EbikeApiError(200, "Webhook without id")
        types = data.get("eventTypes")
        auth = data.get("authentication")
        auth = auth if isinstance(auth, dict) else {}
        return cls(
            id=webhook_id,
            url=_text(data.get("url")),
            event_types=tuple(
                t
                for t in (types if isinstance(types, list) else [])
                if isinstance(t, str)
            ),
            description=_text(data.get("description")) or None,
            created_at=parse_time(data.get("createdAt")),
            updated_at=parse_time(data.get("updatedAt")),
            authentication_name=_text(auth.get("name")) or None,
            authentication_location=_text(auth.get("location")) or None,
        )


@dataclass(frozen=True, slots=True)
class _Response:
    status: int
    headers: Mapping[str, str]
    body: bytes

    def json(self) -> Any:
        try:
            return json.loads(self.body)
        except (ValueError, RecursionError) as err:
            raise EbikeApiError(self.status, "response is not JSON") from err

    def json_object(self) -> Mapping[str, Any]:
        data = self.json()
        if not isinstance(data, dict):
            raise EbikeApiError(self.status, "response is not a JSON object")
        return data

    def detail(self) -> str:
        """The problem+json ``detail`` (or the text body), shortened."""
        content_type = self.headers.get("Content-Type", "")
        text = ""
        if "json" in content_type:
            try:
                data = json.loads(self.body)
            except ValueError:
                data = None
            if isinstance(data, dict):
                text = _text(data.get("detail")) or _text(data.get("title"))
                text = text or _text(data.get("error_description"))
        elif content_type.startswith("text/"):
            text = self.body.decode("utf-8", "replace").strip()
        return text[:_MAX_DETAIL]


class EbikeClient:
    """The eBike Cloud API for one OAuth client (a partner account)."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        *,
        client_id: str,
        client_secret: str,
        token_url: str = DEFAULT_TOKEN_URL,
        api_url: str = DEFAULT_API_URL,
        configuration_url: str | None = None,
        notification_url: str | None = None,
        ssl: SSLContext | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """Nothing is sent until the first call.

        Raises InsecureUrlError unless every URL is https: the client secret
        and the tokens are sent nowhere else.
        """
        self._session = session
        self._client_id = client_id
        self._client_secret = client_secret
        self.token_url = token_url
        self.api_url = api_url.rstrip("/")
        self.configuration_url = (
            configuration_url or f"{self.api_url}{CONFIGURATION_PATH}"
        ).rstrip("/")
        self.notification_url = (
            notification_url or f"{self.api_url}{NOTIFICATION_PATH}"
        ).rstrip("/")
        for name, url in (
            ("token", self.token_url),
            ("API", self.api_url),
            ("configuration", self.configuration_url),
            ("notification", self.notification_url),
        ):
            if not is_https_url(url):
                raise InsecureUrlError(f"the {name} URL is not https")
        self._ssl = ssl
        self._clock = clock
        self._token: str | None = None
        self._expires_at = 0.0
        self._token_lock = asyncio.Lock()

    @property
    def client_id(self) -> str:
        """The OAuth client id (not a secret)."""
        return self._client_id

    @property
    def token_expires_at(self) -> float | None:
        """When the cached token expires (on ``clock``), or None."""
        return self._expires_at if self._token else None

    # --- transport -------------------------------------------------------

    async def _send(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str],
        json_body: Any = None,
        data: Mapping[str, str] | None = None,
        limit: int = OBJECT_ANSWER_BYTES,
    ) -> _Response:
        if url[:8].lower() != "https://":
            raise InsecureUrlError("only https URLs are called")
        kwargs: dict[str, Any] = {"headers": dict(headers), "timeout": TIMEOUT}
        if self._ssl is not None:
            kwargs["ssl"] = self._ssl
        if json_body is not None:
            kwargs["json"] = json_body
        if data is not None:
            kwargs["data"] = dict(data)
        try:
            async with self._session.request(
                method, URL(url, encoded=True), allow_redirects=False, **kwargs
            ) as response:
                try:
                    body = await read_answer(response, limit)
                except AnswerTooLargeError as err:
                    raise EbikeApiError(response.status, str(err)) from err
                return _Response(
                    response.status,
                    CIMultiDictProxy(CIMultiDict(response.headers)),
                    body,
                )
        except (aiohttp.ClientError, TimeoutError) as err:
            raise EbikeConnectionError(
                f"{method} {URL(url).with_query(None)} failed: {type(err).__name__}"
            ) from err

    def _cached_token(self) -> str | None:
        if self._token and self._clock() < self._expires_at - REFRESH_MARGIN:
            return self._token
        return None

    async def async_get_token(self, *, force: bool = False) -> str:
        """A valid access token (cached; renewed shortly before expiry)."""
        async with self._token_lock:
            if not force and (token := self._cached_token()):
                return token
            return await self._fetch_token()

    async def _renewed_token(self, rejected: str) -> str:
        """A token other than ``rejected`` (concurrent callers fetch only one)."""
        async with self._token_lock:
            if (token := self._cached_token()) and token != rejected:
                return token
            return await self._fetch_token()

    async def _fetch_token(self) -> str:
        response = await self._send(
            "POST",
            self.token_url,
            headers={"Accept": "application/json"},
            data={
                "grant_type": "client_credentials",
                "client_id": self._client_id,
                "client_secret": self._client_secret,
            },
            limit=TOKEN_ANSWER_BYTES,
        )
        if response.status != 200:
            self._token = None
            error = ""
            try:
                payload = json.loads(response.body)
                if isinstance(payload, dict):
                    error = _text(payload.get("error"))
            except ValueError:
                pass
            if response.status == 401 or error in _AUTH_ERRORS:
                raise EbikeAuthError("the OAuth client was refused")
            raise EbikeApiError(response.status, response.detail())
        payload = response.json_object()
        token = payload.get("access_token")
        expires_in = payload.get("expires_in", 300)
        if not isinstance(token, str) or not token:
            raise EbikeApiError(200, "token response without access_token")
        if isinstance(expires_in, bool) or not isinstance(expires_in, int | float):
            expires_in = 300
        lifetime = max(0.0, float(min(expires_in, 86400)))  # at most a day
        self._token = token
        self._expires_at = self._clock() + lifetime
        _LOGGER.debug("Got an access token valid for %.0f s", lifetime)
        return token

    def invalidate_token(self) -> None:
        """Forget the cached token (the next call fetches a new one)."""
        self._token = None

    async def _call(
        self,
        method: str,
        url: str,
        *,
        json_body: Any = None,
        headers: Mapping[str, str] | None = None,
        limit: int = OBJECT_ANSWER_BYTES,
    ) -> _Response:
        """An API call with the bearer token; one retry with a fresh token on 401."""
        token = await self.async_get_token()
        for attempt in range(2):
            if attempt:
                token = await self._renewed_token(token)
            response = await self._send(
                method,
                url,
                headers={
                    "Authorization": f"Bearer {token}",
                    "Accept": "application/json",
                    **(headers or {}),
                },
                json_body=json_body,
                limit=limit,
            )
            if response.status != 401:
                return response
            _LOGGER.debug("The API refused the access token; fetching a new one")
        raise EbikeAuthError("the API refused a fresh access token")

    @staticmethod
    def _expect(response: _Response, *statuses: int) -> _Response:
        if response.status not in statuses:
            raise EbikeApiError(response.status, response.detail())
        return response

    # --- configuration API -------------------------------------------------

    async def list_connect_modules(self) -> list[ConnectModule]:
        """Every ConnectModule of the account."""
        response = self._expect(
            await self._call(
                "GET",
                f"{self.configuration_url}/connect-modules",
                limit=MODULES_ANSWER_BYTES,
            ),
            200,
        )
        modules = response.json_object().get("connectModules")
        if modules is None:
            return []
        if not isinstance(modules, list):
            raise EbikeApiError(200, "connectModules is not a list")
        return [ConnectModule.from_json(m) for m in modules if isinstance(m, dict)]

    async def get_connect_module(
        self, module_id: str, etag: str | None = None
    ) -> ConnectModule | None:
        """One ConnectModule; None when unchanged since ``etag`` (304)."""
        response = self._expect(
            await self._call(
                "GET",
                f"{self.configuration_url}/connect-modules/{_segment(module_id)}",
                headers={"If-None-Match": etag} if etag else None,
            ),
            200,
            304,
        )
        if response.status == 304:
            return None
        return ConnectModule.from_json(
            response.json_object(), etag=response.headers.get("ETag")
        )

    async def set_feature_profile(
        self, module_id: str, feature_type: str, profile: str
    ) -> Feature:
        """Request a profile for a feature (``NONE`` disables it)."""
        response = self._expect(
            await self._call(
                "PUT",
                f"{self.configuration_url}/connect-modules/{_segment(module_id)}"
                f"/features/{_segment(feature_type)}",
                json_body={"requestedProfile": profile},
            ),
            200,
        )
        return Feature.from_json(response.json_object())

    # --- notification API --------------------------------------------------

    async def list_webhooks(self) -> list[Webhook]:
        """Every webhook of this client."""
        response = self._expect(
            await self._call(
                "GET", f"{self.notification_url}/webhooks", limit=WEBHOOKS_ANSWER_BYTES
            ),
            200,
        )
        hooks = response.json_object().get("webhooks")
        if not isinstance(hooks, list):
            raise EbikeApiError(200, "webhooks is not a list")
        return [Webhook.from_json(h) for h in hooks if isinstance(h, dict)]

    async def get_webhook(self, webhook_id: str) -> Webhook:
        """One webhook (EbikeApiError with status 404 when it is gone)."""
        response = self._expect(
            await self._call(
                "GET", f"{self.notification_url}/webhooks/{_segment(webhook_id)}"
            ),
            200,
        )
        return Webhook.from_json(response.json_object())

    async def _write_webhook(
        self,
        method: str,
        call_url: str,
        *,
        url: str,
        event_types: Iterable[str],
        authentication: WebhookAuthentication | None,
        description: str | None,
        ok: tuple[int, ...],
    ) -> _Response:
        """Create or replace a webhook; Bosch answers both alike when it refuses."""
        types = tuple(event_types)
        body: dict[str, Any] = {"url": url, "eventTypes": list(types)}
        if description:
            body["description"] = description
        if authentication is not None:
            body["authentication"] = authentication.to_json()
        response = await self._call(method, call_url, json_body=body)
        if response.status == 409:
            raise WebhookConflictError(response.detail(), types)
        if response.status in (400, 422):
            raise WebhookRejectedError(response.status, response.detail())
        return self._expect(response, *ok)

    async def create_webhook(
        self,
        url: str,
        event_types: Iterable[str],
        authentication: WebhookAuthentication | None = None,
        description: str | None = None,
    ) -> tuple[Webhook, str | None]:
        """Subscribe ``url`` to event types; returns the webhook and the cert URL.

        Bosch first sends a WebhookTest to ``url`` and creates the webhook only
        if that was answered with 200.
        """
        response = await self._write_webhook(
            "POST",
            f"{self.notification_url}/webhooks",
            url=url,
            event_types=event_types,
            authentication=authentication,
            description=description,
            ok=(201, 200),
        )
        return (
            Webhook.from_json(response.json_object()),
            response.headers.get("X-Bosch-Cert-Url"),
        )

    async def update_webhook(
        self,
        webhook_id: str,
        url: str,
        event_types: Iterable[str],
        authentication: WebhookAuthentication | None = None,
        description: str | None = None,
    ) -> Webhook:
        """Replace a webhook's URL, event types and authentication."""
        response = await self._write_webhook(
            "PUT",
            f"{self.notification_url}/webhooks/{_segment(webhook_id)}",
            url=url,
            event_types=event_types,
            authentication=authentication,
            description=description,
            ok=(200,),
        )
        return Webhook.from_json(response.json_object())

    async def delete_webhook(self, webhook_id: str) -> None:
        """Delete a webhook (a webhook that is already gone is fine)."""
        self._expect(
            await self._call(
                "DELETE", f"{self.notification_url}/webhooks/{_segment(webhook_id)}"
            ),
            204,
            200,
            404,
        )


def _segment(value: str) -> str:
    """A percent-encoded path segment."""
    return quote(value, safe="-_.~")
