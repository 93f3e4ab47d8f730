"""The gateway's notifications as events: a code raised, a code cleared.

A notification is a code of ``/notifications`` (display code and cause code,
``4U-521``). Between two reads of that resource, each code that appeared
fires ``raised`` and each code that went away fires ``cleared``, with the
code in the event data. The codes of the first read after set-up (or a
restart) are the current state, not news: they fire nothing. The codes
active now are the details of the Notifications sensor.
"""

from __future__ import annotations

from typing import Final

from homeassistant.components.event import EventEntity
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddEntitiesCallback

from .coordinator import GatewayConfigEntry, GatewayCoordinator
from .entity import GatewayEntity
from .layout import NOTIFICATIONS
from .sensor import notification_codes

EVENT_RAISED: Final = "raised"
EVENT_CLEARED: Final = "cleared"
ATTR_CODE: Final = "code"


class GatewayNotificationEvent(GatewayEntity, EventEntity):
    """Fires when a notification code appears in or leaves ``/notifications``."""

    _attr_translation_key = "gateway_notification"

    def __init__(self, coordinator: GatewayCoordinator) -> None:
        """Follow ``/notifications`` on the gateway's device."""
        super().__init__(coordinator, "notification_event", context=NOTIFICATIONS)
        self._attr_event_types = [EVENT_RAISED, EVENT_CLEARED]
        # The codes of the last read; None until the first one.
        self._codes: tuple[str, ...] | None = None

    def _read(self) -> tuple[str, ...] | None:
        """The codes now (each once), None while the resource is not known."""
        resource = self.coordinator.data.get(NOTIFICATIONS)
        if resource is None:
            return None
        return tuple(dict.fromkeys(notification_codes(resource)))

    async def async_added_to_hass(self) -> None:
        """Take the codes of now as they are: they fire nothing."""
        await super().async_added_to_hass()
        self._codes = self._read()

    @property
    def available(self) -> bool:
        """Unavailable when the gateway is unreachable or the resource is gone."""
        return super().available and NOTIFICATIONS in self.coordinator.data

    @callback
    def _handle_coordinator_update(self) -> None:
        """Fire one event per code cleared or raised since the last read."""
        changes: list[tuple[str, str]] = []
        # Unreachable, or the resource is gone: no code is known to change.
        if (codes := self._read()) is not None:
            before, self._codes = self._codes, codes
            if before is not None:
                changes = [
                    *((EVENT_CLEARED, code) for code in before if code not in codes),
                    *((EVENT_RAISED, code) for code in codes if code not in before),
                ]
        for event_type, code in changes:
            self._trigger_event(event_type, {ATTR_CODE: code})
            self.async_write_ha_state()
        if not changes:
            self.async_write_ha_state()


async def async_setup_event(
    hass: HomeAssistant,
    entry: GatewayConfigEntry,
    async_add_entities: AddEntitiesCallback,
) -> None:
    """Add the notification event when the gateway has ``/notifications``."""
    coordinator = entry.runtime_data.coordinator
    if coordinator.layout.has(NOTIFICATIONS):
        async_add_entities([GatewayNotificationEvent(coordinator)])
