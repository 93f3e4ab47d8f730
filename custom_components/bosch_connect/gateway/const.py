"""Constants of the gateway service (Home Assistant side)."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    pass

# entry.data keys (besides CONF_SERVICE and homeassistant.const.CONF_HOST)
CONF_API_PORT: Final = "api_port"
CONF_AUTH_PORT: Final = "auth_port"
CONF_CLIENT_ID: Final = "client_id"
CONF_CLIENT_NAME: Final = "client_name"
CONF_CLIENT_CERT: Final = "client_cert"
CONF_CLIENT_KEY: Final = "client_key"
CONF_ROOT_CERT: Final = "root_cert"
CONF_SCOPES: Final = "scopes"
# The scopes the gateway granted with the token (space separated).
CONF_GRANTED_SCOPES: Final = "granted_scopes"
CONF_MODEL: Final = "model"
CONF_BRAND: Final = "brand"
CONF_SERIAL: Final = "serial"

# Which channel an entry speaks: the partner Local API (mutual TLS, writes)
# or the owner channel of the K 40 RF document (sticker password, read-only).
# Entries from before the owner channel have no CONF_CHANNEL: partner.
CONF_CHANNEL: Final = "channel"
CHANNEL_PARTNER: Final = "partner"
CHANNEL_OWNER: Final = "owner"
# Owner channel: the device id the certificate names, the SHA-256 fingerprint
# of the certificate seen at pairing (pinned), the sticker's login.
CONF_DEVICE_ID: Final = "device_id"
CONF_FINGERPRINT: Final = "fingerprint"
CONF_LOGIN: Final = "login"
CONF_PASSWORD: Final = "password"  # noqa: S105 - a form field name
CONF_STICKER_QR: Final = "sticker_qr"
DEFAULT_OWNER_API_PORT: Final = 9443
DEFAULT_OWNER_AUTH_PORT: Final = 9442
# An owner entry's unique id: the device id with this suffix (a partner entry
# of the same gateway has the bare device id).
OWNER_UNIQUE_ID_SUFFIX: Final = "-owner"

DEFAULT_API_PORT: Final = 8443
DEFAULT_AUTH_PORT: Final = 8442
DEFAULT_CLIENT_NAME: Final = "Home Assistant"
# How often the gateway is read. Not an option: users who want a fresh value
# now call homeassistant.update_entity.
SCAN_INTERVAL: Final = timedelta(seconds=60)

# How many resources the coordinator fetches at once (the gateway is small).
PARALLEL_REQUESTS: Final = 4

if TYPE_CHECKING:
    from .coordinator import GatewayConfigEntry


def is_owner_entry(entry: GatewayConfigEntry) -> bool:
    """True for an entry of the owner channel (K 40 RF document)."""
    return entry.data.get(CONF_CHANNEL) == CHANNEL_OWNER
