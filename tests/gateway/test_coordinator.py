"""Polling: the probe, what is polled, offline and recovery, restarts, options."""

from __future__ import annotations

from datetime import timedelta
import logging
from pathlib import Path

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)

from simulator.clock import Clock
from simulator.faults import Fault
from simulator.gateway import GatewaySimulator
from simulator.options import Options

HC1 = "climate.bosch_k40rf_heating_circuit_1"
OUTDOOR = "sensor.bosch_k40rf_outdoor_temperature"
DHW1 = "water_heater.bosch_k40rf_hot_water_1"


@pytest.fixture
def sim_options(tmp_path: Path) -> Options:
    """A frozen simulated clock."""
    return Options(state_dir=tmp_path / "simulator", clock=Clock(scale=0.0))


async def _later(hass: HomeAssistant, delta: timedelta) -> None:
    """Let ``delta`` pass for Home Assistant's timers (from the test's start)."""
    async_fire_time_changed(hass, dt_util.utcnow() + delta)
    await hass.async_block_till_done(wait_background_tasks=True)


async def test_polls_only_what_the_probe_found(
    hass: HomeAssistant,
    gateway_sim: GatewaySimulator,
    loaded_gateway_entry: MockConfigEntry,
) -> None:
    """After the probe, a poll reads the resources of enabled entities, 4 at a time."""
    coordinator = loaded_gateway_entry.runtime_data.coordinator
    layout = coordinator.layout
    assert layout.heating_circuits == ("hc1", "hc2")
    assert layout.hot_water_circuits == ("dhw1",)
    assert "/heatingCircuits/hc1/actualHumidity" in layout.paths
    assert "/heatingCircuits/hc2/actualHumidity" not in layout.paths  # 404
    assert "/heatingCircuits/hc1/temporaryRoomSetpoint" not in layout.paths

    gateway_sim.faults.log.clear()
    gateway_sim.faults.latency = 0.02  # let requests overlap
    gateway_sim.max_in_flight = 0
    await coordinator.async_refresh()
    requested = [r.path for r in gateway_sim.faults.requests(method="GET")]
    # Every resource once; of the hot-water levels only the one in use
    # ("high"); nothing for the entities disabled by default (firmware, hardware).
    assert len(requested) == len(set(requested))
    # The reported status and level stand in only for a missing operation mode.
    assert set(requested) == set(layout.paths) - {
        "/dhwCircuits/dhw1/temperatureLevels/low",
        "/dhwCircuits/dhw1/temperatureLevels/eco",
        "/dhwCircuits/dhw1/currentTemperatureLevel",
        "/heatingCircuits/hc1/overallStatus",
        "/heatingCircuits/hc2/overallStatus",
        "/gateway/versionFirmware",
        "/gateway/versionHardware",
    }
    assert set(requested) == coordinator.polled_paths
    assert 2 <= gateway_sim.max_in_flight <= 4


async def test_mode_changed_at_the_gateway_is_followed_in_one_poll(
    hass: HomeAssistant,
    gateway_sim: GatewaySimulator,
    loaded_gateway_entry: MockConfigEntry,
) -> None:
    """The tank switched to eco at the gateway: its level is read in the same poll."""
    gateway_sim.resources.leaves["/dhwCircuits/dhw1/operationMode"]["value"] = "eco"
    gateway_sim.faults.log.clear()
    await loaded_gateway_entry.runtime_data.coordinator.async_refresh()
    await hass.async_block_till_done()
    state = hass.states.get(DHW1)
    assert state.state == "eco"
    assert state.attributes["temperature"] == 50  # the eco level
    requested = [r.path for r in gateway_sim.faults.requests(method="GET")]
    assert "/dhwCircuits/dhw1/temperatureLevels/eco" in requested
    assert "/dhwCircuits/dhw1/temperatureLevels/low" not in requested

    gateway_sim.faults.log.clear()
    await loaded_gateway_entry.runtime_data.coordinator.async_refresh()
    requested = [r.path for r in gateway_sim.faults.requests(method="GET")]
    assert "/dhwCircuits/dhw1/temperatureLevels/high" not in requested
    assert requested.count("/dhwCircuits/dhw1/temperatureLevels/eco") == 1


