"""Host names: the eBike cloud is reached by name, as Bosch's hosts are.

At the test boundary Bosch's addresses name the simulator at ``localhost``;
its certificate names ``localhost``, checked as for the real Bosch hosts.
"""

from __future__ import annotations

from typing import Any

from homeassistant import config_entries
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
import pytest

from custom_components.bosch_connect.const import DOMAIN
from simulator.ebike import EbikeCloud, EbikeSettings

pytestmark = pytest.mark.usefixtures("host_names")


@pytest.fixture
def ebike_settings() -> EbikeSettings:
    return EbikeSettings(auto_send=False)


async def test_add_with_host_names(
    hass: HomeAssistant, ha_url: str, ebike_sim: EbikeCloud
) -> None:
    assert ebike_sim.token_url.startswith("https://localhost:")
    assert ebike_sim.api_url.startswith("https://localhost:")
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": config_entries.SOURCE_USER}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "ebike"}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {
            "client_id": ebike_sim.client_id,
            "client_secret": ebike_sim.client_secret,
            "replace_subscriptions": False,
        },
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    assert result["result"].state is config_entries.ConfigEntryState.LOADED
    assert len(ebike_sim.webhooks) == 1


async def test_reconfigure_with_host_names(
    hass: HomeAssistant, ebike_entry: Any, ebike_sim: EbikeCloud
) -> None:
    result = await ebike_entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {"replace_subscriptions": False},
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    await hass.async_block_till_done()
    assert ebike_entry.state is config_entries.ConfigEntryState.LOADED
