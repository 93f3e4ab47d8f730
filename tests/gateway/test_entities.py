"""Entities of a gateway: states (snapshots), sentinels and writes to the simulator."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from homeassistant.components.climate import (
    ATTR_HVAC_MODE,
    DOMAIN as CLIMATE_DOMAIN,
    SERVICE_SET_HVAC_MODE,
    SERVICE_SET_TEMPERATURE,
    SERVICE_TURN_OFF,
    HVACMode,
)
from homeassistant.components.water_heater import (
    ATTR_OPERATION_MODE,
    DOMAIN as WATER_HEATER_DOMAIN,
    SERVICE_SET_OPERATION_MODE,
    SERVICE_SET_TEMPERATURE as WH_SET_TEMPERATURE,
)
from homeassistant.const import ATTR_ENTITY_ID, ATTR_TEMPERATURE, STATE_UNKNOWN
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import device_registry as dr, entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    snapshot_platform,
)
from syrupy.assertion import SnapshotAssertion

from custom_components.bosch_connect.const import DOMAIN
from custom_components.bosch_connect.gateway.api import GatewayClient
from custom_components.bosch_connect.registry import ROOMS
from simulator.clock import Clock
from simulator.faults import Fault
from simulator.gateway import GatewaySimulator
from simulator.gateway.tokens import READ_ONLY_CLIENT_ID
from simulator.options import Options

HC1 = "climate.bosch_k40rf_heating_circuit_1"
HC2 = "climate.bosch_k40rf_heating_circuit_2"
DHW1 = "water_heater.bosch_k40rf_hot_water_1"
OUTDOOR = "sensor.bosch_k40rf_outdoor_temperature"
FIRMWARE = "sensor.bosch_k40rf_firmware"
HARDWARE = "sensor.bosch_k40rf_hardware_version"


@pytest.fixture
def sim_options(tmp_path: Path) -> Options:
    """A frozen simulated clock: energy counters do not move during a test."""
    return Options(state_dir=tmp_path / "simulator", clock=Clock(scale=0.0))


async def _refresh(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    await entry.runtime_data.coordinator.async_refresh()
    await hass.async_block_till_done()


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
@pytest.mark.parametrize("platform", list(ROOMS["gateway"].platforms))
async def test_entities(
    hass: HomeAssistant,
    loaded_gateway_entry: MockConfigEntry,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
) -> None:
    """Every entity of the platform, its registry entry and its state."""
    await snapshot_platform(
        hass, entity_registry, snapshot, loaded_gateway_entry.entry_id
    )


async def test_device(
    hass: HomeAssistant,
    loaded_gateway_entry: MockConfigEntry,
    device_registry: dr.DeviceRegistry,
    snapshot: SnapshotAssertion,
) -> None:
    """The gateway's device."""
    device = device_registry.async_get_device_by_identifier(
        (DOMAIN, "101042019"), loaded_gateway_entry.entry_id
    )
    assert device == snapshot(name="device")


async def test_firmware_and_hardware_are_disabled_by_default(
    hass: HomeAssistant,
    loaded_gateway_entry: MockConfigEntry,
    entity_registry: er.EntityRegistry,
) -> None:
    """The diagnostic version sensors exist but are disabled until the user asks."""
    disabled = {
        entry.entity_id
        for entry in er.async_entries_for_config_entry(
            entity_registry, loaded_gateway_entry.entry_id
        )
        if entry.disabled_by is not None
    }
    assert disabled == {FIRMWARE, HARDWARE}
    for entity_id in (FIRMWARE, HARDWARE):
        entry = entity_registry.async_get(entity_id)
        assert entry is not None
        assert entry.disabled_by is er.RegistryEntryDisabler.INTEGRATION
        assert hass.states.get(entity_id) is None


async def test_sentinels_are_unknown(
    hass: HomeAssistant,
    gateway_sim: GatewaySimulator,
    loaded_gateway_entry: MockConfigEntry,
) -> None:
    """An open sensor is unknown, never -3276.8 or -32768."""
    # hc2's room sensor reports the "open" sentinel from the start.
    assert hass.states.get(HC2).attributes["current_temperature"] is None
    assert float(hass.states.get(OUTDOOR).state) == 8.5

    gateway_sim.set_sentinel("/system/sensors/temperatures/outdoor_t1", "open")
    await _refresh(hass, loaded_gateway_entry)
    assert hass.states.get(OUTDOOR).state == STATE_UNKNOWN

    gateway_sim.set_value("/system/sensors/temperatures/outdoor_t1", -2.5)
    await _refresh(hass, loaded_gateway_entry)
    assert float(hass.states.get(OUTDOOR).state) == -2.5


