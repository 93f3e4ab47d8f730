"""A Partner API answer larger than any real one is refused, never read whole.

The simulator streams ``limit + 64 MiB`` of valid JSON (with a Content-Length,
or chunked without one) and counts the bytes that got out before the client
hung up: no more than the limit and the loopback socket buffers (about 4 MiB).
The client of before read every byte.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
import logging
from typing import Any

import aiohttp
from homeassistant.config_entries import SOURCE_USER
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.bosch_connect.const import DOMAIN
from custom_components.bosch_connect.homecomfort.api import (
    CONTRACTS_ANSWER_BYTES,
    OBJECT_ANSWER_BYTES,
    HomeComfortClient,
)
from custom_components.bosch_connect.homecomfort.const import (
    CONF_API_DOMAIN,
    CONF_API_KEY,
    CONF_USER_ID,
)
from custom_components.bosch_connect.homecomfort.errors import (
    HomeComfortResponseError,
)
from custom_components.bosch_connect.protocol.answers import MIB
from simulator.faults import Fault
from simulator.homecomfort import HomeComfortService
from simulator.homecomfort.service import Gateway

from .conftest import HOUSE, refresh, state

BEYOND = 64 * MIB  # served past the limit
BUFFERS = 16 * MIB  # what may get out before the server notices the hang-up
HOUSE_HC1 = "climate.home_comfort_101506113_heating_circuit_1"

type Call = Callable[[HomeComfortClient], Awaitable[Any]]

KINDS: dict[str, tuple[str, int, Call]] = {
    "key": ("/api-keys/me", OBJECT_ANSWER_BYTES, lambda c: c.key_info()),
    "new-key": ("/api-keys", OBJECT_ANSWER_BYTES, lambda c: c.create_key()),
    "contracts": ("/contracts", CONTRACTS_ANSWER_BYTES, lambda c: c.contracts()),
    "contract": ("/contracts/", OBJECT_ANSWER_BYTES, lambda c: c.contract(HOUSE)),
    "components": ("/hvacs/", OBJECT_ANSWER_BYTES, lambda c: c.components(HOUSE)),
    "circuit": (
        "/hvacs/",
        OBJECT_ANSWER_BYTES,
        lambda c: c.heating_circuit(HOUSE, "hc1"),
    ),
}


def _client(http: aiohttp.ClientSession, sim: HomeComfortService) -> HomeComfortClient:
    return HomeComfortClient(http, sim.url, sim.key, user_id=sim.user_id)


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations() -> None:
    """Most tests here need no Home Assistant (those that do ask for ``hass``)."""


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
@pytest.mark.parametrize("kind", list(KINDS))
async def test_oversized_answer_is_refused_without_reading_it(
    hc_sim: HomeComfortService, http: aiohttp.ClientSession, kind: str, chunked: bool
) -> None:
    prefix, limit, call = KINDS[kind]
    fault = Fault(oversize=limit + BEYOND, chunked=chunked)
    hc_sim.faults.set(prefix, fault)
    with pytest.raises(HomeComfortResponseError) as caught:
        await call(_client(http, hc_sim))
    assert caught.value.status == 200
    assert str(caught.value).endswith(f": answer larger than {limit} bytes")
    assert 0 < fault.sent < limit + BUFFERS


async def test_an_oversized_error_answer_is_refused_too(
    hc_sim: HomeComfortService, http: aiohttp.ClientSession
) -> None:
    """A 503 whose body never ends: no status-based error, nothing read whole."""
    fault = Fault(status=503, oversize=OBJECT_ANSWER_BYTES + BEYOND, chunked=True)
    hc_sim.faults.set("/api-keys/me", fault)
    with pytest.raises(HomeComfortResponseError) as caught:
        await _client(http, hc_sim).key_info()
    assert caught.value.status == 503
    assert fault.sent < OBJECT_ANSWER_BYTES + BUFFERS


async def test_a_partner_with_many_contracts_is_read(
    hc_sim: HomeComfortService, http: aiohttp.ClientSession
) -> None:
    for number in range(60_000):
        gateway_id = str(200_000_000 + number)
        hc_sim.gateways[gateway_id] = Gateway(gateway_id, f"user-{number}")
    contracts = await _client(http, hc_sim).contracts()
    assert len(contracts) == len(hc_sim.gateways) > 60_000


async def test_flow_shows_unexpected_answer(
    hass: HomeAssistant, enable_custom_integrations: None, hc_sim: HomeComfortService
) -> None:
    hc_sim.faults.set(
        "/contracts", Fault(oversize=CONTRACTS_ANSWER_BYTES + BEYOND, chunked=True)
    )
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "homecomfort"}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {
            CONF_API_DOMAIN: hc_sim.url,
            CONF_API_KEY: hc_sim.key,
            CONF_USER_ID: hc_sim.user_id,
        },
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "homecomfort_unexpected_response"}


async def test_refresh_makes_entities_unavailable_with_one_log_line(
    hass: HomeAssistant,
    enable_custom_integrations: None,
    hc_sim: HomeComfortService,
    hc_entry: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    assert state(hass, HOUSE_HC1) != STATE_UNAVAILABLE
    hc_sim.faults.set("/hvacs/", Fault(oversize=OBJECT_ANSWER_BYTES + BEYOND))
    caplog.clear()
    await refresh(hass, hc_entry)
    await refresh(hass, hc_entry)
    assert not hc_entry.runtime_data.coordinator.last_update_success
    assert state(hass, HOUSE_HC1) == STATE_UNAVAILABLE
    logged = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert [r.getMessage() for r in logged] == [
        "Error fetching bosch_connect homecomfort data: "
        "The Partner API gave an unexpected answer (HomeComfortResponseError)"
    ]
    assert logged[0].exc_info is None

    hc_sim.faults.clear()
    await refresh(hass, hc_entry)
    assert state(hass, HOUSE_HC1) != STATE_UNAVAILABLE
