"""Home Assistant against impostors: no token leaves, the entry stays, an issue.

Over real sockets and real TLS. The paired gateway is ``gateway_sim``; an
impostor is a simulator that presents a certificate of the Bosch root for
another device, or a self-signed one naming the paired device
(``GatewaySimulator.impersonate``), either at the gateway's own address (a
refresh meets it) or at another one (an announcement names it).
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Awaitable, Callable
import datetime as dt
from datetime import timedelta
import logging
from pathlib import Path
import shutil
import ssl
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.x509.oid import NameOID
from homeassistant import config_entries
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import issue_registry as ir
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)

from custom_components.bosch_connect.const import DOMAIN
from custom_components.bosch_connect.gateway import flow as gateway_flow
from simulator.gateway import GatewaySimulator, Identity
from simulator.gateway.certs import ImpostorKind, other_device_id
from simulator.gateway.listener import TlsListener
from simulator.gateway.tokens import DEMO_CLIENT_ID
from simulator.options import Options
from simulator.pki import Issued, new_key
from tests.gateway.conftest import announce, announcement

UUID = "101042019"
HC1 = "climate.bosch_k40rf_heating_circuit_1"
COORDINATOR_LOGGER = "custom_components.bosch_connect.gateway.coordinator"
KINDS: list[ImpostorKind] = ["other_device", "self_signed"]
ISSUE_KEYS = {
    "other_device": "gateway_identity_other_device",
    "self_signed": "gateway_identity_untrusted",
}


def _warnings(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    """Warnings and errors of Home Assistant and the integration.

    (asyncio's debug notes about slow callbacks on a busy machine aside.)
    """
    return [
        r
        for r in caplog.records
        if r.levelno >= logging.WARNING and r.name.split(".")[0] != "asyncio"
    ]


def _issue(hass: HomeAssistant, entry: MockConfigEntry) -> ir.IssueEntry | None:
    return ir.async_get(hass).async_get_issue(
        DOMAIN, f"gateway_identity_{entry.entry_id}"
    )


def _seen(kind: ImpostorKind) -> str:
    """What the issue names as seen for an impostor of ``kind``."""
    return other_device_id(UUID) if kind == "other_device" else "self-signed"


async def _poll(hass: HomeAssistant, minutes: int) -> None:
    async_fire_time_changed(
        hass, dt_util.utcnow() + timedelta(minutes=minutes, seconds=1)
    )
    await hass.async_block_till_done(wait_background_tasks=True)


async def _announce(
    hass: HomeAssistant, host: str, api_port: int, auth_port: int
) -> dict[str, Any]:
    return await announce(hass, announcement(host, api_port, auth_port))


type ImpostorFactory = Callable[[ImpostorKind], Awaitable[GatewaySimulator]]


@pytest.fixture
async def impostor(
    tmp_path: Path, gateway_pki_folder: Path, gateway_sim: GatewaySimulator
) -> AsyncGenerator[ImpostorFactory]:
    """Start an impostor of the paired gateway at an address of its own."""
    started: list[GatewaySimulator] = []

    async def start(kind: ImpostorKind) -> GatewaySimulator:
        options = Options(state_dir=tmp_path / f"impostor-{len(started)}")
        shutil.copytree(gateway_pki_folder, options.state_dir / "gateway")
        sim = GatewaySimulator(options, identity=Identity())
        sim.impersonate(kind)
        await sim.start()
        started.append(sim)
        return sim

    try:
        yield start
    finally:
        for sim in started:
            await sim.stop()


@pytest.fixture(autouse=True)
def quick_proof(monkeypatch: pytest.MonkeyPatch) -> None:
    """No pauses before an announced address counts as unreachable."""
    monkeypatch.setattr(gateway_flow, "PROVE_RETRY_DELAYS", (0.0,))


# ---- a refresh meets an impostor at the gateway's address -----------------------
@pytest.mark.parametrize("kind", KINDS)
async def test_refresh_against_impostor(
    hass: HomeAssistant,
    gateway_sim: GatewaySimulator,
    loaded_gateway_entry: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
    kind: ImpostorKind,
) -> None:
    """No token sent; unavailable with one log line; the issue; cleared after."""
    caplog.set_level(logging.INFO)
    entry = loaded_gateway_entry
    token = entry.data["token"]
    gateway_sim.faults.log.clear()
    gateway_sim.impersonate(kind)
    for minutes in (1, 2, 3):
        await _poll(hass, minutes)

    assert gateway_sim.faults.log == []  # the impostor received no request
    assert hass.states.get(HC1).state == STATE_UNAVAILABLE
    logged = _warnings(caplog)
    assert [r.name for r in logged] == [COORDINATOR_LOGGER]
    assert not [r for r in caplog.records if r.exc_info]
    assert "Traceback" not in caplog.text
    message = logged[0].getMessage()
    if kind == "other_device":
        assert f"The server at {gateway_sim.host} is not the paired gateway" in message
        assert other_device_id(UUID) in message
    else:
        assert f"The secure connection to the gateway at {gateway_sim.host}" in message
    assert token not in caplog.text

    issue = _issue(hass, entry)
    assert issue is not None
    assert issue.translation_key == ISSUE_KEYS[kind]
    assert issue.severity is ir.IssueSeverity.ERROR
    address = f"{gateway_sim.host}:{gateway_sim.api_port}"
    placeholders = issue.translation_placeholders or {}
    assert placeholders["address"] == placeholders["home"] == address
    assert placeholders["device"] == UUID
    assert _seen(kind) in placeholders["seen"]
    assert placeholders["name"] == "Bosch K40RF"

    # The gateway answers where it belongs again: back, issue gone.
    gateway_sim.impersonate(None)
    await _poll(hass, 4)
    assert hass.states.get(HC1).state == "auto"
    assert _issue(hass, entry) is None
    assert entry.data["token"] == token


@pytest.mark.parametrize("kind", KINDS)
async def test_setup_against_impostor(
    hass: HomeAssistant,
    gateway_sim: GatewaySimulator,
    gateway_entry: MockConfigEntry,
    kind: ImpostorKind,
) -> None:
    """At setup: not ready (retried), nothing sent, the issue raised."""
    gateway_sim.faults.log.clear()
    gateway_sim.impersonate(kind)
    await hass.config_entries.async_setup(gateway_entry.entry_id)
    await hass.async_block_till_done()
    assert gateway_entry.state is ConfigEntryState.SETUP_RETRY
    assert gateway_sim.faults.log == []
    issue = _issue(hass, gateway_entry)
    assert issue is not None
    assert issue.translation_key == ISSUE_KEYS[kind]


async def test_oversized_answer_makes_entities_unavailable(
    hass: HomeAssistant,
    gateway_sim: GatewaySimulator,
    loaded_gateway_entry: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """An endless answer: refused, unavailable, one log line without traceback."""
    caplog.set_level(logging.INFO)
    gateway_sim.oversize("/heatingCircuits/hc1/operationMode")
    for minutes in (1, 2):
        await _poll(hass, minutes)
    assert hass.states.get(HC1).state == STATE_UNAVAILABLE
    logged = _warnings(caplog)
    assert [r.name for r in logged] == [COORDINATOR_LOGGER]
    assert "sent an answer larger than any real one" in logged[0].getMessage()
    assert not [r for r in caplog.records if r.exc_info]
    assert _issue(hass, loaded_gateway_entry) is None

    gateway_sim.oversized.clear()
    await _poll(hass, 3)
    assert hass.states.get(HC1).state == "auto"


# ---- an announcement names the paired gateway at another address -----------------
@pytest.mark.parametrize("kind", KINDS)
async def test_announcement_at_impostor_address(
    hass: HomeAssistant,
    gateway_sim: GatewaySimulator,
    loaded_gateway_entry: MockConfigEntry,
    impostor: ImpostorFactory,
    kind: ImpostorKind,
) -> None:
    """The entry stays where it was, the impostor gets nothing, an issue says why."""
    entry = loaded_gateway_entry
    before = dict(entry.data)
    fake = await impostor(kind)
    result = await _announce(hass, fake.host, fake.api_port, fake.auth_port)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "gateway_address_unproven"
    assert dict(entry.data) == before
    assert entry.state is ConfigEntryState.LOADED
    assert fake.faults.log == []

    issue = _issue(hass, entry)
    assert issue is not None
    assert issue.translation_key == ISSUE_KEYS[kind]
    assert issue.translation_placeholders == {
        "name": "Bosch K40RF",
        "device": UUID,
        "address": f"{fake.host}:{fake.api_port}",
        "home": f"{gateway_sim.host}:{gateway_sim.api_port}",
        "seen": (issue.translation_placeholders or {})["seen"],
    }
    assert _seen(kind) in (issue.translation_placeholders or {})["seen"]

    # The next refresh goes to the gateway where it belongs, not to the
    # impostor; the warning stays (a poll would erase it within a minute).
    gateway_sim.faults.log.clear()
    await _poll(hass, 1)
    assert gateway_sim.faults.log
    assert fake.faults.log == []
    assert hass.states.get(HC1).state == "auto"
    assert _issue(hass, entry) is not None

    # The gateway announced where it belongs, and proven there: cleared.
    result = await _announce(
        hass, gateway_sim.host, gateway_sim.api_port, gateway_sim.auth_port
    )
    assert result["reason"] == "already_configured"
    assert _issue(hass, entry) is None
    assert fake.faults.log == []


async def test_announcement_at_unreachable_address(
    hass: HomeAssistant,
    gateway_sim: GatewaySimulator,
    loaded_gateway_entry: MockConfigEntry,
    impostor: ImpostorFactory,
) -> None:
    """Nothing answers at the announced address: the entry stays, a warning."""
    fake = await impostor("self_signed")
    port = fake.api_port
    await fake.stop()
    before = dict(loaded_gateway_entry.data)
    result = await _announce(hass, "127.0.0.1", port, port)
    assert result["reason"] == "gateway_address_unproven"
    assert dict(loaded_gateway_entry.data) == before
    issue = _issue(hass, loaded_gateway_entry)
    assert issue is not None
    assert issue.translation_key == "gateway_identity_unreachable"
    assert issue.severity is ir.IssueSeverity.WARNING


async def test_proven_move_clears_the_issue(
    hass: HomeAssistant,
    gateway_sim: GatewaySimulator,
    gateway_entry: MockConfigEntry,
    impostor: ImpostorFactory,
) -> None:
    """The gateway really moved: an impostor's announcement changes nothing,
    the gateway's own announcement (proven) moves the entry and clears it."""
    hass.config_entries.async_update_entry(
        gateway_entry, data={**gateway_entry.data, "api_port": 1, "auth_port": 2}
    )
    await hass.config_entries.async_setup(gateway_entry.entry_id)
    await hass.async_block_till_done()
    assert gateway_entry.state is ConfigEntryState.SETUP_RETRY

    fake = await impostor("other_device")
    result = await _announce(hass, fake.host, fake.api_port, fake.auth_port)
    assert result["reason"] == "gateway_address_unproven"
    assert gateway_entry.data["api_port"] == 1
    assert _issue(hass, gateway_entry) is not None

    result = await _announce(
        hass, gateway_sim.host, gateway_sim.api_port, gateway_sim.auth_port
    )
    assert result["reason"] == "already_configured"
    assert gateway_entry.data["api_port"] == gateway_sim.api_port
    assert gateway_entry.data["auth_port"] == gateway_sim.auth_port
    assert gateway_entry.state is ConfigEntryState.LOADED
    assert _issue(hass, gateway_entry) is None
    assert fake.faults.log == []


async def test_removing_the_entry_removes_the_issue(
    hass: HomeAssistant,
    gateway_sim: GatewaySimulator,
    loaded_gateway_entry: MockConfigEntry,
    impostor: ImpostorFactory,
) -> None:
    fake = await impostor("other_device")
    await _announce(hass, fake.host, fake.api_port, fake.auth_port)
    assert _issue(hass, loaded_gateway_entry) is not None
    await hass.config_entries.async_remove(loaded_gateway_entry.entry_id)
    await hass.async_block_till_done()
    assert _issue(hass, loaded_gateway_entry) is None


# ---- flows: pairing, reauth and reconfigure check the device first ---------------
async def _credentials_step(
    hass: HomeAssistant, flow_id: str, sim: GatewaySimulator
) -> dict[str, Any]:
    return dict(
        await hass.config_entries.flow.async_configure(
            flow_id,
            {
                "client_id": DEMO_CLIENT_ID,
                "client_name": "Home Assistant",
                "client_cert": sim.pki.client.cert_pem,
                "client_key": sim.pki.client.key_pem,
                "root_cert": sim.pki.bosch_root.cert_pem,
            },
        )
    )


async def _manual_to_credentials(
    hass: HomeAssistant, host: str, api_port: int, auth_port: int
) -> str:
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": config_entries.SOURCE_USER}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "gateway"}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "gateway_partner"}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"host": host, "api_port": api_port, "auth_port": auth_port}
    )
    assert result["step_id"] == "gateway_credentials"
    return str(result["flow_id"])


