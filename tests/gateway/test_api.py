"""The Local API client against the simulated gateway: reads, writes, errors."""

from __future__ import annotations

import asyncio
import json
import logging

import aiohttp
from aiohttp import web
import pytest

from custom_components.bosch_connect.gateway.api import GatewayClient, Token
from custom_components.bosch_connect.gateway.errors import (
    GatewayAuthError,
    GatewayConnectionError,
    GatewayError,
    GatewayForbiddenError,
    GatewayServerError,
    InvalidValueError,
    ResourceNotFoundError,
    TokenRequestRejectedError,
    ValueFormatError,
)
from simulator.faults import Fault
from simulator.gateway import GatewaySimulator
from simulator.gateway.listener import TlsListener
from simulator.gateway.tls import server_context
from simulator.gateway.tokens import DEMO_CLIENT_ID, READ_ONLY_CLIENT_ID

HC1 = "/heatingCircuits/hc1"
DHW1 = "/dhwCircuits/dhw1"


async def test_gateway_identity(gateway_authed_client: GatewayClient) -> None:
    brand = await gateway_authed_client.get("/gateway/brand")
    assert (brand.id, brand.type, brand.writeable, brand.value) == (
        "/gateway/brand",
        "stringValue",
        False,
        "Bosch",
    )
    resources = await gateway_authed_client.get_many(
        ["/gateway/uuid", "/gateway/versionFirmware", "/gateway/versionHardware"]
    )
    assert [r.value if r else None for r in resources.values()] == [
        "101042019",
        "15.00.01",
        "K40RF-01",
    ]


async def test_folders(gateway_authed_client: GatewayClient) -> None:
    assert await gateway_authed_client.list("/heatingCircuits") == [
        "/heatingCircuits/hc1",
        "/heatingCircuits/hc2",
    ]
    assert await gateway_authed_client.list("/dhwCircuits") == ["/dhwCircuits/dhw1"]
    top = await gateway_authed_client.list("/")
    assert "/heatSources" in top
    assert "/notifications" in top
    folder = await gateway_authed_client.get(f"{DHW1}/temperatureLevels")
    assert folder.type == "refEnum"
    assert f"{DHW1}/temperatureLevels/high" in folder.references
    with pytest.raises(ValueFormatError, match="not a folder"):
        await gateway_authed_client.list("/gateway/brand")


async def test_value_types(gateway_authed_client: GatewayClient) -> None:
    got = await gateway_authed_client.get_many(
        [
            "/system/sensors/temperatures/outdoor_t1",
            "/heatSources/systemPressure",
            "/heatSources/emon/totalConsumption",
            "/notifications",
            "/system/basicInfo",
            f"{HC1}/operationMode",
            f"{HC1}/manualRoomSetpoint",
        ]
    )
    outdoor = got["/system/sensors/temperatures/outdoor_t1"]
    assert outdoor is not None
    assert (outdoor.value, outdoor.unit) == (8.5, "C")
    assert outdoor.states == {"open": -32768.0, "short": 32767.0}
    pressure = got["/heatSources/systemPressure"]
    assert pressure is not None
    assert (pressure.value, pressure.unit) == (1.6, "bar")
    energy = got["/heatSources/emon/totalConsumption"]
    assert energy is not None
    assert energy.unit == "kWh"
    assert energy.energy["total"] >= 1805.8
    notifications = got["/notifications"]
    assert notifications is not None
    assert notifications.notifications[0].dcd == "4U"
    assert notifications.notifications[0].ccd == 521
    info = got["/system/basicInfo"]
    assert info is not None
    assert info.type == "systeminfo"
    assert info.values[0]["ModuleHwIdentStr"] == "K40RF"
    mode = got[f"{HC1}/operationMode"]
    assert mode is not None
    assert mode.writeable
    assert mode.allowed_values == ("auto", "manual", "off")
    setpoint = got[f"{HC1}/manualRoomSetpoint"]
    assert setpoint is not None
    assert (setpoint.min, setpoint.max, setpoint.step) == (5.0, 30.0, 0.5)


