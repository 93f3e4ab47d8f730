"""Devices of a Rollouts entry: the tenant (a service) and the DDI target."""

from __future__ import annotations

from homeassistant.helpers.device_registry import DeviceEntryType, DeviceInfo

from ..const import DOMAIN, MANUFACTURER
from .const import CONF_CONTROLLER_ID, CONF_TENANT
from .coordinator import RolloutsConfigEntry


def live_identifiers(entry: RolloutsConfigEntry) -> set[tuple[str, str]]:
    """The device identifiers of the entry's tenant and its current DDI target."""
    identifiers = {(DOMAIN, f"rollouts_{entry.entry_id}")}
    if controller_id := entry.data.get(CONF_CONTROLLER_ID):
        identifiers.add((DOMAIN, f"rollouts_{entry.entry_id}_{controller_id}"))
    return identifiers


def tenant_device(entry: RolloutsConfigEntry) -> DeviceInfo:
    """The tenant as a service device."""
    return DeviceInfo(
        identifiers={(DOMAIN, f"rollouts_{entry.entry_id}")},
        name=f"Rollouts {entry.data[CONF_TENANT]}",
        manufacturer=MANUFACTURER,
        model="Bosch IoT Rollouts tenant",
        entry_type=DeviceEntryType.SERVICE,
    )


def target_device(entry: RolloutsConfigEntry) -> DeviceInfo:
    """The DDI target, polled by Home Assistant, connected through the tenant."""
    controller_id = entry.data[CONF_CONTROLLER_ID]
    return DeviceInfo(
        identifiers={(DOMAIN, f"rollouts_{entry.entry_id}_{controller_id}")},
        name=f"Target {controller_id}",
        manufacturer=MANUFACTURER,
        model="Bosch IoT Rollouts target (DDI)",
        via_device_id=entry.runtime_data.tenant_device_id,
    )
