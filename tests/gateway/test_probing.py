"""Probing that survives real gateways (403 = 404 = absent); polling what is used.

Against the simulator's heat-pump installation, which answers 403 outside its
tree as real gateways do (no solar circuit, pool or ventilation), and 404 for
a resource removed from it.
"""

from __future__ import annotations

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.bosch_connect.gateway.coordinator import GatewayCoordinator
from custom_components.bosch_connect.gateway.layout import MAX_MEMBERS, _members
from custom_components.bosch_connect.gateway.values import parse_resource
from simulator.faults import Fault
from simulator.gateway import GatewaySimulator

from . import heat_pump

# The gateway of these tests is on a heat pump (see heat_pump.py).
sim_options = heat_pump.sim_options
gateway_sim = heat_pump.gateway_sim

FOLDERS = (
    "/heatingCircuits",
    "/dhwCircuits",
    "/heatSources",
    "/zones",
    "/solarCircuits",
    "/ventilation",
    "/pool",
)
# What the enabled entities of the heat pump read per refresh: one request each.
# The K 40 RF has no operation modes: the circuits' status and the tank's
# current level stand in (read-only).
HC = "/heatingCircuits"
POLLED = {
    *(f"{HC}/hc1/{n}" for n in ("roomtemperature", "currentRoomSetpoint")),
    *(f"{HC}/hc1/{n}" for n in ("overallStatus", "actualHumidity", "pumpStatus")),
    f"{HC}/hc1/maxFlowTemp",  # the number entity
    *(f"{HC}/hc2/{n}" for n in ("roomtemperature", "currentRoomSetpoint")),
    *(f"{HC}/hc2/{n}" for n in ("overallStatus", "pumpStatus")),
    f"{HC}/hc2/maxFlowTemp",
    *(f"/dhwCircuits/dhw1/{n}" for n in ("actualTemp", "currentSetpoint")),
    "/dhwCircuits/dhw1/currentTemperatureLevel",
    "/system/sensors/temperatures/outdoor_t1",
    "/heatSources/actualSupplyTemperature",
    "/heatSources/returnTemperature",
    "/heatSources/systemPressure",
    "/heatSources/actualModulation",
    "/heatSources/emon/totalConsumption",
    "/heatSources/emon/chConsumption",
    "/heatSources/emon/dhwConsumption",
    "/heatSources/emon/coolingConsumption",
    "/heatSources/hs1/numberOfStarts",
    "/heatSources/hs1/workingTime",
    "/zones/zone1/averageCurrentTemperature",
    "/zones/zone1/averageActualHumidity",
    "/notifications",
}
FIRMWARE = "sensor.bosch_k40rf_firmware"
OUTDOOR = "sensor.bosch_k40rf_outdoor_temperature"


def _coordinator(entry: MockConfigEntry) -> GatewayCoordinator:
    coordinator: GatewayCoordinator = entry.runtime_data.coordinator
    return coordinator


async def _refresh_requests(sim: GatewaySimulator, entry: MockConfigEntry) -> list[str]:
    """The GETs of one refresh."""
    sim.faults.log.clear()
    await _coordinator(entry).async_refresh()
    assert _coordinator(entry).last_update_success
    return [r.path for r in sim.faults.requests(method="GET")]


