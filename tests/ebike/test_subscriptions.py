"""Our subscription at Bosch: creation, 409 own/foreign/replace, mending, removal."""

from __future__ import annotations

import asyncio
from datetime import timedelta
import gc
import logging
from typing import Any
from unittest.mock import AsyncMock, patch

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)

from custom_components.bosch_connect.const import DOMAIN
from custom_components.bosch_connect.ebike.api import (
    EbikeClient,
    WebhookAuthentication,
)
from custom_components.bosch_connect.ebike.subscriptions import (
    NoUsableUrlError,
    async_webhook_url,
)
from simulator.ebike import EbikeCloud, EbikeSettings
from simulator.faults import Fault

from .conftest import WebhookReceiver, serve_https


@pytest.fixture
def ebike_settings() -> EbikeSettings:
    return EbikeSettings(auto_send=False)


async def _setup(hass: HomeAssistant, data: dict[str, Any]) -> MockConfigEntry:
    entry = MockConfigEntry(
        domain=DOMAIN, title="Bosch eBike", unique_id="ebike_x", data=data
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


def _issue(hass: HomeAssistant, kind: str, entry: MockConfigEntry) -> ir.IssueEntry:
    issue = ir.async_get(hass).async_get_issue(DOMAIN, f"{kind}_{entry.entry_id}")
    assert issue is not None
    return issue


async def test_own_subscription_found_by_url_is_updated(
    hass: HomeAssistant,
    ebike_entry: MockConfigEntry,
    ebike_sim: EbikeCloud,
    ebike_client: EbikeClient,
) -> None:
    """A webhook at our URL is ours even when its id was not stored."""
    hook = next(iter(ebike_sim.webhooks.values()))
    assert await hass.config_entries.async_unload(ebike_entry.entry_id)
    await ebike_client.update_webhook(
        hook.id,
        hook.url,
        ["BIKE_STATUS"],
        WebhookAuthentication("X-HA-Webhook-Secret", "stale", "HEADER"),
    )
    hass.config_entries.async_update_entry(
        ebike_entry, data={**ebike_entry.data, "subscription_ids": []}
    )
    tests_before = len(ebike_sim.deliveries)
    assert await hass.config_entries.async_setup(ebike_entry.entry_id)
    await hass.async_block_till_done()
    assert list(ebike_sim.webhooks) == [hook.id]
    assert sorted(hook.event_types) == ["BIKE_STATUS", "LOCATION_TRACKING"]
    assert hook.authentication["secret"] == ebike_entry.data["webhook_secret"]
    assert ebike_entry.data["subscription_ids"] == [hook.id]
    # The secret changed, so Bosch tested the URL again, and we answered 200.
    assert [d.status for d in ebike_sim.deliveries[tests_before:]] == [200]


async def test_mending_at_start(
    hass: HomeAssistant,
    ebike_entry: MockConfigEntry,
    ebike_sim: EbikeCloud,
    ebike_client: EbikeClient,
    ha_url: str,
) -> None:
    """Deleted at Bosch or pointing to an old URL: fixed at the next start."""
    assert await hass.config_entries.async_unload(ebike_entry.entry_id)
    ebike_sim.webhooks.clear()
    assert await hass.config_entries.async_setup(ebike_entry.entry_id)
    await hass.async_block_till_done()
    (hook,) = ebike_sim.webhooks.values()
    assert ebike_entry.data["subscription_ids"] == [hook.id]

    # Home Assistant moved to another address (its HTTP app on another port).
    assert await hass.config_entries.async_unload(ebike_entry.entry_id)
    server = await serve_https(hass.http.app)
    try:
        moved = f"https://localhost:{server.port}"
        assert moved != ha_url
        await hass.config.async_update(external_url=moved)
        assert await hass.config_entries.async_setup(ebike_entry.entry_id)
        await hass.async_block_till_done()
        assert list(ebike_sim.webhooks) == [hook.id]
        assert hook.url.startswith(moved)
        # A notification reaches Home Assistant at the new address.
        delivery = await ebike_sim.deliver_now(ebike_sim.bikes[0], "BIKE_STATUS")
        assert delivery.url.startswith(moved)
        assert delivery.status == 200
    finally:
        await server.close()


async def test_unchanged_subscription_left_alone(
    hass: HomeAssistant, ebike_entry: MockConfigEntry, ebike_sim: EbikeCloud
) -> None:
    assert await hass.config_entries.async_reload(ebike_entry.entry_id)
    await hass.async_block_till_done()
    assert not ebike_sim.faults.requests("/notification/v1/webhooks/", "PUT")
    assert len(ebike_sim.faults.requests("/notification/v1/webhooks", "POST")) == 1


async def test_foreign_subscription_raises_issue(
    hass: HomeAssistant,
    ha_url: str,
    *,
    ebike_sim: EbikeCloud,
    ebike_entry_data: dict[str, Any],
    ebike_client: EbikeClient,
    webhook_receiver: WebhookReceiver,
) -> None:
    await ebike_client.create_webhook(webhook_receiver.url, ["LOCATION_TRACKING"])
    entry = await _setup(hass, ebike_entry_data)
    assert entry.state is ConfigEntryState.LOADED
    issue = _issue(hass, "ebike_subscription_taken", entry)
    assert issue.translation_placeholders == {
        "url": webhook_receiver.url,
        "event_types": "LOCATION_TRACKING",
    }
    assert len(ebike_sim.webhooks) == 1

    # The repair says: Reconfigure and tick "replace" - the reload takes it over.
    result = await entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {"replace_subscriptions": True},
    )
    assert result["reason"] == "reconfigure_successful"
    await hass.async_block_till_done()
    assert entry.data["replace_subscriptions"] is True
    assert len(ebike_sim.webhooks) == 1
    (hook,) = ebike_sim.webhooks.values()
    assert hook.url.startswith(ha_url)
    assert (
        ir.async_get(hass).async_get_issue(
            DOMAIN, f"ebike_subscription_taken_{entry.entry_id}"
        )
        is None
    )


