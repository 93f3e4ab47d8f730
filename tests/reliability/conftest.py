"""Fixtures for the reliability tests.

The eBike fixtures of ``tests/ebike/conftest.py`` (simulated Bosch cloud,
Home Assistant's real HTTP server, entry data) are reused as they are; this
module adds :class:`FlakyProxy`, a loopback HTTP hop between the simulated
Bosch cloud and Home Assistant that loses deliveries the way the internet
does: it refuses some (503, the request never reaches Home Assistant), resets
the connection before forwarding, or forwards and then resets the connection
so that Home Assistant applied the notification but Bosch believes it failed
and delivers it again.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncGenerator
from dataclasses import dataclass, field
import hashlib
import random
from typing import Any

import aiohttp
from aiohttp import web
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.bosch_connect.const import DOMAIN
from simulator.ebike import EbikeCloud
from simulator.server import Listener
from tests.ebike import conftest as ebike_fixtures
from tests.gateway import conftest as gateway_fixtures

# The eBike fixtures, reused as they are.
ebike_settings = ebike_fixtures.ebike_settings
ebike_sim = ebike_fixtures.ebike_sim
ha_url = ebike_fixtures.ha_url
ebike_entry_data = ebike_fixtures.ebike_entry_data

# The gateway fixtures, reused as they are.
gateway_pki_folder = gateway_fixtures.gateway_pki_folder
gateway_sim = gateway_fixtures.gateway_sim
gateway_credentials = gateway_fixtures.gateway_credentials
gateway_ssl_context = gateway_fixtures.gateway_ssl_context
gateway_session = gateway_fixtures.gateway_session
gateway_client = gateway_fixtures.gateway_client
gateway_token = gateway_fixtures.gateway_token
gateway_entry_data = gateway_fixtures.gateway_entry_data
gateway_entry = gateway_fixtures.gateway_entry

# What the proxy does with one POST.
FORWARD = "forward"
REFUSE = "refuse"  # 503 without forwarding
RESET = "reset"  # connection closed without forwarding
LOST_ANSWER = "lost_answer"  # forwarded, then the connection is closed


@dataclass
class FlakyProxy:
    """Forwards POSTs to Home Assistant and loses a seeded share of them.

    A delivery (same body and signature) fails at most ``max_failures``
    times, so that Bosch's retry schedule (1, 2, 5, 180, 480 s) always gets
    it through in the end.
    """

    target: str
    rng: random.Random
    loss: float = 0.0
    max_failures: int = 3
    down: bool = False  # Home Assistant is "down": every connection is reset
    actions: Counter[str] = field(default_factory=Counter)
    failures: Counter[bytes] = field(default_factory=Counter)
    listener: Listener | None = None
    session: aiohttp.ClientSession | None = None

    @property
    def url(self) -> str:
        """The proxy's base URL (https on loopback, as Bosch requires)."""
        assert self.listener is not None
        return f"https://localhost:{self.listener.port}"

    def _choose(self, key: bytes) -> str:
        if self.failures[key] >= self.max_failures or self.rng.random() >= self.loss:
            return FORWARD
        self.failures[key] += 1
        return self.rng.choice((REFUSE, RESET, LOST_ANSWER))

    async def handle(self, request: web.Request) -> web.StreamResponse:
        """Forward one request, or lose it."""
        body = await request.read()
        if self.down:
            self.actions["down"] += 1
            return self._reset(request)
        key = hashlib.sha256(
            body + request.headers.get("X-Bosch-Sig", "").encode()
        ).digest()
        action = self._choose(key)
        self.actions[action] += 1
        if action == REFUSE:
            return web.Response(status=503)
        if action == RESET:
            return self._reset(request)
        assert self.session is not None
        headers = {
            name: value
            for name, value in request.headers.items()
            if name.lower() not in ("host", "content-length", "transfer-encoding")
        }
        async with self.session.post(
            f"{self.target}{request.path_qs}", data=body, headers=headers
        ) as answer:
            status = answer.status
            await answer.read()
        if action == LOST_ANSWER:
            return self._reset(request)
        return web.Response(status=status)

    @staticmethod
    def _reset(request: web.Request) -> web.StreamResponse:
        transport = request.transport
        assert transport is not None
        transport.close()
        # Never written: the connection is gone.
        return web.Response(status=599)


@pytest.fixture
async def flaky_proxy(hass: HomeAssistant, ha_url: str) -> AsyncGenerator[FlakyProxy]:
    """A lossy hop in front of Home Assistant; its URL is HA's external URL."""
    proxy = FlakyProxy(target=ha_url, rng=random.Random(8))
    app = web.Application()
    app.router.add_post("/{tail:.*}", proxy.handle)
    tls = ebike_fixtures.ha_tls()
    proxy.listener = Listener(app, ssl_context=tls.server)
    await proxy.listener.start()
    proxy.session = tls.session()
    await hass.config.async_update(external_url=proxy.url)
    try:
        yield proxy
    finally:
        await proxy.session.close()
        await proxy.listener.stop()


@pytest.fixture
async def proxied_entry(
    hass: HomeAssistant,
    flaky_proxy: FlakyProxy,
    ebike_sim: EbikeCloud,
    ebike_entry_data: dict[str, Any],
) -> MockConfigEntry:
    """An eBike entry whose subscription points at the lossy proxy."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        title=f"Bosch eBike {ebike_sim.client_id}",
        unique_id=f"ebike_{ebike_sim.client_id}",
        data=ebike_entry_data,
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry
