"""A Rollouts entry in Home Assistant: entities, faults, DDI, re-auth, diagnostics."""

from __future__ import annotations

import datetime as dt
import logging

from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntryState
from homeassistant.const import STATE_OFF, STATE_ON, STATE_UNAVAILABLE, Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers import (
    device_registry as dr,
    entity_registry as er,
    issue_registry as ir,
)
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
    snapshot_platform,
)
from pytest_homeassistant_custom_component.typing import WebSocketGenerator
from syrupy.assertion import SnapshotAssertion

from custom_components.bosch_connect.const import DOMAIN, SERVICE_ROLLOUTS
from custom_components.bosch_connect.diagnostics import (
    async_get_config_entry_diagnostics,
)
from custom_components.bosch_connect.registry import ROOMS
from custom_components.bosch_connect.rollouts.models import UPDATE_STATUSES
from simulator.faults import Fault
from simulator.rollouts import RolloutsCloud
from simulator.rollouts.service import (
    DEMO_CLIENT_SECRET,
    DEMO_CONTROLLER,
    DEMO_PASSWORD,
    DEMO_TARGET_TOKEN,
    DEMO_TENANT,
)
from tests.conftest import only_platform

from .conftest import basic_data, grant, oauth_data

FROZEN = "2026-03-01 12:00:00+00:00"
REACHABLE = "binary_sensor.rollouts_demo_management_api"
TARGETS = "sensor.rollouts_demo_targets"
PENDING = "sensor.rollouts_demo_targets_pending"
OVERDUE = "sensor.rollouts_demo_overdue_targets"
DEPLOYMENT = "binary_sensor.target_ha_demo_device_deployment_pending"
POLLING = "sensor.target_ha_demo_device_polling_interval"
DEPLOYMENT_ACTION = "sensor.target_ha_demo_device_deployment_action"
DEPLOYMENT_VERSIONS = "sensor.target_ha_demo_device_deployment_versions"
LAST_POLL = "sensor.target_ha_demo_device_last_poll"


def _state(hass: HomeAssistant, entity_id: str) -> str:
    state = hass.states.get(entity_id)
    assert state is not None, entity_id
    return state.state


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


async def test_entity_categories_and_defaults(
    hass: HomeAssistant,
    rollouts_entry: MockConfigEntry,
    entity_registry: er.EntityRegistry,
) -> None:
    """The entities, their categories and which wait for the user."""
    await _setup(hass, rollouts_entry)
    entries = er.async_entries_for_config_entry(
        entity_registry, rollouts_entry.entry_id
    )
    assert len(entries) == 14
    # The counts and the pending deployment are primary values (dashboards,
    # voice); reachability and the DDI poll's details are diagnostic, and the
    # poll's interval and time are disabled until a user wants them.
    primary = sorted(e.unique_id for e in entries if e.entity_category is None)
    assert primary == sorted(
        f"{rollouts_entry.entry_id}_{key}"
        for key in (
            "targets",
            *(f"targets_{status}" for status in UPDATE_STATUSES),
            "targets_overdue",
            "distribution_sets",
            "ddi_deployment_pending",
            "ddi_deployment_versions",
        )
    )
    disabled = {
        e.unique_id: e.disabled_by for e in entries if e.disabled_by is not None
    }
    assert disabled == {
        f"{rollouts_entry.entry_id}_ddi_{key}": er.RegistryEntryDisabler.INTEGRATION
        for key in ("polling_interval", "last_poll")
    }


