"""Gateway refresh against the gateway simulator with added latency.

The entry is made the way the config flow makes it: a real button press on
the simulator, a real token over mutual TLS, the PEMs and the token in
``entry.data``. Requests per refresh come from the simulator's request log.
Which resources the entities use is measured, not assumed: each polled
resource is taken out of the coordinator's data in turn, and a resource is
*used* when some enabled entity's state or attributes change without it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
import contextlib
from dataclasses import dataclass
import functools
from pathlib import Path
import time
from typing import Any

import aiohttp
from homeassistant.const import CONF_HOST, CONF_TOKEN
from homeassistant.core import HomeAssistant

from custom_components.bosch_connect.const import CONF_SERVICE, SERVICE_GATEWAY
from custom_components.bosch_connect.gateway import (
    const as gw_const,
    coordinator as gw_coordinator,
)
from custom_components.bosch_connect.gateway.api import GatewayClient
from custom_components.bosch_connect.gateway.tls import (
    PeerIdentity,
    build_owner_context,
    build_ssl_context,
)
from simulator.clock import Clock
from simulator.gateway import create as create_gateway
from simulator.gateway.service import GatewaySimulator
from simulator.gateway.tokens import DEMO_CLIENT_ID
from simulator.options import Options

from .entries import SetupTiming, add_and_wait, make_entry, require_room
from .stats import median

API_PREFIX = "/"


@contextlib.asynccontextmanager
async def gateway_simulator(state_dir: Path) -> Any:
    """A started gateway simulator (ephemeral ports, no zeroconf)."""
    sim = create_gateway(Options(state_dir=state_dir, clock=Clock(), zeroconf=False))
    await sim.start()
    try:
        yield sim
    finally:
        await sim.stop()


async def gateway_entry_data(
    hass: HomeAssistant, sim: GatewaySimulator
) -> dict[str, Any]:
    """Pair like the flow does: press, token over mTLS; the entry's data."""
    pki = sim.pki
    credentials = {
        gw_const.CONF_CLIENT_CERT: pki.client.cert_pem,
        gw_const.CONF_CLIENT_KEY: pki.client.key_pem,
        gw_const.CONF_ROOT_CERT: pki.bosch_root.cert_pem,
    }
    context = await hass.async_add_executor_job(
        functools.partial(
            build_ssl_context,
            pki.client.cert_pem,
            pki.client.key_pem,
            pki.bosch_root.cert_pem,
            peer=PeerIdentity(sim.identity.uuid),
        )
    )
    async with aiohttp.ClientSession() as session:
        client = GatewayClient(
            session,
            sim.host,
            api_port=sim.api_port,
            auth_port=sim.auth_port,
            ssl_context=context,
            require_identity=True,
        )
        sim.press()
        token = await client.request_token(DEMO_CLIENT_ID, "Home Assistant")
    return {
        CONF_SERVICE: SERVICE_GATEWAY,
        CONF_HOST: sim.host,
        gw_const.CONF_API_PORT: sim.api_port,
        gw_const.CONF_AUTH_PORT: sim.auth_port,
        gw_const.CONF_CLIENT_ID: DEMO_CLIENT_ID,
        gw_const.CONF_CLIENT_NAME: "Home Assistant",
        **credentials,
        CONF_TOKEN: token.access_token,
        gw_const.CONF_BRAND: sim.identity.brand,
        gw_const.CONF_MODEL: sim.identity.model,
        gw_const.CONF_SERIAL: sim.identity.serial,
    }


async def owner_entry_data(sim: GatewaySimulator) -> dict[str, Any]:
    """Pair like the owner flow does: pin the certificate, press, password grant."""
    async with aiohttp.ClientSession() as session:
        learn = GatewayClient(
            session,
            sim.host,
            api_port=sim.owner_api_port,
            auth_port=sim.owner_auth_port,
            ssl_context=build_owner_context(),
        )
        peer = await learn.peer_certificate(learn.auth_port)
        client = GatewayClient(
            session,
            sim.host,
            api_port=sim.owner_api_port,
            auth_port=sim.owner_auth_port,
            ssl_context=build_owner_context(
                PeerIdentity(peer.device_id, peer.fingerprint)
            ),
            require_identity=True,
        )
        sim.press()
        token = await client.request_owner_token(
            sim.sticker.login, sim.sticker.password_plain, "Home Assistant"
        )
    return {
        CONF_SERVICE: SERVICE_GATEWAY,
        gw_const.CONF_CHANNEL: gw_const.CHANNEL_OWNER,
        gw_const.CONF_DEVICE_ID: peer.device_id,
        gw_const.CONF_FINGERPRINT: peer.fingerprint,
        CONF_HOST: sim.host,
        gw_const.CONF_API_PORT: sim.owner_api_port,
        gw_const.CONF_AUTH_PORT: sim.owner_auth_port,
        CONF_TOKEN: token.access_token,
        gw_const.CONF_GRANTED_SCOPES: token.scope,
        gw_const.CONF_BRAND: sim.identity.brand,
        gw_const.CONF_MODEL: sim.identity.model,
        gw_const.CONF_SERIAL: sim.identity.serial,
    }


