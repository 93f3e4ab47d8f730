"""The simulator's control routes and what it tells a person, over real sockets."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Any

import aiohttp
import pytest

from simulator.control import control_listener
from simulator.homecomfort import HomeComfortService
from simulator.server import Listener

from .conftest import HOUSE


@pytest.fixture
async def control(hc_sim: HomeComfortService) -> AsyncGenerator[Listener]:
    listener = control_listener([hc_sim], port=0)
    await listener.start()
    yield listener
    await listener.stop()


async def _call(
    http: aiohttp.ClientSession,
    control: Listener,
    method: str,
    path: str,
    body: dict[str, Any] | None = None,
) -> tuple[int, Any]:
    async with http.request(
        method, f"{control.url}/homecomfort{path}", json=body
    ) as response:
        return response.status, await response.json()


async def test_describe(hc_sim: HomeComfortService) -> None:
    lines = hc_sim.describe()
    assert f"  API domain: {hc_sim.url}" in lines
    assert f"  API key:    {hc_sim.key}" in lines
    assert f"  User ID:    {hc_sim.user_id}" in lines
    assert {a.path for a in hc_sim.control_actions()} <= {
        "/clock",
        "/consent",
        "/rate-limit",
        "/keys",
    }


async def test_clock_moves_only_this_service(
    hc_sim: HomeComfortService, control: Listener, http: aiohttp.ClientSession
) -> None:
    shared = hc_sim.options.clock.time()
    status, body = await _call(http, control, "POST", "/clock", {"days": 160})
    assert status == 200
    assert hc_sim.clock.offset == 160 * 86400
    assert hc_sim.options.clock.time() - shared < 60
    assert body["now"].startswith(str(hc_sim.now().year))


async def test_consent_allow_list_keys_rate_limit_state(
    hc_sim: HomeComfortService, control: Listener, http: aiohttp.ClientSession
) -> None:
    status, body = await _call(
        http, control, "POST", "/consent", {"gateway_id": HOUSE, "state": "outdated"}
    )
    assert status == 200
    assert body["consentVersion"] == "2023-05"
    status, _ = await _call(
        http, control, "POST", "/consent", {"gateway_id": HOUSE, "state": "maybe"}
    )
    assert status == 400

    status, body = await _call(
        http, control, "POST", "/allow-list", {"addresses": ["192.0.2.1"]}
    )
    assert body == {"addresses": ["192.0.2.1"]}
    assert hc_sim.allow_list == {"192.0.2.1"}

    status, body = await _call(http, control, "POST", "/keys")
    assert body["apiKey"].startswith("xHCSAPI.")
    status, body = await _call(http, control, "GET", "/keys")
    assert body["valid"] == 2
    assert body["total"] == 2

    status, body = await _call(
        http,
        control,
        "POST",
        "/rate-limit",
        {"count": 2, "retry_after": 7, "limit": 5, "window": 10},
    )
    assert body == {"limit": 5, "window": 10.0, "injected": 2}

    status, body = await _call(http, control, "GET", "/state")
    assert body[HOUSE]["contract"]["consentVersion"] == "2023-05"
    assert "hc1" in body[HOUSE]["heatingCircuits"]
