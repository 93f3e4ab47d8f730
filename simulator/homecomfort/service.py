"""The Home Comfort Partner API simulator.

Security, as the Bosch document describes it:

* API keys ``xHCSAPI.<keyId>.<expiry YYYYMMDDTHHMMSSZ>.<secret>`` in the
  ``x-api-key`` header; a missing, unknown or expired key is answered with 401.
  Expiry is judged by the simulated clock (``options.clock`` plus an offset
  of this service's own, see :class:`ServiceClock`), which also stamps the
  ``Date`` header of every response.
* A client address that is not on the partner's allow list gets 403
  ``IP_NOT_ALLOWED``.
* https only, with a certificate of the simulator's CA (``options.ca``).
* ``GET /api-keys/me``, ``POST /api-keys`` (a new key valid six months; at most
  10 valid keys per partner, then 409 ``API_KEY_LIMIT_REACHED``),
  ``DELETE /api-keys/{keyId}`` (204; 409 ``CANNOT_DELETE_OWN_KEY`` for the key
  making the request; 404 for an unknown key).

The real Partner API reference is not public; these bodies are our design.
Errors are ``{"code": "...", "message": "..."}``.

``GET /api-keys/me``::

    {"keyId": "k1a2b3c4d5e6", "companyId": "...", "expiresAt": "2027-05-22T06:00:00Z",
     "createdAt": "2026-11-22T06:00:00Z"}

``POST /api-keys`` (201)::

    {"apiKey": "xHCSAPI.<keyId>.<expiry>.<secret>", "keyId": "...", "expiresAt": "..."}

``GET /contracts`` -> ``{"contracts": [<contract>, ...]}``, ``GET /contracts/{gatewayId}``
-> ``<contract>``::

    {"gatewayId": "101506113", "userId": "...", "status": "ACTIVE",
     "consentVersion": "2024-07", "gatewayType": "K40"}

``status`` is one of ``ACTIVE``, ``PENDING``, ``REJECTED``, ``REVOKED``, ``CLOSED``;
``consentVersion`` is ``null`` when the owner has not granted access.

Gateway endpoints (``/hvacs/{gatewayId}/...``): 404 without a contract, 403
``CONTRACT_NOT_ACTIVE`` unless the contract is active, 403 ``CONSENT_MISSING``
when the owner has not granted access. The remote-control endpoints (heating
and hot-water circuits) also need ``x-user-id`` equal to the contract's user
(400 ``MISSING_USER_ID``, 403 ``USER_ID_MISMATCH``) and the latest consent
(451 ``CONSENT_OUTDATED``).

``GET /hvacs/{gatewayId}/components``::

    {"gatewayId": "101506113", "gatewayType": "K40", "firmware": "15.00.01",
     "components": [{"type": "HEAT_PUMP", "brand": "Bosch", "model": "Compress 6800i AW",
                     "serialNumber": "..."}],
     "heatingCircuits": [{"id": "hc1"}, {"id": "hc2"}], "dhwCircuits": [{"id": "dhw1"}]}

``GET /hvacs/{gatewayId}/heatingCircuits/{circuitId}``::

    {"id": "hc1", "name": "Ground floor",
     "roomTemperature": {"value": 21.4, "unit": "C"},
     "setpoint": {"value": 21.0, "min": 5.0, "max": 30.0, "step": 0.5, "unit": "C"},
     "operationMode": "auto", "allowedOperationModes": ["auto", "manual", "off"],
     "flowTemperature": {"value": 34.5, "unit": "C"}, "humidity": 45.0,
     "status": "HEATING"}

``PATCH`` takes ``{"setpoint": 22.5}`` and/or ``{"operationMode": "manual"}``
(400 ``VALUE_OUT_OF_RANGE`` / ``MODE_NOT_ALLOWED`` / ``INVALID_BODY``) and
answers 200 with the circuit.

``GET /hvacs/{gatewayId}/dhwCircuits/{circuitId}``::

    {"id": "dhw1", "actualTemperature": {"value": 48.5, "unit": "C"},
     "setpoint": {"value": 50.0, "min": 30.0, "max": 60.0, "step": 1.0, "unit": "C"},
     "operationMode": "eco", "allowedOperationModes": ["off", "eco", "high", "auto"]}

``GET /hvacs/{gatewayId}/dhwCircuits/{circuitId}/charge``::

    {"id": "dhw1", "chargeStatus": "IDLE", "remainingTimeMinutes": 0}

Rate limiting: at most ``rate_limit`` requests per ``rate_window`` simulated
seconds per partner, method and path (the real API keys its limit on the path
parameters too), then 429 with ``Retry-After``. Control routes can inject 429s.

Control routes (mounted under ``/homecomfort/`` on the control server):
``POST /clock`` ``{"days": n}`` or ``{"seconds": n}``; ``POST /consent``
``{"gateway_id": ..., "state": "current"|"outdated"|"missing"}``;
``POST /allow-list`` ``{"addresses": [...]}``; ``GET /keys``; ``POST /keys``
(issue a key as Bosch's manual process would); ``POST /rate-limit``
``{"count": n, "retry_after": s}`` and/or ``{"limit": n, "window": s}``;
``GET /state`` (the heating state).

Besides the shared ``faults`` (which act before a request is handled), tests
can make the API fail after it acted: ``lose_answers(method, prefix)`` handles
a request and then drops the connection (a key created or deleted whose answer
never arrives); ``garbled_key_answer`` makes the next ``POST /api-keys`` create
a key but answer with the given text as ``apiKey``; ``next_key_expires`` makes
the next ``POST /api-keys`` create (and answer with) a key with that expiry
instead of six months (a broken API handing out useless keys).

Clock skew: ``clock.advance(seconds)`` sets this API's clock apart from the
machine's (the ``Date`` headers and the keys' expiry follow it). Answers that
the shared ``faults`` inject come from "a front end": aiohttp stamps their
``Date`` with the machine's real time, not the API's clock.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict, deque
import copy
from dataclasses import dataclass, field
import datetime as dt
from email.utils import format_datetime
import hmac
import json
from pathlib import Path
import secrets
from typing import Any

from aiohttp import web

from simulator.clock import Clock
from simulator.faults import Faults, Handler
from simulator.options import Options
from simulator.server import ControlAction, Listener, make_app, server_context

DEFAULT_PORT = 8460
PREFIX = "xHCSAPI"
EXPIRY_FORMAT = "%Y%m%dT%H%M%SZ"
MAX_VALID_KEYS = 10
LATEST_CONSENT = "2024-07"
OUTDATED_CONSENT = "2023-05"

DEMO_COMPANY_ID = "c0a8f3e2-5b7d-4e21-9a6c-3f1e2d4b5a60"
DEMO_USER_ID = "f3b0c442-98fc-4c1b-a7e8-1d2e3f4a5b6c"
OTHER_USER_ID = "0d9e8f7a-6b5c-4d3e-8f2a-1b0c9d8e7f6a"

CONSENT_STATES = ("current", "outdated", "missing")


def add_months(moment: dt.datetime, months: int) -> dt.datetime:
    """``moment`` plus whole calendar months (the day clamped to the month)."""
    month_index = moment.month - 1 + months
    year = moment.year + month_index // 12
    month = month_index % 12 + 1
    for day in (moment.day, 30, 29, 28):
        try:
            return moment.replace(year=year, month=month, day=day)
        except ValueError:
            continue
    raise ValueError(moment)  # pragma: no cover - day 28 exists in every month


def iso(moment: dt.datetime) -> str:
    """UTC timestamp as ``2026-11-22T06:00:00Z``."""
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def error(status: int, code: str, message: str, **headers: str) -> web.Response:
    """An error response of the Partner API."""
    return web.json_response(
        {"code": code, "message": message}, status=status, headers=headers or None
    )


@dataclass(slots=True)
class ApiKey:
    """One API key of the partner."""

    key_id: str
    secret: str
    expires: dt.datetime
    created: dt.datetime

    @property
    def value(self) -> str:
        """The key as the partner sends it."""
        return f"{PREFIX}.{self.key_id}.{self.expires.strftime(EXPIRY_FORMAT)}.{self.secret}"

    def to_json(self) -> dict[str, str]:
        """Persisted form."""
        return {
            "keyId": self.key_id,
            "secret": self.secret,
            "expiresAt": iso(self.expires),
            "createdAt": iso(self.created),
        }

    @classmethod
    def from_json(cls, data: dict[str, str]) -> ApiKey:
        """Read the persisted form."""
        return cls(
            key_id=data["keyId"],
            secret=data["secret"],
            expires=dt.datetime.fromisoformat(data["expiresAt"]),
            created=dt.datetime.fromisoformat(data["createdAt"]),
        )


@dataclass(slots=True)
class Gateway:
    """A gateway under contract with the partner, and its heating system."""

    gateway_id: str
    user_id: str
    status: str = "ACTIVE"
    consent: str = "current"
    gateway_type: str = "K40"
    components: list[dict[str, Any]] = field(default_factory=list)
    heating_circuits: dict[str, dict[str, Any]] = field(default_factory=dict)
    dhw_circuits: dict[str, dict[str, Any]] = field(default_factory=dict)

    def contract(self) -> dict[str, Any]:
        """The contract as ``GET /contracts`` shows it."""
        version = {"current": LATEST_CONSENT, "outdated": OUTDATED_CONSENT}.get(
            self.consent
        )
        return {
            "gatewayId": self.gateway_id,
            "userId": self.user_id,
            "status": self.status,
            "consentVersion": version,
            "gatewayType": self.gateway_type,
        }


def _heating_circuit(
    circuit_id: str,
    *,
    name: str,
    room: float,
    setpoint: float,
    modes: list[str],
    flow: float,
    humidity: float | None,
) -> dict[str, Any]:
    return {
        "id": circuit_id,
        "name": name,
        "roomTemperature": {"value": room, "unit": "C"},
        "setpoint": {
            "value": setpoint,
            "min": 5.0,
            "max": 30.0,
            "step": 0.5,
            "unit": "C",
        },
        "operationMode": "auto",
        "allowedOperationModes": modes,
        "flowTemperature": {"value": flow, "unit": "C"},
        "humidity": humidity,
        "status": "HEATING",
    }


def _dhw_circuit(circuit_id: str, actual: float, setpoint: float) -> dict[str, Any]:
    return {
        "id": circuit_id,
        "actualTemperature": {"value": actual, "unit": "C"},
        "setpoint": {
            "value": setpoint,
            "min": 30.0,
            "max": 60.0,
            "step": 1.0,
            "unit": "C",
        },
        "operationMode": "eco",
        "allowedOperationModes": ["off", "eco", "high", "auto"],
        "charge": {"chargeStatus": "IDLE", "remainingTimeMinutes": 0},
    }


def demo_gateways() -> dict[str, Gateway]:
    """Two active gateways of the demo user, a pending one, one of another user."""
    house = Gateway(
        gateway_id="101506113",
        user_id=DEMO_USER_ID,
        components=[
            {
                "type": "HEAT_PUMP",
                "brand": "Bosch",
                "model": "Compress 6800i AW",
                "serialNumber": "7739621234",
            }
        ],
        heating_circuits={
            "hc1": _heating_circuit(
                "hc1",
                name="Ground floor",
                room=21.4,
                setpoint=21.0,
                modes=["auto", "manual", "off"],
                flow=34.5,
                humidity=45.0,
            ),
            "hc2": _heating_circuit(
                "hc2",
                name="Floor heating",
                room=20.2,
                setpoint=20.5,
                modes=["auto", "manual", "eco", "off"],
                flow=29.0,
                humidity=None,
            ),
        },
        dhw_circuits={"dhw1": _dhw_circuit("dhw1", 48.5, 50.0)},
    )
    cottage = Gateway(
        gateway_id="101506229",
        user_id=DEMO_USER_ID,
        gateway_type="MX400",
        components=[
            {
                "type": "BOILER",
                "brand": "Buderus",
                "model": "Logamax plus GB192i",
                "serialNumber": "8738801111",
            }
        ],
        heating_circuits={
            "hc1": _heating_circuit(
                "hc1",
                name="Cottage",
                room=18.1,
                setpoint=18.0,
                modes=["auto", "manual", "off"],
                flow=41.0,
                humidity=52.0,
            )
        },
        dhw_circuits={"dhw1": _dhw_circuit("dhw1", 55.0, 55.0)},
    )
    pending = Gateway(gateway_id="101507001", user_id=DEMO_USER_ID, status="PENDING")
    other = Gateway(
        gateway_id="101508888",
        user_id=OTHER_USER_ID,
        heating_circuits={
            "hc1": _heating_circuit(
                "hc1",
                name="Neighbour",
                room=22.0,
                setpoint=22.0,
                modes=["auto", "manual", "off"],
                flow=35.0,
                humidity=None,
            )
        },
    )
    return {g.gateway_id: g for g in (house, cottage, pending, other)}


class ServiceClock:
    """The Partner API's clock (``options.clock_for("homecomfort")``) plus an offset.

    Moving the Partner API's clock (past the key renewal threshold) must not
    move the clocks of the other simulated services.
    """

    def __init__(self, base: Clock) -> None:
        """Follow ``base``."""
        self.base = base
        self.offset = 0.0

    def time(self) -> float:
        """Simulated seconds since the epoch."""
        return self.base.time() + self.offset

    def now(self) -> dt.datetime:
        """Simulated time as an aware UTC datetime."""
        return dt.datetime.fromtimestamp(self.time(), dt.UTC)

    def advance(self, seconds: float) -> None:
        """Jump forward (or back) by ``seconds``."""
        self.offset += seconds


class HomeComfortService:
    """The simulated Partner API of one partner (company)."""

    name = "homecomfort"

    def __init__(self, options: Options) -> None:
        """Load or create the partner's keys; build the app (not started yet)."""
        self.options = options
        self.clock = ServiceClock(options.clock_for(self.name))
        self.faults = Faults()
        self.state_dir = options.state_dir / "homecomfort"
        self.company_id = DEMO_COMPANY_ID
        self.user_id = DEMO_USER_ID
        self.keys: dict[str, ApiKey] = {}
        self.gateways = demo_gateways()
        self.allow_list: set[str] = {"127.0.0.1", "::1"}
        self.rate_limit = 60
        self.rate_window = 60.0
        self._hits: dict[tuple[str, str], deque[float]] = defaultdict(deque)
        self._forced_429: list[int] = []  # Retry-After of each injected 429
        # (method, path prefix) -> how many answers to lose after handling
        self._lost_answers: dict[tuple[str, str], int] = {}
        # A broken API: the next POST /api-keys creates a key but answers this.
        self.garbled_key_answer: str | None = None
        # A broken API: the next POST /api-keys creates a key expiring then.
        self.next_key_expires: dt.datetime | None = None
        self._load()
        if not self.valid_keys():
            self.issue_key()
        app = make_app(self.faults)
        app.middlewares.append(self._guard)
        app.add_routes(self._routes())
        self.listener = Listener(
            app,
            public_host=options.hostname,
            port=options.port(DEFAULT_PORT),
            ssl_context=server_context(options, self.state_dir),
        )

    # ----------------------------------------------------------------- state
    @property
    def url(self) -> str:
        """The API domain as a URL (https)."""
        return self.listener.url

    @property
    def key(self) -> str:
        """A valid key (the newest), as Bosch would hand it out at onboarding."""
        return max(self.valid_keys(), key=lambda k: k.expires).value

    def _state_file(self) -> Path:
        return self.state_dir / "state.json"

    def _load(self) -> None:
        path = self._state_file()
        if not path.exists():
            return
        data = json.loads(path.read_text())
        self.keys = {k["keyId"]: ApiKey.from_json(k) for k in data.get("keys", [])}

    def _save(self) -> None:
        self.state_dir.mkdir(parents=True, exist_ok=True)
        data = {
            "companyId": self.company_id,
            "keys": [k.to_json() for k in self.keys.values()],
        }
        self._state_file().write_text(json.dumps(data, indent=2))

    def now(self) -> dt.datetime:
        """Simulated now, whole seconds (what the ``Date`` header can carry)."""
        return self.clock.now().replace(microsecond=0)

    def valid_keys(self) -> list[ApiKey]:
        """Keys that have not expired."""
        now = self.now()
        return [k for k in self.keys.values() if k.expires > now]

    def issue_key(self, *, expires: dt.datetime | None = None) -> ApiKey:
        """A new key valid six months (no limit check: the manual process).

        ``expires``: another expiry (whole seconds, UTC), for tests.
        """
        now = self.now()
        key = ApiKey(
            key_id="k" + secrets.token_hex(6),
            secret=secrets.token_urlsafe(24),
            expires=(
                expires.astimezone(dt.UTC).replace(microsecond=0)
                if expires is not None
                else add_months(now, 6)
            ),
            created=now,
        )
        self.keys[key.key_id] = key
        self._save()
        return key

    def set_consent(self, gateway_id: str, state: str) -> None:
        """Owner consent of a gateway: ``current``, ``outdated`` or ``missing``."""
        if state not in CONSENT_STATES:
            raise ValueError(f"unknown consent state {state!r}")
        self.gateways[gateway_id].consent = state

    def inject_rate_limit(self, count: int, retry_after: int) -> None:
        """Answer the next ``count`` API requests with 429 and ``Retry-After``."""
        self._forced_429.extend([retry_after] * count)

    def lose_answers(self, method: str, path_prefix: str, count: int = 1) -> None:
        """Handle the next ``count`` matching requests, then drop the connection.

        The request takes effect (a key is created or deleted) but the client
        never sees the answer - unlike ``faults``, which act before the handler.
        """
        self._lost_answers[(method.upper(), path_prefix)] = count

    def _answer_lost(self, request: web.Request) -> bool:
        for (method, prefix), count in self._lost_answers.items():
            if (
                count > 0
                and request.method == method
                and request.path.startswith(prefix)
            ):
                self._lost_answers[(method, prefix)] = count - 1
                return True
        return False

    # ------------------------------------------------------------ lifecycle
    async def start(self) -> None:
        """Serve the API."""
        await self.listener.start()

    async def stop(self) -> None:
        """Stop serving."""
        await self.listener.stop()

    def describe(self) -> list[str]:
        """What to type into Home Assistant."""
        return [
            "Home Comfort Partner API (cloud)",
            f"  API domain: {self.url}",
            f"  API key:    {self.key}",
            f"  User ID:    {self.user_id}",
        ]

    # ------------------------------------------------------------ middleware

    def _authenticate(self, request: web.Request) -> ApiKey | web.Response:
        raw = request.headers.get("x-api-key")
        if not raw:
            return error(401, "MISSING_API_KEY", "The x-api-key header is missing.")
        parts = raw.split(".")
        key = (
            self.keys.get(parts[1]) if len(parts) == 4 and parts[0] == PREFIX else None
        )
        if key is None or not hmac.compare_digest(key.value, raw):
            return error(401, "INVALID_API_KEY", "The API key is not valid.")
        if key.expires <= self.now():
            return error(401, "API_KEY_EXPIRED", "The API key has expired.")
        return key

    def _rate_limited(self, request: web.Request) -> web.Response | None:
        if self._forced_429:
            retry = self._forced_429.pop(0)
            return error(
                429, "RATE_LIMITED", "Too many requests.", **{"Retry-After": str(retry)}
            )
        now = self.clock.time()
        hits = self._hits[(request.method, request.path)]
        while hits and hits[0] <= now - self.rate_window:
            hits.popleft()
        if len(hits) >= self.rate_limit:
            retry = max(1, int(hits[0] + self.rate_window - now) + 1)
            return error(
                429, "RATE_LIMITED", "Too many requests.", **{"Retry-After": str(retry)}
            )
        hits.append(now)
        return None

    @web.middleware
    async def _guard(
        self, request: web.Request, handler: Handler
    ) -> web.StreamResponse:
        """Stamp the simulated time into ``Date``; check the request."""
        response = await self._check(request, handler)
        if self._answer_lost(request):
            if request.transport is not None:
                request.transport.abort()
            raise asyncio.CancelledError
        response.headers["Date"] = format_datetime(self.now(), usegmt=True)
        return response

    async def _check(
        self, request: web.Request, handler: Handler
    ) -> web.StreamResponse:
        """IP allow list, API key, rate limit - in that order."""
        if request.remote not in self.allow_list:
            return error(
                403,
                "IP_NOT_ALLOWED",
                f"The client address {request.remote} is not on the partner's IP "
                "allow list. Share it with Bosch Home Comfort Group to have it added.",
            )
        key = self._authenticate(request)
        if isinstance(key, web.Response):
            return key
        limited = self._rate_limited(request)
        if limited is not None:
            return limited
        request["api_key"] = key
        return await handler(request)

    # --------------------------------------------------------------- routes
    def _routes(self) -> list[web.RouteDef]:
        return [
            web.get("/api-keys/me", self._me),
            web.post("/api-keys", self._create_key),
            web.delete("/api-keys/{key_id}", self._delete_key),
            web.get("/contracts", self._contracts),
            web.get("/contracts/{gateway_id}", self._contract),
            web.get("/hvacs/{gateway_id}/components", self._components),
            web.get("/hvacs/{gateway_id}/heatingCircuits/{circuit_id}", self._get_hc),
            web.patch(
                "/hvacs/{gateway_id}/heatingCircuits/{circuit_id}", self._patch_hc
            ),
            web.get("/hvacs/{gateway_id}/dhwCircuits/{circuit_id}", self._get_dhw),
            web.patch("/hvacs/{gateway_id}/dhwCircuits/{circuit_id}", self._patch_dhw),
            web.get(
                "/hvacs/{gateway_id}/dhwCircuits/{circuit_id}/charge", self._charge
            ),
        ]

    async def _me(self, request: web.Request) -> web.Response:
        key: ApiKey = request["api_key"]
        return web.json_response(
            {
                "keyId": key.key_id,
                "companyId": self.company_id,
                "expiresAt": iso(key.expires),
                "createdAt": iso(key.created),
            }
        )

    async def _create_key(self, request: web.Request) -> web.Response:
        if len(self.valid_keys()) >= MAX_VALID_KEYS:
            return error(
                409,
                "API_KEY_LIMIT_REACHED",
                f"The partner already holds {MAX_VALID_KEYS} valid API keys, the "
                "maximum. Delete unused keys with DELETE /api-keys/{keyId} first.",
            )
        key = self.issue_key(expires=self.next_key_expires)
        self.next_key_expires = None
        value, self.garbled_key_answer = self.garbled_key_answer or key.value, None
        return web.json_response(
            {"apiKey": value, "keyId": key.key_id, "expiresAt": iso(key.expires)},
            status=201,
        )

    async def _delete_key(self, request: web.Request) -> web.Response:
        current: ApiKey = request["api_key"]
        key_id = request.match_info["key_id"]
        if key_id == current.key_id:
            return error(
                409,
                "CANNOT_DELETE_OWN_KEY",
                "The API key making the request cannot delete itself.",
            )
        if key_id not in self.keys:
            return error(404, "API_KEY_NOT_FOUND", "No such API key.")
        del self.keys[key_id]
        self._save()
        return web.Response(status=204)

    async def _contracts(self, request: web.Request) -> web.Response:
        return web.json_response(
            {"contracts": [g.contract() for g in self.gateways.values()]}
        )

    async def _contract(self, request: web.Request) -> web.Response:
        gateway = self.gateways.get(request.match_info["gateway_id"])
        if gateway is None:
            return error(404, "CONTRACT_NOT_FOUND", "No contract for this gateway.")
        return web.json_response(gateway.contract())

    def _gateway(
        self, request: web.Request, *, remote_control: bool
    ) -> Gateway | web.Response:
        gateway = self.gateways.get(request.match_info["gateway_id"])
        if gateway is None:
            return error(404, "CONTRACT_NOT_FOUND", "No contract for this gateway.")
        if gateway.status != "ACTIVE":
            return error(403, "CONTRACT_NOT_ACTIVE", "The contract is not active.")
        if gateway.consent == "missing":
            return error(
                403,
                "CONSENT_MISSING",
                "The appliance owner has not granted access to this gateway.",
            )
        if not remote_control:
            return gateway
        user = request.headers.get("x-user-id")
        if not user:
            return error(400, "MISSING_USER_ID", "The x-user-id header is missing.")
        if user != gateway.user_id:
            return error(
                403, "USER_ID_MISMATCH", "The user ID does not match the contract."
            )
        if gateway.consent == "outdated":
            return error(
                451,
                "CONSENT_OUTDATED",
                f"The owner must accept consent version {LATEST_CONSENT} in the "
                "Gateway Management Portal.",
            )
        return gateway

    async def _components(self, request: web.Request) -> web.Response:
        gateway = self._gateway(request, remote_control=False)
        if isinstance(gateway, web.Response):
            return gateway
        return web.json_response(
            {
                "gatewayId": gateway.gateway_id,
                "gatewayType": gateway.gateway_type,
                "firmware": "15.00.01",
                "components": gateway.components,
                "heatingCircuits": [{"id": c} for c in gateway.heating_circuits],
                "dhwCircuits": [{"id": c} for c in gateway.dhw_circuits],
            }
        )

    def _circuit(
        self, request: web.Request, kind: str
    ) -> tuple[Gateway, dict[str, Any]] | web.Response:
        gateway = self._gateway(request, remote_control=True)
        if isinstance(gateway, web.Response):
            return gateway
        circuits = gateway.heating_circuits if kind == "hc" else gateway.dhw_circuits
        circuit = circuits.get(request.match_info["circuit_id"])
        if circuit is None:
            return error(404, "CIRCUIT_NOT_FOUND", "No such circuit.")
        return gateway, circuit

    @staticmethod
    def _public(circuit: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in circuit.items() if k != "charge"}

    async def _get_hc(self, request: web.Request) -> web.Response:
        found = self._circuit(request, "hc")
        if isinstance(found, web.Response):
            return found
        return web.json_response(self._public(found[1]))

    async def _get_dhw(self, request: web.Request) -> web.Response:
        found = self._circuit(request, "dhw")
        if isinstance(found, web.Response):
            return found
        return web.json_response(self._public(found[1]))

    async def _charge(self, request: web.Request) -> web.Response:
        found = self._circuit(request, "dhw")
        if isinstance(found, web.Response):
            return found
        return web.json_response({"id": found[1]["id"], **found[1]["charge"]})

    async def _patch(self, request: web.Request, kind: str) -> web.Response:
        found = self._circuit(request, kind)
        if isinstance(found, web.Response):
            return found
        circuit = found[1]
        try:
            body = await request.json()
        except ValueError:
            body = None
        if (
            not isinstance(body, dict)
            or not body
            or set(body) - {"setpoint", "operationMode"}
        ):
            return error(
                400, "INVALID_BODY", "Send setpoint and/or operationMode as JSON."
            )
        updated = copy.deepcopy(circuit)
        if "setpoint" in body:
            value = body["setpoint"]
            limits = circuit["setpoint"]
            if (
                not isinstance(value, int | float)
                or isinstance(value, bool)
                or not limits["min"] <= value <= limits["max"]
            ):
                return error(
                    400,
                    "VALUE_OUT_OF_RANGE",
                    f"setpoint must be between {limits['min']} and {limits['max']}.",
                )
            updated["setpoint"]["value"] = float(value)
        if "operationMode" in body:
            if body["operationMode"] not in circuit["allowedOperationModes"]:
                return error(400, "MODE_NOT_ALLOWED", "operationMode not allowed.")
            updated["operationMode"] = body["operationMode"]
        if kind == "dhw" and updated["operationMode"] == "high":
            updated["charge"] = {"chargeStatus": "CHARGING", "remainingTimeMinutes": 25}
        circuit.clear()
        circuit.update(updated)
        return web.json_response(self._public(circuit))

    async def _patch_hc(self, request: web.Request) -> web.Response:
        return await self._patch(request, "hc")

    async def _patch_dhw(self, request: web.Request) -> web.Response:
        return await self._patch(request, "dhw")

    # -------------------------------------------------------- control routes
    def control_actions(self) -> list[ControlAction]:
        """Buttons of the control page (the demo)."""
        house = "101506113"
        return [
            ControlAction(
                "Advance the clock 160 days (past the renewal threshold)",
                "POST",
                "/clock",
                {"days": 160},
            ),
            ControlAction(
                f"Consent outdated ({house})",
                "POST",
                "/consent",
                {"gateway_id": house, "state": "outdated"},
            ),
            ControlAction(
                f"Consent missing ({house})",
                "POST",
                "/consent",
                {"gateway_id": house, "state": "missing"},
            ),
            ControlAction(
                f"Consent current ({house})",
                "POST",
                "/consent",
                {"gateway_id": house, "state": "current"},
            ),
            ControlAction(
                "Answer the next 3 requests with 429 (Retry-After 30 s)",
                "POST",
                "/rate-limit",
                {"count": 3, "retry_after": 30},
            ),
            ControlAction("List the partner's keys", "GET", "/keys"),
        ]

    def control_routes(self) -> list[web.RouteDef]:
        """Clock, consent, allow list, keys, rate limit, heating state."""

        async def clock(request: web.Request) -> web.Response:
            body = await request.json()
            seconds = float(body.get("seconds", 0)) + float(body.get("days", 0)) * 86400
            self.clock.advance(seconds)
            return web.json_response({"now": iso(self.now())})

        async def consent(request: web.Request) -> web.Response:
            body = await request.json()
            gateway_id = str(body.get("gateway_id"))
            state = str(body.get("state"))
            if gateway_id not in self.gateways or state not in CONSENT_STATES:
                return error(400, "BAD_REQUEST", "Unknown gateway or consent state.")
            self.set_consent(gateway_id, state)
            return web.json_response(self.gateways[gateway_id].contract())

        async def allow_list(request: web.Request) -> web.Response:
            body = await request.json()
            self.allow_list = {str(a) for a in body.get("addresses", [])}
            return web.json_response({"addresses": sorted(self.allow_list)})

        async def list_keys(request: web.Request) -> web.Response:
            now = self.now()
            return web.json_response(
                {
                    "valid": len(self.valid_keys()),
                    "total": len(self.keys),
                    "keys": [
                        {
                            "keyId": k.key_id,
                            "expiresAt": iso(k.expires),
                            "valid": k.expires > now,
                        }
                        for k in self.keys.values()
                    ],
                }
            )

        async def new_key(request: web.Request) -> web.Response:
            key = self.issue_key()
            return web.json_response({"apiKey": key.value, "keyId": key.key_id})

        async def rate_limit(request: web.Request) -> web.Response:
            body = await request.json()
            if "count" in body:
                self.inject_rate_limit(
                    int(body["count"]), int(body.get("retry_after", 60))
                )
            if "limit" in body:
                self.rate_limit = int(body["limit"])
            if "window" in body:
                self.rate_window = float(body["window"])
            return web.json_response(
                {
                    "limit": self.rate_limit,
                    "window": self.rate_window,
                    "injected": len(self._forced_429),
                }
            )

        async def state(request: web.Request) -> web.Response:
            return web.json_response(
                {
                    g.gateway_id: {
                        "contract": g.contract(),
                        "heatingCircuits": g.heating_circuits,
                        "dhwCircuits": g.dhw_circuits,
                    }
                    for g in self.gateways.values()
                }
            )

        return [
            web.post("/clock", clock),
            web.post("/consent", consent),
            web.post("/allow-list", allow_list),
            web.get("/keys", list_keys),
            web.post("/keys", new_key),
            web.post("/rate-limit", rate_limit),
            web.get("/state", state),
        ]
