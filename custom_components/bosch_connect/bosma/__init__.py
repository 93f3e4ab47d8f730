"""The Bosma service: cloud-to-cloud ticket authorization, shown as diagnostics."""

from __future__ import annotations

from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers.aiohttp_client import async_get_clientsession

from ..const import SERVICE_BOSMA
from ..errors import clear_repairs, not_ready
from ..room import Room
from .actions import async_setup_actions
from .api import BosmaClient
from .coordinator import BosmaConfigEntry, BosmaCoordinator
from .diagnostics import async_get_diagnostics
from .errors import BosmaInvalidUrlError
from .failures import BOSMA_ERRORS
from .flow import BosmaFlowMixin, account_from
from .sensor import async_setup_sensors


async def async_setup_entry(hass: HomeAssistant, entry: BosmaConfigEntry) -> bool:
    """Apply for a first ticket and set up the diagnostic sensors."""
    try:
        client = BosmaClient(async_get_clientsession(hass), account_from(entry.data))
    except BosmaInvalidUrlError as err:
        raise not_ready(err, BOSMA_ERRORS) from err
    coordinator = BosmaCoordinator(hass, entry, client)
    await coordinator.async_config_entry_first_refresh()
    entry.runtime_data = coordinator
    return True


async def async_remove_entry(hass: HomeAssistant, entry: BosmaConfigEntry) -> None:
    """Forget the entry's repair issue."""
    clear_repairs(hass, entry.entry_id, "bosma_")


ROOM = Room(
    service=SERVICE_BOSMA,
    async_setup_entry=async_setup_entry,
    platforms={Platform.SENSOR: async_setup_sensors},
    async_remove_entry=async_remove_entry,
    async_get_diagnostics=async_get_diagnostics,
    async_setup=async_setup_actions,
    flow=BosmaFlowMixin,
    reauth_step="bosma_reauth",
    reconfigure_step="bosma_reconfigure",
)
