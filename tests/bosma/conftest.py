"""Fixtures of the Bosma tests: a real simulated Bosma cloud on loopback."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.bosch_connect.const import CONF_SERVICE, DOMAIN, SERVICE_BOSMA
from simulator.bosma import BosmaCloud, create
from simulator.bosma.service import (
    DEMO_APP_PACKAGE,
    DEMO_CORP,
    DEMO_COUNTRY,
    DEMO_OPENID,
    DEMO_SECRET,
)
from simulator.options import Options


@pytest.fixture
async def bosma_cloud(
    sim_options: Options, socket_enabled: None
) -> AsyncIterator[BosmaCloud]:
    """The simulated Bosma cloud, serving http on 127.0.0.1."""
    cloud = create(sim_options)
    await cloud.start()
    yield cloud
    await cloud.stop()


def form_input(cloud: BosmaCloud, **changes: Any) -> dict[str, Any]:
    """What a user types into the Bosma form for the simulator."""
    return {
        "base_url": cloud.base_url,
        "corp": DEMO_CORP,
        "api_secret": DEMO_SECRET,
        "app_package": DEMO_APP_PACKAGE,
        "platform": "android",
        "openid": DEMO_OPENID,
        "country": DEMO_COUNTRY,
        **changes,
    }


@pytest.fixture
def bosma_entry(hass: HomeAssistant, bosma_cloud: BosmaCloud) -> MockConfigEntry:
    """A Bosma entry for the simulator (not set up yet)."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        entry_id="01JBOSMA0000000000000000AA",
        title=f"Bosma {DEMO_CORP}",
        unique_id=f"{DEMO_CORP}_{DEMO_OPENID}",
        data={CONF_SERVICE: SERVICE_BOSMA, **form_input(bosma_cloud)},
    )
    entry.add_to_hass(hass)
    return entry
