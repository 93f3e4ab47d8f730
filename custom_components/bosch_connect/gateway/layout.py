"""Which resources a gateway has, and how they become the neutral heating model.

Installations implement subsets of the resource tree. The coordinator probes
once: the ``refEnum`` folders ``/heatingCircuits`` and ``/dhwCircuits`` name
the circuits, then every resource that an entity could use is read once and
those answering 404 are dropped. Afterwards only the resources found are
polled.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from ..heating.model import (
    HeatingCircuitState,
    HotWaterState,
    Modes,
    Setpoint,
)
from .api import GatewayClient
from .const import PARALLEL_REQUESTS
from .errors import ResourceNotFoundError, ValueFormatError
from .values import Resource

HEATING_CIRCUITS = "/heatingCircuits"
HOT_WATER_CIRCUITS = "/dhwCircuits"

# Per heating circuit (relative to /heatingCircuits/<id>/).
HC_ROOM_TEMPERATURE = "roomtemperature"
HC_CURRENT_SETPOINT = "currentRoomSetpoint"
HC_MANUAL_SETPOINT = "manualRoomSetpoint"
HC_TEMPORARY_SETPOINT = "temporaryRoomSetpoint"
HC_OPERATION_MODE = "operationMode"
HC_HUMIDITY = "actualHumidity"
HC_PUMP = "pumpStatus"
HC_MAX_FLOW = "maxFlowTemp"
HC_RESOURCES = (
    HC_ROOM_TEMPERATURE,
    HC_CURRENT_SETPOINT,
    HC_MANUAL_SETPOINT,
    HC_TEMPORARY_SETPOINT,
    HC_OPERATION_MODE,
    HC_HUMIDITY,
    HC_PUMP,
    HC_MAX_FLOW,
)

# Per hot-water circuit (relative to /dhwCircuits/<id>/).
DHW_ACTUAL = "actualTemp"
DHW_SETPOINT = "currentSetpoint"
DHW_OPERATION_MODE = "operationMode"
DHW_LEVEL_HIGH = "temperatureLevels/high"
DHW_LEVEL_LOW = "temperatureLevels/low"
DHW_LEVEL_ECO = "temperatureLevels/eco"
DHW_RESOURCES = (
    DHW_ACTUAL,
    DHW_SETPOINT,
    DHW_OPERATION_MODE,
    DHW_LEVEL_HIGH,
    DHW_LEVEL_LOW,
    DHW_LEVEL_ECO,
)
# The temperature level that an operation mode heats to.
_DHW_LEVELS = {"low": DHW_LEVEL_LOW, "eco": DHW_LEVEL_ECO}

# System-wide resources (sensors and device information).
OUTDOOR_TEMPERATURE = "/system/sensors/temperatures/outdoor_t1"
SUPPLY_TEMPERATURE = "/heatSources/actualSupplyTemperature"
RETURN_TEMPERATURE = "/heatSources/returnTemperature"
SYSTEM_PRESSURE = "/heatSources/systemPressure"
MODULATION = "/heatSources/actualModulation"
ENERGY_TOTAL = "/heatSources/emon/totalConsumption"
ENERGY_HEATING = "/heatSources/emon/chConsumption"
ENERGY_HOT_WATER = "/heatSources/emon/dhwConsumption"
FIRMWARE = "/gateway/versionFirmware"
HARDWARE = "/gateway/versionHardware"
NOTIFICATIONS = "/notifications"
SYSTEM_RESOURCES = (
    OUTDOOR_TEMPERATURE,
    SUPPLY_TEMPERATURE,
    RETURN_TEMPERATURE,
    SYSTEM_PRESSURE,
    MODULATION,
    ENERGY_TOTAL,
    ENERGY_HEATING,
    ENERGY_HOT_WATER,
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


@dataclass(frozen=True, slots=True)
class Layout:
    """What the probe found: circuits and every resource worth polling."""

    heating_circuits: tuple[str, ...]
    hot_water_circuits: tuple[str, ...]
    paths: tuple[str, ...]

    def has(self, path: str) -> bool:
        """True when the gateway has this resource."""
        return path in self.paths


async def _circuits(client: GatewayClient, folder: str) -> tuple[str, ...]:
    try:
        references = await client.list(folder)
    except ResourceNotFoundError, ValueFormatError:
        return ()
    prefix = f"{folder}/"
    return tuple(
        ref.removeprefix(prefix)
        for ref in references
        if ref.startswith(prefix) and "/" not in ref.removeprefix(prefix)
    )


async def async_probe(client: GatewayClient) -> tuple[Layout, dict[str, Resource]]:
    """Find the circuits and resources; also return the first readings."""
    heating = await _circuits(client, HEATING_CIRCUITS)
    hot_water = await _circuits(client, HOT_WATER_CIRCUITS)
    candidates = [
        *(hc_path(hc, name) for hc in heating for name in HC_RESOURCES),
        *(dhw_path(dhw, name) for dhw in hot_water for name in DHW_RESOURCES),
        *SYSTEM_RESOURCES,
    ]
    found = await client.get_many(candidates, parallel=PARALLEL_REQUESTS)
    present = {path: res for path, res in found.items() if res is not None}
    layout = Layout(
        heating_circuits=tuple(
            hc
            for hc in heating
            if any(hc_path(hc, name) in present for name in HC_RESOURCES)
        ),
        hot_water_circuits=tuple(
            dhw
            for dhw in hot_water
            if any(dhw_path(dhw, name) in present for name in DHW_RESOURCES)
        ),
        paths=tuple(present),
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
    return HeatingCircuitState(
        current_temperature=_number(room),
        target=_setpoint(target, current),
        mode=_modes(data.get(hc_path(circuit, HC_OPERATION_MODE))),
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
        mode=_modes(data.get(dhw_path(circuit, DHW_OPERATION_MODE))),
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


def used_paths(layout: Layout, data: Mapping[str, Resource]) -> tuple[str, ...]:
    """The resources the entities read, given the modes in ``data``.

    Of the setpoints and hot-water levels only the one that the current mode
    uses is read; a mode change is followed within the same poll (the
    coordinator asks again with the new data).
    """
    used: list[str] = []
    for hc in layout.heating_circuits:
        used += (
            hc_path(hc, name)
            for name in HC_RESOURCES
            if name not in (HC_MANUAL_SETPOINT, HC_TEMPORARY_SETPOINT)
        )
        used.append(_chosen(layout, data, _setpoint_order(data, hc)) or "")
    for dhw in layout.hot_water_circuits:
        used += (
            dhw_path(dhw, name)
            for name in (DHW_ACTUAL, DHW_SETPOINT, DHW_OPERATION_MODE)
        )
        used.append(_chosen(layout, data, _level_order(data, dhw)) or "")
    used += SYSTEM_RESOURCES
    return tuple(path for path in dict.fromkeys(used) if layout.has(path))
