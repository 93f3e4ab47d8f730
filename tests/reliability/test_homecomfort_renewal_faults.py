"""Home Comfort: faults at every step of the API key renewal, and restarts.

A renewal is ``POST /api-keys`` (with the old key), storing the new key in
the config entry (with the old key and its id), using it, and on a later
refresh - once a request with the new key has succeeded and the entry has
been read back from Home Assistant's storage - ``DELETE /api-keys/{old}``
(with the new key). Each case below breaks one step - the POST fails before
or after Bosch created the key, the store fails (``async_update_entry``
raises, or Home Assistant cannot write its storage) or Home Assistant stops
around it, Bosch refuses the new key, the DELETE fails before or after Bosch
deleted the key, the entry cannot forget the deleted key - then checks,
against the simulator's real key table:

* the entry holds a key that works (a real request with it succeeds) and it
  is the key the integration sends;
* the number of keys at Bosch is exactly what the sequence explains (a key
  created whose answer was lost stays behind as an orphan until it expires;
  nothing else);
* Home Assistant restarted in the middle (unload, the final write or a
  crash before it, set-up again from what is on disk) comes back with the
  stored key and the same entity states, and finishes the renewal.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, NoReturn
from unittest.mock import patch

import aiohttp
from homeassistant.config_entries import (
    SOURCE_REAUTH,
    STORAGE_KEY as ENTRIES_STORAGE_KEY,
    ConfigEntryState,
    UnknownEntry,
)
from homeassistant.const import EVENT_HOMEASSISTANT_FINAL_WRITE
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er, storage
from homeassistant.util.file import WriteError
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.bosch_connect.homecomfort.api import HomeComfortClient
from custom_components.bosch_connect.homecomfort.const import (
    CONF_API_KEY,
    CONF_PENDING_KEY_DELETION,
    CONF_PREVIOUS_API_KEY,
)
from custom_components.bosch_connect.homecomfort.keys import parse_api_key
from custom_components.bosch_connect.homecomfort.renewal import WRITE_GRACE
from simulator.faults import Fault
from simulator.homecomfort import HomeComfortService, create
from simulator.options import Options
from tests.conftest import sim_session
from tests.homecomfort.conftest import let_home_assistant_write, make_entry

EXPIRES = "sensor.home_comfort_partner_api_api_key_expires"
CLIENT_TIMEOUT = 0.2  # seconds; the simulator answers a "slow" request after:
SLOW = 0.5
HARNESS = "pytest_homeassistant_custom_component"
RENEW = "renew"  # the fault hits the renewal (POST, store)
DELETE = "delete"  # the fault hits the deletion of the replaced key


@dataclass(frozen=True, slots=True)
class Case:
    """One fault, and the key counts at Bosch that it explains."""

    phase: str
    inject: Callable[..., Awaitable[None]]
    after_fault: int  # valid keys at Bosch right after the faulty refresh
    after_restart: int  # ... after Home Assistant restarted (set-up refreshes once)
    final: int  # ... after one more refresh
    posts: int  # POST /api-keys in all
    crash: bool = False  # the restart loses what was not written yet


async def wait_for(condition: Callable[[], bool], what: str) -> None:
    """Wait (bounded) for the simulator to finish a request the client gave up on."""
    for _ in range(100):
        if condition():
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


async def refresh(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    await entry.runtime_data.coordinator.async_refresh()
    await hass.async_block_till_done()


def stop_home_assistant_here() -> NoReturn:
    """Cancel the running refresh at this point, as a stopping Home Assistant does.

    A real cancellation (the task is cancelled): Home Assistant's coordinator
    lets that through, while it swallows a bare ``CancelledError`` raised by
    the code it runs.
    """
    task = asyncio.current_task()
    assert task is not None
    task.cancel()
    raise asyncio.CancelledError


async def refresh_stopped(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    """A refresh in its own task, which a fault cancels part way."""
    task = hass.async_create_task(entry.runtime_data.coordinator.async_refresh())
    with pytest.raises(asyncio.CancelledError):
        await task
    assert task.cancelled()


def new_key_stored(kwargs: dict[str, Any], old: str) -> bool:
    data = kwargs.get("data")
    return data is not None and data[CONF_API_KEY] != old


@contextmanager
def entries_unwritable() -> Iterator[None]:
    """Home Assistant cannot write its config entries (disk full, read-only).

    Its store logs the error and drops the pending write, as in production.
    """
    write = storage.Store._async_write_data  # the hass_storage mock

    async def failing(store: storage.Store[Any], data: dict[str, Any]) -> None:
        if store.key == ENTRIES_STORAGE_KEY:
            raise WriteError("No space left on device")
        await write(store, data)

    with patch.object(storage.Store, "_async_write_data", failing):
        yield


def write_grace_passes(entry: MockConfigEntry) -> None:
    """Home Assistant's (monotonic) time moves past the write grace."""
    keys = entry.runtime_data.keys
    assert keys.stored_at is not None
    keys.stored_at -= 2 * WRITE_GRACE.total_seconds()


