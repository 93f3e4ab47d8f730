"""Where each bike is (GPS, from LOCATION_TRACKING notifications)."""

from __future__ import annotations

from operator import attrgetter
from typing import Any

from homeassistant.components.device_tracker import TrackerEntity
from homeassistant.components.device_tracker.const import SourceType
from homeassistant.const import EntityCategory

from .entity import EbikeEntity, bike_platform
from .runtime import EbikeData
from .state import TOPIC_LOCATION


class EbikeTracker(EbikeEntity, TrackerEntity):
    """The newest position of a bike (restored after a restart from the store)."""

    _attr_translation_key = "ebike_location"
    _attr_source_type = SourceType.GPS
    _bike_topics = (TOPIC_LOCATION,)
    _watch = attrgetter("location")

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

    def _refresh(self) -> None:
        """The newest position; altitude, vertical accuracy, moving, when taken."""
        location = self._bike.location
        if location is None:
            self._attr_latitude = self._attr_longitude = None
            self._attr_location_accuracy = 0
            self._attr_extra_state_attributes = {}
            return
        # A value outside its range is None: no position (or accuracy 0, what
        # Home Assistant takes for "not given"), the rest is still shown.
        self._attr_latitude = location.latitude
        self._attr_longitude = location.longitude
        accuracy = location.horizontal_accuracy
        self._attr_location_accuracy = 0 if accuracy is None else round(accuracy)
        self._attr_extra_state_attributes = {
            "altitude": location.altitude,
            "vertical_accuracy": location.vertical_accuracy,
            "moving": location.is_moving,
            "detected_at": location.detected_at.isoformat(),
        }


# Adds a tracker for every bike.
async_setup_trackers = bike_platform(
    lambda runtime, bike_id: [EbikeTracker(runtime, bike_id)]
)
