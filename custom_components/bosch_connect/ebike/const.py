"""Constants of the eBike service (Bosch eBike Cloud API for the ConnectModule)."""

from __future__ import annotations

from datetime import timedelta
from typing import Final

PRODUCTION_TOKEN_URL: Final = (
    "https://p9.authz.bosch.com/auth/realms/obc/protocol/openid-connect/token"  # noqa: S105
)
PRODUCTION_API_URL: Final = "https://api.bosch-ebike.com"

# entry.data keys (client ID and secret use homeassistant.const names).
CONF_REPLACE: Final = "replace_subscriptions"
CONF_WEBHOOK_SECRET: Final = "webhook_secret"  # noqa: S105
CONF_CLOUDHOOK_URL: Final = "cloudhook_url"
CONF_CERT_URLS: Final = "cert_urls"
CONF_SUBSCRIPTION_IDS: Final = "subscription_ids"

# The event types this integration subscribes, in the order Bosch lists them.
EVENT_LOCATION_TRACKING: Final = "LOCATION_TRACKING"
EVENT_BIKE_STATUS: Final = "BIKE_STATUS"
EVENT_TYPES: Final = (EVENT_LOCATION_TRACKING, EVENT_BIKE_STATUS)

# Features and the profiles that every feature knows (the API may report more).
FEATURES: Final = (EVENT_LOCATION_TRACKING, EVENT_BIKE_STATUS)
KNOWN_PROFILES: Final = ("NONE", "DEFAULT", "FLEET", "CHARGING")

# The header that carries our static authentication secret.
AUTH_HEADER: Final = "X-HA-Webhook-Secret"

# Largest notification body we read (a LocationTracking with many locations
# stays far below this).
MAX_BODY_BYTES: Final = 256 * 1024

FLEET_REFRESH: Final = timedelta(minutes=15)
# An event created (or a position detected) later than now plus this is
# refused: clocks differ a little, events do not come from the future.
FUTURE_TOLERANCE: Final = timedelta(minutes=5)
# Delay before a refresh triggered by a notification for an unknown bike.
UNKNOWN_BIKE_REFRESH_COOLDOWN: Final = 60.0

# Bus event fired for device triggers; data: device_id, type.
BUS_EVENT: Final = "bosch_connect_ebike_event"

TRIGGER_STARTED_MOVING: Final = "started_moving"
TRIGGER_STOPPED: Final = "stopped"
TRIGGER_CHARGER_CONNECTED: Final = "charger_connected"
TRIGGER_CHARGER_DISCONNECTED: Final = "charger_disconnected"
TRIGGER_CHARGING_FINISHED: Final = "charging_finished"
TRIGGER_BCM_BATTERY_CRITICAL: Final = "bcm_battery_critical"
TRIGGER_TYPES: Final = (
    TRIGGER_STARTED_MOVING,
    TRIGGER_STOPPED,
    TRIGGER_CHARGER_CONNECTED,
    TRIGGER_CHARGER_DISCONNECTED,
    TRIGGER_CHARGING_FINISHED,
    TRIGGER_BCM_BATTERY_CRITICAL,
)

ISSUE_NO_HTTPS_URL: Final = "ebike_no_https_url"
ISSUE_SUBSCRIPTION_TAKEN: Final = "ebike_subscription_taken"

STORAGE_VERSION: Final = 1
