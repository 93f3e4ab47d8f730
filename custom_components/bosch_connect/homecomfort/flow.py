"""Config flow steps of the Home Comfort Partner API service.

One form: the API domain, the API key and the user ID. The key is parsed
first (prefix, embedded expiry), then the API is asked who the key belongs to
(``GET /api-keys/me``) and which contracts exist (``GET /contracts``); every
refusal becomes its own translated error. Whether a key has expired is the
API's decision: a key that this machine's clock calls expired but the API
accepts is taken; a refused key whose embedded expiry has passed is reported
as expired. The entry is identified by the
partner's company and the user. Re-authentication asks for a new key;
reconfiguration changes the API domain and the user ID.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
import datetime as dt
from typing import Any

from homeassistant.config_entries import ConfigFlow, ConfigFlowResult
from homeassistant.helpers.aiohttp_client import async_get_clientsession
import probatio

from ..const import (
    CONF_SERVICE,
    DOMAIN,
    SERVICE_HOMECOMFORT,
)
from ..errors import flow_errors
from ..flow_fields import SECRET, TEXT
from .api import HomeComfortClient, api_base_url
from .const import (
    CONF_API_DOMAIN,
    CONF_API_KEY,
    CONF_KEY_ENTERED_AT,
    CONF_USER_ID,
    TITLE,
)
from .errors import ApiKeyExpiredError, HomeComfortError, InvalidApiKeyError
from .failures import HOMECOMFORT_ERRORS
from .keys import check_not_expired, parse_api_key

ACCOUNT_SCHEMA = probatio.Schema(
    {
        probatio.Required(CONF_API_DOMAIN): TEXT,
        probatio.Required(CONF_API_KEY): SECRET,
        probatio.Required(CONF_USER_ID): TEXT,
    }
)
REAUTH_SCHEMA = probatio.Schema({probatio.Required(CONF_API_KEY): SECRET})
RECONFIGURE_SCHEMA = probatio.Schema(
    {probatio.Required(CONF_API_DOMAIN): TEXT, probatio.Required(CONF_USER_ID): TEXT}
)


@dataclass(frozen=True, slots=True)
class _Checked:
    """What a successful check learned."""

    base_url: str
    api_key: str
    user_id: str
    company_id: str
    entered_at: dt.datetime  # the API's clock

    @property
    def unique_id(self) -> str:
        return f"{self.company_id}_{self.user_id}"

    def entry_data(self) -> dict[str, Any]:
        return {
            CONF_SERVICE: SERVICE_HOMECOMFORT,
            CONF_API_DOMAIN: self.base_url,
            CONF_API_KEY: self.api_key,
            CONF_USER_ID: self.user_id,
            CONF_KEY_ENTERED_AT: self.entered_at.isoformat(),
        }


def _errors_for(schema: probatio.Schema, errors: dict[str, str]) -> dict[str, str]:
    """Show an error at its field, or at the form when the field is not shown."""
    fields = {str(marker) for marker in schema.schema}
    return {(k if k in fields else "base"): v for k, v in errors.items()}


class HomeComfortFlowMixin(ConfigFlow):
    """The steps that add, re-authenticate and reconfigure a Home Comfort entry."""

    async def _homecomfort_check(
        self, domain: str, key: str, user_id: str
    ) -> _Checked | dict[str, str]:
        """Check the three answers; the result, or the form's errors."""
        try:
            base_url = api_base_url(domain)
            parsed = parse_api_key(key)
        except HomeComfortError as err:
            return flow_errors(err, HOMECOMFORT_ERRORS)[0]
        user_id = user_id.strip()
        client = HomeComfortClient(
            async_get_clientsession(self.hass), base_url, parsed.value, user_id=user_id
        )
        try:
            info = await client.key_info()
            contracts = await client.contracts()
        except InvalidApiKeyError as err:
            try:
                # Only to word the error: the API refused the key either way.
                check_not_expired(parsed, client.server_now())
            except ApiKeyExpiredError as expired:
                return flow_errors(expired, HOMECOMFORT_ERRORS)[0]
            return flow_errors(err, HOMECOMFORT_ERRORS)[0]
        except HomeComfortError as err:
            return flow_errors(err, HOMECOMFORT_ERRORS)[0]
        if not any(contract.user_id == user_id for contract in contracts):
            return {CONF_USER_ID: "homecomfort_user_not_found"}
        return _Checked(
            base_url, parsed.value, user_id, info.company_id, client.server_now()
        )

    async def async_step_homecomfort(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for the API domain, the API key and the user ID."""
        errors: dict[str, str] = {}
        if user_input is not None:
            checked = await self._homecomfort_check(
                user_input[CONF_API_DOMAIN],
                user_input[CONF_API_KEY],
                user_input[CONF_USER_ID],
            )
            if isinstance(checked, _Checked):
                await self.async_set_unique_id(checked.unique_id)
                self._abort_if_unique_id_configured()
                # The service and the account's own name (the partner's company).
                return self.async_create_entry(
                    title=f"{TITLE} {checked.company_id}", data=checked.entry_data()
                )
            errors = checked
        return self.async_show_form(
            step_id="homecomfort",
            data_schema=self.add_suggested_values_to_schema(
                ACCOUNT_SCHEMA,
                {k: v for k, v in (user_input or {}).items() if k != CONF_API_KEY},
            ),
            errors=errors,
        )

    async def async_step_homecomfort_reauth(
        self, entry_data: Mapping[str, Any]
    ) -> ConfigFlowResult:
        """The key was refused or has expired: ask for a new one."""
        return await self.async_step_homecomfort_reauth_confirm()

    async def async_step_homecomfort_reauth_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Check the new key against the same company and user, then reload."""
        entry = self._get_reauth_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            checked = await self._homecomfort_check(
                entry.data[CONF_API_DOMAIN],
                user_input[CONF_API_KEY],
                entry.data[CONF_USER_ID],
            )
            if isinstance(checked, _Checked):
                await self.async_set_unique_id(checked.unique_id)
                self._abort_if_unique_id_mismatch(reason="homecomfort_wrong_account")
                return self.async_update_reload_and_abort(
                    entry,
                    data_updates={
                        CONF_API_KEY: checked.api_key,
                        CONF_KEY_ENTERED_AT: checked.entry_data()[CONF_KEY_ENTERED_AT],
                    },
                )
            errors = _errors_for(REAUTH_SCHEMA, checked)
        return self.async_show_form(
            step_id="homecomfort_reauth_confirm",
            data_schema=REAUTH_SCHEMA,
            errors=errors,
            description_placeholders={"api_domain": entry.data[CONF_API_DOMAIN]},
        )

    async def async_step_homecomfort_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change the API domain and the user ID (the key stays)."""
        entry = self._get_reconfigure_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            checked = await self._homecomfort_check(
                user_input[CONF_API_DOMAIN],
                entry.data[CONF_API_KEY],
                user_input[CONF_USER_ID],
            )
            if isinstance(checked, _Checked):
                other = self.hass.config_entries.async_entry_for_domain_unique_id(
                    DOMAIN, checked.unique_id
                )
                if other is not None and other.entry_id != entry.entry_id:
                    return self.async_abort(reason="already_configured")
                return self.async_update_reload_and_abort(
                    entry,
                    unique_id=checked.unique_id,
                    data_updates={
                        CONF_API_DOMAIN: checked.base_url,
                        CONF_USER_ID: checked.user_id,
                    },
                )
            errors = _errors_for(RECONFIGURE_SCHEMA, checked)
        return self.async_show_form(
            step_id="homecomfort_reconfigure",
            data_schema=self.add_suggested_values_to_schema(
                RECONFIGURE_SCHEMA, user_input or dict(entry.data)
            ),
            errors=errors,
        )
