"""Config flow for Bosch Connect.

The ``user`` step is a menu of the Bosch services. Each service contributes a
mixin from its own room (``<service>/flow.py``) that implements the steps of
that service, prefixed with the service key (``async_step_gateway...``), and
its ``reauth`` / ``reconfigure`` entry points, which this class dispatches on
``entry.data["service"]``. Every step, the services' and the options flows',
catches what it did not expect (``flow_guard``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from homeassistant.config_entries import (
    ConfigEntry,
    ConfigFlow,
    ConfigFlowResult,
    OptionsFlow,
)
from homeassistant.core import callback
from homeassistant.data_entry_flow import UnknownHandler

from .bosma.flow import BosmaFlowMixin
from .const import (
    CONF_SERVICE,
    DOMAIN,
    SERVICE_BOSMA,
    SERVICE_EBIKE,
    SERVICE_GATEWAY,
    SERVICE_HOMECOMFORT,
    SERVICE_ROLLOUTS,
)
from .ebike.flow import EbikeFlowMixin
from .flow_guard import guard_steps
from .gateway.flow import GatewayFlowMixin
from .homecomfort.flow import HomeComfortFlowMixin
from .registry import ROOMS
from .rollouts.flow import RolloutsFlowMixin

# The services offered in the menu, in the order shown: the local gateway
# first, then the cloud services.
MENU = [
    SERVICE_GATEWAY,
    SERVICE_EBIKE,
    SERVICE_HOMECOMFORT,
    SERVICE_ROLLOUTS,
    SERVICE_BOSMA,
]


@guard_steps
class BoschConnectConfigFlow(
    RolloutsFlowMixin,
    BosmaFlowMixin,
    EbikeFlowMixin,
    GatewayFlowMixin,
    HomeComfortFlowMixin,
    ConfigFlow,
    domain=DOMAIN,
):
    """Add a Bosch service to Home Assistant."""

    VERSION = 1
    # 1.2: the polling intervals are no longer options (async_migrate_entry).
    MINOR_VERSION = 2

    async def async_step_user(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Let the user pick the Bosch service to add."""
        return self.async_show_menu(step_id="user", menu_options=MENU)

    async def async_step_reauth(
        self, entry_data: Mapping[str, Any]
    ) -> ConfigFlowResult:
        """Start re-authentication of the service that failed."""
        match entry_data[CONF_SERVICE]:
            case "rollouts":
                return await self.async_step_rollouts_reauth(entry_data)
            case "bosma":
                return await self.async_step_bosma_reauth(entry_data)
            case "ebike":
                return await self.async_step_ebike_reauth(entry_data)
            case "gateway":
                return await self.async_step_gateway_reauth(entry_data)
            case "homecomfort":
                return await self.async_step_homecomfort_reauth(entry_data)
            case _:
                return self.async_abort(reason="service_not_supported")

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change the connection settings of an entry."""
        match self._get_reconfigure_entry().data[CONF_SERVICE]:
            case "rollouts":
                return await self.async_step_rollouts_reconfigure(user_input)
            case "bosma":
                return await self.async_step_bosma_reconfigure(user_input)
            case "ebike":
                return await self.async_step_ebike_reconfigure(user_input)
            case "gateway":
                return await self.async_step_gateway_reconfigure(user_input)
            case "homecomfort":
                return await self.async_step_homecomfort_reconfigure(user_input)
            case _:
                return self.async_abort(reason="service_not_supported")

    @classmethod
    @callback
    def async_supports_options_flow(cls, config_entry: ConfigEntry[Any]) -> bool:
        """Return whether the entry's service has options."""
        return ROOMS[config_entry.data[CONF_SERVICE]].options_flow is not None

    @staticmethod
    @callback
    def async_get_options_flow(config_entry: ConfigEntry[Any]) -> OptionsFlow:
        """Return the options flow of the entry's service."""
        factory = ROOMS[config_entry.data[CONF_SERVICE]].options_flow
        if factory is None:  # Home Assistant asks only where the service has options
            raise UnknownHandler
        return factory(config_entry)
