"""Log when unavailable: a due key renewal that fails at refresh after refresh.

One warning at the first failed renewal, debug messages while it keeps
failing, one info line when a renewal succeeds again; Home Assistant's
coordinator alone reports failed refreshes (once, and once recovered).
"""

from __future__ import annotations

import datetime as dt
import logging

from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.bosch_connect.homecomfort.const import CONF_API_KEY
from custom_components.bosch_connect.homecomfort.keys import parse_api_key
from simulator.faults import Fault
from simulator.homecomfort import HomeComfortService

from .conftest import refresh

OURS = "custom_components.bosch_connect"


def _ours(caplog: pytest.LogCaptureFixture, level: int) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name.startswith(OURS) and r.levelno == level]


def _move_to_days_left(sim: HomeComfortService, key: str, days: float) -> None:
    expires = parse_api_key(key).expires
    assert expires is not None
    left = expires - sim.now() - dt.timedelta(days=days)
    sim.clock.advance(left.total_seconds())


async def test_failing_renewal_logged_once_and_recovery_once(
    hass: HomeAssistant,
    hc_sim: HomeComfortService,
    hc_entry: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger=OURS)
    key = hc_entry.data[CONF_API_KEY]
    _move_to_days_left(hc_sim, key, 20)
    hc_sim.faults.set("/api-keys", Fault(status=503))
    caplog.clear()
    for _ in range(4):
        await refresh(hass, hc_entry)
    assert len(hc_sim.faults.requests("/api-keys", "POST")) == 4
    assert hc_entry.data[CONF_API_KEY] == key

    [warning] = _ours(caplog, logging.WARNING)
    assert "Renewing the Home Comfort API key failed" in warning.getMessage()
    failures = [
        r
        for r in _ours(caplog, logging.DEBUG)
        if "Renewing the Home Comfort API key failed" in r.getMessage()
    ]
    assert len(failures) == 3
    assert not _ours(caplog, logging.INFO)

    hc_sim.faults.clear()
    await refresh(hass, hc_entry)
    assert hc_entry.data[CONF_API_KEY] != key
    [info] = _ours(caplog, logging.INFO)
    assert "Renewed the Home Comfort API key after 4 failed" in info.getMessage()
    assert len(_ours(caplog, logging.WARNING)) == 1
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    for record in (warning, info):
        assert key not in record.getMessage()
        assert hc_entry.data[CONF_API_KEY] not in record.getMessage()


async def test_outage_of_the_api_logged_once_by_home_assistant(
    hass: HomeAssistant,
    hc_sim: HomeComfortService,
    hc_entry: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Refreshes failing during an outage: no warnings of ours on top."""
    caplog.set_level(logging.DEBUG, logger=OURS)
    _move_to_days_left(hc_sim, hc_entry.data[CONF_API_KEY], 20)  # renewal due
    hc_sim.faults.set("/", Fault(status=503))
    caplog.clear()
    for _ in range(4):
        await refresh(hass, hc_entry)
    assert not hc_entry.runtime_data.coordinator.last_update_success
    errors = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(errors) == 1, [r.getMessage() for r in errors]
    assert "Error fetching" in errors[0].getMessage()

    hc_sim.faults.clear()
    await refresh(hass, hc_entry)
    assert hc_entry.runtime_data.coordinator.last_update_success
    recovered = [r.getMessage() for r in _ours(caplog, logging.INFO)]
    assert len(recovered) == 2, recovered
    assert sum("data recovered" in m for m in recovered) == 1
    assert sum(m.startswith("Renewed the Home Comfort API key (") for m in recovered)
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING][1:]