async def test_set_temperature_reaches_gateway(
    hass: HomeAssistant,
    gateway_sim: GatewaySimulator,
    loaded_gateway_entry: MockConfigEntry,
) -> None:
    """In automatic mode a new setpoint is written and the circuit goes manual."""
    assert hass.states.get(HC1).state == HVACMode.AUTO
    await hass.services.async_call(
        CLIMATE_DOMAIN,
        SERVICE_SET_TEMPERATURE,
        {ATTR_ENTITY_ID: HC1, ATTR_TEMPERATURE: 22.5},
        blocking=True,
    )
    leaves = gateway_sim.resources.leaves
    assert leaves["/heatingCircuits/hc1/manualRoomSetpoint"]["value"] == 22.5
    assert leaves["/heatingCircuits/hc1/operationMode"]["value"] == "manual"
    puts = gateway_sim.faults.requests("/heatingCircuits/hc1", method="PUT")
    assert [r.path for r in puts] == [
        "/heatingCircuits/hc1/manualRoomSetpoint",
        "/heatingCircuits/hc1/operationMode",
    ]
    # The entity shows what the gateway confirmed, without waiting for a poll.
    state = hass.states.get(HC1)
    assert state.state == HVACMode.HEAT
    assert state.attributes[ATTR_TEMPERATURE] == 22.5


async def test_hvac_mode_off_and_on(
    hass: HomeAssistant,
    gateway_sim: GatewaySimulator,
    loaded_gateway_entry: MockConfigEntry,
) -> None:
    """Off writes ``off``; the off setpoint (0, a sentinel) is not a temperature."""
    await hass.services.async_call(
        CLIMATE_DOMAIN, SERVICE_TURN_OFF, {ATTR_ENTITY_ID: HC1}, blocking=True
    )
    leaves = gateway_sim.resources.leaves
    assert leaves["/heatingCircuits/hc1/operationMode"]["value"] == "off"
    state = hass.states.get(HC1)
    assert state.state == HVACMode.OFF
    assert state.attributes[ATTR_TEMPERATURE] is None

    await hass.services.async_call(
        CLIMATE_DOMAIN,
        SERVICE_SET_HVAC_MODE,
        {ATTR_ENTITY_ID: HC1, ATTR_HVAC_MODE: HVACMode.AUTO},
        blocking=True,
    )
    assert leaves["/heatingCircuits/hc1/operationMode"]["value"] == "auto"
    assert hass.states.get(HC1).state == HVACMode.AUTO


async def test_circuit_without_off_mode(
    hass: HomeAssistant, loaded_gateway_entry: MockConfigEntry
) -> None:
    """hc2 offers auto and manual only: off is refused with a translated error.

    Home Assistant itself refuses a mode outside ``hvac_modes`` for
    set_hvac_mode; set_temperature with an ``hvac_mode`` reaches the entity
    unchecked, and the entity refuses it with its own message.
    """
    assert hass.states.get(HC2).attributes["hvac_modes"] == [
        HVACMode.HEAT,
        HVACMode.AUTO,
    ]
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            CLIMATE_DOMAIN,
            SERVICE_SET_HVAC_MODE,
            {ATTR_ENTITY_ID: HC2, ATTR_HVAC_MODE: HVACMode.OFF},
            blocking=True,
        )
    assert err.value.translation_domain == CLIMATE_DOMAIN
    assert err.value.translation_key == "not_valid_hvac_mode"
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            CLIMATE_DOMAIN,
            SERVICE_SET_TEMPERATURE,
            {ATTR_ENTITY_ID: HC2, ATTR_HVAC_MODE: HVACMode.OFF, "temperature": 20},
            blocking=True,
        )
    assert err.value.translation_domain == DOMAIN
    assert err.value.translation_key == "heating_mode_not_supported"
    assert err.value.translation_placeholders == {"mode": "off", "modes": "heat, auto"}


async def test_climate_temperature_out_of_range(
    hass: HomeAssistant,
    gateway_sim: GatewaySimulator,
    loaded_gateway_entry: MockConfigEntry,
) -> None:
    """The circuit's limits come from the resource (5..30); nothing is sent."""
    state = hass.states.get(HC1)
    assert (state.attributes["min_temp"], state.attributes["max_temp"]) == (5, 30)
    assert state.attributes["target_temp_step"] == 0.5
    with pytest.raises(ServiceValidationError):
        await hass.services.async_call(
            CLIMATE_DOMAIN,
            SERVICE_SET_TEMPERATURE,
            {ATTR_ENTITY_ID: HC1, ATTR_TEMPERATURE: 35},
            blocking=True,
        )
    assert not gateway_sim.faults.requests("/heatingCircuits", method="PUT")


