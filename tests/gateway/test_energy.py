"""Energy for the Energy dashboard: one sensor per part, consumption = consumed parts.

Against the simulator's heat pump (parts ``outputProduced``, ``compressor``,
``eheater``) and, for the rule, the answers of real installations.
"""

from __future__ import annotations

import math

from homeassistant.components.sensor import SensorDeviceClass, SensorStateClass
from homeassistant.const import ATTR_UNIT_OF_MEASUREMENT, STATE_UNKNOWN, UnitOfEnergy
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.bosch_connect.gateway.energy import (
    consumed,
    consumed_parts,
    unknown_parts,
)
from custom_components.bosch_connect.gateway.values import parse_resource
from simulator.gateway import GatewaySimulator

from . import heat_pump

# The gateway of these tests is on a heat pump (see heat_pump.py).
sim_options = heat_pump.sim_options
gateway_sim = heat_pump.gateway_sim

TOTAL = "/heatSources/emon/totalConsumption"
DHW = "/heatSources/emon/dhwConsumption"
S = "sensor.bosch_k40rf_"
# Sensor -> (unique id key, state): the heat pump's counters as simulated.
EXPECTED = {
    "energy_consumption": ("heatSources/emon/totalConsumption", 5395.99),
    "compressor_energy_consumption": (f"{TOTAL[1:]}/compressor", 5283.59),
    "electric_heater_energy_consumption": (f"{TOTAL[1:]}/eheater", 112.4),
    "energy_produced": (f"{TOTAL[1:]}/outputProduced", 23627.5),
    "heating_energy_consumption": ("heatSources/emon/chConsumption", 3590.05),
    "heating_compressor_energy_consumption": (
        "heatSources/emon/chConsumption/compressor",
        3477.8,
    ),
    "heating_energy_produced": (
        "heatSources/emon/chConsumption/outputProduced",
        17185.5,
    ),
    "heating_electric_heater_energy_consumption": (
        "heatSources/emon/chConsumption/eheater",
        112.25,
    ),
    "hot_water_energy_consumption": ("heatSources/emon/dhwConsumption", 1707.44),
    "hot_water_compressor_energy_consumption": (
        "heatSources/emon/dhwConsumption/compressor",
        1707.29,
    ),
    "hot_water_electric_heater_energy_consumption": (
        "heatSources/emon/dhwConsumption/eheater",
        0.15,
    ),
    "hot_water_energy_produced": (
        "heatSources/emon/dhwConsumption/outputProduced",
        6030.0,
    ),
    "cooling_energy_consumption": ("heatSources/emon/coolingConsumption", 98.5),
    "cooling_compressor_energy_consumption": (
        "heatSources/emon/coolingConsumption/compressor",
        98.5,
    ),
    "cooling_energy_produced": (
        "heatSources/emon/coolingConsumption/outputProduced",
        412.0,
    ),
}


def _set_parts(
    sim: GatewaySimulator, path: str, parts: dict[str, float], unit: str = "kWh"
) -> None:
    leaf = sim.resources.leaves[path]
    leaf["values"] = [{part: value} for part, value in parts.items()]
    leaf["unit"] = unit


async def test_one_sensor_per_part_consumption_adds_consumed_only(
    hass: HomeAssistant,
    loaded_gateway_entry: MockConfigEntry,
    entity_registry: er.EntityRegistry,
) -> None:
    """The heat produced has its own sensor and is never added to consumption."""
    uuid = loaded_gateway_entry.unique_id
    for name, (key, value) in EXPECTED.items():
        state = hass.states.get(S + name)
        assert state is not None, name
        assert math.isclose(float(state.state), value, abs_tol=1e-6), name
        assert state.attributes["device_class"] == SensorDeviceClass.ENERGY
        assert state.attributes["state_class"] == SensorStateClass.TOTAL_INCREASING
        assert state.attributes[ATTR_UNIT_OF_MEASUREMENT] == UnitOfEnergy.KILO_WATT_HOUR
        # No parts as attributes any more.
        assert set(state.attributes) == {
            "device_class",
            "state_class",
            ATTR_UNIT_OF_MEASUREMENT,
            "friendly_name",
        }
        entry = entity_registry.async_get(S + name)
        assert entry is not None
        assert entry.unique_id == f"{uuid}-{key}"
    energy = [
        e
        for e in er.async_entries_for_config_entry(
            entity_registry, loaded_gateway_entry.entry_id
        )
        if e.original_device_class == SensorDeviceClass.ENERGY
    ]
    assert len(energy) == len(EXPECTED)  # no sensor for a part not reported