async def test_discovery_of_a_gateway_that_is_another_device(
    hass: HomeAssistant, gateway_sim: GatewaySimulator
) -> None:
    """The announcement names device 555...; the certificate another: no token."""
    info = announcement(gateway_sim.host, gateway_sim.api_port, gateway_sim.auth_port)
    info.properties["uuid"] = "555000111"
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": config_entries.SOURCE_ZEROCONF}, data=info
    )
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "gateway_partner"}
    )
    gateway_sim.press()
    result = await _credentials_step(hass, result["flow_id"], gateway_sim)
    assert result["step_id"] == "gateway_credentials"
    assert result["errors"] == {"base": "gateway_other_device"}
    assert gateway_sim.faults.log == []
    assert gateway_sim.token_count == 0


async def test_manual_flow_against_self_signed_impostor(
    hass: HomeAssistant, gateway_sim: GatewaySimulator, impostor: ImpostorFactory
) -> None:
    fake = await impostor("self_signed")
    flow_id = await _manual_to_credentials(
        hass, fake.host, fake.api_port, fake.auth_port
    )
    fake.press()
    result = await _credentials_step(hass, flow_id, gateway_sim)
    assert result["errors"] == {"base": "gateway_tls_failed"}
    assert fake.faults.log == []


async def test_manual_flow_names_the_entry_after_the_certificate(
    hass: HomeAssistant, gateway_sim: GatewaySimulator, impostor: ImpostorFactory
) -> None:
    """A Bosch gateway of another device at the typed address: it is that device."""
    other = await impostor("other_device")
    flow_id = await _manual_to_credentials(
        hass, other.host, other.api_port, other.auth_port
    )
    result = await _credentials_step(hass, flow_id, gateway_sim)
    assert result["step_id"] == "gateway_proximity"
    other.press()
    result = dict(await hass.config_entries.flow.async_configure(flow_id, {}))
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.CREATE_ENTRY
    # The certificate's device, although its /gateway/uuid says otherwise.
    assert result["result"].unique_id == other_device_id(UUID)


