"""The fleet of ConnectModules and the state of every bike.

Two sources feed the entities:

* :class:`EbikeFleetCoordinator` polls the list of ConnectModules (every 15
  minutes, and whenever a notification names a bike we do not know yet). It
  adds devices for new bikes and removes the devices of bikes that left the
  account. Its data (the modules with their features) backs the profile
  selects and the sync status sensors.
* :class:`BikeState` holds what the notifications told us about one bike. The
  webhook handler updates it and wakes only that bike's entities. The last
  applied BikeStatus and location are kept in a :class:`Store`, so everything
  comes back after a restart, including the state that the transition
  triggers compare against.

Ordering rules (Bosch retries a failed delivery after 1, 2, 5, 180 and 480 s,
so notifications arrive late, twice and out of order): a BikeStatus replaces
the shown one only when its ``createdAt`` is newer; a location replaces the
shown one only when its ``detectedAt`` is newer. A repeated delivery is
therefore never applied twice, and a transition fires once. An event created
(or a location detected) later than now plus ``FUTURE_TOLERANCE`` is never
applied, nor restored from the store: it would make every later real event
look older, and the bike would stand still for good.

Bikes that are not on the account: a notification for one is kept (for at
most ``MAX_PENDING_BIKES`` bikes at a time) until the fleet has been read
again (a debounced refresh): a bike that joined then starts with it; any
other is dropped once a fleet read that began after its notification did not
list it, and is remembered as gone (the newest ``MAX_FORGOTTEN_BIKES``), like
a bike that left the account. A notification for a gone bike, late or
replayed, is answered and ignored: it creates no state, no device, no store
entry and no fleet refresh.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
import contextlib
from dataclasses import dataclass, field, replace
import datetime as dt
import logging
import time
from typing import TYPE_CHECKING, Any, Final

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.exceptions import ConfigEntryAuthFailed
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.storage import Store
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed
from homeassistant.util import dt as dt_util

from ..const import DOMAIN, MANUFACTURER
from .api import ConnectModule, EbikeClient, Feature
from .connection import scrub
from .const import (
    BUS_EVENT,
    FLEET_REFRESH,
    FUTURE_TOLERANCE,
    TRIGGER_BCM_BATTERY_CRITICAL,
    TRIGGER_CHARGER_CONNECTED,
    TRIGGER_CHARGER_DISCONNECTED,
    TRIGGER_CHARGING_FINISHED,
    TRIGGER_STARTED_MOVING,
    TRIGGER_STOPPED,
)
from .errors import EbikeAuthError, EbikeError, PayloadError
from .payloads import BikeStatus, Location, LocationTracking, parse_events

if TYPE_CHECKING:
    from .signature import SignatureVerifier

_LOGGER = logging.getLogger(__name__)

SAVE_DELAY = 10.0
# What a notification changes: entities listen only to what they show.
TOPIC_STATUS = "status"
TOPIC_LOCATION = "location"
BCM_CRITICAL = "CHARGE_CRITICAL"
# Bikes not on the account whose first notification is kept meanwhile.
MAX_PENDING_BIKES: Final = 8
# Bikes that left the account (or never were on it), remembered as gone.
MAX_FORGOTTEN_BIKES: Final = 1024
_UNSEEN: Final = object()

type EbikeConfigEntry = ConfigEntry[EbikeData]

# "Now" for the events-from-the-future check (webhook and restore). A module
# attribute, so that a test whose simulated Bosch clock runs ahead of real
# time can move it along.
utcnow: Callable[[], dt.datetime] = dt_util.utcnow


def _text(body: bytes | None) -> str | None:
    return None if body is None else body.decode("utf-8", "replace")


def device_identifier(bike_id: str) -> tuple[str, str]:
    """The device registry identifier of a bike."""
    return (DOMAIN, f"ebike_{bike_id}")


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


def newest_location(event: LocationTracking, limit: dt.datetime) -> Location | None:
    """The newest location of an event detected no later than ``limit``."""
    latest = event.latest
    if latest is None or latest.detected_at <= limit:
        return latest  # what Bosch sends
    for location in reversed(event.locations):
        if location.detected_at <= limit:
            return location
    return None


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


class EbikeFleetCoordinator(DataUpdateCoordinator[dict[str, ConnectModule]]):
    """The ConnectModules of the account, keyed by bike id."""

    config_entry: EbikeConfigEntry

    def __init__(
        self, hass: HomeAssistant, entry: EbikeConfigEntry, client: EbikeClient
    ) -> None:
        """Poll the fleet every 15 minutes."""
        super().__init__(
            hass,
            _LOGGER,
            config_entry=entry,
            name="Bosch eBike fleet",
            update_interval=FLEET_REFRESH,
        )
        self.client = client
        self._new_bike_callbacks: list[Callable[[list[str]], None]] = []
        # When the read of the newest fleet listing began (time.monotonic()).
        self.listed_at: float | None = None

    async def _async_update_data(self) -> dict[str, ConnectModule]:
        started = time.monotonic()
        try:
            modules = await self.client.list_connect_modules()
        except EbikeAuthError as err:
            raise ConfigEntryAuthFailed(
                translation_domain=DOMAIN, translation_key="ebike_invalid_client"
            ) from err
        except EbikeError as err:
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="ebike_update_failed",
                translation_placeholders={"error": scrub(err, self.config_entry.data)},
            ) from err
        self.listed_at = started
        return {module.bike_id: module for module in modules if module.bike_id}

    @callback
    def async_add_new_bike_callback(
        self, add: Callable[[list[str]], None]
    ) -> CALLBACK_TYPE:
        """Call ``add(bike_ids)`` when bikes join the account."""
        self._new_bike_callbacks.append(add)
        return lambda: self._new_bike_callbacks.remove(add)

    @callback
    def async_new_bikes(self, bike_ids: list[str]) -> None:
        """Tell the platforms about bikes that joined."""
        for add in self._new_bike_callbacks:
            add(bike_ids)

    @callback
    def async_set_feature(self, bike_id: str, feature: Feature) -> None:
        """Store a feature the API returned after a profile change."""
        module = self.data.get(bike_id)
        if module is None:
            return
        features = tuple(
            feature if f.type == feature.type else f for f in module.features
        )
        if all(f.type != feature.type for f in module.features):
            features += (feature,)
        updated = dict(self.data)
        updated[bike_id] = replace(module, features=features, sync_status="PENDING")
        self.async_set_updated_data(updated)


@dataclass(slots=True, eq=False)
class EbikeData:
    """Everything an eBike entry needs at runtime (``entry.runtime_data``)."""

    hass: HomeAssistant
    entry: EbikeConfigEntry
    client: EbikeClient
    verifier: SignatureVerifier
    coordinator: EbikeFleetCoordinator
    store: Store[dict[str, Any]]
    webhook_secret: bytes = field(repr=False)
    webhook_url: str | None = field(default=None, repr=False)
    bikes: dict[str, BikeState] = field(default_factory=dict)
    counters: Counters = field(default_factory=Counters)
    known_bike_ids: set[str] = field(default_factory=set)
    # Bikes not on the account with a notification kept: since when.
    _pending: dict[str, float] = field(default_factory=dict)
    # Bikes that left the account (or never were on it), oldest first.
    _forgotten: dict[str, None] = field(default_factory=dict)
    _module_refreshes: set[str] = field(default_factory=set)
    _save_scheduled: bool = False
    _webhook_tests_expected: int = 0

    @contextlib.contextmanager
    def webhook_test_expected(self) -> Iterator[None]:
        """While we create or change our webhook at Bosch (it tests our URL)."""
        self._webhook_tests_expected += 1
        try:
            yield
        finally:
            self._webhook_tests_expected -= 1

    @property
    def expects_webhook_test(self) -> bool:
        """Whether Bosch may be sending its WebhookTest right now."""
        return self._webhook_tests_expected > 0

    def bike(self, bike_id: str) -> BikeState:
        """The state of a bike (created on first use)."""
        state = self.bikes.get(bike_id)
        if state is None:
            state = self.bikes[bike_id] = BikeState(bike_id)
        return state

    # --- applying notifications (the hot path) ---------------------------

    @callback
    def apply_bike_status(
        self, event: BikeStatus, body: bytes, limit: dt.datetime
    ) -> bool:
        """Apply a BikeStatus if it is newer than the shown one.

        ``limit``: the latest ``createdAt`` that can be true (now plus the
        tolerance for clocks).
        """
        if event.created_at > limit:
            return self._from_the_future(event.type)
        bike = self.bikes.get(event.bike_id) or self._unknown_bike(event.bike_id)
        if bike is None:
            return False
        old = bike.status
        if old is not None and event.created_at <= old.created_at:
            self.counters.ignored_old += 1
            return False
        bike.status = event
        bike.status_body = body
        self._reported(bike, event.created_at)
        self._after_apply(bike, TOPIC_STATUS, transitions(old, event))
        return True

    @callback
    def apply_location(
        self, event: LocationTracking, body: bytes, limit: dt.datetime
    ) -> bool:
        """Apply the newest location of a LocationTracking if it is newer.

        A location detected after ``limit`` is not taken (the newest of the
        others is); an event created after it is not applied at all.
        """
        if event.created_at > limit:
            return self._from_the_future(event.type)
        latest = newest_location(event, limit)
        if latest is not event.latest:
            self._from_the_future("location")
        bike = self.bikes.get(event.bike_id) or self._unknown_bike(event.bike_id)
        if bike is None:
            return False
        old = bike.location
        if latest is None or (
            old is not None and latest.detected_at <= old.detected_at
        ):
            self.counters.ignored_old += 1
            return False
        bike.location = latest
        bike.location_body = body
        self._reported(bike, event.created_at)
        fired: list[str] = []
        if old is not None and old.is_moving != latest.is_moving:
            fired.append(
                TRIGGER_STARTED_MOVING if latest.is_moving else TRIGGER_STOPPED
            )
        self._after_apply(bike, TOPIC_LOCATION, fired)
        return True

    def _from_the_future(self, what: str) -> bool:
        self.counters.ignored_future += 1
        _LOGGER.debug("Ignored a %s from the future", what)
        return False

    def _unknown_bike(self, bike_id: str) -> BikeState | None:
        """The state for a notification of a bike that is not on the account.

        None (the notification is ignored) for a bike known to be gone, or
        when ``MAX_PENDING_BIKES`` unknown bikes wait already. Otherwise the
        fleet is read again (debounced), and the bike keeps the state until
        then: a bike that joined starts with it.
        """
        if bike_id in self._forgotten or len(self._pending) >= MAX_PENDING_BIKES:
            self.counters.ignored_unknown_bike += 1
            _LOGGER.debug("Ignored a notification for a bike not on the account")
            return None
        self._pending[bike_id] = time.monotonic()
        self.hass.async_create_task(
            self.coordinator.async_request_refresh(), eager_start=False
        )
        return self.bike(bike_id)

    def _forget(self, bike_id: str) -> None:
        """Remember a bike as gone (the newest MAX_FORGOTTEN_BIKES)."""
        self._pending.pop(bike_id, None)
        self._forgotten.pop(bike_id, None)
        self._forgotten[bike_id] = None
        while len(self._forgotten) > MAX_FORGOTTEN_BIKES:
            del self._forgotten[next(iter(self._forgotten))]

    def _reported(self, bike: BikeState, created_at: dt.datetime) -> None:
        if bike.last_report is None or created_at > bike.last_report:
            bike.last_report = created_at

    def _after_apply(self, bike: BikeState, topic: str, fired: list[str]) -> None:
        self.counters.applied += 1
        if not self._save_scheduled:
            # At most one write per SAVE_DELAY, also under a steady stream
            # (async_delay_save alone would postpone it with every event).
            self._save_scheduled = True
            self.store.async_delay_save(self.data_to_save, SAVE_DELAY)
        if bike.bike_id not in self.known_bike_ids:
            return  # not on the account (yet): no entity shows it
        bike.notify(topic)
        for trigger in fired:
            self._fire(bike, trigger)
        self._refresh_pending_module(bike.bike_id)

    def _fire(self, bike: BikeState, trigger: str) -> None:
        for fire in bike._event_listeners:
            fire(trigger)
        if bike.device_id is not None:
            self.hass.bus.async_fire(
                BUS_EVENT, {"device_id": bike.device_id, "type": trigger}
            )

    def _refresh_pending_module(self, bike_id: str) -> None:
        """A bike that reports is powered on: re-read a pending configuration."""
        module = self.coordinator.data.get(bike_id)
        if (
            module is None
            or module.sync_status != "PENDING"
            or bike_id in self._module_refreshes
        ):
            return
        self._module_refreshes.add(bike_id)
        self.entry.async_create_task(
            self.hass,
            self._async_refresh_module(module),
            f"bosch_connect ebike refresh module {module.id}",
        )

    async def _async_refresh_module(self, module: ConnectModule) -> None:
        try:
            fresh = await self.client.get_connect_module(module.id, module.etag)
        except EbikeError as err:
            _LOGGER.debug("Could not re-read a ConnectModule: %s", err)
            return
        finally:
            self._module_refreshes.discard(module.bike_id)
        if fresh is None or module.bike_id not in self.coordinator.data:
            return
        updated = dict(self.coordinator.data)
        updated[module.bike_id] = fresh
        self.coordinator.async_set_updated_data(updated)

    # --- persistence ------------------------------------------------------

    @callback
    def data_to_save(self) -> dict[str, Any]:
        """The raw bodies of the shown BikeStatus and location of every bike.

        Only of the bikes on the account.
        """
        self._save_scheduled = False
        return {
            "bikes": {
                bike_id: {
                    "status": _text(bike.status_body),
                    "location": _text(bike.location_body),
                }
                for bike_id, bike in self.bikes.items()
                if (bike.status_body or bike.location_body)
                and bike_id in self.known_bike_ids
            }
        }

    async def async_load(self) -> None:
        """Restore the last state of every bike."""
        stored = await self.store.async_load()
        if not stored:
            return
        # What was stored before events from the future were refused may hold
        # one: it is not restored.
        limit = utcnow() + FUTURE_TOLERANCE
        for bike_id, saved in stored.get("bikes", {}).items():
            bike = self.bike(bike_id)
            for key in ("status", "location"):
                body = saved.get(key)
                if not body:
                    continue
                try:
                    events = parse_events(body)
                except PayloadError:
                    continue
                for event in events:
                    if (
                        getattr(event, "bike_id", None) != bike_id
                        or event.created_at is None
                        or event.created_at > limit
                    ):
                        continue
                    if isinstance(event, BikeStatus):
                        bike.status, bike.status_body = event, body.encode()
                        self._reported(bike, event.created_at)
                    elif isinstance(event, LocationTracking) and (
                        location := newest_location(event, limit)
                    ):
                        bike.location = location
                        bike.location_body = body.encode()
                        self._reported(bike, event.created_at)

    # --- fleet changes ----------------------------------------------------

    @callback
    def async_sync_devices(self) -> None:
        """Create devices for new bikes, remove those gone from the account."""
        registry = dr.async_get(self.hass)
        modules = self.coordinator.data
        new = [bike_id for bike_id in modules if bike_id not in self.known_bike_ids]
        for bike_id in new:
            module = modules[bike_id]
            device = registry.async_get_or_create(
                config_entry_id=self.entry.entry_id,
                identifiers={device_identifier(bike_id)},
                manufacturer=MANUFACTURER,
                name=module.oem_bike_id or bike_id,
                model=f"ConnectModule {module.product_code}"
                if module.product_code
                else "ConnectModule",
                model_id=module.part_number,
                serial_number=module.serial_number,
            )
            self.bike(bike_id).device_id = device.id
        self.known_bike_ids.update(new)
        for bike_id in new:
            self._pending.pop(bike_id, None)
            self._forgotten.pop(bike_id, None)
        gone = self.known_bike_ids - modules.keys()
        for device in dr.async_entries_for_config_entry(registry, self.entry.entry_id):
            bike_ids = {
                ident[1].removeprefix("ebike_")
                for ident in device.identifiers
                if ident[0] == DOMAIN
            }
            if bike_ids and not bike_ids & modules.keys():
                # A device belongs to this entry alone: removing it removes
                # its entities too.
                registry.async_remove_device(device.id)
        self.known_bike_ids -= gone
        # Forget bikes that are not (or no longer) on the account, including
        # state restored from the store, and a bike with a notification that
        # a fleet read begun since did not list. Their late or replayed
        # notifications are ignored from now on.
        listed_at = self.coordinator.listed_at
        for bike_id in [b for b in self.bikes if b not in modules]:
            since = self._pending.get(bike_id)
            if since is not None and (listed_at is None or listed_at < since):
                continue  # the fleet was not read since: it may have joined
            del self.bikes[bike_id]
            self._forget(bike_id)
        if new:
            self.coordinator.async_new_bikes(new)
            for bike_id in new:
                self.bikes[bike_id].notify()
