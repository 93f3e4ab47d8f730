"""A long, faulty stream of eBike notifications into Home Assistant.

The simulated Bosch cloud signs and posts a few thousand notifications for a
small fleet to Home Assistant's real HTTP server, through a lossy hop
(:class:`~tests.reliability.conftest.FlakyProxy`) that refuses, resets or
loses the answer of a seeded share of the POSTs. The simulator's retry
schedule (1, 2, 5, 180, 480 s on a clock running 1000 times faster) then
redelivers them. Mixed in: duplicates, held-back (reordered) deliveries, both
payload generations, invalid signatures and malformed bodies. Halfway,
Home Assistant restarts (the entry is unloaded and set up again from its
store) while Bosch cannot reach it; what it sends meanwhile arrives later by
the retry schedule, and state and secrets come back as they were.

At the end every bike shows what its valid notifications alone say:

* nothing lost - every valid delivery was accepted, the newest valid status
  and the newest valid location of every bike are shown;
* nothing applied twice and nothing older over newer - the sequence of
  states that the integration applied is strictly newer each time and
  consists of valid notifications only;
* no transition fired twice - the bus events, the event entities and the
  device-trigger automations each saw exactly the transitions of that
  applied sequence, once.

The expected values come from the JSON bodies themselves, not from the
integration's parser.
"""

from __future__ import annotations

import asyncio
from collections import Counter, defaultdict
from dataclasses import dataclass
import json
import logging
import random
from typing import Any

from homeassistant.const import EVENT_STATE_CHANGED
from homeassistant.core import (
    Event,
    EventStateChangedData,
    HomeAssistant,
    ServiceCall,
    callback,
)
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_mock_service,
)

from custom_components.bosch_connect.const import DOMAIN
from custom_components.bosch_connect.ebike.const import BUS_EVENT, TRIGGER_TYPES
from custom_components.bosch_connect.ebike.state import (
    TOPIC_LOCATION,
    TOPIC_STATUS,
)
from simulator.ebike import Bike, Delivery, EbikeCloud, EbikeSettings
from simulator.ebike.delivery import DELIVERED
from tests.ebike import conftest as ebike_fixtures
from tests.ebike.helpers import entity_id, state
from tests.reliability.conftest import (
    FORWARD,
    LOST_ANSWER,
    REFUSE,
    RESET,
    FlakyProxy,
)

SEED = 20261122
AUTOMATION = "automation"
NOTIFICATIONS = 1500  # about 2,500 POSTs with duplicates and retries
BIKES = 6
BATCH = 40
DOWNTIME = 20  # notifications sent while Home Assistant restarts
TIME_SCALE = 1000.0
BCM_STATUSES = ("CHARGE_OK", "NEED_CHARGE", "CHARGE_CRITICAL", "CHARGE_FULL")
# Share of notifications per fault (the rest is sent as it should be).
FAULTS = (
    ("invalid_signature", 0.04),
    ("malformed_body", 0.04),
    ("duplicate", 0.10),
    ("reorder", 0.10),
)


@pytest.fixture
def ebike_settings() -> EbikeSettings:
    return EbikeSettings(bikes=BIKES, auto_send=False, seed=SEED % 1000)


# --- reference model, straight from the JSON bodies ---------------------------


@dataclass(frozen=True)
class Sent:
    """One notification as the simulator built it."""

    kind: str
    bike_id: str
    body: bytes
    valid: bool
    deliveries: tuple[Delivery, ...]


def _items(body: bytes) -> list[dict[str, Any]]:
    data = json.loads(body)
    return data if isinstance(data, list) else [data]


def status_of(body: bytes) -> dict[str, Any]:
    """createdAt, charger, charging, BCM status and SoC of a BIKE_STATUS."""
    (item,) = _items(body)
    battery = item.get("battery") or {}
    return {
        "at": item["createdAt"],
        "charger": battery.get("isChargerConnected"),
        "charging": battery.get("isCharging"),
        "bcm": item["connectModule"]["batteryStatus"],
        "soc": battery.get("systemStateOfCharge"),
    }


