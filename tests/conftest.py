"""Fixtures shared by every test.

Our integration must be imported before the ``hass`` fixture mounts its own
testing config, or Home Assistant imports the plugin's ``custom_components``
package instead of ours ("Integration not found").
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Collection, Generator, Iterable, Iterator
from contextlib import contextmanager
import dataclasses
import logging
from pathlib import Path
import re
import ssl
from typing import Any
from unittest.mock import PropertyMock, patch
import warnings

import aiohttp
from aiohttp.resolver import AsyncResolver
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er, frame
import pytest
from pytest_homeassistant_custom_component.syrupy import HomeAssistantSnapshotExtension
import pytest_socket
from syrupy.assertion import SnapshotAssertion

import custom_components.bosch_connect  # noqa: F401
from custom_components.bosch_connect.registry import ROOMS
from simulator.clock import Clock
from simulator.options import Options
from simulator.pki import simulator_ca
from simulator.trust import trust_in_this_process

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
REFERENCE = SHARED / "reference"


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(
    enable_custom_integrations: None,
) -> Generator[None]:
    """Let the hass fixture load custom integrations."""
    return


# What Home Assistant logs when an integration uses something it deprecates:
# the frame helper ("Detected that custom integration 'bosch_connect' ... This
# will stop working in Home Assistant 20xx.y"), the deprecation helper ("The
# deprecated alias X was used from bosch_connect. It will be removed in HA Core
# ..."), and its reports of deprecated behaviour ("... is deprecated ...").
_DEPRECATION = re.compile(
    r"will stop working in Home Assistant|\bdeprecated\b|will be removed",
    re.IGNORECASE,
)
_OURS = (
    str(REPO / "custom_components" / "bosch_connect"),
    str(REPO / "simulator"),
    str(REPO / "tests"),
    str(REPO / "bench"),
)


class DeprecationRecords(logging.Handler):
    """Collects the records in which Home Assistant reports a deprecated use of ours."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.found: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.name.startswith("custom_components."):
            return  # our own log lines, not Home Assistant's report about us
        message = record.getMessage()
        if not _DEPRECATION.search(message):
            return
        names_us = "bosch_connect" in message
        stack = record.stack_info or ""
        from_us = any(f"{path}/" in stack for path in _OURS)
        if names_us or from_us:
            self.found.append(f"{record.name}: {message}")


@pytest.fixture(autouse=True)
def fail_on_deprecations(recwarn: pytest.WarningsRecorder) -> Generator[None]:
    """Fail the test during which a deprecated use by this project was reported.

    Two sources: Home Assistant's log records that name this integration (or
    whose stack passes through our code), and ``DeprecationWarning``s (any
    warning category named ``...Deprecation...``, such as cryptography's)
    attributed to a file of this repository. Home Assistant reports a use once
    per process; the frame helper's memory of reported uses is cleared so that
    every test that makes the use fails, not only the first.
    """
    frame._REPORTED_INTEGRATIONS.clear()
    handler = DeprecationRecords()
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield
    finally:
        root.removeHandler(handler)
    found = handler.found + our_deprecation_warnings(recwarn)
    if found:
        pytest.fail(
            "deprecated use reported during this test:\n" + "\n".join(found),
            pytrace=False,
        )


def our_deprecation_warnings(recorded: Iterable[warnings.WarningMessage]) -> list[str]:
    """The deprecation warnings (any category named ``...Deprecation...``) of our files."""
    return [
        f"{w.category.__name__} at {w.filename}:{w.lineno}: {w.message}"
        for w in recorded
        if "Deprecation" in w.category.__name__
        and any(w.filename.startswith(f"{path}/") for path in _OURS)
    ]


@pytest.fixture
def entity_registry_enabled_by_default() -> Generator[None]:
    """Entities that are disabled by default are enabled (as core's fixture does)."""
    with patch(
        "homeassistant.helpers.entity.Entity.entity_registry_enabled_default",
        return_value=True,
        new_callable=PropertyMock,
    ):
        yield


def sim_session(**kwargs: Any) -> aiohttp.ClientSession:
    """A plain aiohttp session (no Home Assistant) that trusts the simulator's CA."""
    context = ssl.create_default_context(cadata=simulator_ca().cert_pem)
    return aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=context), **kwargs)


@pytest.fixture(name="session")
async def sim_http(socket_enabled: None) -> AsyncIterator[aiohttp.ClientSession]:
    """``session``: the client session of a protocol test (no Home Assistant).

    It trusts the simulator's CA (``sim_session``); the tests of the clients
    of every cloud service take it.
    """
    async with sim_session() as session:
        yield session


def pytest_sessionstart(session: pytest.Session) -> None:
    """Home Assistant trusts the simulator's CA, as a user's trusts Bosch's.

    The simulated cloud services speak https with certificates of one CA per
    test process (``simulator.pki.simulator_ca``); the integration has no
    setting for a CA. At the test boundary, Home Assistant's client contexts
    learn it (``simulator.trust``), as a user's Home Assistant knows the CAs
    of Bosch's certificates.

    At the start of the session, not in a fixture: the first test may freeze
    time before its fixtures run, and cryptography keeps the ``datetime`` type
    of its first certificate (a frozen one would refuse every real date after).
    """
    trust_in_this_process(simulator_ca().cert_pem)


