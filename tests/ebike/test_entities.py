"""Entities of a bike (snapshots), profile selects, new and removed bikes."""

from __future__ import annotations

from collections.abc import Iterator
import dataclasses
from datetime import timedelta
import re
from typing import Any

from homeassistant.components import webhook as ha_webhook
from homeassistant.components.select import (
    ATTR_OPTION,
    DOMAIN as SELECT_DOMAIN,
    SERVICE_SELECT_OPTION,
)
from homeassistant.const import ATTR_ENTITY_ID, Platform
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.helpers.entity_platform import MAX_ENABLED_ENTITIES_PER_CONFIG_ENTRY
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
    snapshot_platform,
)
from syrupy.assertion import SnapshotAssertion

from custom_components.bosch_connect.const import DOMAIN, SERVICE_EBIKE
from custom_components.bosch_connect.registry import ROOMS
from simulator.ebike import EbikeCloud, EbikeSettings
from tests.conftest import only_platform

from .helpers import async_enable_all, entity_id, state

MODULES = "/connect-module/v1/connect-modules"
ISO = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(\+00:00|Z)")


@pytest.fixture
def ebike_settings() -> EbikeSettings:
    return EbikeSettings(auto_send=False)


def _fleet_reads(sim: EbikeCloud) -> list[Any]:
    """The fleet listings that the simulator answered or refused."""
    return [r for r in sim.faults.requests(MODULES, "GET") if r.path == MODULES]


async def _select(hass: HomeAssistant, select: str, option: str) -> None:
    """Choose an option of a select, as the user does."""
    await hass.services.async_call(
        SELECT_DOMAIN,
        SERVICE_SELECT_OPTION,
        {ATTR_ENTITY_ID: select, ATTR_OPTION: option},
        blocking=True,
    )


@pytest.fixture(autouse=True)
def _only_platform(platform: Platform | None) -> Iterator[None]:
    """``ebike_entry`` (autouse runs first) sets up with ``platform`` alone."""
    with only_platform(SERVICE_EBIKE, platform):
        yield


def _times(data: Any, path: Any) -> Any:
    """The times of the run (deliveries, reports, syncs) as ``<time>``."""
    if isinstance(data, str) and ISO.search(data):
        return ISO.sub("<time>", data)
    return data


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
@pytest.mark.parametrize("platform", list(ROOMS[SERVICE_EBIKE].platforms))
async def test_entities_snapshot(
    hass: HomeAssistant,
    ebike_entry: MockConfigEntry,
    ebike_sim: EbikeCloud,
    snapshot: SnapshotAssertion,
) -> None:
    """Every entity of the platform after the first bike's reports, and its state."""
    bike = ebike_sim.bikes[0]
    await ebike_sim.power_on(bike)
    assert (await ebike_sim.deliver_now(bike, "BIKE_STATUS")).status == 200
    assert (await ebike_sim.deliver_now(bike, "LOCATION_TRACKING")).status == 200
    await hass.async_block_till_done()
    await snapshot_platform(
        hass,
        er.async_get(hass),
        snapshot.with_defaults(matcher=_times),
        ebike_entry.entry_id,
    )


# Disabled by default: the ranges, remaining energy, BCM voltage, light, last
# report, sync status and last sync.
DISABLED = (
    *(f"reachable_range_{mode}" for mode in range(1, 5)),
    "remaining_energy",
    "bcm_battery_voltage",
    "light",
    "last_report",
    "sync_status",
    "last_sync",
    *(
        f"{feature}_{value}"
        for feature in ("location_tracking", "bike_status")
        for value in ("applied_profile", "profile_status")
    ),
)


