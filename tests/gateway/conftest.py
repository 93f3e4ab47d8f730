"""Fixtures for the gateway tests: a running simulator and a client for it.

- ``gateway_pki_folder`` (session): the PKI made once, copied into each sim.
- ``gateway_sim``: a started ``GatewaySimulator`` (ephemeral ports, PKI in
  tmp_path); ``.pki`` has every certificate (``.client.cert_pem``,
  ``.client.key_pem``, ``.bosch_root.cert_pem``, ...), ``.press()``,
  ``.token_count``, ``.faults``, ``.resources``, ``.tokens`` (authority).
- ``gateway_credentials``: the PEM texts a user would paste (dict with
  ``client_cert``, ``client_key``, ``root_cert``).
- ``gateway_ssl_context``: the client SSL context built from them, bound to
  the simulator's device id (``tls.require_peer``).
- ``gateway_session``: an ``aiohttp.ClientSession`` closed after the test.
- ``gateway_client``: a ``GatewayClient`` for the simulator, without a token.
- ``gateway_token``: a token (read + write) obtained through a button press.
- ``gateway_authed_client``: a ``GatewayClient`` using ``gateway_token``.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from ipaddress import ip_address
from pathlib import Path
import shutil

import aiohttp
import pytest

from custom_components.bosch_connect.gateway.api import GatewayClient, Token
from custom_components.bosch_connect.gateway.tls import PeerIdentity, build_ssl_context
from simulator.gateway import GatewaySimulator, Identity, create
from simulator.gateway.certs import gateway_pki
from simulator.gateway.tokens import DEMO_CLIENT_ID
from simulator.options import Options


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(request: pytest.FixtureRequest) -> None:
    """Enable custom integrations only for tests that use ``hass``.

    Overrides the autouse fixture of tests/conftest.py for this folder: the
    protocol and simulator tests need no Home Assistant instance, and making
    one per test (hundreds of parser cases) costs most of their run time.
    """
    if "hass" in request.fixturenames:
        request.getfixturevalue("enable_custom_integrations")


@pytest.fixture(scope="session")
def gateway_pki_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One PKI for the whole session (making eleven keys per test is slow)."""
    folder = tmp_path_factory.mktemp("gateway-pki")
    gateway_pki(folder, Identity().uuid)
    return folder


@pytest.fixture
async def gateway_sim(
    sim_options: Options, socket_enabled: None, gateway_pki_folder: Path
) -> AsyncGenerator[GatewaySimulator]:
    """A running gateway simulator (no zeroconf); sockets on (127.0.0.1).

    Its state folder starts with the session's PKI (the simulator reuses
    existing certificates, as on a second demo run) and no tokens.
    """
    shutil.copytree(gateway_pki_folder, sim_options.state_dir / "gateway")
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
def gateway_ssl_context(
    gateway_sim: GatewaySimulator, gateway_credentials: dict[str, str]
) -> object:
    """The client SSL context for the simulator, bound to its device id."""
    return build_ssl_context(
        gateway_credentials["client_cert"],
        gateway_credentials["client_key"],
        gateway_credentials["root_cert"],
        peer=PeerIdentity(gateway_sim.identity.uuid),
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


# ---- Home Assistant side (G2) ------------------------------------------------

from typing import Any  # noqa: E402

from homeassistant.const import Platform  # noqa: E402
from homeassistant.core import HomeAssistant  # noqa: E402
from pytest_homeassistant_custom_component.common import MockConfigEntry  # noqa: E402

from custom_components.bosch_connect.const import DOMAIN  # noqa: E402
from tests.conftest import only_platform  # noqa: E402


@pytest.fixture
def gateway_entry_data(
    gateway_sim: GatewaySimulator,
    gateway_credentials: dict[str, str],
    gateway_token: Token,
) -> dict[str, Any]:
    """The data of a gateway entry as the config flow stores it (token spent)."""
    return {
        "service": "gateway",
        "host": gateway_sim.host,
        "api_port": gateway_sim.api_port,
        "auth_port": gateway_sim.auth_port,
        "client_id": DEMO_CLIENT_ID,
        "client_name": "Home Assistant",
        **gateway_credentials,
        "scopes": "",
        "token": gateway_token.access_token,
        "granted_scopes": gateway_token.scope,
        "brand": "Bosch",
        "model": "K40RF",
        "serial": gateway_sim.identity.serial,
    }


@pytest.fixture
def gateway_entry(
    hass: HomeAssistant,
    gateway_sim: GatewaySimulator,
    gateway_entry_data: dict[str, Any],
) -> MockConfigEntry:
    """A gateway config entry added to hass (not set up)."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Bosch K40RF",
        unique_id=gateway_sim.identity.uuid,
        data=gateway_entry_data,
        version=1,
        minor_version=1,
    )
    entry.add_to_hass(hass)
    return entry


@pytest.fixture
async def loaded_gateway_entry(
    hass: HomeAssistant, gateway_entry: MockConfigEntry, platform: Platform | None
) -> AsyncGenerator[MockConfigEntry]:
    """The gateway entry, set up against the simulator (with ``platform`` alone)."""
    with only_platform("gateway", platform):
        assert await hass.config_entries.async_setup(gateway_entry.entry_id)
        await hass.async_block_till_done()
        yield gateway_entry


# ---- zeroconf announcements, as Home Assistant hands them to the flow ------------
from homeassistant import config_entries  # noqa: E402
from homeassistant.helpers.service_info.zeroconf import (  # noqa: E402
    ZeroconfServiceInfo,
)

SIM_UUID = Identity().uuid
SIM_SERIAL = Identity().serial


def announcement(
    host: str,
    api_port: int,
    auth_port: int,
    *,
    uuid: str = SIM_UUID,
    **txt: str | None,
) -> ZeroconfServiceInfo:
    """The simulated gateway's announcement at ``host``/``api_port``.

    ``txt`` changes TXT properties; ``None`` leaves one out.
    """
    properties: dict[str, str | None] = {
        "txtvers": "1",
        "authport": str(auth_port),
        "model": "K40RF",
        "brand": "Bosch",
        "uuid": uuid,
        "serial": SIM_SERIAL,
        **txt,
    }
    return ZeroconfServiceInfo(
        ip_address=ip_address(host),
        ip_addresses=[ip_address(host)],
        port=api_port,
        hostname=f"k40rf-{uuid}.local.",
        type="_gateway-tt-local-api._tcp.local.",
        name=f"k40rf-{uuid}._gateway-tt-local-api._tcp.local.",
        properties={k: v for k, v in properties.items() if v is not None},
    )


async def announce(hass: HomeAssistant, info: ZeroconfServiceInfo) -> dict[str, Any]:
    """Hand ``info`` to the config flow as zeroconf does; the flow's result."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": config_entries.SOURCE_ZEROCONF}, data=info
    )
    await hass.async_block_till_done()
    return dict(result)