async def test_removal_deletes_subscription(
    hass: HomeAssistant,
    ebike_entry: MockConfigEntry,
    ebike_sim: EbikeCloud,
    ebike_client: EbikeClient,
    webhook_receiver: WebhookReceiver,
) -> None:
    await ebike_client.create_webhook(webhook_receiver.url, ["BIKE_PROFILE"])
    assert len(ebike_sim.webhooks) == 2
    await hass.config_entries.async_remove(ebike_entry.entry_id)
    await hass.async_block_till_done()
    # Only ours is gone.
    assert [h.url for h in ebike_sim.webhooks.values()] == [webhook_receiver.url]


async def test_removal_when_bosch_unreachable(
    hass: HomeAssistant,
    ebike_entry: MockConfigEntry,
    ebike_sim: EbikeCloud,
    caplog: pytest.LogCaptureFixture,
) -> None:
    ebike_sim.faults.set("/notification", Fault(status=503))
    await hass.config_entries.async_remove(ebike_entry.entry_id)
    await hass.async_block_till_done()
    assert "delete it in the Bosch partner portal" in caplog.text
    assert ebike_entry.data["webhook_secret"] not in caplog.text


async def test_no_usable_url_raises_issue(
    hass: HomeAssistant,
    ha_url: str,
    ebike_sim: EbikeCloud,
    ebike_entry_data: dict[str, Any],
) -> None:
    await hass.config.async_update(external_url=None, internal_url=None)
    hass.config.api = None
    entry = await _setup(hass, ebike_entry_data)
    assert entry.state is ConfigEntryState.LOADED
    _issue(hass, "ebike_no_https_url", entry)
    assert not ebike_sim.webhooks


async def test_webhook_test_refused_raises_issue(
    hass: HomeAssistant,
    ha_url: str,
    ebike_sim: EbikeCloud,
    ebike_entry_data: dict[str, Any],
) -> None:
    """Bosch's WebhookTest keeps failing (signed with an expired certificate).

    Retried with back-off; the repair issue only after the third refusal.
    """
    ebike_sim.use_signing_cert("expired")
    entry = await _setup(hass, ebike_entry_data)
    issues = ir.async_get(hass)
    issue_id = f"ebike_webhook_rejected_{entry.entry_id}"
    assert issues.async_get_issue(DOMAIN, issue_id) is None
    now = dt_util.utcnow()
    for delay in (31, 91):  # retries after 30 s, then 60 s more
        async_fire_time_changed(hass, now + timedelta(seconds=delay))
        await hass.async_block_till_done()
    tests = [d for d in ebike_sim.deliveries if d.event_type == "WEBHOOK_TEST"]
    assert len(tests) == 3
    issue = _issue(hass, "ebike_webhook_rejected", entry)
    assert issue.translation_placeholders["base_url"] == ha_url
    assert "webhook_id" not in str(issue.translation_placeholders)
    assert entry.data["webhook_id"] not in str(issue.translation_placeholders)
    assert not ebike_sim.webhooks


