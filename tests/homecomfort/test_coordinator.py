"""Set-up, polling, consent repairs, 429 back-off and faults, against the simulator."""

from __future__ import annotations

import datetime as dt
from unittest.mock import patch

from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntryState
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.helpers import (
    device_registry as dr,
    entity_registry as er,
    issue_registry as ir,
)
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import WebSocketGenerator

from custom_components.bosch_connect.const import DOMAIN
from custom_components.bosch_connect.homecomfort.errors import UserIdMismatchError
from custom_components.bosch_connect.homecomfort.models import Components
from simulator.faults import Fault
from simulator.homecomfort import HomeComfortService

from .conftest import COTTAGE, HOUSE, OTHER, make_entry, refresh, setup_entry, state

HOUSE_HC1 = "climate.home_comfort_101506113_heating_circuit_1"
HOUSE_DHW = "water_heater.home_comfort_101506113_hot_water_1"
HOUSE_FLOW = "sensor.home_comfort_101506113_flow_temperature_1"
COTTAGE_HC1 = "climate.home_comfort_101506229_heating_circuit_1"
HOUSE_CONSENT = "sensor.home_comfort_101506113_consent_version"


@pytest.mark.parametrize(
    ("prepare", "expected"),
    [
        ("unknown_key", ConfigEntryState.SETUP_ERROR),
        ("ip", ConfigEntryState.SETUP_RETRY),
        ("down", ConfigEntryState.SETUP_RETRY),
    ],
)
async def test_setup_failures(
    hass: HomeAssistant,
    hc_sim: HomeComfortService,
    prepare: str,
    expected: ConfigEntryState,
) -> None:
    entry = make_entry(hc_sim)
    if prepare == "unknown_key":
        hc_sim.keys.clear()
    elif prepare == "ip":
        hc_sim.allow_list = set()
    else:
        hc_sim.faults.set("/", Fault(status=503))
    await setup_entry(hass, entry)
    assert entry.state is expected
    reauth = list(entry.async_get_active_flows(hass, {SOURCE_REAUTH}))
    assert len(reauth) == (1 if prepare == "unknown_key" else 0)


async def test_only_active_contracts_of_the_user(
    hass: HomeAssistant, hc_sim: HomeComfortService, hc_entry: MockConfigEntry
) -> None:
    gateways = hc_entry.runtime_data.coordinator.data.gateways
    assert set(gateways) == {HOUSE, COTTAGE}  # not the pending one, not OTHER's
    assert set(gateways[HOUSE].heating) == {"hc1", "hc2"}


@pytest.mark.parametrize(
    ("consent", "issue"),
    [
        ("missing", "homecomfort_consent_missing"),  # 403
        ("outdated", "homecomfort_consent_outdated"),  # 451
    ],
)
async def test_consent_repair_and_recovery(
    *,
    hass: HomeAssistant,
    hc_sim: HomeComfortService,
    hc_entry: MockConfigEntry,
    issue_registry: ir.IssueRegistry,
    consent: str,
    issue: str,
) -> None:
    issue_id = f"{issue}_{hc_entry.entry_id}_{HOUSE}"
    hc_sim.set_consent(HOUSE, consent)
    await refresh(hass, hc_entry)
    assert any(
        r.path.startswith(f"/hvacs/{HOUSE}") for r in hc_sim.faults.requests("/hvacs")
    )
    found = issue_registry.async_get_issue(DOMAIN, issue_id)
    assert found is not None
    assert found.translation_key == issue
    assert found.translation_placeholders == {"gateway_id": HOUSE}
    # Only the affected gateway's entities become unavailable.
    for entity_id in (HOUSE_HC1, HOUSE_DHW, HOUSE_FLOW):
        assert state(hass, entity_id) == STATE_UNAVAILABLE
    assert state(hass, COTTAGE_HC1) != STATE_UNAVAILABLE
    assert hc_entry.runtime_data.coordinator.last_update_success
    # The consent version stays visible: it tells why.
    expected = {"missing": "unknown", "outdated": "2023-05"}[consent]
    assert state(hass, HOUSE_CONSENT) == expected
    # Still refused on the next refresh: still one issue, entities still there.
    await refresh(hass, hc_entry)
    assert issue_registry.async_get_issue(DOMAIN, issue_id) is not None
    # The owner accepts the latest consent: everything comes back.
    hc_sim.set_consent(HOUSE, "current")
    await refresh(hass, hc_entry)
    assert issue_registry.async_get_issue(DOMAIN, issue_id) is None
    assert state(hass, HOUSE_HC1) == "auto"
    assert state(hass, HOUSE_CONSENT) == "2024-07"


