"""Fixtures of the Home Comfort tests: the Partner API simulator on loopback."""

from __future__ import annotations

from collections.abc import AsyncGenerator

import aiohttp
import pytest

from simulator.homecomfort import HomeComfortService, create
from simulator.options import Options

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
    async with aiohttp.ClientSession() as session:
        yield session
