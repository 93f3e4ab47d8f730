"""Gateway under faults: 5xx, timeouts and resets during polls and writes.

A seeded sequence of rounds runs against the simulated gateway (real TLS on
loopback). Each round injects one fault through the simulator's fault
injection - an HTTP 5xx status, a latency beyond the client's timeout, or a
dropped connection - into a poll, into a write, or into the re-read that
follows a write; two rounds reload the entry while the gateway is down, and
at the end Home Assistant stops (unload, final write) and starts from what it
wrote to disk. After every round the faults are cleared and
Home Assistant must agree with the gateway again. Throughout:

- no traceback reaches Home Assistant's log, and the only ERROR records are
  the coordinator's one line per outage ("The gateway at ... is unreachable");
- all entities go unavailable during a failed poll and come back after it;
- a failed write raises a translated ``HomeAssistantError`` to the caller;
- the token is never requested again: the gateway's token count, its token
  requests and its request log for ``/auth/token`` stay as they were, and the
  entry keeps the same token and credentials.

The client's timeout is shortened for the test (the real one is 10 s) so
that a timeout costs a fraction of a second.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import timedelta
import functools
import logging
from pathlib import Path
import random
from typing import Any

from homeassistant.components.climate import (
    ATTR_HVAC_MODE,
    DOMAIN as CLIMATE_DOMAIN,
    SERVICE_SET_HVAC_MODE,
)
from homeassistant.components.water_heater import (
    ATTR_OPERATION_MODE,
    DOMAIN as WATER_HEATER_DOMAIN,
    SERVICE_SET_OPERATION_MODE,
    SERVICE_SET_TEMPERATURE,
)
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import (
    ATTR_ENTITY_ID,
    ATTR_TEMPERATURE,
    EVENT_HOMEASSISTANT_FINAL_WRITE,
    STATE_UNAVAILABLE,
)
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import entity_registry as er
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)

from custom_components.bosch_connect.const import DOMAIN
import custom_components.bosch_connect.gateway as gateway_room
from custom_components.bosch_connect.gateway.api import GatewayClient
from custom_components.bosch_connect.gateway.layout import hot_water_setpoint_path
from simulator.clock import Clock
from simulator.faults import Fault
from simulator.gateway import GatewaySimulator
from simulator.options import Options

SEED = 8
CYCLES = 1  # rounds of every (operation, fault) pair
RESTARTS_AT = (4, 9)
CLIENT_TIMEOUT = 1.0  # seconds; the real client waits 10 s
LATENCY = 1.25  # the gateway answers after the client gave up
STATUSES = (500, 502, 503, 504)
FAULT_KINDS = ("status", "timeout", "drop")

HC1 = "climate.bosch_k40rf_heating_circuit_1"
DHW1 = "water_heater.bosch_k40rf_hot_water_1"
DHW1_MODE = "/dhwCircuits/dhw1/operationMode"
DHW1_ACTUAL = "/dhwCircuits/dhw1/actualTemp"
HC1_ROOM = "/heatingCircuits/hc1/roomtemperature"
HC1_MODE = "/heatingCircuits/hc1/operationMode"
# Home Assistant's mode -> the raw value the gateway stores.
DHW_MODES = {"eco": "eco", "high_demand": "high", "own_program": "ownprogram"}
HVAC_MODES = {"auto": "auto", "heat": "manual", "off": "off"}

COORDINATOR_LOGGER = "custom_components.bosch_connect.gateway.coordinator"


@pytest.fixture
def sim_options(tmp_path: Path) -> Options:
    """A frozen simulated clock: values change only through writes."""
    return Options(state_dir=tmp_path / "simulator", clock=Clock(scale=0.0))


@pytest.fixture
def short_client_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    """Entries set up in this test use a client that gives up quickly."""
    monkeypatch.setattr(
        gateway_room,
        "GatewayClient",
        functools.partial(GatewayClient, timeout=CLIENT_TIMEOUT),
    )


def _fault(rng: random.Random, kind: str) -> Fault:
    if kind == "status":
        return Fault(status=rng.choice(STATUSES))
    if kind == "timeout":
        return Fault(latency=LATENCY)
    return Fault(drop=True)  # every request: aiohttp retries a GET once


def _states(hass: HomeAssistant, entity_ids: list[str]) -> dict[str, Any]:
    return {
        entity_id: (state.state, dict(state.attributes))
        for entity_id in entity_ids
        if (state := hass.states.get(entity_id)) is not None
    }


class Run:
    """The test's view of one gateway entry under faults."""

    def __init__(
        self,
        hass: HomeAssistant,
        sim: GatewaySimulator,
        entry: MockConfigEntry,
        entity_ids: list[str],
    ) -> None:
        self.hass = hass
        self.sim = sim
        self.entry = entry
        self.entity_ids = entity_ids
        self.outages = 0
        self.write_errors: Counter[str] = Counter()
        self.polled: list[str] = []  # what the last good poll read

    @property
    def leaves(self) -> dict[str, dict[str, Any]]:
        return self.sim.resources.leaves

    async def poll(self) -> None:
        """Let the polling interval pass once (the coordinator's own timer)."""
        async_fire_time_changed(self.hass, dt_util.utcnow() + timedelta(seconds=61))
        await self.hass.async_block_till_done(wait_background_tasks=True)

    def unavailable(self) -> list[str]:
        return [
            entity_id
            for entity_id in self.entity_ids
            if self.hass.states.get(entity_id).state == STATE_UNAVAILABLE
        ]

    async def settle(self) -> None:
        """Clear the faults; let requests that the client gave up on finish."""
        self.sim.faults.clear()
        for _ in range(100):
            if self.sim.in_flight == 0:
                return
            await asyncio.sleep(0.02)
        raise AssertionError("the simulator is still answering")

    async def recover(self) -> None:
        """Clear the faults: the next poll brings everything back."""
        await self.settle()
        first = len(self.sim.faults.log)
        await self.poll()
        self.polled = sorted({r.path for r in self.sim.faults.log[first:]})
        coordinator = self.entry.runtime_data.coordinator
        assert coordinator.last_update_success, coordinator.last_exception
        assert self.unavailable() == []
        # Home Assistant agrees with the gateway: nothing lost, nothing stale.
        data = self.entry.runtime_data.coordinator.data
        for path, resource in data.items():
            assert resource.raw_value == self.leaves[path].get("value"), path

    async def failed_poll(self, rng: random.Random, kind: str) -> None:
        """A fault on every request or on one polled path: all unavailable."""
        prefix = rng.choice(["/", *self.polled])
        self.sim.faults.set(prefix, _fault(rng, kind))
        await self.poll()
        assert not self.entry.runtime_data.coordinator.last_update_success
        assert self.unavailable() == self.entity_ids
        if kind == "status":  # (the quick one)
            # Still down at the next interval: no second log line.
            await self.poll()
            assert self.unavailable() == self.entity_ids

    def _write(self, rng: random.Random) -> tuple[str, str, dict[str, Any], Any]:
        """A random write: domain, service, data and (path, raw value expected)."""
        choice = rng.randrange(3)
        if choice == 0:
            mode = rng.choice(sorted(DHW_MODES))
            return (
                WATER_HEATER_DOMAIN,
                SERVICE_SET_OPERATION_MODE,
                {ATTR_ENTITY_ID: DHW1, ATTR_OPERATION_MODE: mode},
                (DHW1_MODE, DHW_MODES[mode]),
            )
        if choice == 1:
            mode = rng.choice(sorted(HVAC_MODES))
            return (
                CLIMATE_DOMAIN,
                SERVICE_SET_HVAC_MODE,
                {ATTR_ENTITY_ID: HC1, ATTR_HVAC_MODE: mode},
                (HC1_MODE, HVAC_MODES[mode]),
            )
        data = self.entry.runtime_data.coordinator.data
        path = hot_water_setpoint_path(data, "dhw1")
        assert path is not None
        value = rng.randint(35, 75)
        return (
            WATER_HEATER_DOMAIN,
            SERVICE_SET_TEMPERATURE,
            {ATTR_ENTITY_ID: DHW1, ATTR_TEMPERATURE: value},
            (path, value),
        )

    async def _call(self, domain: str, service: str, data: dict[str, Any]) -> None:
        await self.hass.services.async_call(domain, service, data, blocking=True)
        await self.hass.async_block_till_done()

    async def failed_write(self, rng: random.Random, kind: str) -> None:
        """The write itself fails: the caller gets a translated error."""
        domain, service, data, (path, _) = self._write(rng)
        before = self.leaves[path]["value"]
        self.sim.faults.set(path, _fault(rng, kind))
        with pytest.raises(HomeAssistantError) as err:
            await self._call(domain, service, data)
        assert err.value.translation_domain == DOMAIN
        assert err.value.translation_key == "gateway_write_failed"
        self.write_errors[kind] += 1
        if kind != "timeout":  # a late write may still land (see recover)
            assert self.leaves[path]["value"] == before

    async def write_with_failed_reread(self, rng: random.Random, kind: str) -> None:
        """The write goes through, the re-read fails: no error, shown later."""
        domain, service, data, (path, value) = self._write(rng)
        # A resource that the entity re-reads after its write.
        reread = DHW1_ACTUAL if path.startswith("/dhwCircuits/") else HC1_ROOM
        self.sim.faults.set(reread, _fault(rng, kind))
        await self._call(domain, service, data)
        assert self.leaves[path]["value"] == value

    async def good_write(self, rng: random.Random) -> None:
        domain, service, data, (path, value) = self._write(rng)
        await self._call(domain, service, data)
        assert self.leaves[path]["value"] == value


