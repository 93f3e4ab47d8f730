"""What an eBike entry keeps across restarts: the last report of every bike.

The raw bodies of the shown BikeStatus and location of every bike on the
account are saved (at most one write per ``SAVE_DELAY``, also under a steady
stream of notifications), so that everything comes back after a restart,
including the state that the transition triggers compare against. What is
restored passes the same checks as a notification: the body must parse, name
the bike, and not come from the future.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.storage import Store

from ..const import DOMAIN
from . import state
from .const import FUTURE_TOLERANCE, STORAGE_VERSION
from .errors import PayloadError
from .payloads import BikeStatus, LocationTracking, parse_events

if TYPE_CHECKING:
    from .fleet import EbikeFleetCoordinator

# Seconds between writes (a module attribute: the benchmark under valgrind
# sets a longer one).
SAVE_DELAY = 10.0
_KEYS: Final = ("status", "location")


def _store(hass: HomeAssistant, entry_id: str) -> Store[dict[str, Any]]:
    return Store(hass, STORAGE_VERSION, f"{DOMAIN}.ebike.{entry_id}")


def _text(body: bytes | None) -> str | None:
    return None if body is None else body.decode("utf-8", "replace")


class BikeStore:
    """Saves and restores the bikes' last reports of one entry."""

    def __init__(
        self, hass: HomeAssistant, entry_id: str, fleet: EbikeFleetCoordinator
    ) -> None:
        """The store of an entry's bikes."""
        self._store = _store(hass, entry_id)
        self._fleet = fleet
        self._save_scheduled = False

    @callback
    def async_schedule_save(self) -> None:
        """Save soon: at most one write per SAVE_DELAY.

        (``async_delay_save`` alone would postpone it with every event.)
        """
        if not self._save_scheduled:
            self._save_scheduled = True
            self._store.async_delay_save(self.data_to_save, SAVE_DELAY)

    @callback
    def data_to_save(self) -> dict[str, Any]:
        """The raw bodies of the shown BikeStatus and location of every bike.

        Only of the bikes on the account.
        """
        self._save_scheduled = False
        known = self._fleet.known_bike_ids
        return {
            "bikes": {
                bike_id: {
                    "status": _text(bike.status_body),
                    "location": _text(bike.location_body),
                }
                for bike_id, bike in self._fleet.bikes.items()
                if (bike.status_body or bike.location_body) and bike_id in known
            }
        }

    async def async_save(self) -> None:
        """Write now (the entry unloads)."""
        await self._store.async_save(self.data_to_save())

    async def async_load(self) -> None:
        """Restore the last state of every bike."""
        stored = await self._store.async_load()
        if not stored:
            return
        # What was stored before events from the future were refused may hold
        # one: it is not restored.
        limit = state.utcnow() + FUTURE_TOLERANCE
        for bike_id, saved in stored.get("bikes", {}).items():
            bike = self._fleet.bike(bike_id)
            for body in (saved.get(key) for key in _KEYS):
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
                        bike.set_status(event, body.encode())
                    elif isinstance(event, LocationTracking) and (
                        location := state.newest_location(event, limit)
                    ):
                        bike.set_location(location, event.created_at, body.encode())

    @staticmethod
    async def async_remove(hass: HomeAssistant, entry_id: str) -> None:
        """Delete what an entry stored (the entry is removed)."""
        await _store(hass, entry_id).async_remove()
