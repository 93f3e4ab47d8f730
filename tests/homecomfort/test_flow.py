"""The Home Comfort config flow: every path and error, against the simulator."""

from __future__ import annotations

import datetime as dt
from typing import Any

from homeassistant.config_entries import SOURCE_USER, ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.bosch_connect.const import CONF_SERVICE, DOMAIN
from custom_components.bosch_connect.homecomfort.const import (
    CONF_API_DOMAIN,
    CONF_API_KEY,
    CONF_KEY_ENTERED_AT,
    CONF_USER_ID,
)
from simulator.faults import Fault
from simulator.homecomfort import HomeComfortService
from simulator.homecomfort.service import OTHER_USER_ID

from .conftest import make_entry, set_api_clock, setup_entry


async def _form(hass: HomeAssistant) -> str:
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    assert result["type"] is FlowResultType.MENU
    assert "homecomfort" in result["menu_options"]
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "homecomfort"}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "homecomfort"
    return str(result["flow_id"])


def _answers(sim: HomeComfortService, **changes: str) -> dict[str, str]:
    return {
        CONF_API_DOMAIN: sim.url,
        CONF_API_KEY: sim.key,
        CONF_USER_ID: sim.user_id,
        **changes,
    }


async def test_add_account(hass: HomeAssistant, hc_sim: HomeComfortService) -> None:
    flow_id = await _form(hass)
    result = await hass.config_entries.flow.async_configure(
        flow_id, _answers(hc_sim, **{CONF_API_KEY: f"  {hc_sim.key}\n"})
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == f"Home Comfort Partner API {hc_sim.company_id}"
    data = result["data"]
    assert data[CONF_SERVICE] == "homecomfort"
    assert data[CONF_API_KEY] == hc_sim.key
    assert data[CONF_API_DOMAIN] == hc_sim.url
    assert data[CONF_USER_ID] == hc_sim.user_id
    assert CONF_KEY_ENTERED_AT in data
    entry = result["result"]
    assert entry.unique_id == f"{hc_sim.company_id}_{hc_sim.user_id}"
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    # The same company and user again: refused.
    flow_id = await _form(hass)
    result = await hass.config_entries.flow.async_configure(flow_id, _answers(hc_sim))
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


@pytest.mark.parametrize(
    ("changes", "field", "error"),
    [
        (
            {CONF_API_DOMAIN: "http://api.example.com"},
            CONF_API_DOMAIN,
            "homecomfort_https_required",
        ),
        (
            {CONF_API_DOMAIN: "ftp://api.example.com"},
            CONF_API_DOMAIN,
            "homecomfort_invalid_domain",
        ),
        ({CONF_API_KEY: "Bearer abc"}, CONF_API_KEY, "homecomfort_key_malformed"),
        (
            {CONF_API_KEY: "xHCSAPI.k1.20200101T000000Z.secret"},
            CONF_API_KEY,
            "homecomfort_key_expired",
        ),
        (
            {CONF_API_KEY: "xHCSAPI.k1.20990101T000000Z.secret"},
            CONF_API_KEY,
            "homecomfort_key_rejected",
        ),
        ({CONF_USER_ID: "nobody"}, CONF_USER_ID, "homecomfort_user_not_found"),
    ],
)
async def test_answer_errors(
    hass: HomeAssistant,
    hc_sim: HomeComfortService,
    changes: dict[str, str],
    field: str,
    error: str,
) -> None:
    flow_id = await _form(hass)
    result = await hass.config_entries.flow.async_configure(
        flow_id, _answers(hc_sim, **changes)
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {field: error}
    # The answers are offered back, except the key.
    schema = result["data_schema"]
    assert schema is not None
    suggested = {
        str(marker): (marker.description or {}).get("suggested_value")
        for marker in schema.schema
    }
    assert suggested[CONF_API_KEY] is None
    assert suggested[CONF_USER_ID] == _answers(hc_sim, **changes)[CONF_USER_ID]
    # Fixed answers go through.
    result = await hass.config_entries.flow.async_configure(flow_id, _answers(hc_sim))
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_ip_not_on_allow_list(
    hass: HomeAssistant, hc_sim: HomeComfortService
) -> None:
    hc_sim.allow_list = {"192.0.2.10"}
    flow_id = await _form(hass)
    result = await hass.config_entries.flow.async_configure(flow_id, _answers(hc_sim))
    assert result["errors"] == {"base": "homecomfort_ip_not_allowed"}


@pytest.mark.parametrize(
    ("fault", "error"),
    [
        (Fault(status=503), "homecomfort_cannot_connect"),
        (Fault(status=418), "homecomfort_unexpected_response"),
    ],
)
async def test_api_faults(
    hass: HomeAssistant, hc_sim: HomeComfortService, fault: Fault, error: str
) -> None:
    hc_sim.faults.set("/contracts", fault)
    flow_id = await _form(hass)
    result = await hass.config_entries.flow.async_configure(flow_id, _answers(hc_sim))
    assert result["errors"] == {"base": error}


async def test_rate_limited(hass: HomeAssistant, hc_sim: HomeComfortService) -> None:
    hc_sim.inject_rate_limit(1, 30)
    flow_id = await _form(hass)
    result = await hass.config_entries.flow.async_configure(flow_id, _answers(hc_sim))
    assert result["errors"] == {"base": "homecomfort_rate_limited"}


async def test_reauth(hass: HomeAssistant, hc_sim: HomeComfortService) -> None:
    entry = await setup_entry(hass, make_entry(hc_sim))
    new_key = hc_sim.issue_key().value
    result = await entry.start_reauth_flow(hass)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "homecomfort_reauth_confirm"
    assert result["description_placeholders"]["api_domain"] == hc_sim.url
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_API_KEY: "nonsense"}
    )
    assert result["errors"] == {CONF_API_KEY: "homecomfort_key_malformed"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_API_KEY: new_key}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    assert entry.data[CONF_API_KEY] == new_key
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED


