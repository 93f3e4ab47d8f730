"""The benchmark's sections, each filling part of the report."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
import contextlib
import logging
from pathlib import Path
import tempfile
import time
import traceback
from typing import Any

from .config import BenchConfig
from .entries import Unavailable
from .hass import running_hass
from .ingest import (
    EBIKE,
    FLOOR,
    GPSLOGGER,
    NOOP,
    SUBSCRIBE_WAIT,
    IngestResult,
    StateProbe,
    measure_peers,
    setup_peers,
)
from .instructions import section_instructions
from .isolate import in_fresh_process
from .micro import verify_cost
from .report import Report, Section, fmt, table
from .stats import median

_LOGGER = logging.getLogger(__name__)


def ingest_rows(results: list[IngestResult]) -> list[str]:
    """The ingestion table."""
    return table(
        [
            "webhook",
            "events",
            "events/s (median)",
            "state p50 ms",
            "state p99 ms",
            "response p50 ms",
            "response p99 ms",
            "HA CPU µs/event (median)",
            "rounds min-max",
            "non-2xx",
            "no state",
        ],
        [
            [
                r.name,
                fmt(r.events),
                fmt(r.rate, 0),
                fmt(r.state_p50_ms, 2),
                fmt(r.state_p99_ms, 2),
                fmt(r.response_p50_ms, 2),
                fmt(r.response_p99_ms, 2),
                fmt(r.cpu_us_per_event, 0),
                f"{min(r.round_cpu, default=0):.0f}-{max(r.round_cpu, default=0):.0f}",
                fmt(r.errors),
                fmt(r.without_state),
            ]
            for r in results
        ],
    )


async def section_ingest(cfg: BenchConfig, report: Report, workdir: Path) -> None:
    """1. Webhook ingestion: ours against gpslogger and the no-op floor."""
    section = report.section(
        "1. Webhook ingestion through Home Assistant's HTTP server"
    )
    async with contextlib.AsyncExitStack() as stack:
        bench = await stack.enter_async_context(running_hass(workdir / "ingest"))
        hass = bench.hass
        probe = StateProbe(hass)
        stack.callback(probe.close)
        ready = await setup_peers(hass, stack, probe, cfg.bikes, workdir / "ingest-sim")
        peers, ebike_missing, subscribed = ready.peers, ready.missing, ready.subscribed
        _LOGGER.info("peers ready")
        results = await measure_peers(cfg, probe, bench.url, peers, cfg.events)
        cost = await verify_cost(cfg.events)
    section.lines += [
        f"{cfg.events:,} requests per peer and round, {cfg.rounds} rounds "
        f"interleaved (order rotated each round), {cfg.concurrency} concurrent "
        f"connections from a separate load-generator process, {cfg.bikes} "
        "devices/bikes, after a warm-up that touches every device. "
        "*state* = from sending the request to the last entity state it caused "
        "being written (state_changed); *response* = request to response. "
        "*HA CPU* = CPU time of the Home Assistant process per event "
        "(the least noisy figure on a shared machine).",
        "",
        *ingest_rows(list(results.values())),
        "",
    ]
    section.lines += [
        f"Signature check, CPU per call: RSA-2048 verify on the loop "
        f"{cost.inline_us:.0f} µs; an executor hop alone {cost.executor_hop_us:.0f} µs; "
        f"verify in the executor {cost.executor_verify_us:.0f} µs - so verifying off "
        + (
            "the event loop would not be faster here."
            if cost.executor_verify_us >= cost.inline_us
            else "the event loop would save loop time here."
        ),
        "",
    ]
    noop, gps = results[NOOP], results[GPSLOGGER]
    section.lines.append(
        f"gpslogger / no-op: rate {gps.rate / noop.rate:.2f}, "
        f"CPU {noop.cpu_us_per_event / gps.cpu_us_per_event:.2f}"
    )
    ours = results.get(EBIKE)
    if ours is None:
        section.lines.append(f"\nThe eBike webhook was not measured: {ebike_missing}")
        report.target("ingestion >= gpslogger", "eBike webhook missing", None)
        report.target("ingestion >= 0.85 x no-op", "eBike webhook missing", None)
        return
    if subscribed is not None and subscribed.mended:
        section.lines.append(
            f"\nThe entry was not subscribed {SUBSCRIBE_WAIT:.0f} s after its setup; "
            "the bench ran the integration's own mend once (see perf findings)."
        )
    floor = results.get(FLOOR)
    if floor is not None:
        section.lines += [
            "",
            f"Floor / no-op: rate {floor.rate / noop.rate:.2f}, CPU-based "
            f"{noop.cpu_us_per_event / floor.cpu_us_per_event:.2f} - the best any "
            "signed JSON webhook that shows one state can reach on this machine. "
            f"eBike / floor: rate {ours.rate / floor.rate:.2f}, CPU-based "
            f"{floor.cpu_us_per_event / ours.cpu_us_per_event:.2f}.",
        ]
    paired = sorted(g / o for g, o in zip(gps.round_cpu, ours.round_cpu, strict=True))
    section.lines += [
        "",
        f"Round by round (the peers of a round run back to back), gpslogger CPU / "
        f"eBike CPU: median {median(paired):.2f}, min {paired[0]:.2f}, "
        f"max {paired[-1]:.2f}; eBike cheaper in {sum(p >= 1 for p in paired)} "
        f"of {len(paired)} rounds.",
    ]
    vs_gps = ours.rate / gps.rate
    vs_noop = ours.rate / noop.rate
    cpu_vs_gps = gps.cpu_us_per_event / ours.cpu_us_per_event
    cpu_vs_noop = noop.cpu_us_per_event / ours.cpu_us_per_event
    section.lines += [
        "",
        f"**eBike / gpslogger: rate {vs_gps:.2f}** (CPU-based {cpu_vs_gps:.2f}); "
        f"**eBike / no-op: rate {vs_noop:.2f}** (CPU-based {cpu_vs_noop:.2f}).",
    ]
    valid = ours.errors == 0 and ours.without_state == 0
    report.target(
        "ingestion >= gpslogger",
        f"{cpu_vs_gps:.2f} x gpslogger CPU-based (rate {vs_gps:.2f})",
        valid and cpu_vs_gps >= 1.0,
    )
    report.target(
        "ingestion >= 0.85 x no-op (signatures on)",
        f"{cpu_vs_noop:.2f} x no-op CPU-based (rate {vs_noop:.2f})",
        valid and cpu_vs_noop >= 0.85,
    )


async def section_gateway(cfg: BenchConfig, report: Report, workdir: Path) -> None:
    """3. Gateway refresh, both channels: requests per refresh, wall time, parallelism."""
    try:
        from . import gateway as gw  # noqa: PLC0415
    except ImportError as err:
        raise Unavailable(f"gateway code missing: {err}") from err
    section = report.section("3. Gateway refresh against the simulator")
    for channel in ("partner", "owner"):
        async with (
            running_hass(workdir / f"gateway-{channel}") as bench,
            gw.gateway_simulator(workdir / f"gateway-sim-{channel}") as sim,
        ):
            hass = bench.hass
            entry, timing = await gw.setup_gateway(hass, sim, channel)
            used = await gw.used_resources(hass, entry)
            results = await gw.measure_refreshes(
                sim,
                entry,
                limits=cfg.parallel_limits,
                refreshes=cfg.refreshes,
                latency=cfg.latency,
            )
            await hass.config_entries.async_unload(entry.entry_id)
        _gateway_results(cfg, report, section, channel, used, results, timing)


def _gateway_results(  # noqa: PLR0917 - one call site, in order
    cfg: BenchConfig,
    report: Report,
    section: Any,
    channel: str,
    used: set[str],
    results: list[Any],
    timing: Any,
) -> None:
    """The table and the target of one channel."""
    requested = frozenset().union(*(r.paths for r in results))
    unused = requested - used
    never = used - requested
    polled = len(requested)
    section.lines += [
        "",
        f"**{channel.capitalize()} channel.** "
        f"{cfg.latency * 1000:.0f} ms added to every request by the simulator "
        f"(`Faults.latency`), {cfg.refreshes} refreshes per limit (median), "
        f"{timing.entities} enabled entities. *Polled* = distinct resources "
        "requested during the refreshes (the simulator's request log); *used* = "
        "resources that enabled entities read while writing their state "
        "(recorded lookups in the coordinator's data).",
        "",
        *table(
            [
                "parallel limit",
                "requests/refresh",
                "distinct resources",
                "polled",
                "used by entities",
                "wall ms/refresh",
                "floor ms (ceil(polled/limit) x latency)",
                "max in flight",
                "failed",
            ],
            [
                [
                    r.limit_label,
                    fmt(r.requests, 0),
                    fmt(r.distinct, 0),
                    fmt(polled),
                    fmt(len(used)),
                    fmt(r.wall_ms, 0),
                    fmt(-(-polled // r.limit) * cfg.latency * 1000, 0),
                    fmt(r.max_in_flight),
                    fmt(r.failed),
                ]
                for r in results
            ],
        ),
    ]
    if unused:
        section.lines += [
            "",
            "Polled but read by no enabled entity: "
            + ", ".join(f"`{p}`" for p in sorted(unused)),
        ]
    if never:
        section.lines += [
            "",
            "Read by entities but never polled: "
            + ", ".join(f"`{p}`" for p in sorted(never)),
        ]
    exact = all(r.requests == len(used) and r.failed == 0 for r in results)
    report.target(
        f"gateway refresh ({channel}) = one request per used resource, none unused",
        f"{median([r.requests for r in results]):.0f} requests for {len(used)} used "
        f"({len(unused)} polled unused)",
        exact and not unused and not never,
    )


async def section_fleet(cfg: BenchConfig, report: Report, workdir: Path) -> None:
    """2. Fleet scale: setup, memory, entities, ingestion at 10/100/1,000 bikes."""
    try:
        from . import fleet  # noqa: PLC0415
    except ImportError as err:
        raise Unavailable(f"eBike code missing: {err}") from err
    results: list[fleet.FleetResult] = []
    failures: list[str] = []
    for bikes in cfg.fleet_sizes:
        try:
            results.append(
                await in_fresh_process(fleet.measure_size, cfg, bikes, workdir)
            )
        except Exception as err:
            _LOGGER.exception("fleet size %s failed", bikes)
            failures.append(f"{bikes:,} bikes: {type(err).__name__}: {err}")
    floor = await in_fresh_process(fleet.entity_floor, cfg.floor_entities, workdir)
    section = report.section("2. Fleet scale (one eBike entry)")
    if failures:
        report.failed.append("fleet")
        section.lines += ["**Failed:**", *(f"- {f}" for f in failures), ""]
    if not results:
        return
    # More first setups of the largest fleet, each in a fresh process.
    samples = [results[-1].available_s]
    for index in range(1, cfg.setup_samples):
        samples.append(
            await in_fresh_process(
                fleet.setup_sample, results[-1].bikes, workdir / f"sample-{index}"
            )
        )
    section.lines += [
        "Per size a fresh process and in it a fresh Home Assistant: *setup* = "
        "`async_add` of the entry "
        "(token, ConnectModules, webhook, platforms); *available* = until "
        "every enabled entity has a state other than unavailable. *again* = "
        "a reload of the same entry, to all available: what every restart "
        "does, with the entity and device registries already filled. *traced* = "
        "memory still allocated after the setup and a garbage collection "
        "(tracemalloc, separate instance); *RSS* = growth of the resident set "
        f"in the timing instance. Ingestion: {cfg.fleet_events:,} events per "
        f"round, {fleet.fleet_concurrency(cfg)} concurrent connections (fewer than "
        f"the smallest fleet has bikes), {cfg.rounds} rounds interleaved with the no-op webhook of the "
        "same instance.",
        "",
        *table(
            [
                "bikes",
                "setup s",
                "available s",
                "again s (reload)",
                "entities (enabled/all)",
                "devices",
                "subscribed after s",
                "traced KB/bike",
                "RSS KB/bike",
                "eBike events/s",
                "no-op events/s",
                "eBike / no-op",
                "eBike CPU µs/event",
                "state p99 ms",
                "non-2xx / no state",
            ],
            [
                [
                    fmt(r.bikes),
                    fmt(r.setup_s, 2),
                    fmt(r.available_s, 2),
                    fmt(r.reload_s, 2),
                    f"{r.enabled:,}/{r.entities:,}",
                    fmt(r.devices),
                    "**never** (mended by the bench)"
                    if r.subscribed.mended
                    else fmt(r.subscribed.seconds, 2),
                    fmt(r.bytes_per_bike / 1024, 1),
                    fmt(r.rss_bytes / r.bikes / 1024, 1),
                    fmt(r.ingest.rate, 0),
                    fmt(r.noop.rate, 0),
                    fmt(r.ingest.rate / r.noop.rate, 2),
                    fmt(r.ingest.cpu_us_per_event, 0),
                    fmt(r.ingest.state_p99_ms, 1),
                    f"{r.ingest.errors} / {r.ingest.without_state}",
                ]
                for r in results
            ],
        ),
    ]
    small, big = results[0], results[-1]
    per_bike = big.enabled / big.bikes
    section.lines += [
        "",
        f"Home Assistant's own floor, core `input_boolean` x {floor.entities:,} from "
        f"YAML (no device): {floor.cpu_us_per_entity:,.0f} µs CPU and "
        f"{floor.bytes_per_entity / 1024:.1f} KB per entity. Our entry at "
        f"{big.bikes:,} bikes: {big.cpu_s / big.enabled * 1e6:,.0f} µs setup CPU and "
        f"{big.traced_bytes / big.entities / 1024:.1f} KB per entity, "
        f"{per_bike:.1f} enabled entities per bike. At that entity count the floor "
        f"alone is {floor.cpu_us_per_entity * per_bike * 1000 / 1e6:.1f} s CPU for 1,000 bikes and "
        f"{floor.bytes_per_entity * per_bike / 1024:.0f} KB per bike.",
    ]
    if big.bikes > small.bikes:
        growth = big.bikes / small.bikes
        marginal = (big.traced_bytes - small.traced_bytes) / (big.bikes - small.bikes)
        section.lines += [
            "",
            f"From {small.bikes:,} to {big.bikes:,} bikes (x{growth:,.0f}): setup "
            f"time x{big.available_s / small.available_s:.1f}, traced memory "
            f"x{big.traced_bytes / max(small.traced_bytes, 1):.1f} "
            f"(marginal {marginal / 1024:.1f} KB per added bike), entities "
            f"x{big.entities / max(small.entities, 1):.1f}; ingestion rate "
            f"x{big.ingest.rate / small.ingest.rate:.2f}, relative to the no-op "
            f"webhook x{(big.ingest.rate / big.noop.rate) / (small.ingest.rate / small.noop.rate):.2f}, "
            f"CPU per event x{big.ingest.cpu_us_per_event / small.ingest.cpu_us_per_event:.2f}.",
        ]
    least = min(samples)
    section.lines += [
        "",
        f"First setup of {big.bikes:,} bikes, {len(samples)} times, each in a fresh "
        "process (the first is the row above): "
        + ", ".join(f"{s:.2f}" for s in samples)
        + f" s to all available; least {least:.2f} s, median {median(samples):.2f} s. "
        "The least is the target's figure: what the machine can do, as timeit "
        "reports it. Another tenant of the machine only adds time.",
    ]
    valid = big.ingest.errors == 0 and big.ingest.without_state == 0
    never = [r.bikes for r in results if r.subscribed.mended]
    if never:
        section.lines += [
            "",
            "**Not subscribed** within "
            f"{SUBSCRIBE_WAIT:.0f} s after setup at "
            + ", ".join(f"{n:,}" for n in never)
            + " bikes: Bosch's WebhookTest was not answered in time while Home "
            "Assistant was adding the entities, and the integration does not "
            "retry. The bench ran the integration's own mend once to measure "
            "ingestion.",
        ]
    report.target(
        f"setup of {big.bikes:,} bikes < 5 s",
        f"{least:.2f} s to all available, least of {len(samples)} fresh starts "
        f"(median {median(samples):.2f} s; {big.reload_s:.2f} s when set up again, "
        "registries kept)",
        least < 5.0,
    )
    report.target(
        f"memory < 50 KB per bike at {big.bikes:,}",
        f"{big.bytes_per_bike / 1024:.1f} KB (traced)",
        big.bytes_per_bike < 50 * 1024,
    )
    if big.bikes > small.bikes:
        rel = big.ingest.rate / small.ingest.rate
        norm = (big.ingest.rate / big.noop.rate) / (small.ingest.rate / small.noop.rate)
        cpu = small.ingest.cpu_us_per_event / big.ingest.cpu_us_per_event
        report.target(
            f"ingestion at {big.bikes:,} bikes within 10 % of {small.bikes:,}",
            f"x{cpu:.2f} CPU-based (rate x{rel:.2f} raw, x{norm:.2f} relative to no-op)",
            valid and cpu >= 0.9,
        )


async def section_coldstart(cfg: BenchConfig, report: Report, workdir: Path) -> None:
    """4. Cold start of each entry kind against its simulator."""
    from .coldstart import measure_cold_starts  # noqa: PLC0415

    results = await in_fresh_process(measure_cold_starts, workdir)
    section = report.section("4. Cold start of each entry kind")
    section.lines += [
        "One Home Assistant; our domain and the entity components it forwards to "
        "set up beforehand. From `async_add` of the entry (as its config flow "
        "makes it, against the simulator on 127.0.0.1, no added latency) to the "
        "end of setup, and to every enabled entity having a state other than "
        "unavailable. Single run each.",
        "",
        *table(
            [
                "entry kind",
                "setup s",
                "all available s",
                "CPU s",
                "enabled entities",
                "devices",
                "still unavailable",
            ],
            [
                [r.service, *(["-"] * 5), f"not measured: {r.missing}"]
                if r.timing is None
                else [
                    r.service,
                    fmt(r.timing.setup_s, 3),
                    fmt(r.timing.available_s, 3),
                    fmt(r.timing.cpu_s, 3),
                    fmt(r.timing.entities),
                    fmt(r.timing.devices),
                    fmt(r.timing.unavailable),
                ]
                for r in results
            ],
        ),
    ]


SECTIONS: dict[str, Callable[[BenchConfig, Report, Path], Awaitable[None]]] = {
    "ingest": section_ingest,
    "fleet": section_fleet,
    "gateway": section_gateway,
    "coldstart": section_coldstart,
    "instructions": section_instructions,
}


async def run_sections(cfg: BenchConfig, report: Report) -> None:
    """Run the configured sections; a failing section is reported, not fatal."""
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        for name in cfg.sections:
            run = SECTIONS.get(name)
            if run is None:
                report.section(f"{name}: not implemented yet")
                continue
            started = time.monotonic()
            _LOGGER.info("section %s", name)
            try:
                await run(cfg, report, Path(tmp))
            except Unavailable as err:
                section: Section = report.section(f"{name}: not measured")
                section.lines.append(str(err))
            except Exception:
                report.failed.append(name)
                section = report.section(f"{name}: FAILED")
                section.lines += ["```", traceback.format_exc().rstrip(), "```"]
                _LOGGER.exception("section %s failed", name)
            report.durations[name] = time.monotonic() - started
