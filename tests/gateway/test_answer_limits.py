"""Bounded answers: nothing larger than a real gateway sends is read whole.

A resource answer may have at most ``MAX_RESOURCE_ANSWER`` (64 KiB) bytes, a
token answer ``MAX_TOKEN_ANSWER`` (8 KiB). The client reads at most the limit
+ 1 bytes, and nothing when the Content-Length is already above the limit.
Against the simulator over real TLS: it sends endless chunked answers, or
announces a huge Content-Length and then waits (a client that read on would
time out instead of refusing).
"""

from __future__ import annotations

import json
import time
from typing import Any

import aiohttp
from aiohttp import web
import pytest

from custom_components.bosch_connect.gateway.api import (
    MAX_RESOURCE_ANSWER,
    MAX_TOKEN_ANSWER,
    GatewayClient,
)
from custom_components.bosch_connect.gateway.errors import AnswerTooLargeError
from simulator.gateway import GatewaySimulator
from simulator.gateway.listener import TlsListener
from simulator.gateway.tls import server_context
from simulator.gateway.tokens import DEMO_CLIENT_ID

BIG = 64 * 1024 * 1024  # 64 MiB: far more than the client may take


@pytest.mark.parametrize("declare_length", [False, True], ids=["chunked", "length"])
async def test_oversized_resource_is_refused_unread(
    gateway_sim: GatewaySimulator,
    gateway_authed_client: GatewayClient,
    declare_length: bool,
) -> None:
    gateway_sim.oversize(
        "/gateway/brand",
        None if not declare_length else BIG,
        declare_length=declare_length,
    )
    started = time.monotonic()
    with pytest.raises(AnswerTooLargeError) as err:
        await gateway_authed_client.get("/gateway/brand")
    assert err.value.limit == MAX_RESOURCE_ANSWER
    # Refused at once: neither read to the end (endless) nor waited for
    # (the declared body never comes; the client's timeout is 5 s).
    assert time.monotonic() - started < 2
    # The connection was closed, not kept for the next request.
    assert (await gateway_authed_client.get("/gateway/uuid")).value == "101042019"


async def test_oversized_token_answer_is_refused(
    gateway_sim: GatewaySimulator, gateway_client: GatewayClient
) -> None:
    gateway_sim.oversize("/auth/token", MAX_TOKEN_ANSWER + 1)
    gateway_sim.press()
    with pytest.raises(AnswerTooLargeError) as err:
        await gateway_client.request_token(DEMO_CLIENT_ID, "Home Assistant")
    assert err.value.limit == MAX_TOKEN_ANSWER
    assert "token" not in str(err.value).replace("/auth/token", "")


async def _gateway_answering(
    sim: GatewaySimulator, body: bytes
) -> tuple[TlsListener, list[int]]:
    """A server with the gateway's certificate answering ``body`` (chunked)."""
    sizes: list[int] = []

    async def handler(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "application/json"})
        response.enable_chunked_encoding()
        await response.prepare(request)
        await response.write(body)
        sizes.append(len(body))
        return response

    app = web.Application()
    app.router.add_route("*", "/{path:.*}", handler)
    listener = TlsListener(app, server_context(sim.pki))
    await listener.start()
    return listener, sizes


def _padded(payload: dict[str, Any], size: int) -> bytes:
    text = json.dumps(payload).encode()
    return text + b" " * (size - len(text))


@pytest.mark.parametrize(
    ("limit", "path"),
    [(MAX_RESOURCE_ANSWER, "/gateway/brand"), (MAX_TOKEN_ANSWER, "/auth/token")],
)
async def test_the_limit_itself_is_accepted(
    gateway_sim: GatewaySimulator,
    gateway_session: aiohttp.ClientSession,
    gateway_ssl_context: object,
    limit: int,
    path: str,
) -> None:
    """Exactly ``limit`` bytes: read; one byte more: refused."""
    import ssl

    assert isinstance(gateway_ssl_context, ssl.SSLContext)
    payload: dict[str, Any] = (
        {"id": path, "type": "stringValue", "writeable": 0, "value": "Bosch"}
        if path != "/auth/token"
        else {"access_token": "t", "token_type": "Bearer", "scope": "service.read"}
    )
    for size, accepted in ((limit, True), (limit + 1, False)):
        listener, _ = await _gateway_answering(gateway_sim, _padded(payload, size))
        client = GatewayClient(
            gateway_session,
            "127.0.0.1",
            api_port=listener.port,
            auth_port=listener.port,
            ssl_context=gateway_ssl_context,
            token="t",
            require_identity=True,
        )
        try:
            call = (
                client.request_token(DEMO_CLIENT_ID, "Home Assistant")
                if path == "/auth/token"
                else client.get(path)
            )
            if accepted:
                assert await call
            else:
                with pytest.raises(AnswerTooLargeError):
                    await call
        finally:
            await listener.stop()


async def test_a_larger_limit_for_larger_resources(
    gateway_sim: GatewaySimulator, gateway_authed_client: GatewayClient
) -> None:
    """The limit is the client's (a later channel may read larger recordings)."""
    gateway_authed_client.max_answer = 4
    with pytest.raises(AnswerTooLargeError):
        await gateway_authed_client.get("/gateway/brand")
    gateway_authed_client.max_answer = MAX_RESOURCE_ANSWER
    assert (await gateway_authed_client.get("/gateway/brand")).value == "Bosch"
