"""Sensors of a bike: battery, ranges, odometer, BCM battery, sync status."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
import datetime as dt
from operator import attrgetter
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
    UnitOfElectricPotential,
    UnitOfEnergy,
    UnitOfLength,
)
from homeassistant.helpers.entity import Entity
from homeassistant.helpers.typing import StateType

from .api import ConnectModule
from .entity import (
    EbikeEntity,
    EbikeValueDescription,
    EbikeValueEntity,
    bike_platform,
    status_value,
)
from .payloads import BikeStatus
from .runtime import EbikeData
from .state import TOPIC_LOCATION, TOPIC_STATUS, BikeState

BCM_BATTERY_STATES = [
    "charge_unknown",
    "charge_ok",
    "need_charge",
    "charge_critical",
    "charging",
    "charge_full",
]
SYNC_STATES = ["pending", "success", "warning", "error"]
RANGE_SLOTS = 4


def _enum(value: str | None, options: list[str]) -> str | None:
    lowered = None if value is None else value.lower()
    return lowered if lowered in options else None


def _range(slot: int) -> Callable[[BikeStatus], StateType]:
    def value(status: BikeStatus) -> StateType:
        ranges = status.reachable_range_m
        return ranges[slot] if ranges and len(ranges) > slot else None

    return value


@dataclass(frozen=True, kw_only=True)
class EbikeSensorDescription(SensorEntityDescription, EbikeValueDescription):
    """A sensor fed by the bike's notifications."""

    value_fn: Callable[[BikeState], StateType | dt.datetime]


SENSORS: tuple[EbikeSensorDescription, ...] = (
    EbikeSensorDescription(
        key="state_of_charge",
        translation_key="ebike_state_of_charge",
        device_class=SensorDeviceClass.BATTERY,
        native_unit_of_measurement=PERCENTAGE,
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=status_value(attrgetter("state_of_charge")),
    ),
    EbikeSensorDescription(
        key="remaining_energy",
        translation_key="ebike_remaining_energy",
        entity_registry_enabled_default=False,
        device_class=SensorDeviceClass.ENERGY_STORAGE,
        native_unit_of_measurement=UnitOfEnergy.WATT_HOUR,
        state_class=SensorStateClass.MEASUREMENT,
        value_fn=status_value(attrgetter("remaining_energy_wh")),
    ),
    *(
        EbikeSensorDescription(
            key=f"reachable_range_{slot + 1}",
            translation_key=f"ebike_reachable_range_{slot + 1}",
            entity_registry_enabled_default=False,
            device_class=SensorDeviceClass.DISTANCE,
            native_unit_of_measurement=UnitOfLength.METERS,
            suggested_unit_of_measurement=UnitOfLength.KILOMETERS,
            suggested_display_precision=0,
            state_class=SensorStateClass.MEASUREMENT,
            value_fn=status_value(_range(slot)),
        )
        for slot in range(RANGE_SLOTS)
    ),
    EbikeSensorDescription(
        key="odometer",
        translation_key="ebike_odometer",
        device_class=SensorDeviceClass.DISTANCE,
        native_unit_of_measurement=UnitOfLength.METERS,
        suggested_unit_of_measurement=UnitOfLength.KILOMETERS,
        suggested_display_precision=1,
        state_class=SensorStateClass.TOTAL_INCREASING,
        value_fn=status_value(attrgetter("odometer_m")),
    ),
    EbikeSensorDescription(
        key="bcm_battery_voltage",
        translation_key="ebike_bcm_battery_voltage",
        entity_registry_enabled_default=False,
        device_class=SensorDeviceClass.VOLTAGE,
        native_unit_of_measurement=UnitOfElectricPotential.MILLIVOLT,
        suggested_unit_of_measurement=UnitOfElectricPotential.VOLT,
        suggested_display_precision=2,
        state_class=SensorStateClass.MEASUREMENT,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=status_value(attrgetter("bcm_battery_voltage_mv")),
    ),
    EbikeSensorDescription(
        key="bcm_battery_status",
        translation_key="ebike_bcm_battery_status",
        device_class=SensorDeviceClass.ENUM,
        options=BCM_BATTERY_STATES,
        entity_category=EntityCategory.DIAGNOSTIC,
        value_fn=status_value(
            lambda status: _enum(status.bcm_battery_status, BCM_BATTERY_STATES)
        ),
    ),
    EbikeSensorDescription(
        key="last_report",
        translation_key="ebike_last_report",
        entity_registry_enabled_default=False,
        device_class=SensorDeviceClass.TIMESTAMP,
        value_fn=lambda bike: bike.last_report,
        topics=(TOPIC_STATUS, TOPIC_LOCATION),
    ),
)


class EbikeSensor(EbikeValueEntity, SensorEntity):
    """A value from the bike's notifications."""

    entity_description: EbikeSensorDescription

    @property
    def native_value(self) -> StateType | dt.datetime:
        """The value from the newest notification."""
        return self.entity_description.value_fn(self._bike)


class EbikeSyncStatusSensor(EbikeEntity, SensorEntity):
    """Whether the bike has applied the requested configuration."""

    _attr_translation_key = "ebike_sync_status"
    _attr_device_class = SensorDeviceClass.ENUM
    _attr_options = SYNC_STATES
    _attr_entity_category = EntityCategory.DIAGNOSTIC
    _listens_to_fleet = True
    _attr_entity_registry_enabled_default = False
    _bike_topics = ()

    def __init__(self, runtime: EbikeData, bike_id: str) -> None:
        super().__init__(runtime, bike_id, "sync_status")

    @property
    def native_value(self) -> str | None:
        """PENDING until the bike is powered on and applies the change."""
        module: ConnectModule | None = self.module
        return _enum(module.sync_status if module else None, SYNC_STATES)

    @property
    def extra_state_attributes(self) -> dict[str, Any]:
        """When the bike last synchronised."""
        module = self.module
        synced = module.synced_at if module else None
        return {"synced_at": synced.isoformat() if synced else None}


def _build(runtime: EbikeData, bike_id: str) -> list[Entity]:
    entities: list[Entity] = [
        EbikeSensor(runtime, bike_id, description) for description in SENSORS
    ]
    entities.append(EbikeSyncStatusSensor(runtime, bike_id))
    return entities


# Adds the sensors of every bike.
async_setup_sensors = bike_platform(_build)
