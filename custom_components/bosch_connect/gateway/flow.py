"""Config flow steps of the gateway service.

Adding a gateway: discovery (zeroconf) or host and ports by hand, then the
partner credentials (checked before any connection), then the proximity
check and the token request. The token is the gateway's scarce resource (32
per gateway, then a factory reset): it is requested only here, in a flow the
user started, and kept in the entry. Re-authentication repeats the proximity
step; reconfiguration changes host, ports or certificates and keeps the token.

Identity before token: every SSL context that carries the token or the
client credentials is bound to the paired device (``tls.require_peer``), so
each handshake fails unless the server's certificate names that device. When
the credentials are entered, a handshake with the auth port learns (typed-in
host) or proves (announcement) which device answers; that device is the
entry's unique id, so the same gateway cannot be added twice. An announcement
moves a known entry only when the new address proves to be its gateway (a
handshake with the entry's own credentials); otherwise the entry stays and a
repair issue says what answered there.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
import datetime as dt
import logging
import ssl
from typing import TYPE_CHECKING, Any, Final, cast

from homeassistant.config_entries import (
    SOURCE_IGNORE,
    ConfigFlow,
    ConfigFlowResult,
)
from homeassistant.const import CONF_HOST, CONF_TOKEN
from homeassistant.helpers.selector import (
    BooleanSelector,
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
from .certificates import load_credentials
from .const import (
    CHANNEL_OWNER,
    CONF_API_PORT,
    CONF_AUTH_PORT,
    CONF_BRAND,
    CONF_CLIENT_CERT,
    CONF_CLIENT_ID,
    CONF_CLIENT_KEY,
    CONF_CLIENT_NAME,
    CONF_DEVICE_ID,
    CONF_FINGERPRINT,
    CONF_GRANTED_SCOPES,
    CONF_MODEL,
    CONF_ROOT_CERT,
    CONF_SCOPES,
    CONF_SERIAL,
    DEFAULT_API_PORT,
    DEFAULT_AUTH_PORT,
    DEFAULT_CLIENT_NAME,
    DEFAULT_OWNER_API_PORT,
    DEFAULT_OWNER_AUTH_PORT,
    OWNER_UNIQUE_ID_SUFFIX,
    is_owner_entry,
)
from .errors import (
    AnnouncementError,
    CertificateError,
    GatewayConnectionError,
    GatewayError,
    GatewayTlsError,
    TokenLimitReachedError,
)
from .failures import (
    GATEWAY_CREDENTIALS_ERRORS,
    GATEWAY_ERRORS,
    GATEWAY_RECONFIGURE_ERRORS,
    form_errors,
)
from .identity import GatewayIdentity, async_read_identity
from .owner_flow import GatewayOwnerFlowMixin, connection_of, gateway_title
from .repairs import (
    address_of,
    async_clear_identity_issue,
    async_raise_identity_issue,
    has_identity_issue,
)
from .tls import (
    PeerIdentity,
    build_owner_context,
    build_ssl_context,
    require_peer,
    validate_credentials,
)
from .txt import (
    OWNER_SERVICE_TYPE,
    GatewayAnnouncement,
    parse_owner_txt,
    parse_txt as parse_announcement,
)

if TYPE_CHECKING:
    from .coordinator import GatewayConfigEntry

_LOGGER = logging.getLogger(__name__)

_PORT = NumberSelector(
    NumberSelectorConfig(min=1, max=65535, step=1, mode=NumberSelectorMode.BOX)
)
_PEM = TextSelector(TextSelectorConfig(multiline=True))
_BOOLEAN = BooleanSelector()
CONF_CHANGE_ENTRIES: Final = "change_entries"
_TEXT = TextSelector()

# Before an announced address counts as unreachable, the handshake is tried
# again after these pauses (seconds): a gateway may announce itself before its
# TLS ports answer.
PROVE_RETRY_DELAYS: Final[tuple[float, ...]] = (2.0, 5.0)


class TokenLimitReached(Exception):
    """The gateway has no token left: the flow must abort."""


class CannotCheck(Exception):
    """The entry's stored credentials cannot be used to check an address."""


