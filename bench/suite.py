"""The benchmark's sections, each filling part of the report."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
import logging
from pathlib import Path
import tempfile
import traceback

from .config import BenchConfig
from .hass import running_hass
from .ingest import (
    IngestResult,
    Peer,
    StateProbe,
    run_load,
    setup_gpslogger,
    setup_noop,
)
from .report import Report, Section, fmt, table
from .stats import median

_LOGGER = logging.getLogger(__name__)

NOOP = "no-op webhook"
GPSLOGGER = "gpslogger (core)"
EBIKE = "bosch_connect eBike"


class Unavailable(Exception):
    """A part of the integration that a section needs does not exist (yet)."""


type PeerFactory = Callable[[], Awaitable[Peer]]


def _median_result(name: str, runs: list[IngestResult]) -> IngestResult:
    """One result per peer: the median of each figure over the rounds."""
    return IngestResult(
        name=name,
        events=sum(r.events for r in runs),
        seconds=sum(r.seconds for r in runs),
        rate=median([r.rate for r in runs]),
        state_p50_ms=median([r.state_p50_ms for r in runs]),
        state_p99_ms=median([r.state_p99_ms for r in runs]),
        response_p50_ms=median([r.response_p50_ms for r in runs]),
        response_p99_ms=median([r.response_p99_ms for r in runs]),
        cpu_us_per_event=median([r.cpu_us_per_event for r in runs]),
        errors=sum(r.errors for r in runs),
        without_state=sum(r.without_state for r in runs),
        statuses=sorted({s for r in runs for s in r.statuses}),
    )


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
            "HA CPU µs/event",
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
                fmt(r.errors),
                fmt(r.without_state),
            ]
            for r in results
        ],
    )


async def measure_peers(
    cfg: BenchConfig,
    probe: StateProbe,
    url: str,
    hass_peers: list[Peer],
    events: int,
) -> dict[str, IngestResult]:
    """Interleave the peers over the rounds (rotating the order); medians."""
    runs: dict[str, list[IngestResult]] = {peer.name: [] for peer in hass_peers}
    for round_no in range(cfg.rounds):
        shift = round_no % len(hass_peers)
        for peer in hass_peers[shift:] + hass_peers[:shift]:
            result = await run_load(probe, url, peer, events, cfg.concurrency)
            _LOGGER.info("%s round %d: %.0f events/s", peer.name, round_no, result.rate)
            runs[peer.name].append(result)
    return {name: _median_result(name, r) for name, r in runs.items()}


async def section_ingest(cfg: BenchConfig, report: Report, workdir: Path) -> None:
    """1. Webhook ingestion: ours against gpslogger and the no-op floor."""
    section = report.section(
        "1. Webhook ingestion through Home Assistant's HTTP server"
    )
    async with running_hass(workdir / "ingest") as bench:
        hass = bench.hass
        probe = StateProbe(hass)
        peers = [
            await setup_noop(hass, probe, cfg.bikes),
            await setup_gpslogger(hass, cfg.bikes),
        ]
        ebike_missing: str | None = None
        try:
            from .ebike import setup_ingest_peer  # noqa: PLC0415

            peers.append(await setup_ingest_peer(hass, cfg.bikes, workdir))
        except (ImportError, Unavailable) as err:
            ebike_missing = f"{type(err).__name__}: {err}"
        results = await measure_peers(cfg, probe, bench.url, peers, cfg.events)
        probe.close()
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
        "ingestion >= gpslogger", f"{vs_gps:.2f} x gpslogger", valid and vs_gps >= 1.0
    )
    report.target(
        "ingestion >= 0.85 x no-op (signatures on)",
        f"{vs_noop:.2f} x no-op",
        valid and vs_noop >= 0.85,
    )


async def section_gateway(cfg: BenchConfig, report: Report, workdir: Path) -> None:
    """3. Gateway refresh: requests per refresh, wall time, parallelism."""
    try:
        from . import gateway as gw  # noqa: PLC0415
    except ImportError as err:
        raise Unavailable(f"gateway code missing: {err}") from err
    section = report.section("3. Gateway refresh against the simulator")
    async with (
        running_hass(workdir / "gateway") as bench,
        gw.gateway_simulator(workdir / "gateway-sim") as sim,
    ):
        hass = bench.hass
        entry, timing = await gw.setup_gateway(hass, sim)
        used, unused = await gw.used_resources(hass, entry)
        results = await gw.measure_refreshes(
            sim,
            entry,
            limits=cfg.parallel_limits,
            refreshes=cfg.refreshes,
            latency=cfg.latency,
        )
        await hass.config_entries.async_unload(entry.entry_id)
    polled = len(used) + len(unused)
    section.lines += [
        f"{cfg.latency * 1000:.0f} ms added to every request by the simulator "
        f"(`Faults.latency`), {cfg.refreshes} refreshes per limit (median), "
        f"{timing.entities} enabled entities. *Polled* = resources in the "
        "coordinator's data; *used* = polled resources that enabled entities read "
        "while writing their state (recorded lookups in the coordinator's data); "
        "requests counted in the simulator's request log.",
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
    exact = all(r.requests == len(used) and r.failed == 0 for r in results)
    report.target(
        "gateway refresh = one request per used resource, none unused",
        f"{median([r.requests for r in results]):.0f} requests for {len(used)} used "
        f"({len(unused)} polled unused)",
        exact and not unused,
    )


SECTIONS: dict[str, Callable[[BenchConfig, Report, Path], Awaitable[None]]] = {
    "ingest": section_ingest,
    "gateway": section_gateway,
}


async def run_sections(cfg: BenchConfig, report: Report) -> None:
    """Run the configured sections; a failing section is reported, not fatal."""
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        for name in cfg.sections:
            run = SECTIONS.get(name)
            if run is None:
                report.section(f"{name}: not implemented yet")
                continue
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
