"""Where each bike is (GPS, from LOCATION_TRACKING notifications)."""

from __future__ import annotations

from typing import Any

from homeassistant.components.device_tracker.config_entry import TrackerEntity
from homeassistant.components.device_tracker.const import SourceType
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity import Entity
from homeassistant.helpers.entity_platform import AddEntitiesCallback

from .coordinator import TOPIC_LOCATION, EbikeConfigEntry, EbikeData
from .entity import EbikeEntity, async_setup_bike_platform


class EbikeTracker(EbikeEntity, TrackerEntity):
    """The newest position of a bike (restored after a restart from the store)."""

    _attr_translation_key = "ebike_location"
    _attr_source_type = SourceType.GPS
    _bike_topics = (TOPIC_LOCATION,)

    @property
    def entity_category(self) -> EntityCategory | None:
        """Not diagnostic: where the bike is, is what the service is for.

        Home Assistant's tracker base class makes every tracker diagnostic.
        """
        return None

    def __init__(self, runtime: EbikeData, bike_id: str) -> None:
        super().__init__(runtime, bike_id, "location")

    def _shown(self) -> Any:
        return (self.available, self._bike.location)

    @property
    def latitude(self) -> float | None:
        """Latitude of the newest location."""
        location = self._bike.location
        return location.latitude if location else None

    @property
    def longitude(self) -> float | None:
        """Longitude of the newest location."""
        location = self._bike.location
        return location.longitude if location else None

    @property
    def location_accuracy(self) -> int:
        """Horizontal accuracy in metres."""
        location = self._bike.location
        return round(location.horizontal_accuracy) if location else 0

    @property
    def extra_state_attributes(self) -> dict[str, Any]:
        """Altitude, vertical accuracy, moving and when the position was taken."""
        location = self._bike.location
        if location is None:
            return {}
        return {
            "altitude": location.altitude,
            "vertical_accuracy": location.vertical_accuracy,
            "moving": location.is_moving,
            "detected_at": location.detected_at.isoformat(),
        }


def _build(runtime: EbikeData, bike_id: str) -> list[Entity]:
    return [EbikeTracker(runtime, bike_id)]


async def async_setup_trackers(
    hass: HomeAssistant,
    entry: EbikeConfigEntry,
    async_add_entities: AddEntitiesCallback,
) -> None:
    """Add a tracker for every bike."""
    async_setup_bike_platform(hass, entry, async_add_entities, _build)