async def test_disabled_by_default(
    hass: HomeAssistant, ebike_entry: MockConfigEntry, ebike_sim: EbikeCloud
) -> None:
    """Some entities wait for the user; enabled by the user, they show values."""
    registry = er.async_get(hass)
    entries = er.async_entries_for_config_entry(registry, ebike_entry.entry_id)
    disabled = {
        e.unique_id
        for e in entries
        if e.disabled_by is er.RegistryEntryDisabler.INTEGRATION
    }
    assert disabled == {
        f"ebike_{bike.bike_id}_{key}" for bike in ebike_sim.bikes for key in DISABLED
    }
    for entry in entries:
        assert (hass.states.get(entry.entity_id) is None) == (
            entry.unique_id in disabled
        )
    bike = ebike_sim.bikes[0]
    await ebike_sim.power_on(bike)
    assert (await ebike_sim.deliver_now(bike, "BIKE_STATUS")).status == 200
    await hass.async_block_till_done()
    assert sorted(await async_enable_all(hass, ebike_entry)) == sorted(
        e.entity_id for e in entries if e.unique_id in disabled
    )
    for entry in entries:
        assert hass.states.get(entry.entity_id) is not None


# The fleet size that the benchmark measures and the README promises.
FLEET = 1_000


async def test_a_fleet_of_a_thousand_bikes_fits_home_assistants_limit(
    hass: HomeAssistant, ebike_entry: MockConfigEntry, ebike_sim: EbikeCloud
) -> None:
    """Home Assistant sets up at most 10,000 enabled entities per entry.

    Beyond that it drops every further entity (trackers included) with a
    warning: the entities enabled by default per bike must leave room for
    the fleet size the README states.
    """
    entries = er.async_entries_for_config_entry(
        er.async_get(hass), ebike_entry.entry_id
    )
    enabled = [e for e in entries if e.disabled_by is None]
    per_bike = len(enabled) / len(ebike_sim.bikes)
    assert per_bike * FLEET <= MAX_ENABLED_ENTITIES_PER_CONFIG_ENTRY


async def test_devices(
    hass: HomeAssistant, ebike_entry: MockConfigEntry, snapshot: SnapshotAssertion
) -> None:
    """A device per bike."""
    devices = dr.async_entries_for_config_entry(
        dr.async_get(hass), ebike_entry.entry_id
    )
    assert sorted(
        (
            {
                "name": d.name,
                "manufacturer": d.manufacturer,
                "model": d.model,
                "model_id": d.model_id,
                "serial_number": d.serial_number,
            }
            for d in devices
        ),
        key=lambda d: str(d["name"]),
    ) == snapshot(name="devices")


async def test_profile_change_applied_at_power_on(
    hass: HomeAssistant, ebike_entry: Any, ebike_sim: EbikeCloud
) -> None:
    await async_enable_all(hass, ebike_entry)
    bike = ebike_sim.bikes[0]
    status_select = entity_id(hass, "select", bike, "bike_status_profile")
    location_select = entity_id(hass, "select", bike, "location_tracking_profile")
    assert hass.states.get(status_select).state == "none"
    assert "fleet" in hass.states.get(status_select).attributes["options"]

    await _select(hass, status_select, "default")
    await _select(hass, location_select, "fleet")
    assert bike.features["LOCATION_TRACKING"].requested == "FLEET"
    assert hass.states.get(location_select).state == "fleet"
    assert "applied_profile" not in hass.states.get(location_select).attributes
    applied = state(hass, "sensor", bike, "location_tracking_applied_profile")
    assert applied.state == "none"
    assert applied.attributes["options"] == ["none", "default", "fleet", "charging"]
    assert (
        state(hass, "sensor", bike, "location_tracking_profile_status").state
        == "pending"
    )
    assert state(hass, "sensor", bike, "sync_status").state == "pending"
    synced_before = state(hass, "sensor", bike, "last_sync").state

    # Power-on: the BCM applies the configuration and reports; the report makes
    # Home Assistant re-read the pending module.
    await ebike_sim.power_on(bike)
    await hass.async_block_till_done()
    assert (
        state(hass, "sensor", bike, "location_tracking_applied_profile").state
        == "fleet"
    )
    assert (
        state(hass, "sensor", bike, "location_tracking_profile_status").state
        == "enabled"
    )
    assert state(hass, "sensor", bike, "bike_status_applied_profile").state == (
        "default"
    )
    assert state(hass, "sensor", bike, "sync_status").state == "success"
    synced = state(hass, "sensor", bike, "last_sync").state
    assert ISO.fullmatch(synced)
    assert synced != synced_before
    assert state(hass, "sensor", bike, "state_of_charge").state != "unknown"


