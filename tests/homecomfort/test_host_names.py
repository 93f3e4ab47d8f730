"""A host name typed into the Home Comfort forms: the API domain says ``localhost``."""

from __future__ import annotations

from homeassistant.config_entries import SOURCE_USER, ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
import pytest

from custom_components.bosch_connect.const import DOMAIN
from custom_components.bosch_connect.homecomfort.const import (
    CONF_API_DOMAIN,
    CONF_API_KEY,
    CONF_USER_ID,
)
from simulator.homecomfort import HomeComfortService
from simulator.homecomfort.service import OTHER_USER_ID

from .conftest import make_entry, setup_entry

pytestmark = pytest.mark.usefixtures("host_names")


async def test_add_with_host_name(
    hass: HomeAssistant, hc_sim: HomeComfortService
) -> None:
    assert hc_sim.url.startswith("https://localhost:")
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "homecomfort"}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {
            CONF_API_DOMAIN: hc_sim.url,
            CONF_API_KEY: hc_sim.key,
            CONF_USER_ID: hc_sim.user_id,
        },
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"][CONF_API_DOMAIN] == hc_sim.url
    await hass.async_block_till_done()
    assert result["result"].state is ConfigEntryState.LOADED


async def test_reconfigure_to_host_name(
    hass: HomeAssistant, hc_sim: HomeComfortService
) -> None:
    by_address = hc_sim.url.replace("localhost", "127.0.0.1")
    entry = await setup_entry(hass, make_entry(hc_sim, **{CONF_API_DOMAIN: by_address}))
    result = await entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_API_DOMAIN: hc_sim.url, CONF_USER_ID: OTHER_USER_ID}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    await hass.async_block_till_done()
    assert entry.data[CONF_API_DOMAIN] == hc_sim.url
    assert entry.state is ConfigEntryState.LOADED
