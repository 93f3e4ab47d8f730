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
from dataclasses import dataclass
import json
import logging
import os
from pathlib import Path
import shutil
import sys
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from .config import BenchConfig
from .entries import Unavailable
from .hass import install_loop_policy, running_hass
from .ingest import (
    EBIKE,
    FLOOR,
    GPSLOGGER,
    NOOP,
    REPO,
    IngestResult,
    StateProbe,
    measure_peers,
    setup_peers,
)
from .report import Report, fmt, table

_LOGGER = logging.getLogger(__name__)

CHILD_TIMEOUT = 900.0  # seconds; a full run takes about three minutes
VERIFY_CALLS = 200


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
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    body = b'{"type": "BIKE_STATUS"}' * 30  # the size of a notification
    signature = key.sign(body, padding.PKCS1v15(), hashes.SHA256())
    public = key.public_key()
    pkcs1v15, sha256 = padding.PKCS1v15(), hashes.SHA256()
    public.verify(signature, body, pkcs1v15, sha256)
    await counter.start()
    for _ in range(calls):
        public.verify(signature, body, pkcs1v15, sha256)
    return await counter.stop() / calls


def _result_json(result: IngestResult) -> dict[str, Any]:
    return {
        "events": result.events,
        "instructions": result.instructions,
        "rounds": result.round_instructions,
        "errors": result.errors,
        "without_state": result.without_state,
    }


async def _child(spec: dict[str, Any]) -> dict[str, Any]:
    """Under callgrind: the ingestion peers, counted; the RSA verify alone."""
    cfg = BenchConfig(
        events=spec["events"],
        rounds=spec["rounds"],
        concurrency=spec["concurrency"],
        bikes=spec["bikes"],
    )
    workdir = Path(spec["workdir"])
    counter = CallgrindCounter(Path(spec["out_file"]))
    async with contextlib.AsyncExitStack() as stack:
        bench = await stack.enter_async_context(running_hass(workdir / "hass"))
        probe = StateProbe(bench.hass)
        stack.callback(probe.close)
        ready = await setup_peers(bench.hass, stack, probe, cfg.bikes, workdir / "sim")
        if ready.missing:
            return {"missing": ready.missing}
        results = await measure_peers(
            cfg, probe, bench.url, ready.peers, cfg.events, counter=counter
        )
        verify = await verify_instructions(counter, VERIFY_CALLS)
    return {
        "peers": {name: _result_json(r) for name, r in results.items()},
        "verify": verify,
    }


def child_main(argv: list[str]) -> int:
    """``python -m bench.instructions SPEC RESULT`` (run under callgrind)."""
    spec_path, result_path = (Path(arg) for arg in argv)
    logging.basicConfig(level=logging.WARNING)
    install_loop_policy()
    result = asyncio.run(_child(json.loads(spec_path.read_text())))
    result_path.write_text(json.dumps(result))
    return 0


@dataclass(slots=True)
class Counted:
    """What the child measured, per peer (instructions per event)."""

    peers: dict[str, dict[str, Any]]
    verify: float


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
    return Counted(peers=result["peers"], verify=result["verify"])


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
    section.lines += [
        f"The peers of section 1 in one Home Assistant run under valgrind's "
        f"callgrind: {cfg.instr_events:,} requests per peer and round, "
        f"{cfg.instr_rounds} rounds interleaved, {cfg.concurrency} concurrent "
        f"connections, {cfg.bikes} devices/bikes. Counting is on only while a "
        "run's requests are handled (after its warm-up). *Instructions* are "
        "those of the Home Assistant process per event; *above no-op* is what "
        "the webhook adds to Home Assistant's HTTP stack. The count does not "
        "depend on the machine's load, so the rounds agree where the CPU "
        "figures of section 1 vary by ±30 %.",
        "",
        *table(
            [
                "webhook",
                "events",
                "k instructions/event (median)",
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
        "stack. On the CPU the same verify is about 10 % of the eBike event "
        "(section 1's micro-measurement): big-number code runs at several "
        "instructions per cycle.",
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
    spread = [
        (max(p["rounds"]) - min(p["rounds"])) / p["instructions"]
        for p in peers.values()
    ]
    _LOGGER.info("instruction rounds spread at most %.1f %%", 100 * max(spread))
    section.lines += [
        "",
        f"Largest difference between the rounds of one peer: "
        f"{100 * max(spread):.1f} % of its median.",
    ]


if __name__ == "__main__":
    sys.exit(child_main(sys.argv[1:]))
