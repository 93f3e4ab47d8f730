"""Webhook ingestion through Home Assistant's real HTTP server.

Each peer is a webhook registered in the same Home Assistant: the no-op
handler (the floor of the HTTP stack), core's ``gpslogger`` (no signature
check) and ours. A separate load-generator process posts prepared requests
over real sockets with bounded concurrency. A ``state_changed`` listener
stamps, for each request, when the last entity state it caused was written;
the request is found through Home Assistant's ``current_request`` context
variable, which also follows tasks created while handling it.
"""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Callable
import contextlib
import cProfile
from dataclasses import dataclass, field
import gc
import json
import logging
from pathlib import Path
import sys
import tempfile
import time
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import urlencode

from aiohttp import web
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from homeassistant.components import webhook
from homeassistant.const import EVENT_STATE_CHANGED
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.helpers.http import current_request

from .config import BenchConfig
from .entries import Unavailable
from .load import SEQ_HEADER, PreparedRequest, Spec
from .stats import median, percentile

if TYPE_CHECKING:
    from .ebike import Subscribed

REPO = Path(__file__).resolve().parent.parent
_LOGGER = logging.getLogger(__name__)

SUBSCRIBE_WAIT = 15.0  # seconds the bench waits for the eBike subscription
NOOP = "no-op webhook"
GPSLOGGER = "gpslogger (core)"
EBIKE = "bosch_connect eBike"
FLOOR = "floor: verify + parse + 1 state"

type RequestFactory = Callable[[int, int], list[PreparedRequest]]
"""(first sequence number, count) -> prepared requests."""


class StateProbe:
    """When the state written for each request was written (monotonic)."""

    def __init__(self, hass: HomeAssistant) -> None:
        self.hass = hass
        self.written: dict[int, float] = {}
        self.unattributed = 0
        self._unsub = hass.bus.async_listen(EVENT_STATE_CHANGED, self._on_state)

    @callback
    def _on_state(self, event: Event[Any]) -> None:
        request = current_request.get()
        seq = request.headers.get(SEQ_HEADER) if request is not None else None
        if seq is None:
            self.unattributed += 1
            return
        self.written[int(seq)] = time.monotonic()

    @callback
    def mark(self, request: web.Request) -> None:
        """Stamp a request whose handler writes no state (the no-op peer)."""
        if (seq := request.headers.get(SEQ_HEADER)) is not None:
            self.written[int(seq)] = time.monotonic()

    def close(self) -> None:
        """Stop listening."""
        self._unsub()


@dataclass(slots=True)
class Peer:
    """One webhook under test and how to make its requests."""

    name: str
    make: RequestFactory
    devices: int
    next_seq: int = 0
    warm: bool = False

    def take(self, count: int) -> list[PreparedRequest]:
        """The next ``count`` requests (fresh sequence numbers, newer data)."""
        requests = self.make(self.next_seq, count)
        self.next_seq += count
        return requests


@dataclass(slots=True)
class IngestResult:
    """One measured run of one peer."""

    name: str
    events: int
    seconds: float
    rate: float
    state_p50_ms: float
    state_p99_ms: float
    response_p50_ms: float
    response_p99_ms: float
    cpu_us_per_event: float
    errors: int
    without_state: int
    statuses: list[int] = field(default_factory=list)
    # CPU per event of each round, in round order (a median result only).
    round_cpu: list[float] = field(default_factory=list)
    # Instructions per event (a ``Counter`` was given); of each round likewise.
    instructions: float = float("nan")
    round_instructions: list[float] = field(default_factory=list)


class Counter(Protocol):
    """Counts what the Home Assistant process executes (``bench.instructions``)."""

    async def start(self) -> None:
        """Start counting from zero."""

    async def stop(self) -> int:
        """Stop; what was counted since ``start``."""


class LoadGenerator:
    """The load-generator process (``python -m bench.load``), reused per run."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self._process = process

    @classmethod
    async def start(cls) -> LoadGenerator:
        """Start the process."""
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bench.load",
            cwd=REPO,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
        )
        return cls(process)

    async def send(self, line: str) -> None:
        """Write a line to the generator."""
        assert self._process.stdin is not None
        self._process.stdin.write(line.encode() + b"\n")
        await self._process.stdin.drain()

    async def expect(self, word: str) -> None:
        """Wait for the generator's next line; it must be ``word``."""
        assert self._process.stdout is not None
        line = await self._process.stdout.readline()
        if line.strip() != word.encode():
            raise RuntimeError(f"load generator said {line!r}, expected {word}")

    async def close(self) -> None:
        """End of input: the generator exits."""
        assert self._process.stdin is not None
        self._process.stdin.close()
        if await self._process.wait() != 0:
            raise RuntimeError("load generator failed")


