"""A Bosma entry in Home Assistant: entities, faults, re-auth, action, diagnostics."""

from __future__ import annotations

import datetime as dt
import logging

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntryState
from homeassistant.const import STATE_UNAVAILABLE, Platform
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import entity_registry as er, issue_registry as ir
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)
from syrupy.assertion import SnapshotAssertion
from syrupy.filters import props

from custom_components.bosch_connect.const import DOMAIN, SERVICE_BOSMA
from custom_components.bosch_connect.registry import ROOMS
from simulator.bosma import BosmaCloud
from simulator.bosma.service import DEMO_CORP, DEMO_SECRET
from simulator.faults import Fault
from tests.conftest import only_platform, snapshot_platform_except

LAST_RESULT = "sensor.bosma_bc100042_last_result"
LAST_RESULT_CODE = "sensor.bosma_bc100042_last_result_code"
LAST_RESULT_MESSAGE = "sensor.bosma_bc100042_last_result_message"
LAST_CHECK = "sensor.bosma_bc100042_last_check"
TICKET_AGE = "sensor.bosma_bc100042_ticket_age"
CLOCK_SKEW = "sensor.bosma_bc100042_clock_skew"


async def _setup(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED


async def _tick(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory, minutes: float
) -> None:
    freezer.tick(dt.timedelta(minutes=minutes))
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
@pytest.mark.parametrize("platform", list(ROOMS[SERVICE_BOSMA].platforms))
async def test_entities(
    hass: HomeAssistant,
    bosma_cloud: BosmaCloud,
    bosma_entry: MockConfigEntry,
    snapshot: SnapshotAssertion,
    platform: Platform,
) -> None:
    """Every entity of the platform, its registry entry and its state.

    The time of the check and the measured clock skew change from run to
    run: left out (test_entity_defaults snapshots their entries).
    """
    entity_registry = er.async_get(hass)
    with only_platform(SERVICE_BOSMA, platform):
        await _setup(hass, bosma_entry)
        await snapshot_platform_except(
            hass,
            entity_registry,
            snapshot.with_defaults(exclude=props("checked_at")),
            bosma_entry.entry_id,
            (LAST_CHECK, CLOCK_SKEW),
        )
    # The ticket is a secret: no state or attribute shows it.
    ticket = bosma_cloud.tickets[-1].ticket
    for entry in er.async_entries_for_config_entry(
        entity_registry, bosma_entry.entry_id
    ):
        assert ticket not in str(hass.states.get(entry.entity_id))


async def test_entity_defaults(
    hass: HomeAssistant,
    bosma_entry: MockConfigEntry,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
) -> None:
    await _setup(hass, bosma_entry)
    entries = er.async_entries_for_config_entry(entity_registry, bosma_entry.entry_id)
    for entity_id in (LAST_CHECK, CLOCK_SKEW):
        assert entity_registry.async_get(entity_id) == snapshot(
            name=f"{entity_id}-entry"
        )
    assert sorted(e.entity_id for e in entries) == sorted(
        [
            LAST_RESULT,
            LAST_RESULT_CODE,
            LAST_RESULT_MESSAGE,
            LAST_CHECK,
            TICKET_AGE,
            CLOCK_SKEW,
        ]
    )
    # Ticket age and clock skew are diagnostics that users enable when needed.
    disabled = {e.entity_id: e.disabled_by for e in entries}
    assert disabled == {
        LAST_RESULT: None,
        LAST_RESULT_CODE: None,
        LAST_RESULT_MESSAGE: er.RegistryEntryDisabler.INTEGRATION,
        LAST_CHECK: None,
        TICKET_AGE: er.RegistryEntryDisabler.INTEGRATION,
        CLOCK_SKEW: er.RegistryEntryDisabler.INTEGRATION,
    }
    # What used to be attributes of the last result are entities of their own.
    assert hass.states.get(LAST_RESULT_CODE).state == "0"  # type: ignore[union-attr]
    assert hass.states.get(TICKET_AGE) is None
    assert hass.states.get(CLOCK_SKEW) is None


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_enabled_diagnostics(
    hass: HomeAssistant,
    bosma_cloud: BosmaCloud,
    bosma_entry: MockConfigEntry,
    snapshot: SnapshotAssertion,
) -> None:
    """Enabled by the user, ticket age and clock skew show their values."""
    await _setup(hass, bosma_entry)
    skew = hass.states.get(CLOCK_SKEW)
    assert skew is not None
    assert abs(int(skew.state)) <= 2
    age = hass.states.get(TICKET_AGE)
    assert age == snapshot(name=f"{TICKET_AGE}-state", exclude=props("checked_at"))
    assert bosma_cloud.tickets[-1].ticket not in str(age.as_dict())


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_faults_make_entities_unavailable_then_recover(
    freezer: FrozenDateTimeFactory,
    hass: HomeAssistant,
    bosma_cloud: BosmaCloud,
    bosma_entry: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    await _setup(hass, bosma_entry)
    assert len(bosma_cloud.tickets) == 1
    # A fresh ticket is kept: five minutes later nobody asks Bosma.
    await _tick(hass, freezer, 5)
    assert len(bosma_cloud.tickets) == 1
    assert hass.states.get(TICKET_AGE).state == "5"  # type: ignore[union-attr]

    bosma_cloud.faults.set("/", Fault(status=503))
    caplog.clear()
    await _tick(hass, freezer, 30)
    assert hass.states.get(LAST_RESULT).state == STATE_UNAVAILABLE  # type: ignore[union-attr]
    await _tick(hass, freezer, 5)
    assert hass.states.get(TICKET_AGE).state == STATE_UNAVAILABLE  # type: ignore[union-attr]
    failures = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len([r for r in failures if "Bosma" in r.getMessage()]) == 1

    bosma_cloud.faults.clear()
    await _tick(hass, freezer, 5)
    assert hass.states.get(LAST_RESULT).state == "success"  # type: ignore[union-attr]
    assert hass.states.get(TICKET_AGE).state == "0"  # type: ignore[union-attr]
    assert len(bosma_cloud.tickets) == 2


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_refusals_are_states(
    freezer: FrozenDateTimeFactory,
    hass: HomeAssistant,
    bosma_cloud: BosmaCloud,
    bosma_entry: MockConfigEntry,
) -> None:
    await _setup(hass, bosma_entry)
    bosma_cloud.skew = 900
    await _tick(hass, freezer, 31)
    state = hass.states.get(LAST_RESULT)
    assert state is not None
    assert state.state == "timestamp_rejected"
    assert hass.states.get(LAST_RESULT_CODE).state == "501"  # type: ignore[union-attr]
    assert 898 <= int(hass.states.get(CLOCK_SKEW).state) <= 902  # type: ignore[union-attr]
    # The previous ticket is still there and ages.
    assert hass.states.get(TICKET_AGE).state == "31"  # type: ignore[union-attr]
    issues = ir.async_get(hass)
    issue = issues.async_get_issue(DOMAIN, f"bosma_clock_skew_{bosma_entry.entry_id}")
    assert issue is not None
    assert issue.translation_key == "bosma_clock_skew"
    assert issue.translation_placeholders is not None
    assert abs(int(issue.translation_placeholders["skew"]) - 900) <= 2

    bosma_cloud.skew = 0
    bosma_cloud.forced_code, bosma_cloud.forced_count = 500, 1
    await _tick(hass, freezer, 5)
    assert hass.states.get(LAST_RESULT).state == "server_error"  # type: ignore[union-attr]
    await _tick(hass, freezer, 5)
    assert hass.states.get(LAST_RESULT).state == "success"  # type: ignore[union-attr]
    assert abs(int(hass.states.get(CLOCK_SKEW).state)) <= 2  # type: ignore[union-attr]
    assert (
        issues.async_get_issue(DOMAIN, f"bosma_clock_skew_{bosma_entry.entry_id}")
        is None
    )

    # Removing the entry removes its repair issue.
    bosma_cloud.skew = 900
    await _tick(hass, freezer, 31)
    assert issues.async_get_issue(DOMAIN, f"bosma_clock_skew_{bosma_entry.entry_id}")
    await hass.config_entries.async_remove(bosma_entry.entry_id)
    assert (
        issues.async_get_issue(DOMAIN, f"bosma_clock_skew_{bosma_entry.entry_id}")
        is None
    )


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_missing_parameter_is_a_state(
    hass: HomeAssistant, bosma_cloud: BosmaCloud, bosma_entry: MockConfigEntry
) -> None:
    hass.config_entries.async_update_entry(
        bosma_entry, data={**bosma_entry.data, "country": ""}
    )
    await _setup(hass, bosma_entry)
    state = hass.states.get(LAST_RESULT)
    assert state is not None
    assert state.state == "missing_parameter"
    assert "country" in hass.states.get(LAST_RESULT_MESSAGE).state  # type: ignore[union-attr]
    assert hass.states.get(TICKET_AGE).state == "unknown"  # type: ignore[union-attr]


async def test_signature_refused_starts_reauth(
    freezer: FrozenDateTimeFactory,
    hass: HomeAssistant,
    bosma_cloud: BosmaCloud,
    bosma_entry: MockConfigEntry,
) -> None:
    await _setup(hass, bosma_entry)
    bosma_cloud.companies[DEMO_CORP] = "e" * 32
    await _tick(hass, freezer, 31)
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [f["context"]["source"] for f in flows] == [SOURCE_REAUTH]
    assert flows[0]["step_id"] == "bosma_reauth_confirm"


async def test_setup_errors(
    hass: HomeAssistant, bosma_cloud: BosmaCloud, bosma_entry: MockConfigEntry
) -> None:
    bosma_cloud.faults.set("/", Fault(drop=True))
    await hass.config_entries.async_setup(bosma_entry.entry_id)
    assert bosma_entry.state is ConfigEntryState.SETUP_RETRY
    await hass.config_entries.async_unload(bosma_entry.entry_id)

    hass.config_entries.async_update_entry(
        bosma_entry, data={**bosma_entry.data, "base_url": "http://bosma.example"}
    )
    await hass.config_entries.async_setup(bosma_entry.entry_id)
    assert bosma_entry.state is ConfigEntryState.SETUP_RETRY


async def test_setup_with_wrong_secret_asks_for_reauth(
    hass: HomeAssistant, bosma_cloud: BosmaCloud, bosma_entry: MockConfigEntry
) -> None:
    hass.config_entries.async_update_entry(
        bosma_entry, data={**bosma_entry.data, "api_secret": "x"}
    )
    await hass.config_entries.async_setup(bosma_entry.entry_id)
    assert bosma_entry.state is ConfigEntryState.SETUP_ERROR
    assert any(bosma_entry.async_get_active_flows(hass, {SOURCE_REAUTH}))


async def test_apply_token_action(
    hass: HomeAssistant,
    bosma_cloud: BosmaCloud,
    bosma_entry: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    await _setup(hass, bosma_entry)
    caplog.set_level(logging.DEBUG)
    response = await hass.services.async_call(
        DOMAIN,
        "bosma_apply_token",
        {"config_entry_id": bosma_entry.entry_id},
        blocking=True,
        return_response=True,
    )
    assert response is not None
    assert response["ticket"] == bosma_cloud.tickets[-1].ticket
    assert len(bosma_cloud.tickets) == 2
    assert response["expires_at"] is not None
    assert dt.datetime.fromisoformat(
        str(response["expires_at"])
    ) - dt.datetime.fromisoformat(str(response["issued_at"])) == dt.timedelta(hours=2)
    # Tickets are never logged.
    assert bosma_cloud.tickets[-1].ticket not in caplog.text
    assert bosma_cloud.tickets[0].ticket not in caplog.text

    bosma_cloud.skew = -400
    with pytest.raises(HomeAssistantError) as err:
        await hass.services.async_call(
            DOMAIN,
            "bosma_apply_token",
            {"config_entry_id": bosma_entry.entry_id},
            blocking=True,
            return_response=True,
        )
    assert err.value.translation_key == "bosma_timestamp_rejected"
    assert err.value.translation_placeholders is not None
    assert abs(int(err.value.translation_placeholders["skew"]) + 400) <= 2


async def test_apply_token_action_errors(
    hass: HomeAssistant, bosma_cloud: BosmaCloud, bosma_entry: MockConfigEntry
) -> None:
    await _setup(hass, bosma_entry)
    other = MockConfigEntry(domain=DOMAIN, data={"service": "gateway"}, title="GW")
    other.add_to_hass(hass)
    foreign = MockConfigEntry(domain="demo", data={}, title="Demo")
    foreign.add_to_hass(hass)
    unloaded = MockConfigEntry(
        domain=DOMAIN, data={**bosma_entry.data}, title="Bosma unloaded"
    )
    unloaded.add_to_hass(hass)
    for entry_id, key in (
        ("nope", "bosma_entry_not_found"),
        (foreign.entry_id, "bosma_entry_not_found"),
        (other.entry_id, "bosma_entry_wrong_service"),
        (unloaded.entry_id, "bosma_entry_not_loaded"),
    ):
        with pytest.raises(ServiceValidationError) as err:
            await hass.services.async_call(
                DOMAIN,
                "bosma_apply_token",
                {"config_entry_id": entry_id},
                blocking=True,
                return_response=True,
            )
        assert err.value.translation_key == key


async def test_diagnostics_redact_secrets(
    hass: HomeAssistant,
    bosma_cloud: BosmaCloud,
    bosma_entry: MockConfigEntry,
    snapshot: SnapshotAssertion,
) -> None:
    from custom_components.bosch_connect.diagnostics import (
        async_get_config_entry_diagnostics,
    )

    await _setup(hass, bosma_entry)
    diagnostics = await async_get_config_entry_diagnostics(hass, bosma_entry)
    text = str(diagnostics)
    assert DEMO_SECRET not in text
    assert bosma_cloud.tickets[-1].ticket not in text
    assert diagnostics["state"]["ticket"] == "**REDACTED**"
    assert diagnostics["entry"]["data"]["openid"] == "**REDACTED**"
    assert diagnostics == snapshot(
        exclude=props(
            "checked_at", "ticket_issued_at", "ticket_expires_at", "skew", "base_url"
        )
    )


async def test_unload(
    hass: HomeAssistant, bosma_cloud: BosmaCloud, bosma_entry: MockConfigEntry
) -> None:
    await _setup(hass, bosma_entry)
    assert await hass.config_entries.async_unload(bosma_entry.entry_id)
    assert bosma_entry.state is ConfigEntryState.NOT_LOADED
