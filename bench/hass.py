"""A real Home Assistant instance, in-process, with its real HTTP server.

This is Home Assistant's own bootstrap minus the integrations a benchmark does
not need: real registries (stored in a temporary config directory), the real
auth manager, ``http`` bound to 127.0.0.1 on a free port, and ``webhook``.
Nothing is mocked.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
import contextlib
from dataclasses import dataclass
import logging
from pathlib import Path
import socket
from typing import Any

from homeassistant import bootstrap, loader
from homeassistant.config_entries import ConfigEntries
from homeassistant.core import HomeAssistant
from homeassistant.core_config import async_process_ha_core_config
from homeassistant.runner import HassEventLoopPolicy
from homeassistant.setup import async_setup_component


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


def install_loop_policy() -> None:
    """Use the event loop policy that ``hass`` itself runs with."""
    asyncio.set_event_loop_policy(HassEventLoopPolicy(False))


@contextlib.asynccontextmanager
async def running_hass(
    config_dir: Path, components: tuple[str, ...] = ()
) -> AsyncIterator[BenchHass]:
    """Start Home Assistant with http + webhook (+ ``components``), then stop it."""
    await asyncio.to_thread(config_dir.mkdir, parents=True, exist_ok=True)
    hass = HomeAssistant(str(config_dir))
    loader.async_setup(hass)
    hass.config.skip_pip = True
    hass.config_entries = ConfigEntries(hass, {})
    await loader.async_get_custom_components(hass)
    await bootstrap.async_load_base_functionality(hass)
    for domain in sorted(bootstrap.CORE_INTEGRATIONS):
        if not await async_setup_component(hass, domain, {}):
            raise RuntimeError(f"Home Assistant core component {domain} failed")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    core: dict[str, Any] = {
        "latitude": 48.78,
        "longitude": 9.18,
        "elevation": 250,
        "time_zone": "UTC",
        "unit_system": "metric",
        "internal_url": url,
        "external_url": url,
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
    try:
        yield BenchHass(hass=hass, url=url)
    finally:
        await hass.async_stop(force=True)
        logging.getLogger(__name__).debug("Home Assistant stopped")
