"""Sensors of a bike: battery, ranges, odometer, BCM battery, profiles, sync."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
import datetime as dt
from operator import attrgetter

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

from .api import ConnectModule, Feature
from .const import FEATURES
from .entity import (
    EbikeEntity,
    EbikeValueDescription,
    EbikeValueEntity,
    bike_platform,
    status_value,
)
from .payloads import BikeStatus
from .runtime import EbikeData
from .select import profile_options
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
PROFILE_STATES = ["pending", "enabled", "disabled", "error"]
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


@dataclass(frozen=True, kw_only=True)
class EbikeModuleSensorDescription(SensorEntityDescription):
    """A sensor fed by the fleet's reading of the bike's ConnectModule."""

    value_fn: Callable[[ConnectModule], StateType | dt.datetime]
    # The options of an enum whose values the API may extend (else ``options``).
    options_fn: Callable[[ConnectModule | None], list[str]] | None = None


def _feature_sensors(feature: str) -> tuple[EbikeModuleSensorDescription, ...]:
    """What the bike applies of one feature, and the feature's status."""
    name = feature.lower()

    def current(module: ConnectModule | None) -> Feature | None:
        return module.feature(feature) if module else None

    def applied(module: ConnectModule) -> str | None:
        # An empty profile is not one: unknown, never a state outside the options.
        found = current(module)
        return (found.applied_profile.lower() or None) if found else None

    def status(module: ConnectModule) -> str | None:
        found = current(module)
        return _enum(found.status if found else None, PROFILE_STATES)

    return (
        # Disabled by default, as the other diagnostics of a bike: Home
        # Assistant sets up at most 10,000 enabled entities per entry, and a
        # fleet of 1,000 bikes fills that with the 10 enabled per bike.
        EbikeModuleSensorDescription(
            key=f"{name}_applied_profile",
            translation_key=f"ebike_{name}_applied_profile",
            device_class=SensorDeviceClass.ENUM,
            entity_category=EntityCategory.DIAGNOSTIC,
            entity_registry_enabled_default=False,
            value_fn=applied,
            options_fn=lambda module: profile_options(current(module)),
        ),
        EbikeModuleSensorDescription(
            key=f"{name}_profile_status",
            translation_key=f"ebike_{name}_profile_status",
            device_class=SensorDeviceClass.ENUM,
            options=PROFILE_STATES,
            entity_category=EntityCategory.DIAGNOSTIC,
            entity_registry_enabled_default=False,
            value_fn=status,
        ),
    )


MODULE_SENSORS: tuple[EbikeModuleSensorDescription, ...] = (
    *(description for feature in FEATURES for description in _feature_sensors(feature)),
    EbikeModuleSensorDescription(
        # PENDING until the bike is powered on and applies the change.
        key="sync_status",
        translation_key="ebike_sync_status",
        device_class=SensorDeviceClass.ENUM,
        options=SYNC_STATES,
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        value_fn=lambda module: _enum(module.sync_status, SYNC_STATES),
    ),
    EbikeModuleSensorDescription(
        key="last_sync",
        translation_key="ebike_last_sync",
        device_class=SensorDeviceClass.TIMESTAMP,
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        value_fn=attrgetter("synced_at"),
    ),
)


class EbikeModuleSensor(EbikeEntity, SensorEntity):
    """A value of the bike's ConnectModule (profiles, configuration sync)."""

    entity_description: EbikeModuleSensorDescription
    _listens_to_fleet = True
    _bike_topics = ()

    def __init__(
        self,
        runtime: EbikeData,
        bike_id: str,
        description: EbikeModuleSensorDescription,
    ) -> None:
        super().__init__(runtime, bike_id, description.key)
        self.entity_description = description

    @property
    def options(self) -> list[str] | None:
        """The known values and any other that the API reports."""
        if (options_fn := self.entity_description.options_fn) is None:
            return super().options
        return options_fn(self.module)

    @property
    def native_value(self) -> StateType | dt.datetime:
        """The value as last read from the fleet."""
        module = self.module
        return None if module is None else self.entity_description.value_fn(module)


def _build(runtime: EbikeData, bike_id: str) -> list[Entity]:
    return [
        *(EbikeSensor(runtime, bike_id, description) for description in SENSORS),
        *(
            EbikeModuleSensor(runtime, bike_id, description)
            for description in MODULE_SENSORS
        ),
    ]


# Adds the sensors of every bike.
async_setup_sensors = bike_platform(_build)
