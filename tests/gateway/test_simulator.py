"""The simulated gateway: token endpoint, proximity window, limits, control.

Everything goes over real sockets and real mutual TLS.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
from typing import Any

import aiohttp
import pytest

from custom_components.bosch_connect.gateway.api import GatewayClient, Token
from custom_components.bosch_connect.gateway.errors import (
    InvalidClientError,
    ProximityCheckRequiredError,
    TokenLimitReachedError,
)
from simulator.control import make_control_app
from simulator.gateway import GatewaySimulator, create
from simulator.gateway.tokens import DEMO_CLIENT_ID, READ_ONLY_CLIENT_ID
from simulator.options import Options
from simulator.server import Listener

FORM = {
    "client_id": DEMO_CLIENT_ID,
    "client_name": "Home Assistant",
    "grant_type": "client_credentials",
}


async def post_token(
    sim: GatewaySimulator,
    session: aiohttp.ClientSession,
    context: ssl.SSLContext,
    *,
    data: Any = None,
    json_body: Any = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, dict[str, Any]]:
    """A raw token request, for bodies the client never sends."""
    async with session.post(
        f"https://{sim.host}:{sim.auth_port}/auth/token",
        data=data,
        json=json_body,
        headers=headers,
        ssl=context,
    ) as response:
        return response.status, await response.json()


async def test_token_success_response_shape(
    gateway_sim: GatewaySimulator,
    gateway_session: aiohttp.ClientSession,
    gateway_ssl_context: ssl.SSLContext,
) -> None:
    gateway_sim.press()
    status, body = await post_token(
        gateway_sim, gateway_session, gateway_ssl_context, data=FORM
    )
    assert status == 200
    assert set(body) == {"access_token", "token_type", "scope"}
    assert body["token_type"] == "Bearer"
    assert body["scope"] == "service.read service.level1.write"
    assert body["access_token"].count(".") == 2  # JWT-shaped
    assert gateway_sim.token_count == 1
    assert gateway_sim.tokens.tokens[0].client_name == "Home Assistant"


@pytest.mark.parametrize(
    ("form", "status"),
    [
        ({**FORM, "client_name": ""}, 400),
        ({k: v for k, v in FORM.items() if k != "client_name"}, 400),
        ({**FORM, "grant_type": "password"}, 400),
        ({k: v for k, v in FORM.items() if k != "grant_type"}, 400),
        ({**FORM, "client_id": "someone-else"}, 401),
        ({**FORM, "scope": "service.read service.level2.write"}, 401),
        (
            {**FORM, "client_id": READ_ONLY_CLIENT_ID, "scope": "service.level1.write"},
            401,
        ),
        ({k: v for k, v in FORM.items() if k != "client_id"}, 500),
        ({**FORM, "client_id": ""}, 500),
    ],
)
async def test_token_refusals(
    gateway_sim: GatewaySimulator,
    gateway_session: aiohttp.ClientSession,
    gateway_ssl_context: ssl.SSLContext,
    form: dict[str, str],
    status: int,
) -> None:
    gateway_sim.press()
    got, _ = await post_token(
        gateway_sim, gateway_session, gateway_ssl_context, data=form
    )
    assert got == status
    assert gateway_sim.token_count == 0
    assert not gateway_sim.tokens.window_open  # used up by the failed request


async def test_wrong_content_type_is_415(
    gateway_sim: GatewaySimulator,
    gateway_session: aiohttp.ClientSession,
    gateway_ssl_context: ssl.SSLContext,
) -> None:
    gateway_sim.press()
    status, _ = await post_token(
        gateway_sim, gateway_session, gateway_ssl_context, json_body=FORM
    )
    assert status == 415
    # The request closed the window although it failed.
    status, _ = await post_token(
        gateway_sim, gateway_session, gateway_ssl_context, data=FORM
    )
    assert status == 412


async def test_no_press_is_412(
    gateway_sim: GatewaySimulator, gateway_client: GatewayClient
) -> None:
    with pytest.raises(ProximityCheckRequiredError) as err:
        await gateway_client.request_token(DEMO_CLIENT_ID, "Home Assistant")
    assert err.value.status == 412
    assert gateway_sim.token_count == 0


async def test_window_lasts_60_simulated_seconds(
    gateway_sim: GatewaySimulator,
    gateway_client: GatewayClient,
    sim_options: Options,
) -> None:
    gateway_sim.press()
    sim_options.clock.advance(59)
    assert gateway_sim.tokens.window_open
    token = await gateway_client.request_token(DEMO_CLIENT_ID, "Home Assistant")
    assert token.can_write

    gateway_sim.press()
    sim_options.clock.advance(61)
    assert not gateway_sim.tokens.window_open
    with pytest.raises(ProximityCheckRequiredError):
        await gateway_client.request_token(DEMO_CLIENT_ID, "Home Assistant")
    assert gateway_sim.token_count == 1


async def test_window_closes_after_one_request(
    gateway_sim: GatewaySimulator, gateway_client: GatewayClient
) -> None:
    gateway_sim.press()
    await gateway_client.request_token(DEMO_CLIENT_ID, "Home Assistant")
    with pytest.raises(ProximityCheckRequiredError):
        await gateway_client.request_token(DEMO_CLIENT_ID, "Home Assistant")
    # A failed request closes it too.
    gateway_sim.press()
    with pytest.raises(InvalidClientError):
        await gateway_client.request_token("unknown", "Home Assistant")
    with pytest.raises(ProximityCheckRequiredError):
        await gateway_client.request_token(DEMO_CLIENT_ID, "Home Assistant")
    assert gateway_sim.token_count == 1
    assert gateway_sim.tokens.requests == 4


async def test_32_tokens_then_507(
    gateway_sim: GatewaySimulator, gateway_client: GatewayClient
) -> None:
    tokens = set()
    for _ in range(32):
        gateway_sim.press()
        token = await gateway_client.request_token(DEMO_CLIENT_ID, "Home Assistant")
        tokens.add(token.access_token)
    assert len(tokens) == 32
    assert gateway_sim.token_count == 32
    gateway_sim.press()
    with pytest.raises(TokenLimitReachedError) as err:
        await gateway_client.request_token(DEMO_CLIENT_ID, "Home Assistant")
    assert err.value.status == 507
    assert gateway_sim.token_count == 32
    # Every one of the 32 still works.
    gateway_client.set_token(sorted(tokens)[0])
    assert (await gateway_client.get("/gateway/brand")).value == "Bosch"


async def test_scopes(
    gateway_sim: GatewaySimulator, gateway_client: GatewayClient
) -> None:
    gateway_sim.press()
    token = await gateway_client.request_token(
        DEMO_CLIENT_ID, "Home Assistant", ["service.read"]
    )
    assert token.scope == "service.read"
    assert not token.can_write
    gateway_sim.press()
    token = await gateway_client.request_token(READ_ONLY_CLIENT_ID, "Home Assistant")
    assert token.scopes == {"service.read"}


async def test_tokens_and_pki_survive_a_restart(
    sim_options: Options,
    socket_enabled: None,
    gateway_session: aiohttp.ClientSession,
) -> None:
    from custom_components.bosch_connect.gateway.tls import build_ssl_context

    first = create(sim_options)
    await first.start()
    context = build_ssl_context(
        first.pki.client.cert_pem,
        first.pki.client.key_pem,
        first.pki.bosch_root.cert_pem,
    )
    client = GatewayClient(
        gateway_session,
        first.host,
        api_port=first.api_port,
        auth_port=first.auth_port,
        ssl_context=context,
    )
    first.press()
    token = await client.request_token(DEMO_CLIENT_ID, "Home Assistant")
    serial = first.pki.client.cert.serial_number
    await first.stop()

    second = create(sim_options)
    await second.start()
    try:
        assert second.pki.client.cert.serial_number == serial
        assert second.token_count == 1
        client = GatewayClient(
            gateway_session,
            second.host,
            api_port=second.api_port,
            auth_port=second.auth_port,
            ssl_context=context,
            token=token.access_token,
        )
        assert (await client.get("/gateway/uuid")).value == "101042019"
    finally:
        await second.stop()


async def test_broken_pki_files_are_made_anew(
    sim_options: Options, socket_enabled: None
) -> None:
    first = create(sim_options)
    (first.pki.folder / "client.key.pem").write_text("garbage")
    second = create(sim_options)
    assert second.pki.client.cert.serial_number != first.pki.client.cert.serial_number
    (second.pki.folder / "rogue-ca.pem").unlink()
    third = create(sim_options)
    assert third.pki.bosch_root.cert != second.pki.bosch_root.cert


async def test_control_routes(
    gateway_sim: GatewaySimulator, gateway_client: GatewayClient, sim_options: Options
) -> None:
    control = Listener(make_control_app([gateway_sim]))
    await control.start()
    try:
        async with aiohttp.ClientSession(base_url=control.url) as http:
            async with http.get("/gateway/state") as response:
                state = await response.json()
            assert state["tokens_issued"] == 0
            assert state["window_open"] is False
            assert state["api_port"] == gateway_sim.api_port

            async with http.post("/gateway/press", json={}) as response:
                assert (await response.json())["pressed"] is True
            async with http.get("/gateway/state") as response:
                state = await response.json()
            assert state["window_open"] is True
            assert 59 <= state["window_remaining"] <= 60

            async with http.post("/gateway/clock", json={"advance": 120}) as response:
                assert response.status == 200
            assert not gateway_sim.tokens.window_open

            async with http.get("/gateway/info") as response:
                info = await response.json()
            assert info["client_id"] == DEMO_CLIENT_ID
            assert info["auth_port"] == gateway_sim.auth_port
            assert info["client_cert_path"] == str(gateway_sim.pki.client_cert_path)
            assert info["root_cert_path"] == str(gateway_sim.pki.bosch_root_path)

            path = "/system/sensors/temperatures/outdoor_t1"
            async with http.post(
                "/gateway/value", json={"path": path, "sentinel": "open"}
            ) as response:
                assert (await response.json())["value"] == -32768
            async with http.post(
                "/gateway/value", json={"path": path, "sentinel": "nope"}
            ) as response:
                assert response.status == 400
            async with http.post(
                "/gateway/value", json={"path": path, "value": 3.5}
            ) as response:
                assert (await response.json())["value"] == 3.5
            async with http.post(
                "/gateway/value", json={"path": "/nope", "value": 1}
            ) as response:
                assert response.status == 404
            async with http.delete("/gateway/value", params={"path": path}) as response:
                assert (await response.json())["removed"] is True

            gateway_sim.press()
            await gateway_client.request_token(DEMO_CLIENT_ID, "Home Assistant")
            assert gateway_sim.token_count == 1
            async with http.post("/gateway/factory-reset", json={}) as response:
                assert (await response.json())["tokens_issued"] == 0
            assert gateway_sim.token_count == 0
    finally:
        await control.stop()


def test_describe_and_actions(gateway_sim: GatewaySimulator) -> None:
    text = "\n".join(gateway_sim.describe())
    assert str(gateway_sim.api_port) in text
    assert str(gateway_sim.auth_port) in text
    assert DEMO_CLIENT_ID in text
    assert str(gateway_sim.pki.client_cert_path) in text
    assert str(gateway_sim.pki.client_key_path) in text
    assert str(gateway_sim.pki.bosch_root_path) in text
    assert "python -m simulator press" in text
    labels = [action.label for action in gateway_sim.control_actions()]
    assert any("Press" in label for label in labels)


def test_key_files_are_private(gateway_sim: GatewaySimulator) -> None:
    mode = gateway_sim.pki.client_key_path.stat().st_mode & 0o777
    assert mode == 0o600


async def test_cli_press(
    gateway_sim: GatewaySimulator, capsys: pytest.CaptureFixture[str]
) -> None:
    """``python -m simulator press`` opens the window of a running gateway."""
    import asyncio

    from simulator.__main__ import main

    control = Listener(make_control_app([gateway_sim]))
    await control.start()
    try:
        assert not gateway_sim.tokens.window_open
        code = await asyncio.get_running_loop().run_in_executor(
            None, main, ["--control-port", str(control.port), "press"]
        )
        assert code == 0
        assert gateway_sim.tokens.window_open
        assert '"pressed": true' in capsys.readouterr().out
    finally:
        await control.stop()


def test_identity_from_environment(
    sim_options: Options, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SIMULATOR_GATEWAY_UUID", "555000111")
    monkeypatch.setenv("SIMULATOR_GATEWAY_SERIAL", "12345")
    sim = create(sim_options)
    assert sim.identity.instance == "k40rf-555000111"
    assert sim.info()["uuid"] == "555000111"
    assert sim.info()["serial"] == "12345"
    assert sim.resources.leaves["/gateway/uuid"]["value"] == "555000111"
    monkeypatch.delenv("SIMULATOR_GATEWAY_UUID")
    monkeypatch.delenv("SIMULATOR_GATEWAY_SERIAL")
    assert create(sim_options).identity.uuid == "101042019"


def test_rsa_server_certificate_added_to_an_older_pki(
    gateway_sim: GatewaySimulator, sim_options: Options
) -> None:
    folder = gateway_sim.pki.folder
    (folder / "gateway-server-rsa.pem").unlink()
    again = create(sim_options)
    assert again.pki.bosch_root.cert == gateway_sim.pki.bosch_root.cert
    assert again.pki.client.cert == gateway_sim.pki.client.cert
    assert again.pki.server_rsa.cert != gateway_sim.pki.server_rsa.cert
    assert again.pki.server_rsa.cert.issuer == again.pki.bosch_root.cert.subject


async def test_put_whose_body_never_arrives(
    gateway_sim: GatewaySimulator,
    gateway_ssl_context: ssl.SSLContext,
    gateway_token: Token,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A client that gives up before sending its body: nothing written, no error."""
    path = "/dhwCircuits/dhw1/operationMode"
    before = gateway_sim.resources.leaves[path]["value"]
    reader, writer = await asyncio.open_connection(
        gateway_sim.host, gateway_sim.api_port, ssl=gateway_ssl_context
    )
    writer.write(
        f"PUT {path} HTTP/1.1\r\nHost: gw\r\n"
        f"Authorization: Bearer {gateway_token.access_token}\r\n"
        "Content-Type: application/json\r\nContent-Length: 20\r\n\r\n".encode()
    )
    await writer.drain()
    for _ in range(100):  # until the gateway reads the body
        if gateway_sim.in_flight:
            break
        await asyncio.sleep(0.01)
    assert gateway_sim.in_flight == 1
    writer.transport.abort()
    for _ in range(100):
        if not gateway_sim.in_flight:
            break
        await asyncio.sleep(0.01)
    assert gateway_sim.in_flight == 0
    assert gateway_sim.resources.leaves[path]["value"] == before
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert await reader.read() == b""
