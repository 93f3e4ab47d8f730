"""Set-up, subscription at the simulated Bosch cloud, delivery into entities."""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
import pytest

from simulator.ebike import EbikeCloud, EbikeSettings


@pytest.fixture
def ebike_settings() -> EbikeSettings:
    return EbikeSettings(auto_send=False)


async def test_setup_subscribes_and_receives(
    hass: HomeAssistant, ebike_entry: Any, ebike_sim: EbikeCloud
) -> None:
    assert ebike_entry.state is ConfigEntryState.LOADED
    hooks = list(ebike_sim.webhooks.values())
    assert len(hooks) == 1
    assert sorted(hooks[0].event_types) == ["BIKE_STATUS", "LOCATION_TRACKING"]
    # The WebhookTest round trip reached Home Assistant and was answered 200.
    tests = [d for d in ebike_sim.deliveries if d.event_type == "WEBHOOK_TEST"]
    assert [d.status for d in tests] == [200]
    assert ebike_entry.data["subscription_ids"] == [hooks[0].id]
    assert ebike_entry.data["cert_urls"] == [ebike_sim.cert_url]

    bike = ebike_sim.bikes[0]
    await ebike_sim.power_on(bike)
    delivery = await ebike_sim.deliver_now(bike, "BIKE_STATUS")
    assert delivery.status == 200
    await hass.async_block_till_done()
    states = [s for s in hass.states.async_all() if "battery" in s.entity_id]
    print(sorted((s.entity_id, s.state) for s in hass.states.async_all()))
    assert states
