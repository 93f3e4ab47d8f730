"""Config flow steps of the eBike service (mixed into the integration's flow)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from homeassistant.config_entries import ConfigFlow, ConfigFlowResult
from homeassistant.const import CONF_CLIENT_ID, CONF_CLIENT_SECRET, CONF_WEBHOOK_ID
from homeassistant.helpers.selector import (
    BooleanSelector,
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)
import probatio

from ..const import CONF_SERVICE, SERVICE_EBIKE
from ..errors import flow_errors
from .connection import create_client, new_entry_secrets
from .const import (
    CONF_CERT_URLS,
    CONF_REPLACE,
    CONF_SUBSCRIPTION_IDS,
)
from .errors import EbikeError
from .failures import EBIKE_FLOW_ERRORS
from .subscriptions import NoUsableUrlError, async_webhook_url, foreign_holder

_TEXT = TextSelector()
_SECRET = TextSelector(TextSelectorConfig(type=TextSelectorType.PASSWORD))


class EbikeFlowMixin(ConfigFlow):
    """Add a Bosch eBike partner account (Cloud API for the ConnectModule)."""

    _ebike_secrets: dict[str, str] | None = None

    async def _ebike_check(
        self, data: Mapping[str, Any], *, full: bool
    ) -> tuple[dict[str, str], dict[str, str]]:
        """Check credentials (and, when ``full``, bikes, URL and subscriptions).

        Returns (errors, description placeholders).
        """
        placeholders = {"detail": "", "holder_url": ""}
        client = create_client(self.hass, dict(data))
        try:
            modules = await client.list_connect_modules()
            if not full:
                return {}, placeholders
            if not modules:
                return {"base": "ebike_no_bikes"}, placeholders
            if self._ebike_secrets is None:
                self._ebike_secrets = new_entry_secrets()
            webhook_id = self._ebike_secrets[CONF_WEBHOOK_ID]
            url, _ = await async_webhook_url(
                self.hass, webhook_id, None, create_cloudhook=False
            )
            holder = foreign_holder(await client.list_webhooks(), url, webhook_id, [])
        except EbikeError as err:
            errors, shown = flow_errors(err, EBIKE_FLOW_ERRORS)
            return errors, {**placeholders, **shown}
        except NoUsableUrlError:
            return {"base": "ebike_no_https_url"}, placeholders
        if holder is not None and not data.get(CONF_REPLACE):
            placeholders["holder_url"] = holder.url
            return {"base": "ebike_subscription_taken"}, placeholders
        return {}, placeholders

    async def async_step_ebike(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for the OAuth client that Bosch issued to the partner."""
        errors: dict[str, str] = {}
        placeholders = {"detail": "", "holder_url": ""}
        defaults: dict[str, Any] = {}
        if user_input is not None:
            data = {
                CONF_CLIENT_ID: user_input[CONF_CLIENT_ID].strip(),
                CONF_CLIENT_SECRET: user_input[CONF_CLIENT_SECRET],
                CONF_REPLACE: user_input.get(CONF_REPLACE, False),
            }
            await self.async_set_unique_id(f"ebike_{data[CONF_CLIENT_ID]}")
            self._abort_if_unique_id_configured()
            errors, placeholders = await self._ebike_check(data, full=True)
            if not errors:
                return self.async_create_entry(
                    title=f"Bosch eBike {data[CONF_CLIENT_ID]}",
                    data={
                        CONF_SERVICE: SERVICE_EBIKE,
                        **data,
                        **(self._ebike_secrets or {}),
                        CONF_SUBSCRIPTION_IDS: [],
                        CONF_CERT_URLS: [],
                    },
                )
            defaults = user_input
        schema = probatio.Schema(
            {
                probatio.Required(
                    CONF_CLIENT_ID,
                    default=defaults.get(CONF_CLIENT_ID, probatio.UNDEFINED),
                ): _TEXT,
                probatio.Required(CONF_CLIENT_SECRET): _SECRET,
                probatio.Required(
                    CONF_REPLACE, default=defaults.get(CONF_REPLACE, False)
                ): BooleanSelector(),
            }
        )
        return self.async_show_form(
            step_id="ebike",
            data_schema=schema,
            errors=errors,
            description_placeholders=placeholders,
        )

    async def async_step_ebike_reauth(
        self, entry_data: Mapping[str, Any]
    ) -> ConfigFlowResult:
        """Bosch refused the client: ask for the secret again."""
        return await self.async_step_ebike_reauth_confirm()

    async def async_step_ebike_reauth_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Check the new client secret."""
        entry = self._get_reauth_entry()
        errors: dict[str, str] = {}
        placeholders = {"detail": "", "holder_url": ""}
        if user_input is not None:
            data = {**entry.data, CONF_CLIENT_SECRET: user_input[CONF_CLIENT_SECRET]}
            errors, placeholders = await self._ebike_check(data, full=False)
            if not errors:
                return self.async_update_reload_and_abort(
                    entry,
                    data_updates={CONF_CLIENT_SECRET: user_input[CONF_CLIENT_SECRET]},
                )
        placeholders["client_id"] = entry.data[CONF_CLIENT_ID]
        return self.async_show_form(
            step_id="ebike_reauth_confirm",
            data_schema=probatio.Schema(
                {probatio.Required(CONF_CLIENT_SECRET): _SECRET}
            ),
            errors=errors,
            description_placeholders=placeholders,
        )

    async def async_step_ebike_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Whether to take the subscriptions of another system over."""
        entry = self._get_reconfigure_entry()
        errors: dict[str, str] = {}
        placeholders = {"detail": "", "holder_url": ""}
        defaults: Mapping[str, Any] = entry.data
        if user_input is not None:
            updates = {CONF_REPLACE: user_input[CONF_REPLACE]}
            errors, placeholders = await self._ebike_check(
                {**entry.data, **updates}, full=False
            )
            if not errors:
                return self.async_update_reload_and_abort(entry, data_updates=updates)
            defaults = user_input
        return self.async_show_form(
            step_id="ebike_reconfigure",
            data_schema=probatio.Schema(
                {
                    probatio.Required(
                        CONF_REPLACE, default=defaults.get(CONF_REPLACE, False)
                    ): BooleanSelector()
                }
            ),
            errors=errors,
            description_placeholders=placeholders,
        )