# --------------------------------------------------------------- the faults
async def post_fails(
    hass: HomeAssistant, entry: MockConfigEntry, sim: HomeComfortService
) -> None:
    """POST /api-keys answered 503: no key created."""
    sim.faults.set("/api-keys", Fault(status=503, count=1))
    await refresh(hass, entry)


async def post_dropped(
    hass: HomeAssistant, entry: MockConfigEntry, sim: HomeComfortService
) -> None:
    """The connection drops before Bosch handles the POST: no key created."""
    sim.faults.set("/api-keys", Fault(drop=True, count=1))
    await refresh(hass, entry)


async def post_times_out(
    hass: HomeAssistant, entry: MockConfigEntry, sim: HomeComfortService
) -> None:
    """The client gives up; Bosch creates the key afterwards (an orphan)."""
    entry.runtime_data.client.timeout = aiohttp.ClientTimeout(total=CLIENT_TIMEOUT)
    sim.faults.set("/api-keys", Fault(latency=SLOW, count=1))
    await refresh(hass, entry)
    await wait_for(lambda: len(sim.keys) == 2, "the late key")


async def post_answer_lost(
    hass: HomeAssistant, entry: MockConfigEntry, sim: HomeComfortService
) -> None:
    """Bosch created the key, the answer never arrives (an orphan)."""
    sim.lose_answers("POST", "/api-keys")
    await refresh(hass, entry)


async def post_answer_garbled(
    hass: HomeAssistant, entry: MockConfigEntry, sim: HomeComfortService
) -> None:
    """Bosch created the key but answers with no usable key: it is withdrawn."""
    sim.garbled_key_answer = "xHCSAPI garbled"
    await refresh(hass, entry)


async def stop_during_post(
    hass: HomeAssistant, entry: MockConfigEntry, sim: HomeComfortService
) -> None:
    """Home Assistant stops (the refresh is cancelled) while the POST is open."""
    sim.faults.set("/api-keys", Fault(latency=SLOW, count=1))
    task = hass.async_create_task(entry.runtime_data.coordinator.async_refresh())
    await wait_for(lambda: bool(sim.faults.requests("/api-keys", "POST")), "the POST")
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await wait_for(lambda: len(sim.keys) == 2, "the late key")


async def store_refused(
    hass: HomeAssistant, entry: MockConfigEntry, sim: HomeComfortService
) -> None:
    """The entry update fails: the new key is withdrawn, the old one kept."""
    old = entry.data[CONF_API_KEY]
    original = hass.config_entries.async_update_entry

    def refuse(target: Any, **kwargs: Any) -> bool:
        if new_key_stored(kwargs, old):
            raise UnknownEntry(target.entry_id)
        return original(target, **kwargs)

    with patch.object(hass.config_entries, "async_update_entry", refuse):
        await refresh(hass, entry)


