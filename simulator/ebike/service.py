"""The simulated Bosch eBike Cloud API (ConnectModule partner account).

One https listener (server certificate from the simulator's eBike CA) serves
the Keycloak token endpoint, the ConnectModule Configuration API
(``/connect-module/v1``) and the Notification API (``/notification/v1``,
including ``/certs/{id}`` without authentication). Notifications are signed
with an RSA certificate issued by the same CA and delivered with the Bosch
retry schedule on the simulated clock.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
from dataclasses import dataclass
import hashlib
import hmac
import json
import logging
import secrets
import ssl
from typing import Any
import uuid

import aiohttp
from aiohttp import web
from cryptography.hazmat.primitives.asymmetric import rsa
from yarl import URL

from simulator.faults import Faults
from simulator.options import Options
from simulator.pki import Issued, issue
from simulator.server import ControlAction, Listener, make_app, server_context

from .delivery import (
    ALGORITHM,
    DELIVERED,
    DROPPED,
    HELD,
    PENDING,
    RETRY_DELAYS,
    Attempt,
    Delivery,
    DeliveryFaults,
    sign,
)
from .fleet import (
    BCM_STATUSES,
    FEATURE_TYPES,
    SUPPORTED_PROFILES,
    Bike,
    iso,
    make_fleet,
)
from .signers import KINDS as SIGNING_CERTS, SIGNER_NAME, Signer, make_signer

_LOGGER = logging.getLogger(__name__)

DEFAULT_PORT = 8450
TOKEN_PATH = "/auth/realms/obc/protocol/openid-connect/token"
CONFIG = "/connect-module/v1"
NOTIFY = "/notification/v1"
EVENT_TYPES = (
    "LOCATION_TRACKING",
    "BIKE_STATUS",
    "BIKE_PROFILE",
    "BIKE_TRACEABILITY_STATUS",
)
SCOPE = "notification:webhooks:write bcm:configuration:write"
TICK = 5.0  # simulated seconds between two looks at the fleet
MAX_NAP = 0.25  # real seconds a sleeper waits before looking at the clock again
MAX_LOGGED_DELIVERIES = 5000
SHAPES = ("v1.2.0", "draft")


@dataclass(slots=True)
class EbikeSettings:
    """How the simulated partner account looks."""

    bikes: int = 2
    client_id: str = "bosch-connect-sim"
    client_secret: str = "sim-secret-3b8d1f0c"
    token_lifetime: float = 300.0  # simulated seconds
    payload_shape: str = "v1.2.0"  # or "draft" (2024 shapes)
    auto_send: bool = True  # periodic notifications at the profiles' intervals
    seed: int = 3
    verify_webhook_tls: bool = False
    delivery_timeout: float = 10.0  # real seconds per POST (WebhookTest, notifications)
    # Whether the WebhookTest carries the webhook's static credentials: Bosch's
    # documents do not say.
    webhook_test_credentials: bool = True


@dataclass(frozen=True, slots=True)
class Pki:
    """The CA of the eBike simulator's certificates and its signing certificate."""

    ca: Issued
    signing: Issued


_PKIS: dict[int, Pki] = {}


def pki_of(ca: Issued) -> Pki:
    """The signing certificate under ``ca`` (one per CA: RSA keys are slow)."""
    if ca.cert.serial_number not in _PKIS:
        _PKIS[ca.cert.serial_number] = Pki(
            ca=ca, signing=issue(SIGNER_NAME, issuer=ca, key_kind="rsa")
        )
    return _PKIS[ca.cert.serial_number]


_ALTERNATIVES: dict[tuple[str, int], Signer] = {}


def _alternative(kind: str, ca: Issued) -> Signer:
    """Signing certificates for the tests of who may sign (made on first use)."""
    cache_key = (kind, ca.cert.serial_number)
    if cache_key not in _ALTERNATIVES:
        _ALTERNATIVES[cache_key] = make_signer(kind, ca)
    return _ALTERNATIVES[cache_key]


@dataclass(slots=True)
class WebhookRecord:
    """A subscription as the Notification API stores it."""

    id: str
    url: str
    event_types: list[str]
    created_at: float
    updated_at: float
    description: str | None = None
    authentication: dict[str, str] | None = None

    def to_json(self) -> dict[str, Any]:
        """The API's Webhook object (the secret is write-only)."""
        body: dict[str, Any] = {
            "id": self.id,
            "url": self.url,
            "eventTypes": list(self.event_types),
            "createdAt": iso(self.created_at),
            "updatedAt": iso(self.updated_at),
        }
        if self.description is not None:
            body["description"] = self.description
        if self.authentication is not None:
            body["authentication"] = {
                "name": self.authentication["name"],
                "location": self.authentication["location"],
            }
        return body


class NoSubscriberError(LookupError):
    """No webhook subscribes the event type."""


def problem(status: int, detail: str, kind: str = "about:blank") -> web.Response:
    """An application/problem+json answer."""
    return web.json_response(
        {
            "type": kind,
            "title": _TITLES.get(status, "Error"),
            "status": status,
            "detail": detail,
            "requestId": uuid.uuid4().hex,
        },
        status=status,
        content_type="application/problem+json",
    )