async def test_water_heater_writes(
    hass: HomeAssistant,
    gateway_sim: GatewaySimulator,
    loaded_gateway_entry: MockConfigEntry,
) -> None:
    """The setpoint goes to the level of the current mode; modes are written."""
    state = hass.states.get(DHW1)
    assert state.state == "high_demand"
    assert state.attributes[ATTR_TEMPERATURE] == 60
    await hass.services.async_call(
        WATER_HEATER_DOMAIN,
        WH_SET_TEMPERATURE,
        {ATTR_ENTITY_ID: DHW1, ATTR_TEMPERATURE: 55},
        blocking=True,
    )
    leaves = gateway_sim.resources.leaves
    assert leaves["/dhwCircuits/dhw1/temperatureLevels/high"]["value"] == 55
    assert hass.states.get(DHW1).attributes[ATTR_TEMPERATURE] == 55

    await hass.services.async_call(
        WATER_HEATER_DOMAIN,
        SERVICE_SET_OPERATION_MODE,
        {ATTR_ENTITY_ID: DHW1, ATTR_OPERATION_MODE: "eco"},
        blocking=True,
    )
    assert leaves["/dhwCircuits/dhw1/operationMode"]["value"] == "eco"
    state = hass.states.get(DHW1)
    assert state.state == "eco"
    assert state.attributes[ATTR_TEMPERATURE] == 50  # the eco level

    await hass.services.async_call(
        WATER_HEATER_DOMAIN, "turn_off", {ATTR_ENTITY_ID: DHW1}, blocking=True
    )
    assert leaves["/dhwCircuits/dhw1/operationMode"]["value"] == "off"
    await hass.services.async_call(
        WATER_HEATER_DOMAIN, "turn_on", {ATTR_ENTITY_ID: DHW1}, blocking=True
    )
    assert leaves["/dhwCircuits/dhw1/operationMode"]["value"] == "ownprogram"
    assert hass.states.get(DHW1).state == "own_program"


@pytest.mark.parametrize(
    ("service_data", "key"),
    [
        ({ATTR_TEMPERATURE: 90}, "heating_temperature_out_of_range"),
        ({ATTR_TEMPERATURE: 55.5}, "gateway_value_refused"),
    ],
)
async def test_water_heater_refused_values(
    hass: HomeAssistant,
    gateway_sim: GatewaySimulator,
    loaded_gateway_entry: MockConfigEntry,
    service_data: dict[str, Any],
    key: str,
) -> None:
    """Out of range: refused here; off the gateway's step: refused by the gateway."""
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            WATER_HEATER_DOMAIN,
            WH_SET_TEMPERATURE,
            {ATTR_ENTITY_ID: DHW1, **service_data},
            blocking=True,
        )
    assert err.value.translation_key == key
    assert (
        gateway_sim.resources.leaves["/dhwCircuits/dhw1/temperatureLevels/high"][
            "value"
        ]
        == 60
    )


async def test_failed_write(
    hass: HomeAssistant,
    gateway_sim: GatewaySimulator,
    loaded_gateway_entry: MockConfigEntry,
) -> None:
    """A gateway fault during a write is a translated error; the state stays."""
    gateway_sim.faults.set("/dhwCircuits/dhw1/operationMode", Fault(status=503))
    with pytest.raises(HomeAssistantError) as err:
        await hass.services.async_call(
            WATER_HEATER_DOMAIN,
            SERVICE_SET_OPERATION_MODE,
            {ATTR_ENTITY_ID: DHW1, ATTR_OPERATION_MODE: "eco"},
            blocking=True,
        )
    assert err.value.translation_key == "gateway_write_failed"
    assert hass.states.get(DHW1).state == "high_demand"


async def test_write_with_revoked_token_starts_reauth(
    hass: HomeAssistant,
    gateway_sim: GatewaySimulator,
    loaded_gateway_entry: MockConfigEntry,
) -> None:
    """401 on a write: translated error and a reauth flow."""
    gateway_sim.tokens.factory_reset()
    with pytest.raises(HomeAssistantError) as err:
        await hass.services.async_call(
            WATER_HEATER_DOMAIN,
            SERVICE_SET_OPERATION_MODE,
            {ATTR_ENTITY_ID: DHW1, ATTR_OPERATION_MODE: "eco"},
            blocking=True,
        )
    assert err.value.translation_key == "gateway_token_rejected"
    await hass.async_block_till_done()
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [f["context"]["source"] for f in flows] == ["reauth"]


