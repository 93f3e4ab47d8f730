"""Automatic renewal of the API key, against the simulator's keys and clock."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any
from unittest.mock import patch

from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntryState, UnknownEntry
from homeassistant.const import STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.bosch_connect.const import DOMAIN
from custom_components.bosch_connect.homecomfort.const import (
    CONF_API_KEY,
    CONF_KEY_ENTERED_AT,
    CONF_PENDING_KEY_DELETION,
    CONF_PREVIOUS_API_KEY,
    CONF_RENEW_DAYS,
)
from custom_components.bosch_connect.homecomfort.keys import parse_api_key
from custom_components.bosch_connect.homecomfort.models import KeyInfo
from custom_components.bosch_connect.homecomfort.renewal import WRITE_GRACE, KeyManager
from simulator.faults import Fault
from simulator.homecomfort import HomeComfortService

from .conftest import (
    let_home_assistant_write,
    make_entry,
    refresh,
    setup_entry,
    state,
)

HC1 = "climate.home_comfort_101506113_heating_circuit_1"
EXPIRES = "sensor.home_comfort_partner_api_api_key_expires"


def days_left(sim: HomeComfortService, key: str) -> dt.timedelta:
    expires = parse_api_key(key).expires
    assert expires is not None
    return expires - sim.now()


def move_to_days_left(sim: HomeComfortService, key: str, days: float) -> None:
    """Advance the simulator's clock until ``key`` has ``days`` left."""
    sim.clock.advance((days_left(sim, key) - dt.timedelta(days=days)).total_seconds())


def requests_with_key(sim: HomeComfortService, key: str) -> list[str]:
    return [
        f"{r.method} {r.path}"
        for r in sim.faults.log
        if r.headers.get("x-api-key") == key
    ]


async def test_no_renewal_while_the_key_is_young(
    hass: HomeAssistant, hc_sim: HomeComfortService, hc_entry: MockConfigEntry
) -> None:
    key = hc_entry.data[CONF_API_KEY]
    move_to_days_left(hc_sim, key, 31)
    await refresh(hass, hc_entry)
    assert hc_sim.faults.requests("/api-keys", "POST") == []
    assert hc_entry.data[CONF_API_KEY] == key


async def test_renewal_at_the_threshold(
    hass: HomeAssistant, hc_sim: HomeComfortService, hc_entry: MockConfigEntry
) -> None:
    """Past the threshold (by the API's clock) the key renews without interruption."""
    old = hc_entry.data[CONF_API_KEY]
    old_id = parse_api_key(old).key_id
    runtime = hc_entry.runtime_data
    before = hass.states.get(EXPIRES)
    assert before is not None
    move_to_days_left(hc_sim, old, 29)
    await refresh(hass, hc_entry)

    new = hc_entry.data[CONF_API_KEY]
    assert new != old
    assert [r for r in requests_with_key(hc_sim, old) if r.startswith("POST")] == [
        "POST /api-keys"
    ]
    assert hc_entry.data[CONF_PENDING_KEY_DELETION] == old_id
    assert runtime.client.api_key == new
    assert days_left(hc_sim, new) > dt.timedelta(days=180)
    # Both keys are valid until the next refresh deletes the old one.
    assert {k.key_id for k in hc_sim.valid_keys()} == {
        old_id,
        parse_api_key(new).key_id,
    }
    # No reload, nothing unavailable; the expiry sensor shows the new key.
    assert hc_entry.runtime_data is runtime
    assert hc_entry.state is ConfigEntryState.LOADED
    assert state(hass, HC1) != STATE_UNAVAILABLE
    after = hass.states.get(EXPIRES)
    assert after is not None
    assert after.state != before.state
    assert dt.datetime.fromisoformat(after.state) == parse_api_key(new).expires

    # Right after the renewal the entry is not on disk yet: no deletion, even
    # when the API's clock says a while has passed.
    hc_sim.clock.advance(2 * WRITE_GRACE.total_seconds())
    await refresh(hass, hc_entry)
    assert hc_sim.faults.requests("/api-keys/", "DELETE") == []
    assert hc_entry.data[CONF_PENDING_KEY_DELETION] == old_id
    await let_home_assistant_write(hass)
    await refresh(hass, hc_entry)
    deletes = hc_sim.faults.requests("/api-keys/", "DELETE")
    assert [(d.path, d.headers["x-api-key"]) for d in deletes] == [
        (f"/api-keys/{old_id}", new)
    ]
    assert CONF_PENDING_KEY_DELETION not in hc_entry.data
    assert [k.key_id for k in hc_sim.valid_keys()] == [parse_api_key(new).key_id]
    # Nothing renews again.
    await refresh(hass, hc_entry)
    assert len(hc_sim.faults.requests("/api-keys", "POST")) == 1


