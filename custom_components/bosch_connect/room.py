"""What a Bosch service ("room") provides to the shared integration glue.

Each service lives in its own sub-package (``gateway/``, ``ebike/``, ...) and
exports one :class:`Room`. The top-level modules (``__init__``, the thin
platform modules, ``diagnostics``, the options flow) only dispatch to it, so
a service never has to touch another service's code.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from homeassistant.config_entries import ConfigEntry, OptionsFlow
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers.device_registry import DeviceEntry
from homeassistant.helpers.entity_platform import AddEntitiesCallback

type PlatformSetup = Callable[
    [HomeAssistant, ConfigEntry[Any], AddEntitiesCallback], Awaitable[None]
]
type EntrySetup = Callable[[HomeAssistant, ConfigEntry[Any]], Awaitable[bool]]
type EntryHook = Callable[[HomeAssistant, ConfigEntry[Any]], Awaitable[None]]
type DeviceRemoval = Callable[
    [HomeAssistant, ConfigEntry[Any], DeviceEntry], Awaitable[bool]
]
type Diagnostics = Callable[
    [HomeAssistant, ConfigEntry[Any]], Awaitable[Mapping[str, Any]]
]


@dataclass(frozen=True, slots=True, kw_only=True)
class Room:
    """The Home Assistant side of one Bosch service."""

    service: str
    # Sets up the service for the entry (client, coordinator, runtime_data).
    # Raise ConfigEntryNotReady / ConfigEntryAuthFailed as Home Assistant expects.
    async_setup_entry: EntrySetup
    # One setup function per entity platform that the service uses.
    platforms: Mapping[Platform, PlatformSetup] = field(default_factory=dict)
    async_unload_entry: EntryHook | None = None
    async_remove_entry: EntryHook | None = None
    async_get_diagnostics: Diagnostics | None = None
    # Whether the user may delete ``device``: True only for a device that the
    # service no longer has (stale); a room without it keeps every device.
    async_remove_config_entry_device: DeviceRemoval | None = None
    options_flow: Callable[[ConfigEntry[Any]], OptionsFlow] | None = None
    # Domain-level set-up (actions, webhooks), run once from async_setup.
    async_setup: Callable[[HomeAssistant], Awaitable[None]] | None = None