async def test_write_with_read_only_token(
    hass: HomeAssistant,
    gateway_sim: GatewaySimulator,
    gateway_entry: MockConfigEntry,
    gateway_client: GatewayClient,
) -> None:
    """An entry that does not know its token lacks write: the gateway answers 403."""
    gateway_sim.press()
    token = await gateway_client.request_token(READ_ONLY_CLIENT_ID, "Home Assistant")
    data = {**gateway_entry.data, "token": token.access_token}
    del data["granted_scopes"]  # as stored by an earlier version
    hass.config_entries.async_update_entry(gateway_entry, data=data)
    assert await hass.config_entries.async_setup(gateway_entry.entry_id)
    await hass.async_block_till_done()
    with pytest.raises(HomeAssistantError) as err:
        await hass.services.async_call(
            CLIMATE_DOMAIN,
            SERVICE_SET_HVAC_MODE,
            {ATTR_ENTITY_ID: HC1, ATTR_HVAC_MODE: HVACMode.OFF},
            blocking=True,
        )
    assert err.value.translation_key == "gateway_write_forbidden"


async def test_reread_failure_after_write_falls_back_to_poll(
    hass: HomeAssistant,
    gateway_sim: GatewaySimulator,
    loaded_gateway_entry: MockConfigEntry,
) -> None:
    """The write went through but the re-read failed: no error, next poll shows it."""
    gateway_sim.faults.set("/dhwCircuits/dhw1/actualTemp", Fault(status=503, count=1))
    await hass.services.async_call(
        WATER_HEATER_DOMAIN,
        SERVICE_SET_OPERATION_MODE,
        {ATTR_ENTITY_ID: DHW1, ATTR_OPERATION_MODE: "low"},
        blocking=True,
    )
    await hass.async_block_till_done()
    assert (
        gateway_sim.resources.leaves["/dhwCircuits/dhw1/operationMode"]["value"]
        == "low"
    )
    assert hass.states.get(DHW1).state == "low"


async def test_read_only_token_offers_no_controls(
    hass: HomeAssistant,
    gateway_sim: GatewaySimulator,
    gateway_entry: MockConfigEntry,
    gateway_client: GatewayClient,
) -> None:
    """Granted read only: climate and water heater show values, offer no controls."""
    gateway_sim.press()
    token = await gateway_client.request_token(READ_ONLY_CLIENT_ID, "Home Assistant")
    hass.config_entries.async_update_entry(
        gateway_entry,
        data={
            **gateway_entry.data,
            "token": token.access_token,
            "granted_scopes": token.scope,
        },
    )
    assert await hass.config_entries.async_setup(gateway_entry.entry_id)
    await hass.async_block_till_done()
    assert hass.states.get(HC1).attributes["supported_features"] == 0
    assert hass.states.get(HC1).attributes["current_temperature"] == 21.3
    assert hass.states.get(DHW1).attributes["supported_features"] == 0
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            WATER_HEATER_DOMAIN,
            SERVICE_SET_OPERATION_MODE,
            {ATTR_ENTITY_ID: DHW1, ATTR_OPERATION_MODE: "eco"},
            blocking=True,
        )
    # Without the feature Home Assistant refuses the action itself.
    assert err.value.translation_key == "service_not_supported"
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            CLIMATE_DOMAIN,
            SERVICE_SET_HVAC_MODE,
            {ATTR_ENTITY_ID: HC1, ATTR_HVAC_MODE: HVACMode.HEAT},
            blocking=True,
        )
    # set_hvac_mode needs no feature: the entity says why it cannot.
    assert err.value.translation_key == "heating_not_writable"
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            "number",
            "set_value",
            {
                ATTR_ENTITY_ID: "number.bosch_k40rf_heating_circuit_1_maximum_flow_temperature",
                "value": 50,
            },
            blocking=True,
        )
    assert err.value.translation_key == "heating_not_writable"
    assert not gateway_sim.faults.requests(method="PUT")


MAX_FLOW = "number.bosch_k40rf_heating_circuit_1_maximum_flow_temperature"


async def test_max_flow_temperature(
    hass: HomeAssistant,
    gateway_sim: GatewaySimulator,
    loaded_gateway_entry: MockConfigEntry,
) -> None:
    """hc1's maximum flow temperature is a setting with the gateway's limits."""
    state = hass.states.get(MAX_FLOW)
    assert float(state.state) == 48
    assert (state.attributes["min"], state.attributes["max"]) == (30, 60)
    assert state.attributes["step"] == 1

    await hass.services.async_call(
        "number", "set_value", {ATTR_ENTITY_ID: MAX_FLOW, "value": 55}, blocking=True
    )
    leaves = gateway_sim.resources.leaves
    assert leaves["/heatingCircuits/hc1/maxFlowTemp"]["value"] == 55
    assert float(hass.states.get(MAX_FLOW).state) == 55

    with pytest.raises(ServiceValidationError):
        await hass.services.async_call(
            "number",
            "set_value",
            {ATTR_ENTITY_ID: MAX_FLOW, "value": 70},
            blocking=True,
        )
    assert leaves["/heatingCircuits/hc1/maxFlowTemp"]["value"] == 55
