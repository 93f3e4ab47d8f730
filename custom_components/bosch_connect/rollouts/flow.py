"""Config flow steps of the Bosch IoT Rollouts service.

1. ``rollouts``: region (Management API URL), tenant and the kind of credentials.
2. ``rollouts_basic`` (Rollouts cloud user) or ``rollouts_oauth`` (OAuth2 client
   of the Bosch IoT Suite). A new OAuth2 client is registered by its first call
   and gets 403 until an administrator grants it permissions: the form says so
   and the user retries after the grant.
3. ``rollouts_ddi``: optionally one target that Home Assistant polls through the
   DDI API with its TargetToken, or with the tenant's GatewayToken (which acts
   in the name of any device).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from aiohttp import ClientSession
from homeassistant.config_entries import ConfigFlow, ConfigFlowResult
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.selector import (
    SelectOptionDict,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
)
import probatio

from ..const import CONF_SERVICE, SERVICE_ROLLOUTS
from ..errors import flow_errors
from ..flow_fields import SECRET, TEXT, URL, secrets_optional, without_secrets
from .api import (
    BasicCredentials,
    Credentials,
    DdiClient,
    ManagementClient,
    OAuthCredentials,
    check_url,
)
from .const import (
    AUTH_BASIC,
    AUTH_OAUTH,
    CONF_AUTH_METHOD,
    CONF_BASE_URL,
    CONF_CLIENT_ID,
    CONF_CLIENT_SECRET,
    CONF_CONTROLLER_ID,
    CONF_DDI_TOKEN,
    CONF_DDI_URL,
    CONF_PASSWORD,
    CONF_SCOPE,
    CONF_TENANT,
    CONF_TOKEN_TYPE,
    CONF_TOKEN_URL,
    CONF_USERNAME,
    TOKEN_GATEWAY,
    TOKEN_TARGET,
)
from .errors import RolloutsError
from .failures import ROLLOUTS_ERRORS
from .models import DEFAULT_TOKEN_URL, REGIONS, TOKEN_TYPE_GATEWAY, TOKEN_TYPE_TARGET

_REGION = SelectSelector(
    SelectSelectorConfig(
        options=[
            SelectOptionDict(value=url, label=f"{name} ({url})")
            for url, name in REGIONS.items()
        ],
        custom_value=True,
        mode=SelectSelectorMode.DROPDOWN,
    )
)
_AUTH = SelectSelector(
    SelectSelectorConfig(
        options=[AUTH_BASIC, AUTH_OAUTH],
        mode=SelectSelectorMode.LIST,
        translation_key="rollouts_auth_method",
    )
)
_TOKEN_TYPE = SelectSelector(
    SelectSelectorConfig(
        options=[TOKEN_TARGET, TOKEN_GATEWAY],
        mode=SelectSelectorMode.LIST,
        translation_key="rollouts_token_type",
    )
)

TENANT_SCHEMA = probatio.Schema(
    {
        probatio.Required(CONF_BASE_URL): _REGION,
        probatio.Required(CONF_TENANT): TEXT,
        probatio.Required(CONF_AUTH_METHOD): _AUTH,
    }
)
BASIC_SCHEMA = probatio.Schema(
    {probatio.Required(CONF_USERNAME): TEXT, probatio.Required(CONF_PASSWORD): SECRET}
)
OAUTH_SCHEMA = probatio.Schema(
    {
        probatio.Required(CONF_TOKEN_URL): URL,
        probatio.Required(CONF_CLIENT_ID): TEXT,
        probatio.Required(CONF_CLIENT_SECRET): SECRET,
        probatio.Optional(CONF_SCOPE): TEXT,
    }
)
DDI_SCHEMA = probatio.Schema(
    {
        probatio.Required(CONF_DDI_URL): URL,
        probatio.Optional(CONF_CONTROLLER_ID): TEXT,
        probatio.Required(CONF_TOKEN_TYPE): _TOKEN_TYPE,
        probatio.Optional(CONF_DDI_TOKEN): SECRET,
    }
)
AUTH_SCHEMAS = {AUTH_BASIC: BASIC_SCHEMA, AUTH_OAUTH: OAUTH_SCHEMA}
REAUTH_FIELDS = {AUTH_BASIC: CONF_PASSWORD, AUTH_OAUTH: CONF_CLIENT_SECRET}
DDI_KEYS = (CONF_DDI_URL, CONF_CONTROLLER_ID, CONF_TOKEN_TYPE, CONF_DDI_TOKEN)
# Never sent back to the browser; an empty field keeps the stored value.
SECRET_KEYS = (CONF_PASSWORD, CONF_CLIENT_SECRET, CONF_DDI_TOKEN)


def _credentials_from(data: Mapping[str, Any]) -> Credentials:
    """Basic or OAuth2 credentials from entry data."""
    if data[CONF_AUTH_METHOD] == AUTH_OAUTH:
        return OAuthCredentials(
            token_url=data[CONF_TOKEN_URL],
            client_id=data[CONF_CLIENT_ID],
            client_secret=data[CONF_CLIENT_SECRET],
            scope=data.get(CONF_SCOPE) or "",
        )
    return BasicCredentials(username=data[CONF_USERNAME], password=data[CONF_PASSWORD])


def management_client(
    session: ClientSession, data: Mapping[str, Any]
) -> ManagementClient:
    """The Management API client of entry data (raise on an invalid URL)."""
    return ManagementClient(
        session, data[CONF_BASE_URL], data[CONF_TENANT], _credentials_from(data)
    )


def ddi_client(session: ClientSession, data: Mapping[str, Any]) -> DdiClient:
    """The DDI client of the entry data's target (raise on an invalid URL)."""
    return DdiClient(
        session,
        data[CONF_DDI_URL],
        data[CONF_TENANT],
        data[CONF_CONTROLLER_ID],
        token_type=(
            TOKEN_TYPE_GATEWAY
            if data[CONF_TOKEN_TYPE] == TOKEN_GATEWAY
            else TOKEN_TYPE_TARGET
        ),
        token=data[CONF_DDI_TOKEN],
    )