@pytest.fixture
def sim_options(tmp_path: Path, request: pytest.FixtureRequest) -> Options:
    """Simulator options for a test: ephemeral ports, state in tmp_path.

    The simulators' URLs name 127.0.0.1; in a test that uses ``host_names``
    they name ``localhost``, as in the demo.
    """
    hostname = "127.0.0.1"
    if "host_names" in request.fixturenames:
        # Before any simulator or entry: Home Assistant must resolve with it.
        request.getfixturevalue("host_names")
        hostname = "localhost"
    return Options(
        state_dir=tmp_path / "simulator",
        clock=Clock(),
        hostname=hostname,
    )


@pytest.fixture
def host_names(socket_enabled: None) -> Generator[None]:
    """Let Home Assistant resolve host names (``localhost``) as it does at home.

    Two parts of the test harness stand in the way, none of the integration:

    - pytest-homeassistant-custom-component swaps Home Assistant's resolver for
      one c-ares resolver made once per session, on the session's event loop; a
      test's loop cannot await it ("Future attached to a different loop", an
      unexpected exception in every flow). Here: the same kind of resolver
      (aiohttp's ``AsyncResolver``, c-ares as in Home Assistant), made on the
      test's loop when Home Assistant asks for it (and closed by it).
    - c-ares answers ``localhost`` with ::1 first, then 127.0.0.1 (RFC 6761,
      whatever /etc/hosts says). pytest-socket lets tests connect to 127.0.0.1
      only; its refusal of ::1 is a RuntimeError that aiohttp's happy-eyeballs
      code merely happens to skip. Here: ::1 is allowed as well, so a test sees
      what a real machine does: the simulators listen on 127.0.0.1 only, ::1
      refuses the connection and aiohttp goes on to 127.0.0.1. (pytest-socket
      restores its guard after the test.)
    """

    def make_resolver(hass: HomeAssistant) -> AsyncResolver:
        resolver = AsyncResolver()
        resolver.real_close = resolver.close  # type: ignore[attr-defined]
        return resolver

    pytest_socket.socket_allow_hosts(["127.0.0.1", "::1"])
    with patch(
        "homeassistant.helpers.aiohttp_client._async_make_resolver",
        side_effect=make_resolver,
    ):
        yield


@pytest.fixture
def snapshot(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    """Snapshots with Home Assistant's serializer (ids and times masked)."""
    return snapshot.use_extension(HomeAssistantSnapshotExtension)


@pytest.fixture
def platform() -> Platform | None:
    """The one platform an entry fixture sets up (with ``only_platform``); None: all.

    A snapshot test parametrizes it: ``snapshot_platform`` wants one platform.
    """
    return None


@contextmanager
def only_platform(service: str, platform: Platform | None) -> Iterator[None]:
    """Entries of ``service`` set up ``platform`` alone while the block runs.

    Home Assistant's ``snapshot_platform`` wants the entities of one platform
    per entry (core integrations patch their ``PLATFORMS`` list per test). A
    service's platforms are those of its :class:`~custom_components.bosch_connect.room.Room`,
    looked up in ``ROOMS`` whenever an entry is set up or unloaded; here the
    room is swapped for a copy with that one platform. Set the entry up (and
    keep it until the end of the test) inside the block. ``None``: every
    platform of the room, as outside the block.

    A snapshot test parametrizes ``platform`` over ``list(ROOMS[service].platforms)``.
    """
    if platform is None:
        yield
        return
    room = ROOMS[service]
    alone = dataclasses.replace(room, platforms={platform: room.platforms[platform]})
    with patch.dict(ROOMS, {service: alone}):
        yield


async def snapshot_platform_except(
    hass: HomeAssistant,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
    config_entry_id: str,
    unstable: Collection[str],
) -> None:
    """``snapshot_platform``, leaving out the ``unstable`` entities.

    Only for a platform with entities whose registry entry or state changes
    from run to run (a unique id made of the entry's random id, a time of the
    run): the test checks those itself. The others are snapshot as
    ``snapshot_platform`` does (one platform, all enabled, a state each).
    """
    entity_entries = er.async_entries_for_config_entry(entity_registry, config_entry_id)
    assert set(unstable) <= {entity_entry.entity_id for entity_entry in entity_entries}
    assert len({entity_entry.domain for entity_entry in entity_entries}) == 1
    stable = [e for e in entity_entries if e.entity_id not in unstable]
    assert stable
    for entity_entry in stable:
        assert entity_entry == snapshot(name=f"{entity_entry.entity_id}-entry")
        assert entity_entry.disabled_by is None, "Please enable all entities."
        state = hass.states.get(entity_entry.entity_id)
        assert state, f"State not found for {entity_entry.entity_id}"
        assert state == snapshot(name=f"{entity_entry.entity_id}-state")