async def test_other_refusals_of_a_gateway(
    hass: HomeAssistant, hc_sim: HomeComfortService, hc_entry: MockConfigEntry
) -> None:
    """A user-id mismatch makes only that gateway unavailable (no consent issue).

    The simulator keeps contracts and gateways consistent, so the mismatch (a
    contract changing between two requests) is injected into the client.
    """
    client = hc_entry.runtime_data.client
    real = client.components

    async def components(gateway_id: str) -> Components:
        if gateway_id == HOUSE:
            raise UserIdMismatchError("mismatch", gateway_id)
        found: Components = await real(gateway_id)
        return found

    with patch.object(client, "components", components):
        await refresh(hass, hc_entry)
        await refresh(hass, hc_entry)
    gateway = hc_entry.runtime_data.coordinator.data.gateways[HOUSE]
    assert gateway.problem == "access_denied"
    assert state(hass, HOUSE_HC1) == STATE_UNAVAILABLE
    assert state(hass, COTTAGE_HC1) != STATE_UNAVAILABLE
    await refresh(hass, hc_entry)
    assert state(hass, HOUSE_HC1) == "auto"


async def test_gateways_come_and_go(
    hass: HomeAssistant,
    hc_sim: HomeComfortService,
    hc_entry: MockConfigEntry,
    entity_registry: er.EntityRegistry,
    device_registry: dr.DeviceRegistry,
) -> None:
    # A new contract for our user: its entities appear without a reload.
    hc_sim.gateways[OTHER].user_id = hc_sim.user_id
    await refresh(hass, hc_entry)
    assert state(hass, "climate.home_comfort_101508888_heating_circuit_1") == "auto"
    # A contract ends: its device and entities are removed.
    cottage = device_registry.async_get_device_by_identifier(
        (DOMAIN, f"homecomfort-{COTTAGE}"), hc_entry.entry_id
    )
    assert cottage is not None
    assert er.async_entries_for_device(entity_registry, cottage.id)
    hc_sim.gateways[COTTAGE].status = "REVOKED"
    await refresh(hass, hc_entry)
    assert device_registry.async_get(cottage.id) is None
    assert not er.async_entries_for_device(entity_registry, cottage.id, True)
    assert hass.states.get(COTTAGE_HC1) is None
    assert state(hass, HOUSE_HC1) == "auto"
    # A contract that disappears from /contracts: the same.
    del hc_sim.gateways[OTHER]
    await refresh(hass, hc_entry)
    assert not device_registry.async_get_devices(
        identifiers={(DOMAIN, f"homecomfort-{OTHER}")}
    )
    assert hass.states.get("climate.home_comfort_101508888_heating_circuit_1") is None
    # The account device and the remaining gateway stay.
    assert {
        identifier
        for device in dr.async_entries_for_config_entry(
            device_registry, hc_entry.entry_id
        )
        for _, identifier in device.identifiers
    } == {f"homecomfort-{HOUSE}", f"homecomfort-account-{hc_entry.entry_id}"}
    # A contract that comes back: its device and entities return, no reload.
    hc_sim.gateways[COTTAGE].status = "ACTIVE"
    await refresh(hass, hc_entry)
    assert device_registry.async_get_device_by_identifier(
        (DOMAIN, f"homecomfort-{COTTAGE}"), hc_entry.entry_id
    )
    assert state(hass, COTTAGE_HC1) == "auto"


async def test_a_failed_refresh_removes_no_device(
    hass: HomeAssistant,
    hc_sim: HomeComfortService,
    hc_entry: MockConfigEntry,
    device_registry: dr.DeviceRegistry,
) -> None:
    before = dr.async_entries_for_config_entry(device_registry, hc_entry.entry_id)
    hc_sim.faults.set("/", Fault(status=503))
    await refresh(hass, hc_entry)
    assert not hc_entry.runtime_data.coordinator.last_update_success
    after = dr.async_entries_for_config_entry(device_registry, hc_entry.entry_id)
    assert {d.id for d in after} == {d.id for d in before}


async def test_only_a_gone_gateway_can_be_deleted(
    hass: HomeAssistant,
    hass_ws_client: WebSocketGenerator,
    hc_sim: HomeComfortService,
    hc_entry: MockConfigEntry,
    device_registry: dr.DeviceRegistry,
) -> None:
    assert await async_setup_component(hass, "config", {})
    client = await hass_ws_client(hass)

    async def remove(device_id: str) -> bool:
        await client.send_json_auto_id(
            {
                "type": "config/device_registry/remove_config_entry",
                "config_entry_id": hc_entry.entry_id,
                "device_id": device_id,
            }
        )
        response = await client.receive_json()
        success: bool = response["success"]
        return success

    def device(identifier: str) -> dr.DeviceEntry:
        found = device_registry.async_get_device_by_identifier(
            (DOMAIN, identifier), hc_entry.entry_id
        )
        assert found is not None
        return found

    # A gateway device left behind (an older version kept ended contracts).
    gone = device_registry.async_get_or_create(
        config_entry_id=hc_entry.entry_id,
        identifiers={(DOMAIN, f"homecomfort-{OTHER}")},
    )
    house = device(f"homecomfort-{HOUSE}")
    account = device(f"homecomfort-account-{hc_entry.entry_id}")
    assert not await remove(house.id)
    assert not await remove(account.id)
    assert await remove(gone.id)
    assert device_registry.async_get(gone.id) is None
    assert device_registry.async_get(house.id) is not None
    # While the API does not answer, nothing is known to be gone.
    gone = device_registry.async_get_or_create(
        config_entry_id=hc_entry.entry_id,
        identifiers={(DOMAIN, f"homecomfort-{OTHER}")},
    )
    hc_sim.faults.set("/", Fault(status=503))
    await refresh(hass, hc_entry)
    assert not await remove(gone.id)
    # The next good refresh removes it by itself.
    hc_sim.faults.clear()
    await refresh(hass, hc_entry)
    assert device_registry.async_get(gone.id) is None
    # Not loaded: nothing is known, every device stays.
    assert await hass.config_entries.async_unload(hc_entry.entry_id)
    assert not await remove(house.id)


