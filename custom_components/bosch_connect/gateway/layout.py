"""Which resources a gateway has, and how they become the neutral heating model.

Installations implement subsets of the resource tree. The coordinator probes
once, at setup and on every reload: the ``refEnum`` folders (``FOLDERS``)
name the heating and hot-water circuits, heat sources, zones, solar
circuits, ventilation zones and the pool; then every resource that an entity
could use is read once. A folder or resource answering 403 or 404 is absent
(real gateways answer 403 for a path outside the specification). The K 40 RF
specification has no folder resources at all, so where a folder is absent the
members are the ids that the specification allows (``SPEC_MEMBERS``: hc1-hc4,
dhw1-dhw2, hs1-hs6, zone1-zone16, sc1, zone1 of ventilation) and a member
exists when one of its resources answers. Afterwards only the resources that
enabled entities use are polled (``used_paths``).

Modes: where a circuit has no ``operationMode`` (the K 40 RF owner channel
has none), what it reports of itself stands in, read-only: a heating circuit's
``overallStatus`` (``heating_auto`` is automatic, ``heating_manual_on`` and
``ch_enabled`` heat, ``ch_disabled``, ``summer_idle`` and the ``*_off``
states are off, ``cooling_manual_on`` cools), a hot-water circuit's
``currentTemperatureLevel`` (off, low, eco, high).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
import re

from ..heating.model import (
    HeatingCircuitState,
    HotWaterState,
    Modes,
    Setpoint,
)
from .api import GatewayClient
from .const import PARALLEL_REQUESTS
from .energy import ENERGY_RESOURCES
from .values import Resource

HEATING_CIRCUITS = "/heatingCircuits"
HOT_WATER_CIRCUITS = "/dhwCircuits"
HEAT_SOURCES = "/heatSources"
ZONES = "/zones"
SOLAR_CIRCUITS = "/solarCircuits"
VENTILATION = "/ventilation"
POOL = "/pool"
# The folders whose members the probe looks for (in the K 40 RF OpenAPI).
FOLDERS = (
    HEATING_CIRCUITS,
    HOT_WATER_CIRCUITS,
    HEAT_SOURCES,
    ZONES,
    SOLAR_CIRCUITS,
    VENTILATION,
    POOL,
)
# A member of a folder: letters and a number (hc1, dhw1, hs1, zone1, sc1).
# Leaves and sub-folders of the same folder (``/heatSources/emon``,
# ``/zones/configuration``) are no members.
_MEMBER = re.compile(r"[A-Za-z]{1,16}[0-9]{1,3}")
# The most members taken from one folder (a controller has a few circuits).
MAX_MEMBERS = 32
# The member ids the K 40 RF specification allows, for gateways without folders.
SPEC_MEMBERS: dict[str, tuple[str, ...]] = {
    HEATING_CIRCUITS: tuple(f"hc{i}" for i in range(1, 5)),
    HOT_WATER_CIRCUITS: ("dhw1", "dhw2"),
    HEAT_SOURCES: tuple(f"hs{i}" for i in range(1, 7)),
    ZONES: tuple(f"zone{i}" for i in range(1, 17)),
    SOLAR_CIRCUITS: ("sc1",),
    VENTILATION: ("zone1",),
}
# Resources that tell whether a solar circuit, ventilation zone or the pool
# exists (no entity reads them).
SOLAR_PRESENCE = ("collectorTemperature", "solarYield")
VENTILATION_PRESENCE = ("sensors/exhaustTemp", "exhaustFanLevel")
POOL_PRESENCE = f"{POOL}/currentTemp"

# Per heating circuit (relative to /heatingCircuits/<id>/).
HC_ROOM_TEMPERATURE = "roomtemperature"
HC_CURRENT_SETPOINT = "currentRoomSetpoint"
HC_MANUAL_SETPOINT = "manualRoomSetpoint"
HC_TEMPORARY_SETPOINT = "temporaryRoomSetpoint"
HC_OPERATION_MODE = "operationMode"
HC_HUMIDITY = "actualHumidity"
HC_PUMP = "pumpStatus"
HC_MAX_FLOW = "maxFlowTemp"
HC_OVERALL_STATUS = "overallStatus"
HC_RESOURCES = (
    HC_ROOM_TEMPERATURE,
    HC_CURRENT_SETPOINT,
    HC_MANUAL_SETPOINT,
    HC_TEMPORARY_SETPOINT,
    HC_OPERATION_MODE,
    HC_HUMIDITY,
    HC_PUMP,
    HC_MAX_FLOW,
    HC_OVERALL_STATUS,
)
# What the climate entity reads besides the setpoint that the mode uses.
_HC_CLIMATE = (
    HC_ROOM_TEMPERATURE,
    HC_CURRENT_SETPOINT,
    HC_OPERATION_MODE,
    HC_HUMIDITY,
    HC_PUMP,
)

# Per hot-water circuit (relative to /dhwCircuits/<id>/).
DHW_ACTUAL = "actualTemp"
DHW_SETPOINT = "currentSetpoint"
DHW_OPERATION_MODE = "operationMode"
DHW_LEVEL_HIGH = "temperatureLevels/high"
DHW_LEVEL_LOW = "temperatureLevels/low"
DHW_LEVEL_ECO = "temperatureLevels/eco"
DHW_CURRENT_LEVEL = "currentTemperatureLevel"
DHW_RESOURCES = (
    DHW_ACTUAL,
    DHW_SETPOINT,
    DHW_OPERATION_MODE,
    DHW_LEVEL_HIGH,
    DHW_LEVEL_LOW,
    DHW_LEVEL_ECO,
    DHW_CURRENT_LEVEL,
)
# What the water heater reads besides the level that the mode uses.
_DHW_WATER_HEATER = (DHW_ACTUAL, DHW_SETPOINT, DHW_OPERATION_MODE)
# The temperature level that an operation mode heats to.
_DHW_LEVELS = {"low": DHW_LEVEL_LOW, "eco": DHW_LEVEL_ECO}

# Per heat source (relative to /heatSources/<id>/): emonValue counters.
HS_STARTS = "numberOfStarts"
HS_WORKING_TIME = "workingTime"
HS_RESOURCES = (HS_STARTS, HS_WORKING_TIME)

# Per zone (relative to /zones/<id>/).
ZONE_TEMPERATURE = "averageCurrentTemperature"
ZONE_HUMIDITY = "averageActualHumidity"
ZONE_RESOURCES = (ZONE_TEMPERATURE, ZONE_HUMIDITY)

# System-wide resources (sensors and device information).
OUTDOOR_TEMPERATURE = "/system/sensors/temperatures/outdoor_t1"
SUPPLY_TEMPERATURE = "/heatSources/actualSupplyTemperature"
RETURN_TEMPERATURE = "/heatSources/returnTemperature"
SYSTEM_PRESSURE = "/heatSources/systemPressure"
MODULATION = "/heatSources/actualModulation"
FIRMWARE = "/gateway/versionFirmware"
HARDWARE = "/gateway/versionHardware"
NOTIFICATIONS = "/notifications"
SYSTEM_RESOURCES = (
    OUTDOOR_TEMPERATURE,
    SUPPLY_TEMPERATURE,
    RETURN_TEMPERATURE,
    SYSTEM_PRESSURE,
    MODULATION,
    *ENERGY_RESOURCES,
    FIRMWARE,
    HARDWARE,
    NOTIFICATIONS,
)


def hc_path(circuit: str, resource: str) -> str:
    """The path of a heating circuit's resource."""
    return f"{HEATING_CIRCUITS}/{circuit}/{resource}"