async def test_renew_days_option(
    hass: HomeAssistant, hc_sim: HomeComfortService
) -> None:
    entry = await setup_entry(hass, make_entry(hc_sim, options={CONF_RENEW_DAYS: 60}))
    move_to_days_left(hc_sim, entry.data[CONF_API_KEY], 59)
    await refresh(hass, entry)
    assert len(hc_sim.faults.requests("/api-keys", "POST")) == 1


async def test_new_key_is_stored_before_it_is_used(
    hass: HomeAssistant, hc_sim: HomeComfortService, hc_entry: MockConfigEntry
) -> None:
    old = hc_entry.data[CONF_API_KEY]
    move_to_days_left(hc_sim, old, 10)
    stored_at: list[int] = []
    original = hass.config_entries.async_update_entry

    def spy(entry: Any, **kwargs: Any) -> bool:
        data = kwargs.get("data")
        if data and data.get(CONF_API_KEY) != old:
            stored_at.append(len(hc_sim.faults.log))
        return original(entry, **kwargs)

    with patch.object(hass.config_entries, "async_update_entry", spy):
        await refresh(hass, hc_entry)  # renews at its end
        await refresh(hass, hc_entry)  # uses the new key
    new = hc_entry.data[CONF_API_KEY]
    assert stored_at, "the new key was never stored"
    first_use = next(
        i for i, r in enumerate(hc_sim.faults.log) if r.headers.get("x-api-key") == new
    )
    assert first_use >= stored_at[0]


async def test_stop_between_renewal_and_store(
    hass: HomeAssistant, hc_sim: HomeComfortService, hc_entry: MockConfigEntry
) -> None:
    """Home Assistant stops after POST /api-keys, before the store: nothing lost."""
    old = hc_entry.data[CONF_API_KEY]
    move_to_days_left(hc_sim, old, 10)
    keys = hc_entry.runtime_data.keys
    await hc_entry.runtime_data.client.key_info()  # learn the API's time

    def stopped(entry: Any, **kwargs: Any) -> bool:
        raise asyncio.CancelledError  # Home Assistant stopping mid-renewal

    with (
        patch.object(hass.config_entries, "async_update_entry", stopped),
        pytest.raises(asyncio.CancelledError),
    ):
        await keys.async_renew_if_due()
    assert len(hc_sim.faults.requests("/api-keys", "POST")) == 1
    # The entry and the client still hold the old key, which Bosch keeps valid.
    assert hc_entry.data[CONF_API_KEY] == old
    assert hc_entry.runtime_data.client.api_key == old
    assert parse_api_key(old).key_id in {k.key_id for k in hc_sim.valid_keys()}

    # The next run (here: a restart of the entry) renews again and works on.
    await hass.config_entries.async_reload(hc_entry.entry_id)
    await hass.async_block_till_done()
    assert hc_entry.state is ConfigEntryState.LOADED
    assert len(hc_sim.faults.requests("/api-keys", "POST")) == 2
    new = hc_entry.data[CONF_API_KEY]
    assert new != old
    assert hc_entry.runtime_data.client.api_key == new
    assert len(hc_sim.valid_keys()) == 3  # old, the lost one, the stored one
    assert state(hass, HC1) != STATE_UNAVAILABLE


async def test_concurrent_refreshes_renew_once(
    hass: HomeAssistant, hc_sim: HomeComfortService, hc_entry: MockConfigEntry
) -> None:
    move_to_days_left(hc_sim, hc_entry.data[CONF_API_KEY], 10)
    hc_sim.faults.set("/api-keys", Fault(latency=0.2))  # both inside the renewal
    coordinator = hc_entry.runtime_data.coordinator
    await asyncio.gather(
        coordinator._async_update_data(), coordinator._async_update_data()
    )
    assert len(hc_sim.faults.requests("/api-keys", "POST")) == 1


