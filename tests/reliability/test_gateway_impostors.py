"""Gateway among impostors: a seeded run in which the token never leaves.

Rounds in a seeded order against the simulated gateway (real TLS on
loopback): the gateway's address is taken over by an impostor (a Bosch
certificate of another device, or a self-signed one naming the gateway) while
Home Assistant polls or restarts the entry; an impostor at another address
announces itself as the paired gateway; the gateway sends an answer larger
than any real one. After every round the gateway is itself again and Home
Assistant must agree with it. Throughout:

- no impostor receives a request (so neither the token nor the client
  credentials), and the entry keeps its address, token and credentials;
- during an outage all entities are unavailable, and the coordinator logs
  one ERROR line per outage, without traceback; an unproven announcement logs
  one WARNING line;
- the repair issue names what was seen and is gone once the gateway is seen
  where it belongs;
- no token is requested.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
import logging
from pathlib import Path
import random
import shutil
from typing import Any

from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er, issue_registry as ir
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)

from custom_components.bosch_connect.const import DOMAIN
from custom_components.bosch_connect.gateway import flow as gateway_flow
from simulator.clock import Clock
from simulator.gateway import GatewaySimulator, Identity
from simulator.gateway.certs import ImpostorKind
from simulator.options import Options
from tests.gateway import conftest as gateway_fixtures

SEED = 17
KINDS: tuple[ImpostorKind, ...] = ("other_device", "self_signed")
ISSUE_KEYS = {
    "other_device": "gateway_identity_other_device",
    "self_signed": "gateway_identity_untrusted",
}
COORDINATOR_LOGGER = "custom_components.bosch_connect.gateway.coordinator"
FLOW_LOGGER = "custom_components.bosch_connect.gateway.flow"


@pytest.fixture
def sim_options(tmp_path: Path) -> Options:
    """A frozen simulated clock: values change only when the test says."""
    return Options(state_dir=tmp_path / "simulator", clock=Clock(scale=0.0))


class Run:
    """The test's view of the entry, the gateway and the impostors."""

    def __init__(
        self,
        hass: HomeAssistant,
        sim: GatewaySimulator,
        entry: MockConfigEntry,
        tmp_path: Path,
        pki_folder: Path,
    ) -> None:
        self.hass = hass
        self.sim = sim
        self.entry = entry
        self.tmp_path = tmp_path
        self.pki_folder = pki_folder
        self.entity_ids = sorted(
            e.entity_id
            for e in er.async_entries_for_config_entry(
                er.async_get(hass), entry.entry_id
            )
            if not e.disabled  # disabled by default: no state to compare
        )
        self.minutes = 0
        self.outages = 0
        self.announcements = 0
        self.impostors: list[GatewaySimulator] = []

    def issue(self) -> ir.IssueEntry | None:
        return ir.async_get(self.hass).async_get_issue(
            DOMAIN, f"gateway_identity_{self.entry.entry_id}"
        )

    def unavailable(self) -> list[str]:
        return [
            e
            for e in self.entity_ids
            if (state := self.hass.states.get(e)) and state.state == STATE_UNAVAILABLE
        ]

    async def poll(self) -> None:
        self.minutes += 1
        async_fire_time_changed(
            self.hass, dt_util.utcnow() + timedelta(minutes=self.minutes, seconds=1)
        )
        await self.hass.async_block_till_done(wait_background_tasks=True)

    async def healthy(self) -> None:
        """The gateway is itself: the next poll brings everything back."""
        self.sim.impersonate(None)
        self.sim.oversized.clear()
        await self.poll()
        assert self.entry.state is ConfigEntryState.LOADED
        assert self.entry.runtime_data.coordinator.last_update_success
        assert self.unavailable() == []

    async def impostor_at_home(self, rng: random.Random, kind: ImpostorKind) -> None:
        """The gateway's address answers with an impostor for a few polls."""
        self.sim.faults.log.clear()
        self.sim.impersonate(kind)
        for _ in range(rng.randint(1, 3)):
            await self.poll()
        assert self.sim.faults.log == []
        assert self.unavailable() == self.entity_ids
        issue = self.issue()
        assert issue is not None
        assert issue.translation_key == ISSUE_KEYS[kind]
        self.outages += 1
        await self.healthy()
        assert self.issue() is None

    async def restart_with_impostor(self, kind: ImpostorKind) -> None:
        """Home Assistant restarts the entry while an impostor answers."""
        self.sim.faults.log.clear()
        self.sim.impersonate(kind)
        assert not await self.hass.config_entries.async_reload(self.entry.entry_id)
        await self.hass.async_block_till_done()
        assert self.entry.state is ConfigEntryState.SETUP_RETRY
        assert self.sim.faults.log == []
        assert self.issue() is not None
        self.sim.impersonate(None)
        # Its retry timer brings it back (with the stored token).
        self.minutes += 2
        async_fire_time_changed(
            self.hass, dt_util.utcnow() + timedelta(minutes=self.minutes)
        )
        await self.hass.async_block_till_done(wait_background_tasks=True)
        assert self.entry.state is ConfigEntryState.LOADED
        assert self.issue() is None

    async def announced_impostor(self, kind: ImpostorKind) -> None:
        """An impostor elsewhere announces itself as the paired gateway."""
        options = Options(state_dir=self.tmp_path / f"impostor-{len(self.impostors)}")
        shutil.copytree(self.pki_folder, options.state_dir / "gateway")
        fake = GatewaySimulator(options, identity=Identity())
        fake.impersonate(kind)
        await fake.start()
        self.impostors.append(fake)
        before = dict(self.entry.data)
        result = await self._announce(fake.host, fake.api_port, fake.auth_port)
        assert result["reason"] == "gateway_address_unproven"
        self.announcements += 1
        assert dict(self.entry.data) == before
        issue = self.issue()
        assert issue is not None
        assert issue.translation_key == ISSUE_KEYS[kind]
        await self.poll()  # the gateway at home: polled; the warning stays
        assert self.unavailable() == []
        assert self.issue() is not None
        result = await self._announce(
            self.sim.host, self.sim.api_port, self.sim.auth_port
        )
        assert result["reason"] == "already_configured"
        assert self.issue() is None
        await fake.stop()
        assert fake.faults.log == []

    async def oversized(self, rng: random.Random) -> None:
        """One polled resource answers far more than a real gateway sends."""
        path = rng.choice(sorted(self.entry.runtime_data.coordinator.polled_paths))
        if rng.random() < 0.5:
            self.sim.oversize(path)
        else:
            self.sim.oversize(path, 64 * 1024 * 1024, declare_length=True)
        await self.poll()
        assert self.unavailable() == self.entity_ids
        self.outages += 1
        await self.healthy()

    async def _announce(self, host: str, api_port: int, auth_port: int) -> Any:
        uuid = str(self.entry.unique_id)
        return await gateway_fixtures.announce(
            self.hass,
            gateway_fixtures.announcement(host, api_port, auth_port, uuid=uuid),
        )