@pytest.mark.freeze_time(FROZEN)
@pytest.mark.usefixtures("freezer", "entity_registry_enabled_by_default")
@pytest.mark.parametrize("platform", list(ROOMS[SERVICE_ROLLOUTS].platforms))
async def test_entities(
    hass: HomeAssistant,
    rollouts_entry: MockConfigEntry,
    entity_registry: er.EntityRegistry,
    snapshot: SnapshotAssertion,
    platform: Platform,
) -> None:
    """Every entity of the platform, its registry entry and its state."""
    with only_platform(SERVICE_ROLLOUTS, platform):
        await _setup(hass, rollouts_entry)
        await snapshot_platform(
            hass, entity_registry, snapshot, rollouts_entry.entry_id
        )
    # The security token never shows up in a state.
    for entry in er.async_entries_for_config_entry(
        entity_registry, rollouts_entry.entry_id
    ):
        state = hass.states.get(entry.entity_id)
        assert state is not None
        assert DEMO_TARGET_TOKEN not in str(state.as_dict())


@pytest.mark.freeze_time(FROZEN)
@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_faults_unavailable_then_recover(
    freezer: FrozenDateTimeFactory,
    hass: HomeAssistant,
    rollouts: RolloutsCloud,
    rollouts_entry: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    await _setup(hass, rollouts_entry)
    assert _state(hass, REACHABLE) == STATE_ON
    rollouts.faults.set(f"/{DEMO_TENANT}/rest", Fault(status=503))
    caplog.clear()
    await _tick(hass, freezer, 5)
    await _tick(hass, freezer, 5)
    assert _state(hass, TARGETS) == STATE_UNAVAILABLE
    assert _state(hass, REACHABLE) == STATE_OFF
    # DDI still works: its entities stay.
    assert _state(hass, POLLING) == "300"
    failures = [
        r
        for r in caplog.records
        if r.levelno >= logging.WARNING and "Rollouts DEMO" in r.getMessage()
    ]
    assert len(failures) == 1

    rollouts.faults.clear()
    await _tick(hass, freezer, 5)
    assert _state(hass, TARGETS) == "7"
    assert _state(hass, REACHABLE) == STATE_ON


@pytest.mark.freeze_time(FROZEN)
@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_statuses_and_deployments_follow_the_tenant(
    freezer: FrozenDateTimeFactory,
    hass: HomeAssistant,
    rollouts: RolloutsCloud,
    rollouts_entry: MockConfigEntry,
) -> None:
    await _setup(hass, rollouts_entry)
    assert _state(hass, DEPLOYMENT) == STATE_OFF
    assert _state(hass, PENDING) == "1"
    action = rollouts.assign(DEMO_TENANT, DEMO_CONTROLLER, 2)
    rollouts.tenants[DEMO_TENANT].targets["device-001"].overdue = True
    rollouts.tenants[DEMO_TENANT].polling_seconds = 120
    await _tick(hass, freezer, 5)
    state = hass.states.get(DEPLOYMENT)
    assert state is not None
    assert state.state == STATE_ON
    # The action and the versions are entities of their own.
    assert _state(hass, DEPLOYMENT_ACTION) == str(action.id)
    assert _state(hass, DEPLOYMENT_VERSIONS) == "Gateway firmware 1.1.0"
    assert _state(hass, PENDING) == "2"
    assert _state(hass, OVERDUE) == "2"
    assert _state(hass, POLLING) == "120"
    # The DDI coordinator follows the new polling interval.
    assert rollouts_entry.runtime_data.ddi.update_interval == dt.timedelta(minutes=2)  # type: ignore[union-attr]
    assert _state(hass, LAST_POLL) == "2026-03-01T12:05:00+00:00"

    rollouts.cancel(DEMO_TENANT, DEMO_CONTROLLER)
    await _tick(hass, freezer, 2)
    assert _state(hass, DEPLOYMENT) == STATE_OFF


@pytest.mark.freeze_time(FROZEN)
@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_disabled_token_type_makes_ddi_unavailable(
    freezer: FrozenDateTimeFactory,
    hass: HomeAssistant,
    rollouts: RolloutsCloud,
    rollouts_entry: MockConfigEntry,
) -> None:
    await _setup(hass, rollouts_entry)
    rollouts.tenants[DEMO_TENANT].target_token_enabled = False
    await _tick(hass, freezer, 5)
    assert _state(hass, DEPLOYMENT) == STATE_UNAVAILABLE
    assert _state(hass, POLLING) == STATE_UNAVAILABLE
    assert _state(hass, TARGETS) == "7"
    # The refused token asks for a new one; the entry stays loaded.
    assert rollouts_entry.state is ConfigEntryState.LOADED
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [f["context"]["source"] for f in flows] == [SOURCE_REAUTH]
    rollouts.tenants[DEMO_TENANT].target_token_enabled = True
    await _tick(hass, freezer, 5)
    assert _state(hass, DEPLOYMENT) == STATE_OFF
    # Polling went on, and the token works again: no more re-authentication.
    assert not hass.config_entries.flow.async_progress_by_handler(DOMAIN)


@pytest.mark.freeze_time(FROZEN)
@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_a_working_token_keeps_the_reauth_of_refused_credentials(
    freezer: FrozenDateTimeFactory,
    hass: HomeAssistant,
    rollouts: RolloutsCloud,
    rollouts_entry: MockConfigEntry,
) -> None:
    await _setup(hass, rollouts_entry)
    tenant = rollouts.tenants[DEMO_TENANT]
    tenant.target_token_enabled = False
    tenant.users["admin"] = "changed"
    await _tick(hass, freezer, 5)
    assert _state(hass, DEPLOYMENT) == STATE_UNAVAILABLE
    tenant.target_token_enabled = True
    await _tick(hass, freezer, 5)
    assert _state(hass, DEPLOYMENT) == STATE_OFF
    # The password is still refused: its re-authentication stays.
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [f["context"]["source"] for f in flows] == [SOURCE_REAUTH]


@pytest.mark.freeze_time(FROZEN)
async def test_refused_credentials_start_reauth(
    freezer: FrozenDateTimeFactory,
    hass: HomeAssistant,
    rollouts: RolloutsCloud,
    rollouts_entry: MockConfigEntry,
) -> None:
    await _setup(hass, rollouts_entry)
    rollouts.tenants[DEMO_TENANT].users["admin"] = "changed"
    await _tick(hass, freezer, 5)
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [f["context"]["source"] for f in flows] == [SOURCE_REAUTH]


@pytest.mark.freeze_time(FROZEN)
async def test_revoked_permissions_are_a_failure_not_reauth(
    freezer: FrozenDateTimeFactory,
    hass: HomeAssistant,
    rollouts: RolloutsCloud,
) -> None:
    entry = MockConfigEntry(domain=DOMAIN, data=oauth_data(rollouts), title="R")
    entry.add_to_hass(hass)
    # The client's first call registers it: not ready until permissions are granted.
    await hass.config_entries.async_setup(entry.entry_id)
    assert entry.state is ConfigEntryState.SETUP_RETRY
    assert entry.reason is not None
    issues = ir.async_get(hass)
    issue_id = f"rollouts_permissions_{entry.entry_id}"
    issue = issues.async_get_issue(DOMAIN, issue_id)
    assert issue is not None
    assert issue.translation_placeholders == {
        "title": "R",
        "principal": "home-assistant",
    }
    grant(rollouts)
    await _tick(hass, freezer, 1)
    assert entry.state is ConfigEntryState.LOADED
    assert issues.async_get_issue(DOMAIN, issue_id) is None
    assert _state(hass, "sensor.rollouts_demo_targets") == "7"
    rollouts.tenants[DEMO_TENANT].principals["home-assistant"].permissions = set()
    await _tick(hass, freezer, 5)
    assert _state(hass, "sensor.rollouts_demo_targets") == STATE_UNAVAILABLE
    assert not hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert issues.async_get_issue(DOMAIN, issue_id) is not None
    assert DEMO_CLIENT_SECRET not in str(
        await async_get_config_entry_diagnostics(hass, entry)
    )
    await hass.config_entries.async_remove(entry.entry_id)
    assert issues.async_get_issue(DOMAIN, issue_id) is None


async def test_setup_errors(
    hass: HomeAssistant, rollouts: RolloutsCloud, rollouts_entry: MockConfigEntry
) -> None:
    hass.config_entries.async_update_entry(
        rollouts_entry, data={**rollouts_entry.data, "ddi_url": "http://ddi.example"}
    )
    await hass.config_entries.async_setup(rollouts_entry.entry_id)
    assert rollouts_entry.state is ConfigEntryState.SETUP_RETRY
    await hass.config_entries.async_unload(rollouts_entry.entry_id)
    hass.config_entries.async_update_entry(
        rollouts_entry, data={**rollouts_entry.data, "ddi_url": rollouts.base_url}
    )
    # The DDI API down at start-up: the entry retries.
    rollouts.faults.set(f"/{DEMO_TENANT}/controller", Fault(status=503))
    await hass.config_entries.async_setup(rollouts_entry.entry_id)
    assert rollouts_entry.state is ConfigEntryState.SETUP_RETRY
    assert not hass.config_entries.flow.async_progress_by_handler(DOMAIN)


@pytest.mark.usefixtures("entity_registry_enabled_by_default")
async def test_refused_ddi_token_at_startup_keeps_the_tenant(
    hass: HomeAssistant, rollouts: RolloutsCloud, rollouts_entry: MockConfigEntry
) -> None:
    """A refused DDI token asks for a new one; the tenant's entities stay."""
    target = rollouts.tenants[DEMO_TENANT].targets[DEMO_CONTROLLER]
    target.security_token = "N" * 32
    await _setup(hass, rollouts_entry)
    assert _state(hass, TARGETS) == "7"
    assert _state(hass, REACHABLE) == STATE_ON
    assert _state(hass, DEPLOYMENT) == STATE_UNAVAILABLE
    assert _state(hass, POLLING) == STATE_UNAVAILABLE
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [f["context"]["source"] for f in flows] == [SOURCE_REAUTH]
    assert flows[0]["step_id"] == "rollouts_reauth_confirm"

    # The user enters the target's new token: the entry reloads, DDI works.
    result = await hass.config_entries.flow.async_configure(
        flows[0]["flow_id"], {"ddi_token": "N" * 32}
    )
    assert result["reason"] == "reauth_successful"
    await hass.async_block_till_done()
    assert rollouts_entry.state is ConfigEntryState.LOADED
    assert _state(hass, DEPLOYMENT) == STATE_OFF
    assert _state(hass, POLLING) == "300"
    assert _state(hass, TARGETS) == "7"
    assert not hass.config_entries.flow.async_progress_by_handler(DOMAIN)


def _target_ids(device_registry: dr.DeviceRegistry, entry: MockConfigEntry) -> set[str]:
    return {
        identifier
        for device in dr.async_entries_for_config_entry(device_registry, entry.entry_id)
        for _, identifier in device.identifiers
        if identifier != f"rollouts_{entry.entry_id}"
    }


async def test_a_replaced_or_cleared_target_loses_its_device(
    hass: HomeAssistant,
    rollouts: RolloutsCloud,
    rollouts_entry: MockConfigEntry,
    device_registry: dr.DeviceRegistry,
    entity_registry: er.EntityRegistry,
) -> None:
    await _setup(hass, rollouts_entry)
    prefix = f"rollouts_{rollouts_entry.entry_id}_"
    assert _target_ids(device_registry, rollouts_entry) == {prefix + DEMO_CONTROLLER}
    old_device = device_registry.async_get_device_by_identifier(
        (DOMAIN, prefix + DEMO_CONTROLLER), rollouts_entry.entry_id
    )
    assert old_device is not None

    # Reconfigure to another target: the old target's device goes.
    other = rollouts.tenants[DEMO_TENANT].targets["device-001"]
    result = await rollouts_entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {
            key: value
            for key, value in basic_data(
                rollouts, controller_id="device-001", ddi_token=other.security_token
            ).items()
            if key not in ("service", "auth_method")
        },
    )
    assert result["reason"] == "reconfigure_successful"
    await hass.async_block_till_done()
    assert rollouts_entry.state is ConfigEntryState.LOADED
    assert _target_ids(device_registry, rollouts_entry) == {prefix + "device-001"}
    assert device_registry.async_get(old_device.id) is None
    assert not er.async_entries_for_device(entity_registry, old_device.id, True)
    # The target's entities now belong to the new target's device.
    new_device = device_registry.async_get_device_by_identifier(
        (DOMAIN, prefix + "device-001"), rollouts_entry.entry_id
    )
    assert new_device is not None
    pending = entity_registry.async_get(DEPLOYMENT)
    assert pending is not None
    assert pending.device_id == new_device.id
    assert _state(hass, DEPLOYMENT) == STATE_OFF

    # Clear the controller ID: no target device any more.
    data = basic_data(rollouts)
    result = await rollouts_entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {
            key: data[key]
            for key in ("base_url", "tenant", "username", "ddi_url", "token_type")
        },
    )
    assert result["reason"] == "reconfigure_successful"
    await hass.async_block_till_done()
    assert _target_ids(device_registry, rollouts_entry) == set()
    assert (
        len(dr.async_entries_for_config_entry(device_registry, rollouts_entry.entry_id))
        == 1
    )


