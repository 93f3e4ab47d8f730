"""Fixtures for tests against the heat-pump installation (import them).

``from .heat_pump import gateway_sim, sim_options`` in a test module makes
the gateway fixtures of ``conftest.py`` (entries, clients) use the heat-pump
simulator with a frozen clock.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from simulator.clock import Clock
from simulator.gateway import GatewaySimulator
from simulator.options import Options


@pytest.fixture
def sim_options(tmp_path: Path) -> Options:
    """A frozen simulated clock: counters move only when a test says so."""
    return Options(state_dir=tmp_path / "simulator", clock=Clock(scale=0.0))


@pytest.fixture
def gateway_sim(heat_pump_sim: GatewaySimulator) -> GatewaySimulator:
    """The gateway of the importing module is on a heat pump."""
    return heat_pump_sim