async def run_load(
    generator: LoadGenerator,
    probe: StateProbe,
    *,
    url: str,
    peer: Peer,
    events: int,
    concurrency: int,
    profile: Path | None = None,
    counter: Counter | None = None,
) -> IngestResult:
    """Post ``events`` requests of ``peer`` (after a warm-up) and measure."""
    # The first run touches every device twice (an eBike gets both of its
    # notification types; entities created, caches warm); later runs only
    # open the connections again.
    warmup = peer.take(
        concurrency * 4 if peer.warm else max(2 * peer.devices, concurrency * 4)
    )
    peer.warm = True
    requests = peer.take(events)
    spec: Spec = {
        "url": url,
        "concurrency": concurrency,
        "warmup": warmup,
        "requests": requests,
    }
    with tempfile.TemporaryDirectory(prefix="bench-load-") as tmp:
        spec_path = Path(tmp) / "spec.json"
        result_path = Path(tmp) / "result.json"
        spec_path.write_text(json.dumps(spec))
        await generator.send(f"{spec_path} {result_path}")
        await generator.expect("WARM")
        await asyncio.sleep(0.2)  # let the warm-up's state writes settle
        probe.written.clear()  # sequence numbers are per peer
        # Garbage left by the previous run is not charged to this one.
        gc.collect()
        profiler = cProfile.Profile() if profile else None
        if counter:
            await counter.start()
        cpu_before = time.process_time()
        if profiler:
            profiler.enable()
        await generator.send("GO")
        await generator.expect("DONE")
        if profiler:
            profiler.disable()
        cpu_after = time.process_time()
        counted = await counter.stop() if counter else None
        if profiler and profile:
            profile.parent.mkdir(parents=True, exist_ok=True)
            profiler.dump_stats(profile)
        result = json.loads(result_path.read_text())
    await asyncio.sleep(0.05)  # state written by tasks after the last response
    start: float = result["start"]
    done: list[list[float]] = result["requests"]
    errors = sum(1 for *_, status in done if not 200 <= status < 300)
    response_ms = [(end - sent) * 1000 for _, sent, end, _ in done]
    state_ms: list[float] = []
    last = result["end"]
    without_state = 0
    for seq, sent, _, _ in done:
        written = probe.written.get(int(seq))
        if written is None or written < sent:
            without_state += 1
            continue
        state_ms.append((written - sent) * 1000)
        last = max(last, written)
    seconds = last - start
    return IngestResult(
        name=peer.name,
        events=len(done),
        seconds=seconds,
        rate=len(done) / seconds,
        state_p50_ms=percentile(state_ms, 50),
        state_p99_ms=percentile(state_ms, 99),
        response_p50_ms=percentile(response_ms, 50),
        response_p99_ms=percentile(response_ms, 99),
        cpu_us_per_event=(cpu_after - cpu_before) / len(done) * 1e6,
        errors=errors,
        without_state=without_state,
        statuses=sorted({int(status) for *_, status in done}),
        instructions=float("nan") if counted is None else counted / len(done),
    )


# --- the peers --------------------------------------------------------------


async def setup_noop(hass: HomeAssistant, probe: StateProbe, devices: int) -> Peer:
    """A webhook whose handler does nothing (the floor of the HTTP stack)."""
    webhook_id = webhook.async_generate_id()

    async def handle(
        hass: HomeAssistant, webhook_id: str, request: web.Request
    ) -> None:
        probe.mark(request)

    webhook.async_register(
        hass,
        "bench",
        "Benchmark no-op",
        webhook_id,
        handle,
        local_only=False,
        allowed_methods=["POST"],
    )
    path = f"/api/webhook/{webhook_id}"

    def make(first: int, count: int) -> list[PreparedRequest]:
        return [
            {
                "seq": seq,
                "path": path,
                "headers": {"Content-Type": "application/json"},
                "body": json.dumps({"device": f"bike{seq % devices:04d}", "n": seq}),
            }
            for seq in range(first, first + count)
        ]

    return Peer(name="no-op webhook", make=make, devices=devices)


async def setup_gpslogger(hass: HomeAssistant, devices: int) -> Peer:
    """Core's gpslogger, its entry created through its own config flow."""
    flow = await hass.config_entries.flow.async_init(
        "gpslogger", context={"source": "user"}
    )
    result = await hass.config_entries.flow.async_configure(flow["flow_id"], {})
    if result["type"] != "create_entry":
        raise RuntimeError(f"gpslogger flow did not create an entry: {result}")
    webhook_id = result["result"].data["webhook_id"]
    await hass.async_block_till_done()
    path = f"/api/webhook/{webhook_id}"

    def make(first: int, count: int) -> list[PreparedRequest]:
        requests: list[PreparedRequest] = []
        for seq in range(first, first + count):
            fraction = seq * 1e-6
            form = {
                "device": f"bike{seq % devices:04d}",
                "latitude": f"{48.7 + fraction:.7f}",
                "longitude": f"{9.1 + fraction:.7f}",
                "accuracy": "5",
                "battery": str(50 + seq % 50),
                "speed": "4.2",
                "direction": "90",
                "altitude": "250",
                "provider": "gps",
                "activity": "on_bicycle",
            }
            requests.append(
                {
                    "seq": seq,
                    "path": path,
                    "headers": {"Content-Type": "application/x-www-form-urlencoded"},
                    "body": urlencode(form),
                }
            )
        return requests

    return Peer(name="gpslogger (core)", make=make, devices=devices)


