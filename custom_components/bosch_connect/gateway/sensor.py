"""Sensors of the gateway: temperatures, pressure, modulation, energy, diagnostics.

Energy: per energy resource one sensor of the energy consumed (the consumed
parts only, see ``energy.py``) and one per part that the gateway reports
(electricity per source, fuel, heat produced), in kWh, ``total_increasing``:
what the Energy dashboard takes. Heat sources and zones have their sensors
on their own devices.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import (
    PERCENTAGE,
    EntityCategory,
    UnitOfEnergy,
    UnitOfPressure,
    UnitOfTemperature,
    UnitOfTime,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers.device_registry import ChildDeviceInfo, DeviceInfo
from homeassistant.helpers.entity_platform import AddEntitiesCallback
from homeassistant.helpers.typing import StateType

from .coordinator import GatewayConfigEntry, GatewayCoordinator
from .energy import (
    ENERGY_PURPOSES,
    PART_KEYS,
    TOTAL_PART,
    complete,
    consumed,
    counters,
)
from .entity import (
    HEAT_SOURCE,
    HEATING_CIRCUIT,
    HOT_WATER_CIRCUIT,
    ZONE,
    GatewayEntity,
    child_device,
)
from .layout import (
    DHW_SETPOINT,
    FIRMWARE,
    HARDWARE,
    HC_CURRENT_SETPOINT,
    HS_STARTS,
    HS_WORKING_TIME,
    MODULATION,
    NOTIFICATIONS,
    OUTDOOR_TEMPERATURE,
    RETURN_TEMPERATURE,
    SUPPLY_TEMPERATURE,
    SYSTEM_PRESSURE,
    ZONE_HUMIDITY,
    ZONE_TEMPERATURE,
    Layout,
    dhw_path,
    hc_path,
    hot_water_setpoint_path,
    hs_path,
    setpoint_path,
    zone_path,
)
from .signals import async_add_signal_sensors
from .values import Resource


def _number(resource: Resource) -> StateType:
    value = resource.value
    if value is None or isinstance(value, str):
        return None
    return value


def _text(resource: Resource) -> StateType:
    return None if resource.value is None else str(resource.value)


def _consumed(resource: Resource) -> StateType:
    """The energy consumed (kWh): the consumed parts only, all of them valid."""
    return consumed(counters(resource)) if complete(resource) else None


def _part(part: str, resource: Resource) -> StateType:
    """One part of an energy resource (kWh); unknown when not reported."""
    return counters(resource).get(part)


def _total(resource: Resource) -> StateType:
    """The ``total`` of a counter resource (starts, working time)."""
    return resource.energy.get(TOTAL_PART)


def _notification_count(resource: Resource) -> StateType:
    return len(resource.notifications)


def notification_codes(resource: Resource) -> list[str]:
    """The active codes: display code and cause code (``4U-521``)."""
    return [
        f"{n.dcd}-{n.ccd}" if n.ccd is not None else n.dcd
        for n in resource.notifications
    ]


def _notification_details(resource: Resource) -> dict[str, Any]:
    # The codes active now; the event entity tells when one is raised or cleared.
    return {"codes": notification_codes(resource)}


@dataclass(frozen=True, kw_only=True)
class GatewaySensorDescription(SensorEntityDescription):
    """A sensor reading one resource."""

    path: str
    # The unique id's key (default: the path); several sensors read one path.
    unique: str | None = None
    value_fn: Callable[[Resource], StateType] = _number
    attributes_fn: Callable[[Resource], dict[str, Any]] | None = None


def _temperature(key: str, path: str) -> GatewaySensorDescription:
    return GatewaySensorDescription(
        key=key,
        translation_key=f"gateway_{key}",
        path=path,
        device_class=SensorDeviceClass.TEMPERATURE,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfTemperature.CELSIUS,
    )


def _energy_sensor(
    key: str,
    path: str,
    value_fn: Callable[[Resource], StateType],
    unique: str | None = None,
) -> GatewaySensorDescription:
    return GatewaySensorDescription(
        key=key,
        translation_key=f"gateway_{key}",
        path=path,
        unique=unique,
        device_class=SensorDeviceClass.ENERGY,
        state_class=SensorStateClass.TOTAL_INCREASING,
        native_unit_of_measurement=UnitOfEnergy.KILO_WATT_HOUR,
        value_fn=value_fn,
    )


def energy_sensors(layout: Layout) -> Iterator[GatewaySensorDescription]:
    """Per energy resource: the energy consumed, and one sensor per known part.

    Keys ``energy_<purpose>`` (consumed; the unique id of before) and
    ``energy_<purpose>_<part>``.
    """
    for path, parts in layout.energy_parts.items():
        purpose = ENERGY_PURPOSES[path]
        yield _energy_sensor(f"energy_{purpose}", path, _consumed)
        for part in parts:
            if (part_key := PART_KEYS.get(part)) is not None:
                yield _energy_sensor(
                    f"energy_{purpose}_{part_key}",
                    path,
                    partial(_part, part),
                    unique=f"{path}/{part}",
                )


SENSORS: tuple[GatewaySensorDescription, ...] = (
    _temperature("outdoor_temperature", OUTDOOR_TEMPERATURE),
    _temperature("supply_temperature", SUPPLY_TEMPERATURE),
    _temperature("return_temperature", RETURN_TEMPERATURE),
    GatewaySensorDescription(
        key="system_pressure",
        translation_key="gateway_system_pressure",
        path=SYSTEM_PRESSURE,
        device_class=SensorDeviceClass.PRESSURE,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfPressure.BAR,
    ),
    GatewaySensorDescription(
        key="modulation",
        translation_key="gateway_modulation",
        path=MODULATION,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=PERCENTAGE,
    ),
    GatewaySensorDescription(
        key="firmware",
        translation_key="gateway_firmware",
        path=FIRMWARE,
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        value_fn=_text,
    ),
    GatewaySensorDescription(
        key="hardware",
        translation_key="gateway_hardware",
        path=HARDWARE,
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        value_fn=_text,
    ),
    GatewaySensorDescription(
        key="notifications",
        translation_key="gateway_notifications",
        path=NOTIFICATIONS,
        entity_category=EntityCategory.DIAGNOSTIC,
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=_notification_count,
        attributes_fn=_notification_details,
    ),
)


def _heat_source_sensors(source: str) -> tuple[GatewaySensorDescription, ...]:
    return (
        GatewaySensorDescription(
            key="starts",
            translation_key="gateway_heat_source_starts",
            path=hs_path(source, HS_STARTS),
            entity_category=EntityCategory.DIAGNOSTIC,
            state_class=SensorStateClass.TOTAL_INCREASING,
            value_fn=_total,
        ),
        GatewaySensorDescription(
            key="working_time",
            translation_key="gateway_heat_source_working_time",
            path=hs_path(source, HS_WORKING_TIME),
            entity_category=EntityCategory.DIAGNOSTIC,
            device_class=SensorDeviceClass.DURATION,
            state_class=SensorStateClass.TOTAL_INCREASING,
            native_unit_of_measurement=UnitOfTime.HOURS,
            value_fn=_total,
        ),
    )


def _zone_sensors(zone: str) -> tuple[GatewaySensorDescription, ...]:
    # Named by their device class ("Temperature", "Humidity").
    return (
        GatewaySensorDescription(
            key="temperature",
            path=zone_path(zone, ZONE_TEMPERATURE),
            device_class=SensorDeviceClass.TEMPERATURE,
            state_class=SensorStateClass.MEASUREMENT,
            native_unit_of_measurement=UnitOfTemperature.CELSIUS,
        ),
        GatewaySensorDescription(
            key="humidity",
            path=zone_path(zone, ZONE_HUMIDITY),
            device_class=SensorDeviceClass.HUMIDITY,
            state_class=SensorStateClass.MEASUREMENT,
            native_unit_of_measurement=PERCENTAGE,
        ),
    )


def _setpoint_sensors(
    coordinator: GatewayCoordinator,
) -> Iterator[GatewaySensor]:
    """The setpoint of a circuit that cannot be changed here, as a sensor.

    A climate or water heater shows its target temperature only when it can
    be set; on the owner channel (read-only by Bosch's design), with a token
    without the write scope or a circuit without a writable setpoint, the
    setpoint that the circuit follows is this sensor instead.
    """
    layout, data = coordinator.layout, coordinator.data or {}
    for kind, members, path_of, writable_of, key in (
        (
            HEATING_CIRCUIT,
            layout.heating_circuits,
            partial(hc_path, resource=HC_CURRENT_SETPOINT),
            setpoint_path,
            "room_setpoint",
        ),
        (
            HOT_WATER_CIRCUIT,
            layout.hot_water_circuits,
            partial(dhw_path, resource=DHW_SETPOINT),
            hot_water_setpoint_path,
            "hot_water_setpoint",
        ),
    ):
        for member in members:
            path = path_of(member)
            if not layout.has(path) or (
                coordinator.can_write and writable_of(data, member) is not None
            ):
                continue
            description = _temperature(key, path)
            yield GatewaySensor(
                coordinator, description, child_device(coordinator, kind, member)
            )


def gateway_sensors(
    coordinator: GatewayCoordinator,
) -> Iterator[GatewaySensor]:
    """Every sensor whose resource the probe found, on its device."""
    layout = coordinator.layout
    yield from _setpoint_sensors(coordinator)
    for description in (*SENSORS, *energy_sensors(layout)):
        if layout.has(description.path):
            yield GatewaySensor(coordinator, description)
    for kind, members, descriptions in (
        (HEAT_SOURCE, layout.heat_sources, _heat_source_sensors),
        (ZONE, layout.zones, _zone_sensors),
    ):
        for member in members:
            device = child_device(coordinator, kind, member)
            yield from (
                GatewaySensor(coordinator, description, device)
                for description in descriptions(member)
                if layout.has(description.path)
            )


async def async_setup_sensor(
    hass: HomeAssistant,
    entry: GatewayConfigEntry,
    async_add_entities: AddEntitiesCallback,
) -> None:
    """Add the sensors whose resources the probe found."""
    async_add_entities(gateway_sensors(entry.runtime_data.coordinator))
    # /signals as diagnostic sensors (and the outdoor fallback)
    await async_add_signal_sensors(
        hass, entry, entry.runtime_data.coordinator, async_add_entities
    )


class GatewaySensor(GatewayEntity, SensorEntity):
    """One resource as a sensor."""

    entity_description: GatewaySensorDescription

    def __init__(
        self,
        coordinator: GatewayCoordinator,
        description: GatewaySensorDescription,
        device: DeviceInfo | ChildDeviceInfo | None = None,
    ) -> None:
        """Read ``description.path`` (on ``device``, else the gateway's)."""
        super().__init__(
            coordinator,
            (description.unique or description.path).lstrip("/"),
            context=description.path,
            device=device,
        )
        self.entity_description = description

    @property
    def _resource(self) -> Resource | None:
        return self.coordinator.data.get(self.entity_description.path)

    @property
    def available(self) -> bool:
        """Unavailable when the gateway is unreachable or the resource is gone."""
        return super().available and self._resource is not None

    @property
    def native_value(self) -> StateType:
        """The value; a sentinel (open or shorted sensor) is unknown."""
        resource = self._resource
        return None if resource is None else self.entity_description.value_fn(resource)

    @property
    def extra_state_attributes(self) -> Mapping[str, Any] | None:
        """Details (notification codes)."""
        if (resource := self._resource) is None or (
            self.entity_description.attributes_fn is None
        ):
            return None
        return self.entity_description.attributes_fn(resource)
