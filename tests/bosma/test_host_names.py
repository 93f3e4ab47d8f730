"""A host name typed into the Bosma forms: the simulator's URL says ``localhost``."""

from __future__ import annotations

from homeassistant.config_entries import (
    SOURCE_RECONFIGURE,
    SOURCE_USER,
    ConfigEntryState,
)
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
import pytest

from custom_components.bosch_connect.const import DOMAIN
from simulator.bosma import BosmaCloud

from .conftest import form_input

pytestmark = pytest.mark.usefixtures("host_names")


async def test_add_and_reconfigure_with_host_name(
    hass: HomeAssistant, bosma_cloud: BosmaCloud
) -> None:
    assert bosma_cloud.base_url.startswith("https://localhost:")
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "bosma"}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], form_input(bosma_cloud)
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    entry = result["result"]
    assert entry.data["base_url"] == bosma_cloud.base_url
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED

    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_RECONFIGURE, "entry_id": entry.entry_id}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], form_input(bosma_cloud, country="AT")
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    await hass.async_block_till_done()
    assert entry.data["country"] == "AT"
    assert entry.state is ConfigEntryState.LOADED
