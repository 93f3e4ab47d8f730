"""The eBike service under load: the simulator's fleet, signed notifications.

The simulator (E1's ``simulator.ebike``) serves the account (token,
ConnectModules, webhook subscriptions, signing certificate). Notifications
are the simulator's own payload shapes (Notification API v1.2.0), signed by
the simulator with its signing key and carrying the static authentication of
the subscription that the integration created at setup; they are prepared
before timing and posted by the load generator. Each bike alternates
BIKE_STATUS and LOCATION_TRACKING, and neighbouring bikes differ, so every
run has as many of each; every event is newer than the previous one
of its bike and changes what the bike shows (odometer, position), so every
accepted event writes entity state.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
import contextlib
import copy
from dataclasses import dataclass
import json
import logging
from pathlib import Path
import secrets
import time
from typing import Any
from unittest.mock import patch

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from homeassistant.const import CONF_CLIENT_ID, CONF_CLIENT_SECRET, CONF_WEBHOOK_ID
from homeassistant.core import HomeAssistant
from yarl import URL

from custom_components.bosch_connect.const import CONF_SERVICE, SERVICE_EBIKE
from custom_components.bosch_connect.ebike import const as eb_const
from simulator.clock import Clock
from simulator.ebike import EbikeCloud, EbikeSettings, create as create_ebike
from simulator.ebike.fleet import iso
from simulator.options import Options

from .entries import SetupTiming, add_and_wait, make_entry, require_room
from .ingest import Peer
from .load import PreparedRequest

BIKE_STATUS = "BIKE_STATUS"
LOCATION_TRACKING = "LOCATION_TRACKING"
EVENT_TYPES = (BIKE_STATUS, LOCATION_TRACKING)
MEND_ATTEMPTS = 3
CONNECTION = "custom_components.bosch_connect.ebike.connection"


@contextlib.asynccontextmanager
async def ebike_simulator(state_dir: Path, bikes: int) -> AsyncIterator[EbikeCloud]:
    """A started eBike cloud with ``bikes`` ConnectModules, no periodic sends.

    While it runs, Bosch's eBike addresses (the integration's only ones) name
    it, as in the tests.
    """
    sim = create_ebike(
        Options(state_dir=state_dir, clock=Clock()),
        EbikeSettings(
            bikes=bikes,
            auto_send=False,
            client_id=f"bench-{secrets.token_hex(4)}",
            seed=secrets.randbelow(1 << 30),  # own bike ids per account
        ),
    )
    await sim.start()
    try:
        with (
            patch(f"{CONNECTION}.PRODUCTION_API_URL", sim.api_url),
            patch(f"{CONNECTION}.PRODUCTION_TOKEN_URL", sim.token_url),
        ):
            yield sim
    finally:
        await sim.stop()


def ebike_entry_data(sim: EbikeCloud) -> dict[str, Any]:
    """What the eBike config flow stores for an account on the simulator."""
    return {
        CONF_SERVICE: SERVICE_EBIKE,
        CONF_CLIENT_ID: sim.client_id,
        CONF_CLIENT_SECRET: sim.client_secret,
        CONF_WEBHOOK_ID: secrets.token_hex(32),
        eb_const.CONF_WEBHOOK_SECRET: secrets.token_urlsafe(32),
        eb_const.CONF_REPLACE: False,
    }


class _Refusals(logging.Handler):
    """Collects the webhook's debug lines (reasons, never secrets)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@dataclass(slots=True)
class Subscribed:
    """When the integration's subscription existed at the simulator."""

    seconds: float | None  # after the setup call; None: not within the wait
    mended: bool  # the bench had to run the integration's own mend once


async def setup_ebike(hass: HomeAssistant, sim: EbikeCloud) -> tuple[Any, SetupTiming]:
    """Add an eBike entry for the simulator's account; time it."""
    require_room(SERVICE_EBIKE)
    entry = make_entry(
        ebike_entry_data(sim), title=f"eBike {sim.client_id}", unique_id=sim.client_id
    )
    timing = await add_and_wait(hass, entry)
    return entry, timing


def _subscribed(sim: EbikeCloud) -> bool:
    return all(sim.subscriber(kind) is not None for kind in EVENT_TYPES)