async def test_reauth_with_a_key_of_another_company(
    hass: HomeAssistant, hc_sim: HomeComfortService
) -> None:
    entry = await setup_entry(hass, make_entry(hc_sim))
    hass.config_entries.async_update_entry(entry, unique_id=f"other_{hc_sim.user_id}")
    result = await entry.start_reauth_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_API_KEY: hc_sim.key}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "homecomfort_wrong_account"


async def test_reauth_error_of_a_field_not_shown(
    hass: HomeAssistant, hc_sim: HomeComfortService
) -> None:
    entry = await setup_entry(hass, make_entry(hc_sim))
    hc_sim.allow_list = set()
    result = await entry.start_reauth_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_API_KEY: hc_sim.key}
    )
    assert result["errors"] == {"base": "homecomfort_ip_not_allowed"}


async def test_reconfigure(hass: HomeAssistant, hc_sim: HomeComfortService) -> None:
    entry = await setup_entry(hass, make_entry(hc_sim))
    result = await entry.start_reconfigure_flow(hass)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "homecomfort_reconfigure"
    # Unknown user, then a domain without https: errors at their fields.
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_API_DOMAIN: hc_sim.url, CONF_USER_ID: "nobody"}
    )
    assert result["errors"] == {CONF_USER_ID: "homecomfort_user_not_found"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {CONF_API_DOMAIN: "http://api.example.com", CONF_USER_ID: OTHER_USER_ID},
    )
    assert result["errors"] == {CONF_API_DOMAIN: "homecomfort_https_required"}
    # The other user of the same company: a new unique id.
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {CONF_API_DOMAIN: hc_sim.url + "/", CONF_USER_ID: OTHER_USER_ID},
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert entry.data[CONF_USER_ID] == OTHER_USER_ID
    assert entry.data[CONF_API_DOMAIN] == hc_sim.url
    assert entry.unique_id == f"{hc_sim.company_id}_{OTHER_USER_ID}"


async def test_reconfigure_onto_another_entry(
    hass: HomeAssistant, hc_sim: HomeComfortService
) -> None:
    entry = await setup_entry(hass, make_entry(hc_sim))
    other = MockConfigEntry(
        domain=DOMAIN,
        unique_id=f"{hc_sim.company_id}_{OTHER_USER_ID}",
        data={CONF_SERVICE: "homecomfort"},
    )
    other.add_to_hass(hass)
    result = await entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_API_DOMAIN: hc_sim.url, CONF_USER_ID: OTHER_USER_ID}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


async def test_reconfigure_with_an_expired_stored_key(
    hass: HomeAssistant, hc_sim: HomeComfortService
) -> None:
    """An error about the stored key shows at the form, not at a hidden field."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        unique_id="x",
        data={
            CONF_SERVICE: "homecomfort",
            CONF_API_DOMAIN: hc_sim.url,
            CONF_API_KEY: "xHCSAPI.k1.20200101T000000Z.secret",
            CONF_USER_ID: hc_sim.user_id,
        },
    )
    entry.add_to_hass(hass)
    result = await entry.start_reconfigure_flow(hass)
    answers: dict[str, Any] = {
        CONF_API_DOMAIN: hc_sim.url,
        CONF_USER_ID: hc_sim.user_id,
    }
    result = await hass.config_entries.flow.async_configure(result["flow_id"], answers)
    assert result["errors"] == {"base": "homecomfort_key_expired"}


async def test_a_key_that_only_this_machines_clock_calls_expired_is_taken(
    hass: HomeAssistant, hc_sim: HomeComfortService
) -> None:
    """The API's clock is 20 days behind ours; the key has 5 days left there.

    The API accepts it, so the flow does too (and records when it was entered
    by the API's clock); the renewal then follows at once.
    """
    set_api_clock(hc_sim, -20 * 86400)
    key = hc_sim.issue_key(expires=hc_sim.now() + dt.timedelta(days=5)).value
    flow_id = await _form(hass)
    result = await hass.config_entries.flow.async_configure(
        flow_id, _answers(hc_sim, **{CONF_API_KEY: key})
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    entered = dt.datetime.fromisoformat(result["data"][CONF_KEY_ENTERED_AT])
    assert abs((entered - hc_sim.now()).total_seconds()) < 5
    entry = result["result"]
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    assert entry.data[CONF_API_KEY] != key  # renewed: 5 days left
