"""What a valid, signed notification may still not do: come from the future,
or carry values no bike can have.

Each body is built by the simulated cloud, changed where the test says,
signed by it for our subscription (static secret included) and posted to
Home Assistant's real https server.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.json import json_bytes
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.bosch_connect.const import DOMAIN
from simulator.ebike import EbikeCloud, EbikeSettings
from simulator.ebike.fleet import iso

from .conftest import ha_tls
from .helpers import async_enable_all, state

HOUR = 3600.0
FUTURE = "from the future"


@pytest.fixture
def ebike_settings() -> EbikeSettings:
    return EbikeSettings(auto_send=False)


async def _post(sim: EbikeCloud, entry: Any, ha_url: str, payload: Any) -> int:
    body = json.dumps(payload).encode()
    kind = "LOCATION_TRACKING" if isinstance(payload, list) else payload["type"]
    _, headers = sim.signed_request(kind, body)
    url = f"{ha_url}/api/webhook/{entry.data['webhook_id']}"
    async with (
        ha_tls().session() as session,
        session.post(url, data=body, headers=headers) as answer,
    ):
        return answer.status


def _payload(sim: EbikeCloud, index: int, kind: str) -> Any:
    return json.loads(sim.build_body(sim.bikes[index], kind))


def _future_lines(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if FUTURE in r.getMessage()]


async def test_a_status_from_the_future_does_not_freeze_the_bike(
    hass: HomeAssistant,
    ebike_entry: Any,
    ebike_sim: EbikeCloud,
    ha_url: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Before, one such event made every later real one look older, for good."""
    caplog.set_level(logging.DEBUG, logger="custom_components.bosch_connect.ebike")
    bike = ebike_sim.bikes[0]
    await ebike_sim.power_on(bike)
    future = _payload(ebike_sim, 0, "BIKE_STATUS")
    future["createdAt"] = iso(time.time() + HOUR)
    future["battery"]["systemStateOfCharge"] = 99
    assert await _post(ebike_sim, ebike_entry, ha_url, future) == 200
    await hass.async_block_till_done()
    assert state(hass, "sensor", bike, "state_of_charge").state != "99"
    counters = ebike_entry.runtime_data.counters
    assert counters.ignored_future == 1
    [line] = _future_lines(caplog)
    assert line.levelno == logging.DEBUG

    # Within the tolerance for clocks (5 minutes), an event is fine.
    soon = _payload(ebike_sim, 0, "BIKE_STATUS")
    soon["createdAt"] = iso(time.time() + 120)
    soon["battery"]["systemStateOfCharge"] = 42
    assert await _post(ebike_sim, ebike_entry, ha_url, soon) == 200
    await hass.async_block_till_done()
    assert state(hass, "sensor", bike, "state_of_charge").state == "42"
    assert counters.ignored_future == 1