async def test_profile_refused(
    hass: HomeAssistant, ebike_entry: Any, ebike_sim: EbikeCloud
) -> None:
    bike = ebike_sim.bikes[0]
    select = entity_id(hass, "select", bike, "location_tracking_profile")
    with pytest.raises(HomeAssistantError) as err:
        await _select(hass, select, "charging")
    assert err.value.translation_key == "ebike_profile_failed"
    assert hass.states.get(select).state == "none"


async def test_new_bike_appears_and_gone_bike_removed(
    hass: HomeAssistant, ebike_entry: Any, ebike_sim: EbikeCloud
) -> None:
    devices = dr.async_get(hass)
    assert len(dr.async_entries_for_config_entry(devices, ebike_entry.entry_id)) == 2
    ebike_sim.set_fleet_size(3)
    newcomer = ebike_sim.bikes[2]
    # Its first notification names a bike we do not know: the fleet is re-read.
    assert (await ebike_sim.deliver_now(newcomer, "BIKE_STATUS")).status == 200
    await hass.async_block_till_done()
    assert len(dr.async_entries_for_config_entry(devices, ebike_entry.entry_id)) == 3
    assert state(hass, "sensor", newcomer, "bcm_battery_status").state == "charge_ok"

    ebike_sim.set_fleet_size(1)
    await ebike_entry.runtime_data.coordinator.async_refresh()
    await hass.async_block_till_done()
    remaining = dr.async_entries_for_config_entry(devices, ebike_entry.entry_id)
    assert [d.name for d in remaining] == [ebike_sim.bikes[0].oem_bike_id]
    registry = er.async_get(hass)
    assert not registry.async_get_entity_id(
        "sensor", DOMAIN, f"ebike_{newcomer.bike_id}_odometer"
    )


async def test_fleet_unavailable_then_back(
    hass: HomeAssistant, ebike_entry: Any, ebike_sim: EbikeCloud
) -> None:
    from simulator.faults import Fault

    await async_enable_all(hass, ebike_entry)
    bike = ebike_sim.bikes[0]
    select = entity_id(hass, "select", bike, "bike_status_profile")
    ebike_sim.faults.set("/connect-module", Fault(status=503))
    await ebike_entry.runtime_data.coordinator.async_refresh()
    await hass.async_block_till_done()
    assert hass.states.get(select).state == "unavailable"
    # Notifications still arrive and are shown.
    assert (await ebike_sim.deliver_now(bike, "BIKE_STATUS")).status == 200
    await hass.async_block_till_done()
    assert state(hass, "sensor", bike, "bcm_battery_status").state == "charge_ok"
    ebike_sim.faults.clear()
    await ebike_entry.runtime_data.coordinator.async_refresh()
    await hass.async_block_till_done()
    assert hass.states.get(select).state == "none"


async def test_profile_change_with_refused_client_starts_reauth(
    hass: HomeAssistant, ebike_entry: Any, ebike_sim: EbikeCloud
) -> None:
    bike = ebike_sim.bikes[0]
    select = entity_id(hass, "select", bike, "bike_status_profile")
    ebike_sim.client_secret = "rotated"
    ebike_sim.revoke_tokens()
    with pytest.raises(HomeAssistantError) as err:
        await _select(hass, select, "fleet")
    assert err.value.translation_key == "ebike_invalid_client"
    await hass.async_block_till_done()
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [f["context"]["source"] for f in flows] == ["reauth"]