def dhw_path(circuit: str, resource: str) -> str:
    """The path of a hot-water circuit's resource."""
    return f"{HOT_WATER_CIRCUITS}/{circuit}/{resource}"


def hs_path(source: str, resource: str) -> str:
    """The path of a heat source's resource."""
    return f"{HEAT_SOURCES}/{source}/{resource}"


def zone_path(zone: str, resource: str) -> str:
    """The path of a zone's resource."""
    return f"{ZONES}/{zone}/{resource}"


@dataclass(frozen=True, slots=True)
class Layout:
    """What the probe found: folder members and every resource worth polling.

    ``energy_parts``: the parts each energy resource reported at the probe.
    """

    heating_circuits: tuple[str, ...] = ()
    hot_water_circuits: tuple[str, ...] = ()
    heat_sources: tuple[str, ...] = ()
    zones: tuple[str, ...] = ()
    solar_circuits: tuple[str, ...] = ()
    ventilation_zones: tuple[str, ...] = ()
    pool: bool = False
    paths: tuple[str, ...] = ()
    energy_parts: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def has(self, path: str) -> bool:
        """True when the gateway has this resource."""
        return path in self.paths


def _members(folder: str, resource: Resource | None) -> tuple[str, ...]:
    """The members that a folder refers to (none when it is absent)."""
    if resource is None or resource.type != "refEnum":
        return ()
    prefix = f"{folder}/"
    members = (
        member
        for ref in resource.references
        if ref.startswith(prefix)
        and _MEMBER.fullmatch(member := ref.removeprefix(prefix))
    )
    return tuple(dict.fromkeys(members))[:MAX_MEMBERS]