_TITLES = {
    400: "Bad Request",
    401: "Unauthenticated",
    404: "Not Found",
    409: "Conflict",
}


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class EbikeCloud:
    """The simulated eBike cloud (``SimulatedService``)."""

    name = "ebike"

    def __init__(self, options: Options, settings: EbikeSettings | None = None) -> None:
        """Nothing runs until ``start()``."""
        self.options = options
        self.settings = settings or EbikeSettings()
        self.clock = options.clock_for(self.name)
        self.faults = Faults()
        self.delivery_faults = DeliveryFaults()
        self.client_id = self.settings.client_id
        self.client_secret = self.settings.client_secret
        self.payload_shape = self.settings.payload_shape
        self.webhook_test_credentials = self.settings.webhook_test_credentials
        self.state_dir = options.state_dir / "ebike"
        self.bikes: list[Bike] = make_fleet(
            self.settings.bikes, seed=self.settings.seed, now=self.clock.time()
        )
        self.webhooks: dict[str, WebhookRecord] = {}
        self.deliveries: list[Delivery] = []
        self.tokens_issued = 0
        self._jwt_key = secrets.token_bytes(32)
        self._token_generation = 0
        self._signing_kind = "valid"
        self._cert_ids = {kind: str(uuid.uuid4()) for kind in SIGNING_CERTS}
        self._held: Delivery | None = None
        self._webhook_lock = asyncio.Lock()
        self._delivery_count = 0
        self._tick = asyncio.Event()
        self._tasks: set[asyncio.Task[Any]] = set()
        self._loop_task: asyncio.Task[None] | None = None
        self._session: aiohttp.ClientSession | None = None
        self._listener: Listener | None = None
        self._pki = pki_of(options.ca)

    # --- lifecycle -------------------------------------------------------------

    @property
    def ca_pem(self) -> str:
        """The CA (TLS server certificate and signing certificate) as PEM."""
        return self._pki.ca.cert_pem

    def ssl_context(self) -> ssl.SSLContext:
        """A client context that trusts the simulator's CA (for tests)."""
        return self.options.client_context()

    async def start(self) -> None:
        """Start the https listener and the scheduler."""
        self._listener = Listener(
            self.app(),
            public_host=self.options.hostname,
            port=self.options.port(DEFAULT_PORT),
            ssl_context=server_context(self.options, self.state_dir),
        )
        await self._listener.start()
        self._session = aiohttp.ClientSession(
            timeout=aiohttp.ClientTimeout(total=self.settings.delivery_timeout),
            headers={"User-Agent": "Bosch-eBike-Cloud-Simulator"},
        )
        if self.settings.auto_send:
            self._loop_task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        """Stop everything (pending retries are cancelled)."""
        if self._loop_task is not None:
            self._loop_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._loop_task
            self._loop_task = None
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._session is not None:
            await self._session.close()
            self._session = None
        if self._listener is not None:
            await self._listener.stop()
            self._listener = None

    @property
    def api_url(self) -> str:
        """Base URL of the API (https)."""
        assert self._listener is not None, "not started"
        return f"https://{self.options.hostname}:{self._listener.port}"

    @property
    def token_url(self) -> str:
        """The OAuth2 token endpoint."""
        return f"{self.api_url}{TOKEN_PATH}"

    @property
    def cert_url(self) -> str:
        """Where the current signing certificate is served."""
        return f"{self.api_url}{NOTIFY}/certs/{self._cert_ids[self._signing_kind]}"

    def describe(self) -> list[str]:
        """What to type into Home Assistant."""
        return [
            "eBike cloud (Bosch Connect -> eBike; Home Assistant reaches it at"
            " Bosch's addresses through scripts/hass_demo.py):",
            f"  API URL:       {self.api_url}",
            f"  Client ID:     {self.client_id}",
            f"  Client secret: {self.client_secret}",
            f"  Bikes: {len(self.bikes)}. Choose the feature profiles in Home Assistant,"
            " then power the bike on (control page) to apply them;",
            '  then "Ride bike 0" and "Time x30" to watch it move on the map.',
        ]

    def info(self) -> dict[str, Any]:
        """What a test or the e2e suite needs to configure Home Assistant."""
        return {
            "token_url": self.token_url,
            "api_url": self.api_url,
            "port": int(self.api_url.rsplit(":", 1)[1]),
            "client_id": self.client_id,
            "client_secret": self.client_secret,
            "ca_pem": self.ca_pem,
            "cert_url": self.cert_url,
            "bikes": [
                {
                    "index": bike.index,
                    "bikeId": bike.bike_id,
                    "oemBikeId": bike.oem_bike_id,
                    "moduleId": bike.module_id,
                }
                for bike in self.bikes
            ],
        }

    def control_actions(self) -> list[ControlAction]:
        """Buttons on the control page."""
        return [
            ControlAction("Power bike 0 on", "POST", "/bikes/0/power", {"on": True}),
            ControlAction("Power bike 0 off", "POST", "/bikes/0/power", {"on": False}),
            ControlAction("Ride bike 0 (a 5 km loop)", "POST", "/bikes/0/ride", {}),
            ControlAction("Stop bike 0", "DELETE", "/bikes/0/ride"),
            ControlAction(
                "Connect charger to bike 0",
                "POST",
                "/bikes/0/charger",
                {"connected": True},
            ),
            ControlAction(
                "Disconnect charger of bike 0",
                "POST",
                "/bikes/0/charger",
                {"connected": False},
            ),
            ControlAction(
                "BCM battery critical (bike 0)",
                "POST",
                "/bikes/0/bcm-battery",
                {"status": "CHARGE_CRITICAL"},
            ),
            ControlAction(
                "Send BIKE_STATUS of bike 0 now",
                "POST",
                "/bikes/0/send",
                {"type": "BIKE_STATUS"},
            ),
            ControlAction(
                "Send LOCATION_TRACKING of bike 0 now",
                "POST",
                "/bikes/0/send",
                {"type": "LOCATION_TRACKING"},
            ),
            ControlAction("Time x30", "POST", "/clock", {"scale": 30}),
            ControlAction("Real time", "POST", "/clock", {"scale": 1}),
            ControlAction("Advance clock 10 min", "POST", "/clock", {"advance": 600}),
            ControlAction(
                "Fail next sync of bike 0", "POST", "/bikes/0/fail-next-sync"
            ),
        ]

    # --- clock -----------------------------------------------------------------

    def advance(self, seconds: float) -> None:
        """Jump the simulated clock forward and wake every sleeper."""
        self.clock.advance(seconds)
        self._wake()

    def set_time_scale(self, scale: float) -> None:
        """Change the speed of simulated time without a jump."""
        before = self.clock.time()
        self.clock.scale = scale
        self.clock.advance(before - self.clock.time())
        self._wake()

    def _wake(self) -> None:
        event, self._tick = self._tick, asyncio.Event()
        event.set()

    async def sleep(self, seconds: float) -> None:
        """Sleep ``seconds`` of simulated time (wakes early on ``advance``)."""
        due = self.clock.time() + seconds
        while (remaining := due - self.clock.time()) > 0:
            event = self._tick
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(min(remaining / self.clock.scale, MAX_NAP)):
                    await event.wait()

    # --- the https application ------------------------------------------------------

    def app(self) -> web.Application:
        """Token, configuration and notification APIs."""
        app = make_app(self.faults)
        app.router.add_post(TOKEN_PATH, self._token)
        app.router.add_get(f"{CONFIG}/connect-modules", self._list_modules)
        app.router.add_get(f"{CONFIG}/connect-modules/{{id}}", self._get_module)
        app.router.add_put(
            f"{CONFIG}/connect-modules/{{id}}/features/{{feature}}", self._put_feature
        )
        app.router.add_post(f"{NOTIFY}/webhooks", self._create_webhook)
        app.router.add_get(f"{NOTIFY}/webhooks", self._list_webhooks)
        app.router.add_get(f"{NOTIFY}/webhooks/{{id}}", self._get_webhook)
        app.router.add_put(f"{NOTIFY}/webhooks/{{id}}", self._put_webhook)
        app.router.add_delete(f"{NOTIFY}/webhooks/{{id}}", self._delete_webhook)
        app.router.add_get(f"{NOTIFY}/certs/{{id}}", self._get_cert)
        return app

    # --- OAuth2 ------------------------------------------------------------------------

    def issue_token(self) -> str:
        """A signed JWT (HS256) valid for ``token_lifetime`` simulated seconds."""
        now = int(self.clock.time())
        header = {"alg": "HS256", "typ": "JWT", "kid": "sim"}
        claims = {
            "exp": now + int(self.settings.token_lifetime),
            "iat": now,
            "jti": str(uuid.uuid4()),
            "iss": f"{self.api_url}/auth/realms/obc",
            "azp": self.client_id,
            "typ": "Bearer",
            "scope": SCOPE,
            "gen": self._token_generation,
        }
        signing_input = (
            f"{_b64url(json.dumps(header).encode())}."
            f"{_b64url(json.dumps(claims).encode())}"
        )
        mac = hmac.new(self._jwt_key, signing_input.encode(), hashlib.sha256).digest()
        self.tokens_issued += 1
        return f"{signing_input}.{_b64url(mac)}"

    def revoke_tokens(self) -> None:
        """Every token issued so far becomes invalid ("JWT verification fails")."""
        self._token_generation += 1

    def _check_token(self, request: web.Request) -> web.Response | None:
        """None when the bearer token is valid, else the 401 answer."""
        header = request.headers.get("Authorization", "")
        if not header.startswith("Bearer "):
            return problem(
                401,
                "No authentication provided",
                "/problems/authentication-error#no-authentication-provided",
            )
        token = header.removeprefix("Bearer ").strip()
        try:
            head, body, mac = token.split(".")
            expected = hmac.new(
                self._jwt_key, f"{head}.{body}".encode(), hashlib.sha256
            ).digest()
            if not hmac.compare_digest(expected, _b64url_decode(mac)):
                raise ValueError("mac")
            claims = json.loads(_b64url_decode(body))
            if claims.get("gen") != self._token_generation:
                raise ValueError("revoked")
        except ValueError, TypeError:
            return web.Response(status=401, text="JWT verification fails")
        if self.clock.time() >= claims["exp"]:
            return web.Response(status=401, text="JWT is expired")
        return None

    async def _token(self, request: web.Request) -> web.Response:
        form = await request.post()
        client_id = str(form.get("client_id", ""))
        client_secret = str(form.get("client_secret", ""))
        basic = request.headers.get("Authorization", "")
        if basic.startswith("Basic "):
            with contextlib.suppress(ValueError):
                decoded = base64.b64decode(basic[6:]).decode()
                client_id, _, client_secret = decoded.partition(":")
        if form.get("grant_type") != "client_credentials":
            return web.json_response(
                {
                    "error": "unsupported_grant_type",
                    "error_description": "Unsupported grant_type",
                },
                status=400,
            )
        if not (
            hmac.compare_digest(client_id.encode(), self.client_id.encode())
            and hmac.compare_digest(client_secret.encode(), self.client_secret.encode())
        ):
            return web.json_response(
                {
                    "error": "unauthorized_client",
                    "error_description": "Invalid client or Invalid client credentials",
                },
                status=401,
            )
        return web.json_response(
            {
                "access_token": self.issue_token(),
                "expires_in": int(self.settings.token_lifetime),
                "refresh_expires_in": 0,
                "token_type": "Bearer",
                "not-before-policy": 0,
                "scope": SCOPE,
            },
            headers={"Cache-Control": "no-store", "Pragma": "no-cache"},
        )

    # --- configuration API -----------------------------------------------------------

    def bike(self, ref: Bike | str | int) -> Bike:
        """A bike by index, bikeId, oemBikeId or ConnectModule id."""
        if isinstance(ref, Bike):
            return ref
        text = str(ref)
        if text.isdigit() and int(text) < len(self.bikes):
            return self.bikes[int(text)]
        for bike in self.bikes:
            if text in (bike.bike_id, bike.oem_bike_id, bike.module_id):
                return bike
        raise KeyError(text)

    def set_fleet_size(self, count: int) -> None:
        """Grow or shrink the account (0: the account without bikes)."""
        if count > len(self.bikes):
            grown = make_fleet(count, seed=self.settings.seed, now=self.clock.time())
            self.bikes += grown[len(self.bikes) :]
        else:
            del self.bikes[count:]

    def _module(self, request: web.Request) -> Bike | None:
        module_id = request.match_info["id"]
        return next((b for b in self.bikes if b.module_id == module_id), None)

    async def _list_modules(self, request: web.Request) -> web.Response:
        if (refused := self._check_token(request)) is not None:
            return refused
        filters = {
            "bikeId": request.query.get("bikeId"),
            "oemBikeId": request.query.get("oemBikeId"),
            "oemBrandId": request.query.get("oemBrandId"),
        }
        modules = [
            bike.to_json()
            for bike in self.bikes
            if all(
                value is None or bike.to_json()[key] == value
                for key, value in filters.items()
            )
        ]
        return web.json_response({"connectModules": modules})

    async def _get_module(self, request: web.Request) -> web.Response:
        if (refused := self._check_token(request)) is not None:
            return refused
        bike = self._module(request)
        if bike is None:
            return problem(404, "ConnectModule not found")
        body = json.dumps(bike.to_json(), sort_keys=True)
        etag = f'"{hashlib.sha256(body.encode()).hexdigest()[:20]}"'
        if request.headers.get("If-None-Match") == etag:
            return web.Response(status=304, headers={"ETag": etag})
        return web.Response(
            text=body, content_type="application/json", headers={"ETag": etag}
        )

    async def _put_feature(self, request: web.Request) -> web.Response:
        if (refused := self._check_token(request)) is not None:
            return refused
        bike = self._module(request)
        if bike is None:
            return problem(404, "ConnectModule not found")
        feature_type = request.match_info["feature"]
        if feature_type not in FEATURE_TYPES:
            return problem(400, f"Unknown feature type {feature_type}")
        try:
            body = await request.json()
        except ValueError:
            return problem(400, "Request body is not JSON")
        profile = body.get("requestedProfile") if isinstance(body, dict) else None
        if not isinstance(profile, str) or not 1 <= len(profile) <= 30:
            return problem(400, "requestedProfile is required")
        if profile not in SUPPORTED_PROFILES[feature_type]:
            return problem(
                400, f"Profile {profile} is not supported by feature {feature_type}"
            )
        bike.request_profile(feature_type, profile, self.clock.time())
        return web.json_response(bike.features[feature_type].to_json())

    # --- notification API --------------------------------------------------------------

    def _validate_webhook(
        self, body: Any
    ) -> tuple[dict[str, Any], None] | tuple[None, web.Response]:
        if not isinstance(body, dict):
            return None, problem(400, "Request body must be a Webhook object")
        url = body.get("url")
        try:
            parsed = URL(url) if isinstance(url, str) else None
        except ValueError:
            parsed = None
        if parsed is None or not parsed.is_absolute() or not parsed.host:
            return None, problem(400, "url must be an absolute URL")
        # https, as Bosch requires; plain http only to this machine, where the
        # tests' own receivers listen.
        loopback = parsed.host in ("127.0.0.1", "::1", "localhost")
        if parsed.scheme != "https" and not (parsed.scheme == "http" and loopback):
            return None, problem(400, "Only HTTPS is allowed for webhook URLs")
        types = body.get("eventTypes")
        if (
            not isinstance(types, list)
            or not types
            or len(set(map(str, types))) != len(types)
            or any(t not in EVENT_TYPES for t in types)
        ):
            return None, problem(
                400, f"eventTypes must be a non-empty set of {', '.join(EVENT_TYPES)}"
            )
        auth = body.get("authentication")
        if auth is not None and (
            not isinstance(auth, dict)
            or not isinstance(auth.get("name"), str)
            or not auth["name"]
            or not isinstance(auth.get("secret"), str)
            or auth.get("location") not in ("HEADER", "QUERY")
        ):
            return None, problem(
                400, "authentication needs name, secret and location HEADER or QUERY"
            )
        description = body.get("description")
        if description is not None and not isinstance(description, str):
            return None, problem(400, "description must be a string")
        return {
            "url": url,
            "event_types": list(types),
            "description": description,
            "authentication": (
                {
                    "name": auth["name"],
                    "secret": auth["secret"],
                    "location": auth["location"],
                }
                if auth
                else None
            ),
        }, None

    def _conflict(self, types: list[str], own: str | None) -> web.Response | None:
        for hook in self.webhooks.values():
            if hook.id == own:
                continue
            taken = sorted(set(types) & set(hook.event_types))
            if taken:
                return problem(
                    409,
                    f"Event type(s) {', '.join(taken)} already subscribed by "
                    f"webhook {hook.id}",
                    "/problems/event-type-already-subscribed",
                )
        return None

    async def _test_webhook(self, fields: dict[str, Any]) -> web.Response | None:
        """Send the WebhookTest; None if it was answered with 200."""
        body = json.dumps(
            {"type": "WEBHOOK_TEST", "createdAt": iso(self.clock.time())}
        ).encode()
        delivery = self._new_delivery(
            hook=None,
            url=fields["url"],
            event_type="WEBHOOK_TEST",
            bike_id=None,
            body=body,
            authentication=(
                fields["authentication"] if self.webhook_test_credentials else None
            ),
        )
        delivery.retry = False
        await self._attempt(delivery, 0)
        if delivery.status == 200:
            delivery.finish(DELIVERED)
            return None
        delivery.finish(DROPPED)
        attempt = delivery.attempts[-1]
        why = f"HTTP {attempt.status}" if attempt.status else attempt.error
        # The answer quotes the URL (its path is the receiver's secret id).
        return problem(
            400,
            f"The WebhookTest notification to {fields['url']} failed ({why})",
            "/problems/webhook-test-failed",
        )

    def _created(self, hook: WebhookRecord, status: int) -> web.Response:
        headers = {}
        if status == 201:
            headers = {
                "Location": f"{self.api_url}{NOTIFY}/webhooks/{hook.id}",
                "X-Bosch-Cert-Url": self.cert_url,
            }
        return web.json_response(hook.to_json(), status=status, headers=headers)

    async def _create_webhook(self, request: web.Request) -> web.Response:
        if (refused := self._check_token(request)) is not None:
            return refused
        try:
            body = await request.json()
        except ValueError:
            body = None
        fields, refusal = self._validate_webhook(body)
        if fields is None:
            assert refusal is not None
            return refusal
        async with self._webhook_lock:  # one subscription change at a time
            if (conflict := self._conflict(fields["event_types"], None)) is not None:
                return conflict
            if (failed := await self._test_webhook(fields)) is not None:
                return failed
            now = self.clock.time()
            hook = WebhookRecord(
                id=str(uuid.uuid4()), created_at=now, updated_at=now, **fields
            )
            self.webhooks[hook.id] = hook
        return self._created(hook, 201)

    async def _list_webhooks(self, request: web.Request) -> web.Response:
        if (refused := self._check_token(request)) is not None:
            return refused
        return web.json_response(
            {"webhooks": [hook.to_json() for hook in self.webhooks.values()]}
        )

    async def _get_webhook(self, request: web.Request) -> web.Response:
        if (refused := self._check_token(request)) is not None:
            return refused
        hook = self.webhooks.get(request.match_info["id"])
        if hook is None:
            return problem(404, "Webhook not found")
        return web.json_response(hook.to_json())

    async def _put_webhook(self, request: web.Request) -> web.Response:
        if (refused := self._check_token(request)) is not None:
            return refused
        hook = self.webhooks.get(request.match_info["id"])
        if hook is None:
            return problem(404, "Webhook not found")
        try:
            body = await request.json()
        except ValueError:
            body = None
        fields, refusal = self._validate_webhook(body)
        if fields is None:
            assert refusal is not None
            return refusal
        async with self._webhook_lock:
            if (conflict := self._conflict(fields["event_types"], hook.id)) is not None:
                return conflict
            changed = (
                fields["url"] != hook.url
                or fields["authentication"] != hook.authentication
            )
            if changed and (failed := await self._test_webhook(fields)) is not None:
                return failed
            hook.url = fields["url"]
            hook.event_types = fields["event_types"]
            hook.description = fields["description"]
            hook.authentication = fields["authentication"]
            hook.updated_at = self.clock.time()
        return self._created(hook, 200)

    async def _delete_webhook(self, request: web.Request) -> web.Response:
        if (refused := self._check_token(request)) is not None:
            return refused
        if self.webhooks.pop(request.match_info["id"], None) is None:
            return problem(404, "Webhook not found")
        return web.Response(status=204)

    async def _get_cert(self, request: web.Request) -> web.Response:
        cert_id = request.match_info["id"]
        for kind, known in self._cert_ids.items():
            if known == cert_id:
                return web.Response(
                    body=self._signing(kind).pem.encode(),
                    content_type="application/octet-stream",
                )
        return problem(404, "Certificate not found")

    # --- signing and delivery --------------------------------------------------------

    def _signing(self, kind: str) -> Signer:
        if kind == "valid":
            return Signer(self._pki.signing)
        return _alternative(kind, self._pki.ca)

    def rotate_signing_cert(self) -> None:
        """A new valid signing certificate served behind the same URL."""
        signing = issue(SIGNER_NAME, issuer=self._pki.ca, key_kind="rsa")
        self._pki = Pki(ca=self._pki.ca, signing=signing)
        if self.state_dir.exists():
            signing.write(self.state_dir, "signing")

    def use_signing_cert(self, kind: str) -> None:
        """Sign with ``valid`` or another kind of ``simulator.ebike.signers``."""
        if kind not in SIGNING_CERTS:
            raise ValueError(kind)
        self._signing_kind = kind

    @property
    def signing_cert_pem(self) -> str:
        """The certificate that signs now (without the CAs served with it)."""
        return self._signing(self._signing_kind).issued.cert_pem

    def _headers(self, body: bytes) -> dict[str, str]:
        faults = self.delivery_faults
        key = self._signing(self._signing_kind).issued.key
        assert isinstance(key, rsa.RSAPrivateKey)
        signature = sign(key, body + b" " if faults.invalid_signature else body)
        cert_url = self.cert_url
        if faults.foreign_cert_url:
            cert_url = f"{self.api_url}/foreign/certs/{self._cert_ids['valid']}"
        if faults.http_cert_url:
            cert_url = cert_url.replace("https://", "http://", 1)
        headers = {
            "Content-Type": "application/json",
            "X-Bosch-Sig": signature,
            "X-Bosch-Sig-Algo": "SHA1withRSA" if faults.wrong_algorithm else ALGORITHM,
            "X-Bosch-Cert-Url": cert_url,
        }
        if faults.missing_signature:
            del headers["X-Bosch-Sig"]
        return headers

    def _address(
        self, url: str, body: bytes, authentication: dict[str, str] | None
    ) -> tuple[str, dict[str, str]]:
        """The signed headers and the URL (with static authentication) of a POST."""
        headers = self._headers(body)
        target = URL(url)
        if authentication is not None:
            secret = authentication["secret"]
            if self.delivery_faults.wrong_secret:
                secret = "not-" + secret
            if authentication["location"] == "HEADER":
                headers[authentication["name"]] = secret
            else:
                target = target.update_query({authentication["name"]: secret})
        return str(target), headers

    def signed_request(
        self, event_type: str, body: bytes
    ) -> tuple[str, dict[str, str]]:
        """(url, headers) of a notification exactly as it would be delivered.

        For load generators: sign ``body`` for the webhook that subscribes
        ``event_type`` (static authentication and fault switches included),
        without recording a delivery. Raises NoSubscriberError.
        """
        hook = self.subscriber(event_type)
        if hook is None:
            raise NoSubscriberError(event_type)
        return self._address(hook.url, body, hook.authentication)

    def _new_delivery(
        self,
        *,
        hook: WebhookRecord | None,
        url: str,
        event_type: str,
        bike_id: str | None,
        body: bytes,
        authentication: dict[str, str] | None,
    ) -> Delivery:
        target, headers = self._address(url, body, authentication)
        self._delivery_count += 1
        delivery = Delivery(
            id=self._delivery_count,
            webhook_id=hook.id if hook else None,
            url=target,
            event_type=event_type,
            bike_id=bike_id,
            body=body,
            headers=headers,
            created=self.clock.time(),
        )
        self.deliveries.append(delivery)
        del self.deliveries[:-MAX_LOGGED_DELIVERIES]  # a long demo stays small
        return delivery

    async def _attempt(self, delivery: Delivery, number: int) -> None:
        assert self._session is not None, "not started"
        status: int | None = None
        error: str | None = None
        try:
            async with self._session.post(
                URL(delivery.url, encoded=True),
                data=delivery.body,
                headers=delivery.headers,
                ssl=self.settings.verify_webhook_tls,
                allow_redirects=False,
            ) as response:
                status = response.status
                await response.read()
        except (aiohttp.ClientError, TimeoutError, OSError) as err:
            error = type(err).__name__
        delivery.record(Attempt(number, self.clock.time(), status, error))
        _LOGGER.debug(
            "Delivery %s (%s) attempt %s: %s",
            delivery.id,
            delivery.event_type,
            number,
            status or error,
        )

    async def _deliver(self, delivery: Delivery) -> None:
        """First try, then the retries on the simulated clock, then drop."""
        await self._attempt(delivery, 0)
        for number, delay in enumerate(RETRY_DELAYS, start=1):
            if delivery.attempts[-1].ok:
                delivery.finish(DELIVERED)
                return
            if not delivery.retry:
                break
            await self.sleep(delay)
            await self._attempt(delivery, number)
        delivery.finish(DELIVERED if delivery.attempts[-1].ok else DROPPED)

    def _spawn(self, delivery: Delivery, after: Delivery | None = None) -> None:
        async def run() -> None:
            if after is not None:
                await after.first_attempt()
            await self._deliver(delivery)

        task = asyncio.create_task(run())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def subscriber(self, event_type: str) -> WebhookRecord | None:
        """The webhook subscribing ``event_type``."""
        return next(
            (h for h in self.webhooks.values() if event_type in h.event_types), None
        )

    def build_body(self, bike: Bike, event_type: str) -> bytes:
        """The notification body for a bike now (honours malformed_body)."""
        now = self.clock.time()
        bike.advance(now)
        if event_type == "BIKE_STATUS":
            payload: Any = bike.bike_status(now, self.payload_shape)
        elif event_type == "LOCATION_TRACKING":
            payload = bike.location_tracking(now, self.payload_shape)
        elif event_type == "BIKE_PROFILE":
            payload = bike.bike_profile(now)
        else:
            payload = {
                "type": event_type,
                "createdAt": iso(now),
                "bikeId": bike.bike_id,
            }
        body = json.dumps(payload).encode()
        if self.delivery_faults.malformed_body:
            body = body[: len(body) // 2]
        return body

    def notify(
        self, bike: Bike | str | int, event_type: str, *, via: str | None = None
    ) -> list[Delivery]:
        """Queue a notification (and its fault copies); returns the deliveries."""
        hook = self.subscriber(via or event_type)
        if hook is None:
            raise NoSubscriberError(event_type)
        target = self.bike(bike)
        body = self.build_body(target, event_type)
        copies = 2 if self.delivery_faults.duplicate else 1
        made = [
            self._new_delivery(
                hook=hook,
                url=hook.url,
                event_type=event_type,
                bike_id=target.bike_id,
                body=body,
                authentication=hook.authentication,
            )
            for _ in range(copies)
        ]
        for delivery in made:
            if self.delivery_faults.reorder and self._held is None:
                delivery.state = HELD
                self._held = delivery
                continue
            self._spawn(delivery)
            if self._held is not None and self._held is not delivery:
                held, self._held = self._held, None
                held.state = PENDING
                self._spawn(held, after=delivery)
        return made

    async def deliver_now(
        self, bike: Bike | str | int, event_type: str, *, via: str | None = None
    ) -> Delivery:
        """Send a notification now; returns after its first attempt.

        Later retries run in the background (``await delivery.wait()``).
        With the duplicate or reorder faults, the first of the deliveries
        is returned (see ``deliveries`` for all).
        """
        made = self.notify(bike, event_type, via=via)
        for delivery in made:
            if delivery.state != HELD:
                await delivery.first_attempt()
        # A reordered delivery that went after this one is awaited too.
        for delivery in self.deliveries:
            if delivery.state not in (HELD,) and not delivery.attempts:
                await delivery.first_attempt()
        return made[0]

    def release_held(self) -> Delivery | None:
        """Send a delivery held back by the reorder fault now (if any)."""
        held, self._held = self._held, None
        if held is not None:
            held.state = PENDING
            self._spawn(held)
        return held

    async def wait_idle(self) -> None:
        """Until every started delivery is delivered or dropped.

        Pending retries wait on the simulated clock: advance it (or scale it)
        when a receiver fails, else this waits up to 11 simulated minutes.
        """
        for delivery in list(self.deliveries):
            if delivery.state != HELD:
                await delivery.wait()

    async def _trigger(self, bike: Bike, reason: str) -> list[Delivery]:
        """An immediate BIKE_STATUS (profiles DEFAULT, FLEET, CHARGING)."""
        _LOGGER.debug("Bike %s: %s", bike.index, reason)
        if bike.features["BIKE_STATUS"].active_profile is None:
            return []
        if self.subscriber("BIKE_STATUS") is None:
            return []
        made = self.notify(bike, "BIKE_STATUS")
        for delivery in made:
            if delivery.state != HELD:
                await delivery.first_attempt()
        return made

    # --- bike actions (control routes and tests) -------------------------------------

    async def power(self, bike: Bike | str | int, on: bool = True) -> list[Delivery]:
        """Power a bike on (syncs pending configuration) or off."""
        target = self.bike(bike)
        now = self.clock.time()
        target.advance(now)
        target.powered = on
        if on:
            target.sync(now)
        else:
            if target.moving:
                target.stop_ride(now)  # where it stands: isMoving false
            target.light_on = False
        target.next_due.clear()
        return await self._trigger(target, "power_on" if on else "power_off")

    async def power_on(self, bike: Bike | str | int) -> list[Delivery]:
        """Power a bike on."""
        return await self.power(bike, True)

    async def start_ride(
        self,
        bike: Bike | str | int,
        route: list[tuple[float, float]] | None = None,
        speed: float = 6.0,
    ) -> list[Delivery]:
        """Power on if needed and ride along ``route`` at ``speed`` m/s."""
        target = self.bike(bike)
        made: list[Delivery] = []
        if not target.powered:
            made = await self.power(target, True)
        target.start_ride(self.clock.time(), route, speed)
        target.next_due.clear()
        return made

    def stop_ride(self, bike: Bike | str | int) -> None:
        """Stop riding (the bike stays on)."""
        target = self.bike(bike)
        target.stop_ride(self.clock.time())
        target.next_due.clear()

    async def set_charger(
        self, bike: Bike | str | int, connected: bool = True
    ) -> list[Delivery]:
        """Connect the charger (charging starts below 100 %) or disconnect it."""
        target = self.bike(bike)
        target.advance(self.clock.time())
        target.charger_connected = connected
        target.charging = connected and target.soc < 100
        if connected and target.moving:
            target.stop_ride(self.clock.time())
        target.next_due.clear()
        return await self._trigger(
            target, "charger_connected" if connected else "charger_disconnected"
        )

    async def set_bcm_battery(
        self, bike: Bike | str | int, status: str
    ) -> list[Delivery]:
        """Set the BCM's internal battery status (e.g. CHARGE_CRITICAL)."""
        if status not in BCM_STATUSES:
            raise ValueError(status)
        target = self.bike(bike)
        target.bcm_status = status
        target.next_due.clear()
        if status in ("NEED_CHARGE", "CHARGE_CRITICAL"):
            return await self._trigger(target, f"bcm_{status.lower()}")
        return []

    def fail_next_sync(self, bike: Bike | str | int) -> None:
        """The next configuration sync of this bike ends in ERROR."""
        self.bike(bike).fail_next_sync = True

    # --- periodic notifications ------------------------------------------------------

    async def _run(self) -> None:
        while True:
            try:
                await self.step()
            except Exception:
                _LOGGER.exception("eBike simulator step failed")
            await self.sleep(TICK)

    async def step(self) -> None:
        """Advance every bike to now; send what is due."""
        now = self.clock.time()
        for bike in list(self.bikes):
            for reason in bike.advance(now):
                await self._trigger(bike, reason)
            self._ride_ended(bike, now)
            for feature in FEATURE_TYPES:
                interval = bike.interval(feature)
                if interval is None or self.subscriber(feature) is None:
                    bike.next_due.pop(feature, None)
                    continue
                known = bike.next_due.get(feature)
                if known is None or known[0] != interval:
                    bike.next_due[feature] = (interval, now + interval)
                elif now >= known[1]:
                    bike.next_due[feature] = (interval, now + interval)
                    self.notify(bike, feature)

    def _ride_ended(self, bike: Bike, now: float) -> None:
        """The final position of a ride (isMoving false), sent when the ride ends.

        The last LOCATION_TRACKING said the bike moves; it stopped since (the
        route's end, "Stop ride", powered off). Without this report the
        receiver would see the bike moving until the next one, a day later.
        """
        if not bike.reported_moving or bike.moving:
            return
        if bike.interval("LOCATION_TRACKING") is None:
            return  # the feature is off: nothing was going to be sent
        if self.subscriber("LOCATION_TRACKING") is None:
            bike.reported_moving = False  # no one to tell
            return
        self.notify(bike, "LOCATION_TRACKING")
        interval = bike.interval("LOCATION_TRACKING")
        assert interval is not None
        bike.next_due["LOCATION_TRACKING"] = (interval, now + interval)

    # --- control routes ---------------------------------------------------------------

    def control_routes(self) -> list[web.RouteDef]:
        """Routes under ``/ebike/`` on the control server."""

        def find(request: web.Request) -> Bike:
            try:
                return self.bike(request.match_info["bike"])
            except KeyError:
                raise web.HTTPNotFound(text="no such bike") from None

        async def body_of(request: web.Request) -> dict[str, Any]:
            if not request.can_read_body:
                return {}
            data = await request.json()
            return data if isinstance(data, dict) else {}

        def summary(made: list[Delivery]) -> web.Response:
            return web.json_response({"deliveries": [d.to_json() for d in made]})

        async def bikes(request: web.Request) -> web.Response:
            return web.json_response(
                [
                    {
                        **bike.to_json(),
                        "index": bike.index,
                        "powered": bike.powered,
                        "moving": bike.moving,
                        "chargerConnected": bike.charger_connected,
                        "charging": bike.charging,
                        "stateOfCharge": round(bike.soc, 1),
                        "position": bike.position,
                        "odometer": round(bike.odometer_m),
                        "bcmStatus": bike.bcm_status,
                    }
                    for bike in self.bikes
                ]
            )

        async def power(request: web.Request) -> web.Response:
            body = await body_of(request)
            return summary(await self.power(find(request), bool(body.get("on", True))))

        async def ride(request: web.Request) -> web.Response:
            body = await body_of(request)
            route = body.get("route")
            points = [(float(p[0]), float(p[1])) for p in route] if route else None
            return summary(
                await self.start_ride(
                    find(request), points, float(body.get("speed", 6.0))
                )
            )

        async def stop(request: web.Request) -> web.Response:
            self.stop_ride(find(request))
            return web.json_response({"moving": False})

        async def charger(request: web.Request) -> web.Response:
            body = await body_of(request)
            return summary(
                await self.set_charger(find(request), bool(body.get("connected", True)))
            )

        async def bcm(request: web.Request) -> web.Response:
            body = await body_of(request)
            try:
                made = await self.set_bcm_battery(
                    find(request), str(body.get("status", "CHARGE_CRITICAL"))
                )
            except ValueError:
                raise web.HTTPBadRequest(text="unknown BCM battery status") from None
            return summary(made)

        async def light(request: web.Request) -> web.Response:
            body = await body_of(request)
            find(request).light_on = bool(body.get("on", True))
            return web.json_response({"light": find(request).light_on})

        async def fail_sync(request: web.Request) -> web.Response:
            self.fail_next_sync(find(request))
            return web.json_response({"failNextSync": True})

        async def send(request: web.Request) -> web.Response:
            body = await body_of(request)
            try:
                made = await self.deliver_now(
                    find(request), str(body.get("type", "BIKE_STATUS"))
                )
            except NoSubscriberError:
                raise web.HTTPConflict(text="no webhook subscribes this type") from None
            return summary([made])

        async def clock(request: web.Request) -> web.Response:
            body = await body_of(request)
            if "scale" in body:
                self.set_time_scale(float(body["scale"]))
            if "advance" in body:
                self.advance(float(body["advance"]))
            return web.json_response(
                {"scale": self.clock.scale, "now": iso(self.clock.time())}
            )

        async def info(request: web.Request) -> web.Response:
            return web.json_response(self.info())

        async def deliveries(request: web.Request) -> web.Response:
            return web.json_response([d.to_json() for d in self.deliveries])

        async def faults(request: web.Request) -> web.Response:
            if request.method == "POST":
                try:
                    self.delivery_faults.update(await body_of(request))
                except KeyError as err:
                    raise web.HTTPBadRequest(text=f"unknown fault {err}") from None
            elif request.method == "DELETE":
                self.delivery_faults.clear()
            return web.json_response(self.delivery_faults.to_json())

        async def settings(request: web.Request) -> web.Response:
            body = await body_of(request)
            try:
                if "signing" in body:
                    self.use_signing_cert(str(body["signing"]))
                if "webhook_test_credentials" in body:
                    self.webhook_test_credentials = bool(
                        body["webhook_test_credentials"]
                    )
                if "shape" in body:
                    if body["shape"] not in SHAPES:
                        raise ValueError(body["shape"])
                    self.payload_shape = str(body["shape"])
                if "bikes" in body:
                    self.set_fleet_size(int(body["bikes"]))
                if body.get("revoke_tokens"):
                    self.revoke_tokens()
                if "client_secret" in body:
                    self.client_secret = str(body["client_secret"])
            except ValueError as err:
                raise web.HTTPBadRequest(text=f"invalid setting {err}") from None
            return web.json_response(
                {
                    "signing": self._signing_kind,
                    "shape": self.payload_shape,
                    "bikes": len(self.bikes),
                }
            )

        return [
            web.get("/info", info),
            web.get("/bikes", bikes),
            web.post("/bikes/{bike}/power", power),
            web.post("/bikes/{bike}/ride", ride),
            web.delete("/bikes/{bike}/ride", stop),
            web.post("/bikes/{bike}/charger", charger),
            web.post("/bikes/{bike}/bcm-battery", bcm),
            web.post("/bikes/{bike}/light", light),
            web.post("/bikes/{bike}/fail-next-sync", fail_sync),
            web.post("/bikes/{bike}/send", send),
            web.post("/clock", clock),
            web.get("/deliveries", deliveries),
            web.get("/delivery-faults", faults),
            web.post("/delivery-faults", faults),
            web.delete("/delivery-faults", faults),
            web.post("/settings", settings),
        ]
