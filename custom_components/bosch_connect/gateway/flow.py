"""Config flow steps of the gateway service.

Adding a gateway: discovery (zeroconf) or host and ports by hand, then the
partner credentials (checked before any connection), then the proximity
check and the token request. The token is the gateway's scarce resource (32
per gateway, then a factory reset): it is requested only here, in a flow the
user started, and kept in the entry. Re-authentication repeats the proximity
step; reconfiguration changes host, ports or certificates and keeps the token.
"""

from __future__ import annotations

from collections.abc import Mapping
import datetime as dt
import logging
import ssl
from typing import Any, cast

from homeassistant.config_entries import ConfigEntry, ConfigFlow, ConfigFlowResult
from homeassistant.const import CONF_HOST, CONF_TOKEN
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.selector import (
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    TextSelector,
    TextSelectorConfig,
)
from homeassistant.helpers.service_info.zeroconf import ZeroconfServiceInfo
import probatio

from ..const import CONF_SERVICE, SERVICE_GATEWAY
from .api import GatewayClient, Token
from .const import (
    CONF_API_PORT,
    CONF_AUTH_PORT,
    CONF_BRAND,
    CONF_CLIENT_CERT,
    CONF_CLIENT_ID,
    CONF_CLIENT_KEY,
    CONF_CLIENT_NAME,
    CONF_GRANTED_SCOPES,
    CONF_MODEL,
    CONF_ROOT_CERT,
    CONF_SCOPES,
    CONF_SERIAL,
    DEFAULT_API_PORT,
    DEFAULT_AUTH_PORT,
    DEFAULT_CLIENT_NAME,
)
from .errors import (
    AnnouncementError,
    CertificateError,
    CertificateExpiredError,
    GatewayAuthError,
    GatewayConnectionError,
    GatewayError,
    GatewayTlsError,
    InvalidClientError,
    KeyMismatchError,
    ProximityCheckRequiredError,
    TokenLimitReachedError,
    TokenRequestRejectedError,
)
from .identity import GatewayIdentity, async_read_identity
from .tls import build_ssl_context, validate_credentials
from .txt import parse_txt as parse_announcement

_LOGGER = logging.getLogger(__name__)

_PORT = NumberSelector(
    NumberSelectorConfig(min=1, max=65535, step=1, mode=NumberSelectorMode.BOX)
)
_PEM = TextSelector(TextSelectorConfig(multiline=True))
_TEXT = TextSelector()

# Token request refusals that name their cause (400, 415, 500).
_REJECTED = {
    400: "gateway_token_rejected_400",
    415: "gateway_token_rejected_415",
    500: "gateway_token_rejected_500",
}


class TokenLimitReached(Exception):
    """The gateway has no token left: the flow must abort."""


def _certificate_error(err: CertificateError) -> dict[str, str]:
    if isinstance(err, KeyMismatchError):
        return {err.field: "gateway_key_mismatch"}
    if isinstance(err, CertificateExpiredError):
        return {err.field: "gateway_certificate_expired"}
    return {err.field: "gateway_malformed_pem"}


def _check_credentials(cert: str, key: str, root: str) -> ssl.SSLContext:
    """Validate the pasted PEMs and build the SSL context (blocking)."""
    validate_credentials(cert, key, root, dt.datetime.now(dt.UTC))
    return build_ssl_context(cert, key, root)


def _scopes(text: str | None) -> list[str] | None:
    scopes = (text or "").replace(",", " ").split()
    return scopes or None


