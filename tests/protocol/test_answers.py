"""The bounded read that every cloud client uses (protocol/answers.py).

Against a real server on 127.0.0.1: an answer with a Content-Length, a
chunked one, one whose end is the closed connection, and a small gzip body
that decompresses past the limit.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
import contextlib
import gzip

import aiohttp
from aiohttp import web
import pytest

from custom_components.bosch_connect.protocol.answers import (
    KIB,
    MIB,
    AnswerTooLargeError,
    json_or_none,
    parse_json,
    read_answer,
)
from simulator.faults import Fault, Faults
from simulator.server import Listener, make_app

LIMIT = 64 * KIB
# What the socket buffers of loopback take before the server must stop
# (about 4 MiB here); the old full read took every byte.
BUFFERS = 16 * MIB


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations() -> None:
    """Protocol tests: no Home Assistant instance is needed (nor started)."""


@pytest.fixture
async def server(socket_enabled: None) -> AsyncIterator[tuple[Faults, str]]:
    """A server whose answers are the faults' (and gzip at ``/gzip``)."""
    faults = Faults()
    app = make_app(faults)

    async def bomb(request: web.Request) -> web.Response:
        # 2 MiB of JSON that is about 2 KiB on the wire.
        body = b'{"padding":"' + b"a" * (2 * MIB) + b'"}'
        return web.Response(
            body=gzip.compress(body),
            headers={"Content-Encoding": "gzip", "Content-Type": "application/json"},
        )

    app.router.add_get("/gzip", bomb)
    listener = Listener(app)
    await listener.start()
    yield faults, listener.url
    await listener.stop()


async def _read(session: aiohttp.ClientSession, url: str, limit: int) -> bytes:
    async with session.get(url) as response:
        return await read_answer(response, limit)


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
async def test_an_answer_up_to_the_limit_is_read_whole(
    server: tuple[Faults, str], session: aiohttp.ClientSession, chunked: bool
) -> None:
    faults, url = server
    faults.set("/", Fault(oversize=LIMIT, chunked=chunked))
    body = await _read(session, f"{url}/x", LIMIT)
    assert len(body) == LIMIT
    assert parse_json(body) == {"padding": "a" * (LIMIT - 14)}


async def test_a_content_length_above_the_limit_is_refused_before_reading(
    server: tuple[Faults, str], session: aiohttp.ClientSession
) -> None:
    faults, url = server
    fault = Fault(oversize=LIMIT + 1)
    faults.set("/", fault)
    with pytest.raises(AnswerTooLargeError) as caught:
        await _read(session, f"{url}/x", LIMIT)
    assert caught.value.declared == LIMIT + 1
    assert caught.value.limit == LIMIT
    assert str(caught.value) == f"answer larger than {LIMIT} bytes"


async def test_a_chunked_answer_stops_after_limit_plus_one_byte(
    server: tuple[Faults, str], session: aiohttp.ClientSession
) -> None:
    faults, url = server
    total = LIMIT + 64 * MIB
    fault = Fault(oversize=total, chunked=True)
    faults.set("/", fault)
    with pytest.raises(AnswerTooLargeError) as caught:
        await _read(session, f"{url}/x", LIMIT)
    assert caught.value.declared is None  # no length: found while reading
    assert fault.sent < LIMIT + BUFFERS  # not read whole


async def _raw_server(
    answer: Callable[[asyncio.StreamWriter], Awaitable[None]],
) -> tuple[asyncio.Server, str]:
    async def handle(
        reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        await reader.readuntil(b"\r\n\r\n")
        with contextlib.suppress(ConnectionError):  # the client hung up
            await answer(writer)
        writer.close()

    raw = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = raw.sockets[0].getsockname()[1]
    return raw, f"http://127.0.0.1:{port}/x"


async def test_an_answer_ended_by_closing_is_bounded_too(
    socket_enabled: None, session: aiohttp.ClientSession
) -> None:
    """No length and no chunks: the body ends when the server closes."""
    sent = 0

    async def endless(writer: asyncio.StreamWriter) -> None:
        nonlocal sent
        writer.write(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n")
        for _ in range(1024):  # 64 MiB
            writer.write(b"a" * (64 * KIB))
            await writer.drain()
            sent += 64 * KIB

    raw, url = await _raw_server(endless)
    async with raw:
        with pytest.raises(AnswerTooLargeError):
            await _read(session, url, LIMIT)
    assert sent < LIMIT + BUFFERS


async def test_a_small_gzip_answer_that_inflates_past_the_limit_is_refused(
    server: tuple[Faults, str], session: aiohttp.ClientSession
) -> None:
    _, url = server
    async with session.get(f"{url}/gzip") as response:
        assert response.content_length is not None
        assert response.content_length < LIMIT  # the header is honest
        with pytest.raises(AnswerTooLargeError):
            await read_answer(response, LIMIT)
    # With room for it, the same answer is read.
    assert len(await _read(session, f"{url}/gzip", 4 * MIB)) == 2 * MIB + 14


def test_parse_json() -> None:
    assert parse_json(b'{"a": [1, 2]}') == {"a": [1, 2]}
    assert parse_json(b"") is None
    assert parse_json(b" \r\n") is None  # as aiohttp's response.json()
    assert parse_json('{"ä": 1}'.encode("utf-16")) == {"ä": 1}
    for broken in (b"{", b"\xff\xfe\xfa", b"[" * 200_000 + b"]" * 200_000):
        with pytest.raises(ValueError):
            parse_json(broken)


def test_json_or_none() -> None:
    """For an API whose status tells the error: what is not JSON is None."""
    assert json_or_none(b'{"code": 0}') == {"code": 0}
    assert json_or_none(b"") is None
    for broken in (b"<html>", b"\xff\xfe\xfa", b"[" * 200_000 + b"]" * 200_000):
        assert json_or_none(broken) is None