async def stop_before_store(
    hass: HomeAssistant, entry: MockConfigEntry, sim: HomeComfortService
) -> None:
    """Home Assistant stops between the POST and the store (an orphan)."""
    old = entry.data[CONF_API_KEY]
    original = hass.config_entries.async_update_entry

    def stopping(target: Any, **kwargs: Any) -> bool:
        if new_key_stored(kwargs, old):
            stop_home_assistant_here()
        return original(target, **kwargs)

    with patch.object(hass.config_entries, "async_update_entry", stopping):
        await refresh_stopped(hass, entry)


async def store_write_fails(
    hass: HomeAssistant, entry: MockConfigEntry, sim: HomeComfortService
) -> None:
    """The entry with the new key is never written: back to the old key.

    The new key works, but it is not on disk when the write grace has passed:
    the entry takes the old key again (the one on disk, never deleted), the
    new key is withdrawn, and the renewal is retried later.
    """
    old = entry.data[CONF_API_KEY]
    with entries_unwritable():
        await refresh(hass, entry)  # renewed, in memory
        new = entry.data[CONF_API_KEY]
        assert new != old
        await let_home_assistant_write(hass)  # fails
        await refresh(hass, entry)  # not on disk, within the grace: wait
        assert entry.data[CONF_API_KEY] == new
        assert sim.faults.requests("/api-keys/", "DELETE") == []
        write_grace_passes(entry)
        await refresh(hass, entry)
    assert entry.data[CONF_API_KEY] == old
    # Only the new key was deleted (withdrawn), and with the old one.
    [withdrawn] = sim.faults.requests("/api-keys/", "DELETE")
    assert withdrawn.path == f"/api-keys/{parse_api_key(new).key_id}"
    assert withdrawn.headers["x-api-key"] == old
    assert len(sim.faults.requests("/api-keys", "POST")) == 1  # retried later


async def store_write_fails_then_crash(
    hass: HomeAssistant, entry: MockConfigEntry, sim: HomeComfortService
) -> None:
    """The write of the new key fails; later refreshes; then a crash.

    However much time the API's clock says has passed, the old key is not
    deleted while the entry with the new key is not on disk: the restart
    finds the old key, and it works.
    """
    with entries_unwritable():
        await refresh(hass, entry)  # renewed, in memory
        await let_home_assistant_write(hass)  # fails
        sim.clock.advance(2 * WRITE_GRACE.total_seconds())
        await refresh(hass, entry)
        await refresh(hass, entry)
    assert sim.faults.requests("/api-keys/", "DELETE") == []


async def new_key_refused(
    hass: HomeAssistant, entry: MockConfigEntry, sim: HomeComfortService
) -> None:
    """Bosch refuses the new key (401) after the renewal: the old one again.

    The old key was kept in the entry and never deleted: it is used again,
    the new key is withdrawn, no re-authentication.
    """
    old = entry.data[CONF_API_KEY]
    await refresh(hass, entry)
    new = entry.data[CONF_API_KEY]
    assert new != old
    del sim.keys[str(parse_api_key(new).key_id)]
    await refresh(hass, entry)
    assert entry.data[CONF_API_KEY] == old
    assert entry.runtime_data.coordinator.last_update_success
    assert not list(entry.async_get_active_flows(hass, {SOURCE_REAUTH}))


async def crash_before_write(
    hass: HomeAssistant, entry: MockConfigEntry, sim: HomeComfortService
) -> None:
    """The renewal succeeds; power fails before the entry reaches the disk."""
    await refresh(hass, entry)


async def refresh_then_crash(
    hass: HomeAssistant, entry: MockConfigEntry, sim: HomeComfortService
) -> None:
    """A renewal, a forced refresh within the same second, then a crash.

    The entry with the new key may not have reached the disk: the old key
    must not be deleted yet (``WRITE_GRACE``), or the restart would find a
    deleted key.
    """
    await refresh(hass, entry)
    await refresh(hass, entry)
    assert sim.faults.requests("/api-keys/", "DELETE") == []


