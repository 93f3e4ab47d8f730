"""Applying a verified, parsed notification to the state of its bike.

The last step of the webhook path (request → secret → signature → parse →
apply → state): synchronous, no network call, nothing awaited. It changes the
bike's :class:`~.state.BikeState`, wakes only the entities whose value
changed, fires the transitions (event entities and device triggers) and
schedules the store's write; a bike whose configuration is pending makes the
fleet be read once the handler is done.

Ordering rules (Bosch retries a failed delivery after 1, 2, 5, 180 and 480 s,
so notifications arrive late, twice and out of order): a BikeStatus replaces
the shown one only when its ``createdAt`` is newer; a location replaces the
shown one only when its ``detectedAt`` is newer. A repeated delivery is
therefore never applied twice, and a transition fires once. An event created
(or a location detected) later than now plus ``FUTURE_TOLERANCE`` is never
applied, nor restored from the store: it would make every later real event
look older, and the bike would stand still for good.
"""

from __future__ import annotations

from collections.abc import Iterable
import datetime as dt
import logging
from typing import Final

from homeassistant.core import HomeAssistant, callback

from . import state
from .const import (
    BUS_EVENT,
    FUTURE_TOLERANCE,
    TRIGGER_BCM_BATTERY_CRITICAL,
    TRIGGER_CHARGER_CONNECTED,
    TRIGGER_CHARGER_DISCONNECTED,
    TRIGGER_CHARGING_FINISHED,
    TRIGGER_STARTED_MOVING,
    TRIGGER_STOPPED,
)
from .fleet import EbikeFleetCoordinator
from .payloads import BikeStatus, Event, LocationTracking, WebhookTest
from .profiles import Profiles
from .state import TOPIC_LOCATION, TOPIC_STATUS, BikeState, Counters
from .store import BikeStore

_LOGGER = logging.getLogger(__name__)

BCM_CRITICAL: Final = "CHARGE_CRITICAL"


def transitions(old: BikeStatus | None, new: BikeStatus) -> list[str]:
    """The trigger types that a new BikeStatus causes (none for the first one).

    A field that the bike did not send (it was off) is not a transition.
    """
    if old is None:
        return []
    fired: list[str] = []
    if (
        old.is_charger_connected is not None
        and new.is_charger_connected is not None
        and old.is_charger_connected != new.is_charger_connected
    ):
        fired.append(
            TRIGGER_CHARGER_CONNECTED
            if new.is_charger_connected
            else TRIGGER_CHARGER_DISCONNECTED
        )
    if old.is_charging and new.is_charging is False and new.is_charger_connected:
        # Charging stopped with the charger still plugged in: the battery is full.
        fired.append(TRIGGER_CHARGING_FINISHED)
    if (
        new.bcm_battery_status == BCM_CRITICAL
        and old.bcm_battery_status != BCM_CRITICAL
    ):
        fired.append(TRIGGER_BCM_BATTERY_CRITICAL)
    return fired


class BikeEvents:
    """Applies notifications to the bikes of one entry."""

    def __init__(
        self,
        hass: HomeAssistant,
        fleet: EbikeFleetCoordinator,
        store: BikeStore,
        profiles: Profiles,
        counters: Counters,
    ) -> None:
        """Apply to the bikes of ``fleet``; count in ``counters``."""
        self._hass = hass
        self._fleet = fleet
        self._store = store
        self._profiles = profiles
        self._counters = counters

    @callback
    def async_apply(self, events: Iterable[Event], body: bytes) -> None:
        """Apply the events of one verified notification (its raw ``body``)."""
        counters = self._counters
        now = counters.last_received = state.utcnow()
        # The latest createdAt that can be true (now plus the clocks' tolerance).
        limit = now + FUTURE_TOLERANCE
        for event in events:
            if isinstance(event, BikeStatus):
                self._apply_bike_status(event, body, limit)
            elif isinstance(event, LocationTracking):
                self._apply_location(event, body, limit)
            elif isinstance(event, WebhookTest):
                counters.webhook_tests += 1
            else:
                counters.unknown_types += 1

    def _apply_bike_status(
        self, event: BikeStatus, body: bytes, limit: dt.datetime
    ) -> None:
        """Show a BikeStatus if it is newer than the shown one."""
        if event.created_at > limit:
            self._from_the_future(event.type)
            return
        bike = self._bike(event.bike_id)
        if bike is None:
            return
        old = bike.status
        if old is not None and event.created_at <= old.created_at:
            self._counters.ignored_old += 1
            return
        bike.set_status(event, body)
        self._applied(bike, TOPIC_STATUS, transitions(old, event))

    def _apply_location(
        self, event: LocationTracking, body: bytes, limit: dt.datetime
    ) -> None:
        """Show the newest location of a LocationTracking if it is newer.

        A location detected after ``limit`` is not taken (the newest of the
        others is); an event created after it is not applied at all.
        """
        if event.created_at > limit:
            self._from_the_future(event.type)
            return
        latest = state.newest_location(event, limit)
        if latest is not event.latest:
            self._from_the_future("location")
        bike = self._bike(event.bike_id)
        if bike is None:
            return
        old = bike.location
        if latest is None or (
            old is not None and latest.detected_at <= old.detected_at
        ):
            self._counters.ignored_old += 1
            return
        bike.set_location(latest, event.created_at, body)
        fired: list[str] = []
        if old is not None and old.is_moving != latest.is_moving:
            fired.append(
                TRIGGER_STARTED_MOVING if latest.is_moving else TRIGGER_STOPPED
            )
        self._applied(bike, TOPIC_LOCATION, fired)

    def _from_the_future(self, what: str) -> None:
        self._counters.ignored_future += 1
        _LOGGER.debug("Ignored a %s from the future", what)

    def _bike(self, bike_id: str) -> BikeState | None:
        """The bike's state; None for a bike that is gone (or too many unknown)."""
        bike = self._fleet.bike_for_event(bike_id)
        if bike is None:
            self._counters.ignored_unknown_bike += 1
            _LOGGER.debug("Ignored a notification for a bike not on the account")
        return bike

    def _applied(self, bike: BikeState, topic: str, fired: list[str]) -> None:
        """Count, save, wake the entities, fire the transitions."""
        self._counters.applied += 1
        self._store.async_schedule_save()
        if bike.bike_id not in self._fleet.known_bike_ids:
            return  # not on the account (yet): no entity shows it
        bike.notify(topic)
        for trigger in fired:
            bike.fire(trigger)
            if bike.device_id is not None:
                self._hass.bus.async_fire(
                    BUS_EVENT, {"device_id": bike.device_id, "type": trigger}
                )
        self._profiles.async_bike_reported(bike.bike_id)