def _nameless_server(folder: Path, root: Issued) -> ssl.SSLContext:
    """A server certificate of the Bosch root that names no device (no CN)."""
    key = new_key()
    now = dt.datetime.now(dt.UTC)
    name = x509.Name([x509.NameAttribute(NameOID.SERIAL_NUMBER, UUID)])
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(root.cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .sign(root.key, hashes.SHA256())
    )
    cert_path, key_path = Issued(cert=cert, key=key).write(folder, "nameless")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_path, key_path)
    return context


async def test_manual_flow_against_a_server_naming_no_device(
    hass: HomeAssistant, gateway_sim: GatewaySimulator, tmp_path: Path
) -> None:
    from aiohttp import web

    app = web.Application()
    listener = TlsListener(app, _nameless_server(tmp_path, gateway_sim.pki.bosch_root))
    await listener.start()
    try:
        flow_id = await _manual_to_credentials(
            hass, "127.0.0.1", listener.port, listener.port
        )
        result = await _credentials_step(hass, flow_id, gateway_sim)
        assert result["errors"] == {"base": "gateway_no_device_id"}
    finally:
        await listener.stop()


async def test_token_answer_too_large_in_the_flow(
    hass: HomeAssistant, gateway_sim: GatewaySimulator
) -> None:
    flow_id = await _manual_to_credentials(
        hass, gateway_sim.host, gateway_sim.api_port, gateway_sim.auth_port
    )
    result = await _credentials_step(hass, flow_id, gateway_sim)
    gateway_sim.oversize("/auth/token")
    gateway_sim.press()
    result = dict(await hass.config_entries.flow.async_configure(flow_id, {}))
    assert result["step_id"] == "gateway_proximity"
    assert result["errors"] == {"base": "gateway_answer_too_large"}