async def test_a_location_from_the_future_is_skipped(
    hass: HomeAssistant,
    ebike_entry: Any,
    ebike_sim: EbikeCloud,
    ha_url: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The newest location that is not from the future is shown."""
    caplog.set_level(logging.DEBUG, logger="custom_components.bosch_connect.ebike")
    bike = ebike_sim.bikes[0]
    await ebike_sim.start_ride(bike)
    ebike_sim.advance(30)
    tracking = _payload(ebike_sim, 0, "LOCATION_TRACKING")
    real = tracking["locations"][-1]  # the newest
    ahead = {**real, "latitude": 10.0, "detectedAt": iso(time.time() + HOUR)}
    tracking["locations"].append(ahead)
    assert await _post(ebike_sim, ebike_entry, ha_url, tracking) == 200
    await hass.async_block_till_done()
    tracker = state(hass, "device_tracker", bike, "location")
    assert tracker.attributes["latitude"] == pytest.approx(real["latitude"])
    assert len(_future_lines(caplog)) == 1
    # A later real position still follows.
    ebike_sim.advance(30)
    later = _payload(ebike_sim, 0, "LOCATION_TRACKING")
    assert await _post(ebike_sim, ebike_entry, ha_url, later) == 200
    await hass.async_block_till_done()
    tracker = state(hass, "device_tracker", bike, "location")
    newest = later["locations"][-1]["detectedAt"].replace("Z", "+00:00")
    assert dt.datetime.fromisoformat(tracker.attributes["detected_at"]) == (
        dt.datetime.fromisoformat(newest)
    )


async def test_the_rest_of_a_batch_still_applies(
    hass: HomeAssistant, ebike_entry: Any, ebike_sim: EbikeCloud, ha_url: str
) -> None:
    """A 2024-draft LocationTracking array: one bike's item is from the future."""
    ebike_sim.payload_shape = "draft"
    for bike in ebike_sim.bikes[:2]:
        await ebike_sim.start_ride(bike)
    ebike_sim.advance(30)
    first, second = (_payload(ebike_sim, i, "LOCATION_TRACKING") for i in (0, 1))
    first[0]["createdAt"] = iso(time.time() + HOUR)
    assert await _post(ebike_sim, ebike_entry, ha_url, first + second) == 200
    await hass.async_block_till_done()
    assert state(hass, "device_tracker", ebike_sim.bikes[0], "location").state == (
        "unknown"
    )
    assert state(hass, "device_tracker", ebike_sim.bikes[1], "location").state != (
        "unknown"
    )
    assert ebike_entry.runtime_data.counters.ignored_future == 1


async def test_a_stored_event_from_the_future_is_not_restored(
    hass: HomeAssistant,
    ha_url: str,
    ebike_sim: EbikeCloud,
    ebike_entry_data: dict[str, Any],
    hass_storage: dict[str, Any],
) -> None:
    """What an earlier version applied and stored no longer freezes the bike."""
    bike = ebike_sim.bikes[0]
    await ebike_sim.power_on(bike)
    future = _payload(ebike_sim, 0, "BIKE_STATUS")
    future["createdAt"] = iso(time.time() + HOUR)
    future["battery"]["systemStateOfCharge"] = 99
    entry = MockConfigEntry(
        domain=DOMAIN, title="Bosch eBike", unique_id="ebike_x", data=ebike_entry_data
    )
    key = f"{DOMAIN}.ebike.{entry.entry_id}"
    hass_storage[key] = {
        "version": 1,
        "key": key,
        "data": {"bikes": {bike.bike_id: {"status": json.dumps(future)}}},
    }
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert state(hass, "sensor", bike, "state_of_charge").state == "unknown"
    assert (await ebike_sim.deliver_now(bike, "BIKE_STATUS")).status == 200
    await hass.async_block_till_done()
    assert state(hass, "sensor", bike, "state_of_charge").state == str(int(bike.soc))


async def test_values_outside_their_range_are_unknown(
    hass: HomeAssistant, ebike_entry: Any, ebike_sim: EbikeCloud, ha_url: str
) -> None:
    """That value is unknown, the rest of the event is shown, every state serialises.

    Before, a state of charge of 250 % was shown, an accuracy of 1e300 m made
    an attribute no JSON encoder takes, and a latitude of 95 refused the
    whole notification.
    """
    await async_enable_all(hass, ebike_entry)
    bike = ebike_sim.bikes[0]
    await ebike_sim.start_ride(bike)
    ebike_sim.advance(30)
    status = _payload(ebike_sim, 0, "BIKE_STATUS")
    status["battery"]["systemStateOfCharge"] = 250
    status["battery"]["reachableRange"] = [30000, -1, 2**40, 5000]
    status["odometer"] = -5
    assert await _post(ebike_sim, ebike_entry, ha_url, status) == 200
    tracking = _payload(ebike_sim, 0, "LOCATION_TRACKING")
    location = tracking["locations"][-1]  # the newest
    location["horizontalAccuracy"] = 1e300
    location["verticalAccuracy"] = float("1e20")
    assert await _post(ebike_sim, ebike_entry, ha_url, tracking) == 200
    await hass.async_block_till_done()

    def shown(key: str, platform: str = "sensor") -> str:
        return state(hass, platform, bike, key).state

    assert shown("state_of_charge") == "unknown"
    assert shown("odometer") == "unknown"
    assert shown("reachable_range_1") == "30.0"
    assert shown("reachable_range_2") == "unknown"
    assert shown("reachable_range_3") == "unknown"
    assert shown("reachable_range_4") == "5.0"
    assert shown("remaining_energy") == str(
        status["battery"]["systemRemainingEnergyForRider"]
    )
    assert shown("charging", "binary_sensor") == "off"
    tracker = state(hass, "device_tracker", bike, "location")
    assert tracker.attributes["latitude"] == pytest.approx(location["latitude"])
    assert tracker.attributes["gps_accuracy"] == 0  # not given
    assert tracker.attributes["vertical_accuracy"] is None
    assert tracker.attributes["moving"] is True

    # A position outside the globe: no position, the rest still shown.
    ebike_sim.advance(30)
    tracking = _payload(ebike_sim, 0, "LOCATION_TRACKING")
    tracking["locations"][-1]["latitude"] = 95.0
    assert await _post(ebike_sim, ebike_entry, ha_url, tracking) == 200
    await hass.async_block_till_done()
    tracker = state(hass, "device_tracker", bike, "location")
    assert tracker.state == "unknown"
    assert "latitude" not in tracker.attributes
    assert tracker.attributes["moving"] is True
    assert tracker.attributes["detected_at"].startswith(
        tracking["locations"][-1]["detectedAt"][:19]
    )

    # Every state of ours is something Home Assistant can write out.
    registry = er.async_get(hass)
    for entry in er.async_entries_for_config_entry(registry, ebike_entry.entry_id):
        current = hass.states.get(entry.entity_id)
        if current is not None:
            json_bytes(current.as_dict())