async def test_webhook_test_failing_once_is_retried(
    hass: HomeAssistant,
    ha_url: str,
    ebike_sim: EbikeCloud,
    ebike_entry_data: dict[str, Any],
) -> None:
    """A WebhookTest Home Assistant refused (busy, here: 401) is retried in 30 s."""
    ebike_sim.delivery_faults.wrong_secret = True
    entry = await _setup(hass, ebike_entry_data)
    assert entry.state is ConfigEntryState.LOADED
    (test,) = ebike_sim.deliveries
    assert (test.event_type, test.status) == ("WEBHOOK_TEST", 401)
    assert not ebike_sim.webhooks
    issues = ir.async_get(hass)
    assert (
        issues.async_get_issue(DOMAIN, f"ebike_webhook_rejected_{entry.entry_id}")
        is None
    )

    ebike_sim.delivery_faults.wrong_secret = False
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=29))
    await hass.async_block_till_done()
    assert not ebike_sim.webhooks  # not before the back-off
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=31))
    await hass.async_block_till_done()
    (hook,) = ebike_sim.webhooks.values()
    assert entry.data["subscription_ids"] == [hook.id]
    assert [d.status for d in ebike_sim.deliveries] == [401, 200]
    assert (
        issues.async_get_issue(DOMAIN, f"ebike_webhook_rejected_{entry.entry_id}")
        is None
    )


async def test_subscribes_only_when_loaded(
    hass: HomeAssistant,
    ha_url: str,
    ebike_sim: EbikeCloud,
    ebike_entry_data: dict[str, Any],
) -> None:
    """Bosch's WebhookTest comes only after every platform added its entities."""
    states_at_test: list[int] = []
    original = ebike_sim._test_webhook

    async def spy(fields: dict[str, Any]) -> Any:
        states_at_test.append(len(hass.states.async_entity_ids()))
        return await original(fields)

    with patch.object(ebike_sim, "_test_webhook", spy):
        entry = await _setup(hass, ebike_entry_data)
    assert entry.state is ConfigEntryState.LOADED
    assert states_at_test == [len(hass.states.async_entity_ids())]
    assert states_at_test[0] > 0
    assert len(ebike_sim.webhooks) == 1


async def test_temporary_failure_retried(
    hass: HomeAssistant,
    ha_url: str,
    ebike_sim: EbikeCloud,
    ebike_entry_data: dict[str, Any],
) -> None:
    ebike_sim.faults.set("/notification/v1/webhooks", Fault(status=503, count=1))
    entry = await _setup(hass, ebike_entry_data)
    assert entry.state is ConfigEntryState.LOADED
    assert not ebike_sim.webhooks
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=301))
    await hass.async_block_till_done()
    assert len(ebike_sim.webhooks) == 1


async def test_cloudhook(
    hass: HomeAssistant,
    ha_url: str,
    ebike_sim: EbikeCloud,
    ebike_entry_data: dict[str, Any],
) -> None:
    """With Home Assistant Cloud, Bosch posts to the cloudhook (relayed here)."""
    relayed = f"{ha_url}/api/webhook/{ebike_entry_data['webhook_id']}"
    hass.config.components.add("cloud")
    with (
        patch(
            "homeassistant.components.cloud.async_active_subscription",
            return_value=True,
        ),
        patch(
            "homeassistant.components.cloud.async_create_cloudhook",
            AsyncMock(return_value=relayed),
        ) as create,
        patch(
            "homeassistant.components.cloud.async_delete_cloudhook", AsyncMock()
        ) as delete,
    ):
        entry = await _setup(hass, ebike_entry_data)
        create.assert_awaited_once()
        assert entry.data["cloudhook_url"] == relayed
        (hook,) = ebike_sim.webhooks.values()
        assert hook.url == relayed
        await hass.config_entries.async_remove(entry.entry_id)
        await hass.async_block_till_done()
        delete.assert_awaited_once_with(hass, ebike_entry_data["webhook_id"])
    assert not ebike_sim.webhooks


async def test_cloud_not_connected_yet(
    hass: HomeAssistant,
    ha_url: str,
    ebike_sim: EbikeCloud,
    ebike_entry_data: dict[str, Any],
) -> None:
    """Logged in to the cloud but not connected: retried, not given up."""
    from homeassistant.components.cloud import CloudNotConnected

    relayed = f"{ha_url}/api/webhook/{ebike_entry_data['webhook_id']}"
    hass.config.components.add("cloud")
    with (
        patch(
            "homeassistant.components.cloud.async_active_subscription",
            return_value=True,
        ),
        patch(
            "homeassistant.components.cloud.async_create_cloudhook",
            AsyncMock(side_effect=[CloudNotConnected, relayed]),
        ),
    ):
        entry = await _setup(hass, ebike_entry_data)
        assert not ebike_sim.webhooks
        assert not [key for key in ir.async_get(hass).issues if key[0] == DOMAIN]
        async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=301))
        await hass.async_block_till_done()
    assert entry.data["cloudhook_url"] == relayed
    assert [h.url for h in ebike_sim.webhooks.values()] == [relayed]


