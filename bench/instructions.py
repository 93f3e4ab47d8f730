"""Ingestion counted in instructions (valgrind's callgrind): repeatable figures.

On a shared machine the CPU time of one peer varies by about ±30 % from round
to round. Callgrind counts the instructions the Home Assistant process
executes instead: for the same code and the same requests that count is the
same whatever else the machine does (checked: the rounds of a run agree).

The ingestion peers run again in a Home Assistant started under callgrind
with instrumentation off (valgrind's minimum slowdown, about 4x), and
``callgrind_control`` switches it on around each measured run only: zeroed
after the warm-up, dumped when the last response is in. The load generator
is a separate, untraced process.

Instructions are not time. RSA's big-number code runs at several
instructions per cycle and Python's interpreter at about one, so the count
weighs the eBike webhook's signature check more heavily than its CPU time
does. That makes the comparison with gpslogger (which checks no signature)
conservative.

``python -m bench.instructions SPEC RESULT`` is the process run under
valgrind; ``section_instructions`` (the parent side) starts it and reports.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, replace
import json
import logging
import os
from pathlib import Path
import shutil
import sys
import time
from typing import TYPE_CHECKING, Any

from homeassistant.helpers.registry import SAVE_DELAY as REGISTRY_SAVE_DELAY

from .config import BenchConfig
from .entries import Unavailable
from .hass import run_on_hass_loop, running_hass
from .ingest import (
    EBIKE,
    FLOOR,
    GPSLOGGER,
    NOOP,
    REPO,
    SUBSCRIBE_WAIT,
    IngestResult,
    StateProbe,
    measure_peers,
    setup_peers,
)
from .isolate import configure_logging
from .micro import PKCS1V15, SHA256, signed_sample
from .report import Report, fmt, table

if TYPE_CHECKING:
    from homeassistant.core import HomeAssistant

_LOGGER = logging.getLogger("bench.instructions")

CHILD_TIMEOUT = 900.0  # seconds; a full run takes four to five minutes
VERIFY_CALLS = 200
# The bike store is written at most every 10 s of wall time. Under valgrind a
# run lasts about 50 times longer, so its writes would be charged to the
# events about 50 times over: the child postpones them and counts one write
# on its own instead.
STORE_DELAY_UNDER_VALGRIND = 86400.0
ADDRESSED = 100  # bikes that get events in a fleet count


class CallgrindError(RuntimeError):
    """callgrind_control failed, or a dump has no summary."""


class CallgrindCounter:
    """Instructions of this process, counted by the callgrind it runs under."""

    def __init__(self, out_file: Path) -> None:
        self._pid = str(os.getpid())
        self._out_file = out_file
        self._dumps = 0

    async def _control(self, *args: str) -> None:
        process = await asyncio.create_subprocess_exec(
            "callgrind_control",
            *args,
            self._pid,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
        _, stderr = await process.communicate()
        if process.returncode != 0:
            raise CallgrindError(
                f"callgrind_control {' '.join(args)}: {stderr.decode().strip()}"
            )

    async def start(self) -> None:
        """Instrument from now on, counting from zero."""
        await self._control("--instr=on")
        await self._control("--zero")

    async def stop(self) -> int:
        """Dump the count since ``start``; instrumentation off again."""
        self._dumps += 1
        await self._control(f"--dump=run{self._dumps}")
        await self._control("--instr=off")
        dump = self._out_file.with_name(f"{self._out_file.name}.{self._dumps}")
        return read_summary(dump)


def read_summary(dump: Path) -> int:
    """The instruction count of a callgrind dump (its ``summary:`` line)."""
    for line in dump.read_text(errors="replace").splitlines():
        if line.startswith("summary:"):
            return int(line.split()[1])
    raise CallgrindError(f"{dump.name} has no summary line")


async def verify_instructions(counter: CallgrindCounter, calls: int) -> float:
    """Instructions of one RSA-2048 PKCS#1 v1.5 SHA-256 verify (key loaded)."""
    public, body, signature = signed_sample()
    public.verify(signature, body, PKCS1V15, SHA256)
    await counter.start()
    for _ in range(calls):
        public.verify(signature, body, PKCS1V15, SHA256)
    return await counter.stop() / calls


def _result_json(result: IngestResult) -> dict[str, Any]:
    return {
        "events": result.events,
        # The least of the rounds: work of Home Assistant that is not the
        # request's (a timer, a collection) only ever adds to a count.
        "instructions": min(result.round_instructions),
        "rounds": result.round_instructions,
        "errors": result.errors,
        "without_state": result.without_state,
    }


