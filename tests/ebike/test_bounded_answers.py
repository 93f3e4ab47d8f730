"""An eBike Cloud answer larger than any real one is refused, never read whole.

The simulator streams ``limit + 64 MiB`` of valid JSON (with a Content-Length,
or chunked without one) and counts the bytes that got out before the client
hung up: no more than the limit and the loopback socket buffers (about 4 MiB).
The client of before read every byte, and took the answer.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
import json
import logging
from typing import Any

from homeassistant import config_entries
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
import pytest

from custom_components.bosch_connect.const import DOMAIN
from custom_components.bosch_connect.ebike.api import (
    MODULES_ANSWER_BYTES,
    OBJECT_ANSWER_BYTES,
    TOKEN_ANSWER_BYTES,
    WEBHOOKS_ANSWER_BYTES,
    EbikeClient,
)
from custom_components.bosch_connect.ebike.errors import EbikeApiError
from custom_components.bosch_connect.protocol.answers import MIB
from simulator.ebike import EbikeCloud, EbikeSettings
from simulator.ebike.service import CONFIG, NOTIFY, TOKEN_PATH
from simulator.faults import Fault

BEYOND = 64 * MIB  # served past the limit
BUFFERS = 16 * MIB  # what may get out before the server notices the hang-up

type Call = Callable[[EbikeClient, EbikeCloud], Awaitable[Any]]

KINDS: dict[str, tuple[str, int, Call]] = {
    "token": (TOKEN_PATH, TOKEN_ANSWER_BYTES, lambda c, s: c.async_get_token()),
    "modules": (
        f"{CONFIG}/connect-modules",
        MODULES_ANSWER_BYTES,
        lambda c, s: c.list_connect_modules(),
    ),
    "module": (
        f"{CONFIG}/connect-modules/",
        OBJECT_ANSWER_BYTES,
        lambda c, s: c.get_connect_module(s.bikes[0].module_id),
    ),
    "webhooks": (
        f"{NOTIFY}/webhooks",
        WEBHOOKS_ANSWER_BYTES,
        lambda c, s: c.list_webhooks(),
    ),
}


@pytest.fixture
def ebike_settings() -> EbikeSettings:
    return EbikeSettings(auto_send=False)


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
@pytest.mark.parametrize("kind", list(KINDS))
async def test_oversized_answer_is_refused_without_reading_it(
    ebike_sim: EbikeCloud, ebike_client: EbikeClient, kind: str, chunked: bool
) -> None:
    prefix, limit, call = KINDS[kind]
    fault = Fault(oversize=limit + BEYOND, chunked=chunked)
    ebike_sim.faults.set(prefix, fault)
    with pytest.raises(EbikeApiError) as caught:
        await call(ebike_client, ebike_sim)
    assert caught.value.status == 200
    assert caught.value.detail == f"answer larger than {limit} bytes"
    assert 0 < fault.sent < limit + BUFFERS


async def test_an_account_with_many_bikes_is_read(
    ebike_sim: EbikeCloud, ebike_client: EbikeClient
) -> None:
    ebike_sim.set_fleet_size(20_000)
    modules = await ebike_client.list_connect_modules()
    assert len(modules) == 20_000
    assert modules[-1].id == ebike_sim.bikes[-1].module_id


def test_the_module_list_limit_holds_20000_of_the_largest_modules() -> None:
    """Every field at its maximum (OpenAPI v2), every feature, pretty-printed."""
    at = "2023-06-29T14:31:00.002Z"
    module = {
        "id": f"BCM3100_{'P' * 13}_{'S' * 25}",  # partNumber <= 13, serial <= 25
        "bikeId": "7255dccf-c929-41f7-9aa6-a043f6096e19",
        "oemBikeId": "O" * 30,
        "oemBrandId": "B" * 30,
        "createdAt": at,
        "updatedAt": at,
        "syncedAt": at,
        "syncStatus": "WARNING",
        "features": [
            {
                "type": feature,
                "status": "PENDING",
                "statusDetail": {"type": "WARNING"},
                "requestedProfile": "R" * 30,
                "appliedProfile": "A" * 30,
                "updatedAt": at,
            }
            for feature in ("LOCATION_TRACKING", "BIKE_STATUS", "DISABLE_MOTOR_SUPPORT")
        ],
    }
    size = len(json.dumps(module, indent=4)) + 8  # and its place in the list
    assert size * 20_000 < MODULES_ANSWER_BYTES


async def test_flow_shows_the_api_error(
    hass: HomeAssistant, ha_url: str, ebike_sim: EbikeCloud
) -> None:
    ebike_sim.faults.set(
        f"{CONFIG}/connect-modules",
        Fault(oversize=MODULES_ANSWER_BYTES + BEYOND, chunked=True),
    )
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": config_entries.SOURCE_USER}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "ebike"}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {
            "client_id": ebike_sim.client_id,
            "client_secret": ebike_sim.client_secret,
            "replace_subscriptions": False,
        },
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "ebike_api_error"}
    assert result["description_placeholders"]["detail"] == (
        f"answer larger than {MODULES_ANSWER_BYTES} bytes"
    )


async def test_fleet_refresh_fails_with_one_log_line(
    hass: HomeAssistant,
    ebike_entry: Any,
    ebike_sim: EbikeCloud,
    caplog: pytest.LogCaptureFixture,
) -> None:
    coordinator = ebike_entry.runtime_data.coordinator
    known = dict(coordinator.data)
    ebike_sim.faults.set(
        f"{CONFIG}/connect-modules", Fault(oversize=MODULES_ANSWER_BYTES + BEYOND)
    )
    caplog.clear()
    await coordinator.async_refresh()
    await hass.async_block_till_done()
    assert not coordinator.last_update_success
    # The bikes stay as last read (their state comes from notifications).
    assert coordinator.data == known
    logged = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert [r.getMessage() for r in logged] == [
        "Error fetching Bosch eBike fleet data: The eBike fleet could not be read: "
        f"HTTP 200: answer larger than {MODULES_ANSWER_BYTES} bytes"
    ]
    assert logged[0].exc_info is None

    ebike_sim.faults.clear()
    await coordinator.async_refresh()
    assert coordinator.last_update_success