async def test_webhook_url_rules(hass: HomeAssistant) -> None:
    """Never plain http nor an internal URL: Bosch sends the static secret there.

    Before, both were allowed when the API URL was on this machine.
    """
    for internal in ("http://10.0.0.2:8123", "https://ha.local:8123"):
        await hass.config.async_update(
            external_url="http://example.com:8123", internal_url=internal
        )
        with pytest.raises(NoUsableUrlError):
            await async_webhook_url(hass, "abc", None, create_cloudhook=True)
    await hass.config.async_update(external_url="https://ha.example.com")
    url, cloudhook = await async_webhook_url(hass, "abc", None, create_cloudhook=True)
    assert (url, cloudhook) == ("https://ha.example.com/api/webhook/abc", None)


async def test_conflict_race_reads_again(
    hass: HomeAssistant,
    ha_url: str,
    *,
    ebike_sim: EbikeCloud,
    ebike_entry_data: dict[str, Any],
    ebike_client: EbikeClient,
    webhook_receiver: WebhookReceiver,
) -> None:
    """Another system subscribes between our list and our create: Bosch says 409."""
    real_list = EbikeClient.list_webhooks
    raced = False

    async def list_then_race(self: EbikeClient) -> Any:
        nonlocal raced
        hooks = await real_list(self)
        if not raced:
            raced = True
            await ebike_client.create_webhook(webhook_receiver.url, ["BIKE_STATUS"])
        return hooks

    with patch.object(EbikeClient, "list_webhooks", list_then_race):
        entry = await _setup(hass, ebike_entry_data)
    # The 409 made us read again; the other system now holds BIKE_STATUS.
    issue = _issue(hass, "ebike_subscription_taken", entry)
    assert issue.translation_placeholders["url"] == webhook_receiver.url
    assert [h.url for h in ebike_sim.webhooks.values()] == [webhook_receiver.url]


async def test_external_url_change_moves_subscription(
    hass: HomeAssistant,
    ebike_entry: MockConfigEntry,
    ebike_sim: EbikeCloud,
    ha_url: str,
) -> None:
    """No reload needed: a new external URL is taken to Bosch at once."""
    (hook,) = ebike_sim.webhooks.values()
    server = await serve_https(hass.http.app)
    try:
        moved = f"https://localhost:{server.port}"
        await hass.config.async_update(external_url=moved)
        await hass.async_block_till_done()
        assert hook.url.startswith(moved)
        delivery = await ebike_sim.deliver_now(ebike_sim.bikes[0], "BIKE_STATUS")
        assert delivery.status == 200
        # Another config change with the same URL changes nothing at Bosch.
        puts = len(ebike_sim.faults.requests("/notification/v1/webhooks/", "PUT"))
        await hass.config.async_update(location_name="Elsewhere")
        await hass.async_block_till_done()
        assert (
            len(ebike_sim.faults.requests("/notification/v1/webhooks/", "PUT")) == puts
        )
    finally:
        await server.close()


async def test_unload_during_an_attempt_leaves_no_retry(
    hass: HomeAssistant,
    ha_url: str,
    ebike_sim: EbikeCloud,
    ebike_entry_data: dict[str, Any],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """An attempt still at Bosch when the entry unloads schedules nothing after.

    Before, the attempt ended after the unload and scheduled its retry, which
    nothing cancelled: 5 minutes later the unloaded entry tried again and
    failed with a traceback (its runtime data was gone).
    """
    ebike_sim.faults.set(
        "/notification/v1/webhooks", Fault(latency=0.3, status=503, count=1)
    )
    entry = MockConfigEntry(
        domain=DOMAIN, title="Bosch eBike", unique_id="ebike_x", data=ebike_entry_data
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    assert len(ebike_sim.faults.requests("/notification/v1/webhooks")) == 0
    await asyncio.sleep(0.1)  # the attempt is at Bosch now (0.3 s latency)
    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    assert len(ebike_sim.faults.requests("/notification/v1/webhooks")) == 1

    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=301))
    await hass.async_block_till_done()
    gc.collect()  # a failed task reports its exception when it is collected
    assert len(ebike_sim.faults.requests("/notification/v1/webhooks")) == 1
    assert not ebike_sim.webhooks
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
