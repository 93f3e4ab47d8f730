"""Device triggers of Bosch Connect: only bikes have them (see ``ebike.triggers``).

Home Assistant looks for this platform module at the top of the integration;
the eBike room owns what it does.
"""

from __future__ import annotations

from .ebike.triggers import (
    TRIGGER_SCHEMA,
    async_attach_trigger,
    async_get_triggers,
    async_validate_trigger_config,
)

__all__ = [
    "TRIGGER_SCHEMA",
    "async_attach_trigger",
    "async_get_triggers",
    "async_validate_trigger_config",
]