def _with_any(
    members: Iterable[str],
    present: Mapping[str, Resource],
    path: str,
    names: Iterable[str],
) -> tuple[str, ...]:
    """The members of which the gateway has at least one resource."""
    names = tuple(names)
    return tuple(
        member
        for member in members
        if any(f"{path}/{member}/{name}" in present for name in names)
    )


async def async_probe(
    client: GatewayClient, parallel: int = PARALLEL_REQUESTS
) -> tuple[Layout, dict[str, Resource]]:
    """Find the folder members and resources; also return the first readings.

    Two rounds of reads, each at most ``parallel`` at a time: the folders,
    then every resource an entity could use. 403 and 404 mean absent.
    """
    folders = await client.get_many(FOLDERS, parallel=parallel)
    members = {
        folder: _members(folder, folders[folder])
        if folders[folder] is not None
        else SPEC_MEMBERS.get(folder, ())
        for folder in FOLDERS
    }
    heating = members[HEATING_CIRCUITS]
    hot_water = members[HOT_WATER_CIRCUITS]
    sources = members[HEAT_SOURCES]
    zones = members[ZONES]
    # Without folders, solar, ventilation and pool exist where they answer.
    solar = members[SOLAR_CIRCUITS] if folders[SOLAR_CIRCUITS] is None else ()
    ventilation = members[VENTILATION] if folders[VENTILATION] is None else ()
    candidates = [
        *(hc_path(hc, name) for hc in heating for name in HC_RESOURCES),
        *(dhw_path(dhw, name) for dhw in hot_water for name in DHW_RESOURCES),
        *(hs_path(hs, name) for hs in sources for name in HS_RESOURCES),
        *(zone_path(zone, name) for zone in zones for name in ZONE_RESOURCES),
        *(f"{SOLAR_CIRCUITS}/{sc}/{name}" for sc in solar for name in SOLAR_PRESENCE),
        *(
            f"{VENTILATION}/{zone}/{name}"
            for zone in ventilation
            for name in VENTILATION_PRESENCE
        ),
        *((POOL_PRESENCE,) if folders[POOL] is None else ()),
        *SYSTEM_RESOURCES,
    ]
    found = await client.get_many(candidates, parallel=parallel)
    present = {path: res for path, res in found.items() if res is not None}
    presence = (
        *(f"{SOLAR_CIRCUITS}/{sc}/{name}" for sc in solar for name in SOLAR_PRESENCE),
        *(
            f"{VENTILATION}/{zone}/{name}"
            for zone in ventilation
            for name in VENTILATION_PRESENCE
        ),
        POOL_PRESENCE,
    )
    layout = Layout(
        heating_circuits=_with_any(heating, present, HEATING_CIRCUITS, HC_RESOURCES),
        hot_water_circuits=_with_any(
            hot_water, present, HOT_WATER_CIRCUITS, DHW_RESOURCES
        ),
        heat_sources=_with_any(sources, present, HEAT_SOURCES, HS_RESOURCES),
        zones=_with_any(zones, present, ZONES, ZONE_RESOURCES),
        solar_circuits=members[SOLAR_CIRCUITS]
        if folders[SOLAR_CIRCUITS] is not None
        else _with_any(solar, present, SOLAR_CIRCUITS, SOLAR_PRESENCE),
        ventilation_zones=members[VENTILATION]
        if folders[VENTILATION] is not None
        else _with_any(ventilation, present, VENTILATION, VENTILATION_PRESENCE),
        pool=folders[POOL] is not None or POOL_PRESENCE in present,
        # Presence checks are no resources to poll.
        paths=tuple(path for path in present if path not in presence),
        energy_parts={
            path: tuple(present[path].energy)
            for path in ENERGY_RESOURCES
            if path in present
        },
    )
    return layout, present