async def test_the_key_in_use_is_never_deleted(
    hass: HomeAssistant, hc_sim: HomeComfortService, hc_entry: MockConfigEntry
) -> None:
    own = parse_api_key(hc_entry.data[CONF_API_KEY]).key_id
    hass.config_entries.async_update_entry(
        hc_entry, data={**hc_entry.data, CONF_PENDING_KEY_DELETION: own}
    )
    await let_home_assistant_write(hass)
    await refresh(hass, hc_entry)
    assert hc_sim.faults.requests("/api-keys/", "DELETE") == []
    assert CONF_PENDING_KEY_DELETION not in hc_entry.data
    assert own in {k.key_id for k in hc_sim.valid_keys()}


async def test_a_failed_deletion_is_retried(
    hass: HomeAssistant, hc_sim: HomeComfortService, hc_entry: MockConfigEntry
) -> None:
    spare = hc_sim.issue_key()
    gone = "k000000000000"
    hass.config_entries.async_update_entry(
        hc_entry, data={**hc_entry.data, CONF_PENDING_KEY_DELETION: spare.key_id}
    )
    await let_home_assistant_write(hass)  # the key in use is on disk
    hc_sim.faults.set("/api-keys/", Fault(status=503, count=1))
    await refresh(hass, hc_entry)
    assert hc_entry.data[CONF_PENDING_KEY_DELETION] == spare.key_id
    await refresh(hass, hc_entry)
    assert CONF_PENDING_KEY_DELETION not in hc_entry.data
    assert spare.key_id not in hc_sim.keys
    # A key that is already gone counts as deleted.
    hass.config_entries.async_update_entry(
        hc_entry, data={**hc_entry.data, CONF_PENDING_KEY_DELETION: gone}
    )
    await refresh(hass, hc_entry)
    assert CONF_PENDING_KEY_DELETION not in hc_entry.data


async def test_ten_key_limit_repair(
    hass: HomeAssistant,
    hc_sim: HomeComfortService,
    hc_entry: MockConfigEntry,
    issue_registry: ir.IssueRegistry,
) -> None:
    spare = [hc_sim.issue_key() for _ in range(9)]
    move_to_days_left(hc_sim, hc_entry.data[CONF_API_KEY], 20)
    # The spare keys are younger than the entry's; they stay valid.
    await refresh(hass, hc_entry)
    issue_id = f"homecomfort_key_limit_{hc_entry.entry_id}"
    issue = issue_registry.async_get_issue(DOMAIN, issue_id)
    assert issue is not None
    assert issue.translation_key == "homecomfort_key_limit"
    assert (
        issue_registry.async_get_issue(
            DOMAIN, f"homecomfort_renewal_failed_{hc_entry.entry_id}"
        )
        is None
    )  # 20 days left: no alarm yet
    assert state(hass, HC1) != STATE_UNAVAILABLE
    # Close to expiry the key-limit issue comes with the expiry alarm.
    move_to_days_left(hc_sim, hc_entry.data[CONF_API_KEY], 5)
    await refresh(hass, hc_entry)
    assert issue_registry.async_get_issue(DOMAIN, issue_id) is not None
    assert (
        issue_registry.async_get_issue(
            DOMAIN, f"homecomfort_renewal_failed_{hc_entry.entry_id}"
        )
        is not None
    )
    # The user deletes an unused key: the next refresh renews, the issues go.
    del hc_sim.keys[spare[0].key_id]
    await refresh(hass, hc_entry)
    assert issue_registry.async_get_issue(DOMAIN, issue_id) is None
    assert not issue_registry.issues
    assert hc_entry.runtime_data.keys.renewals == 1


async def test_renewal_failure_close_to_expiry_repair(
    hass: HomeAssistant,
    hc_sim: HomeComfortService,
    hc_entry: MockConfigEntry,
    issue_registry: ir.IssueRegistry,
) -> None:
    issue_id = f"homecomfort_renewal_failed_{hc_entry.entry_id}"
    key = hc_entry.data[CONF_API_KEY]
    hc_sim.faults.set("/api-keys", Fault(status=503))
    move_to_days_left(hc_sim, key, 20)
    await refresh(hass, hc_entry)
    assert issue_registry.async_get_issue(DOMAIN, issue_id) is None
    move_to_days_left(hc_sim, key, 6)
    await refresh(hass, hc_entry)
    issue = issue_registry.async_get_issue(DOMAIN, issue_id)
    assert issue is not None
    assert issue.severity is ir.IssueSeverity.ERROR
    assert issue.translation_placeholders is not None
    assert issue.translation_placeholders["error"] == "HomeComfortConnectionError"
    # The key still works: the heating stays.
    assert state(hass, HC1) != STATE_UNAVAILABLE
    hc_sim.faults.clear()
    await refresh(hass, hc_entry)
    assert issue_registry.async_get_issue(DOMAIN, issue_id) is None
    assert hc_entry.data[CONF_API_KEY] != key


