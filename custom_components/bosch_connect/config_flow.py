"""Config flow for Bosch Connect: the rooms' flows, combined and dispatched.

Each room contributes its flow mixin (``Room.flow``, in ``<service>/flow.py``):
the steps of that service, each prefixed with the service key, its menu step
``async_step_<service>`` and any discovery step (``async_step_zeroconf``),
which Home Assistant calls by its source. The flow class is built from those
mixins in the order of ``ROOMS``; this module adds only what is shared: the
``user`` menu (one option per room with a flow, in that order),
``reauth`` / ``reconfigure``, which go to the step the entry's room names
(``Room.reauth_step`` / ``Room.reconfigure_step``), and the options flow
(``Room.options_flow``). Every step, the rooms' and the options flows',
catches what it did not expect (``flow_guard``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
import types
from typing import Any, cast

from homeassistant.config_entries import (
    ConfigFlow,
    ConfigFlowResult,
    OptionsFlow,
)
from homeassistant.core import callback
from homeassistant.data_entry_flow import UnknownHandler

from .const import CONF_SERVICE, DOMAIN
from .flow_guard import guard_steps
from .registry import ROOMS, BoschConnectConfigEntry

# The services offered in the menu, in the order shown (that of ROOMS). Each
# option is the service key: the step it opens is the room's
# ``async_step_<service>``, its label ``config.step.user.menu_options.<service>``.
MENU = [service for service, room in ROOMS.items() if room.flow is not None]

type _Step = Callable[[Any], Awaitable[ConfigFlowResult]]


class BoschConnectFlowDispatch(ConfigFlow):
    """The shared part of the flow: the menu and the dispatch to the rooms."""

    VERSION = 1
    # 1.2: the polling intervals are no longer options (async_migrate_entry).
    # 1.3: data that a room retired is dropped (Room.retired_data).
    MINOR_VERSION = 3

    async def async_step_user(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Let the user pick the Bosch service to add."""
        return self.async_show_menu(step_id="user", menu_options=MENU)

    def _room_step(self, name: str) -> _Step:
        """The step ``name`` that a room's mixin adds to this flow."""
        step: _Step = getattr(self, f"async_step_{name}")
        return step

    async def async_step_reauth(
        self, entry_data: Mapping[str, Any]
    ) -> ConfigFlowResult:
        """Start re-authentication of the service that failed."""
        room = ROOMS.get(entry_data.get(CONF_SERVICE, ""))
        if room is None or room.reauth_step is None:
            return self.async_abort(reason="service_not_supported")
        return await self._room_step(room.reauth_step)(entry_data)

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change the connection settings of an entry."""
        entry = self._get_reconfigure_entry()
        room = ROOMS.get(entry.data.get(CONF_SERVICE, ""))
        if room is None or room.reconfigure_step is None:
            return self.async_abort(reason="service_not_supported")
        return await self._room_step(room.reconfigure_step)(user_input)

    @classmethod
    @callback
    def async_supports_options_flow(cls, config_entry: BoschConnectConfigEntry) -> bool:
        """Return whether the entry's service has options."""
        room = ROOMS.get(config_entry.data.get(CONF_SERVICE, ""))
        return room is not None and room.options_flow is not None

    @staticmethod
    @callback
    def async_get_options_flow(config_entry: BoschConnectConfigEntry) -> OptionsFlow:
        """Return the options flow of the entry's service."""
        room = ROOMS.get(config_entry.data.get(CONF_SERVICE, ""))
        if room is None or room.options_flow is None:
            # Home Assistant asks only where the service has options.
            raise UnknownHandler
        return room.options_flow(config_entry)


def _build_flow() -> type[BoschConnectFlowDispatch]:
    """The flow class Home Assistant uses: every room's mixin, then the dispatch."""
    mixins = tuple(room.flow for room in ROOMS.values() if room.flow is not None)

    def body(namespace: dict[str, Any]) -> None:
        namespace["__module__"] = __name__
        namespace["__doc__"] = "Add a Bosch service to Home Assistant."

    # ConfigFlow registers the class for the domain as it is created.
    built = types.new_class(
        "BoschConnectConfigFlow",
        (*mixins, BoschConnectFlowDispatch),
        {"domain": DOMAIN},
        body,
    )
    return guard_steps(cast(type[BoschConnectFlowDispatch], built))


BoschConnectConfigFlow = _build_flow()