async def wait_subscribed(
    hass: HomeAssistant, sim: EbikeCloud, entry: Any, started: float, wait_s: float
) -> Subscribed:
    """Wait for both subscriptions; if they never come, mend once like a restart.

    The integration subscribes in the background after setup; Bosch (the
    simulator) tests the URL first. The time is counted from ``started``.
    """
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        if _subscribed(sim):
            return Subscribed(seconds=time.monotonic() - started, mended=False)
        await asyncio.sleep(0.05)
    from custom_components.bosch_connect.ebike.subscriptions import (  # noqa: PLC0415
        _async_subscribe,
    )

    outcomes: list[object] = []
    refusals = _Refusals()
    webhook_logger = logging.getLogger("custom_components.bosch_connect.ebike.webhook")
    level = webhook_logger.level
    webhook_logger.addHandler(refusals)
    webhook_logger.setLevel(logging.DEBUG)
    try:
        for _ in range(MEND_ATTEMPTS):
            outcomes.append(await _async_subscribe(hass, entry))
            if _subscribed(sim):
                break
            await asyncio.sleep(2.0)
    finally:
        webhook_logger.removeHandler(refusals)
        webhook_logger.setLevel(level)
    if not _subscribed(sim):
        log = [(r.method, r.path) for r in sim.faults.log[-6:]]
        deliveries = [
            (d.event_type, d.state, [a.status or a.error for a in d.attempts])
            for d in sim.deliveries[-3:]
        ]
        raise RuntimeError(
            "the eBike entry could not subscribe at the simulator: "
            f"mend returned {outcomes}, last requests {log}, deliveries {deliveries}, "
            f"webhook said {refusals.messages}, counters "
            f"{getattr(entry.runtime_data, 'counters', None)}"
        )
    return Subscribed(seconds=None, mended=True)


class EbikeEvents:
    """Signed notifications for the simulator's fleet, newer with every call."""

    def __init__(self, sim: EbikeCloud, bikes: int | None = None) -> None:
        self.sim = sim
        self.bikes = sim.bikes[: bikes or len(sim.bikes)]
        now = sim.clock.time()
        self.base = now - 3600.0  # every createdAt lies in the past
        self.status: list[dict[str, Any]] = []
        self.location: list[dict[str, Any]] = []
        for bike in self.bikes:
            bike.powered = True  # a bike that is on reports every field
            self.status.append(bike.bike_status(now, "v1.2.0"))
            self.location.append(bike.location_tracking(now, "v1.2.0"))

    def body(self, seq: int) -> tuple[str, str, bytes]:
        """(event type, bike id, body) of event ``seq``."""
        lap, index = divmod(seq, len(self.bikes))
        moment = iso(self.base + seq * 0.01)
        # Neighbouring bikes get different types, so that every run, however
        # short against the fleet, has as many of each; a bike changes type
        # from one pass over the fleet to the next.
        if (index + lap) % 2 == 0:
            payload = copy.deepcopy(self.status[index])
            payload["createdAt"] = moment
            payload["odometer"] = int(payload.get("odometer", 0)) + seq
            kind = BIKE_STATUS
        else:
            payload = copy.deepcopy(self.location[index])
            payload["createdAt"] = moment
            location = payload["locations"][-1]
            location["latitude"] = round(location["latitude"] + seq * 1e-7, 7)
            location["longitude"] = round(location["longitude"] + seq * 1e-7, 7)
            location["detectedAt"] = moment
            location["isMoving"] = True
            payload["locations"] = [location]
            kind = LOCATION_TRACKING
        return kind, self.bikes[index].bike_id, json.dumps(payload).encode()

    def requests(self, first: int, count: int) -> list[PreparedRequest]:
        """Signed requests as the simulator would deliver them to our webhook."""
        prepared: list[PreparedRequest] = []
        for seq in range(first, first + count):
            kind, _, body = self.body(seq)
            url, headers = self.sim.signed_request(kind, body)
            prepared.append(
                {
                    "seq": seq,
                    "path": str(URL(url).relative()),
                    "headers": headers,
                    "body": body.decode(),
                }
            )
        return prepared


def ebike_peer(name: str, sim: EbikeCloud, bikes: int | None = None) -> Peer:
    """The eBike webhook as an ingestion peer."""
    events = EbikeEvents(sim, bikes)
    return Peer(name=name, make=events.requests, devices=len(events.bikes))


def signing_public_key(sim: EbikeCloud) -> RSAPublicKey:
    """The public key of the simulator's signing certificate."""
    key = x509.load_pem_x509_certificate(sim.signing_cert_pem.encode()).public_key()
    if not isinstance(key, RSAPublicKey):
        raise TypeError("the simulator signs with RSA")
    return key