async def _settle(hass: HomeAssistant, cfg: BenchConfig, changed: float) -> None:
    """Let Home Assistant write its registries now, not while counting.

    They are written 10 s after the last change (``changed``, monotonic);
    at 1,000 bikes that is 19,000 entities, which would otherwise land in a
    counted run.
    """
    if cfg.instr_settle:
        wait = changed + REGISTRY_SAVE_DELAY + 1.0 - time.monotonic()
        await asyncio.sleep(max(0.0, wait))
        await hass.async_block_till_done()


async def _fleet_size(
    cfg: BenchConfig, bikes: int, workdir: Path, counter: CallgrindCounter
) -> dict[str, Any]:
    """The eBike webhook in a Home Assistant with ``bikes``; a store write."""
    from .ebike import (  # noqa: PLC0415 - ebike imports bench.ingest
        ebike_peer,
        ebike_simulator,
        setup_ebike,
        wait_subscribed,
    )
    from .fleet import EBIKE as FLEET_EBIKE, fleet_concurrency  # noqa: PLC0415

    async with contextlib.AsyncExitStack() as stack:
        bench = await stack.enter_async_context(
            running_hass(workdir / f"fleet-{bikes}")
        )
        sim = await stack.enter_async_context(
            ebike_simulator(workdir / f"fleet-{bikes}-sim", bikes)
        )
        started = time.monotonic()
        entry, _ = await setup_ebike(bench.hass, sim)
        added = time.monotonic()
        await wait_subscribed(bench.hass, sim, entry, started, SUBSCRIBE_WAIT)
        await _settle(bench.hass, cfg, added)
        _LOGGER.info("%d bikes: entry set up, subscribed, registries written", bikes)
        probe = StateProbe(bench.hass)
        stack.callback(probe.close)
        # One round: the fleet's counts are compared with each other. The
        # events go to the first ADDRESSED bikes (every bike of the entry
        # exists): a warm-up over all 1,000 takes a minute under valgrind.
        addressed = min(bikes, ADDRESSED)
        results = await measure_peers(
            replace(cfg, rounds=1, concurrency=fleet_concurrency(cfg)),
            probe,
            bench.url,
            [ebike_peer(FLEET_EBIKE, sim, addressed)],
            cfg.events,
            counter=counter,
        )
        data = entry.runtime_data
        await counter.start()
        await data.store.async_save()
        store_write = await counter.stop()
    return {
        "bikes": bikes,
        "addressed": addressed,
        "ebike": _result_json(results[FLEET_EBIKE]),
        "store_write": store_write,
    }


async def _child(spec: dict[str, Any]) -> dict[str, Any]:
    """Under callgrind: the ingestion peers, counted; the RSA verify alone."""
    cfg = BenchConfig(
        events=spec["events"],
        rounds=spec["rounds"],
        concurrency=spec["concurrency"],
        bikes=spec["bikes"],
        fleet_sizes=tuple(spec["fleet_sizes"]),
        instr_settle=spec["settle"],
    )
    workdir = Path(spec["workdir"])
    counter = CallgrindCounter(Path(spec["out_file"]))
    from custom_components.bosch_connect.ebike import (  # noqa: PLC0415
        store as ebike_store,
    )

    ebike_store.SAVE_DELAY = STORE_DELAY_UNDER_VALGRIND
    async with contextlib.AsyncExitStack() as stack:
        bench = await stack.enter_async_context(running_hass(workdir / "hass"))
        probe = StateProbe(bench.hass)
        stack.callback(probe.close)
        ready = await setup_peers(bench.hass, stack, probe, cfg.bikes, workdir / "sim")
        # The eBike entry's entities are the last registry change; its
        # subscription (the wait inside setup_peers) changes no registry.
        await _settle(bench.hass, cfg, ready.added)
        _LOGGER.info("peers ready, registries written")
        if ready.missing:
            return {"missing": ready.missing}
        results = await measure_peers(
            cfg, probe, bench.url, ready.peers, cfg.events, counter=counter
        )
        verify = await verify_instructions(counter, VERIFY_CALLS)
    fleet = [
        await _fleet_size(cfg, bikes, workdir, counter) for bikes in cfg.fleet_sizes
    ]
    return {
        "peers": {name: _result_json(r) for name, r in results.items()},
        "verify": verify,
        "fleet": fleet,
    }


def child_main(argv: list[str]) -> int:
    """``python -m bench.instructions SPEC RESULT`` (run under callgrind)."""
    spec_path, result_path = (Path(arg) for arg in argv)
    configure_logging(verbose=True)
    result = run_on_hass_loop(_child(json.loads(spec_path.read_text())))
    result_path.write_text(json.dumps(result))
    return 0


