"""The Bosch IoT Rollouts service (Eclipse hawkBit): diagnostics of a tenant."""

from __future__ import annotations

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import ConfigEntryNotReady
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.aiohttp_client import async_get_clientsession

from ..const import SERVICE_ROLLOUTS
from ..errors import clear_repairs, not_ready
from ..room import Room
from .binary_sensor import async_setup_binary_sensors
from .const import CONF_CONTROLLER_ID
from .coordinator import (
    DdiCoordinator,
    ManagementCoordinator,
    RolloutsConfigEntry,
    RolloutsData,
)
from .diagnostics import async_get_diagnostics
from .entity import live_identifiers, tenant_device
from .errors import RolloutsInvalidUrlError
from .failures import ROLLOUTS_ERRORS
from .flow import RolloutsFlowMixin, ddi_client, management_client
from .sensor import async_setup_sensors


async def async_setup_entry(hass: HomeAssistant, entry: RolloutsConfigEntry) -> bool:
    """Read the tenant (and poll the DDI target) once, then set up the entities."""
    session = async_get_clientsession(hass)
    data = entry.data
    try:
        management = management_client(session, data)
        ddi = ddi_client(session, data) if data.get(CONF_CONTROLLER_ID) else None
    except RolloutsInvalidUrlError as err:
        raise not_ready(err, ROLLOUTS_ERRORS) from err
    management_coordinator = ManagementCoordinator(hass, entry, management)
    await management_coordinator.async_config_entry_first_refresh()
    ddi_coordinator = None
    if ddi is not None:
        ddi_coordinator = DdiCoordinator(hass, entry, ddi)
        try:
            await ddi_coordinator.async_config_entry_first_refresh()
        except ConfigEntryNotReady:
            # A refused DDI token started re-authentication: the tenant
            # stays; only the target's entities are unavailable meanwhile.
            if not ddi_coordinator.token_refused:
                raise
    _remove_stale_devices(hass, entry)
    # The tenant first: the DDI target's device is connected through it.
    tenant = dr.async_get(hass).async_get_or_create(
        config_entry_id=entry.entry_id, **tenant_device(entry)
    )
    entry.runtime_data = RolloutsData(
        management=management_coordinator,
        ddi=ddi_coordinator,
        tenant_device_id=tenant.id,
    )
    return True


@callback
def _remove_stale_devices(hass: HomeAssistant, entry: RolloutsConfigEntry) -> None:
    """Remove the device of a DDI target that Reconfigure replaced or cleared."""
    registry = dr.async_get(hass)
    for device in dr.async_entries_for_config_entry(registry, entry.entry_id):
        if not device.identifiers & live_identifiers(entry):
            registry.async_remove_device(device.id)


async def async_remove_config_entry_device(
    hass: HomeAssistant, entry: RolloutsConfigEntry, device: dr.DeviceEntry
) -> bool:
    """Only a DDI target that the entry no longer polls may be deleted."""
    return not device.identifiers & live_identifiers(entry)


async def async_remove_entry(hass: HomeAssistant, entry: RolloutsConfigEntry) -> None:
    """Forget the entry's repair issue."""
    clear_repairs(hass, entry.entry_id, "rollouts_")


ROOM = Room(
    service=SERVICE_ROLLOUTS,
    async_setup_entry=async_setup_entry,
    platforms={
        Platform.BINARY_SENSOR: async_setup_binary_sensors,
        Platform.SENSOR: async_setup_sensors,
    },
    async_remove_entry=async_remove_entry,
    async_remove_config_entry_device=async_remove_config_entry_device,
    async_get_diagnostics=async_get_diagnostics,
    flow=RolloutsFlowMixin,
    reauth_step="rollouts_reauth",
    reconfigure_step="rollouts_reconfigure",
)