def location_of(body: bytes) -> dict[str, Any]:
    """The newest location (by detectedAt) of a LOCATION_TRACKING, both shapes."""
    points = []
    for item in _items(body):
        if "locations" in item:
            points.extend(item["locations"])
        else:
            points.append({**item["currentLocation"], "isMoving": item["isMoving"]})
    newest = max(points, key=lambda p: p["detectedAt"])
    return {
        "at": newest["detectedAt"],
        "lat": newest["latitude"],
        "lon": newest["longitude"],
        "moving": newest["isMoving"],
    }


def status_transitions(old: dict[str, Any] | None, new: dict[str, Any]) -> list[str]:
    """What a newer status reveals (the rules of the eBike issue)."""
    if old is None:
        return []
    fired = []
    if (
        old["charger"] is not None
        and new["charger"] is not None
        and old["charger"] != new["charger"]
    ):
        fired.append("charger_connected" if new["charger"] else "charger_disconnected")
    if old["charging"] and new["charging"] is False and new["charger"]:
        fired.append("charging_finished")
    if new["bcm"] == "CHARGE_CRITICAL" and old["bcm"] != "CHARGE_CRITICAL":
        fired.append("bcm_battery_critical")
    return fired


def location_transitions(old: dict[str, Any] | None, new: dict[str, Any]) -> list[str]:
    """started_moving / stopped."""
    if old is None or old["moving"] == new["moving"]:
        return []
    return ["started_moving" if new["moving"] else "stopped"]


# --- driving the simulator ----------------------------------------------------


def _shape_bike(rng: random.Random, bike: Bike, kind: str) -> None:
    """Give the bike a new state for its next notification (mostly small steps)."""
    bike.powered = True
    if kind == "BIKE_STATUS":
        if rng.random() < 0.2:
            bike.charger_connected = not bike.charger_connected
        bike.charging = bike.charger_connected and rng.random() < 0.7
        bike.soc = rng.uniform(5, 95)
        if rng.random() < 0.2:
            bike.bcm_status = rng.choice(BCM_STATUSES)
    else:
        bike.position = (round(48 + rng.random(), 6), round(9 + rng.random(), 6))
        if rng.random() < 0.2:
            bike.moving = not bike.moving
        bike.speed = 0.5 if bike.moving else 0.0
        bike.route = [bike.position, (bike.position[0] + 0.01, bike.position[1])]
        bike.route_leg = 0
        bike.track = []


async def _send_stream(
    sim: EbikeCloud,
    rng: random.Random,
    count: int,
    last_created: dict[tuple[str, str], float],
    *,
    faults: bool = True,
) -> list[Sent]:
    sent: list[Sent] = []
    batch: list[Delivery] = []
    for number in range(count):
        bike = rng.choice(sim.bikes)
        kind = rng.choice(("BIKE_STATUS", "LOCATION_TRACKING"))
        sim.payload_shape = "draft" if rng.random() < 0.2 else "v1.2.0"
        fault = None
        if faults and number < count - 1:  # the last one releases a held one
            draw = rng.random()
            for name, share in FAULTS:
                if draw < share:
                    fault = name
                    break
                draw -= share
        _shape_bike(rng, bike, kind)
        # Two notifications of one bike never share a createdAt (that would
        # be the same notification to the receiver).
        if round(sim.clock.time(), 3) == last_created.get((bike.bike_id, kind)):
            sim.advance(0.002)
        last_created[(bike.bike_id, kind)] = round(sim.clock.time(), 3)
        sim.delivery_faults.clear()
        if fault is not None:
            setattr(sim.delivery_faults, fault, True)
        made = sim.notify(bike, kind)
        sim.delivery_faults.clear()
        sent.append(
            Sent(
                kind=kind,
                bike_id=bike.bike_id,
                body=made[0].body,
                valid=fault not in ("invalid_signature", "malformed_body"),
                deliveries=tuple(made),
            )
        )
        batch.extend(made)
        if len(batch) >= BATCH:
            await asyncio.gather(
                *(d.first_attempt() for d in batch if d.state != "held")
            )
            batch = [d for d in batch if d.state == "held"]
    await asyncio.gather(*(d.first_attempt() for d in batch if d.state != "held"))
    return sent


