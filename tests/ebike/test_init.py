"""Set-up, subscription at the simulated Bosch cloud, delivery into entities."""

from __future__ import annotations

import asyncio
from typing import Any

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.bosch_connect.const import DOMAIN
from simulator.ebike import EbikeCloud, EbikeSettings
from simulator.faults import Fault

from .conftest import serve_https
from .helpers import state


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
    assert state(hass, "sensor", bike, "state_of_charge").state == str(int(bike.soc))


async def _entry(hass: HomeAssistant, data: dict[str, Any]) -> MockConfigEntry:
    entry = MockConfigEntry(
        domain=DOMAIN, title="Bosch eBike", unique_id="ebike_x", data=data
    )
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


async def test_token_expiry_and_refresh(
    hass: HomeAssistant, ebike_entry: Any, ebike_sim: EbikeCloud
) -> None:
    coordinator = ebike_entry.runtime_data.coordinator
    issued = ebike_sim.tokens_issued
    ebike_sim.advance(400)  # the 300 s token has expired at Bosch
    await coordinator.async_refresh()
    assert coordinator.last_update_success
    assert ebike_sim.tokens_issued == issued + 1
    # The fresh token is cached.
    await coordinator.async_refresh()
    assert ebike_sim.tokens_issued == issued + 1


async def test_revoked_client_starts_reauth(
    hass: HomeAssistant, ebike_entry: Any, ebike_sim: EbikeCloud
) -> None:
    ebike_sim.client_secret = "rotated"
    ebike_sim.revoke_tokens()
    await ebike_entry.runtime_data.coordinator.async_refresh()
    await hass.async_block_till_done()
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [f["context"]["source"] for f in flows] == ["reauth"]
    assert flows[0]["step_id"] == "ebike_reauth_confirm"


async def test_setup_errors(
    hass: HomeAssistant,
    ha_url: str,
    ebike_sim: EbikeCloud,
    ebike_entry_data: dict[str, Any],
) -> None:
    entry = await _entry(hass, {**ebike_entry_data, "client_secret": "wrong"})
    assert entry.state is ConfigEntryState.SETUP_ERROR
    assert hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    await hass.config_entries.async_remove(entry.entry_id)

    ebike_sim.faults.set("/connect-module", Fault(status=503))
    entry = await _entry(hass, ebike_entry_data)
    assert entry.state is ConfigEntryState.SETUP_RETRY


async def test_state_restored_after_restart(
    hass: HomeAssistant, ebike_entry: Any, ebike_sim: EbikeCloud
) -> None:
    bike = ebike_sim.bikes[0]
    await ebike_sim.power_on(bike)
    assert (await ebike_sim.deliver_now(bike, "BIKE_STATUS")).status == 200
    assert (await ebike_sim.deliver_now(bike, "LOCATION_TRACKING")).status == 200
    await hass.async_block_till_done()
    before = state(hass, "sensor", bike, "state_of_charge").state
    tracker = state(hass, "device_tracker", bike, "location").attributes
    assert await hass.config_entries.async_unload(ebike_entry.entry_id)
    assert await hass.config_entries.async_setup(ebike_entry.entry_id)
    await hass.async_block_till_done()
    assert state(hass, "sensor", bike, "state_of_charge").state == before
    restored = state(hass, "device_tracker", bike, "location").attributes
    assert restored["latitude"] == tracker["latitude"]
    assert restored["longitude"] == tracker["longitude"]
    # A late repeat of the last delivery changes nothing after the restart.
    applied = ebike_entry.runtime_data.counters.applied
    repeat = ebike_sim.deliveries[-1]
    await ebike_sim._attempt(repeat, 9)
    assert repeat.status == 200
    assert ebike_entry.runtime_data.counters.applied == applied


async def _attempts(delivery: Any, count: int) -> None:
    async with asyncio.timeout(10):
        # The simulator has no event per attempt: poll.
        while len(delivery.attempts) < count:  # noqa: ASYNC110
            await asyncio.sleep(0.01)


async def test_delivery_missed_while_down_arrives_by_retry(
    hass: HomeAssistant,
    ebike_sim: EbikeCloud,
    ebike_entry_data: dict[str, Any],
    socket_enabled: None,
) -> None:
    """Home Assistant is down; Bosch retries after 1, 2 and 5 s (simulated)."""
    assert await async_setup_component(hass, "http", {})
    assert await async_setup_component(hass, "webhook", {})
    server = await serve_https(hass.http.app)
    port = server.port
    await hass.config.async_update(external_url=f"https://localhost:{port}")
    entry = await _entry(hass, ebike_entry_data)
    assert entry.state is ConfigEntryState.LOADED
    bike = ebike_sim.bikes[0]
    await ebike_sim.power_on(bike)

    # Home Assistant goes down.
    assert await hass.config_entries.async_unload(entry.entry_id)
    await server.close()
    delivery = ebike_sim.notify(bike, "BIKE_STATUS")[0]
    await _attempts(delivery, 1)
    ebike_sim.advance(1)
    await _attempts(delivery, 2)
    assert [a.status for a in delivery.attempts] == [None, None]

    # It comes back on the same address before the third retry.
    server = await serve_https(hass.http.app, port)
    try:
        assert await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
        ebike_sim.advance(2)
        await _attempts(delivery, 3)
        await delivery.wait()
        await hass.async_block_till_done()
        assert [a.status for a in delivery.attempts] == [None, None, 200]
        assert state(hass, "sensor", bike, "state_of_charge").state == str(
            int(bike.soc)
        )
    finally:
        await hass.config_entries.async_unload(entry.entry_id)
        await server.close()


async def test_unreadable_store_is_ignored(
    hass: HomeAssistant,
    ha_url: str,
    ebike_sim: EbikeCloud,
    ebike_entry_data: dict[str, Any],
    hass_storage: dict[str, Any],
) -> None:
    bike = ebike_sim.bikes[0]
    entry = MockConfigEntry(
        domain=DOMAIN, title="Bosch eBike", unique_id="ebike_x", data=ebike_entry_data
    )
    hass_storage[f"{DOMAIN}.ebike.{entry.entry_id}"] = {
        "version": 1,
        "key": f"{DOMAIN}.ebike.{entry.entry_id}",
        "data": {
            "bikes": {
                bike.bike_id: {"status": "{not json", "location": None},
                "gone": {
                    "status": '{"type": "WEBHOOK_TEST", "createdAt": "2026-01-01T00:00:00Z"}'
                },
            }
        },
    }
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    assert state(hass, "sensor", bike, "state_of_charge").state == "unknown"