async def test_energy_grows_with_the_clock(
    gateway_authed_client: GatewayClient, gateway_sim: GatewaySimulator, sim_options
) -> None:
    path = "/heatSources/emon/totalConsumption"
    before = (await gateway_authed_client.get(path)).energy["total"]
    sim_options.clock.advance(3600)
    after = (await gateway_authed_client.get(path)).energy["total"]
    assert after == pytest.approx(before + 1.25, abs=0.01)
    work = await gateway_authed_client.get("/heatSources/workingTime/totalSystem")
    assert isinstance(work.value, int | float)
    assert work.value >= 80064 + 3600


async def test_sentinels(
    gateway_authed_client: GatewayClient, gateway_sim: GatewaySimulator
) -> None:
    room = await gateway_authed_client.get("/heatingCircuits/hc2/roomtemperature")
    assert room.value is None
    assert room.raw_value == -3276.8
    assert room.sentinel == "open"
    path = "/system/sensors/temperatures/outdoor_t1"
    gateway_sim.set_sentinel(path, "short")
    outdoor = await gateway_authed_client.get(path)
    assert (outdoor.value, outdoor.sentinel) == (None, "short")
    gateway_sim.set_value(path, -2.5)
    outdoor = await gateway_authed_client.get(path)
    assert (outdoor.value, outdoor.sentinel) == (-2.5, None)
    with pytest.raises(KeyError):
        gateway_sim.set_sentinel(path, "nope")


async def test_absent_resources(
    gateway_authed_client: GatewayClient, gateway_sim: GatewaySimulator
) -> None:
    with pytest.raises(ResourceNotFoundError) as err:
        await gateway_authed_client.get("/heatingCircuits/hc3/roomtemperature")
    assert err.value.path == "/heatingCircuits/hc3/roomtemperature"
    got = await gateway_authed_client.get_many(
        [
            "/heatingCircuits/hc2/actualHumidity",
            "/heatingCircuits/hc1/actualHumidity",
            "/heatingCircuits/hc1/actualHumidity",  # duplicates asked once
        ]
    )
    assert got["/heatingCircuits/hc2/actualHumidity"] is None
    assert got["/heatingCircuits/hc1/actualHumidity"] is not None
    assert len(gateway_sim.faults.requests("/heatingCircuits/hc1/actualHumidity")) == 1
    gateway_sim.remove("/heatingCircuits/hc1/actualHumidity")
    with pytest.raises(ResourceNotFoundError):
        await gateway_authed_client.get("/heatingCircuits/hc1/actualHumidity")


async def test_get_many_is_bounded(
    gateway_authed_client: GatewayClient, gateway_sim: GatewaySimulator
) -> None:
    gateway_sim.faults.set("/heatSources", Fault(latency=0.05))
    paths = [
        "/heatSources/actualSupplyTemperature",
        "/heatSources/returnTemperature",
        "/heatSources/currentSupplySetpoint",
        "/heatSources/actualModulation",
        "/heatSources/systemPressure",
        "/heatSources/flameStatus",
        "/heatSources/emon/chConsumption",
        "/heatSources/emon/dhwConsumption",
    ]
    got = await gateway_authed_client.get_many(paths, parallel=3)
    assert all(got[p] is not None for p in paths)
    assert 1 < gateway_sim.max_in_flight <= 3
    gateway_sim.max_in_flight = 0
    await gateway_authed_client.get_many(paths, parallel=1)
    assert gateway_sim.max_in_flight == 1


