"""An event entity per bike: moving, charging and BCM battery transitions."""

from __future__ import annotations

from homeassistant.components.event import EventEntity
from homeassistant.core import callback

from .const import TRIGGER_TYPES
from .entity import EbikeEntity, bike_platform
from .runtime import EbikeData


class EbikeEvent(EbikeEntity, EventEntity):
    """Fires once per transition that a notification reveals."""

    _attr_translation_key = "ebike_event"

    def __init__(self, runtime: EbikeData, bike_id: str) -> None:
        super().__init__(runtime, bike_id, "event")
        self._attr_event_types = list(TRIGGER_TYPES)

    async def async_added_to_hass(self) -> None:
        """Listen to this bike's transitions (not to its state updates)."""
        await EventEntity.async_added_to_hass(self)
        self.async_on_remove(self._bike.async_add_event_listener(self._fire))

    @callback
    def _fire(self, trigger: str) -> None:
        self._trigger_event(trigger)
        self.async_write_ha_state()


# Adds the event entity of every bike.
async_setup_events = bike_platform(
    lambda runtime, bike_id: [EbikeEvent(runtime, bike_id)]
)
