"""Circuits, heat sources and zones are child devices of the gateway's device."""

from __future__ import annotations

from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.bosch_connect import async_remove_config_entry_device
from custom_components.bosch_connect.const import DOMAIN
from custom_components.bosch_connect.gateway.entity import (
    HEATING_CIRCUIT,
    child_device,
    device_info,
)
from simulator.gateway import GatewaySimulator

from . import heat_pump

# The gateway of these tests is on a heat pump (see heat_pump.py).
sim_options = heat_pump.sim_options
gateway_sim = heat_pump.gateway_sim

UUID = "101042019"
CHILDREN = {
    f"{UUID}_heating_circuit_hc1": "Heating circuit 1",
    f"{UUID}_heating_circuit_hc2": "Heating circuit 2",
    f"{UUID}_hot_water_circuit_dhw1": "Hot water 1",
    f"{UUID}_heat_source_hs1": "Heat source 1",
    f"{UUID}_zone_zone1": "Zone 1",
}
# Entity -> the child device it belongs to.
ON_CHILD = {
    "climate.bosch_k40rf_heating_circuit_1": f"{UUID}_heating_circuit_hc1",
    "number.bosch_k40rf_heating_circuit_1_maximum_flow_temperature": (
        f"{UUID}_heating_circuit_hc1"
    ),
    "climate.bosch_k40rf_heating_circuit_2": f"{UUID}_heating_circuit_hc2",
    "water_heater.bosch_k40rf_hot_water_1": f"{UUID}_hot_water_circuit_dhw1",
    "sensor.bosch_k40rf_heat_source_1_starts": f"{UUID}_heat_source_hs1",
    "sensor.bosch_k40rf_heat_source_1_working_time": f"{UUID}_heat_source_hs1",
    "sensor.bosch_k40rf_zone_1_temperature": f"{UUID}_zone_zone1",
    "sensor.bosch_k40rf_zone_1_humidity": f"{UUID}_zone_zone1",
}


def _children(
    registry: dr.DeviceRegistry, entry: MockConfigEntry
) -> dict[str, dr.ChildDeviceEntry]:
    return {
        identifier: child
        for child in dr.async_child_entries_for_config_entry(registry, entry.entry_id)
        for domain, identifier in child.identifiers
        if domain == DOMAIN
    }


async def test_children_of_the_gateway_device(
    hass: HomeAssistant,
    loaded_gateway_entry: MockConfigEntry,
    device_registry: dr.DeviceRegistry,
    entity_registry: er.EntityRegistry,
) -> None:
    """Each circuit, heat source and zone: a named child; its entities on it."""
    gateway = device_registry.async_get_device_by_identifier(
        (DOMAIN, UUID), loaded_gateway_entry.entry_id
    )
    assert gateway is not None
    assert gateway.name == "Bosch K40RF"
    children = _children(device_registry, loaded_gateway_entry)
    assert {key: child.name for key, child in children.items()} == CHILDREN
    assert {child.parent_device_id for child in children.values()} == {gateway.id}
    for entity_id, key in ON_CHILD.items():
        entry = entity_registry.async_get(entity_id)
        assert entry is not None, entity_id
        assert entry.device_id == children[key].id, entity_id
    # System sensors stay on the gateway's device.
    outdoor = entity_registry.async_get("sensor.bosch_k40rf_outdoor_temperature")
    assert outdoor is not None
    assert outdoor.device_id == gateway.id
    assert hass.states.get("sensor.bosch_k40rf_zone_1_temperature").state == "21.2"


async def test_device_names_are_translated(
    hass: HomeAssistant,
    gateway_entry: MockConfigEntry,
    device_registry: dr.DeviceRegistry,
) -> None:
    """In German: Heizkreis, Warmwasser, Wärmeerzeuger, Zone."""
    hass.config.language = "de"
    assert await hass.config_entries.async_setup(gateway_entry.entry_id)
    await hass.async_block_till_done()
    names = {c.name for c in _children(device_registry, gateway_entry).values()}
    assert names == {
        "Heizkreis 1",
        "Heizkreis 2",
        "Warmwasser 1",
        "Wärmeerzeuger 1",
        "Zone 1",
    }


async def test_a_circuit_gone_at_reload_goes_with_its_device(
    hass: HomeAssistant,
    gateway_sim: GatewaySimulator,
    loaded_gateway_entry: MockConfigEntry,
    device_registry: dr.DeviceRegistry,
    entity_registry: er.EntityRegistry,
) -> None:
    """The stale device and its entities are removed; the others stay."""
    for path in list(gateway_sim.resources.leaves):
        if path.startswith("/heatingCircuits/hc2/"):
            gateway_sim.remove(path)
    assert await hass.config_entries.async_reload(loaded_gateway_entry.entry_id)
    await hass.async_block_till_done()
    children = _children(device_registry, loaded_gateway_entry)
    assert f"{UUID}_heating_circuit_hc2" not in children
    assert f"{UUID}_heating_circuit_hc1" in children
    assert entity_registry.async_get("climate.bosch_k40rf_heating_circuit_2") is None
    assert hass.states.get("climate.bosch_k40rf_heating_circuit_1") is not None


async def test_only_a_stale_device_may_be_deleted(
    hass: HomeAssistant,
    loaded_gateway_entry: MockConfigEntry,
    device_registry: dr.DeviceRegistry,
) -> None:
    """Devices the gateway still has are refused; one it no longer has may go."""
    gateway = device_registry.async_get_device_by_identifier(
        (DOMAIN, UUID), loaded_gateway_entry.entry_id
    )
    assert gateway is not None
    assert not await async_remove_config_entry_device(
        hass, loaded_gateway_entry, gateway
    )
    child = _children(device_registry, loaded_gateway_entry)[f"{UUID}_zone_zone1"]
    assert not await async_remove_config_entry_device(
        hass,
        loaded_gateway_entry,
        child,  # type: ignore[arg-type]
    )
    stale = device_registry.async_get_or_create(
        config_entry_id=loaded_gateway_entry.entry_id,
        identifiers={(DOMAIN, f"{UUID}_zone_zone7")},
    )
    assert await async_remove_config_entry_device(hass, loaded_gateway_entry, stale)
    assert await hass.config_entries.async_unload(loaded_gateway_entry.entry_id)
    # Not loaded: nothing is known to be stale.
    assert not await async_remove_config_entry_device(hass, loaded_gateway_entry, stale)


async def test_child_device_before_the_gateway_device_is_the_gateway(
    hass: HomeAssistant, loaded_gateway_entry: MockConfigEntry
) -> None:
    """Without the parent registered, an entity stays on the gateway's device."""
    coordinator = loaded_gateway_entry.runtime_data.coordinator
    coordinator.device_id = None
    assert child_device(coordinator, HEATING_CIRCUIT, "hc1") == device_info(coordinator)
