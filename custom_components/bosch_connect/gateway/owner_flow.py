"""Config flow steps of the gateway's owner channel (K 40 RF document).

What an owner has: the sticker on the gateway (``Login``, ``Pass`` and a QR
code with both) and the gateway within reach for the button press (WLAN +
Wireless for a second, LEDs blink blue, the token request within five
minutes, from the gateway's subnet). The steps:

1. ``gateway_owner``: host and ports (prefilled after discovery). A TLS
   handshake with the token port, which writes nothing, learns the device id
   that the certificate names (it must be the announced device) and the
   certificate's SHA-256 fingerprint. Both are pinned: every later handshake
   must present this very certificate, so the password and the token go to
   nobody else.
2. ``gateway_owner_auth``: pair with the sticker, or paste a token that the
   owner already has (Home Assistant in another network cannot pair: the
   gateway answers 412 to a token request from outside its subnet).
3. ``gateway_owner_sticker``: login and password (hyphens removed), or the
   QR text pasted whole; the button press; the token request.
4. On 507 (token database full): ``gateway_owner_full`` asks for a token the
   owner has, lists the gateway's tokens with it, and ``gateway_owner_revoke``
   revokes the one the user picks; then the token is requested again.

Re-authentication repeats the sticker step and accepts a changed certificate
of the same device (the repair issue of a changed certificate sends the user
here): only a gateway that knows the sticker's password after a new press
gets the new certificate pinned.
"""

from __future__ import annotations

from collections.abc import Mapping
import logging
import ssl
from typing import Any, Final

from homeassistant.config_entries import SOURCE_REAUTH, ConfigFlow, ConfigFlowResult
from homeassistant.const import CONF_HOST, CONF_TOKEN
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.selector import (
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    SelectOptionDict,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)
import probatio

from ..const import CONF_SERVICE, SERVICE_GATEWAY
from .api import OWNER_SCOPE, GatewayClient, ListedToken, PeerCertificate, Token
from .const import (
    CHANNEL_OWNER,
    CONF_API_PORT,
    CONF_AUTH_PORT,
    CONF_BRAND,
    CONF_CHANNEL,
    CONF_DEVICE_ID,
    CONF_FINGERPRINT,
    CONF_GRANTED_SCOPES,
    CONF_LOGIN,
    CONF_MODEL,
    CONF_PASSWORD,
    CONF_SERIAL,
    CONF_STICKER_QR,
    DEFAULT_CLIENT_NAME,
    DEFAULT_OWNER_API_PORT,
    DEFAULT_OWNER_AUTH_PORT,
    OWNER_UNIQUE_ID_SUFFIX,
)
from .errors import GatewayAuthError, GatewayError, TokenLimitReachedError
from .failures import (
    GATEWAY_OWNER_ERRORS,
    GATEWAY_OWNER_PASTE_ERRORS,
    GATEWAY_OWNER_REVOKE_ERRORS,
    GATEWAY_OWNER_TOKEN_ERRORS,
    form_errors,
)
from .identity import GatewayIdentity, async_read_identity
from .repairs import async_clear_identity_issue
from .tls import PeerIdentity, build_owner_context

_LOGGER = logging.getLogger(__name__)

_PORT = NumberSelector(
    NumberSelectorConfig(min=1, max=65535, step=1, mode=NumberSelectorMode.BOX)
)
_TEXT = TextSelector()
_SECRET = TextSelector(TextSelectorConfig(type=TextSelectorType.PASSWORD))

CONF_TOKEN_ID: Final = "token_id"  # noqa: S105 - a form field name
# What a login or password from a sticker can be: ASCII letters and digits
# (the password is printed in groups joined by hyphens, which go).
_MAX_CREDENTIAL = 64
_MIN_PASSWORD = 8
_MAX_TOKEN = 4096


class StickerError(ValueError):
    """What the user typed cannot be a sticker's: ``field`` and error key."""

    def __init__(self, field: str, key: str) -> None:
        """Remember the field and the translation key."""
        super().__init__(key)
        self.field = field
        self.key = key


def normalise_password(text: str) -> str:
    """The password as the gateway wants it: hyphens and blanks removed."""
    return "".join(c for c in text if c not in "- \t")


def parse_sticker_qr(text: str) -> tuple[str, str]:
    """Login and password of the sticker's QR text ``V:1;L:<login>;P:<pass>;...``."""
    fields: dict[str, str] = {}
    for part in text.strip().split(";"):
        key, separator, value = part.partition(":")
        if separator:
            fields[key.strip().upper()] = value.strip()
    login, password = fields.get("L", ""), fields.get("P", "")
    if not login or not password:
        raise StickerError(CONF_STICKER_QR, "gateway_owner_qr_invalid")
    return login, normalise_password(password)


