"""Host names typed into the Rollouts forms: the simulator's URLs say ``localhost``."""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import SOURCE_USER, ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.bosch_connect.const import DOMAIN
from simulator.rollouts import RolloutsCloud
from simulator.rollouts.service import (
    DEMO_CLIENT_ID,
    DEMO_CLIENT_SECRET,
    DEMO_CONTROLLER,
    DEMO_PASSWORD,
    DEMO_TARGET_TOKEN,
    DEMO_TENANT,
    DEMO_USER,
)

from .conftest import grant

pytestmark = pytest.mark.usefixtures("host_names")


def _ddi(cloud: RolloutsCloud) -> dict[str, Any]:
    return {
        "ddi_url": cloud.base_url,
        "controller_id": DEMO_CONTROLLER,
        "token_type": "target",
        "ddi_token": DEMO_TARGET_TOKEN,
    }


async def _start(hass: HomeAssistant, cloud: RolloutsCloud, method: str) -> str:
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "rollouts"}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {"base_url": cloud.base_url, "tenant": DEMO_TENANT, "auth_method": method},
    )
    assert result["step_id"] == f"rollouts_{method}"
    return str(result["flow_id"])


async def test_basic_and_ddi_with_host_names(
    hass: HomeAssistant, rollouts: RolloutsCloud
) -> None:
    assert rollouts.base_url.startswith("https://localhost:")
    flow_id = await _start(hass, rollouts, "basic")
    result = await hass.config_entries.flow.async_configure(
        flow_id, {"username": DEMO_USER, "password": DEMO_PASSWORD}
    )
    assert result["step_id"] == "rollouts_ddi"
    result = await hass.config_entries.flow.async_configure(flow_id, _ddi(rollouts))
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"]["base_url"] == rollouts.base_url
    assert result["data"]["ddi_url"] == rollouts.base_url
    await hass.async_block_till_done()
    assert result["result"].state is ConfigEntryState.LOADED


async def test_oauth_with_host_names(
    hass: HomeAssistant, rollouts: RolloutsCloud
) -> None:
    assert rollouts.token_url.startswith("https://localhost:")
    flow_id = await _start(hass, rollouts, "oauth")
    credentials = {
        "token_url": rollouts.token_url,
        "client_id": DEMO_CLIENT_ID,
        "client_secret": DEMO_CLIENT_SECRET,
    }
    # The first call got a token and registered the client (no permissions yet).
    result = await hass.config_entries.flow.async_configure(flow_id, credentials)
    assert result["errors"] == {"base": "rollouts_client_registered"}
    grant(rollouts)
    result = await hass.config_entries.flow.async_configure(flow_id, credentials)
    assert result["step_id"] == "rollouts_ddi"
    result = await hass.config_entries.flow.async_configure(
        flow_id, {"ddi_url": rollouts.base_url, "token_type": "target"}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"]["token_url"] == rollouts.token_url
    await hass.async_block_till_done()
    assert result["result"].state is ConfigEntryState.LOADED


async def test_reconfigure_with_host_names(
    hass: HomeAssistant, rollouts: RolloutsCloud, rollouts_entry: MockConfigEntry
) -> None:
    result = await rollouts_entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {
            "base_url": rollouts.base_url,
            "tenant": DEMO_TENANT,
            "username": DEMO_USER,
            "password": DEMO_PASSWORD,
            **_ddi(rollouts),
        },
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    await hass.async_block_till_done()
    assert rollouts_entry.data["ddi_url"] == rollouts.base_url
    assert rollouts_entry.state is ConfigEntryState.LOADED
