"""The pieces every simulated service shares: an aiohttp server on loopback."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field
from pathlib import Path
import ssl
from typing import Any, ClassVar, NamedTuple, Protocol, runtime_checkable

from aiohttp import web

from .faults import Faults
from .options import Options
from .pki import server_certificate

HOST = "127.0.0.1"


class SimulatedService(Protocol):
    """What the runner and the control server need of a service."""

    name: str
    faults: Faults

    async def start(self) -> None:
        """Start serving."""

    async def stop(self) -> None:
        """Stop serving."""

    def control_routes(self) -> list[web.RouteDef]:
        """Routes mounted under ``/<name>/`` on the control server."""

    def describe(self) -> list[str]:
        """Lines telling a person what to type into Home Assistant."""

    # Optional (see ``HasControlActions``): ``control_actions()`` lists buttons
    # for the control page. A service without it gets only the fault switches.


class ControlAction(NamedTuple):
    """A button on the control page: a request to one of the service's routes.

    ``path`` is relative to the service's mount point (``/press`` of the
    service ``gateway`` is ``POST /gateway/press``); ``body`` is sent as JSON.
    """

    label: str
    method: str
    path: str
    body: dict[str, Any] | None = None


@runtime_checkable
class HasControlActions(Protocol):
    """A service that offers buttons on the control page."""

    def control_actions(self) -> list[ControlAction | tuple[Any, ...]]:
        """(label, method, path, json body) of each button, in the order shown."""


@dataclass
class Listener:
    """One aiohttp application listening on 127.0.0.1 (port 0: ephemeral)."""

    app: web.Application
    port: int = 0
    ssl_context: ssl.SSLContext | None = None
    host: str = HOST
    # The host name in ``url`` (the listener binds ``host``).
    public_host: str = HOST
    _runner: web.AppRunner | None = field(default=None, init=False)

    async def start(self) -> None:
        """Bind and serve; afterwards ``port`` is the bound port."""
        self._runner = web.AppRunner(self.app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(
            self._runner, self.host, self.port, ssl_context=self.ssl_context
        )
        await site.start()
        server = site._server  # the only way to read the bound port
        assert server is not None
        sockets = getattr(server, "sockets", None) or []
        self.port = sockets[0].getsockname()[1]

    async def stop(self) -> None:
        """Stop serving."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @property
    def url(self) -> str:
        """Base URL of this listener."""
        scheme = "https" if self.ssl_context else "http"
        return f"{scheme}://{self.public_host}:{self.port}"


def server_context(options: Options, folder: Path) -> ssl.SSLContext:
    """The https context of a cloud service: a certificate of the simulator's CA.

    The certificate names the host name the service gives out (and
    localhost, 127.0.0.1); it is written to ``folder`` (``server.pem``).
    """
    cert_path, key_path = server_certificate(options.ca, (options.hostname,)).write(
        folder, "server"
    )
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(cert_path, key_path)
    return context


def make_app(faults: Faults) -> web.Application:
    """An application with the fault-injection middleware installed."""
    return web.Application(middlewares=[faults.middleware])


@dataclass
class LoopbackService:
    """A cloud service on one listener: :meth:`app` served on loopback.

    https with a server certificate of the simulator's CA (as every Bosch
    cloud service: there is no plain http). A subclass names itself (a
    default for ``name``) and its demo port.
    """

    default_port: ClassVar[int]

    options: Options
    name: str
    faults: Faults = field(default_factory=Faults)
    listener: Listener | None = None

    def app(self) -> web.Application:
        """The aiohttp application."""
        raise NotImplementedError

    async def start(self) -> None:
        """Bind (the default port in the demo, else an ephemeral one) and serve."""
        self.listener = Listener(
            self.app(),
            public_host=self.options.hostname,
            port=self.options.port(self.default_port),
            ssl_context=server_context(
                self.options, self.options.state_dir / self.name
            ),
        )
        await self.listener.start()

    async def stop(self) -> None:
        """Stop serving."""
        if self.listener is not None:
            await self.listener.stop()

    @property
    def url(self) -> str:
        """The listener's base URL."""
        assert self.listener is not None
        return self.listener.url


async def client_credentials(request: web.Request) -> tuple[str, str, dict[str, str]]:
    """Client id, secret and form of an OAuth2 token request.

    The credentials come from the Basic ``Authorization`` header if there is
    one (a header that does not decode gives empty ones), else from the form.
    """
    form = {key: str(value) for key, value in (await request.post()).items()}
    client_id, client_secret = form.get("client_id", ""), form.get("client_secret", "")
    header = request.headers.get("Authorization", "")
    if header.startswith("Basic "):
        try:
            decoded = base64.b64decode(header[6:]).decode()
        except binascii.Error, UnicodeDecodeError:
            decoded = ":"
        client_id, _, client_secret = decoded.partition(":")
    return client_id, client_secret, form