def _number(resource: Resource | None) -> float | None:
    if resource is None or isinstance(resource.value, str) or resource.value is None:
        return None
    return float(resource.value)


def _setpoint(resource: Resource | None, shown: Resource | None) -> Setpoint:
    """A setpoint written to ``resource``, showing ``shown`` (or itself).

    A sentinel in ``shown`` (the circuit is off) stays unknown.
    """
    value = _number(shown) if shown is not None else _number(resource)
    if resource is None:
        return Setpoint(value=value)
    return Setpoint(
        value=value,
        minimum=resource.min,
        maximum=resource.max,
        step=resource.step,
        writable=resource.writeable,
    )


def _modes(resource: Resource | None) -> Modes:
    if resource is None:
        return Modes(value=None)
    value = resource.value if isinstance(resource.value, str) else None
    return Modes(
        value=value,
        allowed=resource.allowed_values or (),
        writable=resource.writeable and bool(resource.allowed_values),
    )


# A heating circuit's overallStatus as the operation mode it stands for.
_STATUS_MODES = {
    "heating_auto": "auto",
    "away": "auto",
    "holiday": "auto",
    "heating_manual_on": "manual",
    "ch_enabled": "manual",
    "boost": "manual",
    "emergency_mode": "manual",
    "floor_drying": "manual",
    "cooling_manual_on": "cool",
    "ch_disabled": "off",
    "summer_idle": "off",
    "heating_manual_off": "off",
    "cooling_manual_off": "off",
}


def _reported_mode(resource: Resource | None, table: Mapping[str, str] | None) -> Modes:
    """What a circuit reports of itself, as a mode that cannot be changed."""
    if resource is None or not isinstance(resource.value, str):
        return Modes(value=None)
    raw = resource.value.strip().lower()
    value = table.get(raw) if table is not None else raw
    if value is None:
        return Modes(value=None)
    return Modes(value=value, allowed=(value,), writable=False)


def _setpoint_order(data: Mapping[str, Resource], circuit: str) -> tuple[str, ...]:
    mode = data.get(hc_path(circuit, HC_OPERATION_MODE))
    automatic = mode is not None and str(mode.value).lower() not in ("manual", "off")
    names = (
        (HC_TEMPORARY_SETPOINT, HC_MANUAL_SETPOINT, HC_CURRENT_SETPOINT)
        if automatic
        else (HC_MANUAL_SETPOINT, HC_TEMPORARY_SETPOINT, HC_CURRENT_SETPOINT)
    )
    return tuple(hc_path(circuit, name) for name in names)


def _first_writable(data: Mapping[str, Resource], paths: Iterable[str]) -> str | None:
    for path in paths:
        resource = data.get(path)
        if resource is not None and resource.writeable:
            return path
    return None


def setpoint_path(data: Mapping[str, Resource], circuit: str) -> str | None:
    """The resource a new room setpoint goes to.

    In automatic mode a temporary setpoint (until the next switch point) if the
    circuit has one, else the manual setpoint; the current setpoint only when
    it is the one writable resource.
    """
    return _first_writable(data, _setpoint_order(data, circuit))


def heating_circuit(
    data: Mapping[str, Resource], circuit: str
) -> HeatingCircuitState | None:
    """The neutral state of a heating circuit, None when nothing is known."""
    if not any(hc_path(circuit, name) in data for name in HC_RESOURCES):
        return None
    room = data.get(hc_path(circuit, HC_ROOM_TEMPERATURE))
    current = data.get(hc_path(circuit, HC_CURRENT_SETPOINT))
    target_path = setpoint_path(data, circuit)
    target = data.get(target_path) if target_path else None
    pump = data.get(hc_path(circuit, HC_PUMP))
    unit = next(
        (r.unit for r in (room, current, target) if r is not None and r.unit), None
    )
    operation = data.get(hc_path(circuit, HC_OPERATION_MODE))
    return HeatingCircuitState(
        current_temperature=_number(room),
        target=_setpoint(target, current),
        mode=_modes(operation)
        if operation is not None
        else _reported_mode(
            data.get(hc_path(circuit, HC_OVERALL_STATUS)), _STATUS_MODES
        ),
        unit=unit,
        current_humidity=_number(data.get(hc_path(circuit, HC_HUMIDITY))),
        heating=None if pump is None or pump.value is None else pump.value == "on",
    )