def _clean(user_input: Mapping[str, Any]) -> dict[str, Any]:
    """Strip text input; drop empty optional fields."""
    out: dict[str, Any] = {}
    for key, raw in user_input.items():
        value = raw.strip() if isinstance(raw, str) else raw
        if value != "":
            out[key] = value
    return out


def _unique_id(data: Mapping[str, Any]) -> str:
    return f"{urlsplit(data[CONF_BASE_URL]).netloc}_{data[CONF_TENANT]}".lower()


class RolloutsFlowMixin(ConfigFlow):
    """The steps that add, re-authenticate and reconfigure a Rollouts tenant."""

    _rollouts_data: dict[str, Any]

    async def _rollouts_check(
        self, data: Mapping[str, Any]
    ) -> tuple[dict[str, str], dict[str, str]]:
        """Check management access, and the DDI target if there is one."""
        session = async_get_clientsession(self.hass)
        placeholders: dict[str, str] = {}
        try:
            await management_client(session, data).check()
            if data.get(CONF_CONTROLLER_ID):
                placeholders["controller_id"] = data[CONF_CONTROLLER_ID]
                if not data.get(CONF_DDI_TOKEN):
                    return {"base": "rollouts_ddi_token_required"}, placeholders
                await ddi_client(session, data).poll()
        except RolloutsError as err:
            errors, found = flow_errors(err, ROLLOUTS_ERRORS)
            return errors, {**placeholders, **found}
        return {}, placeholders

    async def async_step_rollouts(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Region, tenant and the kind of credentials."""
        errors: dict[str, str] = {}
        if user_input is not None:
            data = _clean(user_input)
            try:
                data[CONF_BASE_URL] = check_url(data[CONF_BASE_URL])
            except RolloutsError as err:
                errors = flow_errors(err, ROLLOUTS_ERRORS)[0]
            else:
                await self.async_set_unique_id(_unique_id(data))
                self._abort_if_unique_id_configured()
                self._rollouts_data = {CONF_SERVICE: SERVICE_ROLLOUTS, **data}
                if data[CONF_AUTH_METHOD] == AUTH_OAUTH:
                    return await self.async_step_rollouts_oauth()
                return await self.async_step_rollouts_basic()
        return self.async_show_form(
            step_id="rollouts",
            data_schema=self.add_suggested_values_to_schema(
                TENANT_SCHEMA,
                user_input
                or {CONF_BASE_URL: next(iter(REGIONS)), CONF_AUTH_METHOD: AUTH_BASIC},
            ),
            errors=errors,
        )

    async def _rollouts_credentials_step(
        self, step_id: str, user_input: dict[str, Any] | None, suggested: dict[str, Any]
    ) -> ConfigFlowResult:
        errors: dict[str, str] = {}
        placeholders: dict[str, str] = {}
        if user_input is not None:
            data = {**self._rollouts_data, **_clean(user_input)}
            errors, placeholders = await self._rollouts_check(data)
            if not errors:
                self._rollouts_data = data
                return await self.async_step_rollouts_ddi()
        return self.async_show_form(
            step_id=step_id,
            data_schema=self.add_suggested_values_to_schema(
                AUTH_SCHEMAS[self._rollouts_data[CONF_AUTH_METHOD]],
                user_input or suggested,
            ),
            errors=errors,
            description_placeholders={
                "tenant": self._rollouts_data[CONF_TENANT],
                "client_id": "",
                **placeholders,
            },
        )

    async def async_step_rollouts_basic(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """User name and password of a Rollouts cloud user."""
        return await self._rollouts_credentials_step("rollouts_basic", user_input, {})

    async def async_step_rollouts_oauth(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """An OAuth2 client; its first call registers it (403 until granted)."""
        return await self._rollouts_credentials_step(
            "rollouts_oauth", user_input, {CONF_TOKEN_URL: DEFAULT_TOKEN_URL}
        )

    async def async_step_rollouts_ddi(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Optionally a target to poll through the DDI API."""
        errors: dict[str, str] = {}
        placeholders: dict[str, str] = {}
        data = self._rollouts_data
        if user_input is not None:
            ddi = _clean(user_input)
            if not ddi.get(CONF_CONTROLLER_ID):
                return self.async_create_entry(
                    title=f"Rollouts {data[CONF_TENANT]}", data=data
                )
            data = {**data, **ddi}
            try:
                data[CONF_DDI_URL] = check_url(data[CONF_DDI_URL])
            except RolloutsError as err:
                errors, placeholders = flow_errors(err, ROLLOUTS_ERRORS)
            else:
                errors, placeholders = await self._rollouts_check(data)
            if not errors:
                return self.async_create_entry(
                    title=f"Rollouts {data[CONF_TENANT]}", data=data
                )
        return self.async_show_form(
            step_id="rollouts_ddi",
            data_schema=self.add_suggested_values_to_schema(
                DDI_SCHEMA,
                user_input
                or {CONF_DDI_URL: data[CONF_BASE_URL], CONF_TOKEN_TYPE: TOKEN_TARGET},
            ),
            errors=errors,
            description_placeholders={"controller_id": "", **placeholders},
        )

    async def async_step_rollouts_reauth(
        self, entry_data: Mapping[str, Any]
    ) -> ConfigFlowResult:
        """The Management API refused the credentials, or the DDI API the token."""
        return await self.async_step_rollouts_reauth_confirm()

    async def async_step_rollouts_reauth_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for the password or the client secret, and the DDI token, again.

        With a DDI target both fields are optional: an empty one keeps the
        stored secret, so a refused DDI token alone needs no password.
        """
        entry = self._get_reauth_entry()
        field = REAUTH_FIELDS[entry.data[CONF_AUTH_METHOD]]
        with_ddi = bool(entry.data.get(CONF_CONTROLLER_ID))
        schema = probatio.Schema(
            {
                probatio.Optional(field): SECRET,
                probatio.Optional(CONF_DDI_TOKEN): SECRET,
            }
            if with_ddi
            else {probatio.Required(field): SECRET}
        )
        errors: dict[str, str] = {}
        placeholders: dict[str, str] = {}
        if user_input is not None:
            # Secrets as typed (not stripped); an empty field keeps the stored one.
            data = {**entry.data, **{k: v for k, v in user_input.items() if v}}
            errors, placeholders = await self._rollouts_check(data)
            if not errors:
                return self.async_update_reload_and_abort(entry, data=data)
        return self.async_show_form(
            step_id="rollouts_reauth_confirm",
            data_schema=schema,
            errors=errors,
            description_placeholders={
                "tenant": entry.data[CONF_TENANT],
                "client_id": "",
                "controller_id": "",
                **placeholders,
            },
        )

    async def async_step_rollouts_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change URLs, credentials and the DDI target of the same tenant."""
        entry = self._get_reconfigure_entry()
        method = entry.data[CONF_AUTH_METHOD]
        schema = probatio.Schema(
            {
                probatio.Required(CONF_BASE_URL): _REGION,
                probatio.Required(CONF_TENANT): TEXT,
                **secrets_optional(AUTH_SCHEMAS[method], SECRET_KEYS),
                **secrets_optional(DDI_SCHEMA, SECRET_KEYS),
            }
        )
        errors: dict[str, str] = {}
        placeholders: dict[str, str] = {}
        if user_input is not None:
            data: dict[str, Any] = {
                key: value for key, value in entry.data.items() if key not in DDI_KEYS
            }
            data.update(_clean(user_input))
            if (
                data.get(CONF_CONTROLLER_ID)
                and data[CONF_CONTROLLER_ID] == entry.data.get(CONF_CONTROLLER_ID)
                and not data.get(CONF_DDI_TOKEN)
            ):
                data[CONF_DDI_TOKEN] = entry.data[CONF_DDI_TOKEN]
            if not data.get(CONF_CONTROLLER_ID):
                for key in DDI_KEYS:
                    data.pop(key, None)
            try:
                data[CONF_BASE_URL] = check_url(data[CONF_BASE_URL])
                if data.get(CONF_CONTROLLER_ID):
                    data[CONF_DDI_URL] = check_url(data[CONF_DDI_URL])
            except RolloutsError as err:
                errors, placeholders = flow_errors(err, ROLLOUTS_ERRORS)
            else:
                await self.async_set_unique_id(_unique_id(data))
                self._abort_if_unique_id_mismatch(reason="rollouts_wrong_tenant")
                errors, placeholders = await self._rollouts_check(data)
            if not errors:
                return self.async_update_reload_and_abort(entry, data=data)
        suggested = without_secrets(
            user_input
            or {
                CONF_DDI_URL: entry.data[CONF_BASE_URL],
                CONF_TOKEN_TYPE: TOKEN_TARGET,
                **entry.data,
            },
            SECRET_KEYS,
        )
        return self.async_show_form(
            step_id="rollouts_reconfigure",
            data_schema=self.add_suggested_values_to_schema(schema, suggested),
            errors=errors,
            description_placeholders={
                "tenant": entry.data[CONF_TENANT],
                "client_id": "",
                "controller_id": "",
                **placeholders,
            },
        )
