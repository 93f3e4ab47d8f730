"""The Bosch Connect integration: five Bosch partner services in Home Assistant."""

from __future__ import annotations

from homeassistant.core import HomeAssistant
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers.device_registry import DeviceEntry
from homeassistant.helpers.typing import ConfigType

from .const import DOMAIN
from .registry import ROOMS, BoschConnectConfigEntry, room_for

CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Set up what the services register once per domain (actions)."""
    for room in ROOMS.values():
        if room.async_setup is not None:
            await room.async_setup(hass)
    return True


async def async_migrate_entry(
    hass: HomeAssistant, entry: BoschConnectConfigEntry
) -> bool:
    """Bring an entry stored by an older version up to the current one."""
    if entry.version > 1:
        return False  # made by a newer version of this integration
    if entry.minor_version < 2:
        # 1.2: Home Assistant's rule is that users do not set polling intervals
        # (they call homeassistant.update_entity); drop the stored option.
        options = {k: v for k, v in entry.options.items() if k != "scan_interval"}
        hass.config_entries.async_update_entry(entry, options=options, minor_version=2)
    if entry.minor_version < 3:
        # 1.3: the data a room no longer reads goes (the eBike service's own
        # URLs and CA, which only a test system needed: it has Bosch's).
        retired = room_for(entry).retired_data
        data = {k: v for k, v in entry.data.items() if k not in retired}
        hass.config_entries.async_update_entry(entry, data=data, minor_version=3)
    return True


async def async_setup_entry(
    hass: HomeAssistant, entry: BoschConnectConfigEntry
) -> bool:
    """Set up one Bosch service from a config entry."""
    room = room_for(entry)
    if not await room.async_setup_entry(hass, entry):
        return False
    await hass.config_entries.async_forward_entry_setups(entry, list(room.platforms))
    return True


async def async_unload_entry(
    hass: HomeAssistant, entry: BoschConnectConfigEntry
) -> bool:
    """Unload a config entry."""
    room = room_for(entry)
    unloaded = await hass.config_entries.async_unload_platforms(
        entry, list(room.platforms)
    )
    if unloaded and room.async_unload_entry is not None:
        await room.async_unload_entry(hass, entry)
    return unloaded


async def async_remove_entry(
    hass: HomeAssistant, entry: BoschConnectConfigEntry
) -> None:
    """Clean up at Bosch when the user removes an entry."""
    room = room_for(entry)
    if room.async_remove_entry is not None:
        await room.async_remove_entry(hass, entry)


async def async_remove_config_entry_device(
    hass: HomeAssistant, entry: BoschConnectConfigEntry, device: DeviceEntry
) -> bool:
    """Let the user delete a device that the service no longer has."""
    room = room_for(entry)
    if room.async_remove_config_entry_device is None:
        return False
    return await room.async_remove_config_entry_device(hass, entry, device)
