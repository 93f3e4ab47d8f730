"""The Bosma config flow against the simulated Bosma cloud."""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import SOURCE_USER, ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.bosch_connect.const import CONF_SERVICE, DOMAIN
from simulator.bosma import BosmaCloud
from simulator.bosma.service import DEMO_CORP, DEMO_OPENID, DEMO_SECRET
from simulator.faults import Fault

from .conftest import form_input


async def _open_form(hass: HomeAssistant) -> str:
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    assert result["type"] is FlowResultType.MENU
    assert "bosma" in result["menu_options"]
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "bosma"}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "bosma"
    assert result["errors"] == {}
    return str(result["flow_id"])


async def test_add_entry(hass: HomeAssistant, bosma_cloud: BosmaCloud) -> None:
    flow_id = await _open_form(hass)
    result = await hass.config_entries.flow.async_configure(
        flow_id, form_input(bosma_cloud, base_url=bosma_cloud.base_url + "/")
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == f"Bosma {DEMO_CORP}"
    assert result["data"] == {
        CONF_SERVICE: "bosma",
        **form_input(bosma_cloud),
    }
    assert result["result"].unique_id == f"{DEMO_CORP}_{DEMO_OPENID}"
    await hass.async_block_till_done()
    assert result["result"].state is ConfigEntryState.LOADED
    # The check applied for one ticket, the set-up for another.
    assert len(bosma_cloud.tickets) == 2


@pytest.mark.parametrize(
    "case",
    [
        (None, {"base_url": "http://bosma.example/x"}, "bosma_invalid_url", None),
        (None, {"openid": " "}, "bosma_missing_parameter", ("message", "openid")),
        ("skew", {}, "bosma_timestamp_rejected", ("skew", "+600")),
        (None, {"api_secret": "wrong"}, "bosma_signature_rejected", None),
        ("answer", {}, "bosma_server_error", ("code", "500")),
        ("fault", {}, "bosma_cannot_connect", None),
    ],
)
async def test_errors_then_success(
    hass: HomeAssistant,
    bosma_cloud: BosmaCloud,
    case: tuple[str | None, dict[str, Any], str, tuple[str, str] | None],
) -> None:
    prepare, changes, error, placeholder = case
    if prepare == "skew":
        bosma_cloud.skew = 600
    elif prepare == "answer":
        bosma_cloud.forced_code, bosma_cloud.forced_count = 500, 1
    elif prepare == "fault":
        bosma_cloud.faults.set("/", Fault(status=502, count=1))
    flow_id = await _open_form(hass)
    result = await hass.config_entries.flow.async_configure(
        flow_id, form_input(bosma_cloud, **changes)
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": error}
    if placeholder is not None:
        key, value = placeholder
        shown = result["description_placeholders"][key]
        if key == "skew":  # measured over the network: a second either way
            assert abs(int(shown) - int(value)) <= 2
        else:
            assert value in shown
    bosma_cloud.skew = 0
    result = await hass.config_entries.flow.async_configure(
        flow_id, form_input(bosma_cloud)
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_already_configured(
    hass: HomeAssistant, bosma_cloud: BosmaCloud, bosma_entry: MockConfigEntry
) -> None:
    flow_id = await _open_form(hass)
    result = await hass.config_entries.flow.async_configure(
        flow_id, form_input(bosma_cloud)
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


async def test_reauth(
    hass: HomeAssistant, bosma_cloud: BosmaCloud, bosma_entry: MockConfigEntry
) -> None:
    result = await bosma_entry.start_reauth_flow(hass)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "bosma_reauth_confirm"
    assert result["description_placeholders"]["corp"] == DEMO_CORP
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"api_secret": "not the secret"}
    )
    assert result["errors"] == {"base": "bosma_signature_rejected"}
    # The company got a new secret at Bosma.
    bosma_cloud.companies[DEMO_CORP] = "f" * 32
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"api_secret": "f" * 32}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    await hass.async_block_till_done()
    assert bosma_entry.data["api_secret"] == "f" * 32


async def test_reconfigure(
    hass: HomeAssistant, bosma_cloud: BosmaCloud, bosma_entry: MockConfigEntry
) -> None:
    result = await bosma_entry.start_reconfigure_flow(hass)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "bosma_reconfigure"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], form_input(bosma_cloud, platform="ios", country="")
    )
    assert result["errors"] == {"base": "bosma_missing_parameter"}
    # The stored secret is never shown; leaving the field empty keeps it.
    assert DEMO_SECRET not in str(result["data_schema"].schema)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        form_input(bosma_cloud, platform="ios", country="AT", api_secret=" "),
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    await hass.async_block_till_done()
    assert bosma_entry.data["platform"] == "ios"
    assert bosma_entry.data["country"] == "AT"
    assert bosma_entry.data["api_secret"] == DEMO_SECRET
    assert bosma_cloud.tickets[-1].platform == 1


async def test_reconfigure_keeps_the_account(
    hass: HomeAssistant, bosma_cloud: BosmaCloud, bosma_entry: MockConfigEntry
) -> None:
    result = await bosma_entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], form_input(bosma_cloud, openid="someone-else")
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "bosma_wrong_account"
