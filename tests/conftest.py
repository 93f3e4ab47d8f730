"""Fixtures shared by every test.

Our integration must be imported before the ``hass`` fixture mounts its own
testing config, or Home Assistant imports the plugin's ``custom_components``
package instead of ours ("Integration not found").
"""

from __future__ import annotations

from collections.abc import Generator
from pathlib import Path

import pytest
from pytest_homeassistant_custom_component.syrupy import HomeAssistantSnapshotExtension
from syrupy.assertion import SnapshotAssertion

import custom_components.bosch_connect  # noqa: F401
from simulator.clock import Clock
from simulator.options import Options

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
REFERENCE = SHARED / "reference"


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(
    enable_custom_integrations: None,
) -> Generator[None]:
    """Let the hass fixture load custom integrations."""
    return


@pytest.fixture
def sim_options(tmp_path: Path) -> Options:
    """Simulator options for a test: ephemeral ports, state in tmp_path."""
    return Options(state_dir=tmp_path / "simulator", clock=Clock(), allow_http=True)


@pytest.fixture
def snapshot(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    """Snapshots with Home Assistant's serializer (ids and times masked)."""
    return snapshot.use_extension(HomeAssistantSnapshotExtension)