async def test_rate_limit_backs_off(
    hass: HomeAssistant, hc_sim: HomeComfortService, hc_entry: MockConfigEntry
) -> None:
    coordinator = hc_entry.runtime_data.coordinator
    assert coordinator.update_interval == dt.timedelta(minutes=5)
    hc_sim.inject_rate_limit(1, 900)
    await refresh(hass, hc_entry)
    assert not coordinator.last_update_success
    assert coordinator.update_interval == dt.timedelta(seconds=900)
    assert state(hass, HOUSE_HC1) == STATE_UNAVAILABLE
    # A short Retry-After does not make us poll faster than configured.
    hc_sim.inject_rate_limit(1, 5)
    await refresh(hass, hc_entry)
    assert coordinator.update_interval == dt.timedelta(minutes=5)
    await refresh(hass, hc_entry)
    assert coordinator.last_update_success
    assert coordinator.update_interval == dt.timedelta(minutes=5)


@pytest.mark.parametrize(
    ("prepare", "message"),
    [
        ("ip", "homecomfort_ip_not_allowed"),
        ("down", "homecomfort_cannot_connect"),
        ("teapot", "homecomfort_unexpected_response"),
    ],
)
async def test_refresh_failures(
    hass: HomeAssistant,
    hc_sim: HomeComfortService,
    hc_entry: MockConfigEntry,
    prepare: str,
    message: str,
) -> None:
    coordinator = hc_entry.runtime_data.coordinator
    if prepare == "ip":
        hc_sim.allow_list = set()
    else:
        hc_sim.faults.set("/contracts", Fault(status=503 if prepare == "down" else 418))
    await refresh(hass, hc_entry)
    assert not coordinator.last_update_success
    assert coordinator.last_exception is not None
    assert getattr(coordinator.last_exception, "translation_key", None) == message
    assert state(hass, HOUSE_HC1) == STATE_UNAVAILABLE
    hc_sim.allow_list = {"127.0.0.1"}
    hc_sim.faults.clear()
    await refresh(hass, hc_entry)
    assert state(hass, HOUSE_HC1) == "auto"


async def test_options_apply_without_reload(
    hass: HomeAssistant, hc_sim: HomeComfortService, hc_entry: MockConfigEntry
) -> None:
    runtime = hc_entry.runtime_data
    result = await hass.config_entries.options.async_init(hc_entry.entry_id)
    assert result["step_id"] == "homecomfort_options"
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {"renew_days": 45}
    )
    await hass.async_block_till_done()
    assert hc_entry.options == {"renew_days": 45}
    assert hc_entry.runtime_data is runtime
    assert runtime.coordinator.update_interval == dt.timedelta(minutes=5)
    assert runtime.keys.renew_before == dt.timedelta(days=45)


async def test_remove_entry_removes_its_issues(
    hass: HomeAssistant,
    hc_sim: HomeComfortService,
    hc_entry: MockConfigEntry,
    issue_registry: ir.IssueRegistry,
) -> None:
    hc_sim.set_consent(HOUSE, "missing")
    await refresh(hass, hc_entry)
    assert len(issue_registry.issues) == 1
    await hass.config_entries.async_remove(hc_entry.entry_id)
    await hass.async_block_till_done()
    assert len(issue_registry.issues) == 0


async def test_unload(hass: HomeAssistant, hc_entry: MockConfigEntry) -> None:
    assert await hass.config_entries.async_unload(hc_entry.entry_id)
    assert hc_entry.state is ConfigEntryState.NOT_LOADED


async def test_a_missing_charge_resource_is_not_an_error(
    hass: HomeAssistant, hc_sim: HomeComfortService, hc_entry: MockConfigEntry
) -> None:
    charge = "sensor.home_comfort_101506113_hot_water_charge_1"
    assert state(hass, charge) == "idle"
    hc_sim.faults.set(f"/hvacs/{HOUSE}/dhwCircuits/dhw1/charge", Fault(status=404))
    await refresh(hass, hc_entry)
    assert hc_entry.runtime_data.coordinator.last_update_success
    assert state(hass, charge) == "unknown"
    assert state(hass, HOUSE_DHW) == "eco"
