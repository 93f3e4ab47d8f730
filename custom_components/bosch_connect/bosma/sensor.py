"""Diagnostic sensors of a Bosma entry: last result, ticket age, clock skew."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import EntityCategory, UnitOfTime
from homeassistant.core import HomeAssistant
from homeassistant.helpers.device_registry import DeviceEntryType, DeviceInfo
from homeassistant.helpers.entity_platform import AddEntitiesCallback
from homeassistant.helpers.update_coordinator import CoordinatorEntity
from homeassistant.util import dt as dt_util

from ..const import DOMAIN
from ..entity import BoschConnectEntity
from .const import CONF_CORP, RESULTS
from .coordinator import BosmaConfigEntry, BosmaCoordinator, BosmaState


@dataclass(frozen=True, kw_only=True)
class BosmaSensorDescription(SensorEntityDescription):
    """A Bosma sensor: how to read its value from the state."""

    value: Callable[[BosmaState], Any]


# The longest text a state may have.
_MAX_STATE = 255


def _ticket_age(state: BosmaState) -> int | None:
    if state.ticket is None:
        return None
    age = dt_util.utcnow() - state.ticket.issued_at
    return max(0, int(age.total_seconds() // 60))


def _skew(state: BosmaState) -> int | None:
    return None if state.skew is None else round(state.skew)


SENSORS: tuple[BosmaSensorDescription, ...] = (
    BosmaSensorDescription(
        key="last_result",
        translation_key="bosma_last_result",
        device_class=SensorDeviceClass.ENUM,
        options=RESULTS,
        value=lambda state: state.result,
    ),
    # The last answer's code and message, and when it came.
    BosmaSensorDescription(
        key="last_result_code",
        translation_key="bosma_last_result_code",
        value=lambda state: state.code,
    ),
    BosmaSensorDescription(
        key="last_result_message",
        translation_key="bosma_last_result_message",
        entity_registry_enabled_default=False,
        value=lambda state: state.message[:_MAX_STATE] or None,
    ),
    BosmaSensorDescription(
        key="last_check",
        translation_key="bosma_last_check",
        device_class=SensorDeviceClass.TIMESTAMP,
        value=lambda state: state.checked_at,
    ),
    BosmaSensorDescription(
        key="ticket_age",
        translation_key="bosma_ticket_age",
        device_class=SensorDeviceClass.DURATION,
        native_unit_of_measurement=UnitOfTime.MINUTES,
        state_class=SensorStateClass.MEASUREMENT,
        entity_registry_enabled_default=False,
        value=_ticket_age,
    ),
    BosmaSensorDescription(
        key="clock_skew",
        translation_key="bosma_clock_skew",
        device_class=SensorDeviceClass.DURATION,
        native_unit_of_measurement=UnitOfTime.SECONDS,
        state_class=SensorStateClass.MEASUREMENT,
        entity_registry_enabled_default=False,
        value=_skew,
    ),
)


async def async_setup_sensors(
    hass: HomeAssistant,
    entry: BosmaConfigEntry,
    async_add_entities: AddEntitiesCallback,
) -> None:
    """Add the sensors of a Bosma entry."""
    coordinator = entry.runtime_data
    async_add_entities(BosmaSensor(coordinator, entry, d) for d in SENSORS)


class BosmaSensor(
    BoschConnectEntity, CoordinatorEntity[BosmaCoordinator], SensorEntity
):
    """One diagnostic value of the Bosma connection."""

    _attr_entity_category = EntityCategory.DIAGNOSTIC
    entity_description: BosmaSensorDescription

    def __init__(
        self,
        coordinator: BosmaCoordinator,
        entry: BosmaConfigEntry,
        description: BosmaSensorDescription,
    ) -> None:
        super().__init__(coordinator)
        self.entity_description = description
        self._attr_unique_id = f"{entry.entry_id}_{description.key}"
        self._attr_device_info = DeviceInfo(
            identifiers={(DOMAIN, f"bosma_{entry.entry_id}")},
            name=f"Bosma {entry.data[CONF_CORP]}",
            manufacturer="Bosma",
            model="Cloud authorization (applyToken)",
            entry_type=DeviceEntryType.SERVICE,
        )

    @property
    def native_value(self) -> Any:
        """The value from the coordinator's state."""
        return self.entity_description.value(self.coordinator.data)