async def test_impostors_never_get_the_token(  # noqa: PLR0917
    hass: HomeAssistant,
    gateway_sim: GatewaySimulator,
    gateway_entry: MockConfigEntry,
    gateway_pki_folder: Path,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Seeded impostors, oversized answers and restarts: nothing escapes."""
    monkeypatch.setattr(gateway_flow, "PROVE_RETRY_DELAYS", (0.0,))
    caplog.set_level(logging.INFO)
    rng = random.Random(SEED)
    assert await hass.config_entries.async_setup(gateway_entry.entry_id)
    await hass.async_block_till_done()
    data_before = dict(gateway_entry.data)
    token = data_before["token"]
    tokens, token_requests = gateway_sim.token_count, gateway_sim.tokens.requests
    run = Run(hass, gateway_sim, gateway_entry, tmp_path, gateway_pki_folder)
    assert run.entity_ids
    await run.healthy()

    schedule: list[tuple[str, ImpostorKind | None]] = [
        (action, kind) for action in ("home", "restart", "announce") for kind in KINDS
    ] * 2 + [("oversize", None)] * 3
    rng.shuffle(schedule)
    done: Counter[str] = Counter()
    for action, kind in schedule:
        if action == "home":
            assert kind is not None
            await run.impostor_at_home(rng, kind)
        elif action == "restart":
            assert kind is not None
            await run.restart_with_impostor(kind)
        elif action == "announce":
            assert kind is not None
            await run.announced_impostor(kind)
        else:
            await run.oversized(rng)
        done[action] += 1
        # After every round: Home Assistant agrees with the gateway again.
        assert run.unavailable() == []
        assert run.issue() is None
    assert sum(done.values()) == len(schedule)

    # The entry kept its address and secrets; no token was requested.
    assert dict(gateway_entry.data) == data_before
    assert gateway_sim.token_count == tokens
    assert gateway_sim.tokens.requests == token_requests
    assert not gateway_sim.faults.requests("/auth/token")

    # The log: one line per outage or refused announcement, no traceback.
    records = [
        r
        for r in caplog.records
        if r.levelno >= logging.WARNING and r.name.startswith("custom_components")
    ]
    assert "Traceback" not in caplog.text
    assert not [r for r in caplog.records if r.exc_info]
    assert Counter(r.name for r in records) == Counter(
        {COORDINATOR_LOGGER: run.outages, FLOW_LOGGER: run.announcements}
    )
    assert all(
        r.levelno == logging.ERROR for r in records if r.name == COORDINATOR_LOGGER
    )
    assert token not in caplog.text
