"""What a Bosch service ("room") provides to the shared integration glue.

Each service lives in its own sub-package (``gateway/``, ``ebike/``, ...) and
exports one :class:`Room`. The top-level modules (``__init__``, the thin
platform modules, ``config_flow``, ``device_trigger``, ``diagnostics``) only
dispatch to it, so a service never has to touch another service's code, and
nothing outside a room reaches into it except through its ``Room``
(``registry.py`` lists them; a test in ``tests/test_layout.py`` enforces it).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from homeassistant.config_entries import ConfigEntry, ConfigFlow, OptionsFlow
from homeassistant.const import Platform
from homeassistant.core import CALLBACK_TYPE, HomeAssistant
from homeassistant.helpers.device_registry import DeviceEntry
from homeassistant.helpers.entity_platform import AddEntitiesCallback
from homeassistant.helpers.trigger import TriggerActionType, TriggerInfo
from homeassistant.helpers.typing import ConfigType

# Each alias takes the room's runtime data type: ``ConfigEntry[RuntimeT]`` is
# the room's typed entry (``entry.runtime_data`` is what its set-up stored).
type PlatformSetup[RuntimeT] = Callable[
    [HomeAssistant, ConfigEntry[RuntimeT], AddEntitiesCallback], Awaitable[None]
]
type EntrySetup[RuntimeT] = Callable[
    [HomeAssistant, ConfigEntry[RuntimeT]], Awaitable[bool]
]
type EntryHook[RuntimeT] = Callable[
    [HomeAssistant, ConfigEntry[RuntimeT]], Awaitable[None]
]
type DeviceRemoval[RuntimeT] = Callable[
    [HomeAssistant, ConfigEntry[RuntimeT], DeviceEntry], Awaitable[bool]
]
type Diagnostics[RuntimeT] = Callable[
    [HomeAssistant, ConfigEntry[RuntimeT]], Awaitable[Mapping[str, Any]]
]


@dataclass(frozen=True, slots=True, kw_only=True)
class DeviceTriggers:
    """The device triggers of a room's devices (Home Assistant's ``device_trigger``).

    ``device_trigger.py`` hands each call to the room of the device's entry,
    after checking the shape every trigger shares (device, domain, type).
    """

    # Checks a trigger of one of the room's devices; raises
    # InvalidDeviceAutomationConfig (translated) when it does not fit.
    async_validate_trigger_config: Callable[
        [HomeAssistant, ConfigType], Awaitable[ConfigType]
    ]
    # The triggers the automation editor offers for the device (may be none).
    async_get_triggers: Callable[[HomeAssistant, str], Awaitable[list[dict[str, str]]]]
    # Runs the action when the trigger fires; returns the detach callback.
    async_attach_trigger: Callable[
        [HomeAssistant, ConfigType, TriggerActionType, TriggerInfo],
        Awaitable[CALLBACK_TYPE],
    ]


@dataclass(frozen=True, slots=True, kw_only=True)
class Room[RuntimeT]:
    """The Home Assistant side of one Bosch service (``RuntimeT``: its runtime data)."""

    service: str
    # Sets up the service for the entry (client, coordinator, runtime_data).
    # Raise ConfigEntryNotReady / ConfigEntryAuthFailed as Home Assistant expects.
    async_setup_entry: EntrySetup[RuntimeT]
    # One setup function per entity platform that the service uses.
    platforms: Mapping[Platform, PlatformSetup[RuntimeT]] = field(default_factory=dict)
    async_unload_entry: EntryHook[RuntimeT] | None = None
    async_remove_entry: EntryHook[RuntimeT] | None = None
    async_get_diagnostics: Diagnostics[RuntimeT] | None = None
    # Whether the user may delete ``device``: True only for a device that the
    # service no longer has (stale); a room without it keeps every device.
    async_remove_config_entry_device: DeviceRemoval[RuntimeT] | None = None
    options_flow: Callable[[ConfigEntry[RuntimeT]], OptionsFlow] | None = None
    # Domain-level set-up (the room's actions), run once from async_setup.
    async_setup: Callable[[HomeAssistant], Awaitable[None]] | None = None
    # The room's config-flow mixin: its menu step is ``async_step_<service>``,
    # every other step is prefixed with the service key, and a discovery step
    # (``async_step_zeroconf``) is called by Home Assistant by its source.
    # config_flow.py builds its flow class from these, in the order of ROOMS.
    flow: type[ConfigFlow] | None = None
    # The step of ``flow`` that starts re-authentication (it is given the
    # entry data) and the one that starts reconfiguration; None: not offered.
    reauth_step: str | None = None
    reconfigure_step: str | None = None
    # The triggers of the room's devices; None: its devices have none.
    device_triggers: DeviceTriggers | None = None
    # Keys of entry data that earlier versions stored and this one no longer
    # reads: the migration to 1.3 removes them (async_migrate_entry).
    retired_data: frozenset[str] = frozenset()
