"""Diagnostic binary sensors: Management API reachable, deployment pending."""

from __future__ import annotations

from homeassistant.components.binary_sensor import (
    BinarySensorDeviceClass,
    BinarySensorEntity,
)
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddEntitiesCallback
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from ..entity import BoschConnectEntity
from .coordinator import DdiCoordinator, ManagementCoordinator, RolloutsConfigEntry
from .entity import target_device, tenant_device


async def async_setup_binary_sensors(
    hass: HomeAssistant,
    entry: RolloutsConfigEntry,
    async_add_entities: AddEntitiesCallback,
) -> None:
    """Add reachability and, with DDI, the pending deployment."""
    data = entry.runtime_data
    entities: list[BinarySensorEntity] = [ApiReachable(data.management, entry)]
    if data.ddi is not None:
        entities.append(DeploymentPending(data.ddi, entry))
    async_add_entities(entities)


class ApiReachable(
    BoschConnectEntity, CoordinatorEntity[ManagementCoordinator], BinarySensorEntity
):
    """Whether the last read of the Management API worked (never unavailable)."""

    _attr_entity_category = EntityCategory.DIAGNOSTIC
    _attr_device_class = BinarySensorDeviceClass.CONNECTIVITY
    _attr_translation_key = "rollouts_api_reachable"

    def __init__(
        self, coordinator: ManagementCoordinator, entry: RolloutsConfigEntry
    ) -> None:
        super().__init__(coordinator)
        self._attr_unique_id = f"{entry.entry_id}_api_reachable"
        self._attr_device_info = tenant_device(entry)

    @property
    def available(self) -> bool:
        """Always: this entity reports the failure itself."""
        return True

    @property
    def is_on(self) -> bool:
        """True while the Management API answers."""
        return self.coordinator.last_update_success


class DeploymentPending(
    BoschConnectEntity, CoordinatorEntity[DdiCoordinator], BinarySensorEntity
):
    """On while the DDI poll links to a deployment for the target (a primary value)."""

    _attr_device_class = BinarySensorDeviceClass.UPDATE
    _attr_translation_key = "rollouts_deployment_pending"

    def __init__(self, coordinator: DdiCoordinator, entry: RolloutsConfigEntry) -> None:
        super().__init__(coordinator)
        self._attr_unique_id = f"{entry.entry_id}_ddi_deployment_pending"
        self._attr_device_info = target_device(entry)

    @property
    def is_on(self) -> bool:
        """True while a deployment waits for the target."""
        return self.coordinator.data.deployment is not None
