"""The gateway's notifications: the count sensor and the raised / cleared events."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from homeassistant.const import (
    EVENT_STATE_CHANGED,
    STATE_UNAVAILABLE,
    STATE_UNKNOWN,
)
from homeassistant.core import Event, EventStateChangedData, HomeAssistant, callback
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from simulator.clock import Clock
from simulator.faults import Fault
from simulator.gateway import GatewaySimulator
from simulator.options import Options

EVENT = "event.bosch_k40rf_notification"
COUNT = "sensor.bosch_k40rf_notifications"
NOTIFICATIONS = "/notifications"
BOILER_FAULT = {"dcd": "4U", "ccd": 521, "orig": "8", "dlv": "8", "fc": "4"}
SENSOR_FAULT = {"dcd": "A11", "ccd": 1010, "orig": "8", "dlv": "8", "fc": "4"}


@pytest.fixture
def sim_options(tmp_path: Path) -> Options:
    """A frozen simulated clock: nothing moves during a test by itself."""
    return Options(state_dir=tmp_path / "simulator", clock=Clock(scale=0.0))


def _fired(hass: HomeAssistant) -> list[tuple[str, Any]]:
    """The events of the notification entity from now on: (type, code)."""
    fired: list[tuple[str, Any]] = []

    @callback
    def listen(event: Event[EventStateChangedData]) -> None:
        new = event.data["new_state"]
        if event.data["entity_id"] != EVENT or new is None:
            return
        if new.state not in (STATE_UNKNOWN, STATE_UNAVAILABLE):
            fired.append((new.attributes["event_type"], new.attributes["code"]))

    hass.bus.async_listen(EVENT_STATE_CHANGED, listen)
    return fired


def _set_codes(sim: GatewaySimulator, *entries: dict[str, Any]) -> None:
    sim.resources.leaves[NOTIFICATIONS]["values"] = [dict(e) for e in entries]


async def _refresh(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    await entry.runtime_data.coordinator.async_refresh()
    await hass.async_block_till_done()


async def _report(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    sim: GatewaySimulator,
    *entries: dict[str, Any],
) -> None:
    """The gateway lists ``entries`` from now on; Home Assistant reads them."""
    _set_codes(sim, *entries)
    await _refresh(hass, entry)


async def test_codes_raised_and_cleared(
    hass: HomeAssistant,
    gateway_sim: GatewaySimulator,
    loaded_gateway_entry: MockConfigEntry,
    entity_registry: er.EntityRegistry,
) -> None:
    """A code that appears fires raised, one that goes fires cleared, with the code.

    The code active at set-up is the current state, not news: no event.
    """
    registry_entry = entity_registry.async_get(EVENT)
    assert registry_entry is not None
    assert registry_entry.unique_id == "101042019-notification_event"
    assert registry_entry.translation_key == "gateway_notification"
    state = hass.states.get(EVENT)
    assert state is not None
    assert state.state == STATE_UNKNOWN
    assert state.attributes["event_types"] == ["raised", "cleared"]
    assert hass.states.get(COUNT).attributes["codes"] == ["4U-521"]
    fired = _fired(hass)

    # Nothing changed: nothing fires.
    await _refresh(hass, loaded_gateway_entry)
    assert fired == []

    await _report(hass, loaded_gateway_entry, gateway_sim, BOILER_FAULT, SENSOR_FAULT)
    assert fired == [("raised", "A11-1010")]
    assert hass.states.get(COUNT).state == "2"
    assert hass.states.get(COUNT).attributes["codes"] == ["4U-521", "A11-1010"]

    # One code goes, another comes (without a cause code): both are news.
    await _report(hass, loaded_gateway_entry, gateway_sim, SENSOR_FAULT, {"dcd": "H07"})
    assert fired[1:] == [("cleared", "4U-521"), ("raised", "H07")]

    await _report(hass, loaded_gateway_entry, gateway_sim)
    assert fired[3:] == [("cleared", "A11-1010"), ("cleared", "H07")]
    assert hass.states.get(COUNT).state == "0"
    assert hass.states.get(COUNT).attributes["codes"] == []
    assert hass.states.get(EVENT).attributes["event_type"] == "cleared"


async def test_a_code_listed_twice_is_one_code(
    hass: HomeAssistant,
    gateway_sim: GatewaySimulator,
    loaded_gateway_entry: MockConfigEntry,
) -> None:
    """The same code from two origins is raised once and cleared once."""
    fired = _fired(hass)
    await _report(
        hass,
        loaded_gateway_entry,
        gateway_sim,
        BOILER_FAULT,
        SENSOR_FAULT,
        {**SENSOR_FAULT, "orig": "9"},
    )
    assert fired == [("raised", "A11-1010")]
    await _report(hass, loaded_gateway_entry, gateway_sim, BOILER_FAULT, SENSOR_FAULT)
    assert fired == [("raised", "A11-1010")]


async def test_codes_of_a_restart_are_no_news(
    hass: HomeAssistant,
    gateway_sim: GatewaySimulator,
    loaded_gateway_entry: MockConfigEntry,
) -> None:
    """After a reload the codes read first are the state: only later changes fire."""
    await _report(hass, loaded_gateway_entry, gateway_sim, BOILER_FAULT, SENSOR_FAULT)
    before = hass.states.get(EVENT)
    assert before.attributes["code"] == "A11-1010"

    _set_codes(gateway_sim, {"dcd": "H07"})
    assert await hass.config_entries.async_reload(loaded_gateway_entry.entry_id)
    await hass.async_block_till_done()
    fired = _fired(hass)
    after = hass.states.get(EVENT)
    # The last event is restored as it was; the new codes fired nothing.
    assert after.state == before.state
    assert after.attributes["code"] == "A11-1010"
    assert hass.states.get(COUNT).attributes["codes"] == ["H07"]

    await _report(hass, loaded_gateway_entry, gateway_sim)
    assert fired == [("cleared", "H07")]


async def test_unreachable_then_back(
    hass: HomeAssistant,
    gateway_sim: GatewaySimulator,
    loaded_gateway_entry: MockConfigEntry,
) -> None:
    """A failed read fires nothing; the first read after it tells what changed."""
    fired = _fired(hass)
    gateway_sim.faults.set(NOTIFICATIONS, Fault(status=503))
    await _report(hass, loaded_gateway_entry, gateway_sim, SENSOR_FAULT)
    assert hass.states.get(EVENT).state == STATE_UNAVAILABLE
    assert fired == []

    gateway_sim.faults.clear()
    await _refresh(hass, loaded_gateway_entry)
    assert hass.states.get(EVENT).state != STATE_UNAVAILABLE
    assert fired == [("cleared", "4U-521"), ("raised", "A11-1010")]


async def test_resource_gone_then_back(
    hass: HomeAssistant,
    gateway_sim: GatewaySimulator,
    loaded_gateway_entry: MockConfigEntry,
) -> None:
    """While the gateway does not list ``/notifications`` nothing is known to change.

    The entity is unavailable; when the resource comes back, the codes are
    compared with those read before it went.
    """
    fired = _fired(hass)
    leaf = gateway_sim.resources.leaves.pop(NOTIFICATIONS)
    await _refresh(hass, loaded_gateway_entry)
    assert hass.states.get(EVENT).state == STATE_UNAVAILABLE
    assert hass.states.get(COUNT).state == STATE_UNAVAILABLE

    gateway_sim.resources.leaves[NOTIFICATIONS] = leaf
    await _report(hass, loaded_gateway_entry, gateway_sim, BOILER_FAULT, SENSOR_FAULT)
    assert fired == [("raised", "A11-1010")]