def _deliveries(sent: list[Sent]) -> list[Delivery]:
    return [d for s in sent for d in s.deliveries]


async def _all_done(sent: list[Sent]) -> None:
    async with asyncio.timeout(40):
        await asyncio.gather(*(d.wait() for d in _deliveries(sent)))


def _snapshot(hass: HomeAssistant, entry: MockConfigEntry) -> dict[str, Any]:
    """What every bike shows: raw state bodies and each entity's state."""
    runtime = entry.runtime_data
    shown = {
        bike_id: (bike.status_body, bike.location_body)
        for bike_id, bike in runtime.coordinator.bikes.items()
    }
    for entity in er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id):
        if entity.disabled_by is not None:  # disabled by default: no state
            continue
        current = hass.states.get(entity.entity_id)
        assert current is not None
        shown[entity.entity_id] = (current.state, dict(current.attributes))
    return shown


# --- the test -----------------------------------------------------------------


# Bosch's clock runs 1000 times faster than Home Assistant's: without this,
# every event after the first seconds would come from the future.
ha_follows_sim_clock = ebike_fixtures.ha_follows_sim_clock


@pytest.mark.usefixtures("ha_follows_sim_clock")
async def test_faulty_stream_converges_to_the_valid_events(
    hass: HomeAssistant,
    caplog: pytest.LogCaptureFixture,
    proxied_entry: MockConfigEntry,
    flaky_proxy: FlakyProxy,
    ebike_sim: EbikeCloud,
) -> None:
    runtime = proxied_entry.runtime_data
    sim = ebike_sim
    bikes = {bike.bike_id: bike for bike in sim.bikes}
    assert set(runtime.coordinator.data) == set(bikes)
    devices = {
        dr.async_get(hass)
        .async_get_device_by_identifier(  # type: ignore[union-attr]
            (DOMAIN, f"ebike_{b}"), proxied_entry.entry_id
        )
        .id: b
        for b in bikes
    }

    # What the integration applies, in order (read through its bike listeners).
    applied: dict[str, list[tuple[str, bytes]]] = defaultdict(list)
    shown: dict[str, tuple[Any, Any]] = {}

    def watch(runtime: Any, bike_id: str) -> None:
        bike_state = runtime.coordinator.bikes[bike_id]
        shown[bike_id] = (bike_state.status, bike_state.location)

        @callback
        def changed() -> None:
            now = (bike_state.status, bike_state.location)
            before = shown.get(bike_id, (None, None))
            if now[0] is not before[0]:
                applied[bike_id].append(("BIKE_STATUS", bike_state.status_body))
            if now[1] is not before[1]:
                applied[bike_id].append(("LOCATION_TRACKING", bike_state.location_body))
            shown[bike_id] = now

        bike_state.async_add_listener(changed, (TOPIC_STATUS, TOPIC_LOCATION))

    for bike_id in bikes:
        watch(runtime, bike_id)

    # Transitions: bus events (with the position in the applied sequence),
    # event entities and device-trigger automations.
    bus: list[tuple[str, int, str]] = []

    @callback
    def on_bus(event: Event) -> None:
        bike_id = devices[event.data["device_id"]]
        bus.append((bike_id, len(applied[bike_id]) - 1, event.data["type"]))

    hass.bus.async_listen(BUS_EVENT, on_bus)
    event_entities = {entity_id(hass, "event", bikes[b], "event"): b for b in bikes}
    entity_fired: dict[str, list[str]] = defaultdict(list)

    @callback
    def on_state(event: Event[EventStateChangedData]) -> None:
        bike_id = event_entities.get(event.data["entity_id"])
        old, new = event.data["old_state"], event.data["new_state"]
        if (
            bike_id is not None
            and old is not None
            and new is not None
            and "unavailable" not in (old.state, new.state)  # not the restart
            # (the state is the time in milliseconds: two transitions of one
            # notification may share it and differ in event_type only)
            and (new.state, new.attributes) != (old.state, old.attributes)
        ):
            entity_fired[bike_id].append(new.attributes["event_type"])

    hass.bus.async_listen(EVENT_STATE_CHANGED, on_state)
    calls: list[ServiceCall] = async_mock_service(hass, "test", "automation")
    assert await async_setup_component(
        hass,
        AUTOMATION,
        {
            AUTOMATION: [
                {
                    "trigger": {
                        "platform": "device",
                        "domain": DOMAIN,
                        "device_id": device_id,
                        "type": trigger_type,
                    },
                    "action": {
                        "service": "test.automation",
                        "data": {"bike": bike_id, "type": trigger_type},
                    },
                }
                for device_id, bike_id in devices.items()
                for trigger_type in TRIGGER_TYPES
            ]
        },
    )

    # The stream.
    rng = random.Random(SEED)
    flaky_proxy.loss = 0.15
    flaky_proxy.rng = random.Random(SEED + 1)
    sim.set_time_scale(TIME_SCALE)
    # asyncio debug mode (on in Home Assistant's tests) records a stack for
    # every callback and task: ten times the cost of the stream itself.
    loop = asyncio.get_running_loop()
    debug = loop.get_debug()
    loop.set_debug(False)
    # One access log line per request is a good share of the cost, too.
    caplog.set_level(logging.WARNING, logger="aiohttp.access")
    last_created: dict[tuple[str, str], float] = {}
    half = NOTIFICATIONS // 2
    applied_before_restart = 0
    rejected: set[str] = set()
    try:
        sent = await _send_stream(sim, rng, half, last_created)
        await _all_done(sent)
        await hass.async_block_till_done()

        # Home Assistant restarts in the middle of the stream. While it is
        # down, Bosch cannot deliver (connections reset) and retries later.
        before = _snapshot(hass, proxied_entry)
        data = dict(proxied_entry.data)
        flaky_proxy.down = True
        sim.set_time_scale(1.0)
        missed = await _send_stream(sim, rng, DOWNTIME, last_created, faults=False)
        assert all(d.attempts and not d.attempts[0].ok for d in _deliveries(missed))
        applied_before_restart = runtime.counters.applied
        rejected |= set(runtime.counters.rejected)
        assert await hass.config_entries.async_unload(proxied_entry.entry_id)
        assert await hass.config_entries.async_setup(proxied_entry.entry_id)
        await hass.async_block_till_done()
        runtime = proxied_entry.runtime_data
        # State and secrets come back as they were.
        assert _snapshot(hass, proxied_entry) == before
        assert dict(proxied_entry.data) == data
        for bike_id in bikes:
            watch(runtime, bike_id)
        flaky_proxy.down = False
        sim.set_time_scale(TIME_SCALE)

        rest = NOTIFICATIONS - half - DOWNTIME
        sent += missed + await _send_stream(sim, rng, rest, last_created)
        await _all_done(sent)
        await hass.async_block_till_done()
    finally:
        loop.set_debug(debug)
    deliveries = _deliveries(sent)
    rejected |= set(runtime.counters.rejected)
    assert flaky_proxy.actions["down"] >= DOWNTIME
    assert all(len(d.attempts) > 1 for d in _deliveries(missed))

    # The faults really happened.
    assert flaky_proxy.actions[FORWARD] > NOTIFICATIONS
    assert {FORWARD, REFUSE, RESET, LOST_ANSWER} <= flaky_proxy.actions.keys()
    retried = [d for d in deliveries if len(d.attempts) > 1]
    assert len(retried) > NOTIFICATIONS // 10
    valid = [s for s in sent if s.valid]
    assert NOTIFICATIONS * 0.8 < len(valid) < NOTIFICATIONS
    assert any(len(s.deliveries) == 2 for s in valid)  # duplicates

    # Nothing lost: every valid delivery was finally accepted; Home Assistant
    # never answered 5xx; invalid ones were never accepted.
    for s in sent:
        for delivery in s.deliveries:
            statuses = [a.status for a in delivery.attempts]
            assert all(code != 500 for code in statuses)
            if s.valid:
                assert delivery.state == DELIVERED, statuses
            else:
                assert not any(a.ok for a in delivery.attempts), statuses
    assert rejected == {"BadSignatureError", "payload"}, rejected

    valid_bodies = {(s.kind, s.body) for s in valid}
    expected_fired: dict[str, list[str]] = defaultdict(list)
    expected_bus: list[tuple[str, int, str]] = []
    for bike_id, bike in bikes.items():
        sequence = applied[bike_id]
        # Only valid notifications were applied, each at most once.
        assert all(item in valid_bodies for item in sequence)
        assert len(set(sequence)) == len(sequence)
        # Never older over newer: each applied one is newer than the last.
        last: dict[str, dict[str, Any] | None] = {
            "BIKE_STATUS": None,
            "LOCATION_TRACKING": None,
        }
        for index, (kind, body) in enumerate(sequence):
            if kind == "BIKE_STATUS":
                new = status_of(body)
                fired = status_transitions(last[kind], new)
            else:
                new = location_of(body)
                fired = location_transitions(last[kind], new)
            previous = last[kind]
            assert previous is None or new["at"] > previous["at"]
            last[kind] = new
            expected_fired[bike_id].extend(fired)
            expected_bus.extend((bike_id, index, trigger) for trigger in fired)

        # The newest valid status and location of this bike are shown.
        valid_statuses = [
            status_of(s.body)
            for s in valid
            if s.bike_id == bike_id and s.kind == "BIKE_STATUS"
        ]
        locations = [
            location_of(s.body)
            for s in valid
            if s.bike_id == bike_id and s.kind == "LOCATION_TRACKING"
        ]
        newest_status = max(valid_statuses, key=lambda v: v["at"])
        newest_location = max(locations, key=lambda v: v["at"])
        assert last["BIKE_STATUS"] == newest_status
        assert last["LOCATION_TRACKING"] == newest_location
        assert state(hass, "sensor", bike, "state_of_charge").state == str(
            newest_status["soc"]
        )
        charger = state(hass, "binary_sensor", bike, "charger_connected").state
        assert charger == ("on" if newest_status["charger"] else "off")
        tracker = state(hass, "device_tracker", bike, "location")
        assert tracker.attributes["latitude"] == pytest.approx(newest_location["lat"])
        assert tracker.attributes["longitude"] == pytest.approx(newest_location["lon"])

    # The integration applied exactly what we watched.
    assert applied_before_restart + runtime.counters.applied == sum(
        len(s) for s in applied.values()
    )
    # Every transition once: on the bus (at the right place in the sequence),
    # on the event entities and through the device triggers.
    assert sum(len(v) for v in expected_fired.values()) > 50
    assert Counter(bus) == Counter(expected_bus)
    assert len(bus) == len(expected_bus)
    assert dict(entity_fired) == {b: v for b, v in expected_fired.items() if v}
    automations: dict[str, list[str]] = defaultdict(list)
    for call in calls:
        automations[call.data["bike"]].append(call.data["type"])
    assert {b: Counter(v) for b, v in automations.items()} == {
        b: Counter(v) for b, v in expected_fired.items() if v
    }
