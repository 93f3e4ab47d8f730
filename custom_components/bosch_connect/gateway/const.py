"""Constants of the gateway service (Home Assistant side)."""

from __future__ import annotations

from datetime import timedelta
from typing import Final

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

DEFAULT_API_PORT: Final = 8443
DEFAULT_AUTH_PORT: Final = 8442
DEFAULT_CLIENT_NAME: Final = "Home Assistant"
# How often the gateway is read. Not an option: users who want a fresh value
# now call homeassistant.update_entity.
SCAN_INTERVAL: Final = timedelta(seconds=60)

# How many resources the coordinator fetches at once (the gateway is small).
PARALLEL_REQUESTS: Final = 4