def sticker_credentials(user_input: Mapping[str, Any]) -> tuple[str, str]:
    """Login and password from the form: the QR text, else the two fields.

    A QR text pasted into the password field is read as one too.
    """
    qr = str(user_input.get(CONF_STICKER_QR) or "").strip()
    password_text = str(user_input.get(CONF_PASSWORD) or "").strip()
    if not qr and password_text.upper().startswith("V:"):
        qr = password_text
    if qr:
        login, password = parse_sticker_qr(qr)
    else:
        login = str(user_input.get(CONF_LOGIN) or "").strip()
        password = normalise_password(password_text)
        if not login:
            raise StickerError(CONF_LOGIN, "gateway_owner_login_missing")
        if not password:
            raise StickerError(CONF_PASSWORD, "gateway_owner_password_missing")
    if len(login) > _MAX_CREDENTIAL or not login.isascii() or not login.isalnum():
        raise StickerError(CONF_LOGIN, "gateway_owner_login_format")
    if (
        not _MIN_PASSWORD <= len(password) <= _MAX_CREDENTIAL
        or not password.isascii()
        or not password.isalnum()
    ):
        field = CONF_STICKER_QR if qr else CONF_PASSWORD
        raise StickerError(field, "gateway_owner_password_format")
    return login, password


def connection_of(user_input: Mapping[str, Any]) -> dict[str, Any]:
    """Host (trimmed) and the two ports of an address form."""
    return {
        CONF_HOST: str(user_input[CONF_HOST]).strip(),
        CONF_API_PORT: int(user_input[CONF_API_PORT]),
        CONF_AUTH_PORT: int(user_input[CONF_AUTH_PORT]),
    }


def format_fingerprint(fingerprint: str) -> str:
    """``AB:CD:...`` as certificate viewers show it."""
    text = fingerprint.upper()
    return ":".join(text[i : i + 2] for i in range(0, len(text), 2))


def gateway_title(brand: str, model: str, device_id: str) -> str:
    """An entry's title: brand, model and device number (never an address).

    "Bosch K40RF 101042019": what the device says of itself, unique per
    gateway, and it stays when the gateway moves to another address.
    """
    return " ".join(part for part in (brand, model, device_id) if part)


def _token_label(token: ListedToken) -> str:
    name = token.client_name or "?"
    when = f", {token.created_at:%Y-%m-%d}" if token.created_at else ""
    return f"{name} (#{token.token_id}{when})"