class GatewayFlowMixin(ConfigFlow):
    """The gateway's steps of the Bosch Connect config flow."""

    _gateway_connection: dict[str, Any]
    _gateway_credentials: dict[str, Any]
    _gateway_ssl: ssl.SSLContext | None = None
    _gateway_announced: dict[str, str] | None = None

    # -- where a gateway comes from ----------------------------------------

    async def async_step_gateway(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Host and ports of a gateway typed in by hand (no multicast)."""
        if user_input is not None:
            connection = {
                CONF_HOST: user_input[CONF_HOST].strip(),
                CONF_API_PORT: int(user_input[CONF_API_PORT]),
                CONF_AUTH_PORT: int(user_input[CONF_AUTH_PORT]),
            }
            self._async_abort_entries_match(
                {
                    CONF_SERVICE: SERVICE_GATEWAY,
                    CONF_HOST: connection[CONF_HOST],
                    CONF_API_PORT: connection[CONF_API_PORT],
                }
            )
            self._gateway_connection = connection
            return await self.async_step_gateway_credentials()
        return self.async_show_form(
            step_id="gateway",
            data_schema=probatio.Schema(
                {
                    probatio.Required(CONF_HOST): _TEXT,
                    probatio.Required(CONF_API_PORT, default=DEFAULT_API_PORT): _PORT,
                    probatio.Required(CONF_AUTH_PORT, default=DEFAULT_AUTH_PORT): _PORT,
                }
            ),
        )

    async def async_step_zeroconf(
        self, discovery_info: ZeroconfServiceInfo
    ) -> ConfigFlowResult:
        """A gateway announced itself on the network."""
        try:
            announced = parse_announcement(
                cast(Mapping[object, object], discovery_info.properties)
            )
        except AnnouncementError:
            return self.async_abort(reason="gateway_invalid_announcement")
        connection = {
            CONF_HOST: str(discovery_info.ip_address),
            CONF_API_PORT: discovery_info.port or DEFAULT_API_PORT,
            CONF_AUTH_PORT: announced.authport,
        }
        await self.async_set_unique_id(announced.uuid)
        # A known gateway that moved: update the entry and reload it.
        self._abort_if_unique_id_configured(updates=connection)
        self._gateway_connection = connection
        self._gateway_announced = {
            CONF_MODEL: announced.model,
            CONF_BRAND: announced.brand,
            CONF_SERIAL: announced.serial,
        }
        self.context["title_placeholders"] = {
            "name": f"{announced.brand} {announced.model}"
        }
        return await self.async_step_gateway_discovery_confirm()

    async def async_step_gateway_discovery_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Show what was found before asking for credentials."""
        if user_input is not None:
            return await self.async_step_gateway_credentials()
        assert self._gateway_announced is not None
        return self.async_show_form(
            step_id="gateway_discovery_confirm",
            description_placeholders={
                **self._gateway_announced,
                CONF_HOST: self._gateway_connection[CONF_HOST],
            },
        )

    # -- credentials and token ----------------------------------------------

    async def async_step_gateway_credentials(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Client id, name, certificate, key and Bosch root; checked offline."""
        errors: dict[str, str] = {}
        if user_input is not None:
            try:
                context = await self.hass.async_add_executor_job(
                    _check_credentials,
                    user_input[CONF_CLIENT_CERT],
                    user_input[CONF_CLIENT_KEY],
                    user_input[CONF_ROOT_CERT],
                )
            except CertificateError as err:
                errors = _certificate_error(err)
            except GatewayTlsError:
                errors = {CONF_CLIENT_KEY: "gateway_key_mismatch"}
            else:
                self._gateway_ssl = context
                self._gateway_credentials = {
                    CONF_CLIENT_ID: user_input[CONF_CLIENT_ID].strip(),
                    CONF_CLIENT_NAME: user_input[CONF_CLIENT_NAME].strip(),
                    CONF_CLIENT_CERT: user_input[CONF_CLIENT_CERT].strip(),
                    CONF_CLIENT_KEY: user_input[CONF_CLIENT_KEY].strip(),
                    CONF_ROOT_CERT: user_input[CONF_ROOT_CERT].strip(),
                    CONF_SCOPES: " ".join(_scopes(user_input.get(CONF_SCOPES)) or []),
                }
                return await self.async_step_gateway_proximity()
        schema = probatio.Schema(
            {
                probatio.Required(CONF_CLIENT_ID): _TEXT,
                probatio.Required(CONF_CLIENT_NAME, default=DEFAULT_CLIENT_NAME): _TEXT,
                probatio.Required(CONF_CLIENT_CERT): _PEM,
                probatio.Required(CONF_CLIENT_KEY): _PEM,
                probatio.Required(CONF_ROOT_CERT): _PEM,
                probatio.Optional(CONF_SCOPES): _TEXT,
            }
        )
        return self.async_show_form(
            step_id="gateway_credentials",
            data_schema=self.add_suggested_values_to_schema(schema, user_input),
            errors=errors,
        )

    async def async_step_gateway_proximity(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for the button press, then request the token."""
        errors: dict[str, str] = {}
        if user_input is not None:
            assert self._gateway_ssl is not None
            client = self._gateway_client(
                self._gateway_connection, self._gateway_ssl, None
            )
            try:
                token = await self._gateway_request_token(
                    client, self._gateway_credentials, errors
                )
            except TokenLimitReached:
                return self.async_abort(reason="gateway_token_limit")
            if token is not None:
                return await self._gateway_create_entry(token)
        return self.async_show_form(
            step_id="gateway_proximity",
            data_schema=probatio.Schema({}),
            errors=errors,
        )

    async def _gateway_create_entry(self, token: Token) -> ConfigFlowResult:
        """Name the gateway and create its entry (the token is already spent)."""
        assert self._gateway_ssl is not None
        client = self._gateway_client(
            self._gateway_connection, self._gateway_ssl, token.access_token
        )
        stored = {CONF_TOKEN: token.access_token, CONF_GRANTED_SCOPES: token.scope}
        try:
            identity = await async_read_identity(client)
        except GatewayError:
            # The token is good; the names can wait for the first poll.
            _LOGGER.debug("Could not read the gateway's names after pairing")
            identity = GatewayIdentity()
        announced = self._gateway_announced or {}
        if self.unique_id is None and identity.uuid is not None:
            # The token is spent: never abort for a discovery flow in progress.
            await self.async_set_unique_id(identity.uuid, raise_on_progress=False)
            self._abort_if_unique_id_configured(
                updates={**self._gateway_connection, **stored}
            )
        brand = announced.get(CONF_BRAND) or identity.brand or "Bosch"
        model = announced.get(CONF_MODEL) or identity.model or ""
        data = {
            CONF_SERVICE: SERVICE_GATEWAY,
            **self._gateway_connection,
            **self._gateway_credentials,
            **stored,
            CONF_BRAND: brand,
            CONF_MODEL: model,
            CONF_SERIAL: announced.get(CONF_SERIAL) or identity.serial or "",
        }
        host = self._gateway_connection[CONF_HOST]
        title = f"{brand} {model}" if model else f"{brand} ({host})"
        return self.async_create_entry(title=title, data=data)

    def _gateway_client(
        self, connection: Mapping[str, Any], context: ssl.SSLContext, token: str | None
    ) -> GatewayClient:
        return GatewayClient(
            async_get_clientsession(self.hass),
            connection[CONF_HOST],
            api_port=int(connection[CONF_API_PORT]),
            auth_port=int(connection[CONF_AUTH_PORT]),
            ssl_context=context,
            token=token,
        )

    async def _gateway_request_token(
        self,
        client: GatewayClient,
        credentials: Mapping[str, Any],
        errors: dict[str, str],
    ) -> Token | None:
        """Request a token; fill ``errors`` and return None when refused."""
        try:
            token = await client.request_token(
                credentials[CONF_CLIENT_ID],
                credentials[CONF_CLIENT_NAME],
                _scopes(credentials.get(CONF_SCOPES)),
            )
        except ProximityCheckRequiredError:
            errors["base"] = "gateway_proximity_required"
        except InvalidClientError:
            errors["base"] = "gateway_invalid_client"
        except TokenLimitReachedError as err:
            raise TokenLimitReached from err
        except TokenRequestRejectedError as err:
            errors["base"] = _REJECTED.get(err.status, "gateway_unknown")
        except GatewayTlsError:
            errors["base"] = "gateway_tls_failed"
        except GatewayConnectionError:
            errors["base"] = "gateway_cannot_connect"
        except GatewayError:
            _LOGGER.exception("Unexpected answer to the token request")
            errors["base"] = "gateway_unknown"
        else:
            return token
        return None

    # -- re-authentication and reconfiguration ---------------------------------

    async def async_step_gateway_reauth(
        self, entry_data: Mapping[str, Any]
    ) -> ConfigFlowResult:
        """The gateway no longer accepts the token: pair again."""
        return await self.async_step_gateway_reauth_confirm()

    async def async_step_gateway_reauth_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Repeat the proximity check and request a new token."""
        entry = self._get_reauth_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            try:
                context = await self.hass.async_add_executor_job(
                    build_ssl_context,
                    entry.data[CONF_CLIENT_CERT],
                    entry.data[CONF_CLIENT_KEY],
                    entry.data[CONF_ROOT_CERT],
                )
            except CertificateError, GatewayTlsError:
                return self.async_abort(reason="gateway_credentials_unusable")
            client = self._gateway_client(entry.data, context, None)
            try:
                token = await self._gateway_request_token(client, entry.data, errors)
            except TokenLimitReached:
                return self.async_abort(reason="gateway_token_limit")
            if token is not None:
                return self.async_update_reload_and_abort(
                    entry,
                    data_updates={
                        CONF_TOKEN: token.access_token,
                        CONF_GRANTED_SCOPES: token.scope,
                    },
                )
        return self.async_show_form(
            step_id="gateway_reauth_confirm",
            data_schema=probatio.Schema({}),
            description_placeholders={"name": entry.title},
            errors=errors,
        )

    async def async_step_gateway_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change host, ports or certificates; keep the entry and its token."""
        entry = self._get_reconfigure_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            errors, updates = await self._gateway_check_reconfigure(entry, user_input)
            if not errors:
                return self.async_update_reload_and_abort(entry, data_updates=updates)
        schema = probatio.Schema(
            {
                probatio.Required(CONF_HOST): _TEXT,
                probatio.Required(CONF_API_PORT): _PORT,
                probatio.Required(CONF_AUTH_PORT): _PORT,
                probatio.Optional(CONF_CLIENT_CERT): _PEM,
                probatio.Optional(CONF_CLIENT_KEY): _PEM,
                probatio.Optional(CONF_ROOT_CERT): _PEM,
            }
        )
        suggested = {
            CONF_HOST: entry.data[CONF_HOST],
            CONF_API_PORT: entry.data[CONF_API_PORT],
            CONF_AUTH_PORT: entry.data[CONF_AUTH_PORT],
            **{k: v for k, v in (user_input or {}).items() if k in schema.schema},
        }
        return self.async_show_form(
            step_id="gateway_reconfigure",
            data_schema=self.add_suggested_values_to_schema(schema, suggested),
            errors=errors,
        )

    async def _gateway_check_reconfigure(
        self, entry: ConfigEntry[Any], user_input: dict[str, Any]
    ) -> tuple[dict[str, str], dict[str, Any]]:
        """Check new settings against the gateway with the token we have."""
        updates: dict[str, Any] = {
            CONF_HOST: user_input[CONF_HOST].strip(),
            CONF_API_PORT: int(user_input[CONF_API_PORT]),
            CONF_AUTH_PORT: int(user_input[CONF_AUTH_PORT]),
        }
        # An empty certificate field keeps what the entry has.
        for key in (CONF_CLIENT_CERT, CONF_CLIENT_KEY, CONF_ROOT_CERT):
            updates[key] = (user_input.get(key) or "").strip() or entry.data[key]
        try:
            context = await self.hass.async_add_executor_job(
                _check_credentials,
                updates[CONF_CLIENT_CERT],
                updates[CONF_CLIENT_KEY],
                updates[CONF_ROOT_CERT],
            )
        except CertificateError as err:
            return _certificate_error(err), updates
        except GatewayTlsError:
            return {CONF_CLIENT_KEY: "gateway_key_mismatch"}, updates
        client = self._gateway_client(updates, context, entry.data[CONF_TOKEN])
        try:
            identity = await async_read_identity(client)
        except GatewayAuthError:
            return {"base": "gateway_token_not_accepted"}, updates
        except GatewayTlsError:
            return {"base": "gateway_tls_failed"}, updates
        except GatewayConnectionError:
            return {"base": "gateway_cannot_connect"}, updates
        except GatewayError:
            _LOGGER.exception("Unexpected answer while checking the gateway")
            return {"base": "gateway_unknown"}, updates
        if identity.uuid is not None and identity.uuid != entry.unique_id:
            return {"base": "gateway_other_gateway"}, updates
        return {}, updates
