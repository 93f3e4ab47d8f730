"""Fixtures for the security tests: every service's simulator, and a log spy.

The simulators and their fixtures come from each service's own
``tests/<service>/conftest.py`` and are reused as they are.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass, field
import logging

import pytest

from tests.bosma import conftest as bosma_fixtures
from tests.ebike import conftest as ebike_fixtures
from tests.gateway import conftest as gateway_fixtures
from tests.homecomfort import conftest as homecomfort_fixtures
from tests.rollouts import conftest as rollouts_fixtures

ebike_settings = ebike_fixtures.ebike_settings
ebike_sim = ebike_fixtures.ebike_sim
ha_url = ebike_fixtures.ha_url
gateway_pki_folder = gateway_fixtures.gateway_pki_folder
gateway_sim = gateway_fixtures.gateway_sim
gateway_credentials = gateway_fixtures.gateway_credentials
hc_sim = homecomfort_fixtures.hc_sim
rollouts = rollouts_fixtures.rollouts
bosma_cloud = bosma_fixtures.bosma_cloud

# Every logger of ours, of the simulator and of Home Assistant (aiohttp's
# too: its access log would show a secret carried in a URL).
WATCHED = ("custom_components.bosch_connect", "simulator", "homeassistant", "aiohttp")


@dataclass
class LogSpy(logging.Handler):
    """Keeps the full text (message, arguments, traceback) of every record."""

    texts: list[tuple[str, str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        logging.Handler.__init__(self, logging.DEBUG)
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))

    def __hash__(self) -> int:
        return id(self)

    def emit(self, record: logging.LogRecord) -> None:
        """Record the formatted text (with exc_info and stack) of a watched logger."""
        if not record.name.startswith(WATCHED):
            return
        text = self.format(record)
        self.texts.append((record.name, f"{text} {record.args!r}"))

    def assert_clean(
        self, secrets: dict[str, str], ours_only: frozenset[str] = frozenset()
    ) -> None:
        """None of ``secrets`` (name -> value) appears in any record.

        Secrets named in ``ours_only`` are looked for in the records of our
        loggers and the simulator's only: Home Assistant itself logs the
        path of every webhook request at DEBUG level (the webhook id is the
        path), which no integration can change.
        """
        assert len(self.texts) > 20, "the spy saw (almost) nothing"
        for name, value in secrets.items():
            assert len(value) >= 6, f"{name}: too short to look for"
            leaks = [
                text
                for logger, text in self.texts
                if value in text
                and (name not in ours_only or logger.startswith(WATCHED[:2]))
            ]
            assert not leaks, f"{name} leaked into the log: {leaks[0][:500]}"


@pytest.fixture
def log_spy() -> Generator[LogSpy]:
    """Every record at DEBUG of the watched loggers, for the whole test."""
    spy = LogSpy()
    root = logging.getLogger()
    levels = {name: logging.getLogger(name).level for name in ("", *WATCHED)}
    for name in levels:
        logging.getLogger(name).setLevel(logging.DEBUG)
    root.addHandler(spy)
    try:
        yield spy
    finally:
        root.removeHandler(spy)
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)
