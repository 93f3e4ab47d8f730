"""The Rollouts config flow against the simulated Bosch IoT Rollouts."""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import SOURCE_USER, ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.bosch_connect.const import CONF_SERVICE, DOMAIN
from simulator.faults import Fault
from simulator.rollouts import RolloutsCloud
from simulator.rollouts.service import (
    DEMO_CLIENT_ID,
    DEMO_CLIENT_SECRET,
    DEMO_CONTROLLER,
    DEMO_GATEWAY_TOKEN,
    DEMO_PASSWORD,
    DEMO_TARGET_TOKEN,
    DEMO_TENANT,
    DEMO_USER,
)

from .conftest import basic_data, grant, oauth_data


async def _start(
    hass: HomeAssistant, cloud: RolloutsCloud, method: str = "basic", **changes: Any
) -> dict[str, Any]:
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    assert "rollouts" in result["menu_options"]
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "rollouts"}
    )
    assert result["step_id"] == "rollouts"
    return await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {
            "base_url": cloud.base_url + "/",
            "tenant": DEMO_TENANT,
            "auth_method": method,
            **changes,
        },
    )


def _ddi(
    cloud: RolloutsCloud,
    controller_id: str = DEMO_CONTROLLER,
    token_type: str = "target",  # noqa: S107
    token: str = DEMO_TARGET_TOKEN,
    **changes: Any,
) -> dict[str, Any]:
    return {
        "ddi_url": cloud.base_url,
        "controller_id": controller_id,
        "token_type": token_type,
        "ddi_token": token,
        **changes,
    }


async def test_basic_with_target_token(
    hass: HomeAssistant, rollouts: RolloutsCloud
) -> None:
    result = await _start(hass, rollouts)
    assert result["step_id"] == "rollouts_basic"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"username": DEMO_USER, "password": DEMO_PASSWORD}
    )
    assert result["step_id"] == "rollouts_ddi"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _ddi(rollouts)
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == f"Rollouts {DEMO_TENANT}"
    assert result["data"] == basic_data(rollouts)
    assert result["result"].unique_id == f"127.0.0.1:{rollouts.listener.port}_demo"  # type: ignore[union-attr]
    await hass.async_block_till_done()
    assert result["result"].state is ConfigEntryState.LOADED


async def test_oauth_registration_then_grant(
    hass: HomeAssistant, rollouts: RolloutsCloud
) -> None:
    result = await _start(hass, rollouts, "oauth")
    assert result["step_id"] == "rollouts_oauth"
    credentials = {
        "token_url": rollouts.token_url,
        "client_id": DEMO_CLIENT_ID,
        "client_secret": DEMO_CLIENT_SECRET,
        "scope": " ",
    }
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], credentials
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "rollouts_client_registered"}
    assert result["description_placeholders"]["client_id"] == DEMO_CLIENT_ID
    # The first call registered the client, with no permissions.
    assert rollouts.tenants[DEMO_TENANT].principals[DEMO_CLIENT_ID].permissions == set()
    # Retrying before the grant explains the same.
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], credentials
    )
    assert result["errors"] == {"base": "rollouts_client_registered"}

    grant(rollouts)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], credentials
    )
    assert result["step_id"] == "rollouts_ddi"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {"ddi_url": rollouts.base_url, "controller_id": " ", "token_type": "target"},
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"] == {
        key: value for key, value in oauth_data(rollouts).items() if key != "scope"
    }
    await hass.async_block_till_done()


async def test_oauth_invalid_client(
    hass: HomeAssistant, rollouts: RolloutsCloud
) -> None:
    result = await _start(hass, rollouts, "oauth")
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {
            "token_url": rollouts.token_url,
            "client_id": DEMO_CLIENT_ID,
            "client_secret": "wrong",
        },
    )
    assert result["errors"] == {"base": "rollouts_invalid_client"}


async def test_tenant_step_errors(
    hass: HomeAssistant, rollouts: RolloutsCloud, rollouts_entry: MockConfigEntry
) -> None:
    result = await _start(hass, rollouts, base_url="http://rollouts.example")
    assert result["errors"] == {"base": "rollouts_invalid_url"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {"base_url": rollouts.base_url, "tenant": "demo", "auth_method": "basic"},
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


@pytest.mark.parametrize(
    ("prepare", "password", "error"),
    [
        (None, "wrong", "rollouts_invalid_auth"),
        ("forbid", DEMO_PASSWORD, "rollouts_forbidden"),
        ("fault", DEMO_PASSWORD, "rollouts_cannot_connect"),
    ],
)
async def test_basic_errors(
    hass: HomeAssistant,
    rollouts: RolloutsCloud,
    prepare: str | None,
    password: str,
    error: str,
) -> None:
    if prepare == "forbid":
        rollouts.tenants[DEMO_TENANT].principals[DEMO_USER].permissions = set()
    elif prepare == "fault":
        rollouts.faults.set(f"/{DEMO_TENANT}/rest", Fault(status=502))
    result = await _start(hass, rollouts)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"username": DEMO_USER, "password": password}
    )
    assert result["errors"] == {"base": error}
    assert result["step_id"] == "rollouts_basic"


