"""The HA-free Partner API client against the simulator, over real sockets."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path

import aiohttp
from aiohttp import web
import pytest

from custom_components.bosch_connect.homecomfort import errors
from custom_components.bosch_connect.homecomfort.api import (
    HomeComfortClient,
    _retry_after,
    api_base_url,
)
from custom_components.bosch_connect.homecomfort.keys import parse_api_key
from simulator.clock import Clock
from simulator.faults import Fault
from simulator.homecomfort import HomeComfortService, create
from simulator.options import Options
from simulator.server import Listener

from .conftest import COTTAGE, HOUSE, OTHER, PENDING


def client(
    http: aiohttp.ClientSession, sim: HomeComfortService, key: str | None = None
) -> HomeComfortClient:
    return HomeComfortClient(http, sim.url, key or sim.key, user_id=sim.user_id)


async def test_key_info_and_server_clock(
    hc_sim: HomeComfortService, http: aiohttp.ClientSession
) -> None:
    api = client(http, hc_sim)
    hc_sim.clock.advance(40 * 86400)
    info = await api.key_info()
    assert info.company_id == hc_sim.company_id
    assert info.key_id == parse_api_key(hc_sim.key).key_id
    assert info.expires == parse_api_key(hc_sim.key).expires
    # The server's clock, not ours: 40 days ahead.
    ahead = api.server_now() - dt.datetime.now(dt.UTC)
    assert dt.timedelta(days=39, hours=23) < ahead < dt.timedelta(days=40, hours=1)


async def test_server_now_without_date_is_local(http: aiohttp.ClientSession) -> None:
    api = HomeComfortClient(http, "https://example.invalid", "xHCSAPI.a")
    local = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    assert api.server_now(local) == local


async def test_key_renewal_and_deletion(
    hc_sim: HomeComfortService, http: aiohttp.ClientSession
) -> None:
    api = client(http, hc_sim)
    old = parse_api_key(api.api_key)
    new = await api.create_key()
    assert "apiKey" not in repr(new)
    assert new.api_key not in repr(new)
    parsed = parse_api_key(new.api_key)
    assert parsed.key_id == new.key_id
    assert parsed.expires == new.expires
    assert len(hc_sim.valid_keys()) == 2  # the old key is untouched
    # A key cannot delete itself: the client refuses before asking.
    with pytest.raises(errors.CannotDeleteOwnKeyError):
        await api.delete_key(str(old.key_id))
    assert hc_sim.faults.requests("/api-keys/", "DELETE") == []
    api.use_key(new.api_key)
    await api.delete_key(str(old.key_id))
    assert [k.key_id for k in hc_sim.valid_keys()] == [new.key_id]
    with pytest.raises(errors.NotFoundError):
        await api.delete_key(str(old.key_id))
    # The old key is gone at Bosch.
    api.use_key(old.value)
    with pytest.raises(errors.InvalidApiKeyError):
        await api.key_info()


async def test_server_refuses_self_deletion(
    hc_sim: HomeComfortService, http: aiohttp.ClientSession
) -> None:
    # A key whose id the client cannot read: the server still refuses.
    own = parse_api_key(hc_sim.key)
    api = client(http, hc_sim)
    with pytest.raises(errors.CannotDeleteOwnKeyError):
        await api._request("DELETE", f"/api-keys/{own.key_id}")


async def test_ten_key_limit(
    hc_sim: HomeComfortService, http: aiohttp.ClientSession
) -> None:
    api = client(http, hc_sim)
    for _ in range(9):
        await api.create_key()
    assert len(hc_sim.valid_keys()) == 10
    with pytest.raises(errors.KeyLimitReachedError, match="10 valid API keys"):
        await api.create_key()
    # Expired keys do not count.
    hc_sim.clock.advance(200 * 86400)
    hc_sim.issue_key()
    api.use_key(hc_sim.key)
    await api.create_key()


@pytest.mark.parametrize(
    ("key", "code"),
    [(None, "MISSING_API_KEY"), ("xHCSAPI.nope.20300101T000000Z.x", "INVALID_API_KEY")],
)
async def test_missing_or_unknown_key_is_401(
    hc_sim: HomeComfortService, http: aiohttp.ClientSession, key: str | None, code: str
) -> None:
    headers = {"x-api-key": key} if key else {}
    async with http.get(f"{hc_sim.url}/contracts", headers=headers) as resp:
        assert resp.status == 401
        assert (await resp.json())["code"] == code
    if key:
        with pytest.raises(errors.InvalidApiKeyError):
            await client(http, hc_sim, key=key).contracts()


async def test_expired_key_is_401(
    hc_sim: HomeComfortService, http: aiohttp.ClientSession
) -> None:
    key = hc_sim.key
    hc_sim.clock.advance(190 * 86400)
    async with http.get(f"{hc_sim.url}/contracts", headers={"x-api-key": key}) as resp:
        assert resp.status == 401
        assert (await resp.json())["code"] == "API_KEY_EXPIRED"


async def test_ip_allow_list(
    hc_sim: HomeComfortService, http: aiohttp.ClientSession
) -> None:
    hc_sim.allow_list = {"192.0.2.10"}
    api = client(http, hc_sim)
    with pytest.raises(errors.IpNotAllowedError, match="allow list"):
        await api.key_info()


async def test_contracts(
    hc_sim: HomeComfortService, http: aiohttp.ClientSession
) -> None:
    api = client(http, hc_sim)
    contracts = {c.gateway_id: c for c in await api.contracts()}
    assert set(contracts) == {HOUSE, COTTAGE, PENDING, OTHER}
    assert contracts[HOUSE].active
    assert contracts[HOUSE].consent_version == "2024-07"
    assert not contracts[PENDING].active
    assert contracts[OTHER].user_id != hc_sim.user_id
    one = await api.contract(COTTAGE)
    assert one == contracts[COTTAGE]
    with pytest.raises(errors.NotFoundError):
        await api.contract("nope")


async def test_heating_reads_and_writes(
    hc_sim: HomeComfortService, http: aiohttp.ClientSession
) -> None:
    api = client(http, hc_sim)
    components = await api.components(HOUSE)
    assert components.heating_circuits == ("hc1", "hc2")
    assert components.dhw_circuits == ("dhw1",)
    assert components.components[0].model == "Compress 6800i AW"
    hc1 = await api.heating_circuit(HOUSE, "hc1")
    assert hc1.room_temperature == 21.4
    assert hc1.setpoint.minimum == 5.0
    assert hc1.setpoint.step == 0.5
    assert hc1.allowed_modes == ("auto", "manual", "off")
    hc1 = await api.update_heating_circuit(
        HOUSE, "hc1", setpoint=22.5, operation_mode="manual"
    )
    assert hc1.setpoint.value == 22.5
    assert hc1.operation_mode == "manual"
    patch = hc_sim.faults.requests("/hvacs/", "PATCH")[-1]
    assert patch.headers["x-user-id"] == hc_sim.user_id
    dhw = await api.dhw_circuit(HOUSE, "dhw1")
    assert dhw.actual_temperature == 48.5
    assert dhw.operation_mode == "eco"
    dhw = await api.update_dhw_circuit(HOUSE, "dhw1", operation_mode="high")
    charge = await api.dhw_charge(HOUSE, "dhw1")
    assert charge.status == "CHARGING"
    assert charge.remaining_minutes == 25
    await api.update_dhw_circuit(HOUSE, "dhw1", setpoint=55)
    assert hc_sim.gateways[HOUSE].dhw_circuits["dhw1"]["setpoint"]["value"] == 55
    with pytest.raises(ValueError, match="nothing"):
        await api.update_dhw_circuit(HOUSE, "dhw1")


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"setpoint": 99}, "VALUE_OUT_OF_RANGE"),
        ({"setpoint": True}, "VALUE_OUT_OF_RANGE"),
        ({"operationMode": "turbo"}, "MODE_NOT_ALLOWED"),
        ({"colour": "red"}, "INVALID_BODY"),
    ],
)
async def test_rejected_writes(
    hc_sim: HomeComfortService,
    http: aiohttp.ClientSession,
    body: dict[str, object],
    code: str,
) -> None:
    api = client(http, hc_sim)
    with pytest.raises(errors.RequestRejectedError) as caught:
        await api._request(
            "PATCH",
            f"/hvacs/{HOUSE}/heatingCircuits/hc1",
            body=body,
            gateway_id=HOUSE,
            remote_control=True,
        )
    assert caught.value.code == code


async def test_invalid_json_body_is_rejected(
    hc_sim: HomeComfortService, http: aiohttp.ClientSession
) -> None:
    headers = {"x-api-key": hc_sim.key, "x-user-id": hc_sim.user_id}
    async with http.patch(
        f"{hc_sim.url}/hvacs/{HOUSE}/heatingCircuits/hc1", data=b"{", headers=headers
    ) as resp:
        assert resp.status == 400


async def test_gateway_access_errors(
    hc_sim: HomeComfortService, http: aiohttp.ClientSession
) -> None:
    api = client(http, hc_sim)
    hc_sim.set_consent(HOUSE, "missing")
    with pytest.raises(errors.ConsentMissingError) as missing:
        await api.components(HOUSE)
    assert missing.value.gateway_id == HOUSE
    hc_sim.set_consent(HOUSE, "outdated")
    assert (await api.components(HOUSE)).gateway_id == HOUSE  # not remote control
    with pytest.raises(errors.ConsentOutdatedError):
        await api.heating_circuit(HOUSE, "hc1")
    assert (await api.contract(HOUSE)).consent_version == "2023-05"
    with pytest.raises(errors.ContractNotActiveError):
        await api.components(PENDING)
    with pytest.raises(errors.UserIdMismatchError):
        await api.heating_circuit(OTHER, "hc1")
    with pytest.raises(errors.NotFoundError):
        await api.heating_circuit(COTTAGE, "hc9")
    with pytest.raises(ValueError, match="user ID"):
        await HomeComfortClient(http, hc_sim.url, hc_sim.key).heating_circuit(
            HOUSE, "hc1"
        )
    with pytest.raises(ValueError, match="state"):
        hc_sim.set_consent(HOUSE, "maybe")
    async with http.get(
        f"{hc_sim.url}/hvacs/{HOUSE}/dhwCircuits/dhw1",
        headers={"x-api-key": hc_sim.key},
    ) as resp:
        assert resp.status == 400
        assert (await resp.json())["code"] == "MISSING_USER_ID"


async def test_rate_limit(
    hc_sim: HomeComfortService, http: aiohttp.ClientSession
) -> None:
    api = client(http, hc_sim)
    hc_sim.inject_rate_limit(1, 42)
    with pytest.raises(errors.RateLimitedError) as caught:
        await api.contracts()
    assert caught.value.retry_after == 42
    hc_sim.rate_limit, hc_sim.rate_window = 2, 60.0
    await api.contracts()
    await api.contracts()
    with pytest.raises(errors.RateLimitedError) as caught:
        await api.contracts()
    assert 1 <= caught.value.retry_after <= 61
    hc_sim.clock.advance(61)
    await api.contracts()


def test_retry_after_forms() -> None:
    now = dt.datetime(2026, 11, 22, 6, 0, tzinfo=dt.UTC)
    assert _retry_after(None, now) == 60
    assert _retry_after("7", now) == 7
    assert _retry_after("Sun, 22 Nov 2026 06:00:30 GMT", now) == 30
    assert _retry_after("soon", now) == 60


async def test_faults_and_bad_bodies(
    hc_sim: HomeComfortService, http: aiohttp.ClientSession
) -> None:
    api = client(http, hc_sim)
    hc_sim.faults.set("/contracts", Fault(status=503, count=1))
    with pytest.raises(errors.HomeComfortConnectionError):
        await api.contracts()
    hc_sim.faults.set("/contracts", Fault(drop=True))  # aiohttp retries once
    with pytest.raises(errors.HomeComfortConnectionError):
        await api.contracts()
    hc_sim.faults.clear("/contracts")
    hc_sim.faults.set("/contracts", Fault(status=418, count=1))
    with pytest.raises(errors.HomeComfortResponseError) as caught:
        await api.contracts()
    assert caught.value.status == 418
    # JSON of the wrong shape.
    hc_sim.faults.set("/api-keys/me", Fault(status=200, count=1))
    with pytest.raises(errors.HomeComfortResponseError):
        await api.key_info()
    assert (await api.contracts())[0].gateway_id == HOUSE


async def test_not_json(http: aiohttp.ClientSession, socket_enabled: None) -> None:
    async def text(request: web.Request) -> web.Response:
        return web.Response(text="<html>maintenance</html>", content_type="text/html")

    app = web.Application()
    app.router.add_get("/contracts", text)
    listener = Listener(app)
    await listener.start()
    try:
        with pytest.raises(errors.HomeComfortResponseError, match="not JSON"):
            await HomeComfortClient(http, listener.url, "xHCSAPI.a").contracts()
    finally:
        await listener.stop()


async def test_connection_refused(
    http: aiohttp.ClientSession, socket_enabled: None
) -> None:
    api = HomeComfortClient(http, "http://127.0.0.1:9", "xHCSAPI.a")
    with pytest.raises(errors.HomeComfortConnectionError):
        await api.contracts()


@pytest.mark.parametrize(
    ("domain", "url"),
    [
        ("api.example.com", "https://api.example.com"),
        (" https://api.example.com/v1/ ", "https://api.example.com/v1"),
        ("https://localhost:8460/", "https://localhost:8460"),
    ],
)
def test_api_base_url(domain: str, url: str) -> None:
    assert api_base_url(domain) == url


@pytest.mark.parametrize(
    ("domain", "error"),
    [
        ("", errors.InvalidDomainError),
        ("ftp://api.example.com", errors.InvalidDomainError),
        ("https://user@api.example.com", errors.InvalidDomainError),
        ("https://api.example.com/?a=1", errors.InvalidDomainError),
        ("https://", errors.InvalidDomainError),
        ("http://[::1", errors.InvalidDomainError),
        ("http://api.example.com", errors.HttpsRequiredError),
        ("http://192.0.2.1", errors.HttpsRequiredError),
        ("http://127.0.0.1:8460", errors.HttpsRequiredError),  # not even here
        ("http://localhost:8460/", errors.HttpsRequiredError),
        ("http://[::1]:8460", errors.HttpsRequiredError),
    ],
)
def test_api_base_url_refuses(domain: str, error: type[Exception]) -> None:
    with pytest.raises(error):
        api_base_url(domain)


async def test_https_mode(
    tmp_path: Path, http: aiohttp.ClientSession, socket_enabled: None
) -> None:
    """The API speaks https only, with a certificate of the simulator's CA."""
    options = Options(state_dir=tmp_path, clock=Clock())
    sim = create(options)
    await sim.start()
    try:
        assert sim.url.startswith("https://")
        api = HomeComfortClient(
            http,
            sim.url,
            sim.key,
            user_id=sim.user_id,
            ssl_context=options.client_context(),
        )
        assert (await api.key_info()).company_id == sim.company_id
        # Plain http to the same port fails, and so does an untrusted certificate.
        # (The server reports the failed handshakes to the loop: collect them.)
        loop = asyncio.get_running_loop()
        previous = loop.get_exception_handler()
        handshakes: list[dict[str, object]] = []
        loop.set_exception_handler(lambda _loop, context: handshakes.append(context))
        try:
            plain = HomeComfortClient(http, sim.url.replace("https", "http"), sim.key)
            with pytest.raises(errors.HomeComfortConnectionError):
                await plain.key_info()
            async with aiohttp.ClientSession() as untrusting:
                with pytest.raises(errors.HomeComfortConnectionError):
                    await HomeComfortClient(untrusting, sim.url, sim.key).key_info()
            await asyncio.sleep(0.1)
        finally:
            loop.set_exception_handler(previous)
        assert handshakes
    finally:
        await sim.stop()
    # The keys survive a restart of the simulator (state_dir).
    again = create(Options(state_dir=tmp_path, clock=Clock()))
    assert again.key == sim.key