async def test_expiry_starts_reauth(
    hass: HomeAssistant, hc_sim: HomeComfortService, hc_entry: MockConfigEntry
) -> None:
    hc_sim.faults.set("/api-keys", Fault(status=503))
    move_to_days_left(hc_sim, hc_entry.data[CONF_API_KEY], -1)
    await refresh(hass, hc_entry)
    flows = hc_entry.async_get_active_flows(hass, {SOURCE_REAUTH})
    assert len(list(flows)) == 1
    assert state(hass, HC1) == STATE_UNAVAILABLE


async def test_a_key_refused_at_bosch_starts_reauth(
    hass: HomeAssistant, hc_sim: HomeComfortService, hc_entry: MockConfigEntry
) -> None:
    hc_sim.keys.clear()
    await refresh(hass, hc_entry)
    assert len(list(hc_entry.async_get_active_flows(hass, {SOURCE_REAUTH}))) == 1


async def test_a_key_refused_while_renewing_starts_reauth(
    hass: HomeAssistant, hc_sim: HomeComfortService, hc_entry: MockConfigEntry
) -> None:
    move_to_days_left(hc_sim, hc_entry.data[CONF_API_KEY], 10)
    hc_sim.faults.set("/api-keys", Fault(status=401))
    await refresh(hass, hc_entry)
    assert len(list(hc_entry.async_get_active_flows(hass, {SOURCE_REAUTH}))) == 1


async def test_expiry_fallbacks(hass: HomeAssistant) -> None:
    """A key without an embedded expiry: the API's word, else six months."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        data={
            CONF_API_KEY: "xHCSAPIopaque",
            CONF_KEY_ENTERED_AT: "2026-01-31T10:00:00+00:00",
        },
    )
    keys = KeyManager(hass, entry, None)  # type: ignore[arg-type]
    assert keys.expires == dt.datetime(2026, 7, 31, 10, tzinfo=dt.UTC)
    reported = dt.datetime(2026, 5, 1, tzinfo=dt.UTC)
    keys.info = KeyInfo(key_id="k1", company_id="c", expires=reported)
    assert keys.expires == reported


async def test_renewal_when_the_new_key_cannot_be_looked_up(
    hass: HomeAssistant, hc_sim: HomeComfortService, hc_entry: MockConfigEntry
) -> None:
    """GET /api-keys/me fails after the renewal: the POST answer is enough."""
    old = hc_entry.data[CONF_API_KEY]
    move_to_days_left(hc_sim, old, 10)
    hc_sim.faults.set("/api-keys/me", Fault(status=503))
    await refresh(hass, hc_entry)
    new = hc_entry.data[CONF_API_KEY]
    assert new != old
    info = hc_entry.runtime_data.keys.info
    assert info is not None
    assert info.key_id == parse_api_key(new).key_id
    assert info.expires == parse_api_key(new).expires


async def test_a_refused_store_withdraws_the_new_key(
    hass: HomeAssistant,
    hc_sim: HomeComfortService,
    hc_entry: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The entry cannot take the new key: it is deleted again, the old one kept."""
    old = hc_entry.data[CONF_API_KEY]
    move_to_days_left(hc_sim, old, 10)
    original = hass.config_entries.async_update_entry

    def refuse(entry: Any, **kwargs: Any) -> bool:
        data = kwargs.get("data")
        if data is not None and data[CONF_API_KEY] != old:
            raise UnknownEntry(entry.entry_id)
        return original(entry, **kwargs)

    with patch.object(hass.config_entries, "async_update_entry", refuse):
        await refresh(hass, hc_entry)
    assert len(hc_sim.faults.requests("/api-keys", "POST")) == 1
    [delete] = hc_sim.faults.requests("/api-keys/", "DELETE")
    assert delete.headers["x-api-key"] == old
    assert [k.value for k in hc_sim.valid_keys()] == [old]
    assert hc_entry.data[CONF_API_KEY] == old
    assert hc_entry.runtime_data.client.api_key == old
    assert hc_entry.runtime_data.keys.last_error == "UnknownEntry"
    assert "Storing the renewed Home Comfort API key failed" in caplog.text
    assert state(hass, HC1) != STATE_UNAVAILABLE