async def forget_refused(
    hass: HomeAssistant, entry: MockConfigEntry, sim: HomeComfortService
) -> None:
    """The entry cannot forget the deleted key (``async_update_entry`` raises)."""
    original = hass.config_entries.async_update_entry

    def refuse(target: Any, **kwargs: Any) -> bool:
        data = kwargs.get("data")
        if data is not None and CONF_PENDING_KEY_DELETION not in data:
            raise UnknownEntry(target.entry_id)
        return original(target, **kwargs)

    with patch.object(hass.config_entries, "async_update_entry", refuse):
        await refresh(hass, entry)
    assert entry.runtime_data.coordinator.last_update_success


async def forget_write_fails(
    hass: HomeAssistant, entry: MockConfigEntry, sim: HomeComfortService
) -> None:
    """The entry that forgot the deleted key is never written; a crash."""
    with entries_unwritable():
        await refresh(hass, entry)
        await let_home_assistant_write(hass)  # fails
    assert CONF_PENDING_KEY_DELETION not in entry.data  # in memory only


async def delete_fails(
    hass: HomeAssistant, entry: MockConfigEntry, sim: HomeComfortService
) -> None:
    """DELETE answered 503: the old key stays, the deletion is retried."""
    sim.faults.set("/api-keys/", Fault(status=503, count=1))
    await refresh(hass, entry)


async def delete_dropped(
    hass: HomeAssistant, entry: MockConfigEntry, sim: HomeComfortService
) -> None:
    """The connection drops before Bosch handles the DELETE."""
    # aiohttp resends an idempotent request once when a reused connection
    # drops; drop that attempt too.
    sim.faults.set("/api-keys/", Fault(drop=True, count=2))
    await refresh(hass, entry)


async def delete_times_out(
    hass: HomeAssistant, entry: MockConfigEntry, sim: HomeComfortService
) -> None:
    """The client gives up; Bosch deletes the old key afterwards."""
    entry.runtime_data.client.timeout = aiohttp.ClientTimeout(total=CLIENT_TIMEOUT)
    sim.faults.set("/api-keys/", Fault(latency=SLOW, count=1))
    await refresh(hass, entry)
    await wait_for(lambda: len(sim.keys) == 1, "the late deletion")


async def delete_answer_lost(
    hass: HomeAssistant, entry: MockConfigEntry, sim: HomeComfortService
) -> None:
    """Bosch deleted the old key; the answer never arrives."""
    sim.lose_answers("DELETE", "/api-keys/")
    await refresh(hass, entry)


async def stop_after_delete(
    hass: HomeAssistant, entry: MockConfigEntry, sim: HomeComfortService
) -> None:
    """Home Assistant stops after the DELETE, before the entry forgets it."""
    original = hass.config_entries.async_update_entry

    def stopping(target: Any, **kwargs: Any) -> bool:
        data = kwargs.get("data")
        if data is not None and CONF_PENDING_KEY_DELETION not in data:
            stop_home_assistant_here()
        return original(target, **kwargs)

    with patch.object(hass.config_entries, "async_update_entry", stopping):
        await refresh_stopped(hass, entry)


