"""Fixtures for the eBike tests: the simulated eBike cloud and clients for it.

- ``ebike_sim``: a started ``EbikeCloud`` (https on an ephemeral port, http
  webhook URLs allowed, state in tmp_path). ``.api_url``, ``.token_url``,
  ``.client_id``, ``.client_secret``, ``.ca_pem`` / ``.ca_pem_path``,
  ``.bikes``, ``.deliveries``, ``.faults`` (request log), ``.delivery_faults``,
  ``await .deliver_now(bike, type)``, ``await .power_on(bike)``, ...
- ``ebike_ssl_context``: a client SSL context trusting the simulator's CA.
- ``ebike_session``: an ``aiohttp.ClientSession`` closed after the test.
- ``ebike_client``: an ``EbikeClient`` for the simulator.
- ``ebike_trust``: a ``TrustStore`` with the simulator's CA (no system CAs).
- ``webhook_receiver``: a small aiohttp server on 127.0.0.1 that records the
  notifications it receives and answers with queued statuses (default 200).
- ``ha_tls()``: the TLS material of Home Assistant's https address in the
  tests (a server context, and a client context that trusts it);
  ``serve_https(app)`` serves an application (Home Assistant's) with it.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from dataclasses import dataclass, field
import functools
from pathlib import Path
import ssl
import tempfile
from typing import Any
from unittest.mock import patch

import aiohttp
from aiohttp import web
from aiohttp.test_utils import TestServer
from homeassistant.core import HomeAssistant
import pytest

from custom_components.bosch_connect.ebike.api import EbikeClient
from custom_components.bosch_connect.ebike.signature import (
    TrustStore,
    load_trust_store,
)
from simulator.ebike import EbikeCloud, EbikeSettings, create
from simulator.options import Options
from simulator.pki import issue
from simulator.server import Listener

CONNECTION = "custom_components.bosch_connect.ebike.connection"


@pytest.fixture
def ebike_settings() -> EbikeSettings:
    """Settings of the simulated account (override in a test module)."""
    return EbikeSettings()


@pytest.fixture
async def ebike_sim(
    sim_options: Options, ebike_settings: EbikeSettings, socket_enabled: None
) -> AsyncGenerator[EbikeCloud]:
    """A running eBike cloud simulator, at the addresses of Bosch's.

    The integration knows one eBike cloud, Bosch's (``connection``'s
    production URLs); at the test boundary they name the simulator.
    """
    sim = create(sim_options, ebike_settings)
    await sim.start()
    try:
        with (
            patch(f"{CONNECTION}.PRODUCTION_API_URL", sim.api_url),
            patch(f"{CONNECTION}.PRODUCTION_TOKEN_URL", sim.token_url),
        ):
            yield sim
    finally:
        await sim.stop()


@pytest.fixture
def ebike_ssl_context(ebike_sim: EbikeCloud) -> ssl.SSLContext:
    """Trusts the simulator's CA."""
    return ebike_sim.ssl_context()


@pytest.fixture
async def ebike_session(socket_enabled: None) -> AsyncGenerator[aiohttp.ClientSession]:
    """A plain aiohttp session (Home Assistant tests use hass's instead)."""
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
def ebike_client(
    ebike_sim: EbikeCloud,
    ebike_session: aiohttp.ClientSession,
    ebike_ssl_context: ssl.SSLContext,
) -> EbikeClient:
    """A client of the simulated account."""
    return EbikeClient(
        ebike_session,
        client_id=ebike_sim.client_id,
        client_secret=ebike_sim.client_secret,
        token_url=ebike_sim.token_url,
        api_url=ebike_sim.api_url,
        ssl=ebike_ssl_context,
    )


@pytest.fixture
def ebike_trust(ebike_sim: EbikeCloud) -> TrustStore:
    """Only the simulator's CA."""
    return load_trust_store([ebike_sim.ca_pem])


