"""Diagnostics of a Bosma entry: settings and last answer, secrets redacted."""

from __future__ import annotations

from typing import Any

from homeassistant.components.diagnostics import async_redact_data
from homeassistant.core import HomeAssistant

from .const import TO_REDACT
from .coordinator import BosmaConfigEntry


async def async_get_diagnostics(
    hass: HomeAssistant, entry: BosmaConfigEntry
) -> dict[str, Any]:
    """Return the entry's settings and state with secrets, user id and ticket redacted."""
    return async_redact_data(
        {
            "entry": {
                "title": entry.title,
                "data": dict(entry.data),
            },
            **entry.runtime_data.diagnostics(),
        },
        TO_REDACT,
    )
