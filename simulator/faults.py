"""Fault injection and a request log, shared by every simulated service.

A fault applies to requests whose path starts with a prefix: added latency,
an HTTP status instead of the real answer, a dropped connection, or an answer
larger than any real one (``oversize`` bytes of JSON, with a Content-Length or
chunked without one; ``sent`` counts the bytes that got out before the client
hung up). It can be limited to the next ``count`` matching requests.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
import time

from aiohttp import web

OVERSIZE_HEAD = b'{"padding":"'
OVERSIZE_TAIL = b'"}'
OVERSIZE_STEP = 64 * 1024

type Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass(slots=True)
class Fault:
    """What to do to a matching request."""

    latency: float = 0.0
    status: int | None = None
    drop: bool = False
    count: int | None = None  # None: every matching request
    # Answer with a JSON object of this many bytes (at least 14) instead,
    # with ``status`` (default 200); ``chunked``: without a Content-Length.
    oversize: int | None = None
    chunked: bool = False
    sent: int = 0  # bytes of oversized answers written so far


async def oversized_answer(request: web.Request, fault: Fault) -> web.StreamResponse:
    """Stream ``fault.oversize`` bytes of valid JSON; stop when the client leaves."""
    size = fault.oversize or 0
    response = web.StreamResponse(
        status=fault.status or 200, headers={"Content-Type": "application/json"}
    )
    if fault.chunked:
        response.enable_chunked_encoding()
    else:
        response.content_length = size
    await response.prepare(request)

    async def write(part: bytes) -> None:
        await response.write(part)
        fault.sent += len(part)

    padding = size - len(OVERSIZE_HEAD) - len(OVERSIZE_TAIL)
    step = b"a" * OVERSIZE_STEP
    try:
        await write(OVERSIZE_HEAD)
        while padding > 0:
            await write(step[: min(padding, OVERSIZE_STEP)])
            padding -= OVERSIZE_STEP
        await write(OVERSIZE_TAIL)
        await response.write_eof()
    except ConnectionError:
        # The client stopped reading and closed the connection (as it should).
        if request.transport is not None:
            request.transport.abort()
    return response


@dataclass(frozen=True, slots=True)
class LoggedRequest:
    """One request as the simulator received it."""

    method: str
    path: str
    query: str
    headers: dict[str, str]
    at: float


@dataclass(slots=True)
class Faults:
    """The faults of one service and the log of what it received."""

    faults: dict[str, Fault] = field(default_factory=dict)
    log: list[LoggedRequest] = field(default_factory=list)
    latency: float = 0.0  # added to every request

    def set(self, prefix: str, fault: Fault) -> None:
        """Inject ``fault`` into requests whose path starts with ``prefix``."""
        self.faults[prefix] = fault

    def clear(self, prefix: str | None = None) -> None:
        """Remove one fault, or all of them."""
        if prefix is None:
            self.faults.clear()
        else:
            self.faults.pop(prefix, None)

    def requests(
        self, path_prefix: str = "", method: str | None = None
    ) -> list[LoggedRequest]:
        """The logged requests matching a path prefix (and method)."""
        return [
            r
            for r in self.log
            if r.path.startswith(path_prefix) and (method is None or r.method == method)
        ]

    def _match(self, path: str) -> Fault | None:
        for prefix in sorted(self.faults, key=len, reverse=True):
            if path.startswith(prefix):
                fault = self.faults[prefix]
                if fault.count is not None:
                    if fault.count <= 0:
                        continue
                    fault.count -= 1
                return fault
        return None

    @web.middleware
    async def middleware(
        self, request: web.Request, handler: Handler
    ) -> web.StreamResponse:
        """Log the request, then apply latency, status or drop."""
        self.log.append(
            LoggedRequest(
                method=request.method,
                path=request.path,
                query=request.query_string,
                headers=dict(request.headers),
                at=time.monotonic(),
            )
        )
        if self.latency:
            await asyncio.sleep(self.latency)
        fault = self._match(request.path)
        if fault is not None:
            if fault.latency:
                await asyncio.sleep(fault.latency)
            if fault.drop:
                if request.transport is not None:
                    request.transport.abort()
                raise asyncio.CancelledError
            if fault.oversize is not None:
                return await oversized_answer(request, fault)
            if fault.status is not None:
                return web.json_response(
                    {"error": "injected fault", "status": fault.status},
                    status=fault.status,
                )
        return await handler(request)
