"""Small helpers for the Home Assistant side of the eBike tests."""

from __future__ import annotations

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, State
from homeassistant.helpers import entity_registry as er

from simulator.ebike import Bike


def entity_id(hass: HomeAssistant, platform: str, bike: Bike, key: str) -> str:
    """The entity id of one entity of a bike."""
    found = er.async_get(hass).async_get_entity_id(
        platform, "bosch_connect", f"ebike_{bike.bike_id}_{key}"
    )
    assert found is not None, (platform, key)
    return found


def state(hass: HomeAssistant, platform: str, bike: Bike, key: str) -> State:
    """The state of one entity of a bike."""
    found = hass.states.get(entity_id(hass, platform, bike, key))
    assert found is not None
    return found


async def async_enable_all(hass: HomeAssistant, entry: ConfigEntry) -> list[str]:
    """Enable the entities disabled by default (as a user would), reload.

    Returns the entity ids that were disabled.
    """
    registry = er.async_get(hass)
    enabled = []
    for reg in er.async_entries_for_config_entry(registry, entry.entry_id):
        if reg.disabled_by is er.RegistryEntryDisabler.INTEGRATION:
            registry.async_update_entity(reg.entity_id, disabled_by=None)
            enabled.append(reg.entity_id)
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    return enabled
