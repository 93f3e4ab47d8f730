"""What the user sees for each error of the Home Comfort Partner API client."""

from __future__ import annotations

from typing import Final

from ..errors import ErrorMap, Failure
from .const import (
    CONF_API_DOMAIN,
    CONF_API_KEY,
    ISSUE_CONSENT_MISSING,
    ISSUE_CONSENT_OUTDATED,
)
from .errors import (
    ApiKeyExpiredError,
    ApiKeyFormatError,
    ConsentMissingError,
    ConsentOutdatedError,
    GatewayAccessError,
    HomeComfortConnectionError,
    HomeComfortError,
    HttpsRequiredError,
    InvalidApiKeyError,
    InvalidDomainError,
    IpNotAllowedError,
    RateLimitedError,
)

# Why a gateway's entities are unavailable (GatewayData.problem).
CONSENT_MISSING: Final = "consent_missing"
CONSENT_OUTDATED: Final = "consent_outdated"
ACCESS_DENIED: Final = "access_denied"

HOMECOMFORT_ERRORS: ErrorMap = {
    HttpsRequiredError: Failure(
        key="homecomfort_https_required", field=CONF_API_DOMAIN
    ),
    InvalidDomainError: Failure(
        key="homecomfort_invalid_domain", field=CONF_API_DOMAIN
    ),
    ApiKeyFormatError: Failure(key="homecomfort_key_malformed", field=CONF_API_KEY),
    ApiKeyExpiredError: Failure(
        key="homecomfort_key_expired", field=CONF_API_KEY, reauth=True
    ),
    InvalidApiKeyError: Failure(
        key="homecomfort_key_rejected", field=CONF_API_KEY, reauth=True
    ),
    IpNotAllowedError: Failure(key="homecomfort_ip_not_allowed"),
    RateLimitedError: Failure(
        key="homecomfort_rate_limited",
        placeholders=lambda err: {"seconds": f"{err.retry_after:.0f}"},
    ),
    HomeComfortConnectionError: Failure(key="homecomfort_cannot_connect"),
    # One gateway refuses: its entities are unavailable, the others stay.
    ConsentMissingError: Failure(key=CONSENT_MISSING, repair=ISSUE_CONSENT_MISSING),
    ConsentOutdatedError: Failure(key=CONSENT_OUTDATED, repair=ISSUE_CONSENT_OUTDATED),
    GatewayAccessError: Failure(key=ACCESS_DENIED),
    HomeComfortError: Failure(
        key="homecomfort_unexpected_response",
        placeholders=lambda err: {"error": type(err).__name__},
    ),
}