async def test_module_refresh_failure_keeps_pending(
    hass: HomeAssistant, ebike_entry: Any, ebike_sim: EbikeCloud
) -> None:
    from simulator.faults import Fault

    await async_enable_all(hass, ebike_entry)
    bike = ebike_sim.bikes[0]
    await _select(
        hass, entity_id(hass, "select", bike, "bike_status_profile"), "default"
    )
    ebike_sim.faults.set(MODULES, Fault(status=503))
    await ebike_sim.power_on(bike)
    await hass.async_block_till_done()
    assert _fleet_reads(ebike_sim)  # the report asked, the fleet did not answer
    assert state(hass, "sensor", bike, "sync_status").state == "pending"
    # The next report asks again (after the cooldown of the fleet's refresh).
    ebike_sim.faults.clear()
    ebike_sim.advance(10)
    await ebike_sim.deliver_now(bike, "BIKE_STATUS")
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=11))
    await hass.async_block_till_done()
    assert state(hass, "sensor", bike, "sync_status").state == "success"


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_webhook_handler_makes_no_network_call(
    hass: HomeAssistant,
    ebike_entry: Any,
    ebike_sim: EbikeCloud,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A report of a pending bike reads the fleet after the handler, never in it.

    Every call of the entry's API client is recorded with whether the webhook
    handler was running; the simulator's request log shows the fleet read
    that confirms the configuration.
    """
    bike = ebike_sim.bikes[0]
    await _select(
        hass, entity_id(hass, "select", bike, "bike_status_profile"), "default"
    )
    assert state(hass, "sensor", bike, "bike_status_profile_status").state == (
        "pending"
    )
    reads_before = len(_fleet_reads(ebike_sim))

    handled = 0
    inside = False
    calls: list[tuple[str, bool]] = []
    client = ebike_entry.runtime_data.client
    send = client._send

    async def spy_send(method: str, url: str, **kwargs: Any) -> Any:
        calls.append((f"{method} {url.removeprefix(ebike_sim.api_url)}", inside))
        return await send(method, url, **kwargs)

    monkeypatch.setattr(client, "_send", spy_send)
    handlers = hass.data[ha_webhook.DOMAIN]
    registered = handlers[ebike_entry.data["webhook_id"]]

    async def spy_handler(hass: HomeAssistant, webhook_id: str, request: Any) -> Any:
        nonlocal handled, inside
        inside = True
        try:
            return await registered.handler(hass, webhook_id, request)
        finally:
            inside = False
            handled += 1

    handlers[ebike_entry.data["webhook_id"]] = dataclasses.replace(
        registered, handler=spy_handler
    )

    # Powered on, the bike applies the profile and reports.
    deliveries = await ebike_sim.power_on(bike)
    assert [d.status for d in deliveries] == [200]
    await hass.async_block_till_done()
    assert handled
    assert calls
    assert not [call for call, in_handler in calls if in_handler]
    assert ("GET /connect-module/v1/connect-modules", False) in calls
    assert len(_fleet_reads(ebike_sim)) > reads_before
    assert state(hass, "sensor", bike, "bike_status_profile_status").state == (
        "enabled"
    )
    assert state(hass, "sensor", bike, "bike_status_applied_profile").state == (
        "default"
    )


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_profile_sensors_follow_the_fleet(
    hass: HomeAssistant, ebike_entry: Any, ebike_sim: EbikeCloud
) -> None:
    """A fleet read that changes a module updates its sensors (and their options).

    A profile that Bosch adds later is an option of its own; a feature status
    the integration does not know is unknown, never a state outside the options.
    """
    bike = ebike_sim.bikes[0]
    feature = bike.features["BIKE_STATUS"]
    feature.applied = feature.requested = "RACE"
    feature.status = "SUSPENDED"
    await ebike_entry.runtime_data.coordinator.async_refresh()
    await hass.async_block_till_done()

    applied = state(hass, "sensor", bike, "bike_status_applied_profile")
    assert applied.state == "race"
    assert applied.attributes["options"] == [
        "none",
        "default",
        "fleet",
        "charging",
        "race",
    ]
    assert (
        state(hass, "select", bike, "bike_status_profile").attributes["options"]
        == applied.attributes["options"]
    )
    assert state(hass, "sensor", bike, "bike_status_profile_status").state == (
        "unknown"
    )
    # The other feature and the other bike did not change.
    assert (
        state(hass, "sensor", bike, "location_tracking_applied_profile").state == "none"
    )
    other = ebike_sim.bikes[1]
    assert state(hass, "sensor", other, "bike_status_applied_profile").attributes[
        "options"
    ] == ["none", "default", "fleet", "charging"]

    feature.status = "ERROR"
    feature.applied = ""
    await ebike_entry.runtime_data.coordinator.async_refresh()
    await hass.async_block_till_done()
    assert state(hass, "sensor", bike, "bike_status_profile_status").state == "error"
    assert state(hass, "sensor", bike, "bike_status_applied_profile").state == (
        "unknown"
    )