@dataclass(slots=True)
class Counted:
    """What the child measured, per peer (instructions per event)."""

    peers: dict[str, dict[str, Any]]
    verify: float
    fleet: list[dict[str, Any]]


async def run_child(cfg: BenchConfig, workdir: Path) -> Counted:
    """Start the ingestion peers under callgrind; their counts."""
    valgrind = shutil.which("valgrind")
    if valgrind is None or shutil.which("callgrind_control") is None:
        raise Unavailable(
            "valgrind is not installed (Debian's package valgrind); "
            "instructions were not counted"
        )
    out_file = workdir / "callgrind.out"
    spec = {
        "events": cfg.instr_events,
        "rounds": cfg.instr_rounds,
        "concurrency": cfg.concurrency,
        "bikes": cfg.bikes,
        # The smallest and the largest fleet of section 2.
        "fleet_sizes": sorted({min(cfg.fleet_sizes), max(cfg.fleet_sizes)}),
        "settle": cfg.instr_settle,
        "workdir": str(workdir),
        "out_file": str(out_file),
    }
    spec_path, result_path = workdir / "spec.json", workdir / "result.json"
    log_path = workdir / "child.log"
    await asyncio.to_thread(_write_spec, spec_path, spec)
    log = await asyncio.to_thread(log_path.open, "wb")
    try:
        process = await asyncio.create_subprocess_exec(
            valgrind,
            "--tool=callgrind",
            "--instr-atstart=no",
            f"--callgrind-out-file={out_file}",
            "--trace-children=no",
            "--quiet",
            sys.executable,
            "-m",
            "bench.instructions",
            str(spec_path),
            str(result_path),
            cwd=REPO,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=log,
            stderr=log,
        )
        try:
            code = await asyncio.wait_for(process.wait(), CHILD_TIMEOUT)
        except TimeoutError:
            process.kill()
            await process.wait()
            code = None
    finally:
        log.close()
    if code != 0:
        text = await asyncio.to_thread(log_path.read_text, errors="replace")
        raise RuntimeError(
            f"the process under callgrind ended with {code}:\n"
            + "\n".join(text.strip().splitlines()[-15:])
        )
    result = json.loads(await asyncio.to_thread(result_path.read_text))
    if "missing" in result:
        raise Unavailable(f"the eBike webhook was not measured: {result['missing']}")
    return Counted(
        peers=result["peers"], verify=result["verify"], fleet=result["fleet"]
    )


def _fleet_lines(
    fleet: list[dict[str, Any]], report: Report, lines: list[str], cfg: BenchConfig
) -> None:
    """Instructions per event at the smallest and the largest fleet."""
    lines += [
        "",
        "Per event at the smallest and the largest fleet of section 2: a Home "
        "Assistant per size, its registries written before counting, one "
        f"round of {cfg.instr_events:,} events after a warm-up that touches "
        "each addressed bike with both notification types. Every bike of the "
        f"entry exists (devices, entities, states); the events go to the first "
        f"{ADDRESSED:,}:",
        "",
        *table(
            [
                "bikes",
                "bikes addressed",
                "events",
                "eBike k instructions/event",
                "store write k",
                "non-2xx / no state",
            ],
            [
                [
                    fmt(int(f["bikes"])),
                    fmt(int(f["addressed"])),
                    fmt(int(f["ebike"]["events"])),
                    _k(f["ebike"]["instructions"]),
                    _k(f["store_write"]),
                    f"{f['ebike']['errors']} / {f['ebike']['without_state']}",
                ]
                for f in fleet
            ],
        ),
    ]
    largest = fleet[-1]
    lines += [
        "",
        "*Store write* = one write of the bike store (the last notifications of "
        "every bike that reported, written at most every 10 s). It is left "
        "out of the "
        "per-event counts: under valgrind a run lasts about 50 times longer, "
        "so it would be charged to the events about 50 times over. At "
        f"{largest['addressed']:,} reporting bikes and 1,000 events per second "
        f"it adds {largest['store_write'] / 10_000 / 1000:.1f} k instructions per "
        "event; it grows with the bikes that report.",
    ]
    if len(fleet) < 2:
        return
    small, large = fleet[0], fleet[-1]
    ratio = small["ebike"]["instructions"] / large["ebike"]["instructions"]
    lines += [
        "",
        f"**{large['bikes']:,} bikes against {small['bikes']:,}: "
        f"x{ratio:.2f} by instructions** (rate-like: above 1 is cheaper at "
        f"{large['bikes']:,}).",
    ]
    valid = all(
        f["ebike"]["errors"] == 0 and f["ebike"]["without_state"] == 0 for f in fleet
    )
    report.target(
        f"ingestion at {large['bikes']:,} bikes within 10 % of {small['bikes']:,}, "
        "counted in instructions (repeatable)",
        f"x{ratio:.2f} ({_k(large['ebike']['instructions'])} k against "
        f"{_k(small['ebike']['instructions'])} k instructions per event)",
        valid and ratio >= 0.9,
    )