CASES = {
    # The set-up after the restart renews (the key is due) and the next
    # refresh deletes the key it replaced.
    "post_5xx": Case(RENEW, post_fails, 1, 2, 1, posts=2),
    "post_dropped": Case(RENEW, post_dropped, 1, 2, 1, posts=2),
    "post_timeout": Case(RENEW, post_times_out, 2, 3, 2, posts=2),
    "post_answer_lost": Case(RENEW, post_answer_lost, 2, 3, 2, posts=2),
    "post_answer_garbled": Case(RENEW, post_answer_garbled, 1, 2, 1, posts=2),
    "stop_during_post": Case(RENEW, stop_during_post, 2, 3, 2, posts=2),
    "store_refused": Case(RENEW, store_refused, 1, 2, 1, posts=2),
    "stop_before_store": Case(RENEW, stop_before_store, 2, 3, 2, posts=2),
    # Home Assistant cannot write the entry with the new key: after the write
    # grace the old key (on disk, never deleted) is back, the new one withdrawn.
    "store_write_fails": Case(RENEW, store_write_fails, 1, 2, 1, posts=2),
    # ... and when it crashes before the grace, the disk still holds the old
    # key, never deleted; the lost new key is an orphan.
    "store_write_fails_then_crash": Case(
        RENEW, store_write_fails_then_crash, 2, 3, 2, posts=2, crash=True
    ),
    # Bosch refuses the new key: the old one (kept in the entry) is used again.
    "new_key_refused": Case(RENEW, new_key_refused, 1, 2, 1, posts=2),
    # Renewed in memory, not on disk: the restart finds the old key (still
    # valid, never deleted) and renews again; the lost new key is an orphan.
    "crash_before_write": Case(RENEW, crash_before_write, 2, 3, 2, posts=2, crash=True),
    "refresh_then_crash": Case(RENEW, refresh_then_crash, 2, 3, 2, posts=2, crash=True),
    # One clean renewal first (two keys); the fault hits the deletion.
    "delete_5xx": Case(DELETE, delete_fails, 2, 1, 1, posts=1),
    "delete_dropped": Case(DELETE, delete_dropped, 2, 1, 1, posts=1),
    "delete_timeout": Case(DELETE, delete_times_out, 1, 1, 1, posts=1),
    "delete_answer_lost": Case(DELETE, delete_answer_lost, 1, 1, 1, posts=1),
    "stop_after_delete": Case(DELETE, stop_after_delete, 1, 1, 1, posts=1),
    # The entry cannot forget the deleted key: it is deleted again (404) later.
    "forget_refused": Case(DELETE, forget_refused, 1, 1, 1, posts=1),
    "forget_write_fails": Case(
        DELETE, forget_write_fails, 1, 1, 1, posts=1, crash=True
    ),
}


# ------------------------------------------------------------------ checks
@pytest.fixture
async def hc_sim(
    sim_options: Options, socket_enabled: None
) -> AsyncGenerator[HomeComfortService]:
    """The Partner API simulator on loopback (plain http, ephemeral port)."""
    service = create(sim_options)
    await service.start()
    yield service
    await service.stop()


def move_to_days_left(sim: HomeComfortService, key: str, days: float) -> None:
    expires = parse_api_key(key).expires
    assert expires is not None
    sim.clock.advance((expires - sim.now()).total_seconds() - days * 86400)


async def assert_key_works(
    hass: HomeAssistant, entry: MockConfigEntry, sim: HomeComfortService
) -> None:
    """The stored key is the one in use, and Bosch accepts it."""
    key = entry.data[CONF_API_KEY]
    if entry.state is ConfigEntryState.LOADED:
        assert entry.runtime_data.client.api_key == key
    async with sim_session() as session:
        info = await HomeComfortClient(session, sim.url, key).key_info()
    assert info.key_id == parse_api_key(key).key_id


def stored_entry(storage: dict[str, Any], entry_id: str) -> dict[str, Any]:
    """The entry as written to ``.storage/core.config_entries``."""
    entries = storage["core.config_entries"]["data"]["entries"]
    return next(e for e in entries if e["entry_id"] == entry_id)


async def final_write(hass: HomeAssistant) -> None:
    """What Home Assistant does last when it stops: write delayed stores."""
    hass.bus.async_fire(EVENT_HOMEASSISTANT_FINAL_WRITE)
    await hass.async_block_till_done()