def _check_credentials(cert: str, key: str, root: str) -> ssl.SSLContext:
    """Validate the pasted PEMs and build the SSL context (blocking)."""
    validate_credentials(cert, key, root, dt.datetime.now(dt.UTC))
    return build_ssl_context(cert, key, root)


def _scopes(text: str | None) -> list[str] | None:
    scopes = (text or "").replace(",", " ").split()
    return scopes or None


class GatewayFlowMixin(GatewayOwnerFlowMixin, ConfigFlow):
    """The gateway's steps of the Bosch Connect config flow."""

    _gateway_connection: dict[str, Any]
    _gateway_credentials: dict[str, Any]
    # Set by the credentials step before the press step uses it.
    _gateway_ssl: ssl.SSLContext
    _gateway_announced: dict[str, str] | None = None
    # What the user typed, shown again when they go back from the press step.
    _gateway_typed: dict[str, Any] | None = None

    # -- where a gateway comes from ----------------------------------------

    async def async_step_gateway(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Which channel: the owner's (sticker, the default) or a partner's."""
        return self.async_show_menu(
            step_id="gateway", menu_options=["gateway_owner", "gateway_partner"]
        )

    async def async_step_gateway_partner(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Host and ports of a partner gateway typed in (or announced)."""
        if user_input is None and self._gateway_announced is not None:
            return await self.async_step_gateway_credentials()
        if user_input is not None:
            connection = connection_of(user_input)
            self._async_abort_entries_match(
                {
                    CONF_SERVICE: SERVICE_GATEWAY,
                    CONF_HOST: connection[CONF_HOST],
                    CONF_API_PORT: connection[CONF_API_PORT],
                }
            )
            self._gateway_connection = connection
            return await self.async_step_gateway_credentials()
        suggested = (
            {CONF_HOST: self._owner_connection[CONF_HOST]}
            if self._owner_announced is not None
            else {}
        )
        return self.async_show_form(
            step_id="gateway_partner",
            data_schema=self.add_suggested_values_to_schema(
                probatio.Schema(
                    {
                        probatio.Required(CONF_HOST): _TEXT,
                        probatio.Required(
                            CONF_API_PORT, default=DEFAULT_API_PORT
                        ): _PORT,
                        probatio.Required(
                            CONF_AUTH_PORT, default=DEFAULT_AUTH_PORT
                        ): _PORT,
                    }
                ),
                suggested,
            ),
        )

    async def async_step_zeroconf(
        self, discovery_info: ZeroconfServiceInfo
    ) -> ConfigFlowResult:
        """A gateway announced one of its two channels on the network.

        Both announcements of one gateway become one discovered gateway (the
        flow's unique id is the device id); the user then picks the channel.
        A gateway with an entry of either channel is not offered again: its
        entries follow the announcement of their own channel.
        """
        owner = discovery_info.type == OWNER_SERVICE_TYPE
        properties = cast(Mapping[object, object], discovery_info.properties)
        try:
            announced = (
                parse_owner_txt(properties, discovery_info.name)
                if owner
                else parse_announcement(properties)
            )
        except AnnouncementError:
            return self.async_abort(reason="gateway_invalid_announcement")
        host = str(discovery_info.ip_address)
        entries = self._gateway_entries_of(announced.uuid)
        mine = entries.get(CHANNEL_OWNER if owner else "partner")
        if mine is not None:
            connection = {
                CONF_HOST: host,
                CONF_API_PORT: discovery_info.port
                or (DEFAULT_OWNER_API_PORT if owner else DEFAULT_API_PORT),
                CONF_AUTH_PORT: announced.authport,
            }
            await self.async_set_unique_id(mine.unique_id)
            return await self._gateway_known_announced(mine, connection)
        if entries:
            # The other channel of a configured gateway: not offered again.
            return self.async_abort(reason="already_configured")
        await self.async_set_unique_id(announced.uuid)
        self._abort_if_unique_id_configured()
        self._gateway_note_announcement(announced, owner, host, discovery_info.port)
        self.context["title_placeholders"] = {
            "name": " ".join(p for p in (announced.brand, announced.model) if p)
            or announced.uuid
        }
        return await self.async_step_gateway_discovery_confirm()

    def _gateway_entries_of(self, device_id: str) -> dict[str, GatewayConfigEntry]:
        """The gateway entries (not ignored) of a device, by channel."""
        found: dict[str, GatewayConfigEntry] = {}
        for channel, unique_id in (
            ("partner", device_id),
            (CHANNEL_OWNER, device_id + OWNER_UNIQUE_ID_SUFFIX),
        ):
            entry = self.hass.config_entries.async_entry_for_domain_unique_id(
                self.handler, unique_id
            )
            if (
                entry is not None
                and entry.source != SOURCE_IGNORE
                and entry.data.get(CONF_SERVICE) == SERVICE_GATEWAY
                and is_owner_entry(entry) == (channel == CHANNEL_OWNER)
            ):
                found[channel] = entry
        return found

    def _gateway_note_announcement(
        self, announced: GatewayAnnouncement, owner: bool, host: str, port: int | None
    ) -> None:
        """Remember what the announcement said, for both channels' steps."""
        about = {
            CONF_MODEL: announced.model,
            CONF_BRAND: announced.brand,
            CONF_SERIAL: announced.serial,
        }
        self._owner_expected = announced.uuid
        self._owner_announced = about
        self._owner_connection = {
            CONF_HOST: host,
            CONF_API_PORT: (port or DEFAULT_OWNER_API_PORT)
            if owner
            else DEFAULT_OWNER_API_PORT,
            CONF_AUTH_PORT: announced.authport if owner else DEFAULT_OWNER_AUTH_PORT,
        }
        if not owner:
            self._gateway_announced = about
            self._gateway_connection = {
                CONF_HOST: host,
                CONF_API_PORT: port or DEFAULT_API_PORT,
                CONF_AUTH_PORT: announced.authport,
            }

    async def _gateway_known_announced(
        self, entry: GatewayConfigEntry, connection: dict[str, Any]
    ) -> ConfigFlowResult:
        """A paired gateway announced itself: move the entry only when proven.

        At a new address, a handshake with the entry's own credentials must
        chain to the entry's Bosch root and name the paired device; otherwise
        the entry stays where it was and a repair issue says what was seen.
        At the entry's own address, a proof clears an earlier issue.
        """
        moved = any(entry.data.get(key) != value for key, value in connection.items())
        if not moved and not has_identity_issue(self.hass, entry):
            self._abort_if_unique_id_configured(updates=connection)
        try:
            await self._gateway_prove(entry, connection)
        except CannotCheck:
            return self.async_abort(reason="already_configured")
        except GatewayError as err:
            if not moved:
                # The coordinator reports what answers at the entry's address.
                return self.async_abort(reason="already_configured")
            address = address_of(connection[CONF_HOST], connection[CONF_API_PORT])
            home = address_of(entry.data[CONF_HOST], entry.data[CONF_API_PORT])
            _LOGGER.warning(
                "%s was announced at %s, which did not prove to be it (%s);"
                " it stays at %s",
                entry.title,
                address,
                err,
                home,
            )
            async_raise_identity_issue(
                self.hass,
                entry,
                address=address,
                home=home,
                err=err,
                origin="announcement",
            )
            return self.async_abort(reason="gateway_address_unproven")
        # Seen where it belongs (its own address, or its proven new one):
        # update the entry and reload it when it moved.
        async_clear_identity_issue(self.hass, entry)
        self._abort_if_unique_id_configured(updates=connection)
        return self.async_abort(reason="already_configured")  # pragma: no cover

    async def _gateway_prove(
        self, entry: GatewayConfigEntry, connection: Mapping[str, Any]
    ) -> None:
        """Raise a ``GatewayError`` unless ``connection`` is the entry's gateway.

        Only a TLS handshake with the API port (nothing is written): with the
        entry's client certificate, verified against the entry's Bosch root and
        bound to the entry's device. Connection failures are tried again
        (``PROVE_RETRY_DELAYS``). ``CannotCheck`` when the entry's credentials
        cannot be loaded.
        """
        if entry.unique_id is None:
            raise CannotCheck
        port: int | None = None
        if is_owner_entry(entry):
            # Owner channel: the pinned certificate at the token port (which
            # always listens); no secret is sent.
            if not entry.data.get(CONF_FINGERPRINT) or not entry.data.get(
                CONF_DEVICE_ID
            ):
                raise CannotCheck
            context = build_owner_context(
                PeerIdentity(
                    str(entry.data[CONF_DEVICE_ID]), str(entry.data[CONF_FINGERPRINT])
                )
            )
            port = int(connection[CONF_AUTH_PORT])
        else:
            try:
                credentials = await self.hass.async_add_executor_job(
                    load_credentials, dict(entry.data), entry.unique_id
                )
            except (CertificateError, GatewayTlsError, KeyError, ValueError) as err:
                raise CannotCheck from err
            context = credentials.ssl_context
        client = self._gateway_client(connection, context, None)
        for delay in (*PROVE_RETRY_DELAYS, None):
            try:
                await client.peer_device_id(port)
            except GatewayConnectionError:
                if delay is None:
                    raise
                await asyncio.sleep(delay)
            else:
                return

    async def async_step_gateway_discovery_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Show what was found; then the channel."""
        if user_input is not None:
            return await self.async_step_gateway()
        return self.async_show_form(
            step_id="gateway_discovery_confirm",
            description_placeholders={
                **(self._owner_announced or {}),
                "device": self._owner_expected or "",
                CONF_HOST: self._owner_connection[CONF_HOST],
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
            except (CertificateError, GatewayTlsError) as err:
                errors = form_errors(err, GATEWAY_CREDENTIALS_ERRORS)
            else:
                errors = await self._gateway_identify(context)
            if not errors:
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
        typed, self._gateway_typed = self._gateway_typed, None
        return self.async_show_form(
            step_id="gateway_credentials",
            data_schema=self.add_suggested_values_to_schema(
                schema, user_input or typed
            ),
            errors=errors,
        )

    async def _gateway_identify(self, context: ssl.SSLContext) -> dict[str, str]:
        """Bind ``context`` to the device at the auth port; the form's errors.

        Announced: the device of the announcement, proven by the handshake.
        Typed in: the device the certificate names (learned by a handshake
        that writes nothing) becomes the flow's unique id; a gateway that is
        already configured aborts the flow before any token is spent.
        """
        client = self._gateway_client(self._gateway_connection, context, None)
        try:
            if self.unique_id is not None:
                require_peer(context, PeerIdentity(self.unique_id))
                await client.peer_device_id(client.auth_port)
            else:
                device_id = await client.peer_device_id(client.auth_port)
                require_peer(context, PeerIdentity(device_id))
                await self.async_set_unique_id(device_id, raise_on_progress=False)
                self._abort_if_unique_id_configured()
        except GatewayError as err:
            return form_errors(err, GATEWAY_ERRORS)
        return {}

    async def async_step_gateway_proximity(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for the button press, then request the token (or go back)."""
        errors: dict[str, str] = {}
        if user_input is not None and user_input.get(CONF_CHANGE_ENTRIES):
            # Back to the credentials, as typed (the key is pasted again).
            self._gateway_typed = {
                k: v
                for k, v in self._gateway_credentials.items()
                if k != CONF_CLIENT_KEY
            }
            return await self.async_step_gateway_credentials()
        if user_input is not None:
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
            data_schema=probatio.Schema(
                {probatio.Optional(CONF_CHANGE_ENTRIES, default=False): _BOOLEAN}
            ),
            errors=errors,
        )

    async def _gateway_create_entry(self, token: Token) -> ConfigFlowResult:
        """Name the gateway and create its entry (the token is already spent)."""
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
        if identity.uuid is not None and identity.uuid != self.unique_id:
            # The certificate (checked in every handshake) decides.
            _LOGGER.warning(
                "The gateway's certificate names device %s, its /gateway/uuid %s",
                self.unique_id,
                identity.uuid,
            )
        # The token is spent: an entry made meanwhile (another flow) gets it.
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
        title = gateway_title(brand, model, str(self.unique_id))
        return self.async_create_entry(title=title, data=data)

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
        except TokenLimitReachedError as err:
            raise TokenLimitReached from err
        except GatewayError as err:
            errors.update(form_errors(err, GATEWAY_ERRORS))
        else:
            return token
        return None

    # -- re-authentication and reconfiguration ---------------------------------

    async def async_step_gateway_reauth(
        self, entry_data: Mapping[str, Any]
    ) -> ConfigFlowResult:
        """The gateway no longer accepts the token (or its certificate changed)."""
        if is_owner_entry(self._get_reauth_entry()):
            return await self.async_step_gateway_owner_reauth(entry_data)
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
                    self._gateway_entry_context, entry.data, entry.unique_id
                )
            except CertificateError, GatewayTlsError:
                return self.async_abort(reason="gateway_credentials_unusable")
            client = self._gateway_client(entry.data, context, None)
            if entry.unique_id is None:
                # An entry from before its gateway was named: learn it first.
                errors = await self._gateway_bind_learned(client, context)
            if not errors:
                try:
                    token = await self._gateway_request_token(
                        client, entry.data, errors
                    )
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

    @staticmethod
    def _gateway_entry_context(
        data: Mapping[str, Any], device_id: str | None
    ) -> ssl.SSLContext:
        """The stored credentials' context, bound to ``device_id`` (blocking)."""
        return build_ssl_context(
            data[CONF_CLIENT_CERT],
            data[CONF_CLIENT_KEY],
            data[CONF_ROOT_CERT],
            peer=PeerIdentity(device_id) if device_id is not None else None,
        )

    async def _gateway_bind_learned(
        self, client: GatewayClient, context: ssl.SSLContext
    ) -> dict[str, str]:
        """Bind ``context`` to the device the server names (entries without id)."""
        try:
            device_id = await client.peer_device_id()
        except GatewayError as err:
            return form_errors(err, GATEWAY_ERRORS)
        require_peer(context, PeerIdentity(device_id))
        return {}

    async def async_step_gateway_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change host, ports or certificates; keep the entry and its token."""
        entry = self._get_reconfigure_entry()
        if is_owner_entry(entry):
            return await self.async_step_gateway_owner_reconfigure(user_input)
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
        self, entry: GatewayConfigEntry, user_input: dict[str, Any]
    ) -> tuple[dict[str, str], dict[str, Any]]:
        """Check new settings against the gateway with the token we have."""
        updates: dict[str, Any] = connection_of(user_input)
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
        except (CertificateError, GatewayTlsError) as err:
            return form_errors(err, GATEWAY_CREDENTIALS_ERRORS), updates
        client = self._gateway_client(updates, context, entry.data[CONF_TOKEN])
        if entry.unique_id is not None:
            # The token goes only to the paired device, wherever it now is.
            require_peer(context, PeerIdentity(entry.unique_id))
        elif errors := await self._gateway_bind_learned(client, context):
            return errors, updates
        try:
            identity = await async_read_identity(client)
        except GatewayError as err:
            return form_errors(err, GATEWAY_RECONFIGURE_ERRORS), updates
        # Without a device id (learned above) the certificate decides, as when
        # pairing: there is nothing to compare /gateway/uuid with.
        expected = entry.unique_id
        if expected is not None and identity.uuid not in (None, expected):
            return {"base": "gateway_other_gateway"}, updates
        return {}, updates