async def test_absent_resources_make_no_entities(
    hass: HomeAssistant,
    gateway_sim: GatewaySimulator,
    gateway_entry: MockConfigEntry,
) -> None:
    """An installation without outdoor sensor and hot water: no such entities."""
    gateway_sim.remove("/system/sensors/temperatures/outdoor_t1")
    for path in list(gateway_sim.resources.leaves):
        if path.startswith("/dhwCircuits/"):
            gateway_sim.remove(path)
    assert await hass.config_entries.async_setup(gateway_entry.entry_id)
    await hass.async_block_till_done()
    assert hass.states.get(OUTDOOR) is None
    assert hass.states.get(DHW1) is None
    assert hass.states.get(HC1) is not None


async def test_resource_disappearing_makes_entity_unavailable(
    hass: HomeAssistant,
    gateway_sim: GatewaySimulator,
    loaded_gateway_entry: MockConfigEntry,
) -> None:
    """A resource that answers 404 later: its entity is unavailable."""
    gateway_sim.remove("/system/sensors/temperatures/outdoor_t1")
    await loaded_gateway_entry.runtime_data.coordinator.async_refresh()
    await hass.async_block_till_done()
    assert hass.states.get(OUTDOOR).state == STATE_UNAVAILABLE
    assert hass.states.get(HC1).state != STATE_UNAVAILABLE