def _write_spec(path: Path, spec: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(spec))


def _k(value: float) -> str:
    return fmt(value / 1000, 0)


async def section_instructions(cfg: BenchConfig, report: Report, workdir: Path) -> None:
    """5. The ingestion peers again, counted in instructions (repeatable)."""
    counted = await run_child(cfg, workdir / "instructions")
    peers = counted.peers
    section = report.section("5. Ingestion counted in instructions (callgrind)")
    noop = peers[NOOP]["instructions"]
    # The largest difference between the rounds of one peer, of the least.
    spread = max(
        (max(p["rounds"]) - min(p["rounds"])) / p["instructions"]
        for p in peers.values()
    )
    agree = (
        f"the rounds of one peer agree within {spread:.1%}"
        if cfg.instr_rounds > 1
        else "it is the same from round to round (one round here)"
    )
    section.lines += [
        f"The peers of section 1 in one Home Assistant run under valgrind's "
        f"callgrind: {cfg.instr_events:,} requests per peer and round, "
        + (
            f"{cfg.instr_rounds} rounds interleaved, "
            if cfg.instr_rounds > 1
            else "one round, "
        )
        + f"{cfg.concurrency} concurrent "
        f"connections, {cfg.bikes} devices/bikes. Counting is on only while a "
        "run's requests are handled (after its warm-up). *Instructions* are "
        "those of the Home Assistant process per event; *above no-op* is what "
        "the webhook adds to Home Assistant's HTTP stack. The count does not "
        f"depend on the machine's load: {agree}, where the CPU figures of "
        "section 1 vary by ±30 %. Work that "
        "is not the requests' (a timer of Home Assistant that fires during a "
        "run) only adds to a count, so the least of the rounds is reported.",
        "",
        *table(
            [
                "webhook",
                "events",
                "k instructions/event (least of the rounds)",
                "rounds",
                "above no-op k",
                "no-op / webhook",
                "non-2xx",
                "no state",
            ],
            [
                [
                    name,
                    fmt(int(p["events"])),
                    _k(p["instructions"]),
                    ", ".join(_k(r) for r in p["rounds"]),
                    _k(p["instructions"] - noop),
                    fmt(noop / p["instructions"], 2),
                    fmt(int(p["errors"])),
                    fmt(int(p["without_state"])),
                ]
                for name, p in peers.items()
            ],
        ),
        "",
    ]
    ours, gps = peers[EBIKE], peers[GPSLOGGER]
    ratio = gps["instructions"] / ours["instructions"]
    own = ours["instructions"] - noop
    section.lines += [
        f"RSA-2048 verify alone (key loaded, {VERIFY_CALLS} calls): "
        f"{_k(counted.verify)} k instructions per call, "
        f"{counted.verify / own:.0%} of what the eBike webhook adds to the HTTP "
        "stack. On the CPU its share is smaller (section 1 measures the same "
        "verify in µs): big-number code runs at several instructions per cycle.",
        "",
        f"**eBike / gpslogger by instructions: {ratio:.2f}** (gpslogger "
        f"{_k(gps['instructions'])} k, eBike {_k(ours['instructions'])} k per "
        f"event). Without the RSA verify the eBike webhook adds "
        f"{_k(own - counted.verify)} k instructions to the HTTP stack; "
        f"gpslogger adds {_k(gps['instructions'] - noop)} k.",
    ]
    floor = peers.get(FLOOR)
    if floor is not None:
        section.lines += [
            "",
            f"Floor (verify + parse + 1 state) / no-op: "
            f"{noop / floor['instructions']:.2f}; eBike / no-op: "
            f"{noop / ours['instructions']:.2f}.",
        ]
    valid = ours["errors"] == 0 and ours["without_state"] == 0
    report.target(
        "ingestion >= gpslogger, counted in instructions (repeatable)",
        f"{ratio:.2f} x gpslogger ({_k(ours['instructions'])} k against "
        f"{_k(gps['instructions'])} k instructions per event)",
        valid and ratio >= 1.0,
    )
    _fleet_lines(counted.fleet, report, section.lines, cfg)
    if cfg.instr_rounds > 1:
        section.lines += [
            "",
            f"Largest difference between the rounds of one peer above: "
            f"{spread:.1%} of the least.",
        ]


if __name__ == "__main__":
    sys.exit(child_main(sys.argv[1:]))
