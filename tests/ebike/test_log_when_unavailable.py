"""Log when unavailable: the subscription retries during a Bosch outage.

One warning when the attempts start failing, debug messages while they keep
failing, one info line when an attempt works again; no secret in any of them.
"""

from __future__ import annotations

from datetime import timedelta
import logging
from typing import Any

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)

from custom_components.bosch_connect.const import DOMAIN
from simulator.ebike import EbikeCloud, EbikeSettings
from simulator.faults import Fault

OURS = "custom_components.bosch_connect"
WEBHOOKS = "/notification/v1/webhooks"


@pytest.fixture
def ebike_settings() -> EbikeSettings:
    return EbikeSettings(auto_send=False)


def _ours(caplog: pytest.LogCaptureFixture, level: int) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name.startswith(OURS) and r.levelno == level]


async def _retry(hass: HomeAssistant) -> None:
    """Past the longest back-off: the next attempt runs."""
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=301))
    await hass.async_block_till_done()


async def test_outage_logged_once_and_recovery_once(
    hass: HomeAssistant,
    ha_url: str,
    ebike_sim: EbikeCloud,
    ebike_entry_data: dict[str, Any],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger=OURS)
    ebike_sim.faults.set(WEBHOOKS, Fault(status=503))
    entry = MockConfigEntry(
        domain=DOMAIN, title="Bosch eBike", unique_id="ebike_x", data=ebike_entry_data
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    for _ in range(5):
        await _retry(hass)
    attempts = len(ebike_sim.faults.requests(WEBHOOKS, "GET"))
    assert attempts >= 5
    assert not ebike_sim.webhooks

    [warning] = _ours(caplog, logging.WARNING)
    assert "Could not check the eBike subscription" in warning.getMessage()
    later = [
        r
        for r in _ours(caplog, logging.DEBUG)
        if "Could not check the eBike subscription" in r.getMessage()
    ]
    assert len(later) == attempts - 1
    assert not _ours(caplog, logging.INFO)

    ebike_sim.faults.clear(WEBHOOKS)
    await _retry(hass)
    assert len(ebike_sim.webhooks) == 1
    [info] = _ours(caplog, logging.INFO)
    assert "works again" in info.getMessage()
    assert len(_ours(caplog, logging.WARNING)) == 1
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]

    # Working now: the next outage is reported again, once.
    await _retry(hass)
    assert len(_ours(caplog, logging.INFO)) == 1
    for record in [*_ours(caplog, logging.WARNING), *_ours(caplog, logging.INFO)]:
        message = record.getMessage()
        assert ebike_entry_data["webhook_id"] not in message
        assert ebike_entry_data["webhook_secret"] not in message


async def test_refused_webhook_warned_once(
    hass: HomeAssistant,
    ha_url: str,
    ebike_sim: EbikeCloud,
    ebike_entry_data: dict[str, Any],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Bosch refusing the webhook over and over: one warning, then the issue."""
    caplog.set_level(logging.DEBUG, logger=OURS)
    ebike_sim.delivery_faults.wrong_secret = True
    entry = MockConfigEntry(
        domain=DOMAIN, title="Bosch eBike", unique_id="ebike_x", data=ebike_entry_data
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    for _ in range(4):
        await _retry(hass)
    assert not ebike_sim.webhooks
    [warning] = _ours(caplog, logging.WARNING)
    assert "Bosch refused the eBike webhook" in warning.getMessage()
    assert ebike_entry_data["webhook_id"] not in warning.getMessage()
    assert ebike_entry_data["webhook_secret"] not in warning.getMessage()

    ebike_sim.delivery_faults.wrong_secret = False
    await _retry(hass)
    assert len(ebike_sim.webhooks) == 1
    [info] = _ours(caplog, logging.INFO)
    assert "works again" in info.getMessage()
    assert len(_ours(caplog, logging.WARNING)) == 1
