"""A host name typed into the gateway forms: ``localhost`` for the simulator.

The gateway's certificate names its device, not a host: the name typed in
must neither be checked against it nor stop the pairing.
"""

from __future__ import annotations

from homeassistant import config_entries
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.bosch_connect.const import DOMAIN
from simulator.gateway import GatewaySimulator
from simulator.gateway.tokens import DEMO_CLIENT_ID

pytestmark = pytest.mark.usefixtures("host_names")


async def test_manual_host_name(
    hass: HomeAssistant,
    gateway_sim: GatewaySimulator,
    gateway_credentials: dict[str, str],
) -> None:
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": config_entries.SOURCE_USER}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "gateway"}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "gateway_partner"}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {
            "host": "localhost",
            "api_port": gateway_sim.api_port,
            "auth_port": gateway_sim.auth_port,
        },
    )
    assert result["step_id"] == "gateway_credentials"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {
            "client_id": DEMO_CLIENT_ID,
            "client_name": "Home Assistant",
            **gateway_credentials,
        },
    )
    assert result["step_id"] == "gateway_proximity"
    gateway_sim.press()
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"]["host"] == "localhost"
    await hass.async_block_till_done()
    assert result["result"].state is config_entries.ConfigEntryState.LOADED


async def test_reconfigure_to_host_name(
    hass: HomeAssistant, gateway_sim: GatewaySimulator, gateway_entry: MockConfigEntry
) -> None:
    assert gateway_entry.data["host"] == "127.0.0.1"
    result = await gateway_entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {
            "host": "localhost",
            "api_port": gateway_sim.api_port,
            "auth_port": gateway_sim.auth_port,
        },
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    await hass.async_block_till_done()
    assert gateway_entry.data["host"] == "localhost"
    assert gateway_entry.state is config_entries.ConfigEntryState.LOADED
