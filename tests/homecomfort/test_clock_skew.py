"""Clock skew between the Partner API and this machine, with the simulator's clock.

The simulator's clock offset sets the API's clock apart from this machine's:
its ``Date`` headers and the expiry it writes into the keys follow it. An
error that the simulator's fault injection answers comes from "a front end"
whose ``Date`` is this machine's real time. The key's life is judged by the
API's clock (measured from the ``Date`` of its successful answers), so a skew
either way moves the renewal neither earlier nor later, and no clock ever
starts re-authentication: only a 401 does.
"""

from __future__ import annotations

import datetime as dt

from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntryState
from homeassistant.const import STATE_UNAVAILABLE, EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.bosch_connect.diagnostics import (
    async_get_config_entry_diagnostics,
)
from custom_components.bosch_connect.homecomfort.const import CONF_API_KEY
from custom_components.bosch_connect.homecomfort.keys import parse_api_key
from simulator.faults import Fault
from simulator.homecomfort import HomeComfortService

from .conftest import make_entry, refresh, set_api_clock, setup_entry, state

HC1 = "climate.home_comfort_101506113_heating_circuit_1"
SKEW = "sensor.home_comfort_partner_api_clock_skew"
DAY = 86400.0
HOUR = 3600.0
SKEWS = {
    "api_40_days_behind": -40 * DAY,
    "api_25_days_behind": -25 * DAY,
    "api_3_days_behind": -3 * DAY,
    "api_10_hours_behind": -10 * HOUR,
    "api_10_hours_ahead": 10 * HOUR,
    "api_3_days_ahead": 3 * DAY,
    "api_25_days_ahead": 25 * DAY,
    "api_40_days_ahead": 40 * DAY,
}


def issue_key(sim: HomeComfortService, left: float) -> str:
    """A key with ``left`` seconds to live by the API's clock."""
    return sim.issue_key(expires=sim.now() + dt.timedelta(seconds=left)).value


def reauth_flows(hass: HomeAssistant, entry: MockConfigEntry) -> list[object]:
    return list(entry.async_get_active_flows(hass, {SOURCE_REAUTH}))


@pytest.mark.parametrize(
    "skew",
    [SKEWS[name] for name in SKEWS if "25" in name or "10" in name],
    ids=[name for name in SKEWS if "25" in name or "10" in name],
)
async def test_a_skewed_clock_never_starts_reauth(
    hass: HomeAssistant, hc_sim: HomeComfortService, skew: float
) -> None:
    """The key is due; the refresh meets a front end's 503 with our Date.

    With the API behind, this machine's clock calls the key expired while the
    API still accepts it: no re-authentication, the key is renewed.
    """
    # At the API the key will have this left; by our clock (API behind) it
    # has then expired.
    left = min(5 * DAY, abs(skew) / 2)
    advance = 40 * DAY - left
    set_api_clock(hc_sim, skew - advance)
    key = issue_key(hc_sim, 40 * DAY)
    entry = await setup_entry(hass, make_entry(hc_sim, **{CONF_API_KEY: key}))
    assert entry.state is ConfigEntryState.LOADED
    assert hc_sim.faults.requests("/api-keys", "POST") == []
    hc_sim.clock.advance(advance)  # time passes at the API: the key is due

    hc_sim.faults.set("/contracts", Fault(status=503, count=1))
    await refresh(hass, entry)
    assert reauth_flows(hass, entry) == []
    assert entry.state is ConfigEntryState.LOADED
    await refresh(hass, entry)
    assert reauth_flows(hass, entry) == []
    assert len(hc_sim.faults.requests("/api-keys", "POST")) == 1
    new = entry.data[CONF_API_KEY]
    assert new != key
    assert parse_api_key(new).key_id in {k.key_id for k in hc_sim.valid_keys()}
    assert state(hass, HC1) != STATE_UNAVAILABLE


