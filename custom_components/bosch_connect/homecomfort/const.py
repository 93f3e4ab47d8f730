"""Constants of the Home Comfort Partner API service."""

from __future__ import annotations

from datetime import timedelta
from typing import Final

from homeassistant.const import CONF_API_KEY

CONF_API_DOMAIN: Final = "api_domain"
CONF_USER_ID: Final = "user_id"
# When the key now in the entry was entered or received (ISO 8601, UTC): the
# last fallback for its expiry when neither the key nor the API tells it.
CONF_KEY_ENTERED_AT: Final = "key_entered_at"
# The id of the key that a renewal replaced; deleted (with the new key) on a
# later refresh, once the new key has been used successfully and the entry that
# holds it has been read back from disk.
CONF_PENDING_KEY_DELETION: Final = "pending_key_deletion"
# The key that a renewal replaced (and when it was entered), kept until the new
# key is proven and on disk: the way back when the new key cannot be stored or
# is refused.
CONF_PREVIOUS_API_KEY: Final = "previous_api_key"
CONF_PREVIOUS_KEY_ENTERED_AT: Final = "previous_key_entered_at"

# Options
CONF_RENEW_DAYS: Final = "renew_days"
DEFAULT_RENEW_DAYS: Final = 30
MIN_RENEW_DAYS: Final = 8
MAX_RENEW_DAYS: Final = 150

# How often every gateway is read. Not an option: users who want a fresh value
# now call homeassistant.update_entity.
SCAN_INTERVAL: Final = timedelta(minutes=5)

# When renewal keeps failing this close to expiry, a repair issue says so.
EXPIRY_WARNING: Final = timedelta(days=7)

TITLE: Final = "Home Comfort Partner API"

# Repair issues (ids get the entry id, and the gateway id, appended)
ISSUE_RENEWAL_FAILED: Final = "homecomfort_renewal_failed"
ISSUE_KEY_LIMIT: Final = "homecomfort_key_limit"
ISSUE_USELESS_KEY: Final = "homecomfort_useless_key"
ISSUE_CONSENT_MISSING: Final = "homecomfort_consent_missing"
ISSUE_CONSENT_OUTDATED: Final = "homecomfort_consent_outdated"

__all__ = ["CONF_API_KEY"]