async def test_reauth_against_impostor(
    hass: HomeAssistant, gateway_sim: GatewaySimulator, gateway_entry: MockConfigEntry
) -> None:
    """Pairing again: the client credentials go to the paired device only."""
    tokens, requests = gateway_sim.token_count, gateway_sim.tokens.requests
    gateway_sim.faults.log.clear()
    gateway_sim.impersonate("other_device")
    result = await gateway_entry.start_reauth_flow(hass)
    gateway_sim.press()
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["errors"] == {"base": "gateway_other_device"}
    assert gateway_sim.faults.log == []
    assert (gateway_sim.token_count, gateway_sim.tokens.requests) == (tokens, requests)


async def test_reconfigure_to_impostor_address(
    hass: HomeAssistant,
    gateway_sim: GatewaySimulator,
    gateway_entry: MockConfigEntry,
    impostor: ImpostorFactory,
) -> None:
    """A new address with another device: the token is not sent there."""
    before = dict(gateway_entry.data)
    for kind, error in (
        ("other_device", "gateway_other_gateway"),
        ("self_signed", "gateway_tls_failed"),
    ):
        fake = await impostor(kind)  # type: ignore[arg-type]
        result = await gateway_entry.start_reconfigure_flow(hass)
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"],
            {"host": fake.host, "api_port": fake.api_port, "auth_port": fake.auth_port},
        )
        assert result["errors"] == {"base": error}
        assert fake.faults.log == []
    assert dict(gateway_entry.data) == before


async def test_entry_without_device_learns_it_at_setup(
    hass: HomeAssistant,
    gateway_sim: GatewaySimulator,
    gateway_entry_data: dict[str, Any],
) -> None:
    """An entry from before its gateway was named: bound to the device it meets."""
    entry = MockConfigEntry(domain=DOMAIN, title="Bosch K40RF", data=gateway_entry_data)
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    assert entry.unique_id == UUID
    # From now on only that device gets the token.
    gateway_sim.faults.log.clear()
    gateway_sim.impersonate("other_device")
    await _poll(hass, 1)
    assert gateway_sim.faults.log == []
    assert hass.states.get(HC1).state == STATE_UNAVAILABLE


async def test_entry_without_device_meets_self_signed_impostor(
    hass: HomeAssistant,
    gateway_sim: GatewaySimulator,
    gateway_entry_data: dict[str, Any],
) -> None:
    entry = MockConfigEntry(domain=DOMAIN, title="Bosch K40RF", data=gateway_entry_data)
    entry.add_to_hass(hass)
    gateway_sim.faults.log.clear()
    gateway_sim.impersonate("self_signed")
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.SETUP_RETRY
    assert entry.unique_id is None
    assert gateway_sim.faults.log == []
