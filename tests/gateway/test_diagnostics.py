"""Diagnostics of a gateway entry: useful, with every secret redacted."""

from __future__ import annotations

import json
from pathlib import Path

from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
from syrupy.assertion import SnapshotAssertion
from syrupy.filters import props

from custom_components.bosch_connect.gateway.diagnostics import async_get_diagnostics
from simulator.clock import Clock
from simulator.gateway import GatewaySimulator
from simulator.options import Options


@pytest.fixture
def sim_options(tmp_path: Path) -> Options:
    """A frozen simulated clock: energy counters do not move."""
    return Options(state_dir=tmp_path / "simulator", clock=Clock(scale=0.0))


async def test_diagnostics(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    gateway_sim: GatewaySimulator,
    loaded_gateway_entry: MockConfigEntry,
    snapshot: SnapshotAssertion,
) -> None:
    """Token, key, certificates, client id, uuid and serial never leave."""
    assert await async_setup_component(hass, "diagnostics", {})
    result = await get_diagnostics_for_config_entry(
        hass, hass_client, loaded_gateway_entry
    )
    text = json.dumps(result)
    data = loaded_gateway_entry.data
    for secret in (
        data["token"],
        data["client_key"].splitlines()[1],
        data["client_cert"].splitlines()[1],
        data["root_cert"].splitlines()[1],
        data["serial"],
        data["client_id"],
        "101042019",
    ):
        assert secret not in text
    assert result["coordinator"]["heating_circuits"] == ["hc1", "hc2"]
    assert result == snapshot(exclude=props("api_port", "auth_port", "paths", "uri"))


async def test_diagnostics_of_an_entry_not_loaded(
    hass: HomeAssistant, gateway_entry: MockConfigEntry
) -> None:
    """Before set-up (or after a failure) the settings still help, redacted."""
    result = await async_get_diagnostics(hass, gateway_entry)
    assert "coordinator" not in result
    assert result["entry"]["data"]["token"] == "**REDACTED**"
    assert result["entry"]["data"]["host"] == "127.0.0.1"


def test_identifying_resources_are_redacted() -> None:
    """Should a serial or address resource ever be polled, its value is hidden."""
    from custom_components.bosch_connect.gateway.diagnostics import _redact_resource

    raw = {"id": "/gateway/serial", "type": "stringValue", "value": "9999"}
    assert _redact_resource("/gateway/serial", raw)["value"] == "**REDACTED**"
    assert _redact_resource("/gateway/brand", {"value": "Bosch"})["value"] == "Bosch"