async def test_write_within_bounds(
    gateway_authed_client: GatewayClient, gateway_sim: GatewaySimulator
) -> None:
    await gateway_authed_client.put(f"{HC1}/operationMode", "manual")
    await gateway_authed_client.put(f"{HC1}/manualRoomSetpoint", 22.5)
    assert (await gateway_authed_client.get(f"{HC1}/manualRoomSetpoint")).value == 22.5
    assert (await gateway_authed_client.get(f"{HC1}/currentRoomSetpoint")).value == 22.5
    await gateway_authed_client.put(f"{HC1}/operationMode", "off")
    current = await gateway_authed_client.get(f"{HC1}/currentRoomSetpoint")
    assert (current.value, current.sentinel) == (None, "off")
    await gateway_authed_client.put(f"{HC1}/operationMode", "auto")
    assert (await gateway_authed_client.get(f"{HC1}/currentRoomSetpoint")).value == 22.5

    await gateway_authed_client.put(f"{DHW1}/temperatureLevels/eco", 48)
    await gateway_authed_client.put(f"{DHW1}/operationMode", "eco")
    assert (await gateway_authed_client.get(f"{DHW1}/currentSetpoint")).value == 48
    await gateway_authed_client.put(f"{DHW1}/operationMode", "ownprogram")
    assert (await gateway_authed_client.get(f"{DHW1}/currentSetpoint")).value == 60
    await gateway_authed_client.put(f"{DHW1}/operationMode", "off")
    level = await gateway_authed_client.get(f"{DHW1}/currentTemperatureLevel")
    assert level.value == "off"
    puts = gateway_sim.faults.requests(HC1, method="PUT")
    assert [p.path for p in puts][:2] == [
        f"{HC1}/operationMode",
        f"{HC1}/manualRoomSetpoint",
    ]


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (f"{HC1}/manualRoomSetpoint", 30.5),
        (f"{HC1}/manualRoomSetpoint", 4.5),
        (f"{HC1}/manualRoomSetpoint", 21.3),  # not on the 0.5 raster
        (f"{HC1}/manualRoomSetpoint", "warm"),
        (f"{HC1}/manualRoomSetpoint", True),
        (f"{HC1}/operationMode", "party"),
        (f"{HC1}/operationMode", 1),
        ("/heatingCircuits/hc2/operationMode", "off"),
        (f"{HC1}/roomtemperature", 20.0),  # read-only
        ("/notifications", 1),
        (HC1, "x"),  # a folder
    ],
)
async def test_write_refused(
    gateway_authed_client: GatewayClient,
    gateway_sim: GatewaySimulator,
    path: str,
    value: object,
) -> None:
    before = json.dumps(gateway_sim.resources.leaves, sort_keys=True)
    with pytest.raises(InvalidValueError):
        await gateway_authed_client.put(path, value)  # type: ignore[arg-type]
    assert json.dumps(gateway_sim.resources.leaves, sort_keys=True) == before


async def test_write_bad_bodies(
    gateway_sim: GatewaySimulator,
    gateway_session: aiohttp.ClientSession,
    gateway_ssl_context: object,
    gateway_token: Token,
) -> None:
    url = f"https://{gateway_sim.host}:{gateway_sim.api_port}{HC1}/operationMode"
    headers = {"Authorization": f"Bearer {gateway_token.access_token}"}
    for body in (b"not json", b'{"val": "auto"}', b'["auto"]'):
        async with gateway_session.put(
            url, data=body, headers=headers, ssl=gateway_ssl_context
        ) as response:
            assert response.status == 400


async def test_write_outside_the_tree_is_403_forbidden(
    gateway_authed_client: GatewayClient, gateway_sim: GatewaySimulator
) -> None:
    """A write's 403 stays "forbidden"; a removed resource answers 404."""
    with pytest.raises(GatewayForbiddenError):
        await gateway_authed_client.put("/heatingCircuits/hc9/operationMode", "auto")
    gateway_sim.remove("/heatingCircuits/hc1/operationMode")
    with pytest.raises(ResourceNotFoundError):
        await gateway_authed_client.put("/heatingCircuits/hc1/operationMode", "auto")


async def test_read_outside_the_tree_is_absent(
    gateway_authed_client: GatewayClient, gateway_sim: GatewaySimulator
) -> None:
    """Real gateways answer 403 for a path outside the specification: absent."""
    gateway_sim.faults.log.clear()
    with pytest.raises(ResourceNotFoundError) as err:
        await gateway_authed_client.get("/solarCircuits")
    assert err.value.path == "/solarCircuits"
    assert gateway_sim.resources.absent_status("/solarCircuits") == 403
    got = await gateway_authed_client.get_many(["/solarCircuits", "/gateway/brand"])
    assert got["/solarCircuits"] is None
    assert got["/gateway/brand"] is not None