@pytest.mark.parametrize(
    "answer", ["not a key", "xHCSAPI with spaces", "xHCSAPI." + "A" * 3000]
)
async def test_a_malformed_new_key_is_never_stored(
    hass: HomeAssistant,
    hc_sim: HomeComfortService,
    hc_entry: MockConfigEntry,
    issue_registry: ir.IssueRegistry,
    answer: str,
) -> None:
    """A broken renewal answer: keep the old key, withdraw the new one, retry."""
    old = hc_entry.data[CONF_API_KEY]
    move_to_days_left(hc_sim, old, 5)
    hc_sim.garbled_key_answer = answer
    await refresh(hass, hc_entry)
    assert hc_entry.data[CONF_API_KEY] == old
    assert CONF_PENDING_KEY_DELETION not in hc_entry.data
    assert [k.value for k in hc_sim.valid_keys()] == [old]  # withdrawn
    assert hc_entry.runtime_data.keys.last_error == "ApiKeyFormatError"
    issue = issue_registry.async_get_issue(
        DOMAIN, f"homecomfort_renewal_failed_{hc_entry.entry_id}"
    )
    assert issue is not None
    assert state(hass, HC1) != STATE_UNAVAILABLE
    # The next refresh renews properly.
    await refresh(hass, hc_entry)
    assert hc_entry.data[CONF_API_KEY] != old
    assert len(hc_sim.valid_keys()) == 2


@pytest.mark.parametrize(
    "answer",
    ["expired", "expires_before_the_key_in_use", "expires_with_the_key_in_use"],
)
async def test_a_useless_renewed_key_is_refused_and_withdrawn(
    hass: HomeAssistant,
    *,
    hc_sim: HomeComfortService,
    hc_entry: MockConfigEntry,
    issue_registry: ir.IssueRegistry,
    caplog: pytest.LogCaptureFixture,
    answer: str,
) -> None:
    """Bosch answers the renewal with a key of no use: refused, reported, deleted."""
    old = hc_entry.data[CONF_API_KEY]
    old_expires = parse_api_key(old).expires
    assert old_expires is not None
    move_to_days_left(hc_sim, old, 10)
    hc_sim.next_key_expires = {
        "expired": hc_sim.now() - dt.timedelta(days=1),
        "expires_before_the_key_in_use": old_expires - dt.timedelta(days=1),
        "expires_with_the_key_in_use": old_expires,
    }[answer]
    await refresh(hass, hc_entry)

    # Not stored; the key in use stays, and works.
    assert hc_entry.data[CONF_API_KEY] == old
    assert hc_entry.runtime_data.client.api_key == old
    assert CONF_PREVIOUS_API_KEY not in hc_entry.data
    assert CONF_PENDING_KEY_DELETION not in hc_entry.data
    assert state(hass, HC1) != STATE_UNAVAILABLE
    # Withdrawn at Bosch, with the key in use.
    assert len(hc_sim.faults.requests("/api-keys", "POST")) == 1
    [delete] = hc_sim.faults.requests("/api-keys/", "DELETE")
    assert delete.headers["x-api-key"] == old
    assert [k.value for k in hc_sim.keys.values()] == [old]
    # Reported: a repair issue, the log, the diagnostics.
    issue = issue_registry.async_get_issue(
        DOMAIN, f"homecomfort_useless_key_{hc_entry.entry_id}"
    )
    assert issue is not None
    assert issue.translation_key == "homecomfort_useless_key"
    assert issue.translation_placeholders is not None
    assert set(issue.translation_placeholders) == {"title", "expires", "current"}
    assert hc_entry.runtime_data.keys.last_error == "useless_key"
    assert "a key that is of no use" in caplog.text
    # The next refresh renews properly; the issue goes.
    await refresh(hass, hc_entry)
    new = hc_entry.data[CONF_API_KEY]
    assert new != old
    assert days_left(hc_sim, new) > dt.timedelta(days=180)
    assert (
        issue_registry.async_get_issue(
            DOMAIN, f"homecomfort_useless_key_{hc_entry.entry_id}"
        )
        is None
    )
