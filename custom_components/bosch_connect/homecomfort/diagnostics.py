"""Diagnostics of a Home Comfort entry, without key, user id or company id."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict
from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.core import HomeAssistant

from .const import (
    CONF_API_KEY,
    CONF_PENDING_KEY_DELETION,
    CONF_PREVIOUS_API_KEY,
    CONF_USER_ID,
)
from .coordinator import HomeComfortConfigEntry

TO_REDACT = {
    CONF_API_KEY,
    CONF_USER_ID,
    CONF_PENDING_KEY_DELETION,
    CONF_PREVIOUS_API_KEY,
    "company_id",
    "key_id",
    "unique_id",
    "api_key",
}


async def async_get_diagnostics(
    hass: HomeAssistant, entry: HomeComfortConfigEntry
) -> Mapping[str, Any]:
    """Entry, key state and the last data read, redacted."""
    runtime = entry.runtime_data
    coordinator = runtime.coordinator
    keys = runtime.keys
    key = keys.key
    data = coordinator.data
    client = runtime.client
    skew = client.clock_skew
    return async_redact_data(
        {
            "entry": {
                "unique_id": entry.unique_id,
                "data": dict(entry.data),
                "options": dict(entry.options),
            },
            "key": {
                "key_id": key.key_id,
                "embedded_expiry": key.expires is not None,
                "expires": keys.expires.isoformat(),
                "renew_before_days": keys.renew_before.days,
                "renewals_since_start": keys.renewals,
                "last_renewal_error": keys.last_error,
                "info": asdict(keys.info) if keys.info else None,
                "renewal_in_progress": keys.renewal_in_progress,
            },
            "clock": {
                # The API's clock minus this machine's, from the Date headers
                # of its successful answers (None until one arrived).
                "skew_s": None if skew is None else round(skew, 1),
                "measured_at": (
                    client.skew_measured_at.isoformat()
                    if client.skew_measured_at
                    else None
                ),
            },
            "coordinator": {
                "last_update_success": coordinator.last_update_success,
                "update_interval_s": (
                    coordinator.update_interval.total_seconds()
                    if coordinator.update_interval
                    else None
                ),
            },
            "gateways": {
                gateway_id: asdict(gateway)
                for gateway_id, gateway in (data.gateways if data else {}).items()
            },
        },
        TO_REDACT,
    )
