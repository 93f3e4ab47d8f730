"""Bikes that are not on the account: gone ones stay gone, unknown ones cost nothing.

Bosch retries a delivery for minutes (and keeps events up to a month), and a
captured notification can be replayed: a bike that left the account keeps
being named in signed notifications. They are answered 200 (Bosch stops
retrying) and change nothing: no state, no device, no store entry, no fleet
refresh. Notifications for bikes never seen do not grow memory.
"""

from __future__ import annotations

import json
from typing import Any
import uuid

from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
import pytest

from custom_components.bosch_connect.const import DOMAIN
from custom_components.bosch_connect.ebike.fleet import MAX_PENDING_BIKES
from simulator.ebike import EbikeCloud, EbikeSettings
from simulator.faults import Fault

from .conftest import ha_tls
from .helpers import state

MODULES = "/connect-module/v1/connect-modules"


@pytest.fixture
def ebike_settings() -> EbikeSettings:
    return EbikeSettings(auto_send=False)


def _reads(sim: EbikeCloud) -> int:
    return len(sim.faults.requests(MODULES, "GET"))


def _device(hass: HomeAssistant, entry: Any, bike_id: str) -> dr.DeviceEntry | None:
    return dr.async_get(hass).async_get_device_by_identifier(
        (DOMAIN, f"ebike_{bike_id}"), entry.entry_id
    )


async def test_a_removed_bike_stays_removed(
    hass: HomeAssistant, ebike_entry: Any, ebike_sim: EbikeCloud
) -> None:
    runtime = ebike_entry.runtime_data
    gone = ebike_sim.bikes[1]
    await ebike_sim.start_ride(gone)
    ebike_sim.advance(30)
    earlier = await ebike_sim.deliver_now(gone, "LOCATION_TRACKING")
    assert earlier.status == 200
    await hass.async_block_till_done()
    assert state(hass, "device_tracker", gone, "location").state != "unknown"

    ebike_sim.set_fleet_size(1)
    await runtime.coordinator.async_refresh()
    await hass.async_block_till_done()
    assert _device(hass, ebike_entry, gone.bike_id) is None
    assert gone.bike_id not in runtime.coordinator.bikes
    reads = _reads(ebike_sim)
    # Even with the fleet API down nothing of it is kept meanwhile.
    ebike_sim.faults.set("/connect-module", Fault(status=503))

    # Bosch's late retry of an old delivery, a replay, and newer notifications.
    await ebike_sim._attempt(earlier, 5)
    assert earlier.status == 200
    ebike_sim.advance(30)
    for kind in ("BIKE_STATUS", "LOCATION_TRACKING"):
        assert (await ebike_sim.deliver_now(gone, kind)).status == 200
    await hass.async_block_till_done()
    assert gone.bike_id not in runtime.coordinator.bikes
    assert _device(hass, ebike_entry, gone.bike_id) is None
    assert gone.bike_id not in runtime.store.data_to_save()["bikes"]
    assert _reads(ebike_sim) == reads  # no fleet refresh for it
    assert runtime.counters.ignored_unknown_bike == 3
    assert runtime.counters.applied == 1


async def test_unknown_bikes_do_not_grow_memory(
    hass: HomeAssistant, ebike_entry: Any, ebike_sim: EbikeCloud, ha_url: str
) -> None:
    runtime = ebike_entry.runtime_data
    url = f"{ha_url}/api/webhook/{ebike_entry.data['webhook_id']}"
    template = json.loads(ebike_sim.build_body(ebike_sim.bikes[0], "BIKE_STATUS"))
    strangers = [str(uuid.uuid4()) for _ in range(5 * MAX_PENDING_BIKES)]
    reads = _reads(ebike_sim)

    async def send(bike_ids: list[str]) -> None:
        async with ha_tls().session() as session:
            for bike_id in bike_ids:
                body = json.dumps({**template, "bikeId": bike_id}).encode()
                _, headers = ebike_sim.signed_request("BIKE_STATUS", body)
                async with session.post(url, data=body, headers=headers) as answer:
                    assert answer.status == 200
        await hass.async_block_till_done()

    await send(strangers)
    # A few are kept until the fleet was read again (a bike may have joined);
    # the read that the first one caused may end in between and drop it.
    assert len(runtime.coordinator.bikes) <= 2 + MAX_PENDING_BIKES
    assert _reads(ebike_sim) <= reads + 1  # the refresh is debounced
    ignored = runtime.counters.ignored_unknown_bike
    assert ignored >= len(strangers) - MAX_PENDING_BIKES - 1
    assert set(runtime.store.data_to_save()["bikes"]) <= {
        b.bike_id for b in ebike_sim.bikes
    }

    # The fleet does not list them: dropped and remembered as not on the account.
    await runtime.coordinator.async_refresh()
    await hass.async_block_till_done()
    assert set(runtime.coordinator.bikes) == {b.bike_id for b in ebike_sim.bikes}
    reads = _reads(ebike_sim)
    await send(strangers[:MAX_PENDING_BIKES])
    assert set(runtime.coordinator.bikes) == {b.bike_id for b in ebike_sim.bikes}
    assert _reads(ebike_sim) == reads