async def restart(
    hass: HomeAssistant,
    entry: MockConfigEntry,
    sim: HomeComfortService,
    storage: dict[str, Any],
    *,
    crash: bool,
) -> None:
    """Stop (cleanly, or by a crash before the write) and start from the disk."""
    assert await hass.config_entries.async_unload(entry.entry_id)
    await hass.async_block_till_done()
    if not crash:
        await final_write(hass)
    on_disk = stored_entry(storage, entry.entry_id)
    if crash:
        # What was only in memory is gone.
        hass.config_entries.async_update_entry(
            entry, data=on_disk["data"], options=on_disk["options"]
        )
    else:
        assert on_disk["data"] == dict(entry.data)
        assert on_disk["options"] == dict(entry.options)
    seen = len(sim.faults.log)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    # The set-up started with the key from the disk.
    first = sim.faults.log[seen]
    assert (first.method, first.path) == ("GET", "/api-keys/me")
    assert first.headers["x-api-key"] == on_disk["data"][CONF_API_KEY]


def entity_states(hass: HomeAssistant, entry: MockConfigEntry) -> dict[str, Any]:
    """State and attributes of the entry's enabled entities (not the key's expiry)."""
    registry = er.async_get(hass)
    found: dict[str, Any] = {}
    for reg in er.async_entries_for_config_entry(registry, entry.entry_id):
        if reg.entity_id == EXPIRES or reg.disabled:
            continue
        state = hass.states.get(reg.entity_id)
        assert state is not None
        found[reg.entity_id] = (state.state, dict(state.attributes))
    return found


@pytest.mark.parametrize("name", list(CASES))
async def test_fault_at_every_step_of_the_renewal(
    hass: HomeAssistant,
    hc_sim: HomeComfortService,
    hass_storage: dict[str, Any],
    caplog: pytest.LogCaptureFixture,
    name: str,
) -> None:
    case = CASES[name]
    entry = make_entry(hc_sim)
    await hass.config_entries.async_add(entry)  # added as a flow would: saved
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    first = entry.data[CONF_API_KEY]
    first_id = parse_api_key(first).key_id
    move_to_days_left(hc_sim, first, 10)
    if case.phase == DELETE:
        await refresh(hass, entry)  # a clean renewal: old and new key valid
        assert entry.data[CONF_PENDING_KEY_DELETION] == first_id
        assert len(hc_sim.keys) == 2
    await final_write(hass)  # on disk: the next refresh may delete
    states = entity_states(hass, entry)
    assert states

    await case.inject(hass, entry, hc_sim)
    hc_sim.faults.clear()
    await hass.async_block_till_done()
    await assert_key_works(hass, entry, hc_sim)
    assert len(hc_sim.valid_keys()) == case.after_fault

    await restart(hass, entry, hc_sim, hass_storage, crash=case.crash)
    await assert_key_works(hass, entry, hc_sim)
    assert len(hc_sim.valid_keys()) == case.after_restart
    assert entity_states(hass, entry) == states

    await let_home_assistant_write(hass)
    await refresh(hass, entry)
    await assert_key_works(hass, entry, hc_sim)
    assert len(hc_sim.valid_keys()) == case.final
    assert len(hc_sim.faults.requests("/api-keys", "POST")) == case.posts
    assert CONF_PENDING_KEY_DELETION not in entry.data
    assert CONF_PREVIOUS_API_KEY not in entry.data
    assert not list(entry.async_get_active_flows(hass, {SOURCE_REAUTH}))
    assert first_id not in hc_sim.keys  # the replaced key is gone in the end
    assert entry.data[CONF_API_KEY] != first
    # Every DELETE was sent with a key other than the one it deleted.
    for request in hc_sim.faults.requests("/api-keys/", "DELETE"):
        deleted = request.path.rsplit("/", 1)[1]
        assert parse_api_key(request.headers["x-api-key"]).key_id != deleted
    # No traceback, and no secret, in the log. (Not counting the test
    # harness's mock of Home Assistant's storage: it logs what it loads, and
    # the renewal reads the config entries back.)
    assert not [r for r in caplog.records if r.exc_info]
    text = "\n".join(
        r.getMessage() for r in caplog.records if not r.name.startswith(HARNESS)
    )
    assert "Home Comfort" in text
    for key in [first, *(k.value for k in hc_sim.keys.values())]:
        assert key.rsplit(".", 1)[1] not in text