async def test_unknown_token_is_401(
    gateway_client: GatewayClient, gateway_sim: GatewaySimulator
) -> None:
    with pytest.raises(GatewayAuthError):
        await gateway_client.get("/gateway/brand")  # no token: not even sent
    assert gateway_sim.faults.requests() == []
    gateway_client.set_token("eyJ.forged.token")
    assert gateway_client.has_token
    with pytest.raises(GatewayAuthError):
        await gateway_client.get("/gateway/brand")
    with pytest.raises(GatewayAuthError):
        await gateway_client.put(f"{HC1}/operationMode", "auto")


async def test_token_forgotten_by_factory_reset(
    gateway_authed_client: GatewayClient, gateway_sim: GatewaySimulator
) -> None:
    assert (await gateway_authed_client.get("/gateway/brand")).value == "Bosch"
    gateway_sim.tokens.factory_reset()
    with pytest.raises(GatewayAuthError):
        await gateway_authed_client.get("/gateway/brand")


async def test_read_only_scope_is_403_on_write(
    gateway_client: GatewayClient, gateway_sim: GatewaySimulator
) -> None:
    gateway_sim.press()
    token = await gateway_client.request_token(READ_ONLY_CLIENT_ID, "Viewer")
    gateway_client.set_token(token.access_token)
    assert (await gateway_client.get(f"{HC1}/operationMode")).value == "auto"
    with pytest.raises(GatewayForbiddenError):
        await gateway_client.put(f"{HC1}/operationMode", "manual")
    assert gateway_sim.resources.leaves[f"{HC1}/operationMode"]["value"] == "auto"


async def test_token_without_read_scope_reads_nothing(
    gateway_client: GatewayClient, gateway_sim: GatewaySimulator
) -> None:
    """A read's 403 means absent (as outside the tree): nothing is read."""
    gateway_sim.press()
    token = await gateway_client.request_token(
        DEMO_CLIENT_ID, "Writer", ["service.level1.write"]
    )
    gateway_client.set_token(token.access_token)
    with pytest.raises(ResourceNotFoundError):
        await gateway_client.get("/gateway/brand")


# ---- faults ------------------------------------------------------------------
@pytest.mark.parametrize("status", [500, 502, 503])
async def test_server_errors(
    gateway_authed_client: GatewayClient, gateway_sim: GatewaySimulator, status: int
) -> None:
    gateway_sim.faults.set("/heatingCircuits", Fault(status=status, count=1))
    with pytest.raises(GatewayServerError) as err:
        await gateway_authed_client.get(f"{HC1}/roomtemperature")
    assert err.value.status == status
    assert isinstance(err.value, GatewayConnectionError)
    # Recovers by itself.
    assert (await gateway_authed_client.get(f"{HC1}/roomtemperature")).value == 21.3
    gateway_sim.faults.set("/heatingCircuits", Fault(status=status, count=1))
    with pytest.raises(GatewayServerError):
        await gateway_authed_client.put(f"{HC1}/operationMode", "auto")


async def test_unexpected_statuses(
    gateway_authed_client: GatewayClient, gateway_sim: GatewaySimulator
) -> None:
    gateway_sim.faults.set("/gateway", Fault(status=418))
    with pytest.raises(GatewayError, match="418"):
        await gateway_authed_client.get("/gateway/brand")
    with pytest.raises(GatewayError, match="418"):
        await gateway_authed_client.put("/gateway/brand", "x")


async def test_dropped_connection(
    gateway_authed_client: GatewayClient, gateway_sim: GatewaySimulator
) -> None:
    # aiohttp retries an idempotent request once on a reused connection:
    # drop every attempt, then recover.
    gateway_sim.faults.set("/gateway", Fault(drop=True))
    with pytest.raises(GatewayConnectionError):
        await gateway_authed_client.get("/gateway/brand")
    gateway_sim.faults.clear()
    assert (await gateway_authed_client.get("/gateway/brand")).value == "Bosch"


