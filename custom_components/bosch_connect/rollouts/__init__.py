"""The Bosch IoT Rollouts service (Eclipse hawkBit): diagnostics of a tenant."""

from __future__ import annotations

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import ConfigEntryNotReady
from homeassistant.helpers import device_registry as dr, issue_registry as ir
from homeassistant.helpers.aiohttp_client import async_get_clientsession

from ..const import DOMAIN, SERVICE_ROLLOUTS
from ..room import Room
from .api import DdiClient, ManagementClient
from .binary_sensor import async_setup_binary_sensors
from .const import (
    CONF_BASE_URL,
    CONF_CONTROLLER_ID,
    CONF_DDI_TOKEN,
    CONF_DDI_URL,
    CONF_TENANT,
)
from .coordinator import (
    DdiCoordinator,
    ManagementCoordinator,
    RolloutsConfigEntry,
    RolloutsData,
    permissions_issue_id,
)
from .diagnostics import async_get_diagnostics
from .entity import live_identifiers, tenant_device
from .errors import RolloutsInvalidUrlError
from .flow import credentials_from, ddi_token_type
from .sensor import async_setup_sensors


async def async_setup_entry(hass: HomeAssistant, entry: RolloutsConfigEntry) -> bool:
    """Read the tenant (and poll the DDI target) once, then set up the entities."""
    session = async_get_clientsession(hass)
    data = entry.data
    try:
        management = ManagementClient(
            session, data[CONF_BASE_URL], data[CONF_TENANT], credentials_from(data)
        )
        ddi = (
            DdiClient(
                session,
                data[CONF_DDI_URL],
                data[CONF_TENANT],
                data[CONF_CONTROLLER_ID],
                token_type=ddi_token_type(data),
                token=data[CONF_DDI_TOKEN],
            )
            if data.get(CONF_CONTROLLER_ID)
            else None
        )
    except RolloutsInvalidUrlError as err:
        raise ConfigEntryNotReady(
            translation_domain=DOMAIN, translation_key="rollouts_invalid_url"
        ) from err
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
    ir.async_delete_issue(hass, DOMAIN, permissions_issue_id(entry))


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
)
