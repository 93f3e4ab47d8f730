"""The integration's dispatch to the service rooms (``__init__``, diagnostics).

Each real service is set up against its simulator in ``tests/<service>/``.
Here one more room, registered for the test, records what the dispatcher
hands it, so the dispatch itself is checked: hooks that exist are called
with the entry, hooks that do not exist are skipped.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from homeassistant.config_entries import ConfigEntry, ConfigEntryState
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.entity import Entity
from homeassistant.helpers.entity_platform import AddEntitiesCallback
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.bosch_connect import async_remove_config_entry_device
from custom_components.bosch_connect.const import CONF_SERVICE, DOMAIN
from custom_components.bosch_connect.diagnostics import (
    async_get_config_entry_diagnostics,
)
from custom_components.bosch_connect.registry import ROOMS
from custom_components.bosch_connect.room import Room

SERVICE = "toaster"


@dataclass
class Calls:
    """What the test room was asked to do, in order."""

    log: list[str] = field(default_factory=list)
    set_up: bool = True


class Toast(Entity):
    """The one entity of the test room."""

    _attr_has_entity_name = True
    _attr_name = None
    _attr_unique_id = "toast"
    _attr_should_poll = False


def make_room(calls: Calls, *, hooks: bool) -> Room:
    """A room that records the dispatcher's calls."""

    async def setup_entry(hass: HomeAssistant, entry: ConfigEntry[Any]) -> bool:
        calls.log.append(f"setup_entry {entry.data[CONF_SERVICE]}")
        return calls.set_up

    async def setup_sensors(
        hass: HomeAssistant,
        entry: ConfigEntry[Any],
        async_add_entities: AddEntitiesCallback,
    ) -> None:
        calls.log.append("sensors")
        async_add_entities([Toast()])

    async def hook(name: str, entry: ConfigEntry[Any]) -> None:
        calls.log.append(f"{name} {entry.entry_id}")

    async def unload(hass: HomeAssistant, entry: ConfigEntry[Any]) -> None:
        await hook("unload", entry)

    async def remove(hass: HomeAssistant, entry: ConfigEntry[Any]) -> None:
        await hook("remove", entry)

    async def diagnostics(
        hass: HomeAssistant, entry: ConfigEntry[Any]
    ) -> Mapping[str, Any]:
        return {"toasts": 1}

    async def domain_setup(hass: HomeAssistant) -> None:
        calls.log.append("domain")

    async def remove_device(
        hass: HomeAssistant, entry: ConfigEntry[Any], device: dr.DeviceEntry
    ) -> bool:
        calls.log.append(f"remove_device {device.name}")
        return device.name == "stale"

    if not hooks:
        return Room(
            service=SERVICE,
            async_setup_entry=setup_entry,
            platforms={Platform.SENSOR: setup_sensors},
        )
    return Room(
        service=SERVICE,
        async_setup_entry=setup_entry,
        platforms={Platform.SENSOR: setup_sensors},
        async_unload_entry=unload,
        async_remove_entry=remove,
        async_get_diagnostics=diagnostics,
        async_setup=domain_setup,
        async_remove_config_entry_device=remove_device,
    )


def state_of(entry: ConfigEntry[Any]) -> ConfigEntryState:
    """The entry's state now (a call, so type checkers do not narrow it)."""
    return entry.state


@pytest.fixture
def calls() -> Calls:
    """The test room's record."""
    return Calls()


@pytest.fixture(params=[True, False], ids=["hooks", "no_hooks"])
def hooks(request: pytest.FixtureRequest) -> bool:
    """Whether the test room has the optional hooks."""
    value: bool = request.param
    return value


@pytest.fixture
def room(calls: Calls, hooks: bool, monkeypatch: pytest.MonkeyPatch) -> Room:
    """The test room, registered next to the real services."""
    made = make_room(calls, hooks=hooks)
    monkeypatch.setitem(ROOMS, SERVICE, made)
    return made


