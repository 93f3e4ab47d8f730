"""Constants of the Bosch IoT Rollouts service."""

from __future__ import annotations

import datetime as dt
from typing import Final

CONF_BASE_URL: Final = "base_url"
CONF_TENANT: Final = "tenant"
CONF_AUTH_METHOD: Final = "auth_method"
CONF_USERNAME: Final = "username"
CONF_PASSWORD: Final = "password"  # noqa: S105
CONF_TOKEN_URL: Final = "token_url"  # noqa: S105
CONF_CLIENT_ID: Final = "client_id"
CONF_CLIENT_SECRET: Final = "client_secret"  # noqa: S105
CONF_SCOPE: Final = "scope"
CONF_DDI_URL: Final = "ddi_url"
CONF_CONTROLLER_ID: Final = "controller_id"
CONF_TOKEN_TYPE: Final = "token_type"  # noqa: S105
CONF_DDI_TOKEN: Final = "ddi_token"  # noqa: S105

AUTH_BASIC: Final = "basic"
AUTH_OAUTH: Final = "oauth"

TOKEN_TARGET: Final = "target"  # noqa: S105
TOKEN_GATEWAY: Final = "gateway"  # noqa: S105

UPDATE_INTERVAL: Final = dt.timedelta(minutes=5)
# The DDI coordinator follows the server's polling interval within these bounds.
DDI_MIN_INTERVAL: Final = dt.timedelta(minutes=1)
DDI_MAX_INTERVAL: Final = dt.timedelta(hours=1)

TO_REDACT: Final = {
    CONF_PASSWORD,
    CONF_CLIENT_SECRET,
    CONF_DDI_TOKEN,
    "securityToken",
    "access_token",
}
