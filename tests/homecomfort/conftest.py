"""Fixtures of the Home Comfort tests: the Partner API simulator on loopback."""

from __future__ import annotations

from collections.abc import AsyncGenerator
import datetime as dt
import time
from typing import Any

import aiohttp
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry, flush_store

from custom_components.bosch_connect.const import (
    CONF_SERVICE,
    DOMAIN,
    SERVICE_HOMECOMFORT,
)
from custom_components.bosch_connect.homecomfort.const import (
    CONF_API_DOMAIN,
    CONF_API_KEY,
    CONF_KEY_ENTERED_AT,
    CONF_USER_ID,
)
from simulator.homecomfort import HomeComfortService, create
from simulator.options import Options
from tests.conftest import sim_session

HOUSE = "101506113"
COTTAGE = "101506229"
PENDING = "101507001"
OTHER = "101508888"


@pytest.fixture
async def hc_sim(
    sim_options: Options, socket_enabled: None
) -> AsyncGenerator[HomeComfortService]:
    """The Partner API simulator in local-test mode (http on 127.0.0.1)."""
    service = create(sim_options)
    await service.start()
    yield service
    await service.stop()


@pytest.fixture
async def http() -> AsyncGenerator[aiohttp.ClientSession]:
    """A plain client session for the protocol tests."""
    async with sim_session() as session:
        yield session


def entry_data(sim: HomeComfortService, **changes: Any) -> dict[str, Any]:
    """Config entry data for the simulator's partner and demo user."""
    return {
        CONF_SERVICE: SERVICE_HOMECOMFORT,
        CONF_API_DOMAIN: sim.url,
        CONF_API_KEY: sim.key,
        CONF_USER_ID: sim.user_id,
        CONF_KEY_ENTERED_AT: dt.datetime.now(dt.UTC).isoformat(),
        **changes,
    }


def make_entry(
    sim: HomeComfortService, options: dict[str, Any] | None = None, **changes: Any
) -> MockConfigEntry:
    """A Home Comfort entry (not added to hass yet)."""
    return MockConfigEntry(
        domain=DOMAIN,
        title="Home Comfort Partner API",
        unique_id=f"{sim.company_id}_{sim.user_id}",
        data=entry_data(sim, **changes),
        options=options or {},
    )


async def setup_entry(hass: HomeAssistant, entry: MockConfigEntry) -> MockConfigEntry:
    """Add the entry and set it up against the simulator."""
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


@pytest.fixture
async def hc_entry(hass: HomeAssistant, hc_sim: HomeComfortService) -> MockConfigEntry:
    """A loaded Home Comfort entry talking to the simulator."""
    entry = await setup_entry(hass, make_entry(hc_sim))
    assert entry.state is ConfigEntryState.LOADED
    return entry


async def refresh(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """One refresh of the entry's coordinator, and everything it triggers."""
    await entry.runtime_data.coordinator.async_refresh()
    await hass.async_block_till_done()


def state(hass: HomeAssistant, entity_id: str) -> str:
    """The state of an entity that must exist."""
    found = hass.states.get(entity_id)
    assert found is not None, entity_id
    return found.state


async def let_home_assistant_write(hass: HomeAssistant) -> None:
    """Do now the write of the config entries that Home Assistant delays.

    (Firing the time forward is not enough: a delayed write re-arms itself
    by the event loop's clock, which tests cannot move.)
    """
    await flush_store(hass.config_entries._store)
    await hass.async_block_till_done()


def set_api_clock(sim: HomeComfortService, skew: float) -> None:
    """Set the API's clock ``skew`` seconds apart from this machine's."""
    sim.clock.advance(skew - (sim.clock.time() - time.time()))
