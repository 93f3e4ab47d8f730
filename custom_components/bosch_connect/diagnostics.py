"""Diagnostics: each service returns its own, with secrets redacted."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from homeassistant.core import HomeAssistant

from .const import CONF_SERVICE
from .registry import BoschConnectConfigEntry, room_for


async def async_get_config_entry_diagnostics(
    hass: HomeAssistant, entry: BoschConnectConfigEntry
) -> Mapping[str, Any]:
    """Return diagnostics for a config entry."""
    room = room_for(entry)
    if room.async_get_diagnostics is None:
        return {CONF_SERVICE: room.service}
    return await room.async_get_diagnostics(hass, entry)
