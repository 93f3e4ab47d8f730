"""Diagnostics of an eBike entry: secrets, webhook and positions redacted."""

from __future__ import annotations

from collections.abc import Mapping
import dataclasses
import datetime as dt
from typing import TYPE_CHECKING, Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.const import (
    CONF_CLIENT_ID,
    CONF_CLIENT_SECRET,
    CONF_WEBHOOK_ID,
)
from homeassistant.core import HomeAssistant

from .const import (
    CONF_CLOUDHOOK_URL,
    CONF_SUBSCRIPTION_IDS,
    CONF_WEBHOOK_SECRET,
)
from .runtime import EbikeData

TO_REDACT = {
    CONF_CLIENT_ID,
    CONF_CLIENT_SECRET,
    CONF_WEBHOOK_ID,
    CONF_WEBHOOK_SECRET,
    CONF_CLOUDHOOK_URL,
    CONF_SUBSCRIPTION_IDS,
    "webhook_url",
    "latitude",
    "longitude",
    "altitude",
}

if TYPE_CHECKING:
    from .runtime import EbikeConfigEntry


def _plain(value: Any) -> Any:
    """Dataclasses and datetimes as JSON-friendly values."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)
        }
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    return value


async def async_get_diagnostics(
    hass: HomeAssistant, entry: EbikeConfigEntry
) -> Mapping[str, Any]:
    """The entry, the fleet, what each bike reported and the handler counters."""
    runtime: EbikeData = entry.runtime_data
    coordinator = runtime.coordinator
    redacted: Mapping[str, Any] = async_redact_data(
        {
            "entry": {"data": dict(entry.data)},
            "webhook_url": runtime.webhook_url,
            "fleet": {
                "last_update_success": coordinator.last_update_success,
                "modules": [_plain(module) for module in coordinator.data.values()],
            },
            "bikes": {
                bike_id: {
                    "status": _plain(bike.status),
                    "location": _plain(bike.location),
                    "last_report": _plain(bike.last_report),
                }
                for bike_id, bike in sorted(coordinator.bikes.items())
            },
            "counters": _plain(runtime.counters),
            "allowed_certificate_urls": sorted(runtime.verifier.allowed),
        },
        TO_REDACT,
    )
    return redacted