async def test_latency_beyond_timeout(
    gateway_sim: GatewaySimulator,
    gateway_session: aiohttp.ClientSession,
    gateway_ssl_context: object,
    gateway_token: Token,
) -> None:
    import ssl

    assert isinstance(gateway_ssl_context, ssl.SSLContext)
    client = GatewayClient(
        gateway_session,
        gateway_sim.host,
        api_port=gateway_sim.api_port,
        auth_port=gateway_sim.auth_port,
        ssl_context=gateway_ssl_context,
        token=gateway_token.access_token,
        timeout=0.2,
    )
    gateway_sim.faults.set("/gateway", Fault(latency=1.0, count=1))
    with pytest.raises(GatewayConnectionError, match="timed out"):
        await client.get("/gateway/brand")


async def test_nothing_listening(
    gateway_session: aiohttp.ClientSession, gateway_ssl_context: object, socket_enabled
) -> None:
    import socket
    import ssl

    assert isinstance(gateway_ssl_context, ssl.SSLContext)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    client = GatewayClient(
        gateway_session,
        "127.0.0.1",
        api_port=port,
        auth_port=port,
        ssl_context=gateway_ssl_context,
        token="t",
    )
    with pytest.raises(GatewayConnectionError):
        await client.get("/gateway/brand")
    with pytest.raises(GatewayConnectionError):
        await client.request_token(DEMO_CLIENT_ID, "Home Assistant")


@pytest.mark.parametrize(
    ("status", "error"),
    [(400, 400), (415, 415), (500, 500), (403, 403)],
)
async def test_token_refusal_mapping(
    gateway_client: GatewayClient,
    gateway_sim: GatewaySimulator,
    status: int,
    error: int,
) -> None:
    gateway_sim.faults.set("/auth/token", Fault(status=status))
    with pytest.raises(TokenRequestRejectedError) as err:
        await gateway_client.request_token(DEMO_CLIENT_ID, "Home Assistant")
    assert err.value.status == error


async def test_token_server_error(
    gateway_client: GatewayClient, gateway_sim: GatewaySimulator
) -> None:
    gateway_sim.faults.set("/auth/token", Fault(status=503))
    with pytest.raises(GatewayServerError):
        await gateway_client.request_token(DEMO_CLIENT_ID, "Home Assistant")


async def test_token_request_is_form_encoded(
    gateway_client: GatewayClient, gateway_sim: GatewaySimulator
) -> None:
    gateway_sim.press()
    token = await gateway_client.request_token(
        DEMO_CLIENT_ID, "Home Assistant", ["service.read", "", "service.level1.write"]
    )
    assert token.scope == "service.read service.level1.write"
    (logged,) = gateway_sim.faults.requests("/auth/token")
    assert logged.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert "access_token" not in repr(token)
    assert token.access_token not in repr(token)


async def test_secrets_not_in_errors_or_logs(
    gateway_authed_client: GatewayClient,
    gateway_sim: GatewaySimulator,
    gateway_token: Token,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger="custom_components.bosch_connect")
    messages = []
    gateway_sim.faults.set("/", Fault(status=503))
    for call in (
        gateway_authed_client.get("/gateway/brand"),
        gateway_authed_client.put(f"{HC1}/operationMode", "auto"),
    ):
        with pytest.raises(GatewayError) as err:
            await call
        messages.append(str(err.value))
    gateway_sim.faults.clear()
    gateway_authed_client.set_token("bad-" + gateway_token.access_token)
    with pytest.raises(GatewayAuthError) as err:
        await gateway_authed_client.get("/gateway/brand")
    messages.append(str(err.value))
    secret = gateway_token.access_token
    assert all(secret not in m for m in messages)
    assert secret not in caplog.text


# ---- answers that are not the Local API format --------------------------------
async def _odd_gateway(
    gateway_sim: GatewaySimulator, handler: web.Handler
) -> TlsListener:
    app = web.Application()
    app.router.add_route("*", "/{path:.*}", handler)
    listener = TlsListener(app, server_context(gateway_sim.pki))
    await listener.start()
    return listener