async def test_bad_counters_are_no_values(
    hass: HomeAssistant,
    gateway_sim: GatewaySimulator,
    loaded_gateway_entry: MockConfigEntry,
) -> None:
    """A negative or NaN part is unknown, and so is the sum it belongs to."""
    _set_parts(
        gateway_sim,
        TOTAL,
        {"outputProduced": 23627.5, "eheater": float("nan"), "compressor": -1.0},
    )
    await loaded_gateway_entry.runtime_data.coordinator.async_refresh()
    await hass.async_block_till_done()
    assert hass.states.get(S + "energy_consumption").state == STATE_UNKNOWN
    assert hass.states.get(S + "compressor_energy_consumption").state == STATE_UNKNOWN
    assert hass.states.get(S + "electric_heater_energy_consumption").state == (
        STATE_UNKNOWN
    )
    assert hass.states.get(S + "energy_produced").state == "23627.5"
    assert hass.states.get(S + "heating_energy_consumption").state == "3590.05"


async def test_wh_is_converted_to_kwh(
    hass: HomeAssistant,
    gateway_sim: GatewaySimulator,
    gateway_entry: MockConfigEntry,
) -> None:
    """A gateway counting in Wh shows kWh."""
    _set_parts(
        gateway_sim,
        DHW,
        {"outputProduced": 6_030_000.0, "eheater": 150.0, "compressor": 1_707_290.0},
        unit="Wh",
    )
    assert await hass.config_entries.async_setup(gateway_entry.entry_id)
    await hass.async_block_till_done()
    assert hass.states.get(S + "hot_water_energy_consumption").state == "1707.44"
    assert hass.states.get(S + "hot_water_energy_produced").state == "6030.0"


async def test_unknown_part_is_named_in_diagnostics_not_counted(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    gateway_sim: GatewaySimulator,
    gateway_entry: MockConfigEntry,
    entity_registry: er.EntityRegistry,
) -> None:
    """A part this integration does not know: no sensor, not in the sum."""
    _set_parts(
        gateway_sim,
        TOTAL,
        {"outputProduced": 23627.5, "compressor": 5283.59, "geothermal": 999.0},
    )
    assert await hass.config_entries.async_setup(gateway_entry.entry_id)
    await hass.async_block_till_done()
    assert hass.states.get(S + "energy_consumption").state == "5283.59"
    assert not [
        e
        for e in er.async_entries_for_config_entry(
            entity_registry, gateway_entry.entry_id
        )
        if "geothermal" in e.unique_id
    ]
    assert await async_setup_component(hass, "diagnostics", {})
    result = await get_diagnostics_for_config_entry(hass, hass_client, gateway_entry)
    assert result["coordinator"]["unknown_energy_parts"] == {TOTAL: ["geothermal"]}


def _parts(values: list[dict[str, float]], unit: str = "kWh") -> dict[str, float]:
    resource = parse_resource(
        {
            "id": TOTAL,
            "type": "emonValue",
            "writeable": 0,
            "values": values,
            "unit": unit,
        }
    )
    return resource.energy


def test_rule_on_real_answers() -> None:
    """The numbers of the issue: a heat pump and a boiler as real gateways answer.

    The heat pump's total once showed 25,916 kWh (every part added) for 5,185
    to 5,486 kWh consumed; its hot water 6,002 for 1,707.
    """
    heat_pump = _parts(
        [
            {"outputProduced": 18312.99},
            {"eheater": 0.15},
            {"compressor": 5185.09},
            {"ventilation": 300.316},
            {"ventilationHeatRecovered": 2117.843},
        ]
    )
    assert math.isclose(sum(heat_pump.values()), 25916.389)  # what was shown
    assert consumed_parts(heat_pump) == ("eheater", "compressor", "ventilation")
    assert consumed(heat_pump) == 5485.556
    hot_water = _parts(
        [{"outputProduced": 4294.98}, {"eheater": 0.15}, {"compressor": 1707.29}]
    )
    assert consumed(hot_water) == 1707.44
    boiler = _parts([{"burner": 1569.0}, {"electricity": 236.8}, {"total": 1805.8}])
    assert consumed(boiler) == 1805.8  # fuel and auxiliary electricity
    # Where the heat pump reports its parts, electricity is not added again.
    both = _parts([{"compressor": 14.0}, {"eheater": 2.0}, {"electricity": 16.0}])
    assert consumed(both) == 16.0
    assert consumed(_parts([{"total": 42.0}])) == 42.0  # only the gateway's sum
    assert consumed(_parts([{"outputProduced": 30.0}, {"solar": 27.9}])) is None
    assert unknown_parts(("compressor", "total", "geothermal")) == ("geothermal",)
