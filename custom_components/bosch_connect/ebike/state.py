"""What the notifications told us about each bike, and the handler's counters.

A :class:`BikeState` is held per bike by the fleet; the events module changes
it, the store saves and restores it, and the bike's entities listen to it:
each entity is woken only by a change of what it shows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
import datetime as dt
from typing import Final

from homeassistant.core import CALLBACK_TYPE, callback
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.util import dt as dt_util

from ..const import DOMAIN
from .payloads import BikeStatus, Location, LocationTracking

# What a notification changes: entities listen only to what they show.
TOPIC_STATUS: Final = "status"
TOPIC_LOCATION: Final = "location"
_UNSEEN: Final = object()

# "Now" for the events-from-the-future check (webhook and restore). A module
# attribute, so that a test whose simulated Bosch clock runs ahead of real
# time can move it along.
utcnow: Callable[[], dt.datetime] = dt_util.utcnow


def device_identifier(bike_id: str) -> tuple[str, str]:
    """The device registry identifier of a bike."""
    return (DOMAIN, f"ebike_{bike_id}")


def newest_location(event: LocationTracking, limit: dt.datetime) -> Location | None:
    """The newest location of an event detected no later than ``limit``."""
    latest = event.latest
    if latest is None or latest.detected_at <= limit:
        return latest  # what Bosch sends
    for location in reversed(event.locations):
        if location.detected_at <= limit:
            return location
    return None


@dataclass(slots=True)
class Counters:
    """What the webhook handler did (shown in diagnostics)."""

    accepted: int = 0
    applied: int = 0
    ignored_old: int = 0
    ignored_future: int = 0
    ignored_unknown_bike: int = 0
    webhook_tests: int = 0
    unknown_types: int = 0
    rejected: dict[str, int] = field(default_factory=dict)
    last_received: dt.datetime | None = None

    def reject(self, reason: str) -> None:
        """Count a rejected delivery."""
        self.rejected[reason] = self.rejected.get(reason, 0) + 1


type Watch = Callable[[BikeState], object]


@dataclass(slots=True, eq=False)
class _Listener:
    """An entity's callback and what it last saw of the bike (its ``watch``)."""

    update: CALLBACK_TYPE
    watch: Watch | None
    seen: object = _UNSEEN


@dataclass(slots=True, eq=False)
class BikeState:
    """What the notifications told us about one bike."""

    bike_id: str
    status: BikeStatus | None = None
    status_body: bytes | None = None
    location: Location | None = None
    location_body: bytes | None = None
    last_report: dt.datetime | None = None
    device_id: str | None = None
    _listeners: dict[str, list[_Listener]] = field(
        default_factory=lambda: {TOPIC_STATUS: [], TOPIC_LOCATION: []}
    )
    _event_listeners: list[Callable[[str], None]] = field(default_factory=list)
    # One DeviceInfo per bike, shared by its entities (memory at fleet scale).
    device_info: DeviceInfo = field(init=False)

    def __post_init__(self) -> None:
        """The bike's device, as its entities name it."""
        self.device_info = DeviceInfo(identifiers={device_identifier(self.bike_id)})

    @property
    def moving(self) -> bool | None:
        """Whether the bike moves, from its newest location."""
        return None if self.location is None else self.location.is_moving

    def set_status(self, status: BikeStatus, body: bytes) -> None:
        """Show a BikeStatus (the caller checked that it is newer)."""
        self.status, self.status_body = status, body
        self._reported(status.created_at)

    def set_location(
        self, location: Location, created_at: dt.datetime, body: bytes
    ) -> None:
        """Show a location of a LocationTracking created at ``created_at``."""
        self.location, self.location_body = location, body
        self._reported(created_at)

    def _reported(self, created_at: dt.datetime) -> None:
        if self.last_report is None or created_at > self.last_report:
            self.last_report = created_at

    @callback
    def async_add_listener(
        self,
        update: CALLBACK_TYPE,
        topics: tuple[str, ...],
        watch: Watch | None = None,
    ) -> CALLBACK_TYPE:
        """Call ``update`` when a topic (status, location) changes; returns the remover.

        With ``watch`` (what the entity shows of the bike), a notification of
        the topic wakes the entity only when that value changed: a status
        notification that changes the odometer wakes the odometer alone.
        """
        listener = _Listener(update, watch, _UNSEEN if watch is None else watch(self))
        for topic in topics:
            self._listeners[topic].append(listener)

        def remove() -> None:
            for topic in topics:
                self._listeners[topic].remove(listener)

        return remove

    @callback
    def async_add_event_listener(self, fire: Callable[[str], None]) -> CALLBACK_TYPE:
        """Call ``fire(trigger_type)`` for every transition of this bike."""
        self._event_listeners.append(fire)
        return lambda: self._event_listeners.remove(fire)

    @callback
    def fire(self, trigger: str) -> None:
        """Tell the bike's event listeners about a transition."""
        for fire in self._event_listeners:
            fire(trigger)

    @callback
    def notify(self, topic: str | None = None) -> None:
        """Wake the bike's entities that show ``topic`` (None: all of them)."""
        if topic is not None:
            for listener in self._listeners[topic]:
                if (watch := listener.watch) is not None:
                    seen = watch(self)
                    if seen == listener.seen:
                        continue
                    listener.seen = seen
                listener.update()
            return
        woken: set[int] = set()
        for listeners in self._listeners.values():
            for listener in listeners:
                if id(listener) not in woken:
                    woken.add(id(listener))
                    if listener.watch is not None:
                        listener.seen = listener.watch(self)
                    listener.update()
