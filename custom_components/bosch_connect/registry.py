"""The services this integration offers, keyed by ``entry.data["service"]``.

The only top-level module that imports the rooms: everything else reaches a
room through its :class:`~.room.Room` here (``tests/test_layout.py``).
"""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddEntitiesCallback

from .bosma import ROOM as BOSMA_ROOM
from .bosma.coordinator import BosmaCoordinator
from .const import CONF_SERVICE
from .ebike import ROOM as EBIKE_ROOM
from .ebike.runtime import EbikeData
from .gateway import ROOM as GATEWAY_ROOM
from .gateway.coordinator import GatewayRuntimeData
from .homecomfort import ROOM as HOMECOMFORT_ROOM
from .homecomfort.coordinator import HomeComfortRuntimeData
from .rollouts import ROOM as ROLLOUTS_ROOM
from .rollouts.coordinator import RolloutsData
from .room import PlatformSetup, Room

# What an entry of this integration holds once its room has set it up: the
# runtime data of one of the rooms (each room types its own entries).
type BoschConnectRuntimeData = (
    GatewayRuntimeData
    | EbikeData
    | HomeComfortRuntimeData
    | RolloutsData
    | BosmaCoordinator
)
type BoschConnectConfigEntry = ConfigEntry[BoschConnectRuntimeData]

# In the order of the config flow's menu: the local gateway first, then the
# cloud services. Each room is typed by its own runtime data; the dispatch
# hands it the entries of its service.
ROOMS: dict[str, Room[Any]] = {
    room.service: room
    for room in (GATEWAY_ROOM, EBIKE_ROOM, HOMECOMFORT_ROOM, ROLLOUTS_ROOM, BOSMA_ROOM)
}


def room_for(entry: BoschConnectConfigEntry) -> Room[Any]:
    """Return the room that serves this entry."""
    return ROOMS[entry.data[CONF_SERVICE]]


def platform_setup(platform: Platform) -> PlatformSetup[BoschConnectRuntimeData]:
    """The ``async_setup_entry`` of a platform module: the entry's service sets up."""

    async def async_setup_entry(
        hass: HomeAssistant,
        entry: BoschConnectConfigEntry,
        async_add_entities: AddEntitiesCallback,
    ) -> None:
        """Set up the entities of the entry's service."""
        await room_for(entry).platforms[platform](hass, entry, async_add_entities)

    return async_setup_entry
