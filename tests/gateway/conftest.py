"""Fixtures for the gateway tests: a running simulator and a client for it.

- ``gateway_sim``: a started ``GatewaySimulator`` (ephemeral ports, PKI in
  tmp_path); ``.pki`` has every certificate (``.client.cert_pem``,
  ``.client.key_pem``, ``.bosch_root.cert_pem``, ...), ``.press()``,
  ``.token_count``, ``.faults``, ``.resources``, ``.tokens`` (authority).
- ``gateway_credentials``: the PEM texts a user would paste (dict with
  ``client_cert``, ``client_key``, ``root_cert``).
- ``gateway_ssl_context``: the client SSL context built from them.
- ``gateway_session``: an ``aiohttp.ClientSession`` closed after the test.
- ``gateway_client``: a ``GatewayClient`` for the simulator, without a token.
- ``gateway_token``: a token (read + write) obtained through a button press.
- ``gateway_authed_client``: a ``GatewayClient`` using ``gateway_token``.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator

import aiohttp
import pytest

from custom_components.bosch_connect.gateway.api import GatewayClient, Token
from custom_components.bosch_connect.gateway.tls import build_ssl_context
from simulator.gateway import GatewaySimulator, create
from simulator.gateway.tokens import DEMO_CLIENT_ID
from simulator.options import Options


@pytest.fixture
async def gateway_sim(
    sim_options: Options, socket_enabled: None
) -> AsyncGenerator[GatewaySimulator]:
    """A running gateway simulator (no zeroconf); sockets on (127.0.0.1)."""
    sim = create(sim_options)
    await sim.start()
    try:
        yield sim
    finally:
        await sim.stop()


@pytest.fixture
def gateway_credentials(gateway_sim: GatewaySimulator) -> dict[str, str]:
    """The PEM texts a user pastes into the credentials step."""
    pki = gateway_sim.pki
    return {
        "client_cert": pki.client.cert_pem,
        "client_key": pki.client.key_pem,
        "root_cert": pki.bosch_root.cert_pem,
    }


@pytest.fixture
def gateway_ssl_context(gateway_credentials: dict[str, str]) -> object:
    """The client SSL context for the simulator."""
    return build_ssl_context(
        gateway_credentials["client_cert"],
        gateway_credentials["client_key"],
        gateway_credentials["root_cert"],
    )


@pytest.fixture
async def gateway_session() -> AsyncGenerator[aiohttp.ClientSession]:
    """A plain aiohttp session (Home Assistant tests use hass's instead)."""
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
def gateway_client(
    gateway_sim: GatewaySimulator,
    gateway_session: aiohttp.ClientSession,
    gateway_ssl_context: object,
) -> GatewayClient:
    """A client for the simulator, without a token yet."""
    import ssl

    assert isinstance(gateway_ssl_context, ssl.SSLContext)
    return GatewayClient(
        gateway_session,
        gateway_sim.host,
        api_port=gateway_sim.api_port,
        auth_port=gateway_sim.auth_port,
        ssl_context=gateway_ssl_context,
        timeout=5,
    )


@pytest.fixture
async def gateway_token(
    gateway_sim: GatewaySimulator, gateway_client: GatewayClient
) -> Token:
    """A token with read and write scope, through a real button press."""
    gateway_sim.press()
    return await gateway_client.request_token(DEMO_CLIENT_ID, "Home Assistant")


@pytest.fixture
def gateway_authed_client(
    gateway_client: GatewayClient, gateway_token: Token
) -> GatewayClient:
    """The client with its token set."""
    gateway_client.set_token(gateway_token.access_token)
    return gateway_client
