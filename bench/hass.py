"""A real Home Assistant instance, in-process, with its real HTTP server.

This is Home Assistant's own bootstrap minus the integrations a benchmark does
not need: real registries (stored in a temporary config directory), the real
auth manager, ``http`` bound to 127.0.0.1 on a free port, and ``webhook``.
Nothing is mocked.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Coroutine
import contextlib
from dataclasses import dataclass
import logging
from pathlib import Path
import socket
import ssl
import tempfile
from typing import Any

from aiohttp import web
from homeassistant import bootstrap, loader
from homeassistant.config_entries import ConfigEntries
from homeassistant.core import HomeAssistant
from homeassistant.core_config import async_process_ha_core_config
from homeassistant.runner import create_event_loop
from homeassistant.setup import async_setup_component
from zeroconf import Zeroconf

from simulator.pki import issue, simulator_ca
from simulator.trust import trust_in_this_process

# Home Assistant's shared Zeroconf replaces ``Zeroconf.__new__`` and
# ``__init__`` for the whole process, so that any later instance is the shared
# one (``homeassistant.components.zeroconf.usage``). A later Home Assistant in
# the same process would get the stopped one's, and each integration that
# opens the client session (its resolver uses Zeroconf) would be reported for
# "creating another Zeroconf instance". After every instance the methods are
# put back, so that the next one starts as in a fresh process.
_ZEROCONF_INIT = Zeroconf.__init__


def _zeroconf_new(cls: type[Zeroconf], *args: Any, **kwargs: Any) -> Zeroconf:
    # Deleting a patched ``__new__`` would leave object.__new__ refusing the
    # arguments; HA's patch is a plain function too.
    return object.__new__(cls)


def _forget_shared_zeroconf() -> None:
    """Undo the process-wide Zeroconf patch of a stopped Home Assistant."""
    if "__new__" in vars(Zeroconf):
        setattr(Zeroconf, "__new__", _zeroconf_new)  # noqa: B010
        setattr(Zeroconf, "__init__", _ZEROCONF_INIT)  # noqa: B010


async def _serve_tls(hass: HomeAssistant, port: int) -> None:
    """Serve Home Assistant's application over https on ``port`` too."""
    runner = hass.http.runner
    if runner is None:
        raise RuntimeError("Home Assistant's HTTP server is not running")
    context = await asyncio.to_thread(_server_context)
    await web.TCPSite(runner, "127.0.0.1", port, ssl_context=context).start()


def _server_context() -> ssl.SSLContext:
    """A TLS server context for localhost, issued by a throwaway CA."""
    ca = issue("Bench CA", ca=True, path_length=0)
    server = issue("localhost", issuer=ca, server=True)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    with tempfile.TemporaryDirectory() as folder:
        cert_path, key_path = server.write(Path(folder), "home-assistant")
        context.load_cert_chain(cert_path, key_path)
    return context


def free_port() -> int:
    """A port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass(slots=True)
class BenchHass:
    """A running Home Assistant and the base URL of its HTTP server."""

    hass: HomeAssistant
    url: str


def run_on_hass_loop[T](main: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run(main)`` on an event loop made as ``hass`` makes its own.

    Home Assistant no longer installs an event loop policy (Python 3.14
    deprecates them): ``homeassistant.runner.create_event_loop`` makes its loop
    (exception handler, its executor, ``time.monotonic`` as the loop's clock).
    """
    return asyncio.run(main, loop_factory=create_event_loop)


@contextlib.asynccontextmanager
async def running_hass(
    config_dir: Path, components: tuple[str, ...] = ()
) -> AsyncIterator[BenchHass]:
    """Start Home Assistant with http + webhook (+ ``components``), then stop it."""
    await asyncio.to_thread(config_dir.mkdir, parents=True, exist_ok=True)
    # The simulated Bosch services speak https with certificates of the
    # simulator's CA: Home Assistant trusts it as a user's would trust a CA.
    await asyncio.to_thread(trust_in_this_process, simulator_ca().cert_pem)
    hass = HomeAssistant(str(config_dir))
    loader.async_setup(hass)
    hass.config.skip_pip = True
    hass.config_entries = ConfigEntries(hass, {})
    await loader.async_get_custom_components(hass)
    if not await bootstrap.async_load_base_functionality(hass):
        raise RuntimeError("Home Assistant could not load its registries")
    for domain in sorted(bootstrap.CORE_INTEGRATIONS):
        if not await async_setup_component(hass, domain, {}):
            raise RuntimeError(f"Home Assistant core component {domain} failed")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    # Bosch posts only to https: the external URL (the one our eBike service
    # subscribes) is a second, TLS site of the same application; the load of
    # every peer goes to the plain one.
    tls_port = free_port()
    core: dict[str, Any] = {
        "latitude": 48.78,
        "longitude": 9.18,
        "elevation": 250,
        "time_zone": "UTC",
        "unit_system": "metric",
        "internal_url": url,
        "external_url": f"https://localhost:{tls_port}",
    }
    await async_process_ha_core_config(hass, core)
    config: dict[str, Any] = {
        "http": {"server_host": ["127.0.0.1"], "server_port": port},
        "webhook": {},
    }
    for domain in ("http", "webhook", *components):
        if not await async_setup_component(hass, domain, config):
            raise RuntimeError(f"Home Assistant component {domain} failed to set up")
    await hass.async_start()
    await _serve_tls(hass, tls_port)
    try:
        yield BenchHass(hass=hass, url=url)
    finally:
        await hass.async_stop(force=True)
        _forget_shared_zeroconf()
        logging.getLogger(__name__).debug("Home Assistant stopped")
