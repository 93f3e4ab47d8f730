"""The base of every eBike entity: one bike, woken only by that bike's news."""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Iterable
from dataclasses import dataclass
from typing import Any, Final

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.entity import Entity, EntityDescription
from homeassistant.helpers.entity_platform import AddEntitiesCallback

from ..entity import BoschConnectEntity
from .api import ConnectModule
from .payloads import BikeStatus
from .runtime import EbikeConfigEntry, EbikeData
from .state import TOPIC_STATUS, BikeState, Watch

_NOTHING_SHOWN: Final = object()

type BikePlatformSetup = Callable[
    [HomeAssistant, EbikeConfigEntry, AddEntitiesCallback],
    Coroutine[Any, Any, None],
]


class EbikeEntity(BoschConnectEntity):
    """An entity of one bike."""

    _attr_should_poll = False
    # Also update when the fleet coordinator has news (modules, availability).
    _listens_to_fleet = False
    # The notifications this entity shows (BIKE_STATUS and/or LOCATION_TRACKING).
    _bike_topics: tuple[str, ...] = (TOPIC_STATUS,)
    # What the entity shows of the bike (a cheap function of its state): a
    # notification that leaves it unchanged does not wake the entity. None:
    # every notification of its topics wakes it.
    _watch: Watch | None = None

    def __init__(self, runtime: EbikeData, bike_id: str, key: str) -> None:
        self._runtime = runtime
        self._bike: BikeState = runtime.coordinator.bike(bike_id)
        self._bike_id = bike_id
        self._attr_unique_id = f"ebike_{bike_id}_{key}"
        self._attr_device_info = self._bike.device_info
        self._last_shown: Any = _NOTHING_SHOWN

    @property
    def module(self) -> ConnectModule | None:
        """The bike's ConnectModule as last read from the fleet."""
        return self._runtime.coordinator.data.get(self._bike_id)

    @property
    def available(self) -> bool:
        """Available while the bike belongs to the account."""
        return self._bike_id in self._runtime.coordinator.data

    async def async_added_to_hass(self) -> None:
        """Follow this bike (and the fleet where needed)."""
        await super().async_added_to_hass()
        if self._bike_topics:
            self.async_on_remove(
                self._bike.async_add_listener(
                    self._handle_update, self._bike_topics, self._watch
                )
            )
        if self._listens_to_fleet:
            self.async_on_remove(
                self._runtime.coordinator.async_add_listener(self._handle_update)
            )
        # Home Assistant writes the first state right after this method.
        self._refresh()
        self._last_shown = self._shown()

    def _shown(self) -> Any:
        """What this entity shows; a news that leaves it unchanged writes nothing.

        Subclasses return their own (cheaper) values; availability is always
        part of it, so an entity that becomes (un)available writes.
        """
        return (self.available, self.state, self.extra_state_attributes)

    def _refresh(self) -> None:
        """Copy what changed into the ``_attr_`` fields (before a state write)."""

    @callback
    def _handle_update(self) -> None:
        shown = self._shown()
        if shown == self._last_shown:
            return
        self._last_shown = shown
        self._refresh()
        self.async_write_ha_state()


def status_value[T](read: Callable[[BikeStatus], T]) -> Callable[[BikeState], T | None]:
    """A value of the bike's newest BikeStatus (None before the first one)."""

    def value(bike: BikeState) -> T | None:
        return None if bike.status is None else read(bike.status)

    return value


@dataclass(frozen=True, kw_only=True)
class EbikeValueDescription(EntityDescription):
    """A value of the bike's notifications, and the notifications that change it."""

    value_fn: Callable[[BikeState], Any]
    topics: tuple[str, ...] = (TOPIC_STATUS,)


class EbikeValueEntity(EbikeEntity):
    """An entity that shows one value of its bike's notifications."""

    def __init__(
        self, runtime: EbikeData, bike_id: str, description: EbikeValueDescription
    ) -> None:
        super().__init__(runtime, bike_id, description.key)
        self.entity_description = description
        self._bike_topics = description.topics
        self._watch = self._value_fn = description.value_fn

    def _shown(self) -> Any:
        return (self.available, self._value_fn(self._bike))


def bike_platform(
    build: Callable[[EbikeData, str], Iterable[Entity]],
) -> BikePlatformSetup:
    """The setup of a platform: ``build`` makes the entities of one bike.

    The entities of every bike are added now, those of bikes that join later
    when they join.
    """

    async def async_setup(
        hass: HomeAssistant,
        entry: EbikeConfigEntry,
        async_add_entities: AddEntitiesCallback,
    ) -> None:
        runtime = entry.runtime_data

        @callback
        def add(bike_ids: list[str]) -> None:
            async_add_entities(
                [entity for bike_id in bike_ids for entity in build(runtime, bike_id)]
            )

        add(list(runtime.coordinator.data))
        entry.async_on_unload(runtime.coordinator.async_add_new_bike_callback(add))

    return async_setup