async def test_offline_and_recovery(
    hass: HomeAssistant,
    gateway_sim: GatewaySimulator,
    loaded_gateway_entry: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Gateway gone: entities unavailable, one log line; back: recovered by itself."""
    caplog.set_level(logging.INFO)
    gateway_sim.faults.set("/", Fault(drop=True))
    for minutes in (1, 2, 3):
        await _later(hass, timedelta(minutes=minutes, seconds=1))
    assert hass.states.get(HC1).state == STATE_UNAVAILABLE
    assert hass.states.get(OUTDOOR).state == STATE_UNAVAILABLE
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1
    assert f"The gateway at {gateway_sim.host} is unreachable" in errors[0].getMessage()

    gateway_sim.faults.clear()
    await _later(hass, timedelta(minutes=4, seconds=2))
    assert hass.states.get(HC1).state == "auto"
    assert float(hass.states.get(OUTDOOR).state) == 8.5
    assert any("recovered" in r.getMessage() for r in caplog.records)


async def test_setup_retries_while_offline(
    hass: HomeAssistant,
    gateway_sim: GatewaySimulator,
    gateway_entry: MockConfigEntry,
) -> None:
    """Unreachable at start: retry later (no new token), then load."""
    tokens = gateway_sim.token_count
    gateway_sim.faults.set("/", Fault(status=503))
    await hass.config_entries.async_setup(gateway_entry.entry_id)
    await hass.async_block_till_done()
    assert gateway_entry.state is ConfigEntryState.SETUP_RETRY

    gateway_sim.faults.clear()
    await hass.config_entries.async_reload(gateway_entry.entry_id)
    await hass.async_block_till_done()
    assert gateway_entry.state is ConfigEntryState.LOADED
    assert gateway_sim.token_count == tokens


async def test_gateway_with_foreign_certificate(
    hass: HomeAssistant,
    gateway_sim: GatewaySimulator,
    gateway_entry: MockConfigEntry,
) -> None:
    """A gateway whose certificate the stored Bosch root did not issue: retry."""
    hass.config_entries.async_update_entry(
        gateway_entry,
        data={
            **gateway_entry.data,
            "root_cert": gateway_sim.pki.rogue_bosch_root.cert_pem,
        },
    )
    await hass.config_entries.async_setup(gateway_entry.entry_id)
    await hass.async_block_till_done()
    assert gateway_entry.state is ConfigEntryState.SETUP_RETRY
    assert gateway_entry.reason is not None
    assert gateway_entry.reason.startswith(
        f"The secure connection to the gateway at {gateway_sim.host} failed"
    )


async def test_unusable_stored_credentials(
    hass: HomeAssistant,
    gateway_sim: GatewaySimulator,
    gateway_entry: MockConfigEntry,
) -> None:
    """Certificates that no longer load: a setup error pointing to reconfigure."""
    hass.config_entries.async_update_entry(
        gateway_entry, data={**gateway_entry.data, "root_cert": "broken"}
    )
    await hass.config_entries.async_setup(gateway_entry.entry_id)
    await hass.async_block_till_done()
    assert gateway_entry.state is ConfigEntryState.SETUP_ERROR


async def test_revoked_token_at_setup_starts_reauth(
    hass: HomeAssistant,
    gateway_sim: GatewaySimulator,
    gateway_entry: MockConfigEntry,
) -> None:
    """401 during the probe: setup error and a reauth flow, no token requested."""
    gateway_sim.tokens.factory_reset()
    requests = gateway_sim.tokens.requests
    await hass.config_entries.async_setup(gateway_entry.entry_id)
    await hass.async_block_till_done()
    assert gateway_entry.state is ConfigEntryState.SETUP_ERROR
    flows = hass.config_entries.flow.async_progress()
    assert [f["context"]["source"] for f in flows] == ["reauth"]
    assert gateway_sim.tokens.requests == requests


async def test_restart_and_reload_keep_the_token(
    hass: HomeAssistant,
    gateway_sim: GatewaySimulator,
    loaded_gateway_entry: MockConfigEntry,
) -> None:
    """Reloading and restarting reuse the stored token: the gateway's count stays."""
    tokens = gateway_sim.token_count
    requests = gateway_sim.tokens.requests
    gateway_sim.faults.log.clear()
    assert await hass.config_entries.async_reload(loaded_gateway_entry.entry_id)
    await hass.async_block_till_done()
    assert loaded_gateway_entry.state is ConfigEntryState.LOADED

    assert await hass.config_entries.async_unload(loaded_gateway_entry.entry_id)
    await hass.async_block_till_done()
    assert await hass.config_entries.async_setup(loaded_gateway_entry.entry_id)
    await hass.async_block_till_done()
    assert loaded_gateway_entry.state is ConfigEntryState.LOADED
    assert hass.states.get(HC1).state == "auto"

    assert gateway_sim.token_count == tokens
    assert gateway_sim.tokens.requests == requests
    assert not gateway_sim.faults.requests("/auth/")


async def test_polls_every_minute_without_options(
    hass: HomeAssistant,
    gateway_sim: GatewaySimulator,
    loaded_gateway_entry: MockConfigEntry,
) -> None:
    """The interval is fixed (no option); the gateway is read once a minute."""
    coordinator = loaded_gateway_entry.runtime_data.coordinator
    assert coordinator.update_interval == timedelta(seconds=60)
    assert not loaded_gateway_entry.supports_options
    gateway_sim.faults.log.clear()
    await _later(hass, timedelta(seconds=30))
    assert not gateway_sim.faults.requests(method="GET")
    await _later(hass, timedelta(seconds=61))
    assert gateway_sim.faults.requests(method="GET")


async def test_smaller_installation(
    hass: HomeAssistant,
    gateway_sim: GatewaySimulator,
    gateway_entry: MockConfigEntry,
) -> None:
    """A circuit without modes or writable setpoint, a tank without levels.

    The circuit's reported status stands in for the missing mode, read-only.
    """
    for name in ("operationMode", "manualRoomSetpoint"):
        gateway_sim.remove(f"/heatingCircuits/hc1/{name}")
    for level in ("high", "low", "eco"):
        gateway_sim.remove(f"/dhwCircuits/dhw1/temperatureLevels/{level}")
    leaves = gateway_sim.resources.leaves
    leaves["/heatSources/emon/chConsumption"]["values"] = [
        {"burner": 1000.0},
        {"electricity": 25.5},
    ]
    leaves["/heatSources/emon/dhwConsumption"]["values"] = []
    assert await hass.config_entries.async_setup(gateway_entry.entry_id)
    await hass.async_block_till_done()

    hc1 = hass.states.get(HC1)
    assert hc1.state == "auto"  # overallStatus heating_auto
    assert hc1.attributes["hvac_modes"] == ["auto"]
    assert hc1.attributes["supported_features"] == 0
    assert "temperature" not in hc1.attributes  # read-only setpoint: not shown
    dhw1 = hass.states.get(DHW1)
    assert dhw1.attributes["supported_features"] == 10  # modes and on/off only
    assert dhw1.attributes["temperature"] == 60.0
    heating = hass.states.get("sensor.bosch_k40rf_heating_energy_consumption")
    assert float(heating.state) == 1025.5  # no total: the sum of the parts
    hot_water = hass.states.get("sensor.bosch_k40rf_hot_water_energy_consumption")
    assert hot_water.state == "unknown"

    # A circuit that stops answering altogether becomes unavailable.
    for path in list(leaves):
        if path.startswith("/heatingCircuits/hc2/"):
            gateway_sim.remove(path)
    for path in list(leaves):
        if path.startswith("/dhwCircuits/"):
            gateway_sim.remove(path)
    await gateway_entry.runtime_data.coordinator.async_refresh()
    await hass.async_block_till_done()
    assert hass.states.get("climate.bosch_k40rf_heating_circuit_2").state == (
        STATE_UNAVAILABLE
    )
    assert hass.states.get(DHW1).state == STATE_UNAVAILABLE
