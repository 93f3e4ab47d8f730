"""Home Comfort Partner API (cloud): heating through a key that renews itself.

Set-up reads the key's own facts (``GET /api-keys/me``), then the coordinator
polls the gateways under contract; each refresh first renews the key when it
is due (see :mod:`.renewal`).
"""

from __future__ import annotations

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.aiohttp_client import async_get_clientsession

from ..const import SERVICE_HOMECOMFORT
from ..errors import clear_repairs, not_ready
from ..room import Room
from .api import HomeComfortClient
from .climate import async_setup_climate
from .const import CONF_API_DOMAIN, CONF_API_KEY, CONF_USER_ID
from .coordinator import (
    HomeComfortConfigEntry,
    HomeComfortCoordinator,
    HomeComfortRuntimeData,
    gateway_of,
)
from .diagnostics import async_get_diagnostics
from .errors import HomeComfortError
from .failures import HOMECOMFORT_ERRORS
from .flow import HomeComfortFlowMixin
from .options import options_flow
from .renewal import KeyManager
from .sensor import async_setup_sensor
from .water_heater import async_setup_water_heater


async def async_setup_entry(hass: HomeAssistant, entry: HomeComfortConfigEntry) -> bool:
    """Check the key, read everything once, keep the client and coordinator."""
    client = HomeComfortClient(
        async_get_clientsession(hass),
        entry.data[CONF_API_DOMAIN],
        entry.data[CONF_API_KEY],
        user_id=entry.data[CONF_USER_ID],
    )
    keys = KeyManager(hass, entry, client)
    try:
        await keys.async_load()
    except HomeComfortError as err:
        raise not_ready(err, HOMECOMFORT_ERRORS) from err
    coordinator = HomeComfortCoordinator(hass, entry, client, keys)
    await coordinator.async_config_entry_first_refresh()
    entry.runtime_data = HomeComfortRuntimeData(
        client=client, keys=keys, coordinator=coordinator
    )
    return True


async def async_remove_config_entry_device(
    hass: HomeAssistant, entry: HomeComfortConfigEntry, device: dr.DeviceEntry
) -> bool:
    """Only a gateway whose contract is gone may be deleted (not the account).

    Without a successful read (entry not loaded, or the API not answering)
    nothing is known to be gone, so every device stays.
    """
    gateway_id = gateway_of(device)
    if gateway_id is None or entry.state is not ConfigEntryState.LOADED:
        return False
    coordinator = entry.runtime_data.coordinator
    if not coordinator.last_update_success or coordinator.data is None:
        return False
    return gateway_id not in coordinator.data.gateways


async def async_remove_entry(
    hass: HomeAssistant, entry: HomeComfortConfigEntry
) -> None:
    """Remove the repair issues of the entry (the key stays with Bosch)."""
    clear_repairs(hass, entry.entry_id, "homecomfort_")


ROOM = Room(
    service=SERVICE_HOMECOMFORT,
    async_setup_entry=async_setup_entry,
    platforms={
        Platform.CLIMATE: async_setup_climate,
        Platform.WATER_HEATER: async_setup_water_heater,
        Platform.SENSOR: async_setup_sensor,
    },
    async_remove_entry=async_remove_entry,
    async_remove_config_entry_device=async_remove_config_entry_device,
    async_get_diagnostics=async_get_diagnostics,
    options_flow=options_flow,
    flow=HomeComfortFlowMixin,
    reauth_step="homecomfort_reauth",
    reconfigure_step="homecomfort_reconfigure",
)
