"""Diagnostic sensors of a Rollouts entry."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
import datetime as dt
from typing import Any

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import EntityCategory, UnitOfTime
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddEntitiesCallback
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from ..entity import BoschConnectEntity
from .coordinator import (
    DdiCoordinator,
    DdiState,
    ManagementCoordinator,
    RolloutsConfigEntry,
)
from .entity import target_device, tenant_device
from .models import UPDATE_STATUSES, TenantSummary


@dataclass(frozen=True, kw_only=True)
class TenantSensorDescription(SensorEntityDescription):
    """A count of the tenant."""

    value: Callable[[TenantSummary], int]


def _status_count(status: str) -> Callable[[TenantSummary], int]:
    return lambda summary: summary.by_status.get(status, 0)


TENANT_SENSORS: tuple[TenantSensorDescription, ...] = (
    TenantSensorDescription(
        key="targets",
        translation_key="rollouts_targets",
        state_class=SensorStateClass.MEASUREMENT,
        value=lambda summary: summary.targets,
    ),
    *(
        TenantSensorDescription(
            key=f"targets_{status}",
            translation_key=f"rollouts_targets_{status}",
            state_class=SensorStateClass.MEASUREMENT,
            value=_status_count(status),
        )
        for status in UPDATE_STATUSES
    ),
    TenantSensorDescription(
        key="targets_overdue",
        translation_key="rollouts_targets_overdue",
        state_class=SensorStateClass.MEASUREMENT,
        value=lambda summary: summary.overdue,
    ),
    TenantSensorDescription(
        key="distribution_sets",
        translation_key="rollouts_distribution_sets",
        state_class=SensorStateClass.MEASUREMENT,
        value=lambda summary: summary.distribution_sets,
    ),
)


@dataclass(frozen=True, kw_only=True)
class DdiSensorDescription(SensorEntityDescription):
    """A value of the DDI target."""

    value: Callable[[DdiState], Any]


# The longest text a state may have.
_MAX_STATE = 255


def _versions(state: DdiState) -> str | None:
    """The versions the pending deployment installs (unknown: none pending)."""
    if state.deployment is None:
        return None
    return ", ".join(state.deployment.versions)[:_MAX_STATE]


DDI_SENSORS: tuple[DdiSensorDescription, ...] = (
    DdiSensorDescription(
        key="polling_interval",
        translation_key="rollouts_polling_interval",
        device_class=SensorDeviceClass.DURATION,
        native_unit_of_measurement=UnitOfTime.SECONDS,
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        value=lambda state: int(state.poll.sleep.total_seconds()),
    ),
    DdiSensorDescription(
        key="last_poll",
        translation_key="rollouts_last_poll",
        device_class=SensorDeviceClass.TIMESTAMP,
        entity_category=EntityCategory.DIAGNOSTIC,
        entity_registry_enabled_default=False,
        value=lambda state: state.polled_at,
    ),
    # The pending deployment: what it installs (a primary value) and its action.
    DdiSensorDescription(
        key="deployment_versions",
        translation_key="rollouts_deployment_versions",
        value=_versions,
    ),
    DdiSensorDescription(
        key="deployment_action",
        translation_key="rollouts_deployment_action",
        entity_category=EntityCategory.DIAGNOSTIC,
        value=lambda state: state.deployment.action_id if state.deployment else None,
    ),
)


async def async_setup_sensors(
    hass: HomeAssistant,
    entry: RolloutsConfigEntry,
    async_add_entities: AddEntitiesCallback,
) -> None:
    """Add the tenant's counts and, with DDI, the target's values."""
    data = entry.runtime_data
    entities: list[SensorEntity] = [
        TenantSensor(data.management, entry, d) for d in TENANT_SENSORS
    ]
    if data.ddi is not None:
        entities += [DdiSensor(data.ddi, entry, d) for d in DDI_SENSORS]
    async_add_entities(entities)


class TenantSensor(
    BoschConnectEntity, CoordinatorEntity[ManagementCoordinator], SensorEntity
):
    """A count of targets or distribution sets of the tenant (primary values)."""

    entity_description: TenantSensorDescription

    def __init__(
        self,
        coordinator: ManagementCoordinator,
        entry: RolloutsConfigEntry,
        description: TenantSensorDescription,
    ) -> None:
        super().__init__(coordinator)
        self.entity_description = description
        self._attr_unique_id = f"{entry.entry_id}_{description.key}"
        self._attr_device_info = tenant_device(entry)

    @property
    def native_value(self) -> int:
        """The count."""
        return self.entity_description.value(self.coordinator.data)


class DdiSensor(BoschConnectEntity, CoordinatorEntity[DdiCoordinator], SensorEntity):
    """A value of the DDI target's last poll."""

    entity_description: DdiSensorDescription

    def __init__(
        self,
        coordinator: DdiCoordinator,
        entry: RolloutsConfigEntry,
        description: DdiSensorDescription,
    ) -> None:
        super().__init__(coordinator)
        self.entity_description = description
        self._attr_unique_id = f"{entry.entry_id}_ddi_{description.key}"
        self._attr_device_info = target_device(entry)

    @property
    def native_value(self) -> int | str | dt.datetime | None:
        """The value of the last poll."""
        value: int | str | dt.datetime | None = self.entity_description.value(
            self.coordinator.data
        )
        return value
