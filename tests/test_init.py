"""The integration's dispatch to the service rooms (``__init__``, diagnostics,
device triggers).

Each real service is set up against its simulator in ``tests/<service>/``.
Here one more room, registered for the test, records what the dispatcher
hands it, so the dispatch itself is checked: hooks that exist are called
with the entry, hooks that do not exist are skipped.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from homeassistant.components.device_automation.exceptions import (
    InvalidDeviceAutomationConfig,
)
from homeassistant.config_entries import ConfigEntry, ConfigEntryState
from homeassistant.const import Platform
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.entity import Entity
from homeassistant.helpers.entity_platform import AddEntitiesCallback
from homeassistant.helpers.trigger import TriggerActionType, TriggerInfo
from homeassistant.helpers.typing import ConfigType
import probatio
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.bosch_connect import (
    async_remove_config_entry_device,
    device_trigger,
)
from custom_components.bosch_connect.const import CONF_SERVICE, DOMAIN
from custom_components.bosch_connect.diagnostics import (
    async_get_config_entry_diagnostics,
)
from custom_components.bosch_connect.registry import ROOMS
from custom_components.bosch_connect.room import DeviceTriggers, Room

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

    async def validate_trigger(hass: HomeAssistant, config: ConfigType) -> ConfigType:
        calls.log.append(f"validate {config['type']}")
        if config["type"] != "popped":
            raise InvalidDeviceAutomationConfig("not a toaster trigger")
        return config

    async def get_triggers(hass: HomeAssistant, device_id: str) -> list[dict[str, str]]:
        calls.log.append("get_triggers")
        return [{"device_id": device_id, "domain": DOMAIN, "type": "popped"}]

    async def attach_trigger(
        hass: HomeAssistant,
        config: ConfigType,
        action: TriggerActionType,
        trigger_info: TriggerInfo,
    ) -> CALLBACK_TYPE:
        calls.log.append(f"attach {config['type']} for {trigger_info['name']}")

        @callback
        def detach() -> None:
            calls.log.append("detach")

        return detach

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
        device_triggers=DeviceTriggers(
            async_validate_trigger_config=validate_trigger,
            async_get_triggers=get_triggers,
            async_attach_trigger=attach_trigger,
        ),
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
    assert (entry.version, entry.minor_version) == (1, 3)
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


async def _no_action(run_variables: dict[str, Any], context: Any = None) -> None:
    """The automation's action: never run (the test room's trigger never fires)."""
    raise AssertionError


def _trigger_info() -> TriggerInfo:
    return TriggerInfo(
        domain="automation",
        name="breakfast",
        variables={},
        trigger_data={"id": "0", "idx": "0", "alias": None},
    )


@pytest.fixture
def toaster(
    entry: MockConfigEntry, device_registry: dr.DeviceRegistry
) -> dr.DeviceEntry:
    """A device of the test room's entry."""
    return device_registry.async_get_or_create(
        config_entry_id=entry.entry_id, identifiers={(DOMAIN, "toaster-1")}
    )


async def test_device_triggers_come_from_the_devices_room(
    hass: HomeAssistant, toaster: dr.DeviceEntry, calls: Calls, hooks: bool
) -> None:
    """Listed, checked and attached by the room of the device's entry."""
    device = toaster
    config = {
        "platform": "device",
        "domain": DOMAIN,
        "device_id": device.id,
        "type": "popped",
    }
    listed = await device_trigger.async_get_triggers(hass, device.id)
    if not hooks:
        # A room without triggers: none listed, a trigger is refused, translated.
        assert listed == []
        with pytest.raises(InvalidDeviceAutomationConfig) as refused:
            await device_trigger.async_validate_trigger_config(hass, config)
        assert refused.value.translation_key == "trigger_device_without_triggers"
        assert refused.value.translation_placeholders == {"device_id": device.id}
        with pytest.raises(InvalidDeviceAutomationConfig):
            await device_trigger.async_attach_trigger(
                hass, config, _no_action, _trigger_info()
            )
        assert calls.log == []
        return
    assert listed == [{"device_id": device.id, "domain": DOMAIN, "type": "popped"}]
    assert await device_trigger.async_validate_trigger_config(hass, config) == config
    with pytest.raises(InvalidDeviceAutomationConfig):  # the room's own check
        await device_trigger.async_validate_trigger_config(
            hass, {**config, "type": "burnt"}
        )
    detach = await device_trigger.async_attach_trigger(
        hass, config, _no_action, _trigger_info()
    )
    detach()
    assert calls.log == [
        "get_triggers",
        "validate popped",
        "validate burnt",
        "attach popped for breakfast",
        "detach",
    ]


async def test_device_triggers_of_a_device_that_is_not_ours(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    calls: Calls,
    device_registry: dr.DeviceRegistry,
) -> None:
    """An unknown device, or another integration's, has none of our triggers."""
    other_entry = MockConfigEntry(domain="other")
    other_entry.add_to_hass(hass)
    other = device_registry.async_get_or_create(
        config_entry_id=other_entry.entry_id, identifiers={("other", "1")}
    )
    for device_id in ("no-such-device", other.id):
        assert await device_trigger.async_get_triggers(hass, device_id) == []
        with pytest.raises(InvalidDeviceAutomationConfig):
            await device_trigger.async_validate_trigger_config(
                hass,
                {
                    "platform": "device",
                    "domain": DOMAIN,
                    "device_id": device_id,
                    "type": "popped",
                },
            )
    assert calls.log == []


async def test_a_malformed_trigger_is_refused_before_any_room(
    hass: HomeAssistant, entry: MockConfigEntry, calls: Calls
) -> None:
    """Without a type (or a device), the shared schema refuses it."""
    with pytest.raises(probatio.Invalid):
        await device_trigger.async_validate_trigger_config(
            hass, {"platform": "device", "domain": DOMAIN, "device_id": "x"}
        )
    with pytest.raises(probatio.Invalid):
        await device_trigger.async_validate_trigger_config(
            hass, {"platform": "device", "domain": DOMAIN, "type": "popped"}
        )
    assert calls.log == []
