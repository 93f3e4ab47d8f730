"""The fleet: the account's ConnectModules, its bikes and their devices.

:class:`EbikeFleetCoordinator` polls the list of ConnectModules (every 15
minutes, and soon after a notification names a bike we do not know yet or a
bike whose configuration is pending). After every read it adds devices for new
bikes and removes the devices of bikes that left the account. Its data (the
modules with their features) backs the profile selects and the sync status
sensors; it also holds the :class:`~.state.BikeState` of every bike.

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

from collections.abc import Callable
import logging
import time
from typing import TYPE_CHECKING, Final

from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator

from ..const import DOMAIN, MANUFACTURER
from ..errors import update_failed
from .api import ConnectModule, EbikeClient
from .connection import scrub
from .const import FLEET_REFRESH
from .errors import EbikeError
from .failures import EBIKE_REFRESH_ERRORS
from .state import BikeState, device_identifier

if TYPE_CHECKING:
    from .runtime import EbikeConfigEntry

_LOGGER = logging.getLogger(__name__)

# Bikes not on the account whose first notification is kept meanwhile.
MAX_PENDING_BIKES: Final = 8
# Bikes that left the account (or never were on it), remembered as gone.
MAX_FORGOTTEN_BIKES: Final = 1024


class EbikeFleetCoordinator(DataUpdateCoordinator[dict[str, ConnectModule]]):
    """The ConnectModules of the account keyed by bike id, and its bikes."""

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
        # The state of every bike on the account (and of bikes kept meanwhile).
        self.bikes: dict[str, BikeState] = {}
        # The bikes that have a device (and entities).
        self.known_bike_ids: set[str] = set()
        # When the read of the newest fleet listing began (time.monotonic()).
        self.listed_at: float | None = None
        self._new_bike_callbacks: list[Callable[[list[str]], None]] = []
        # Bikes not on the account with a notification kept: since when.
        self._pending: dict[str, float] = {}
        # Bikes that left the account (or never were on it), oldest first.
        self._forgotten: dict[str, None] = {}

    async def _async_update_data(self) -> dict[str, ConnectModule]:
        started = time.monotonic()
        try:
            modules = await self.client.list_connect_modules()
        except EbikeError as err:
            raise update_failed(
                err, EBIKE_REFRESH_ERRORS, error=scrub(err, self.config_entry.data)
            ) from err
        self.listed_at = started
        return {module.bike_id: module for module in modules if module.bike_id}

    @callback
    def async_refresh_soon(self) -> None:
        """Read the fleet again soon (debounced), after the caller returned.

        For the webhook handler: the read starts once the handler is done
        (never inside it), and many requests within the cooldown make one read.
        """
        self.config_entry.async_create_task(
            self.hass,
            self.async_request_refresh(),
            "bosch_connect ebike fleet refresh",
            eager_start=False,
        )

    # --- bikes --------------------------------------------------------------

    def bike(self, bike_id: str) -> BikeState:
        """The state of a bike (created on first use)."""
        state = self.bikes.get(bike_id)
        if state is None:
            state = self.bikes[bike_id] = BikeState(bike_id)
        return state

    def bike_for_event(self, bike_id: str) -> BikeState | None:
        """The state that a notification for ``bike_id`` updates.

        For a bike that is not on the account: None (the notification is
        ignored) for a bike known to be gone, or when ``MAX_PENDING_BIKES``
        unknown bikes wait already. Otherwise the fleet is read again soon,
        and the bike keeps the state until then: a bike that joined starts
        with it.
        """
        bike = self.bikes.get(bike_id)
        if bike is not None:
            return bike
        if bike_id in self._forgotten or len(self._pending) >= MAX_PENDING_BIKES:
            return None
        self._pending[bike_id] = time.monotonic()
        self.async_refresh_soon()
        return self.bike(bike_id)

    def _forget(self, bike_id: str) -> None:
        """Remember a bike as gone (the newest MAX_FORGOTTEN_BIKES)."""
        self._pending.pop(bike_id, None)
        self._forgotten.pop(bike_id, None)
        self._forgotten[bike_id] = None
        while len(self._forgotten) > MAX_FORGOTTEN_BIKES:
            del self._forgotten[next(iter(self._forgotten))]

    @callback
    def async_add_new_bike_callback(
        self, add: Callable[[list[str]], None]
    ) -> CALLBACK_TYPE:
        """Call ``add(bike_ids)`` when bikes join the account."""
        self._new_bike_callbacks.append(add)
        return lambda: self._new_bike_callbacks.remove(add)

    # --- fleet changes ------------------------------------------------------

    @callback
    def async_sync_devices(self) -> None:
        """Create devices for new bikes, remove those gone from the account."""
        registry = dr.async_get(self.hass)
        entry_id = self.config_entry.entry_id
        modules = self.data
        new = [bike_id for bike_id in modules if bike_id not in self.known_bike_ids]
        for bike_id in new:
            module = modules[bike_id]
            device = registry.async_get_or_create(
                config_entry_id=entry_id,
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
            self._pending.pop(bike_id, None)
            self._forgotten.pop(bike_id, None)
        self.known_bike_ids.update(new)
        for device in dr.async_entries_for_config_entry(registry, entry_id):
            bike_ids = {
                ident[1].removeprefix("ebike_")
                for ident in device.identifiers
                if ident[0] == DOMAIN
            }
            if bike_ids and not bike_ids & modules.keys():
                # A device belongs to this entry alone: removing it removes
                # its entities too.
                registry.async_remove_device(device.id)
        self.known_bike_ids &= modules.keys()
        # Forget bikes that are not (or no longer) on the account, including
        # state restored from the store, and a bike with a notification that
        # a fleet read begun since did not list. Their late or replayed
        # notifications are ignored from now on.
        for bike_id in [b for b in self.bikes if b not in modules]:
            since = self._pending.get(bike_id)
            if since is not None and (self.listed_at is None or self.listed_at < since):
                continue  # the fleet was not read since: it may have joined
            del self.bikes[bike_id]
            self._forget(bike_id)
        if new:
            for add in self._new_bike_callbacks:
                add(new)
            for bike_id in new:
                self.bikes[bike_id].notify()