async def test_only_an_old_target_can_be_deleted(
    hass: HomeAssistant,
    hass_ws_client: WebSocketGenerator,
    rollouts: RolloutsCloud,
    rollouts_entry: MockConfigEntry,
    device_registry: dr.DeviceRegistry,
) -> None:
    await _setup(hass, rollouts_entry)
    assert await async_setup_component(hass, "config", {})
    client = await hass_ws_client(hass)
    prefix = f"rollouts_{rollouts_entry.entry_id}"
    # A target device left behind (as an older version did on Reconfigure).
    old = device_registry.async_get_or_create(
        config_entry_id=rollouts_entry.entry_id,
        identifiers={(DOMAIN, f"{prefix}_old-target")},
    )

    async def remove(device_id: str) -> bool:
        response = await client.send_json_auto_id(
            {
                "type": "config/device_registry/remove_config_entry",
                "config_entry_id": rollouts_entry.entry_id,
                "device_id": device_id,
            }
        )
        response = await client.receive_json()
        success: bool = response["success"]
        return success

    for live in (prefix, f"{prefix}_{DEMO_CONTROLLER}"):
        device = device_registry.async_get_device_by_identifier(
            (DOMAIN, live), rollouts_entry.entry_id
        )
        assert device is not None
        assert not await remove(device.id)
        assert device_registry.async_get(device.id) is not None
    assert await remove(old.id)
    assert device_registry.async_get(old.id) is None


async def test_diagnostics_redact_secrets(
    hass: HomeAssistant,
    rollouts: RolloutsCloud,
    rollouts_entry: MockConfigEntry,
) -> None:
    rollouts.assign(DEMO_TENANT, DEMO_CONTROLLER, 3)
    await _setup(hass, rollouts_entry)
    diagnostics = await async_get_config_entry_diagnostics(hass, rollouts_entry)
    text = str(diagnostics)
    assert DEMO_PASSWORD not in text
    assert DEMO_TARGET_TOKEN not in text
    assert diagnostics["entry"]["data"]["password"] == "**REDACTED**"
    assert diagnostics["entry"]["data"]["ddi_token"] == "**REDACTED**"
    assert diagnostics["management"]["summary"]["targets"] == 7
    assert list(diagnostics["ddi"]["deployment"]["chunks"]) == [
        {"part": "os", "name": "Apps", "version": "7"}
    ]
    assert diagnostics["ddi"]["poll"]["sleep"] == "0:05:00"
    assert await hass.config_entries.async_unload(rollouts_entry.entry_id)
