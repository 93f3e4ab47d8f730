"""A Bosma answer larger than any real one is refused, never read whole.

The simulator streams ``limit + 64 MiB`` of valid JSON (with a Content-Length,
or chunked without one) and counts the bytes that got out before the client
hung up: no more than the limit and the loopback socket buffers (about 4 MiB).
The client of before read every byte.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging

import aiohttp
from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import SOURCE_USER, ConfigEntryState
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)

from custom_components.bosch_connect.bosma.api import ANSWER_BYTES, BosmaClient
from custom_components.bosch_connect.bosma.errors import BosmaConnectionError
from custom_components.bosch_connect.bosma.models import BosmaAccount, Platform
from custom_components.bosch_connect.const import DOMAIN
from custom_components.bosch_connect.protocol.answers import MIB
from simulator.__main__ import main
from simulator.bosma import BosmaCloud
from simulator.bosma.service import (
    DEMO_APP_PACKAGE,
    DEMO_CORP,
    DEMO_COUNTRY,
    DEMO_OPENID,
    DEMO_SECRET,
)
from simulator.control import make_control_app
from simulator.faults import Fault
from simulator.server import Listener

from .conftest import form_input

BEYOND = 64 * MIB  # served past the limit
BUFFERS = 16 * MIB  # what may get out before the server notices the hang-up
LAST_RESULT = "sensor.bosma_bc100042_last_result"


def _client(cloud: BosmaCloud, session: aiohttp.ClientSession) -> BosmaClient:
    return BosmaClient(
        session,
        BosmaAccount(
            base_url=cloud.base_url,
            corp=DEMO_CORP,
            api_secret=DEMO_SECRET,
            app_package=DEMO_APP_PACKAGE,
            platform=Platform.ANDROID,
            openid=DEMO_OPENID,
            country=DEMO_COUNTRY,
        ),
    )


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
async def test_oversized_answer_is_refused_without_reading_it(
    bosma_cloud: BosmaCloud, session: aiohttp.ClientSession, chunked: bool
) -> None:
    fault = Fault(oversize=ANSWER_BYTES + BEYOND, chunked=chunked)
    bosma_cloud.faults.set("/", fault)
    with pytest.raises(BosmaConnectionError) as caught:
        await _client(bosma_cloud, session).apply_token()
    assert str(caught.value) == (
        f"applyToken answered HTTP 200: answer larger than {ANSWER_BYTES} bytes"
    )
    assert 0 < fault.sent < ANSWER_BYTES + BUFFERS


async def test_an_answer_at_the_limit_is_read(
    bosma_cloud: BosmaCloud, session: aiohttp.ClientSession
) -> None:
    """Read whole and parsed: it is only not Bosma's answer (no ``code``)."""
    fault = Fault(oversize=ANSWER_BYTES, chunked=True)
    bosma_cloud.faults.set("/", fault)
    with pytest.raises(BosmaConnectionError) as caught:
        await _client(bosma_cloud, session).apply_token()
    assert str(caught.value) == "applyToken answered HTTP 200"
    assert fault.sent == ANSWER_BYTES


async def test_the_command_line_switches_the_oversized_answer_on(
    bosma_cloud: BosmaCloud,
    session: aiohttp.ClientSession,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """``python -m simulator fault bosma / --oversize N --chunked`` (the demo)."""
    control = Listener(make_control_app([bosma_cloud]))
    await control.start()
    try:
        argv = ["--control-port", str(control.port), "fault", "bosma", "/"]
        argv += ["--oversize", str(ANSWER_BYTES + BEYOND), "--chunked"]
        code = await asyncio.get_running_loop().run_in_executor(None, main, argv)
    finally:
        await control.stop()
    assert code == 0
    assert '"chunked": true' in capsys.readouterr().out
    fault = bosma_cloud.faults.faults["/"]
    assert (fault.oversize, fault.chunked) == (ANSWER_BYTES + BEYOND, True)
    with pytest.raises(BosmaConnectionError):
        await _client(bosma_cloud, session).apply_token()
    assert fault.sent < ANSWER_BYTES + BUFFERS


async def test_flow_shows_cannot_connect(
    hass: HomeAssistant, bosma_cloud: BosmaCloud
) -> None:
    bosma_cloud.faults.set("/", Fault(oversize=ANSWER_BYTES + BEYOND, chunked=True))
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "bosma"}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], form_input(bosma_cloud)
    )
    assert result["errors"] == {"base": "bosma_cannot_connect"}


async def test_refresh_makes_entities_unavailable_with_one_log_line(
    freezer: FrozenDateTimeFactory,
    hass: HomeAssistant,
    bosma_cloud: BosmaCloud,
    bosma_entry: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    assert await hass.config_entries.async_setup(bosma_entry.entry_id)
    await hass.async_block_till_done()
    assert bosma_entry.state is ConfigEntryState.LOADED
    bosma_cloud.faults.set("/", Fault(oversize=ANSWER_BYTES + BEYOND))
    caplog.clear()
    for _ in range(2):
        freezer.tick(dt.timedelta(minutes=30))
        async_fire_time_changed(hass)
        await hass.async_block_till_done(wait_background_tasks=True)
    assert hass.states.get(LAST_RESULT).state == STATE_UNAVAILABLE  # type: ignore[union-attr]
    logged = [
        r
        for r in caplog.records
        if r.levelno >= logging.WARNING and r.name != "asyncio"  # slow callbacks
    ]
    assert [r.getMessage() for r in logged] == [
        "Error fetching Bosma Bosma BC100042 data: Bosma could not be reached or "
        "did not answer like the Bosma API"
    ]
    assert logged[0].exc_info is None

    bosma_cloud.faults.clear()
    freezer.tick(dt.timedelta(minutes=5))
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert hass.states.get(LAST_RESULT).state == "success"  # type: ignore[union-attr]
