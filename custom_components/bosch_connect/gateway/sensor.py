"""Sensors of the gateway: temperatures, pressure, modulation, energy, diagnostics."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
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
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddEntitiesCallback
from homeassistant.helpers.typing import StateType

from .coordinator import GatewayConfigEntry, GatewayCoordinator
from .entity import GatewayEntity
from .layout import (
    ENERGY_HEATING,
    ENERGY_HOT_WATER,
    ENERGY_TOTAL,
    FIRMWARE,
    HARDWARE,
    MODULATION,
    NOTIFICATIONS,
    OUTDOOR_TEMPERATURE,
    RETURN_TEMPERATURE,
    SUPPLY_TEMPERATURE,
    SYSTEM_PRESSURE,
)
from .values import Resource

_ENERGY_UNITS = {"kwh": UnitOfEnergy.KILO_WATT_HOUR, "wh": UnitOfEnergy.WATT_HOUR}


def _number(resource: Resource) -> StateType:
    value = resource.value
    if value is None or isinstance(value, str):
        return None
    return value


def _text(resource: Resource) -> StateType:
    return None if resource.value is None else str(resource.value)


def _energy(resource: Resource) -> StateType:
    counters = resource.energy
    if not counters:
        return None
    if "total" in counters:
        return counters["total"]
    return sum(counters.values())


def _energy_parts(resource: Resource) -> dict[str, Any]:
    return {key: value for key, value in resource.energy.items() if key != "total"}


def _notification_count(resource: Resource) -> StateType:
    return len(resource.notifications)


def _notification_codes(resource: Resource) -> dict[str, Any]:
    return {
        "codes": [
            f"{n.dcd}-{n.ccd}" if n.ccd is not None else n.dcd
            for n in resource.notifications
        ]
    }


@dataclass(frozen=True, kw_only=True)
class GatewaySensorDescription(SensorEntityDescription):
    """A sensor reading one resource."""

    path: str
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


def _energy_sensor(key: str, path: str) -> GatewaySensorDescription:
    return GatewaySensorDescription(
        key=key,
        translation_key=f"gateway_{key}",
        path=path,
        device_class=SensorDeviceClass.ENERGY,
        state_class=SensorStateClass.TOTAL_INCREASING,
        native_unit_of_measurement=UnitOfEnergy.KILO_WATT_HOUR,
        value_fn=_energy,
        attributes_fn=_energy_parts,
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
    _energy_sensor("energy_total", ENERGY_TOTAL),
    _energy_sensor("energy_heating", ENERGY_HEATING),
    _energy_sensor("energy_hot_water", ENERGY_HOT_WATER),
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
        attributes_fn=_notification_codes,
    ),
)


async def async_setup_sensor(
    hass: HomeAssistant,
    entry: GatewayConfigEntry,
    async_add_entities: AddEntitiesCallback,
) -> None:
    """Add the sensors whose resources the probe found."""
    coordinator = entry.runtime_data.coordinator
    async_add_entities(
        GatewaySensor(coordinator, description)
        for description in SENSORS
        if coordinator.layout.has(description.path)
    )


class GatewaySensor(GatewayEntity, SensorEntity):
    """One resource as a sensor."""

    entity_description: GatewaySensorDescription

    def __init__(
        self, coordinator: GatewayCoordinator, description: GatewaySensorDescription
    ) -> None:
        """Read ``description.path``."""
        super().__init__(coordinator, description.path.lstrip("/"))
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
    def native_unit_of_measurement(self) -> str | None:
        """The description's unit; energy in the unit the gateway counts in."""
        unit = self.entity_description.native_unit_of_measurement
        resource = self._resource
        if self.entity_description.device_class is SensorDeviceClass.ENERGY and (
            resource is not None and resource.unit
        ):
            return _ENERGY_UNITS.get(resource.unit.lower(), unit)
        return unit

    @property
    def extra_state_attributes(self) -> Mapping[str, Any] | None:
        """Details (energy parts, notification codes)."""
        if (resource := self._resource) is None or (
            self.entity_description.attributes_fn is None
        ):
            return None
        return self.entity_description.attributes_fn(resource)
