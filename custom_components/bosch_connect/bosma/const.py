"""Constants of the Bosma service."""

from __future__ import annotations

import datetime as dt
from typing import Final

CONF_BASE_URL: Final = "base_url"
CONF_CORP: Final = "corp"
CONF_API_SECRET: Final = "api_secret"  # noqa: S105
CONF_APP_PACKAGE: Final = "app_package"
CONF_PLATFORM: Final = "platform"
CONF_OPENID: Final = "openid"
CONF_COUNTRY: Final = "country"

# The flow shows the platform by name; the API wants 1 (iOS) or 2 (Android).
PLATFORM_IOS: Final = "ios"
PLATFORM_ANDROID: Final = "android"
PLATFORM_CODES: Final = {PLATFORM_IOS: 1, PLATFORM_ANDROID: 2}

# How often the coordinator runs, and the age after which it applies for a
# new ticket (or half the validity that Bosma reports, if shorter).
UPDATE_INTERVAL: Final = dt.timedelta(minutes=5)
TICKET_REFRESH_AGE: Final = dt.timedelta(minutes=30)

# What the "last result" sensor shows.
RESULT_SUCCESS: Final = "success"
RESULT_MISSING_PARAMETER: Final = "missing_parameter"
RESULT_TIMESTAMP_REJECTED: Final = "timestamp_rejected"
RESULT_SERVER_ERROR: Final = "server_error"
RESULTS: Final = [
    RESULT_SUCCESS,
    RESULT_MISSING_PARAMETER,
    RESULT_TIMESTAMP_REJECTED,
    RESULT_SERVER_ERROR,
]

# Never in logs or diagnostics.
TO_REDACT: Final = {CONF_API_SECRET, CONF_OPENID, "ticket", "sign", "nonce"}
