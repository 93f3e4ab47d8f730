"""Config entries of our domain: add one, time it, count its entities."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
import time
from types import MappingProxyType
from typing import Any

from homeassistant.config_entries import ConfigEntry, ConfigEntryState
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er

from custom_components.bosch_connect.const import DOMAIN
from custom_components.bosch_connect.registry import ROOMS


class Unavailable(Exception):
    """A part of the integration that a section needs does not exist (yet)."""


def require_room(service: str) -> None:
    """Raise Unavailable when no room serves ``service`` yet."""
    if service not in ROOMS:
        raise Unavailable(f"the {service} service is not in registry.ROOMS yet")


def make_entry(
    data: Mapping[str, Any],
    *,
    title: str,
    unique_id: str | None,
    options: Mapping[str, Any] | None = None,
    pref_disable_polling: bool = False,
) -> ConfigEntry:
    """A config entry of our domain as the config flow would create it."""
    return ConfigEntry(
        data=data,
        discovery_keys=MappingProxyType({}),
        domain=DOMAIN,
        minor_version=2,
        options=options or {},
        pref_disable_polling=pref_disable_polling,
        source="user",
        subentries_data=None,
        title=title,
        unique_id=unique_id,
        version=1,
    )


@dataclass(slots=True)
class SetupTiming:
    """From the setup call to setup done, and to every entity available."""

    setup_s: float
    available_s: float
    cpu_s: float
    entities: int
    devices: int
    unavailable: int


def entity_ids(hass: HomeAssistant, entry: ConfigEntry) -> list[str]:
    """The enabled entities of an entry (disabled ones never get a state)."""
    return [
        e.entity_id
        for e in er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id)
        if not e.disabled
    ]


# Polls (5 ms apart) without a new entity before the entry counts as complete.
STABLE_POLLS = 20


async def add_and_wait(
    hass: HomeAssistant, entry: ConfigEntry, wait_s: float = 60.0
) -> SetupTiming:
    """Add ``entry``; measure until it is loaded and all its entities available."""
    start = time.monotonic()
    cpu = time.process_time()
    await hass.config_entries.async_add(entry)
    return await _wait_available(hass, entry, start, cpu, wait_s)


async def reload_and_wait(
    hass: HomeAssistant, entry: ConfigEntry, wait_s: float = 60.0
) -> SetupTiming:
    """Reload ``entry`` (what every restart does: the registries are kept)."""
    start = time.monotonic()
    cpu = time.process_time()
    await hass.config_entries.async_reload(entry.entry_id)
    return await _wait_available(hass, entry, start, cpu, wait_s)


async def _wait_available(
    hass: HomeAssistant, entry: ConfigEntry, start: float, cpu: float, wait_s: float
) -> SetupTiming:
    setup_s = time.monotonic() - start
    if entry.state is not ConfigEntryState.LOADED:
        raise RuntimeError(f"{entry.title}: setup ended in state {entry.state}")
    deadline = start + wait_s
    # Every entity registered so far available is not yet "all available": a
    # platform's entities are added by a task of their own, which may come
    # after the others are available (at 1,000 bikes it did). The time is the
    # first poll of a run of STABLE_POLLS in which nothing was added.
    available_at: float | None = None
    cpu_at = 0.0
    stable = 0
    seen = -1
    while True:
        ids = entity_ids(hass, entry)
        unavailable = [
            entity_id
            for entity_id in ids
            if (state := hass.states.get(entity_id)) is None
            or state.state == STATE_UNAVAILABLE
        ]
        if ids and not unavailable and len(ids) == seen:
            stable += 1
        elif ids and not unavailable:
            available_at, cpu_at, stable = time.monotonic(), time.process_time(), 0
        else:
            available_at, stable = None, 0
        seen = len(ids)
        if stable >= STABLE_POLLS or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.005)
    if available_at is None:
        available_at, cpu_at = time.monotonic(), time.process_time()
    available_s = available_at - start
    cpu_s = cpu_at - cpu
    devices = dr.async_entries_for_config_entry(dr.async_get(hass), entry.entry_id)
    return SetupTiming(
        setup_s=setup_s,
        available_s=available_s,
        cpu_s=cpu_s,
        entities=len(ids),
        devices=len(devices),
        unavailable=len(unavailable),
    )