@pytest.mark.parametrize(
    ("date", "known"),
    [
        (None, False),
        ("not a date", False),
        ("Sun, 22 Nov 2026 06:00:00", False),  # no zone
        ("Sun, 22 Nov 2026 06:00:00 GMT", True),
    ],
)
async def test_server_clock_from_date_header(
    http: aiohttp.ClientSession, socket_enabled: None, date: str | None, known: bool
) -> None:
    """Only a well-formed, zoned Date header moves the client's notion of now."""

    async def contracts(request: web.Request) -> web.Response:
        response = web.json_response({"contracts": []})
        response.headers["Date"] = date or ""  # empty: no usable Date
        return response

    app = web.Application()
    app.router.add_get("/contracts", contracts)
    listener = Listener(app)
    await listener.start()
    try:
        api = HomeComfortClient(http, listener.url, "xHCSAPI.a")
        assert await api.contracts() == []
        local = dt.datetime.now(dt.UTC)
        if known:
            assert api.server_now(local).year == 2026
            assert api.server_now(local) != local
        else:
            assert api.server_now(local) == local
    finally:
        await listener.stop()


async def test_error_body_that_is_not_json(
    http: aiohttp.ClientSession, socket_enabled: None
) -> None:
    async def broken(request: web.Request) -> web.Response:
        return web.Response(status=403, text="<h1>Forbidden</h1>")

    app = web.Application()
    app.router.add_get("/api-keys/me", broken)
    app.router.add_get("/hvacs/g1/components", broken)
    listener = Listener(app)
    await listener.start()
    try:
        api = HomeComfortClient(http, listener.url, "xHCSAPI.a", user_id="u")
        # Without a code: the allow list outside gateways, consent for a gateway.
        with pytest.raises(errors.IpNotAllowedError):
            await api.key_info()
        with pytest.raises(errors.ConsentMissingError):
            await api.components("g1")
    finally:
        await listener.stop()
