"""The simulated Home Comfort gateway (Bosch Connect-Key K40RF).

Two channels on one device, as on a real K 40 RF:

- partner (the Local API document): auth port and API port with the Local
  API's TLS rules (mutual TLS, partner client certificate), zeroconf
  ``_gateway-tt-local-api._tcp.local.``;
- owner (the K 40 RF document, see ``owner.py``): ports 9442 (tokens, with
  the sticker's password) and 9443 (resources, read-only; listening only once
  a token exists), zeroconf ``_hvac-open-api._tcp.local.``.

Both serve the same resource tree. One button press opens the proximity
window of both channels. A control sub-application (button press, state,
values, clock) drives it.

For the tests of what a client must refuse, the simulator can also play an
impostor (``impersonate``: a Bosch certificate of another device, or a
self-signed one naming this gateway) and send answers larger than any real
resource (``oversize``).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
import logging
import socket
from typing import Any

from aiohttp import web
from zeroconf import InterfaceChoice, ServiceInfo
from zeroconf.asyncio import AsyncZeroconf

from simulator.faults import Faults, Handler
from simulator.options import Options
from simulator.server import HOST, ControlAction, make_app

from .certs import (
    IMPOSTOR_KINDS,
    GatewayPki,
    ImpostorKind,
    gateway_pki,
    owner_certificate,
)
from .listener import TlsListener
from .owner import (
    DEFAULT_OWNER_API_PORT,
    DEFAULT_OWNER_AUTH_PORT,
    OWNER_SERVICE_TYPE,
    OwnerAuthority,
    load_sticker,
)
from .recordings import BOILER_METERS, HEAT_PUMP_METERS, Recordings
from .resources import ResourceTree, installation_tree
from .signals import BROKEN as BROKEN_SIGNAL, BROKEN_BODY
from .tls import impostor_context, owner_context, server_context
from .tokens import DEMO_CLIENT_ID, READ_ONLY_CLIENT_ID, TokenAuthority

_LOGGER = logging.getLogger(__name__)

SERVICE_TYPE = "_gateway-tt-local-api._tcp.local."
DEFAULT_AUTH_PORT = 8442
DEFAULT_API_PORT = 8443


@dataclass(frozen=True, slots=True)
class Identity:
    """What the gateway says about itself (TXT record and /gateway/*)."""

    model: str = "K40RF"
    brand: str = "Bosch"
    uuid: str = "101042019"
    serial: str = "99994370000527738114013"
    firmware: str = "15.00.01"
    hardware: str = "K40RF-01"
    txtvers: str = "1"

    @property
    def instance(self) -> str:
        """Zeroconf instance name: ``<model>-<uuid>``, lower case."""
        return f"{self.model.lower()}-{self.uuid}"

    @property
    def owner_instance(self) -> str:
        """The owner channel's instance name: ``K40RF-<device id>``."""
        return f"K40RF-{self.uuid}"


@dataclass(slots=True)
class Oversize:
    """An answer larger than any real one, for requests under a path prefix.

    ``size``: bytes of the body (None: endless, until the client goes away).
    ``declare_length``: send ``Content-Length: size`` (then only a first part
    of the body follows and the answer waits for the client to give up);
    otherwise the body is chunked without a length.
    """

    size: int | None = None
    declare_length: bool = False


OVERSIZE_CHUNK = 16 * 1024
OVERSIZE_HOLD = 30.0  # seconds a declared-length answer waits at most


@dataclass
class GatewaySimulator:
    """One simulated gateway."""

    options: Options
    identity: Identity = field(default_factory=Identity)
    zeroconf: bool | None = None  # None: as options.zeroconf says
    name: str = "gateway"
    faults: Faults = field(default_factory=Faults)
    # Which installation the gateway is connected to: "boiler" or "heat-pump".
    installation: str = "boiler"

    def __post_init__(self) -> None:
        """Make (or load) the PKI, the token authority and the resources."""
        folder = self.options.state_dir / "gateway"
        self.pki: GatewayPki = gateway_pki(folder, self.identity.uuid)
        self.tokens = TokenAuthority(
            clock=self.options.clock, store=folder / "tokens.json"
        )
        self.resources: ResourceTree = installation_tree(
            self.installation,
            self.options.clock,
            brand=self.identity.brand,
            uuid=self.identity.uuid,
            firmware=self.identity.firmware,
            hardware=self.identity.hardware,
            serial=self.identity.serial,
        )
        # /recordings of the installation
        self.recordings = Recordings(
            self.options.clock,
            dict(
                HEAT_PUMP_METERS if self.installation == "heat-pump" else BOILER_METERS
            ),
        )
        self.auth = TlsListener(
            self._auth_app(),
            server_context(self.pki),
            port=self.options.port(DEFAULT_AUTH_PORT),
        )
        self.api = TlsListener(
            self._api_app(),
            server_context(self.pki),
            port=self.options.port(DEFAULT_API_PORT),
        )
        self.sticker = load_sticker(folder, self.identity.uuid)
        self.owner = OwnerAuthority(
            clock=self.options.clock,
            sticker=self.sticker,
            store=folder / "owner-tokens.json",
        )
        self.owner_certificate = owner_certificate(folder, self.identity.uuid)
        self.owner_auth = TlsListener(
            self._owner_auth_app(),
            owner_context(folder),
            port=self.options.port(DEFAULT_OWNER_AUTH_PORT),
        )
        self.owner_api = TlsListener(
            self._owner_api_app(),
            owner_context(folder),
            port=self.options.port(DEFAULT_OWNER_API_PORT),
        )
        self.owner_api_listening = False
        self.owner_service_info: ServiceInfo | None = None
        self._zeroconf: AsyncZeroconf | None = None
        self.service_info: ServiceInfo | None = None
        self.in_flight = 0  # API requests being answered right now
        self.max_in_flight = 0  # the most at once since start
        self.impostor: ImpostorKind | None = None
        self.oversized: dict[str, Oversize] = {}
        self.oversize_sent = 0  # body bytes of oversized answers written

    # ---- handle for tests -------------------------------------------------
    @property
    def host(self) -> str:
        """Where both ports listen."""
        return HOST

    @property
    def auth_port(self) -> int:
        """The bound auth port."""
        return self.auth.port

    @property
    def api_port(self) -> int:
        """The bound API port."""
        return self.api.port

    @property
    def refused_handshakes(self) -> list[str]:
        """Why the gateway refused TLS handshakes (both ports), oldest first."""
        return self.auth.refused + self.api.refused

    @property
    def token_count(self) -> int:
        """How many tokens the gateway has issued."""
        return len(self.tokens.tokens)

    @property
    def owner_auth_port(self) -> int:
        """The owner channel's token port (9442 in the demo)."""
        return self.owner_auth.port

    @property
    def owner_api_port(self) -> int:
        """The owner channel's resource port (9443; listening once a token exists)."""
        return self.owner_api.port

    def press(self) -> None:
        """Press both buttons: a token may be requested (partner 60 s, owner 5 min)."""
        self.tokens.press()
        self.owner.press()

    def renew_owner_certificate(self) -> None:
        """A new owner certificate (new key, same device id), as after an update."""
        folder = self.options.state_dir / "gateway"
        self.owner_certificate = owner_certificate(
            folder, self.identity.uuid, renew=True
        )
        for listener in (self.owner_auth, self.owner_api):
            listener.ssl_context = owner_context(folder)
            listener.drop_connections()

    def set_value(self, path: str, value: Any) -> None:
        """Set a resource's raw value, unchecked (e.g. a sentinel number)."""
        self.resources.set_raw(path, value)

    def set_sentinel(self, path: str, label: str) -> None:
        """Make a resource report its ``state`` sentinel ``label`` (e.g. open)."""
        self.resources.sentinel(path, label)

    def remove(self, path: str) -> None:
        """Remove a resource: the API answers 404 for it from now on."""
        if not self.resources.remove(path):
            raise KeyError(path)

    def impersonate(self, kind: ImpostorKind | None) -> None:
        """Play an impostor on both ports from now on (None: the gateway again).

        ``other_device``: a certificate of the Bosch root naming another
        device; ``self_signed``: a self-signed certificate naming this
        gateway's device id. An impostor asks for no client certificate and
        answers like the gateway (it would take a token). Open connections
        are closed, as when another device takes over the address.
        """
        if kind is not None and kind not in IMPOSTOR_KINDS:
            raise ValueError(f"no impostor {kind!r}")
        context = (
            server_context(self.pki)
            if kind is None
            else impostor_context(self.pki, kind, self.identity.uuid)
        )
        self.impostor = kind
        for listener in (self.auth, self.api):
            listener.ssl_context = context
            listener.drop_connections()
        folder = self.options.state_dir / "gateway"
        owner = (
            owner_context(folder)
            if kind is None
            else impostor_context(self.pki, kind, self.identity.uuid)
        )
        for listener in (self.owner_auth, self.owner_api):
            listener.ssl_context = owner
            listener.drop_connections()

    def oversize(
        self, prefix: str, size: int | None = None, *, declare_length: bool = False
    ) -> None:
        """Answer requests under ``prefix`` (either port) with an oversized body."""
        self.oversized[prefix] = Oversize(size=size, declare_length=declare_length)

    def info(self) -> dict[str, Any]:
        """What the e2e and the demo need to fill the config flow."""
        pki = self.pki
        return {
            "host": self.options.hostname,
            "api_port": self.api_port,
            "auth_port": self.auth_port,
            "client_id": DEMO_CLIENT_ID,
            "read_only_client_id": READ_ONLY_CLIENT_ID,
            "client_name": "Home Assistant",
            "client_cert_path": str(pki.client_cert_path),
            "client_key_path": str(pki.client_key_path),
            "root_cert_path": str(pki.bosch_root_path),
            "service_type": SERVICE_TYPE,
            "instance": self.identity.instance,
            "uuid": self.identity.uuid,
            "serial": self.identity.serial,
            "model": self.identity.model,
            "brand": self.identity.brand,
            "owner_service_type": OWNER_SERVICE_TYPE,
            "owner_instance": self.identity.owner_instance,
            "owner_auth_port": self.owner_auth_port,
            "owner_api_port": self.owner_api_port,
            "sticker_login": self.sticker.login,
            "sticker_password": self.sticker.password,
            "sticker_qr": self.sticker.qr,
        }

    def state(self) -> dict[str, Any]:
        """What the control server's ``GET /gateway/state`` answers."""
        return {
            "auth_port": self.auth_port,
            "api_port": self.api_port,
            "tokens_issued": self.token_count,
            "tokens_max": self.tokens.max_tokens,
            "token_requests": self.tokens.requests,
            "window_open": self.tokens.window_open,
            "window_remaining": round(self.tokens.window_remaining, 1),
            "clients": {k: list(v) for k, v in self.tokens.clients.items()},
            "zeroconf": self._zeroconf is not None,
            "impostor": self.impostor,
            "owner_tokens_issued": len(self.owner.tokens),
            "owner_tokens_max": self.owner.max_tokens,
            "owner_token_requests": self.owner.requests,
            "owner_window_open": self.owner.window_open,
            "owner_api_listening": self.owner_api_listening,
        }

    # ---- lifecycle --------------------------------------------------------
    async def start(self) -> None:
        """Listen on the ports; advertise over zeroconf when asked."""
        await self.auth.start()
        await self.api.start()
        await self.owner_auth.start()
        if self.owner.tokens:
            await self._start_owner_api()
        elif self.owner_api.port == 0:
            # Not listening yet, but its number is announced: keep one free.
            with socket.socket() as probe:
                probe.bind((HOST, 0))
                self.owner_api.port = probe.getsockname()[1]
        advertise = self.options.zeroconf if self.zeroconf is None else self.zeroconf
        if advertise:
            await self.start_zeroconf()

    async def stop(self) -> None:
        """Stop advertising and listening."""
        await self.stop_zeroconf()
        await self.api.stop()
        await self.auth.stop()
        await self.owner_auth.stop()
        await self.owner_api.stop()
        self.owner_api_listening = False

    async def _start_owner_api(self) -> None:
        """Port 9443 opens once the gateway has issued a token."""
        if not self.owner_api_listening:
            await self.owner_api.start()
            self.owner_api_listening = True

    async def start_zeroconf(self) -> ServiceInfo:
        """Advertise ``<model>-<uuid>._gateway-tt-local-api._tcp.local.``."""
        identity = self.identity
        self.service_info = ServiceInfo(
            SERVICE_TYPE,
            f"{identity.instance}.{SERVICE_TYPE}",
            addresses=[socket.inet_aton(HOST)],
            port=self.api_port,
            properties={
                "txtvers": identity.txtvers,
                "authport": str(self.auth_port),
                "model": identity.model,
                "brand": identity.brand,
                "uuid": identity.uuid,
                "serial": identity.serial,
            },
            server=f"{identity.instance}.local.",
        )
        # Answer on every interface: a Home Assistant listens on its default
        # interface only (it leaves loopback out) and would hear a loopback-
        # only responder just by chance. The address given out stays 127.0.0.1.
        try:
            self._zeroconf = AsyncZeroconf(interfaces=InterfaceChoice.All)
        except OSError:  # an interface that cannot join the group: loopback
            self._zeroconf = AsyncZeroconf(interfaces=[HOST])
        # The type name is longer than the 15 bytes python-zeroconf checks.
        # Another gateway with our name on the link gets us renamed, as a
        # real mDNS responder would; the announcement finishes before we return.
        broadcast = await self._zeroconf.async_register_service(
            self.service_info, strict=False, allow_name_change=True
        )
        await broadcast
        self.owner_service_info = ServiceInfo(
            OWNER_SERVICE_TYPE,
            f"{identity.owner_instance}.{OWNER_SERVICE_TYPE}",
            addresses=[socket.inet_aton(HOST)],
            port=self.owner_api_port,
            properties={
                "model": identity.model,
                "brand": identity.brand,
                "uuid": identity.uuid,
                "authport": str(self.owner_auth_port),
            },
            server=f"{identity.instance}.local.",
        )
        broadcast = await self._zeroconf.async_register_service(
            self.owner_service_info, allow_name_change=True
        )
        await broadcast
        return self.service_info

    async def announce(self) -> bool:
        """Send the advertisement again (as a gateway does after a network change).

        A Home Assistant that started after the gateway hears it at once
        instead of waiting for its next query. False when not advertising.
        """
        if self._zeroconf is None or self.service_info is None:
            return False
        for info in (self.service_info, self.owner_service_info):
            if info is not None:
                broadcast = await self._zeroconf.async_update_service(info)
                await broadcast
        return True

    async def stop_zeroconf(self) -> None:
        """Withdraw the advertisement."""
        if self._zeroconf is not None:
            for info in (self.service_info, self.owner_service_info):
                if info is not None:
                    goodbye = await self._zeroconf.async_unregister_service(info)
                    await goodbye
            self.owner_service_info = None
            await self._zeroconf.async_close()
            self._zeroconf = None

    # ---- the gateway's two ports -----------------------------------------
    @web.middleware
    async def _count(
        self, request: web.Request, handler: Handler
    ) -> web.StreamResponse:
        """Count concurrent API requests (tests check bounded parallelism)."""
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            return await handler(request)
        finally:
            self.in_flight -= 1

    @web.middleware
    async def _oversize(
        self, request: web.Request, handler: Handler
    ) -> web.StreamResponse:
        """Send an oversized answer where ``oversize`` asked for one."""
        match = next(
            (
                self.oversized[prefix]
                for prefix in sorted(self.oversized, key=len, reverse=True)
                if request.path.startswith(prefix)
            ),
            None,
        )
        if match is None:
            return await handler(request)
        response = web.StreamResponse(
            status=200, headers={"Content-Type": "application/json"}
        )
        if match.declare_length and match.size is not None:
            response.content_length = match.size
        else:
            response.enable_chunked_encoding()
        await response.prepare(request)
        chunk = b" " * OVERSIZE_CHUNK  # JSON whitespace: valid until the end
        try:
            if match.declare_length:
                first = chunk[: min(OVERSIZE_CHUNK, match.size or 0)]
                await response.write(first)
                self.oversize_sent += len(first)
                loop = asyncio.get_running_loop()
                until = loop.time() + OVERSIZE_HOLD
                # aiohttp has no event for a client that went away: poll.
                while loop.time() < until and not _gone(request):  # noqa: ASYNC110
                    await asyncio.sleep(0.01)
                return response
            sent = 0
            while (match.size is None or sent < match.size) and not _gone(request):
                part = chunk if match.size is None else chunk[: match.size - sent]
                await response.write(part)
                sent += len(part)
                self.oversize_sent += len(part)
        except ConnectionError:
            pass  # the client stopped reading, as it should
        return response

    def _auth_app(self) -> web.Application:
        app = make_app(self.faults)
        app.middlewares.append(self._oversize)
        app.router.add_post("/auth/token", self._token)
        return app

    def _api_app(self) -> web.Application:
        app = make_app(self.faults)
        app.middlewares.append(self._oversize)
        app.middlewares.insert(0, self._count)
        # recordings and a signal that is not JSON
        app.router.add_route("GET", "/recordings/{tail:.*}", self._recording)
        app.router.add_route("GET", BROKEN_SIGNAL, self._broken_signal)
        app.router.add_route("GET", "/{path:.*}", self._get)
        app.router.add_route("PUT", "/{path:.*}", self._put)
        return app

    # ---- the owner channel's two ports ------------------------------------
    def _owner_auth_app(self) -> web.Application:
        app = make_app(self.faults)
        app.middlewares.append(self._oversize)
        app.router.add_post("/auth/token", self._owner_token)
        app.router.add_get("/auth/token", self._owner_list)
        app.router.add_post("/auth/revoke", self._owner_revoke)
        app.router.add_route("*", "/{path:.*}", _forbidden)
        return app

    def _owner_api_app(self) -> web.Application:
        app = make_app(self.faults)
        app.middlewares.append(self._oversize)
        app.middlewares.insert(0, self._count)
        app.router.add_route("GET", "/{path:.*}", self._owner_get)
        app.router.add_route("*", "/{path:.*}", _forbidden)
        return app

    async def _owner_token(self, request: web.Request) -> web.Response:
        form = await _form(request)
        status, body = self.owner.request(request.content_type, form)
        if status == 200:
            await self._start_owner_api()
        return web.json_response(body, status=status)

    async def _owner_list(self, request: web.Request) -> web.Response:
        status, body = self.owner.listing(request.headers.get("Authorization", ""))
        return web.json_response(body, status=status)

    async def _owner_revoke(self, request: web.Request) -> web.Response:
        form = await _form(request)
        status, body = self.owner.revoke(
            request.headers.get("Authorization", ""), request.content_type, form
        )
        return web.json_response(body, status=status)

    async def _owner_get(self, request: web.Request) -> web.Response:
        if self.owner.find(request.headers.get("Authorization", "")) is None:
            return web.json_response({"error": "Unauthorized"}, status=401)
        if request.path.startswith("/auth"):
            return await _forbidden(request)
        return self._resource(request)

    async def _token(self, request: web.Request) -> web.Response:
        form = await _form(request)
        status, body = self.tokens.request(request.content_type, form)
        return web.json_response(body, status=status)

    def _bearer(self, request: web.Request, write: bool) -> web.Response | None:
        """401 without a valid token, 403 when its scope does not fit."""
        header = request.headers.get("Authorization", "")
        scheme, _, value = header.partition(" ")
        token = self.tokens.find(value.strip()) if scheme == "Bearer" else None
        if token is None:
            return web.json_response({"error": "Unauthorized"}, status=401)
        needed = "service.level1.write" if write else "service.read"
        if needed not in token.scopes:
            return web.json_response({"error": "Forbidden"}, status=403)
        return None

    def _base_url(self) -> str:
        return f"https://{HOST}:{self.api_port}"

    async def _get(self, request: web.Request) -> web.Response:
        if (refused := self._bearer(request, write=False)) is not None:
            return refused
        return self._resource(request)

    def _resource(self, request: web.Request) -> web.Response:
        """A resource of the tree (either channel, bearer already checked)."""
        resource = self.resources.get(request.path, self._base_url())
        if resource is None:
            return self._absent(request.path)
        return web.json_response(resource)

    def _absent(self, path: str) -> web.Response:
        """403 outside the tree (as real gateways), 404 for a removed leaf."""
        status = self.resources.absent_status(path)
        error = "Not Found" if status == 404 else "Forbidden"
        return web.json_response({"error": error}, status=status)

    async def _recording(self, request: web.Request) -> web.Response:
        """``GET /recordings/<resource>?sampleRate=..`` ."""
        if (refused := self._bearer(request, write=False)) is not None:
            return refused
        status, body = self.recordings.answer(
            request.path, request.query, self._base_url()
        )
        return web.json_response(body, status=status)

    async def _broken_signal(self, request: web.Request) -> web.Response:
        """A signal whose answer is not JSON (where the tree has it)."""
        if (refused := self._bearer(request, write=False)) is not None:
            return refused
        if BROKEN_SIGNAL not in self.resources.leaves:
            return await self._get(request)  # as any path outside the tree
        return web.Response(body=BROKEN_BODY, content_type="application/json")

    async def _put(self, request: web.Request) -> web.Response:
        if (refused := self._bearer(request, write=True)) is not None:
            return refused
        path = request.path.rstrip("/")
        if path not in self.resources.leaves:
            if self.resources.get(path, "") is not None:
                return web.json_response(
                    {"error": "a folder cannot be written"}, status=400
                )
            return self._absent(path)
        try:
            body = await request.json()
        except ValueError, UnicodeDecodeError:
            return web.json_response({"error": "the body is not JSON"}, status=400)
        except ConnectionResetError:
            # The client gave up before its body arrived (e.g. after an
            # injected latency): nothing is written, nothing is answered.
            raise asyncio.CancelledError from None
        reason = self.resources.write(path, body)
        if reason is not None:
            return web.json_response({"error": reason}, status=400)
        return web.Response(status=204)

    # ---- control server ----------------------------------------------------
    # (impostors and oversized answers are for tests: no control route)

    def control_routes(self) -> list[web.RouteDef]:
        """``/gateway/press``, ``/gateway/state``, values, clock, reset."""

        async def press(request: web.Request) -> web.Response:
            self.press()
            return web.json_response(
                {"pressed": True, "window_seconds": self.tokens.window_seconds}
            )

        async def state(request: web.Request) -> web.Response:
            return web.json_response(self.state())

        async def info(request: web.Request) -> web.Response:
            return web.json_response(self.info())

        async def value(request: web.Request) -> web.Response:
            body: dict[str, Any] = await request.json()
            path = str(body.get("path", ""))
            if path not in self.resources.leaves:
                return web.json_response({"error": "no such resource"}, status=404)
            if "sentinel" in body:
                try:
                    self.resources.sentinel(path, str(body["sentinel"]))
                except KeyError:
                    return web.json_response({"error": "no such state"}, status=400)
            else:
                self.resources.set_raw(path, body.get("value"))
            return web.json_response(self.resources.leaves[path])

        async def remove(request: web.Request) -> web.Response:
            path = request.query.get("path", "")
            return web.json_response({"removed": self.resources.remove(path)})

        async def clock(request: web.Request) -> web.Response:
            body: dict[str, Any] = await request.json()
            self.options.clock.advance(float(body.get("advance", 0)))
            return web.json_response({"time": self.options.clock.time()})

        async def announce(request: web.Request) -> web.Response:
            return web.json_response({"announced": await self.announce()})

        async def reset(request: web.Request) -> web.Response:
            self.tokens.factory_reset()
            self.owner.factory_reset()
            return web.json_response({"tokens_issued": 0})

        async def renew(request: web.Request) -> web.Response:
            self.renew_owner_certificate()
            return web.json_response({"renewed": True})

        return [
            web.post("/press", press),
            web.get("/state", state),
            web.get("/info", info),
            web.post("/value", value),
            web.delete("/value", remove),
            web.post("/clock", clock),
            web.post("/factory-reset", reset),
            web.post("/announce", announce),
            web.post("/owner/renew-certificate", renew),
        ]

    def control_actions(self) -> list[ControlAction]:
        """Buttons on the control page."""
        return [
            ControlAction("Press both buttons (proximity check)", "POST", "/press"),
            ControlAction(
                "Outdoor sensor open (sentinel)",
                "POST",
                "/value",
                {"path": "/system/sensors/temperatures/outdoor_t1", "sentinel": "open"},
            ),
            ControlAction(
                "Outdoor sensor 8.5 °C",
                "POST",
                "/value",
                {"path": "/system/sensors/temperatures/outdoor_t1", "value": 8.5},
            ),
            ControlAction(
                "Factory reset (forget all tokens)", "POST", "/factory-reset"
            ),
            ControlAction(
                "Announce on the network again (zeroconf)", "POST", "/announce"
            ),
            ControlAction(
                "New owner-channel certificate (as after an update)",
                "POST",
                "/owner/renew-certificate",
            ),
        ]

    def describe(self) -> list[str]:
        """What a person types into Home Assistant."""
        pki = self.pki
        return [
            f"Home Comfort gateway ({self.identity.brand} {self.identity.model},"
            f" uuid {self.identity.uuid})",
            f"  host: {self.options.hostname}   API port: {self.api_port}   auth port: {self.auth_port}",
            f"  zeroconf: {SERVICE_TYPE} instance {self.identity.instance}"
            + ("" if self._zeroconf else " (not advertised)"),
            f"  client ID: {DEMO_CLIENT_ID}  (read-only: {READ_ONLY_CLIENT_ID})",
            f"  client certificate: {pki.client_cert_path}",
            f"  client key:         {pki.client_key_path}",
            f"  Bosch root:         {pki.bosch_root_path}",
            "  proximity check: python -m simulator press   (then submit within 60 s)",
            f"  tokens issued: {self.token_count} of {self.tokens.max_tokens}",
            "Owner channel (K 40 RF document) of the same gateway:",
            f"  host: {self.options.hostname}   token port: {self.owner_auth_port}"
            f"   resource port: {self.owner_api_port}",
            f"  zeroconf: {OWNER_SERVICE_TYPE} instance {self.identity.owner_instance}",
            f"  sticker: Login {self.sticker.login}   Pass {self.sticker.password}",
            f"  sticker QR text: {self.sticker.qr}",
            "  proximity check: python -m simulator press   (then submit within 5 min)",
            f"  tokens issued: {len(self.owner.tokens)} of {self.owner.max_tokens}",
        ]


async def _forbidden(request: web.Request) -> web.Response:
    """What a real gateway answers for a path or method it does not serve."""
    return web.json_response({"error": "Forbidden"}, status=403)


async def _form(request: web.Request) -> dict[str, str]:
    """The form fields of a form-encoded request (else none)."""
    if request.content_type != "application/x-www-form-urlencoded":
        return {}
    posted = await request.post()
    return {k: v for k, v in posted.items() if isinstance(v, str)}


def _gone(request: web.Request) -> bool:
    """True when the client has closed the connection."""
    return request.transport is None or request.transport.is_closing()
