"""Diagnostics of a Rollouts entry: settings and last results, secrets redacted."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.core import HomeAssistant

from .const import TO_REDACT
from .coordinator import RolloutsConfigEntry


async def async_get_diagnostics(
    hass: HomeAssistant, entry: RolloutsConfigEntry
) -> dict[str, Any]:
    """Entry data, tenant summary and the last DDI poll; secrets redacted."""
    data = entry.runtime_data
    management = data.management
    out: dict[str, Any] = {
        "entry": {"title": entry.title, "data": dict(entry.data)},
        "management": {
            "last_update_success": management.last_update_success,
            "summary": asdict(management.data) if management.data else None,
        },
    }
    if data.ddi is not None:
        state = data.ddi.data
        out["ddi"] = {
            "last_update_success": data.ddi.last_update_success,
            "update_interval": str(data.ddi.update_interval),
            "poll": {
                "sleep": str(state.poll.sleep),
                "links": list(state.poll.links),
                "deployment_action_id": state.poll.deployment_action_id,
                "cancel_action_id": state.poll.cancel_action_id,
            },
            "deployment": asdict(state.deployment) if state.deployment else None,
            "polled_at": state.polled_at.isoformat(),
        }
    return async_redact_data(out, TO_REDACT)