@pytest.fixture
async def refused_handshakes_ok(hass: HomeAssistant) -> None:
    """A TLS handshake our client refuses is reported on the shared loop: drop it.

    The ``hass`` fixture turns loop exception reports into failures; the
    simulator's server side of a refused handshake is expected in TLS tests.
    """
    loop = asyncio.get_running_loop()
    handler = loop.get_exception_handler()

    def filtered(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        if isinstance(
            context.get("exception"), ssl.SSLError | ConnectionResetError
        ) and str(context.get("message", "")).startswith(
            "Error on transport creation for incoming connection"
        ):
            return
        if handler is not None:
            handler(loop, context)
        else:
            loop.default_exception_handler(context)

    loop.set_exception_handler(filtered)


@dataclass
class Received:
    """One request the receiver got."""

    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes


@dataclass
class WebhookReceiver:
    """Records notifications; answers with ``statuses`` (then 200)."""

    statuses: list[int] = field(default_factory=list)
    received: list[Received] = field(default_factory=list)
    listener: Listener | None = None
    _arrived: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def url(self) -> str:
        """The webhook URL (http, loopback)."""
        assert self.listener is not None
        return f"{self.listener.url}/hook"

    async def handle(self, request: web.Request) -> web.Response:
        """Record and answer."""
        self.received.append(
            Received(
                path=request.path,
                query=dict(request.query),
                headers=dict(request.headers),
                body=await request.read(),
            )
        )
        self._arrived.set()
        status = self.statuses.pop(0) if self.statuses else 200
        return web.Response(status=status, text="ok" if status == 200 else "no")

    async def wait_for(self, count: int) -> list[Received]:
        """Wait (at most 5 s) until ``count`` requests arrived in total."""
        async with asyncio.timeout(5):
            while len(self.received) < count:
                self._arrived.clear()
                await self._arrived.wait()
        return self.received


@pytest.fixture
async def webhook_receiver(socket_enabled: None) -> AsyncGenerator[WebhookReceiver]:
    """A notification receiver on 127.0.0.1 (plain http)."""
    receiver = WebhookReceiver()
    app = web.Application()
    app.router.add_post("/hook", receiver.handle)
    receiver.listener = Listener(app)
    await receiver.listener.start()
    try:
        yield receiver
    finally:
        await receiver.listener.stop()


# --- Home Assistant side (E2): fixtures below this line are owned by E2 -------


@dataclass(frozen=True)
class HaTls:
    """Home Assistant's https address in the tests: how to serve and trust it."""

    server: ssl.SSLContext
    client: ssl.SSLContext

    def session(self) -> aiohttp.ClientSession:
        """A client session that trusts Home Assistant's certificate."""
        return aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=self.client))


@functools.cache
def ha_tls() -> HaTls:
    """A CA and a certificate for 127.0.0.1 / localhost (made once per process).

    Bosch posts only to https URLs, and the eBike service subscribes no other
    (a real installation has a reverse proxy or Home Assistant Cloud).
    """
    ca = issue("Home Assistant test CA", ca=True, path_length=0)
    cert = issue("localhost", issuer=ca, server=True)
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    with tempfile.TemporaryDirectory() as folder:
        cert_path, key_path = cert.write(Path(folder), "ha")
        server.load_cert_chain(cert_path, key_path)
    return HaTls(server=server, client=ssl.create_default_context(cadata=ca.cert_pem))


async def serve_https(app: web.Application, port: int | None = None) -> TestServer:
    """Serve ``app`` (Home Assistant's) over https on 127.0.0.1; close it after.

    Its URL for Home Assistant is ``https://localhost:<port>``.
    """
    # Views may still be registered after the start (as in hass_client).
    app._router.freeze = lambda: None  # type: ignore[method-assign]
    server = TestServer(app, host="127.0.0.1", port=port)
    await server.start_server(ssl=ha_tls().server)
    return server


@pytest.fixture
async def ha_url(hass: HomeAssistant, aiohttp_client: Any, socket_enabled: None) -> str:
    """Home Assistant's real HTTP application served over https on 127.0.0.1.

    The simulator posts its notifications here over real sockets and TLS; the
    URL is Home Assistant's external URL. Post to it with
    ``ha_tls().session()``.
    """
    from homeassistant.setup import async_setup_component

    assert await async_setup_component(hass, "http", {})
    assert await async_setup_component(hass, "webhook", {})
    server = await serve_https(hass.http.app)
    await aiohttp_client(server)  # closed with the test
    # A host name: Home Assistant gives no https URL with an IP address.
    url = f"https://localhost:{server.port}"
    await hass.config.async_update(external_url=url)
    return url


@pytest.fixture
def ha_follows_sim_clock(
    monkeypatch: pytest.MonkeyPatch, ebike_sim: EbikeCloud
) -> None:
    """Home Assistant's "now" of the eBike service is the simulator's clock.

    For tests that move or speed the simulated Bosch clock ahead of real
    time: its events would come from the future and be refused.
    """
    from custom_components.bosch_connect.ebike import state

    monkeypatch.setattr(state, "utcnow", ebike_sim.clock.now)


@pytest.fixture
def quiet_ebike_settings() -> EbikeSettings:
    """An account whose bikes send only what a test asks for."""
    return EbikeSettings(auto_send=False)


@pytest.fixture
def ebike_entry_data(ebike_sim: EbikeCloud) -> dict[str, Any]:
    """entry.data of an eBike entry for the simulated account."""
    return {
        "service": "ebike",
        "client_id": ebike_sim.client_id,
        "client_secret": ebike_sim.client_secret,
        "replace_subscriptions": False,
        "webhook_id": "0123456789abcdef" * 4,
        "webhook_secret": "static-secret-for-tests",
        "subscription_ids": [],
        "cert_urls": [],
    }


@pytest.fixture
async def ebike_entry(
    hass: HomeAssistant,
    ha_url: str,
    ebike_sim: EbikeCloud,
    ebike_entry_data: dict[str, Any],
) -> Any:
    """A set-up eBike entry subscribed at the simulator."""
    from pytest_homeassistant_custom_component.common import (
        MockConfigEntry,
    )

    entry = MockConfigEntry(
        domain="bosch_connect",
        title=f"Bosch eBike {ebike_sim.client_id}",
        unique_id=f"ebike_{ebike_sim.client_id}",
        data=ebike_entry_data,
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry
