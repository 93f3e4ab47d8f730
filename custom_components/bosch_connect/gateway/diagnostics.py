"""Diagnostics of a gateway entry: settings, what the probe found, the resources."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from homeassistant.components.diagnostics import REDACTED, async_redact_data
from homeassistant.const import CONF_TOKEN
from homeassistant.core import HomeAssistant

from .const import (
    CONF_CLIENT_CERT,
    CONF_CLIENT_ID,
    CONF_CLIENT_KEY,
    CONF_DEVICE_ID,
    CONF_FINGERPRINT,
    CONF_LOGIN,
    CONF_ROOT_CERT,
    CONF_SERIAL,
)
from .coordinator import GatewayRuntimeData
from .energy import unknown_parts

TO_REDACT = {
    CONF_TOKEN,
    CONF_CLIENT_KEY,
    CONF_CLIENT_CERT,
    CONF_ROOT_CERT,
    CONF_CLIENT_ID,
    CONF_SERIAL,
    # Owner channel: the device id (also the label's login) and the pin.
    CONF_DEVICE_ID,
    CONF_LOGIN,
    CONF_FINGERPRINT,
    "access_token",
    "unique_id",
    "uuid",
    "mac",
    "ipv4",
}

if TYPE_CHECKING:
    from .coordinator import GatewayConfigEntry


# Resources whose value identifies the gateway or the home network.
SENSITIVE_RESOURCES = ("uuid", "serial", "mac", "ipv4", "ssid")


def _redact_resource(path: str, raw: dict[str, Any]) -> dict[str, Any]:
    if path.rsplit("/", 1)[-1] in SENSITIVE_RESOURCES and "value" in raw:
        return {**raw, "value": REDACTED}
    return raw


async def async_get_diagnostics(
    hass: HomeAssistant, entry: GatewayConfigEntry
) -> Mapping[str, Any]:
    """Return the gateway entry's diagnostics with secrets redacted."""
    runtime: GatewayRuntimeData | None = getattr(entry, "runtime_data", None)
    result: dict[str, Any] = {
        "entry": {
            "title": entry.title,
            "unique_id": entry.unique_id,
            "data": dict(entry.data),
            "options": dict(entry.options),
        },
    }
    if runtime is not None:
        coordinator = runtime.coordinator
        result["coordinator"] = {
            "last_update_success": coordinator.last_update_success,
            "update_interval": str(coordinator.update_interval),
            "heating_circuits": list(coordinator.layout.heating_circuits),
            "hot_water_circuits": list(coordinator.layout.hot_water_circuits),
            "heat_sources": list(coordinator.layout.heat_sources),
            "zones": list(coordinator.layout.zones),
            "solar_circuits": list(coordinator.layout.solar_circuits),
            "ventilation_zones": list(coordinator.layout.ventilation_zones),
            "pool": coordinator.layout.pool,
            "paths": list(coordinator.layout.paths),
            # Energy parts without a sensor, not counted as consumed.
            "unknown_energy_parts": {
                path: list(unknown)
                for path, parts in coordinator.layout.energy_parts.items()
                if (unknown := unknown_parts(parts))
            },
        }
        result["resources"] = {
            path: _redact_resource(path, dict(resource.raw))
            for path, resource in sorted((coordinator.data or {}).items())
        }
    redacted: dict[str, Any] = async_redact_data(result, TO_REDACT)
    return redacted