async def setup_floor(
    hass: HomeAssistant, probe: StateProbe, public_key: RSAPublicKey, peer: Peer
) -> Peer:
    """The least a signed JSON webhook can do: verify, parse, write one state.

    Posted the very same requests as ``peer`` (the eBike notifications), it
    reads the body, verifies ``X-Bosch-Sig`` (RSA PKCS#1 v1.5, SHA-256) with
    the signing key already loaded, parses the JSON and writes one state per
    request with ``hass.states.async_set``. What it costs above the no-op
    handler is the physical minimum of the eBike webhook.
    """
    webhook_id = webhook.async_generate_id()
    states = hass.states

    async def handle(
        hass: HomeAssistant, webhook_id: str, request: web.Request
    ) -> web.Response:
        body = await request.read()
        try:
            public_key.verify(
                base64.b64decode(request.headers["X-Bosch-Sig"]),
                body,
                padding.PKCS1v15(),
                hashes.SHA256(),
            )
        except KeyError, ValueError, InvalidSignature:
            return web.Response(status=401)
        payload = json.loads(body)
        states.async_set(
            f"sensor.bench_floor_{payload['bikeId'][:8].lower()}",
            payload["createdAt"],
        )
        return web.Response()

    webhook.async_register(
        hass,
        "bench",
        "Benchmark floor",
        webhook_id,
        handle,
        local_only=False,
        allowed_methods=["POST"],
    )
    path = f"/api/webhook/{webhook_id}"

    def make(first: int, count: int) -> list[PreparedRequest]:
        requests = peer.make(first, count)
        for request in requests:
            request["path"] = path
        return requests

    return Peer(name="floor: verify + parse + 1 state", make=make, devices=peer.devices)


# --- measuring ---------------------------------------------------------------


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
        round_cpu=[r.cpu_us_per_event for r in runs],
        instructions=median([r.instructions for r in runs]),
        round_instructions=[r.instructions for r in runs],
    )


def _slug(name: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in name.lower()).strip("-")


async def measure_peers(
    cfg: BenchConfig,
    probe: StateProbe,
    url: str,
    hass_peers: list[Peer],
    events: int,
    *,
    counter: Counter | None = None,
) -> dict[str, IngestResult]:
    """Interleave the peers over the rounds (rotating the order); medians."""
    runs: dict[str, list[IngestResult]] = {peer.name: [] for peer in hass_peers}
    generator = await LoadGenerator.start()
    try:
        for round_no in range(cfg.rounds):
            shift = round_no % len(hass_peers)
            for peer in hass_peers[shift:] + hass_peers[:shift]:
                result = await run_load(
                    generator,
                    probe,
                    url=url,
                    peer=peer,
                    events=events,
                    concurrency=cfg.concurrency,
                    profile=(
                        cfg.profile / f"{_slug(peer.name)}-{round_no}.pstats"
                        if cfg.profile
                        else None
                    ),
                    counter=counter,
                )
                _LOGGER.info(
                    "%s round %d: %.0f events/s, %.0f µs CPU per event",
                    peer.name,
                    round_no,
                    result.rate,
                    result.cpu_us_per_event,
                )
                runs[peer.name].append(result)
    finally:
        await generator.close()
    return {name: _median_result(name, r) for name, r in runs.items()}


@dataclass(slots=True)
class IngestPeers:
    """The peers of the ingestion run, in one Home Assistant."""

    peers: list[Peer]
    missing: str | None  # why the eBike peers are missing, if they are
    subscribed: Subscribed | None
    added: float = 0.0  # when the last entities were added (monotonic)


async def setup_peers(
    hass: HomeAssistant,
    stack: contextlib.AsyncExitStack,
    probe: StateProbe,
    bikes: int,
    sim_dir: Path,
) -> IngestPeers:
    """No-op, gpslogger, the floor and the eBike webhook (with its simulator)."""
    peers = [
        await setup_noop(hass, probe, bikes),
        await setup_gpslogger(hass, bikes),
    ]
    try:
        from . import ebike  # noqa: PLC0415 - ebike imports this module

        sim = await stack.enter_async_context(ebike.ebike_simulator(sim_dir, bikes))
        started = time.monotonic()
        entry, _ = await ebike.setup_ebike(hass, sim)
        added = time.monotonic()
        subscribed = await ebike.wait_subscribed(
            hass, sim, entry, started, SUBSCRIBE_WAIT
        )
        floor_peer = await setup_floor(
            hass, probe, ebike.signing_public_key(sim), ebike.ebike_peer(FLOOR, sim)
        )
    except (ImportError, Unavailable) as err:
        return IngestPeers(
            peers, f"{type(err).__name__}: {err}", None, time.monotonic()
        )
    return IngestPeers(
        [*peers, floor_peer, ebike.ebike_peer(EBIKE, sim)], None, subscribed, added
    )
