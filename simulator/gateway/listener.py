"""A TLS listener that owns its handshakes.

``TCPSite(ssl_context=...)`` lets asyncio run the handshake and report every
refused client (wrong CA, chain too deep, cipher, TLS version) to the event
loop's exception handler as an error. For a gateway, refusing is normal: this
listener accepts plain TCP, upgrades each connection with ``loop.start_tls``
itself, counts refusals, and only then hands the connection to aiohttp.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
import logging
import ssl

from aiohttp import web

from simulator.server import HOST

from .tls import chain_too_deep

_LOGGER = logging.getLogger(__name__)


class _TlsAcceptor(asyncio.Protocol):
    """Holds a fresh TCP connection until its TLS handshake is done."""

    def __init__(
        self,
        listener: TlsListener,
        make_protocol: Callable[[], asyncio.Protocol],
    ) -> None:
        self._listener = listener
        self._make_protocol = make_protocol

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        transport.pause_reading()  # the ClientHello waits for start_tls
        task = asyncio.get_running_loop().create_task(self._upgrade(transport))
        self._listener.tasks.add(task)
        task.add_done_callback(self._listener.tasks.discard)

    async def _upgrade(self, transport: asyncio.Transport) -> None:
        loop = asyncio.get_running_loop()
        inner = self._make_protocol()
        try:
            tls = await loop.start_tls(
                transport, inner, self._listener.ssl_context, server_side=True
            )
        except (ssl.SSLError, OSError, TimeoutError) as err:
            self._listener.refused.append(type(err).__name__)
            _LOGGER.debug("TLS handshake refused: %s", err)
            transport.abort()
            return
        if tls is None:  # pragma: no cover - closed during the handshake
            transport.abort()
            return
        if chain_too_deep(tls.get_extra_info("ssl_object")):  # pragma: no cover
            # Only when OpenSSL's verify depth could not be set.
            self._listener.refused.append("chain too deep")
            tls.abort()
            return
        self._listener.track(tls)
        inner.connection_made(tls)


@dataclass
class TlsListener:
    """An aiohttp application behind :class:`_TlsAcceptor` on 127.0.0.1."""

    app: web.Application
    ssl_context: ssl.SSLContext
    port: int = 0
    host: str = HOST
    refused: list[str] = field(default_factory=list)
    tasks: set[asyncio.Task[None]] = field(default_factory=set)
    # Open TLS connections (closed ones are pruned as new ones come).
    connections: set[asyncio.Transport] = field(default_factory=set)
    _runner: web.AppRunner | None = field(default=None, init=False)
    _server: asyncio.Server | None = field(default=None, init=False)

    async def start(self) -> None:
        """Bind and serve; afterwards ``port`` is the bound port."""
        self._runner = web.AppRunner(self.app, access_log=None)
        await self._runner.setup()
        handler = self._runner.server
        assert handler is not None
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(
            lambda: _TlsAcceptor(self, handler), self.host, self.port
        )
        self.port = self._server.sockets[0].getsockname()[1]

    def track(self, transport: asyncio.Transport) -> None:
        """Remember an open TLS connection (for ``drop_connections``)."""
        self.connections = {t for t in self.connections if not t.is_closing()}
        self.connections.add(transport)

    def drop_connections(self) -> int:
        """Close every open connection (a restart): clients must connect anew."""
        dropped = [t for t in self.connections if not t.is_closing()]
        for transport in dropped:
            transport.abort()
        self.connections.clear()
        return len(dropped)

    async def stop(self) -> None:
        """Stop accepting, finish handshakes in progress, stop the app."""
        if self._server is not None:
            self._server.close()
            self._server = None
        for task in list(self.tasks):
            task.cancel()
        if self.tasks:
            await asyncio.gather(*self.tasks, return_exceptions=True)
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @property
    def url(self) -> str:
        """Base URL of this listener."""
        return f"https://{self.host}:{self.port}"