class GatewayOwnerFlowMixin(ConfigFlow):
    """The owner channel's steps of the Bosch Connect config flow."""

    _owner_connection: dict[str, Any]
    # Set by the address step (or re-authentication) before any step uses it.
    _owner_peer: PeerCertificate = PeerCertificate("", "")
    # The announced device (discovery) and what it announced.
    _owner_expected: str | None = None
    _owner_announced: dict[str, str] | None = None
    # Kept in the flow only, to ask again after a token was revoked.
    _owner_credentials: tuple[str, str] = ("", "")
    _owner_manager: GatewayClient | None = None
    _owner_tokens: list[ListedToken]
    # Errors of a later step shown on the sticker form (press again).
    _owner_carried_errors: dict[str, str] = {}  # noqa: RUF012 - replaced, never changed

    def _gateway_client(
        self, connection: Mapping[str, Any], context: ssl.SSLContext, token: str | None
    ) -> GatewayClient:
        """A client of the gateway at ``connection`` (either channel)."""
        return GatewayClient(
            async_get_clientsession(self.hass),
            connection[CONF_HOST],
            api_port=int(connection[CONF_API_PORT]),
            auth_port=int(connection[CONF_AUTH_PORT]),
            ssl_context=context,
            token=token,
            require_identity=True,
        )

    def _owner_client(
        self,
        connection: Mapping[str, Any],
        peer: PeerIdentity | None,
        token: str | None,
    ) -> GatewayClient:
        """A client of the owner ports; without ``peer`` it only learns who answers."""
        return self._gateway_client(connection, build_owner_context(peer), token)

    def _owner_pinned(self, token: str | None = None) -> GatewayClient:
        """A client that talks only to the certificate seen in step 1."""
        peer = PeerIdentity(self._owner_peer.device_id, self._owner_peer.fingerprint)
        return self._owner_client(self._owner_connection, peer, token)

    # -- 1. where the gateway is ---------------------------------------------

    async def async_step_gateway_owner(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Host and ports; the certificate is learned and pinned."""
        errors: dict[str, str] = {}
        if user_input is None and self._owner_announced is not None:
            # Discovered: the announced address is tried at once.
            user_input = dict(self._owner_connection)
            errors = await self._owner_identify(user_input)
            if not errors:
                return await self.async_step_gateway_owner_auth()
        elif user_input is not None:
            connection = connection_of(user_input)
            errors = await self._owner_identify(connection)
            if not errors:
                return await self.async_step_gateway_owner_auth()
        schema = probatio.Schema(
            {
                probatio.Required(CONF_HOST): _TEXT,
                probatio.Required(
                    CONF_AUTH_PORT, default=DEFAULT_OWNER_AUTH_PORT
                ): _PORT,
                probatio.Required(CONF_API_PORT, default=DEFAULT_OWNER_API_PORT): _PORT,
            }
        )
        return self.async_show_form(
            step_id="gateway_owner",
            data_schema=self.add_suggested_values_to_schema(schema, user_input or {}),
            errors=errors,
        )

    async def _owner_identify(self, connection: dict[str, Any]) -> dict[str, str]:
        """Learn device id and fingerprint at the token port (nothing is sent)."""
        # An unbound context: only the handshake, no request, no secret.
        client = self._owner_client(connection, None, None)
        try:
            peer = await client.peer_certificate(client.auth_port)
        except GatewayError as err:
            return form_errors(err, GATEWAY_OWNER_ERRORS)
        if self._owner_expected is not None and peer.device_id != self._owner_expected:
            _LOGGER.warning(
                "The gateway announced as %s answers at %s as device %s",
                self._owner_expected,
                connection[CONF_HOST],
                peer.device_id,
            )
            return {"base": "gateway_other_device"}
        await self.async_set_unique_id(
            peer.device_id + OWNER_UNIQUE_ID_SUFFIX, raise_on_progress=False
        )
        self._abort_if_unique_id_configured()
        self._owner_connection = connection
        self._owner_peer = peer
        return {}

    # -- 2. how to get a token -------------------------------------------------

    async def async_step_gateway_owner_auth(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Pair with the sticker (default) or paste a token."""
        return self.async_show_menu(
            step_id="gateway_owner_auth",
            menu_options=["gateway_owner_sticker", "gateway_owner_paste"],
            description_placeholders=self._owner_placeholders(),
        )

    def _owner_placeholders(self) -> dict[str, str]:
        return {
            "device": self._owner_peer.device_id,
            "fingerprint": format_fingerprint(self._owner_peer.fingerprint),
            CONF_HOST: str(self._owner_connection[CONF_HOST]),
        }

    # -- 3. the sticker and the button press -------------------------------------

    async def async_step_gateway_owner_sticker(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Login and password (or QR text), the press, the token request."""
        errors, self._owner_carried_errors = self._owner_carried_errors, {}
        return await self._owner_sticker_step(
            user_input,
            errors,
            step_id="gateway_owner_sticker",
            login=self._owner_peer.device_id,
            placeholders=self._owner_placeholders(),
        )

    async def _owner_sticker_step(
        self,
        user_input: dict[str, Any] | None,
        errors: dict[str, str],
        *,
        step_id: str,
        login: str,
        placeholders: dict[str, str],
    ) -> ConfigFlowResult:
        """The label form (pairing or re-pairing): checked, then the request."""
        if user_input is not None:
            try:
                self._owner_credentials = sticker_credentials(user_input)
            except StickerError as err:
                errors[err.field] = err.key
            else:
                result = await self._owner_request(errors)
                if result is not None:
                    return result
        schema = probatio.Schema(
            {
                probatio.Optional(CONF_LOGIN): _TEXT,
                probatio.Optional(CONF_PASSWORD): _SECRET,
                probatio.Optional(CONF_STICKER_QR): _SECRET,
            }
        )
        # What was typed stays, except the field that was wrong and the Pass.
        kept = {
            key: value
            for key, value in (user_input or {}).items()
            if key not in errors and key != CONF_PASSWORD
        }
        return self.async_show_form(
            step_id=step_id,
            data_schema=self.add_suggested_values_to_schema(
                schema, {CONF_LOGIN: login, **kept}
            ),
            description_placeholders=placeholders,
            errors=errors,
        )

    async def _owner_request(self, errors: dict[str, str]) -> ConfigFlowResult | None:
        """Request the token with the remembered credentials; None: show errors."""
        login, password = self._owner_credentials
        client = self._owner_pinned()
        try:
            token = await client.request_owner_token(
                login, password, self._owner_client_name()
            )
        except TokenLimitReachedError:
            return await self.async_step_gateway_owner_full()
        except GatewayError as err:
            errors.update(form_errors(err, GATEWAY_OWNER_ERRORS))
        else:
            return await self._owner_finish(token)
        return None

    def _owner_client_name(self) -> str:
        """The name the gateway lists the token under: names Home Assistant."""
        place = (self.hass.config.location_name or "").strip()
        if not place or place == "Home":
            return DEFAULT_CLIENT_NAME
        return f"{DEFAULT_CLIENT_NAME} ({place})"[:_MAX_CREDENTIAL]

    # -- a token the owner already has --------------------------------------------

    async def async_step_gateway_owner_paste(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Use a token from elsewhere (checked with one read)."""
        errors: dict[str, str] = {}
        if user_input is not None:
            token = str(user_input.get(CONF_TOKEN) or "").strip()
            if not token or len(token) > _MAX_TOKEN or not token.isprintable():
                errors[CONF_TOKEN] = "gateway_owner_token_format"
            else:
                try:
                    await async_read_identity(self._owner_pinned(token))
                except GatewayError as err:
                    errors = form_errors(err, GATEWAY_OWNER_PASTE_ERRORS)
                else:
                    return await self._owner_finish(Token(token, "Bearer", OWNER_SCOPE))
        return self.async_show_form(
            step_id="gateway_owner_paste",
            data_schema=probatio.Schema({probatio.Required(CONF_TOKEN): _SECRET}),
            description_placeholders=self._owner_placeholders(),
            errors=errors,
        )

    # -- 4. token database full: revoke one ------------------------------------------

    async def async_step_gateway_owner_full(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """507: a token the owner has lists the gateway's tokens."""
        errors: dict[str, str] = {}
        if user_input is not None:
            token = str(user_input.get(CONF_TOKEN) or "").strip()
            manager = self._owner_pinned(token or None)
            try:
                if not token or len(token) > _MAX_TOKEN or not token.isprintable():
                    raise GatewayAuthError("no usable token")
                self._owner_tokens = await manager.list_tokens()
            except GatewayError as err:
                errors = form_errors(err, GATEWAY_OWNER_TOKEN_ERRORS)
            else:
                if not self._owner_tokens:
                    errors["base"] = "gateway_owner_no_tokens_listed"
                else:
                    self._owner_manager = manager
                    return await self.async_step_gateway_owner_revoke()
        return self.async_show_form(
            step_id="gateway_owner_full",
            data_schema=probatio.Schema({probatio.Required(CONF_TOKEN): _SECRET}),
            description_placeholders=self._owner_placeholders(),
            errors=errors,
        )

    async def async_step_gateway_owner_revoke(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Pick a token to revoke; then the token is requested again."""
        errors: dict[str, str] = {}
        if user_input is not None and self._owner_manager is not None:
            # The selector accepts only the listed ids.
            token_id = str(user_input[CONF_TOKEN_ID])
            try:
                await self._owner_manager.revoke_token(token_id)
            except GatewayError as err:
                errors = form_errors(err, GATEWAY_OWNER_REVOKE_ERRORS)
            else:
                _LOGGER.info("Revoked token %s of the gateway", token_id)
                self._owner_tokens = [
                    t for t in self._owner_tokens if t.token_id != token_id
                ]
                result = await self._owner_request(errors)
                if result is not None:
                    return result
                if errors.get("base") == "gateway_owner_proximity":
                    # Revoked, but the press window has passed: press again.
                    self._owner_carried_errors = errors
                    return await self.async_step_gateway_owner_sticker()
        options = [
            SelectOptionDict(value=token.token_id, label=_token_label(token))
            for token in self._owner_tokens
        ]
        return self.async_show_form(
            step_id="gateway_owner_revoke",
            data_schema=probatio.Schema(
                {
                    probatio.Required(CONF_TOKEN_ID): SelectSelector(
                        SelectSelectorConfig(
                            options=options, mode=SelectSelectorMode.LIST
                        )
                    )
                }
            ),
            description_placeholders=self._owner_placeholders(),
            errors=errors,
        )

    # -- the entry ----------------------------------------------------------------------

    async def _owner_finish(self, token: Token) -> ConfigFlowResult:
        """Create the entry, or (re-authentication) update it with token and pin."""
        peer = self._owner_peer
        stored = {
            **self._owner_connection,
            CONF_TOKEN: token.access_token,
            CONF_GRANTED_SCOPES: token.scope,
            CONF_FINGERPRINT: peer.fingerprint,
        }
        if login := self._owner_credentials[0]:
            stored[CONF_LOGIN] = login
        if self.source == SOURCE_REAUTH:
            entry = self._get_reauth_entry()
            async_clear_identity_issue(self.hass, entry)
            return self.async_update_reload_and_abort(entry, data_updates=stored)
        try:
            identity = await async_read_identity(self._owner_pinned(token.access_token))
        except GatewayError:
            _LOGGER.debug("Could not read the gateway's names after pairing")
            identity = GatewayIdentity()
        # The token is spent: an entry made meanwhile (another flow) gets it.
        self._abort_if_unique_id_configured(updates=stored)
        announced = self._owner_announced or {}
        brand = announced.get(CONF_BRAND) or identity.brand or "Bosch"
        model = announced.get(CONF_MODEL) or identity.model or ""
        data = {
            CONF_SERVICE: SERVICE_GATEWAY,
            CONF_CHANNEL: CHANNEL_OWNER,
            CONF_DEVICE_ID: peer.device_id,
            **stored,
            CONF_BRAND: brand,
            CONF_MODEL: model,
            CONF_SERIAL: announced.get(CONF_SERIAL) or identity.serial or "",
        }
        return self.async_create_entry(
            title=gateway_title(brand, model, peer.device_id), data=data
        )

    # -- re-authentication: a new token, maybe a new certificate ---------------------

    async def async_step_gateway_owner_reauth(
        self, entry_data: Mapping[str, Any]
    ) -> ConfigFlowResult:
        """Learn what the gateway presents now, then the sticker step again."""
        entry = self._get_reauth_entry()
        self._owner_connection = {
            key: entry.data[key] for key in (CONF_HOST, CONF_API_PORT, CONF_AUTH_PORT)
        }
        device_id = str(entry.data[CONF_DEVICE_ID])
        client = self._owner_client(
            self._owner_connection, PeerIdentity(device_id), None
        )
        try:
            # The same device (its id in the certificate), maybe a new certificate.
            self._owner_peer = await client.peer_certificate(client.auth_port)
        except GatewayError as err:
            _LOGGER.warning("Gateway %s cannot be paired again now: %s", device_id, err)
            return self.async_abort(
                reason="gateway_owner_reauth_unreachable",
                description_placeholders={"device": device_id},
            )
        if self._owner_peer.fingerprint != entry.data.get(CONF_FINGERPRINT):
            _LOGGER.warning(
                "Gateway %s presents a new certificate; it is pinned only after"
                " a new pairing with the sticker's password",
                device_id,
            )
        return await self.async_step_gateway_owner_reauth_confirm()

    async def async_step_gateway_owner_reauth_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """The label step, with the pinned and the presented certificate."""
        entry = self._get_reauth_entry()
        return await self._owner_sticker_step(
            user_input,
            {},
            step_id="gateway_owner_reauth_confirm",
            login=str(entry.data.get(CONF_LOGIN) or self._owner_peer.device_id),
            placeholders={
                **self._owner_placeholders(),
                "name": entry.title,
                "pinned": format_fingerprint(str(entry.data.get(CONF_FINGERPRINT, ""))),
            },
        )

    # -- reconfiguration: another address, the same certificate --------------------

    async def async_step_gateway_owner_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change host or ports; only the pinned certificate may answer there."""
        entry = self._get_reconfigure_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            connection = connection_of(user_input)
            peer = PeerIdentity(
                str(entry.data[CONF_DEVICE_ID]), str(entry.data[CONF_FINGERPRINT])
            )
            client = self._owner_client(connection, peer, entry.data[CONF_TOKEN])
            try:
                await async_read_identity(client)
            except GatewayError as err:
                errors = form_errors(err, GATEWAY_OWNER_ERRORS)
            else:
                return self.async_update_reload_and_abort(
                    entry, data_updates=connection
                )
        schema = probatio.Schema(
            {
                probatio.Required(CONF_HOST): _TEXT,
                probatio.Required(CONF_AUTH_PORT): _PORT,
                probatio.Required(CONF_API_PORT): _PORT,
            }
        )
        suggested = {
            key: entry.data[key] for key in (CONF_HOST, CONF_API_PORT, CONF_AUTH_PORT)
        }
        suggested.update(user_input or {})
        return self.async_show_form(
            step_id="gateway_owner_reconfigure",
            data_schema=self.add_suggested_values_to_schema(schema, suggested),
            errors=errors,
        )
