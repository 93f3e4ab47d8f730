"""A ride that ends is reported: the simulated eBike cloud sends isMoving false.

The "Moving" binary sensor follows the newest LOCATION_TRACKING. The simulator
sent none when a ride ended (a stopped bike reports once a day), so the sensor
stayed on; now the final position of a ride goes out at once.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
import json

import pytest

from simulator.ebike import EbikeCloud, EbikeSettings, create
from simulator.ebike.service import WebhookRecord
from simulator.options import Options

from .conftest import WebhookReceiver

TYPES = ["BIKE_STATUS", "LOCATION_TRACKING"]


@pytest.fixture
async def sim(
    sim_options: Options, webhook_receiver: WebhookReceiver
) -> AsyncGenerator[EbikeCloud]:
    """One bike, both features on, both types subscribed; steps driven by hand."""
    sim = create(sim_options, EbikeSettings(auto_send=False, bikes=1))
    await sim.start()
    now = sim.clock.time()
    bike = sim.bikes[0]
    for feature in TYPES:
        bike.request_profile(feature, "DEFAULT", now)
    sim.webhooks["hook"] = WebhookRecord(
        id="hook",
        url=webhook_receiver.url,
        event_types=TYPES,
        created_at=now,
        updated_at=now,
    )
    try:
        yield sim
    finally:
        await sim.stop()


def moving_reports(receiver: WebhookReceiver) -> list[bool]:
    """isMoving of the newest position of each LOCATION_TRACKING received."""
    found = []
    for request in receiver.received:
        payload = json.loads(request.body)
        if isinstance(payload, dict) and payload["type"] == "LOCATION_TRACKING":
            found.append(payload["locations"][-1]["isMoving"])
    return found


async def ride(sim: EbikeCloud, receiver: WebhookReceiver) -> None:
    """Power on, ride, and let the bike report that it moves."""
    await sim.start_ride(0, speed=5.0)
    await sim.deliver_now(0, "LOCATION_TRACKING")
    await sim.wait_idle()
    assert moving_reports(receiver) == [True]


@pytest.mark.parametrize("how", ["stop", "power_off", "route_end"])
async def test_the_end_of_a_ride_is_reported(
    sim: EbikeCloud, webhook_receiver: WebhookReceiver, how: str
) -> None:
    """Stopped, powered off or at the route's end: a final isMoving false."""
    await ride(sim, webhook_receiver)
    if how == "stop":
        sim.stop_ride(0)
    elif how == "power_off":
        await sim.power(0, on=False)
    else:
        sim.advance(24 * 3600)  # far past the end of the default loop
    sim.advance(5)
    await sim.step()
    await sim.wait_idle()
    assert moving_reports(webhook_receiver) == [True, False]
    assert not sim.bikes[0].moving

    # Once: the bike standing still does not report again at every step.
    sim.advance(5)
    await sim.step()
    await sim.wait_idle()
    assert moving_reports(webhook_receiver) == [True, False]


async def test_a_ride_end_already_reported_is_not_sent_again(
    sim: EbikeCloud, webhook_receiver: WebhookReceiver
) -> None:
    """The final position delivered on request (tests, control page) counts."""
    await ride(sim, webhook_receiver)
    sim.stop_ride(0)
    await sim.deliver_now(0, "LOCATION_TRACKING")
    await sim.wait_idle()
    sim.advance(5)
    await sim.step()
    await sim.wait_idle()
    assert moving_reports(webhook_receiver) == [True, False]
