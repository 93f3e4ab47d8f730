"""Entities of the Home Comfort service: states (snapshots), writes and diagnostics."""

from __future__ import annotations

import datetime as dt
import json

from homeassistant.components.climate.const import (
    ATTR_HVAC_MODE,
    ATTR_PRESET_MODE,
    DOMAIN as CLIMATE_DOMAIN,
    SERVICE_SET_HVAC_MODE,
    SERVICE_SET_PRESET_MODE,
    SERVICE_SET_TEMPERATURE,
    HVACMode,
)
from homeassistant.components.water_heater import (
    ATTR_OPERATION_MODE,
    SERVICE_SET_OPERATION_MODE,
    SERVICE_SET_TEMPERATURE as WH_SET_TEMPERATURE,
)
from homeassistant.components.water_heater.const import DOMAIN as WATER_HEATER_DOMAIN
from homeassistant.const import ATTR_ENTITY_ID, ATTR_TEMPERATURE, Platform
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.helpers.json import JSONEncoder
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    snapshot_platform,
)
from syrupy.assertion import SnapshotAssertion

from custom_components.bosch_connect.const import DOMAIN, SERVICE_HOMECOMFORT
from custom_components.bosch_connect.diagnostics import (
    async_get_config_entry_diagnostics,
)
from custom_components.bosch_connect.homecomfort.const import CONF_API_KEY
from custom_components.bosch_connect.homecomfort.keys import parse_api_key
from custom_components.bosch_connect.registry import ROOMS
from simulator.homecomfort import HomeComfortService
from tests.conftest import only_platform, snapshot_platform_except

from .conftest import HOUSE, make_entry, refresh, setup_entry, state

HC1 = "climate.home_comfort_101506113_heating_circuit_1"
HC2 = "climate.home_comfort_101506113_heating_circuit_2"
DHW1 = "water_heater.home_comfort_101506113_hot_water_1"
CHARGE = "sensor.home_comfort_101506113_hot_water_charge_1"
EXPIRES = "sensor.home_comfort_partner_api_api_key_expires"
SKEW = "sensor.home_comfort_partner_api_clock_skew"


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
@pytest.mark.parametrize("platform", list(ROOMS[SERVICE_HOMECOMFORT].platforms))
async def test_entities(
    hass: HomeAssistant,
    hc_sim: HomeComfortService,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
    platform: Platform,
) -> None:
    """Every entity of the platform, its registry entry and its state."""
    with only_platform(SERVICE_HOMECOMFORT, platform):
        entry = await setup_entry(hass, make_entry(hc_sim))
        if platform is Platform.SENSOR:
            # Per entry (and per key): test_devices_and_account_sensors.
            await snapshot_platform_except(
                hass, entity_registry, snapshot, entry.entry_id, (EXPIRES, SKEW)
            )
        else:
            await snapshot_platform(hass, entity_registry, snapshot, entry.entry_id)


async def test_devices_and_account_sensors(
    hass: HomeAssistant,
    hc_entry: MockConfigEntry,
    entity_registry: er.EntityRegistry,
    device_registry: dr.DeviceRegistry,
    snapshot: SnapshotAssertion,
) -> None:
    """The devices; the key's expiry and the clock skew (per entry and per key)."""
    entries = er.async_entries_for_config_entry(entity_registry, hc_entry.entry_id)
    assert len(entries) == 18
    # test_entities enables every entity: the clock skew alone is disabled.
    assert {e.entity_id for e in entries if e.disabled_by is not None} == {SKEW}
    for gateway_id in ("101506113", "101506229"):
        device = device_registry.async_get_device_by_identifier(
            (DOMAIN, f"homecomfort-{gateway_id}"), hc_entry.entry_id
        )
        assert device == snapshot(name=f"device-{gateway_id}")
    expiry = dt.datetime.fromisoformat(state(hass, EXPIRES))
    assert expiry == parse_api_key(hc_entry.data[CONF_API_KEY]).expires
    account = entity_registry.async_get(EXPIRES)
    assert account is not None
    assert account.entity_category == "diagnostic"
    assert account.unique_id == f"homecomfort-{hc_entry.entry_id}-key_expires"
    assert account.original_device_class == "timestamp"
    service = device_registry.async_get(str(account.device_id))
    assert service is not None
    assert service.entry_type is dr.DeviceEntryType.SERVICE
    # The clock skew: on the same device, diagnostic, disabled by default.
    skew = entity_registry.async_get(SKEW)
    assert skew is not None
    assert skew.unique_id == f"homecomfort-{hc_entry.entry_id}-clock_skew"
    assert skew.device_id == account.device_id
    assert skew.entity_category == "diagnostic"
    assert skew.original_device_class == "duration"
    assert skew.unit_of_measurement == "s"
    assert skew.disabled_by is er.RegistryEntryDisabler.INTEGRATION
    assert hass.states.get(SKEW) is None


