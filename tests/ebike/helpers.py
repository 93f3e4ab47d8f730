"""Small helpers for the Home Assistant side of the eBike tests."""

from __future__ import annotations

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