async def test_ddi_step_errors_and_gateway_token(
    hass: HomeAssistant, rollouts: RolloutsCloud
) -> None:
    result = await _start(hass, rollouts)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"username": DEMO_USER, "password": DEMO_PASSWORD}
    )
    flow_id = result["flow_id"]
    result = await hass.config_entries.flow.async_configure(
        flow_id, _ddi(rollouts, token="")
    )
    assert result["errors"] == {"base": "rollouts_ddi_token_required"}
    assert result["description_placeholders"]["controller_id"] == DEMO_CONTROLLER
    result = await hass.config_entries.flow.async_configure(
        flow_id, _ddi(rollouts, ddi_url="http://ddi.example")
    )
    assert result["errors"] == {"base": "rollouts_invalid_url"}
    rollouts.tenants[DEMO_TENANT].target_token_enabled = False
    result = await hass.config_entries.flow.async_configure(flow_id, _ddi(rollouts))
    assert result["errors"] == {"base": "rollouts_ddi_unauthorized"}
    # The tenant's GatewayToken still works (and may act for any device).
    result = await hass.config_entries.flow.async_configure(
        flow_id, _ddi(rollouts, token_type="gateway", token=DEMO_GATEWAY_TOKEN)
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"]["token_type"] == "gateway"
    await hass.async_block_till_done()


async def test_reauth_basic(
    hass: HomeAssistant, rollouts: RolloutsCloud, rollouts_entry: MockConfigEntry
) -> None:
    result = await rollouts_entry.start_reauth_flow(hass)
    assert result["step_id"] == "rollouts_reauth_confirm"
    # With a DDI target: the password and the DDI token, each optional.
    assert list(result["data_schema"].schema) == ["password", "ddi_token"]
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"password": "still wrong"}
    )
    assert result["errors"] == {"base": "rollouts_invalid_auth"}
    rollouts.tenants[DEMO_TENANT].users[DEMO_USER] = "new password"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"password": "new password"}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    assert rollouts_entry.data["password"] == "new password"
    assert rollouts_entry.data["ddi_token"] == DEMO_TARGET_TOKEN
    await hass.async_block_till_done()


async def test_reauth_new_ddi_token(
    hass: HomeAssistant, rollouts: RolloutsCloud, rollouts_entry: MockConfigEntry
) -> None:
    """A refused DDI token is replaced without typing the password again."""
    target = rollouts.tenants[DEMO_TENANT].targets[DEMO_CONTROLLER]
    target.security_token = "N" * 32
    result = await rollouts_entry.start_reauth_flow(hass)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["errors"] == {"base": "rollouts_ddi_unauthorized"}
    assert result["description_placeholders"]["controller_id"] == DEMO_CONTROLLER
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"password": "", "ddi_token": "N" * 32}
    )
    assert result["reason"] == "reauth_successful"
    assert rollouts_entry.data["ddi_token"] == "N" * 32
    assert rollouts_entry.data["password"] == DEMO_PASSWORD
    await hass.async_block_till_done()


async def test_reauth_oauth(hass: HomeAssistant, rollouts: RolloutsCloud) -> None:
    entry = MockConfigEntry(domain=DOMAIN, data=oauth_data(rollouts), title="R")
    entry.add_to_hass(hass)
    result = await entry.start_reauth_flow(hass)
    assert list(result["data_schema"].schema) == ["client_secret"]
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"client_secret": DEMO_CLIENT_SECRET}
    )
    assert result["errors"] == {"base": "rollouts_client_registered"}
    grant(rollouts)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"client_secret": DEMO_CLIENT_SECRET}
    )
    assert result["reason"] == "reauth_successful"
    await hass.async_block_till_done()


async def test_reconfigure(
    hass: HomeAssistant, rollouts: RolloutsCloud, rollouts_entry: MockConfigEntry
) -> None:
    result = await rollouts_entry.start_reconfigure_flow(hass)
    assert result["step_id"] == "rollouts_reconfigure"
    base = {
        "base_url": rollouts.base_url,
        "tenant": DEMO_TENANT,
        "username": DEMO_USER,
        "password": DEMO_PASSWORD,
    }
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {**base, **_ddi(rollouts, ddi_url="ftp://x")}
    )
    assert result["errors"] == {"base": "rollouts_invalid_url"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {**base, **_ddi(rollouts, token="B" * 32)}
    )
    assert result["errors"] == {"base": "rollouts_ddi_unauthorized"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {**base, **_ddi(rollouts, token_type="gateway", token=DEMO_GATEWAY_TOKEN)},
    )
    assert result["reason"] == "reconfigure_successful"
    assert rollouts_entry.data["token_type"] == "gateway"
    await hass.async_block_till_done()

    # Secrets are never sent back; empty fields keep the stored ones.
    result = await rollouts_entry.start_reconfigure_flow(hass)
    shown = str(result["data_schema"].schema)
    assert DEMO_PASSWORD not in shown
    assert DEMO_GATEWAY_TOKEN not in shown
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {
            "base_url": rollouts.base_url,
            "tenant": DEMO_TENANT,
            "username": DEMO_USER,
            **_ddi(rollouts, token_type="gateway", token=""),
        },
    )
    assert result["reason"] == "reconfigure_successful"
    assert rollouts_entry.data["password"] == DEMO_PASSWORD
    assert rollouts_entry.data["ddi_token"] == DEMO_GATEWAY_TOKEN
    await hass.async_block_till_done()

    # Clearing the controller ID stops polling a target.
    result = await rollouts_entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {**base, "ddi_url": rollouts.base_url, "token_type": "target"},
    )
    assert result["reason"] == "reconfigure_successful"
    assert "controller_id" not in rollouts_entry.data
    assert "ddi_token" not in rollouts_entry.data
    assert rollouts_entry.data[CONF_SERVICE] == "rollouts"
    await hass.async_block_till_done()


async def test_reconfigure_keeps_the_tenant(
    hass: HomeAssistant, rollouts: RolloutsCloud, rollouts_entry: MockConfigEntry
) -> None:
    result = await rollouts_entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {
            "base_url": rollouts.base_url,
            "tenant": "OTHER",
            "username": DEMO_USER,
            "password": DEMO_PASSWORD,
            "ddi_url": rollouts.base_url,
            "token_type": "target",
        },
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "rollouts_wrong_tenant"