async def _reload(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()


async def test_probe_finds_what_the_heat_pump_has(
    hass: HomeAssistant, gateway_sim: GatewaySimulator, gateway_entry: MockConfigEntry
) -> None:
    """No folders (403, as the K 40 RF specification has none): the ids that
    the specification allows are tried; what answers exists; 4 at a time."""
    gateway_sim.faults.latency = 0.02  # let requests overlap
    assert await hass.config_entries.async_setup(gateway_entry.entry_id)
    await hass.async_block_till_done()
    assert gateway_entry.state is ConfigEntryState.LOADED
    layout = _coordinator(gateway_entry).layout
    assert layout.heating_circuits == ("hc1", "hc2")
    assert layout.hot_water_circuits == ("dhw1",)
    assert layout.heat_sources == ("hs1",)
    assert layout.zones == ("zone1",)
    assert (layout.solar_circuits, layout.ventilation_zones, layout.pool) == (
        (),
        (),
        False,
    )
    for folder in ("/solarCircuits", "/ventilation", "/pool"):
        assert gateway_sim.resources.absent_status(folder) == 403
    requested = [r.path for r in gateway_sim.faults.requests(method="GET")]
    # Each folder once; every candidate once; never more than 4 in flight.
    assert all(requested.count(folder) == 1 for folder in FOLDERS)
    assert len(requested) == len(set(requested))
    assert 2 <= gateway_sim.max_in_flight <= 4
    # A candidate outside the tree (the pool's energy) answered 403: absent.
    assert "/heatSources/emon/poolConsumption" in requested
    assert not layout.has("/heatSources/emon/poolConsumption")
    assert layout.energy_parts["/heatSources/emon/totalConsumption"] == (
        "outputProduced",
        "eheater",
        "compressor",
    )


async def test_404_is_absent_too(
    hass: HomeAssistant, gateway_sim: GatewaySimulator, gateway_entry: MockConfigEntry
) -> None:
    """Removed resources (404) are absent: no entity, no request later."""
    gateway_sim.remove("/zones/zone1/averageActualHumidity")
    gateway_sim.remove("/heatSources/emon/coolingConsumption")
    assert await hass.config_entries.async_setup(gateway_entry.entry_id)
    await hass.async_block_till_done()
    layout = _coordinator(gateway_entry).layout
    assert layout.zones == ("zone1",)
    assert not layout.has("/zones/zone1/averageActualHumidity")
    assert hass.states.get("sensor.bosch_k40rf_zone_1_humidity") is None
    assert hass.states.get("sensor.bosch_k40rf_zone_1_temperature") is not None
    assert hass.states.get("sensor.bosch_k40rf_cooling_energy_consumption") is None
    requested = await _refresh_requests(gateway_sim, gateway_entry)
    assert set(requested) == POLLED - {
        "/zones/zone1/averageActualHumidity",
        "/heatSources/emon/coolingConsumption",
    }


async def test_a_403_on_a_folder_never_stops_setup(
    hass: HomeAssistant, gateway_sim: GatewaySimulator, gateway_entry: MockConfigEntry
) -> None:
    """A gateway that refuses the circuits' folder: set up without circuits."""
    gateway_sim.faults.set("/heatingCircuits", Fault(status=403))
    assert await hass.config_entries.async_setup(gateway_entry.entry_id)
    await hass.async_block_till_done()
    assert gateway_entry.state is ConfigEntryState.LOADED
    assert _coordinator(gateway_entry).layout.heating_circuits == ()
    assert hass.states.get("climate.bosch_k40rf_heating_circuit_1") is None
    assert hass.states.get("water_heater.bosch_k40rf_hot_water_1") is not None


async def test_a_403_on_a_polled_resource_makes_only_its_entity_unavailable(
    hass: HomeAssistant,
    gateway_sim: GatewaySimulator,
    loaded_gateway_entry: MockConfigEntry,
) -> None:
    """The refresh succeeds; the resource that answered 403 is gone."""
    gateway_sim.faults.set("/system/sensors/temperatures/outdoor_t1", Fault(status=403))
    await _coordinator(loaded_gateway_entry).async_refresh()
    await hass.async_block_till_done()
    assert _coordinator(loaded_gateway_entry).last_update_success
    assert hass.states.get(OUTDOOR).state == STATE_UNAVAILABLE
    assert hass.states.get("sensor.bosch_k40rf_supply_temperature").state == "33.4"
    gateway_sim.faults.clear()
    await _coordinator(loaded_gateway_entry).async_refresh()
    await hass.async_block_till_done()
    assert hass.states.get(OUTDOOR).state == "8.5"


async def test_refresh_costs_one_request_per_enabled_resource(
    hass: HomeAssistant,
    gateway_sim: GatewaySimulator,
    loaded_gateway_entry: MockConfigEntry,
    entity_registry: er.EntityRegistry,
) -> None:
    """Disabled entities cost nothing; enabled later: one more after reload."""
    requested = await _refresh_requests(gateway_sim, loaded_gateway_entry)
    assert sorted(requested) == sorted(POLLED)  # each once, 28 in all
    assert len(requested) == 28
    assert (
        entity_registry.async_get(FIRMWARE).disabled_by
        is er.RegistryEntryDisabler.INTEGRATION
    )

    entity_registry.async_update_entity(FIRMWARE, disabled_by=None)
    await _reload(hass, loaded_gateway_entry)
    requested = await _refresh_requests(gateway_sim, loaded_gateway_entry)
    assert sorted(requested) == sorted({*POLLED, "/gateway/versionFirmware"})
    assert hass.states.get(FIRMWARE).state == "15.00.01"

    # A user who disables a sensor saves its request.
    entity_registry.async_update_entity(
        OUTDOOR, disabled_by=er.RegistryEntryDisabler.USER
    )
    await _reload(hass, loaded_gateway_entry)
    requested = await _refresh_requests(gateway_sim, loaded_gateway_entry)
    assert sorted(requested) == sorted(
        {*POLLED, "/gateway/versionFirmware"}
        - {"/system/sensors/temperatures/outdoor_t1"}
    )


async def test_reload_probes_again(
    hass: HomeAssistant,
    gateway_sim: GatewaySimulator,
    loaded_gateway_entry: MockConfigEntry,
) -> None:
    """A zone added at the gateway is found on reload (and only then)."""
    leaf = dict(gateway_sim.resources.leaves["/zones/zone1/averageCurrentTemperature"])
    leaf["id"] = "/zones/zone2/averageCurrentTemperature"
    leaf["value"] = 19.5
    gateway_sim.resources.leaves[leaf["id"]] = leaf
    await _coordinator(loaded_gateway_entry).async_refresh()
    assert _coordinator(loaded_gateway_entry).layout.zones == ("zone1",)
    await _reload(hass, loaded_gateway_entry)
    assert _coordinator(loaded_gateway_entry).layout.zones == ("zone1", "zone2")
    assert hass.states.get("sensor.bosch_k40rf_zone_2_temperature").state == "19.5"


def test_folder_members_are_bounded() -> None:
    """Members look like hc1 or zone12; duplicates once; at most MAX_MEMBERS."""
    references = [
        "/zones/zone1",
        "/zones/zone1",
        "/zones/configuration",
        "/zones/zone1/name",
        "/heatingCircuits/hc1",
        "/zones/" + "z" * 17 + "1",
        "/zones/zone1234",
        *(f"/zones/zone{n}" for n in range(2, 60)),
    ]
    folder = parse_resource(
        {
            "id": "/zones",
            "type": "refEnum",
            "writeable": 0,
            "references": [{"id": ref} for ref in references],
        }
    )
    members = _members("/zones", folder)
    assert members[0] == "zone1"
    assert len(members) == MAX_MEMBERS
    assert members[-1] == f"zone{MAX_MEMBERS}"
    assert _members("/zones", None) == ()
    leaf = parse_resource({"id": "/zones", "type": "stringValue", "value": "x"})
    assert _members("/zones", leaf) == ()