@pytest.fixture
def entry(hass: HomeAssistant, room: Room) -> MockConfigEntry:
    """An entry of the test room."""
    made = MockConfigEntry(domain=DOMAIN, data={CONF_SERVICE: SERVICE})
    made.add_to_hass(hass)
    return made


async def test_setup_unload_remove_go_to_the_entrys_room(
    hass: HomeAssistant, entry: MockConfigEntry, calls: Calls, hooks: bool
) -> None:
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert state_of(entry) is ConfigEntryState.LOADED
    assert len(hass.states.async_entity_ids("sensor")) == 1
    expected = ["domain"] if hooks else []
    expected += [f"setup_entry {SERVICE}", "sensors"]
    assert calls.log == expected

    assert await hass.config_entries.async_unload(entry.entry_id)
    assert state_of(entry) is ConfigEntryState.NOT_LOADED
    if hooks:
        expected.append(f"unload {entry.entry_id}")
    assert calls.log == expected

    assert await hass.config_entries.async_remove(entry.entry_id)
    if hooks:
        expected.append(f"remove {entry.entry_id}")
    assert calls.log == expected


async def test_a_room_that_refuses_setup_gets_no_platforms(
    hass: HomeAssistant, entry: MockConfigEntry, calls: Calls
) -> None:
    calls.set_up = False
    assert not await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert state_of(entry) is ConfigEntryState.SETUP_ERROR
    assert "sensors" not in calls.log
    assert hass.states.async_entity_ids("sensor") == []


async def test_diagnostics_come_from_the_room(
    hass: HomeAssistant, entry: MockConfigEntry, hooks: bool
) -> None:
    diagnostics = await async_get_config_entry_diagnostics(hass, entry)
    if hooks:
        assert diagnostics == {"toasts": 1}
    else:
        # A room without diagnostics still says which service the entry is.
        assert diagnostics == {CONF_SERVICE: SERVICE}


async def test_device_removal_is_up_to_the_room(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    calls: Calls,
    hooks: bool,
    device_registry: dr.DeviceRegistry,
) -> None:
    """The room decides; a room without the hook keeps every device."""
    devices = {
        name: device_registry.async_get_or_create(
            config_entry_id=entry.entry_id,
            identifiers={(DOMAIN, f"toaster-{name}")},
            name=name,
        )
        for name in ("stale", "live")
    }
    removable = {
        name: await async_remove_config_entry_device(hass, entry, device)
        for name, device in devices.items()
    }
    assert removable == {"stale": hooks, "live": False}
    assert calls.log == (["remove_device stale", "remove_device live"] if hooks else [])


@pytest.mark.parametrize(
    ("options", "kept"),
    [
        ({"scan_interval": 300}, {}),  # gateway: seconds, its only option
        ({"scan_interval": 15, "renew_days": 45}, {"renew_days": 45}),  # Home Comfort
        ({}, {}),
    ],
)
async def test_migration_drops_the_polling_interval(
    hass: HomeAssistant,
    room: Room,
    options: dict[str, Any],
    kept: dict[str, Any],
) -> None:
    """Entries of 1.1 lose the polling-interval option and nothing else."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        data={CONF_SERVICE: SERVICE},
        options=options,
        version=1,
        minor_version=1,
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert state_of(entry) is ConfigEntryState.LOADED
    assert dict(entry.options) == kept
    assert (entry.version, entry.minor_version) == (1, 2)
    assert dict(entry.data) == {CONF_SERVICE: SERVICE}


async def test_an_entry_of_a_newer_version_is_not_touched(
    hass: HomeAssistant, room: Room
) -> None:
    entry = MockConfigEntry(
        domain=DOMAIN, data={CONF_SERVICE: SERVICE}, options={"x": 1}, version=2
    )
    entry.add_to_hass(hass)
    assert not await hass.config_entries.async_setup(entry.entry_id)
    assert state_of(entry) is ConfigEntryState.MIGRATION_ERROR
    assert dict(entry.options) == {"x": 1}
