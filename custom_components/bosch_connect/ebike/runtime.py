"""What an eBike entry holds while it is loaded (``entry.runtime_data``)."""

from __future__ import annotations

from collections.abc import Iterator
import contextlib
from dataclasses import dataclass, field

from homeassistant.config_entries import ConfigEntry

from .api import EbikeClient
from .events import BikeEvents
from .fleet import EbikeFleetCoordinator
from .profiles import Profiles
from .signature import SignatureVerifier
from .state import Counters
from .store import BikeStore

type EbikeConfigEntry = ConfigEntry[EbikeData]


@dataclass(slots=True, eq=False)
class EbikeData:
    """Everything an eBike entry needs at runtime."""

    client: EbikeClient
    verifier: SignatureVerifier
    # The fleet: modules, bikes and their state, devices.
    coordinator: EbikeFleetCoordinator
    store: BikeStore
    profiles: Profiles
    events: BikeEvents
    counters: Counters
    webhook_secret: bytes = field(repr=False)
    webhook_url: str | None = field(default=None, repr=False)
    _webhook_tests_expected: int = 0

    @contextlib.contextmanager
    def webhook_test_expected(self) -> Iterator[None]:
        """While we create or change our webhook at Bosch (it tests our URL)."""
        self._webhook_tests_expected += 1
        try:
            yield
        finally:
            self._webhook_tests_expected -= 1

    @property
    def expects_webhook_test(self) -> bool:
        """Whether Bosch may be sending its WebhookTest right now."""
        return self._webhook_tests_expected > 0
