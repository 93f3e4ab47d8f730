"""Fuzz tests of the parsers that the services' own suites do not cover yet.

Already covered elsewhere (not repeated here):
gateway resource values and sentinels (tests/gateway/test_values.py::
test_parser_raises_only_typed_errors, ::test_garbage_is_a_value_format_error),
TXT records (tests/gateway/test_txt.py::test_parser_raises_only_typed_errors),
Home Comfort API keys (tests/homecomfort/test_keys.py::
test_hostile_text_raises_only_the_typed_error, ::test_hostile_key_answers_raise_only_the_typed_error),
eBike bodies as random bytes / random JSON / top-level mutations of a status
(tests/ebike/test_payloads.py::test_random_bytes, ::test_random_json,
::test_random_payload_shaped_json, ::test_mutated_real_payloads).

Added here:
* eBike payloads of BOTH generations (v1.2.0 and the 2024 draft), status AND
  location, as the simulator builds them, with any nested value replaced or
  removed: only ``PayloadError``, or events of the known kinds;
* the Rollouts Management and DDI clients and the Bosma client against a
  loopback server answering random (and model-shaped) JSON with random
  statuses: only the service's own error type, or a parsed model.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Callable
import copy
from dataclasses import dataclass
import json
from pathlib import Path
from typing import Any

from aiohttp import web
from hypothesis import HealthCheck, given, settings, strategies as st
import pytest

from custom_components.bosch_connect.bosma.api import BosmaClient
from custom_components.bosch_connect.bosma.errors import BosmaError
from custom_components.bosch_connect.bosma.models import BosmaAccount, Platform
from custom_components.bosch_connect.ebike.errors import PayloadError
from custom_components.bosch_connect.ebike.payloads import (
    BikeStatus,
    LocationTracking,
    UnknownEvent,
    WebhookTest,
    parse_events,
)
from custom_components.bosch_connect.rollouts.api import (
    BasicCredentials,
    DdiClient,
    ManagementClient,
)
from custom_components.bosch_connect.rollouts.errors import RolloutsError
from custom_components.bosch_connect.rollouts.models import Poll
from simulator.ebike.fleet import make_fleet
from simulator.options import Options
from simulator.server import Listener, server_context
from tests.conftest import sim_session

NOW = 1_780_000_000.0
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.sampled_from(
        [
            "",
            "2025-01-01T00:00:00Z",
            "2025-13-45T99:99:99Z",
            "not a date",
            "BIKE_STATUS",
            "LOCATION_TRACKING",
            "CHARGE_CRITICAL",
            "1e400",
        ]
    ),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=6,
)


def _real_payloads() -> list[Any]:
    """Status and location bodies of both generations, as the simulator sends them."""
    bikes = make_fleet(2, seed=5, now=NOW)
    payloads: list[Any] = []
    for bike in bikes:
        bike.powered = True
        bike.charger_connected = True
        bike.charging = True
        bike.start_ride(NOW, None, 6.0)
        bike.advance(NOW + 30)
        for shape in ("v1.2.0", "draft"):
            payloads.append(bike.bike_status(NOW + 30, shape))
            bike.record(NOW + 30)
            payloads.append(bike.location_tracking(NOW + 31, shape))
    return payloads


REAL = _real_payloads()


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _paths(value, (*prefix, index))
    return found


def _replace(root: Any, path: tuple[Any, ...], value: Any, *, remove: bool) -> Any:
    if not path:
        return value
    root = copy.deepcopy(root)
    parent = root
    for step in path[:-1]:
        parent = parent[step]
    if remove:
        del parent[path[-1]]
    else:
        parent[path[-1]] = value
    return root


@st.composite
def mutated_payloads(draw: st.DrawFn) -> bytes:
    """A real payload with one to three nested values replaced or removed."""
    payload = draw(st.sampled_from(REAL))
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(_paths(payload)))
        remove = bool(path) and draw(st.booleans())
        payload = _replace(payload, path, draw(VALUES), remove=remove)
    return json.dumps(payload).encode()


def test_real_payloads_parse() -> None:
    """The unmutated bodies are what the parser expects (both generations)."""
    kinds = [type(parse_events(json.dumps(p).encode())[0]) for p in REAL]
    assert kinds.count(BikeStatus) == 4
    assert kinds.count(LocationTracking) == 4


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_payloads())
def test_mutated_payloads_of_both_generations(body: bytes) -> None:
    try:
        events = parse_events(body)
    except PayloadError:
        return
    for event in events:
        assert isinstance(
            event, WebhookTest | BikeStatus | LocationTracking | UnknownEvent
        )
        assert isinstance(event.dedup_key, tuple)


# --- clients against a hostile server ----------------------------------------


@dataclass
class Hostile:
    """A loopback server answering whatever the current example says."""

    status: int = 200
    body: bytes = b"{}"
    url: str = ""

    async def handle(self, request: web.Request) -> web.Response:
        await request.read()
        return web.Response(
            status=self.status, body=self.body, content_type="application/json"
        )


@pytest.fixture
async def hostile(socket_enabled: None, tmp_path: Path) -> AsyncGenerator[Hostile]:
    """A server that answers what a test sets (https: the clients take no http)."""
    server = Hostile()
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", server.handle)
    listener = Listener(
        app, ssl_context=server_context(Options(state_dir=tmp_path), tmp_path)
    )
    await listener.start()
    server.url = listener.url
    try:
        yield server
    finally:
        await listener.stop()


def _shaped(keys: list[str]) -> st.SearchStrategy[Any]:
    """JSON that looks like the model (its keys, nested once or twice)."""
    inner = st.dictionaries(st.sampled_from(keys), SCALARS, max_size=4)
    return st.one_of(
        VALUES,
        st.dictionaries(
            st.sampled_from(keys),
            st.one_of(SCALARS, inner, st.lists(inner, max_size=3)),
            max_size=6,
        ),
    )


ROLLOUTS_KEYS = [
    "content",
    "total",
    "size",
    "controllerId",
    "name",
    "updateStatus",
    "pollStatus",
    "lastRequestAt",
    "nextExpectedRequestAt",
    "overdue",
    "id",
    "version",
    "config",
    "polling",
    "sleep",
    "_links",
    "deploymentBase",
    "href",
    "deployment",
    "download",
    "update",
    "chunks",
    "actionHistory",
]
BOSMA_KEYS = ["code", "msg", "data", "ticket", "expiresIn", "expireTime", "expires"]
STATUSES = st.sampled_from([200, 200, 200, 201, 204, 400, 401, 403, 404, 500, 503])


def _run_fuzz(  # noqa: PLR0917
    hostile: Hostile,
    loop: asyncio.AbstractEventLoop,
    keys: list[str],
    operations: list[Callable[[], Any]],
    allowed: type[Exception],
    examples: int,
) -> None:
    @settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(
        STATUSES,
        st.one_of(
            _shaped(keys).map(lambda v: json.dumps(v).encode()),
            st.binary(max_size=50),
        ),
        st.sampled_from(range(len(operations))),
    )
    def fuzz(status: int, body: bytes, operation: int) -> None:
        hostile.status, hostile.body = status, body

        async def call() -> None:
            try:
                await operations[operation]()
            except allowed:
                return

        asyncio.run_coroutine_threadsafe(call(), loop).result(15)

    fuzz()


async def test_rollouts_clients_raise_only_their_errors(hostile: Hostile) -> None:
    loop = asyncio.get_running_loop()
    async with sim_session() as session:
        management = ManagementClient(
            session,
            hostile.url,
            "DEMO",
            BasicCredentials(username="admin", password="pw"),
        )
        ddi = DdiClient(
            session, hostile.url, "DEMO", "dev-1", token_type="TargetToken", token="t"
        )
        poll = Poll.from_json(
            {
                "config": {"polling": {"sleep": "00:05:00"}},
                "_links": {
                    "deploymentBase": {
                        "href": f"{hostile.url}/DEMO/controller/v1/dev-1/deploymentBase/7?c=1"
                    }
                },
            }
        )
        operations: list[Callable[[], Any]] = [
            management.targets,
            lambda: management.target("dev-1"),
            management.distribution_sets,
            management.summary,
            management.check,
            ddi.poll,
            lambda: ddi.deployment(poll),
        ]
        await loop.run_in_executor(
            None, _run_fuzz, hostile, loop, ROLLOUTS_KEYS, operations, RolloutsError, 80
        )


async def test_bosma_client_raises_only_its_errors(hostile: Hostile) -> None:
    loop = asyncio.get_running_loop()
    async with sim_session() as session:
        client = BosmaClient(
            session,
            BosmaAccount(
                base_url=hostile.url,
                corp="BC1",
                api_secret="s" * 32,
                app_package="com.example",
                platform=Platform.ANDROID,
                openid="user",
                country="DE",
            ),
        )
        await loop.run_in_executor(
            None,
            _run_fuzz,
            hostile,
            loop,
            BOSMA_KEYS,
            [client.apply_token],
            BosmaError,
            80,
        )
