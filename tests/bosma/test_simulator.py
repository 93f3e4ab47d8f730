"""The simulated Bosma cloud itself: control routes, parameter checks, https."""

from __future__ import annotations

import ssl

import pytest

from simulator.bosma import create
from simulator.bosma.service import BASE_PATH, DEMO_CORP, expected_sign
from simulator.control import control_listener
from simulator.options import Options
from tests.conftest import sim_session


async def test_control_routes(sim_options: Options, socket_enabled: None) -> None:
    cloud = create(sim_options)
    await cloud.start()
    control = control_listener([cloud], port=0)
    await control.start()
    try:
        async with sim_session() as session:
            base = f"{control.url}/bosma"
            async with session.post(f"{base}/clock", json={"skew": 42}) as r:
                assert await r.json() == {"skew": 42.0}
            async with session.post(f"{base}/answer", json={"code": 499}) as r:
                assert await r.json() == {"code": 499, "count": 1}
            async with session.post(
                f"{base}/companies", json={"corp": "X1", "apiSecret": "s"}
            ) as r:
                assert await r.json() == {"companies": [DEMO_CORP, "X1"]}
            async with session.get(f"{base}/tickets") as r:
                assert await r.json() == {"count": 0, "last": None}
        assert cloud.skew == 42
        assert cloud.companies["X1"] == "s"
        assert len(cloud.control_actions()) == 4
        text = "\n".join(cloud.describe())
        assert cloud.base_url in text
        assert DEMO_CORP in text
    finally:
        await control.stop()
        await cloud.stop()


@pytest.mark.parametrize(
    ("headers", "query", "message"),
    [
        ({}, {}, "missing parameter"),
        ({"nonce": "short"}, {}, "32 characters"),
        ({"timestamp": "soon"}, {}, "seconds"),
        ({}, {"platform": "3"}, "platform"),
    ],
)
async def test_parameter_checks(
    sim_options: Options,
    socket_enabled: None,
    headers: dict[str, str],
    query: dict[str, str],
    message: str,
) -> None:
    cloud = create(sim_options)
    await cloud.start()
    nonce, stamp = "n" * 32, str(int(cloud.now()))
    full_headers = {
        "corp": DEMO_CORP,
        "nonce": nonce,
        "timestamp": stamp,
        "sign": expected_sign(nonce, stamp, cloud.companies[DEMO_CORP]),
    }
    full_query = {"appPackage": "a", "platform": "1", "openid": "o", "country": "c"}
    if headers or query:
        full_headers.update(headers)
        full_query.update(query)
    else:
        full_headers.pop("sign")
    try:
        async with sim_session() as session:
            async with session.post(
                f"{cloud.base_url}/sdk/globalcorpuser/applyToken",
                headers=full_headers,
                params=full_query,
            ) as response:
                body = await response.json()
        assert response.status == 200
        assert body["code"] == 499
        assert message in body["msg"]
    finally:
        await cloud.stop()


async def test_https_only(sim_options: Options, socket_enabled: None) -> None:
    cloud = create(sim_options)
    await cloud.start()
    try:
        assert cloud.base_url.startswith("https://127.0.0.1:")
        assert cloud.base_url.endswith(BASE_PATH)
        async with sim_session() as session:
            insecure = ssl.create_default_context()
            insecure.check_hostname = False
            insecure.verify_mode = ssl.CERT_NONE
            async with session.post(
                f"{cloud.base_url}/sdk/globalcorpuser/applyToken", ssl=insecure
            ) as response:
                assert (await response.json())["code"] == 499
    finally:
        await cloud.stop()
