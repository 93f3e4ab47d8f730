"""Fleet scale: one eBike entry with 10, 100, 1,000 bikes.

Per fleet size two fresh Home Assistant instances: one for time (setup, all
entities available, RSS growth, ingestion interleaved with the no-op webhook
of the same instance), one for memory with ``tracemalloc`` (it slows Python
down, so it never runs while timing). Memory is what the entry's setup left
allocated after a garbage collection: entities, states, registry entries,
the integration's own per-bike state. The simulator runs in the same process
but made its fleet before tracing started.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, replace
import gc
import importlib
from pathlib import Path
import resource
import time
import tracemalloc

from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.loader import async_get_integration
from homeassistant.setup import async_setup_component

from .config import BenchConfig
from .ebike import (
    Subscribed,
    ebike_peer,
    ebike_simulator,
    setup_ebike,
    wait_subscribed,
)
from .entries import reload_and_wait
from .hass import running_hass
from .ingest import (
    NOOP,
    SUBSCRIBE_WAIT,
    IngestResult,
    StateProbe,
    measure_peers,
    setup_noop,
)

EBIKE = "eBike webhook"


@dataclass(slots=True)
class FleetResult:
    """One fleet size."""

    bikes: int
    setup_s: float
    available_s: float
    cpu_s: float
    entities: int
    enabled: int
    devices: int
    traced_bytes: int
    rss_bytes: int
    subscribed: Subscribed
    reload_s: float
    ingest: IngestResult
    noop: IngestResult

    @property
    def bytes_per_bike(self) -> float:
        """Traced memory of the entry per bike."""
        return self.traced_bytes / self.bikes


def _rss() -> int:
    """Resident set size now (bytes), from /proc."""
    with open("/proc/self/statm", encoding="ascii") as statm:
        pages = int(statm.read().split()[1])
    return pages * resource.getpagesize()


def _registry_count(hass: HomeAssistant, entry_id: str) -> int:
    return len(er.async_entries_for_config_entry(er.async_get(hass), entry_id))


def fleet_concurrency(cfg: BenchConfig) -> int:
    """One concurrency for every fleet size, below the smallest fleet.

    Events of one bike must not be in flight together: the later one could
    arrive first and the earlier would then (rightly) be ignored as old.
    """
    return max(1, min(cfg.concurrency, min(cfg.fleet_sizes) // 2))


async def measure_size(cfg: BenchConfig, bikes: int, workdir: Path) -> FleetResult:
    """Time, entities, ingestion and memory at one fleet size."""
    async with contextlib.AsyncExitStack() as stack:
        bench = await stack.enter_async_context(
            running_hass(workdir / f"fleet-{bikes}")
        )
        hass = bench.hass
        sim = await stack.enter_async_context(
            ebike_simulator(workdir / f"fleet-{bikes}-sim", bikes)
        )
        gc.collect()
        rss_before = _rss()
        started = time.monotonic()
        entry, timing = await setup_ebike(hass, sim)
        gc.collect()
        rss = _rss() - rss_before
        subscribed = await wait_subscribed(hass, sim, entry, started, SUBSCRIBE_WAIT)
        entities = _registry_count(hass, entry.entry_id)
        probe = StateProbe(hass)
        stack.callback(probe.close)
        peers = [await setup_noop(hass, probe, bikes), ebike_peer(EBIKE, sim)]
        results = await measure_peers(
            replace(cfg, events=cfg.fleet_events, concurrency=fleet_concurrency(cfg)),
            probe,
            bench.url,
            peers,
            cfg.fleet_events,
        )
        # Set up again with the registries kept, as at every restart.
        again = await reload_and_wait(hass, entry)
        # Ends the subscription that the reload started, while both still run.
        await hass.config_entries.async_unload(entry.entry_id)
    traced = await _traced_setup(bikes, workdir)
    return FleetResult(
        bikes=bikes,
        setup_s=timing.setup_s,
        available_s=timing.available_s,
        cpu_s=timing.cpu_s,
        entities=entities,
        enabled=timing.entities,
        devices=timing.devices,
        traced_bytes=traced,
        rss_bytes=rss,
        subscribed=subscribed,
        reload_s=again.available_s,
        ingest=results[EBIKE],
        noop=results[NOOP],
    )


async def _traced_setup(bikes: int, workdir: Path) -> int:
    """Bytes still allocated after the entry's setup (tracemalloc)."""
    async with (
        running_hass(workdir / f"fleet-{bikes}-mem") as bench,
        ebike_simulator(workdir / f"fleet-{bikes}-mem-sim", bikes) as sim,
    ):
        await bench.hass.async_block_till_done()
        gc.collect()
        tracemalloc.start()
        try:
            before = tracemalloc.get_traced_memory()[0]
            await setup_ebike(bench.hass, sim)
            await bench.hass.async_block_till_done()
            gc.collect()
            after = tracemalloc.get_traced_memory()[0]
        finally:
            tracemalloc.stop()
    return after - before


async def setup_sample(bikes: int, workdir: Path) -> float:
    """One first setup of the entry in a fresh Home Assistant: seconds to available."""
    async with (
        ebike_simulator(workdir / f"fleet-{bikes}-sample-sim", bikes) as sim,
        running_hass(workdir / f"fleet-{bikes}-sample") as bench,
    ):
        await bench.hass.async_block_till_done()
        gc.collect()
        entry, timing = await setup_ebike(bench.hass, sim)
        # Ends the subscription that the integration starts after its setup.
        await bench.hass.config_entries.async_unload(entry.entry_id)
        return timing.available_s


@dataclass(slots=True)
class EntityFloor:
    """What Home Assistant itself needs per entity (core ``input_boolean``)."""

    entities: int
    seconds: float
    cpu_us_per_entity: float
    bytes_per_entity: float


async def entity_floor(count: int, workdir: Path) -> EntityFloor:
    """Set up ``count`` input_booleans from YAML: time, CPU; then memory."""
    config = {"input_boolean": {f"b{i}": {"name": f"Bench {i}"} for i in range(count)}}
    async with running_hass(workdir / "floor") as bench:
        await async_prepare(bench.hass)
        gc.collect()
        start, cpu = time.monotonic(), time.process_time()
        if not await async_setup_component(bench.hass, "input_boolean", config):
            raise RuntimeError("input_boolean failed to set up")
        await bench.hass.async_block_till_done()
        seconds, cpu_s = time.monotonic() - start, time.process_time() - cpu
    async with running_hass(workdir / "floor-mem") as bench:
        await async_prepare(bench.hass)
        gc.collect()
        tracemalloc.start()
        try:
            before = tracemalloc.get_traced_memory()[0]
            await async_setup_component(bench.hass, "input_boolean", config)
            await bench.hass.async_block_till_done()
            gc.collect()
            after = tracemalloc.get_traced_memory()[0]
        finally:
            tracemalloc.stop()
    return EntityFloor(
        entities=count,
        seconds=seconds,
        cpu_us_per_entity=cpu_s / count * 1e6,
        bytes_per_entity=(after - before) / count,
    )


async def async_prepare(hass: HomeAssistant) -> None:
    """Import input_boolean before tracing (module code is not per entity)."""
    await async_get_integration(hass, "input_boolean")
    await hass.async_add_executor_job(
        importlib.import_module, "homeassistant.components.input_boolean"
    )
