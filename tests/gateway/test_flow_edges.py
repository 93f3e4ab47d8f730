"""Edge paths of the gateway config flow's identity work, against the simulator.

Over real sockets and real TLS: announcements of an entry whose credentials
cannot be loaded or whose gateway does not prove itself at its own address,
and reauth / reconfigure of an entry stored before its gateway was named (no
unique id: the flow learns the device from the certificate).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import issue_registry as ir
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)

from custom_components.bosch_connect.config_flow import BoschConnectConfigFlow
from custom_components.bosch_connect.const import DOMAIN
from custom_components.bosch_connect.gateway import flow as gateway_flow
from simulator.gateway import GatewaySimulator
from tests.gateway.conftest import announce, announcement

UUID = "101042019"


@pytest.fixture(autouse=True)
def quick_proof(monkeypatch: pytest.MonkeyPatch) -> None:
    """No pauses before an announced address counts as unreachable."""
    monkeypatch.setattr(gateway_flow, "PROVE_RETRY_DELAYS", (0.0,))


def _issue(hass: HomeAssistant, entry: MockConfigEntry) -> ir.IssueEntry | None:
    return ir.async_get(hass).async_get_issue(
        DOMAIN, f"gateway_identity_{entry.entry_id}"
    )


async def _announce(
    hass: HomeAssistant, host: str, api_port: int, auth_port: int
) -> dict[str, Any]:
    """The paired gateway's announcement at ``host``/``api_port``."""
    return await announce(hass, announcement(host, api_port, auth_port))


def _spent(sim: GatewaySimulator) -> tuple[int, int]:
    """Tokens issued and token requests received by ``sim``."""
    return sim.token_count, sim.tokens.requests


@pytest.fixture
def legacy_entry(
    hass: HomeAssistant, gateway_entry_data: dict[str, Any]
) -> MockConfigEntry:
    """An entry stored before its gateway was named (no unique id)."""
    entry = MockConfigEntry(
        domain=DOMAIN, title="Bosch K40RF", unique_id=None, data=gateway_entry_data
    )
    entry.add_to_hass(hass)
    return entry