async def test_not_json_and_bad_token_answers(
    gateway_sim: GatewaySimulator,
    gateway_session: aiohttp.ClientSession,
    gateway_ssl_context: object,
) -> None:
    import ssl

    answers = iter(
        [
            web.Response(text="<html>hello</html>"),
            web.json_response({"token_type": "Bearer"}),
            web.json_response([1, 2]),
            web.json_response({"id": "/x", "type": "floatValue", "value": "warm"}),
        ]
    )

    async def handler(request: web.Request) -> web.StreamResponse:
        return next(answers)

    listener = await _odd_gateway(gateway_sim, handler)
    assert isinstance(gateway_ssl_context, ssl.SSLContext)
    client = GatewayClient(
        gateway_session,
        "127.0.0.1",
        api_port=listener.port,
        auth_port=listener.port,
        ssl_context=gateway_ssl_context,
        token="t",
    )
    try:
        with pytest.raises(ValueFormatError, match="not JSON"):
            await client.get("/gateway/brand")
        with pytest.raises(ValueFormatError, match="access_token"):
            await client.request_token(DEMO_CLIENT_ID, "Home Assistant")
        with pytest.raises(ValueFormatError):
            await client.get("/gateway/brand")
        with pytest.raises(ValueFormatError):
            await client.get("/x")
    finally:
        await listener.stop()


async def test_ipv6_host_url(
    gateway_session: aiohttp.ClientSession, gateway_ssl_context: object
) -> None:
    import ssl

    assert isinstance(gateway_ssl_context, ssl.SSLContext)
    client = GatewayClient(gateway_session, "fe80::1", ssl_context=gateway_ssl_context)
    assert client._url(8443, "/gateway/brand") == "https://[fe80::1]:8443/gateway/brand"
    assert (client.api_port, client.auth_port) == (8443, 8442)
    assert not client.has_token


async def test_parallel_clients_share_a_session(
    gateway_authed_client: GatewayClient,
) -> None:
    results = await asyncio.gather(
        *(gateway_authed_client.get("/gateway/brand") for _ in range(6))
    )
    assert {r.value for r in results} == {"Bosch"}


async def test_auth_port_faults(
    gateway_client: GatewayClient, gateway_sim: GatewaySimulator
) -> None:
    """Faults on the auth port: a dropped token request is a connection error."""
    gateway_sim.faults.set("/auth/token", Fault(drop=True, count=1))
    gateway_sim.press()
    with pytest.raises(GatewayConnectionError):
        await gateway_client.request_token(DEMO_CLIENT_ID, "Home Assistant")
    assert gateway_sim.token_count == 0
    # The dropped request never reached the token endpoint: the window is open.
    assert gateway_sim.tokens.window_open
    token = await gateway_client.request_token(DEMO_CLIENT_ID, "Home Assistant")
    assert token.can_write


async def test_get_many_raises_other_errors(
    gateway_authed_client: GatewayClient, gateway_sim: GatewaySimulator
) -> None:
    gateway_sim.faults.set("/heatSources/systemPressure", Fault(status=503))
    with pytest.raises(GatewayServerError):
        await gateway_authed_client.get_many(
            ["/gateway/brand", "/heatSources/systemPressure", "/nope"]
        )


async def test_get_many_stops_at_the_first_error(
    gateway_authed_client: GatewayClient, gateway_sim: GatewaySimulator
) -> None:
    """After a failure the remaining reads are cancelled, not sent one by one."""
    paths = [f"/heatingCircuits/hc{n % 2 + 1}/operationMode" for n in range(2)]
    paths += [f"/nope/{n}" for n in range(20)]
    gateway_sim.faults.set("/heatingCircuits/hc1", Fault(status=503))
    gateway_sim.faults.set("/nope", Fault(latency=0.05))
    gateway_sim.faults.log.clear()
    with pytest.raises(GatewayServerError):
        await gateway_authed_client.get_many(paths, parallel=2)
    await asyncio.sleep(0.2)  # nothing left running in the background
    assert len(gateway_sim.faults.requests("/nope")) <= 2
    assert gateway_sim.in_flight == 0