# ---- a heat-pump installation ------------------------------------------------------


@pytest.fixture
async def heat_pump_sim(
    sim_options: Options, socket_enabled: None, gateway_pki_folder: Path
) -> AsyncGenerator[GatewaySimulator]:
    """A running gateway simulator on a heat pump (``installation="heat-pump"``).

    A test module that sets up Home Assistant against it overrides
    ``gateway_sim`` with it (the entry fixtures then follow).
    """
    shutil.copytree(gateway_pki_folder, sim_options.state_dir / "gateway")
    sim = GatewaySimulator(sim_options, identity=Identity(), installation="heat-pump")
    await sim.start()
    try:
        yield sim
    finally:
        await sim.stop()


# ---- a real zeroconf browser on loopback -------------------------------------------
import asyncio  # noqa: E402

from zeroconf import ServiceStateChange, Zeroconf  # noqa: E402
from zeroconf.asyncio import (  # noqa: E402
    AsyncServiceBrowser,
    AsyncServiceInfo,
    AsyncZeroconf,
)


async def resolve_announcement(service_type: str, uuid: str) -> AsyncServiceInfo:
    """Browse ``service_type`` on loopback; the resolved service naming ``uuid``."""
    found: asyncio.Queue[str] = asyncio.Queue()

    def on_change(
        zeroconf: Zeroconf,
        service_type: str,
        name: str,
        state_change: ServiceStateChange,
    ) -> None:
        if state_change is ServiceStateChange.Added and uuid in name:
            found.put_nowait(name)

    zc = AsyncZeroconf(interfaces=["127.0.0.1"])
    browser = AsyncServiceBrowser(zc.zeroconf, [service_type], handlers=[on_change])
    try:
        name = await asyncio.wait_for(found.get(), timeout=10)
        info = AsyncServiceInfo(service_type, name)
        assert await info.async_request(zc.zeroconf, 3000)
        return info
    finally:
        await browser.async_cancel()
        await zc.async_close()


async def owner_client(
    sim: GatewaySimulator, session: aiohttp.ClientSession, token: str | None = None
) -> GatewayClient:
    """A client of the simulator's owner channel, pinned as the owner flow pins.

    A first handshake (nothing sent) learns device id and fingerprint; the
    client checks both in every handshake from then on.
    """
    from custom_components.bosch_connect.gateway.tls import (
        build_owner_context,
    )

    ports = {"api_port": sim.owner_api_port, "auth_port": sim.owner_auth_port}
    learn = GatewayClient(session, sim.host, **ports, ssl_context=build_owner_context())
    peer = await learn.peer_certificate(learn.auth_port)
    return GatewayClient(
        session,
        sim.host,
        **ports,
        ssl_context=build_owner_context(PeerIdentity(peer.device_id, peer.fingerprint)),
        token=token,
        require_identity=True,
    )
