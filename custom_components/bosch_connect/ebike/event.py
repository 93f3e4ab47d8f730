"""An event entity per bike: moving, charging and BCM battery transitions."""

from __future__ import annotations

from homeassistant.components.event import EventEntity
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.entity import Entity
from homeassistant.helpers.entity_platform import AddEntitiesCallback

from .const import TRIGGER_TYPES
from .coordinator import EbikeConfigEntry, EbikeData
from .entity import EbikeEntity, async_setup_bike_platform


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


def _build(runtime: EbikeData, bike_id: str) -> list[Entity]:
    return [EbikeEvent(runtime, bike_id)]


async def async_setup_events(
    hass: HomeAssistant,
    entry: EbikeConfigEntry,
    async_add_entities: AddEntitiesCallback,
) -> None:
    """Add the event entity of every bike."""
    async_setup_bike_platform(hass, entry, async_add_entities, _build)
