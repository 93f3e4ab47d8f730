"""Config flow steps of the Bosma service.

One form with the company's credentials (company id ``corp`` and apiSecret)
and the app user that tickets are applied for (app package, platform, openid,
country). The form is checked by applying for a real ticket, so every answer
code of Bosma becomes a translated error. Re-authentication asks for a new
apiSecret; reconfiguration changes everything but the company and the user.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from homeassistant.config_entries import ConfigFlow, ConfigFlowResult
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.selector import (
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
)
import probatio

from ..const import CONF_SERVICE, SERVICE_BOSMA
from ..errors import flow_errors
from ..flow_fields import SECRET, TEXT, URL, secrets_optional, without_secrets
from .api import BosmaClient
from .const import (
    CONF_API_SECRET,
    CONF_APP_PACKAGE,
    CONF_BASE_URL,
    CONF_CORP,
    CONF_COUNTRY,
    CONF_OPENID,
    CONF_PLATFORM,
    PLATFORM_ANDROID,
    PLATFORM_CODES,
)
from .errors import BosmaError
from .failures import BOSMA_ERRORS
from .models import DEFAULT_BASE_URL, BosmaAccount, Platform

_PLATFORM = SelectSelector(
    SelectSelectorConfig(
        options=list(PLATFORM_CODES),
        mode=SelectSelectorMode.DROPDOWN,
        translation_key="bosma_platform",
    )
)

ACCOUNT_SCHEMA = probatio.Schema(
    {
        probatio.Required(CONF_BASE_URL): URL,
        probatio.Required(CONF_CORP): TEXT,
        probatio.Required(CONF_API_SECRET): SECRET,
        probatio.Required(CONF_APP_PACKAGE): TEXT,
        probatio.Required(CONF_PLATFORM): _PLATFORM,
        probatio.Required(CONF_OPENID): TEXT,
        probatio.Required(CONF_COUNTRY): TEXT,
    }
)
REAUTH_SCHEMA = probatio.Schema({probatio.Required(CONF_API_SECRET): SECRET})
# Reconfiguring never shows the stored secret; leaving it empty keeps it.
RECONFIGURE_SCHEMA = probatio.Schema(
    secrets_optional(ACCOUNT_SCHEMA, (CONF_API_SECRET,))
)


def account_from(data: Mapping[str, Any]) -> BosmaAccount:
    """The API's account from entry data (or form input)."""
    return BosmaAccount(
        base_url=str(data[CONF_BASE_URL]),
        corp=str(data[CONF_CORP]).strip(),
        api_secret=str(data[CONF_API_SECRET]).strip(),
        app_package=str(data[CONF_APP_PACKAGE]).strip(),
        platform=Platform(PLATFORM_CODES[data[CONF_PLATFORM]]),
        openid=str(data[CONF_OPENID]).strip(),
        country=str(data[CONF_COUNTRY]).strip(),
    )


def _entry_data(user_input: Mapping[str, Any]) -> dict[str, Any]:
    account = account_from(user_input)
    return {
        CONF_SERVICE: SERVICE_BOSMA,
        CONF_BASE_URL: str(user_input[CONF_BASE_URL]).strip().rstrip("/"),
        CONF_CORP: account.corp,
        CONF_API_SECRET: account.api_secret,
        CONF_APP_PACKAGE: account.app_package,
        CONF_PLATFORM: user_input[CONF_PLATFORM],
        CONF_OPENID: account.openid,
        CONF_COUNTRY: account.country,
    }


def _unique_id(data: Mapping[str, Any]) -> str:
    return f"{data[CONF_CORP]}_{data[CONF_OPENID]}"


class BosmaFlowMixin(ConfigFlow):
    """The steps that add, re-authenticate and reconfigure a Bosma entry."""

    async def _bosma_check(
        self, data: Mapping[str, Any]
    ) -> tuple[dict[str, str], dict[str, str]]:
        """Apply for a ticket with ``data``: errors and placeholders for the form."""
        try:
            client = BosmaClient(async_get_clientsession(self.hass), account_from(data))
            await client.apply_token()
        except BosmaError as err:
            return flow_errors(err, BOSMA_ERRORS)
        return {}, {}

    async def async_step_bosma(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for the company credentials and the app user."""
        errors: dict[str, str] = {}
        placeholders: dict[str, str] = {}
        if user_input is not None:
            data = _entry_data(user_input)
            await self.async_set_unique_id(_unique_id(data))
            self._abort_if_unique_id_configured()
            errors, placeholders = await self._bosma_check(data)
            if not errors:
                return self.async_create_entry(
                    title=f"Bosma {data[CONF_CORP]}", data=data
                )
        suggested = user_input or {
            CONF_BASE_URL: DEFAULT_BASE_URL,
            CONF_PLATFORM: PLATFORM_ANDROID,
        }
        return self.async_show_form(
            step_id="bosma",
            data_schema=self.add_suggested_values_to_schema(ACCOUNT_SCHEMA, suggested),
            errors=errors,
            description_placeholders=placeholders,
        )

    async def async_step_bosma_reauth(
        self, entry_data: Mapping[str, Any]
    ) -> ConfigFlowResult:
        """Bosma refused the signature: ask for the apiSecret again."""
        return await self.async_step_bosma_reauth_confirm()

    async def async_step_bosma_reauth_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Check a new apiSecret and reload the entry."""
        entry = self._get_reauth_entry()
        errors: dict[str, str] = {}
        placeholders: dict[str, str] = {}
        if user_input is not None:
            data = {**entry.data, CONF_API_SECRET: user_input[CONF_API_SECRET].strip()}
            errors, placeholders = await self._bosma_check(data)
            if not errors:
                return self.async_update_reload_and_abort(entry, data=data)
        return self.async_show_form(
            step_id="bosma_reauth_confirm",
            data_schema=REAUTH_SCHEMA,
            errors=errors,
            description_placeholders={CONF_CORP: entry.data[CONF_CORP], **placeholders},
        )

    async def async_step_bosma_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change URL, secret, app and country of the same company and user."""
        entry = self._get_reconfigure_entry()
        errors: dict[str, str] = {}
        placeholders: dict[str, str] = {}
        if user_input is not None:
            if not str(user_input.get(CONF_API_SECRET, "")).strip():
                user_input = {
                    **user_input,
                    CONF_API_SECRET: entry.data[CONF_API_SECRET],
                }
            data = _entry_data(user_input)
            await self.async_set_unique_id(_unique_id(data))
            self._abort_if_unique_id_mismatch(reason="bosma_wrong_account")
            errors, placeholders = await self._bosma_check(data)
            if not errors:
                return self.async_update_reload_and_abort(entry, data=data)
        return self.async_show_form(
            step_id="bosma_reconfigure",
            data_schema=self.add_suggested_values_to_schema(
                RECONFIGURE_SCHEMA,
                without_secrets(user_input or entry.data, (CONF_API_SECRET,)),
            ),
            errors=errors,
            description_placeholders=placeholders,
        )
