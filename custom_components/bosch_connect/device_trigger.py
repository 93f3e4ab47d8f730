"""Device triggers of Bosch Connect: each device's room owns its triggers.

Home Assistant looks for this platform module at the top of the integration.
It checks the shape every trigger shares and hands the call to the room of
the device's entry (``Room.device_triggers``; today only bikes have them).
"""

from __future__ import annotations

from homeassistant.components.device_automation import DEVICE_TRIGGER_BASE_SCHEMA
from homeassistant.components.device_automation.exceptions import (
    InvalidDeviceAutomationConfig,
)
from homeassistant.const import CONF_DEVICE_ID, CONF_TYPE
from homeassistant.core import CALLBACK_TYPE, HomeAssistant
from homeassistant.helpers import config_validation as cv, device_registry as dr
from homeassistant.helpers.trigger import TriggerActionType, TriggerInfo
from homeassistant.helpers.typing import ConfigType
import probatio

from .const import CONF_SERVICE, DOMAIN
from .registry import ROOMS
from .room import DeviceTriggers

# What every trigger of ours has; the room checks the rest (which types).
TRIGGER_SCHEMA = DEVICE_TRIGGER_BASE_SCHEMA.extend(
    {probatio.Required(CONF_TYPE): cv.string}
)


def _triggers_of(hass: HomeAssistant, device_id: str) -> DeviceTriggers | None:
    """The triggers of the room whose entry has the device (None: no triggers)."""
    _, entry = dr.async_get_device_and_config_entry_for_domain(
        hass, device_id, domain=DOMAIN
    )
    if entry is None:
        return None
    room = ROOMS.get(entry.data.get(CONF_SERVICE, ""))
    return None if room is None else room.device_triggers


def _required(hass: HomeAssistant, config: ConfigType) -> DeviceTriggers:
    """The triggers of the configured device's room, or a translated error."""
    device_id: str = config[CONF_DEVICE_ID]
    triggers = _triggers_of(hass, device_id)
    if triggers is None:
        raise InvalidDeviceAutomationConfig(
            translation_domain=DOMAIN,
            translation_key="trigger_device_without_triggers",
            translation_placeholders={"device_id": device_id},
        )
    return triggers


async def async_validate_trigger_config(
    hass: HomeAssistant, config: ConfigType
) -> ConfigType:
    """Validate a trigger: our shape, then the device's room."""
    config = TRIGGER_SCHEMA(config)
    return await _required(hass, config).async_validate_trigger_config(hass, config)


async def async_get_triggers(
    hass: HomeAssistant, device_id: str
) -> list[dict[str, str]]:
    """The triggers the device's room offers for it (none for most devices)."""
    triggers = _triggers_of(hass, device_id)
    if triggers is None:
        return []
    return await triggers.async_get_triggers(hass, device_id)


async def async_attach_trigger(
    hass: HomeAssistant,
    config: ConfigType,
    action: TriggerActionType,
    trigger_info: TriggerInfo,
) -> CALLBACK_TYPE:
    """Attach a validated trigger through the device's room."""
    return await _required(hass, config).async_attach_trigger(
        hass, config, action, trigger_info
    )