def _level_order(data: Mapping[str, Resource], circuit: str) -> tuple[str, ...]:
    mode = data.get(dhw_path(circuit, DHW_OPERATION_MODE))
    raw = str(mode.value).lower() if mode is not None else ""
    names = (_DHW_LEVELS.get(raw, DHW_LEVEL_HIGH), DHW_SETPOINT)
    return tuple(dhw_path(circuit, name) for name in names)


def hot_water_setpoint_path(data: Mapping[str, Resource], circuit: str) -> str | None:
    """The resource a new hot-water setpoint goes to.

    The temperature level of the current operation mode (``low``, ``eco``;
    ``high`` for every other mode), else the current setpoint if writable.
    """
    return _first_writable(data, _level_order(data, circuit))


def hot_water(data: Mapping[str, Resource], circuit: str) -> HotWaterState | None:
    """The neutral state of a hot-water circuit, None when nothing is known."""
    if not any(dhw_path(circuit, name) in data for name in DHW_RESOURCES):
        return None
    actual = data.get(dhw_path(circuit, DHW_ACTUAL))
    current = data.get(dhw_path(circuit, DHW_SETPOINT))
    target_path = hot_water_setpoint_path(data, circuit)
    target = data.get(target_path) if target_path else None
    unit = next(
        (r.unit for r in (actual, current, target) if r is not None and r.unit), None
    )
    return HotWaterState(
        current_temperature=_number(actual),
        # The level that the mode heats to (what a write changes), else current.
        target=_setpoint(target, None)
        if target is not None
        else _setpoint(None, current),
        mode=_modes(operation)
        if (operation := data.get(dhw_path(circuit, DHW_OPERATION_MODE))) is not None
        else _reported_mode(data.get(dhw_path(circuit, DHW_CURRENT_LEVEL)), None),
        unit=unit,
    )


def _chosen(
    layout: Layout, data: Mapping[str, Resource], paths: Iterable[str]
) -> str | None:
    """The first of ``paths`` the gateway has that is writable or not read yet."""
    for path in paths:
        if not layout.has(path):
            continue
        resource = data.get(path)
        if resource is None or resource.writeable:
            return path
    return None


def _context_paths(
    layout: Layout, data: Mapping[str, Resource], context: str
) -> list[str]:
    """The resources that the entity with ``context`` reads.

    A circuit folder: the circuit's resources and the one setpoint (level)
    that the current mode uses; any other context is the resource itself.
    """
    head, _, circuit = context.rpartition("/")
    if head == HEATING_CIRCUITS and circuit in layout.heating_circuits:
        # The status stands in for a missing operation mode only.
        status = (
            ()
            if layout.has(hc_path(circuit, HC_OPERATION_MODE))
            else (hc_path(circuit, HC_OVERALL_STATUS),)
        )
        return [
            *(hc_path(circuit, name) for name in _HC_CLIMATE),
            *status,
            _chosen(layout, data, _setpoint_order(data, circuit)) or "",
        ]
    if head == HOT_WATER_CIRCUITS and circuit in layout.hot_water_circuits:
        level = (
            ()
            if layout.has(dhw_path(circuit, DHW_OPERATION_MODE))
            else (dhw_path(circuit, DHW_CURRENT_LEVEL),)
        )
        return [
            *(dhw_path(circuit, name) for name in _DHW_WATER_HEATER),
            *level,
            _chosen(layout, data, _level_order(data, circuit)) or "",
        ]
    return [context]


def used_paths(
    layout: Layout, data: Mapping[str, Resource], contexts: Collection[str]
) -> tuple[str, ...]:
    """The resources that the entities with ``contexts`` read, given ``data``.

    Each entity registers one context: the resource it reads, or its circuit's
    folder. Of the setpoints and hot-water levels only the one that the
    current mode uses is read; a mode change is followed within the same poll
    (the coordinator asks again with the new data). A disabled entity has no
    context and costs no request.
    """
    used: list[str] = []
    for context in sorted(contexts):
        used += _context_paths(layout, data, context)
    return tuple(path for path in dict.fromkeys(used) if layout.has(path))
