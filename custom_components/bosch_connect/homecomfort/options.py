"""Options of a Home Comfort entry: how early the API key is renewed."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from homeassistant.config_entries import ConfigFlowResult, OptionsFlow
from homeassistant.helpers.selector import (
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
)
import probatio

from ..flow_guard import guard_steps
from .const import (
    CONF_RENEW_DAYS,
    DEFAULT_RENEW_DAYS,
    MAX_RENEW_DAYS,
    MIN_RENEW_DAYS,
)

if TYPE_CHECKING:
    from .coordinator import HomeComfortConfigEntry


def _number(low: int, high: int, unit: str) -> NumberSelector:
    return NumberSelector(
        NumberSelectorConfig(
            min=low,
            max=high,
            step=1,
            unit_of_measurement=unit,
            mode=NumberSelectorMode.BOX,
        )
    )


@guard_steps
class HomeComfortOptionsFlow(OptionsFlow):
    """Change how early the key is renewed (read at every refresh: no reload)."""

    async def async_step_init(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Start with the service's own (namespaced) step."""
        return await self.async_step_homecomfort_options()

    async def async_step_homecomfort_options(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for the renewal threshold (days)."""
        if user_input is not None:
            return self.async_create_entry(
                data={CONF_RENEW_DAYS: int(user_input[CONF_RENEW_DAYS])}
            )
        options = self.config_entry.options
        return self.async_show_form(
            step_id="homecomfort_options",
            data_schema=probatio.Schema(
                {
                    probatio.Required(
                        CONF_RENEW_DAYS,
                        default=options.get(CONF_RENEW_DAYS, DEFAULT_RENEW_DAYS),
                    ): _number(MIN_RENEW_DAYS, MAX_RENEW_DAYS, "d"),
                }
            ),
        )


def options_flow(entry: HomeComfortConfigEntry) -> OptionsFlow:
    """The options flow of a Home Comfort entry."""
    return HomeComfortOptionsFlow()