async def test_set_temperature_and_mode(
    hass: HomeAssistant, hc_sim: HomeComfortService, hc_entry: MockConfigEntry
) -> None:
    await hass.services.async_call(
        CLIMATE_DOMAIN,
        SERVICE_SET_TEMPERATURE,
        {ATTR_ENTITY_ID: HC1, ATTR_TEMPERATURE: 22.5},
        blocking=True,
    )
    circuit = hc_sim.gateways[HOUSE].heating_circuits["hc1"]
    assert circuit["setpoint"]["value"] == 22.5
    patches = hc_sim.faults.requests(f"/hvacs/{HOUSE}/heatingCircuits/hc1", "PATCH")
    assert len(patches) == 1
    assert patches[0].headers["x-user-id"] == hc_sim.user_id
    # Shown at once, from the PATCH answer.
    current = hass.states.get(HC1)
    assert current is not None
    assert current.attributes[ATTR_TEMPERATURE] == 22.5

    await hass.services.async_call(
        CLIMATE_DOMAIN,
        SERVICE_SET_HVAC_MODE,
        {ATTR_ENTITY_ID: HC1, ATTR_HVAC_MODE: HVACMode.OFF},
        blocking=True,
    )
    assert circuit["operationMode"] == "off"
    assert state(hass, HC1) == HVACMode.OFF

    await hass.services.async_call(
        CLIMATE_DOMAIN,
        SERVICE_SET_PRESET_MODE,
        {ATTR_ENTITY_ID: HC2, ATTR_PRESET_MODE: "eco"},
        blocking=True,
    )
    assert hc_sim.gateways[HOUSE].heating_circuits["hc2"]["operationMode"] == "eco"


async def test_hot_water(
    hass: HomeAssistant, hc_sim: HomeComfortService, hc_entry: MockConfigEntry
) -> None:
    await hass.services.async_call(
        WATER_HEATER_DOMAIN,
        WH_SET_TEMPERATURE,
        {ATTR_ENTITY_ID: DHW1, ATTR_TEMPERATURE: 55},
        blocking=True,
    )
    circuit = hc_sim.gateways[HOUSE].dhw_circuits["dhw1"]
    assert circuit["setpoint"]["value"] == 55
    await hass.services.async_call(
        WATER_HEATER_DOMAIN,
        SERVICE_SET_OPERATION_MODE,
        {ATTR_ENTITY_ID: DHW1, ATTR_OPERATION_MODE: "high_demand"},
        blocking=True,
    )
    assert circuit["operationMode"] == "high"
    assert state(hass, DHW1) == "high_demand"
    assert state(hass, CHARGE) == "idle"
    await refresh(hass, hc_entry)
    assert state(hass, CHARGE) == "charging"


async def test_refused_writes(
    hass: HomeAssistant, hc_sim: HomeComfortService, hc_entry: MockConfigEntry
) -> None:
    # Out of range: refused before anything is sent.
    with pytest.raises(ServiceValidationError):
        await hass.services.async_call(
            CLIMATE_DOMAIN,
            SERVICE_SET_TEMPERATURE,
            {ATTR_ENTITY_ID: HC1, ATTR_TEMPERATURE: 35},
            blocking=True,
        )
    assert hc_sim.faults.requests("/hvacs", "PATCH") == []
    # Refused by the API (consent withdrawn meanwhile): a translated error.
    hc_sim.set_consent(HOUSE, "outdated")
    with pytest.raises(HomeAssistantError) as caught:
        await hass.services.async_call(
            WATER_HEATER_DOMAIN,
            WH_SET_TEMPERATURE,
            {ATTR_ENTITY_ID: DHW1, ATTR_TEMPERATURE: 50},
            blocking=True,
        )
    assert caught.value.translation_key == "heating_write_failed"
    with pytest.raises(HomeAssistantError) as caught:
        await hass.services.async_call(
            CLIMATE_DOMAIN,
            SERVICE_SET_HVAC_MODE,
            {ATTR_ENTITY_ID: HC1, ATTR_HVAC_MODE: HVACMode.HEAT},
            blocking=True,
        )
    assert caught.value.translation_key == "heating_write_failed"
    assert hc_sim.gateways[HOUSE].heating_circuits["hc1"]["operationMode"] == "auto"


async def test_diagnostics(
    hass: HomeAssistant,
    hc_sim: HomeComfortService,
    hc_entry: MockConfigEntry,
    snapshot: SnapshotAssertion,
) -> None:
    diagnostics = await async_get_config_entry_diagnostics(hass, hc_entry)
    text = json.dumps(diagnostics, cls=JSONEncoder)
    key = parse_api_key(hc_entry.data[CONF_API_KEY])
    for secret in (key.value, str(key.key_id), hc_sim.user_id, hc_sim.company_id):
        assert secret not in text
    assert diagnostics["entry"]["data"][CONF_API_KEY] == "**REDACTED**"
    assert diagnostics["key"]["embedded_expiry"] is True
    assert diagnostics["gateways"] == snapshot(name="gateways")