@pytest.mark.usefixtures("short_client_timeout")
async def test_random_faults_during_polls_and_writes(
    hass: HomeAssistant,
    gateway_sim: GatewaySimulator,
    gateway_entry: MockConfigEntry,
    hass_storage: dict[str, Any],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Seeded 5xx / timeouts / resets with restarts in between: nothing escapes."""
    caplog.set_level(logging.INFO)
    rng = random.Random(SEED)
    entity_registry = er.async_get(hass)
    assert await hass.config_entries.async_setup(gateway_entry.entry_id)
    await hass.async_block_till_done()
    # The user changes a system option once: the entry is written to disk.
    hass.config_entries.async_update_entry(
        gateway_entry, pref_disable_new_entities=True
    )
    await hass.async_block_till_done()
    data_before = dict(gateway_entry.data)
    token = data_before["token"]
    tokens = gateway_sim.token_count
    token_requests = gateway_sim.tokens.requests
    token_posts = len(gateway_sim.faults.requests("/auth/token"))

    registry = {
        e.entity_id: e.unique_id
        for e in er.async_entries_for_config_entry(
            entity_registry, gateway_entry.entry_id
        )
    }
    # The states of the enabled entities (firmware and hardware version are
    # disabled by default: registered, without a state).
    entity_ids = sorted(
        e.entity_id
        for e in er.async_entries_for_config_entry(
            entity_registry, gateway_entry.entry_id
        )
        if not e.disabled
    )
    assert HC1 in entity_ids
    assert DHW1 in entity_ids
    run = Run(hass, gateway_sim, gateway_entry, entity_ids)
    assert run.unavailable() == []

    # Every fault kind meets every operation in a seeded order ("good" rounds
    # write without a fault, whatever their kind);
    # Home Assistant restarts the entry while the gateway is down in between.
    schedule = [
        (action, kind)
        for action in ("poll", "write", "reread", "good")
        for kind in FAULT_KINDS
    ] * CYCLES
    rng.shuffle(schedule)
    for at in RESTARTS_AT:
        schedule.insert(at, ("restart", rng.choice(FAULT_KINDS)))
    await run.recover()  # learn what a poll reads
    done: Counter[str] = Counter()
    for action, kind in schedule:
        if action == "restart":
            before = _states(hass, entity_ids)
            gateway_sim.faults.set("/", _fault(rng, kind))
            assert not await hass.config_entries.async_reload(gateway_entry.entry_id)
            await hass.async_block_till_done()
            assert gateway_entry.state is ConfigEntryState.SETUP_RETRY
            assert run.unavailable() == entity_ids  # restored, unavailable
            await run.settle()
            # Its retry timer brings it back (with the stored token).
            async_fire_time_changed(hass, dt_util.utcnow() + timedelta(minutes=2))
            await hass.async_block_till_done(wait_background_tasks=True)
            assert gateway_entry.state is ConfigEntryState.LOADED
            assert _states(hass, entity_ids) == before
        elif action == "poll":
            await run.failed_poll(rng, kind)
        elif action == "write":
            await run.failed_write(rng, kind)
        elif action == "reread":
            await run.write_with_failed_reread(rng, kind)
        else:
            await run.good_write(rng)
        if not gateway_entry.runtime_data.coordinator.last_update_success:
            run.outages += 1  # the coordinator logged one line
        await run.recover()
        done[f"{action}/{kind}"] += 1
    assert sum(done.values()) == len(schedule)

    # Home Assistant stops (unload, final write) and starts from its disk:
    # the same secrets, entities and states.
    before = _states(hass, entity_ids)
    assert await hass.config_entries.async_unload(gateway_entry.entry_id)
    await hass.async_block_till_done()
    assert run.unavailable() == entity_ids
    hass.bus.async_fire(EVENT_HOMEASSISTANT_FINAL_WRITE)
    await hass.async_block_till_done()
    on_disk = next(
        e
        for e in hass_storage["core.config_entries"]["data"]["entries"]
        if e["entry_id"] == gateway_entry.entry_id
    )
    assert on_disk["data"] == data_before
    hass.config_entries.async_update_entry(gateway_entry, data=on_disk["data"])
    assert await hass.config_entries.async_setup(gateway_entry.entry_id)
    await hass.async_block_till_done()
    assert _states(hass, entity_ids) == before
    assert {
        e.entity_id: e.unique_id
        for e in er.async_entries_for_config_entry(
            entity_registry, gateway_entry.entry_id
        )
    } == registry

    assert run.write_errors == Counter(dict.fromkeys(FAULT_KINDS, CYCLES))

    # The token was never requested again, and the entry kept its secrets.
    assert gateway_sim.token_count == tokens
    assert gateway_sim.tokens.requests == token_requests
    assert len(gateway_sim.faults.requests("/auth/token")) == token_posts
    assert dict(gateway_entry.data) == data_before
    assert gateway_entry.data["token"] == token

    # Nothing escaped to the log: no traceback, one ERROR line per outage.
    assert "Traceback" not in caplog.text
    assert not [r for r in caplog.records if r.exc_info]
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert run.outages >= CYCLES * len(FAULT_KINDS)  # at least the failed polls
    assert [r.name for r in errors] == [COORDINATOR_LOGGER] * run.outages
    assert all(
        f"The gateway at {gateway_sim.host} is unreachable" in r.getMessage()
        for r in errors
    )
    assert token not in caplog.text