@pytest.mark.parametrize("skew", list(SKEWS.values()), ids=list(SKEWS))
@pytest.mark.parametrize(
    ("left", "renews"),
    [(30 * DAY + HOUR, False), (30 * DAY - HOUR, True)],
    ids=["an_hour_before_the_threshold", "an_hour_after_the_threshold"],
)
async def test_a_skewed_clock_moves_the_renewal_neither_earlier_nor_later(
    hass: HomeAssistant,
    hc_sim: HomeComfortService,
    skew: float,
    left: float,
    renews: bool,
) -> None:
    """Renewal ``renew_days`` (30) before the key's own expiry, by the API's clock."""
    set_api_clock(hc_sim, skew)
    key = issue_key(hc_sim, left)
    entry = await setup_entry(hass, make_entry(hc_sim, **{CONF_API_KEY: key}))
    await refresh(hass, entry)
    assert entry.state is ConfigEntryState.LOADED
    assert reauth_flows(hass, entry) == []
    assert len(hc_sim.faults.requests("/api-keys", "POST")) == int(renews)
    assert (entry.data[CONF_API_KEY] != key) is renews
    assert state(hass, HC1) != STATE_UNAVAILABLE


async def test_clock_skew_sensor_and_diagnostics(
    hass: HomeAssistant,
    hc_sim: HomeComfortService,
    entity_registry: er.EntityRegistry,
) -> None:
    """Measured from the Date of successful answers; disabled by default."""
    skew = 2 * HOUR + 30
    set_api_clock(hc_sim, skew)
    entry = await setup_entry(hass, make_entry(hc_sim))
    registered = entity_registry.async_get(SKEW)
    assert registered is not None
    assert registered.disabled_by is er.RegistryEntryDisabler.INTEGRATION
    assert registered.entity_category is EntityCategory.DIAGNOSTIC
    assert registered.unique_id == f"homecomfort-{entry.entry_id}-clock_skew"
    assert hass.states.get(SKEW) is None

    entity_registry.async_update_entity(SKEW, disabled_by=None)
    assert await hass.config_entries.async_reload(entry.entry_id)
    await hass.async_block_till_done()
    shown = hass.states.get(SKEW)
    assert shown is not None
    assert abs(float(shown.state) - skew) <= 2
    assert shown.attributes["unit_of_measurement"] == "s"
    diagnostics = await async_get_config_entry_diagnostics(hass, entry)
    assert abs(diagnostics["clock"]["skew_s"] - skew) <= 2
    assert diagnostics["clock"]["measured_at"] is not None

    # An error answered by a front end with its own clock does not count.
    hc_sim.faults.set("/contracts", Fault(status=503, count=1))
    await refresh(hass, entry)
    diagnostics = await async_get_config_entry_diagnostics(hass, entry)
    assert abs(diagnostics["clock"]["skew_s"] - skew) <= 2
    # The API's clock moves: so does the measurement.
    hc_sim.clock.advance(-3 * DAY)
    await refresh(hass, entry)
    assert abs(float(state(hass, SKEW)) - (skew - 3 * DAY)) <= 2


async def test_a_renewed_key_that_only_our_clock_calls_expired_is_kept(
    hass: HomeAssistant, hc_sim: HomeComfortService
) -> None:
    """The API is 10 days behind: its new key, valid 6 days by its clock, is good.

    (By this machine's clock it expired 4 days ago; the API decides.)
    """
    set_api_clock(hc_sim, -10 * DAY)
    key = issue_key(hc_sim, 5 * DAY)
    entry = await setup_entry(hass, make_entry(hc_sim, **{CONF_API_KEY: key}))
    hc_sim.next_key_expires = hc_sim.now() + dt.timedelta(days=6)
    await refresh(hass, entry)
    new = entry.data[CONF_API_KEY]
    assert new != key
    assert entry.runtime_data.keys.last_error is None
    assert parse_api_key(new).key_id in {k.key_id for k in hc_sim.valid_keys()}
    assert reauth_flows(hass, entry) == []