async def setup_gateway(
    hass: HomeAssistant, sim: GatewaySimulator, channel: str = "partner"
) -> tuple[Any, SetupTiming]:
    """Add a gateway entry of ``channel`` (polling off, as a user can set it)."""
    require_room(SERVICE_GATEWAY)
    owner = channel == gw_const.CHANNEL_OWNER
    data = await (owner_entry_data(sim) if owner else gateway_entry_data(hass, sim))
    entry = make_entry(
        data,
        title=f"{sim.identity.brand} {sim.identity.model}",
        unique_id=sim.identity.uuid
        + (gw_const.OWNER_UNIQUE_ID_SUFFIX if owner else ""),
        # No background poll inside the timed refreshes: the entry's system
        # option "Enable polling for changes" off.
        pref_disable_polling=True,
    )
    timing = await add_and_wait(hass, entry)
    return entry, timing


class _ReadRecorder(dict[str, Any]):
    """The coordinator's data, remembering which resources were looked up."""

    def __init__(self, data: dict[str, Any]) -> None:
        super().__init__(data)
        self.read: set[str] = set()

    def get(self, key: str, default: Any = None) -> Any:
        """Look up (recorded)."""
        self.read.add(key)
        return super().get(key, default)

    def __getitem__(self, key: str) -> Any:
        self.read.add(key)
        return super().__getitem__(key)


async def used_resources(hass: HomeAssistant, entry: Any) -> set[str]:
    """The resources that the enabled entities read while writing their state.

    Every enabled entity writes its state from a recording copy of the
    coordinator's data; a membership test (``in``) does not count as a read.
    """
    coordinator = entry.runtime_data.coordinator
    full: dict[str, Any] = dict(coordinator.data)
    recorder = _ReadRecorder(full)
    coordinator.async_set_updated_data(recorder)
    await hass.async_block_till_done()
    coordinator.async_set_updated_data(full)
    await hass.async_block_till_done()
    return recorder.read & set(full)


@contextlib.contextmanager
def parallel_limit(coordinator: Any, limit: int) -> Iterator[None]:
    """Override the coordinator's parallelism limit."""
    if hasattr(coordinator, "parallel"):
        saved = coordinator.parallel
        coordinator.parallel = limit
        try:
            yield
        finally:
            coordinator.parallel = saved
        return
    namespace = vars(gw_coordinator)  # before the coordinator had `parallel`
    saved = namespace["PARALLEL_REQUESTS"]
    namespace["PARALLEL_REQUESTS"] = limit
    try:
        yield
    finally:
        namespace["PARALLEL_REQUESTS"] = saved


@dataclass(slots=True)
class RefreshResult:
    """Refreshes at one parallelism limit."""

    limit: int
    limit_label: str
    requests: float
    distinct: float
    paths: frozenset[str]
    wall_ms: float
    max_in_flight: int
    failed: int


async def measure_refreshes(
    sim: GatewaySimulator,
    entry: Any,
    *,
    limits: tuple[int | None, ...],
    refreshes: int,
    latency: float,
) -> list[RefreshResult]:
    """Timed refreshes with ``latency`` added per request, per parallelism limit."""
    coordinator = entry.runtime_data.coordinator
    polled = len(coordinator.data)
    sim.faults.latency = latency
    results: list[RefreshResult] = []
    try:
        for limit in limits:
            value = limit if limit is not None else max(polled, 1)
            label = str(limit) if limit is not None else f"none ({value})"
            counts: list[float] = []
            distinct: list[float] = []
            walls: list[float] = []
            failed = 0
            sim.max_in_flight = 0
            paths: set[str] = set()
            with parallel_limit(coordinator, value):
                for _ in range(refreshes):
                    mark = len(sim.faults.log)
                    start = time.monotonic()
                    await coordinator.async_refresh()
                    walls.append((time.monotonic() - start) * 1000)
                    new = sim.faults.log[mark:]
                    counts.append(len(new))
                    distinct.append(len({r.path for r in new}))
                    paths.update(r.path for r in new)
                    failed += not coordinator.last_update_success
            results.append(
                RefreshResult(
                    limit=value,
                    limit_label=label,
                    requests=median(counts),
                    distinct=median(distinct),
                    paths=frozenset(paths),
                    wall_ms=median(walls),
                    max_in_flight=sim.max_in_flight,
                    failed=failed,
                )
            )
    finally:
        sim.faults.latency = 0.0
    await asyncio.sleep(0)
    return results