# ---- announcements of a known gateway that cannot be checked or proven -----------
@pytest.mark.parametrize(
    ("field", "value"),
    [("root_cert", "broken"), ("client_key", "not a key")],
)
async def test_announcement_with_unloadable_credentials(
    hass: HomeAssistant,
    gateway_sim: GatewaySimulator,
    gateway_entry: MockConfigEntry,
    field: str,
    value: str,
) -> None:
    """Stored credentials that no longer load cannot check a new address:
    the entry stays where it was, no issue, nothing sent to the gateway."""
    hass.config_entries.async_update_entry(
        gateway_entry, data={**gateway_entry.data, "api_port": 1, "auth_port": 2}
    )
    hass.config_entries.async_update_entry(
        gateway_entry, data={**gateway_entry.data, field: value}
    )
    before = dict(gateway_entry.data)
    spent = _spent(gateway_sim)
    gateway_sim.faults.log.clear()
    result = await _announce(
        hass, gateway_sim.host, gateway_sim.api_port, gateway_sim.auth_port
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert dict(gateway_entry.data) == before  # not moved to an unchecked address
    assert _issue(hass, gateway_entry) is None
    assert gateway_sim.faults.log == []
    assert _spent(gateway_sim) == spent


async def test_announcement_at_own_address_while_an_impostor_answers(
    hass: HomeAssistant,
    gateway_sim: GatewaySimulator,
    loaded_gateway_entry: MockConfigEntry,
) -> None:
    """The coordinator has reported an impostor at the entry's own address; an
    announcement there that still does not prove itself changes nothing (the
    coordinator's issue stays); once proven, the issue is cleared."""
    entry = loaded_gateway_entry
    gateway_sim.impersonate("other_device")
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(minutes=1, seconds=1))
    await hass.async_block_till_done(wait_background_tasks=True)
    issue = _issue(hass, entry)
    assert issue is not None
    assert issue.translation_key == "gateway_identity_other_device"
    before = dict(entry.data)
    gateway_sim.faults.log.clear()

    result = await _announce(
        hass, gateway_sim.host, gateway_sim.api_port, gateway_sim.auth_port
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert dict(entry.data) == before
    assert _issue(hass, entry) == issue  # the coordinator's report, untouched
    assert gateway_sim.faults.log == []

    gateway_sim.impersonate(None)
    result = await _announce(
        hass, gateway_sim.host, gateway_sim.api_port, gateway_sim.auth_port
    )
    assert result["reason"] == "already_configured"
    assert _issue(hass, entry) is None


async def test_proof_refuses_an_entry_without_device(
    hass: HomeAssistant,
    gateway_sim: GatewaySimulator,
    legacy_entry: MockConfigEntry,
) -> None:
    """Nothing to prove against without a device id (the handshake would accept
    any Bosch gateway).

    An announcement finds its entry by unique id, so the flow manager never
    hands an entry without one to the proof: called directly here.
    """
    handler = BoschConnectConfigFlow()
    handler.hass = hass
    connection = {
        "host": gateway_sim.host,
        "api_port": gateway_sim.api_port,
        "auth_port": gateway_sim.auth_port,
    }
    with pytest.raises(gateway_flow.CannotCheck):
        await handler._gateway_prove(legacy_entry, connection)
    # With the device named, the same handshake proves it.
    hass.config_entries.async_update_entry(legacy_entry, unique_id=UUID)
    await handler._gateway_prove(legacy_entry, connection)


# ---- reauth and reconfigure of an entry from before its gateway was named ---------
async def test_reauth_of_entry_without_device(
    hass: HomeAssistant,
    gateway_sim: GatewaySimulator,
    legacy_entry: MockConfigEntry,
) -> None:
    """The flow learns the device from the certificate, then pairs again; the
    entry (reloaded) is named after the device."""
    tokens = gateway_sim.token_count
    result = await legacy_entry.start_reauth_flow(hass)
    assert result["step_id"] == "gateway_reauth_confirm"
    gateway_sim.press()
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    assert gateway_sim.token_count == tokens + 1
    assert legacy_entry.data["token"] == gateway_sim.tokens.tokens[-1].access_token
    assert legacy_entry.state is ConfigEntryState.LOADED
    assert legacy_entry.unique_id == UUID


@pytest.mark.parametrize(
    ("kind", "error"),
    [("self_signed", "gateway_tls_failed"), (None, "gateway_cannot_connect")],
)
async def test_reauth_of_entry_without_device_when_learning_fails(
    hass: HomeAssistant,
    gateway_sim: GatewaySimulator,
    legacy_entry: MockConfigEntry,
    kind: str | None,
    error: str,
) -> None:
    """No device learned (untrusted server, nothing answering): the form shows
    why, the client credentials are not sent, no token is spent."""
    if kind is None:
        hass.config_entries.async_update_entry(
            legacy_entry, data={**legacy_entry.data, "api_port": 1, "auth_port": 1}
        )
    else:
        gateway_sim.impersonate(kind)  # type: ignore[arg-type]
    before = dict(legacy_entry.data)
    spent = _spent(gateway_sim)
    gateway_sim.faults.log.clear()
    result = await legacy_entry.start_reauth_flow(hass)
    gateway_sim.press()
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "gateway_reauth_confirm"
    assert result["errors"] == {"base": error}
    assert _spent(gateway_sim) == spent
    assert gateway_sim.faults.log == []
    assert dict(legacy_entry.data) == before
    assert legacy_entry.unique_id is None


async def test_reconfigure_of_entry_without_device(
    hass: HomeAssistant,
    gateway_sim: GatewaySimulator,
    legacy_entry: MockConfigEntry,
) -> None:
    """New ports for an entry without device: the device is learned from the
    certificate, the token kept, none spent; the reloaded entry is named."""
    hass.config_entries.async_update_entry(
        legacy_entry, data={**legacy_entry.data, "api_port": 1, "auth_port": 2}
    )
    token = legacy_entry.data["token"]
    spent = _spent(gateway_sim)
    result = await legacy_entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {
            "host": gateway_sim.host,
            "api_port": gateway_sim.api_port,
            "auth_port": gateway_sim.auth_port,
        },
    )
    await hass.async_block_till_done()
    assert result.get("errors") is None
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert legacy_entry.data["api_port"] == gateway_sim.api_port
    assert legacy_entry.data["auth_port"] == gateway_sim.auth_port
    assert legacy_entry.data["token"] == token
    assert _spent(gateway_sim) == spent
    assert legacy_entry.state is ConfigEntryState.LOADED
    assert legacy_entry.unique_id == UUID


async def test_reconfigure_of_entry_without_device_when_learning_fails(
    hass: HomeAssistant,
    gateway_sim: GatewaySimulator,
    legacy_entry: MockConfigEntry,
) -> None:
    """An untrusted server at the new settings: the form says so, the token is
    not sent there, the entry is unchanged."""
    before = dict(legacy_entry.data)
    gateway_sim.impersonate("self_signed")
    gateway_sim.faults.log.clear()
    result = await legacy_entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {
            "host": gateway_sim.host,
            "api_port": gateway_sim.api_port,
            "auth_port": gateway_sim.auth_port,
        },
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "gateway_reconfigure"
    assert result["errors"] == {"base": "gateway_tls_failed"}
    assert gateway_sim.faults.log == []
    assert dict(legacy_entry.data) == before
    assert legacy_entry.unique_id is None
