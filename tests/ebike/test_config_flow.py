"""The eBike config flow against the simulated Bosch cloud (every error)."""

from __future__ import annotations

from typing import Any

from homeassistant import config_entries
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.bosch_connect.const import DOMAIN
from custom_components.bosch_connect.ebike.api import EbikeClient
from simulator.ebike import EbikeCloud, EbikeSettings
from simulator.faults import Fault

from .conftest import WebhookReceiver


@pytest.fixture
def ebike_settings() -> EbikeSettings:
    return EbikeSettings(auto_send=False)


def _input(sim: EbikeCloud, **changes: Any) -> dict[str, Any]:
    return {
        "client_id": sim.client_id,
        "client_secret": sim.client_secret,
        "replace_subscriptions": False,
        **changes,
    }


async def _start(hass: HomeAssistant) -> dict[str, Any]:
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": config_entries.SOURCE_USER}
    )
    assert result["type"] is FlowResultType.MENU
    assert "ebike" in result["menu_options"]
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "ebike"}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "ebike"
    return result


async def test_full_flow_subscribes(
    hass: HomeAssistant, ha_url: str, ebike_sim: EbikeCloud
) -> None:
    result = await _start(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _input(ebike_sim)
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == f"Bosch eBike {ebike_sim.client_id}"
    data = result["data"]
    assert data["service"] == "ebike"
    # Bosch's addresses are the integration's, not the entry's.
    assert not {"token_url", "api_url", "ca_pem"} & set(data)
    assert len(data["webhook_id"]) == 64
    assert len(data["webhook_secret"]) >= 32
    entry = result["result"]
    assert entry.unique_id == f"ebike_{ebike_sim.client_id}"
    await hass.async_block_till_done()
    # Set-up subscribed both event types to our webhook.
    hooks = list(ebike_sim.webhooks.values())
    assert len(hooks) == 1
    assert hooks[0].url == f"{ha_url}/api/webhook/{data['webhook_id']}"
    assert hooks[0].authentication == {
        "name": "X-HA-Webhook-Secret",
        "secret": data["webhook_secret"],
        "location": "HEADER",
    }


async def test_already_configured(
    hass: HomeAssistant, ha_url: str, ebike_sim: EbikeCloud
) -> None:
    MockConfigEntry(
        domain=DOMAIN,
        unique_id=f"ebike_{ebike_sim.client_id}",
        data={"service": "ebike"},
    ).add_to_hass(hass)
    result = await _start(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _input(ebike_sim)
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


async def test_errors_then_success(
    hass: HomeAssistant, ha_url: str, ebike_sim: EbikeCloud
) -> None:
    result = await _start(hass)
    flow_id = result["flow_id"]

    async def submit(**changes: Any) -> dict[str, Any]:
        return await hass.config_entries.flow.async_configure(
            flow_id, _input(ebike_sim, **changes)
        )

    result = await submit(client_secret="wrong")
    assert result["errors"] == {"base": "ebike_invalid_client"}
    # What the user typed is kept (except the secret).
    assert result["type"] is FlowResultType.FORM

    ebike_sim.faults.set("/auth", Fault(drop=True, count=1))
    result = await submit()
    assert result["errors"] == {"base": "ebike_cannot_connect"}

    ebike_sim.faults.set("/connect-module", Fault(status=503, count=1))
    result = await submit()
    assert result["errors"] == {"base": "ebike_api_error"}
    assert result["description_placeholders"]["detail"]

    ebike_sim.set_fleet_size(0)
    result = await submit()
    assert result["errors"] == {"base": "ebike_no_bikes"}
    ebike_sim.set_fleet_size(2)

    result = await submit()
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_no_usable_url(hass: HomeAssistant, ebike_sim: EbikeCloud) -> None:
    """Without any URL (no cloud, no external, no internal) the flow explains."""
    result = await _start(hass)
    await hass.config.async_update(external_url=None, internal_url=None)
    hass.config.api = None
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _input(ebike_sim)
    )
    assert result["errors"] == {"base": "ebike_no_https_url"}


async def test_subscription_taken_then_replaced(
    hass: HomeAssistant,
    ha_url: str,
    ebike_sim: EbikeCloud,
    ebike_client: EbikeClient,
    webhook_receiver: WebhookReceiver,
) -> None:
    foreign, _ = await ebike_client.create_webhook(
        webhook_receiver.url, ["BIKE_STATUS", "BIKE_PROFILE"]
    )
    result = await _start(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _input(ebike_sim)
    )
    assert result["errors"] == {"base": "ebike_subscription_taken"}
    assert result["description_placeholders"]["holder_url"] == webhook_receiver.url

    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _input(ebike_sim, replace_subscriptions=True)
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    # The other system keeps what we do not need; both our types are ours.
    assert ebike_sim.webhooks[foreign.id].event_types == ["BIKE_PROFILE"]
    ours = [h for h in ebike_sim.webhooks.values() if h.id != foreign.id]
    assert sorted(ours[0].event_types) == ["BIKE_STATUS", "LOCATION_TRACKING"]


async def test_reauth(
    hass: HomeAssistant, ebike_entry: Any, ebike_sim: EbikeCloud
) -> None:
    result = await ebike_entry.start_reauth_flow(hass)
    assert result["step_id"] == "ebike_reauth_confirm"
    assert result["description_placeholders"]["client_id"] == ebike_sim.client_id
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"client_secret": "wrong"}
    )
    assert result["errors"] == {"base": "ebike_invalid_client"}
    ebike_sim.client_secret = "rotated-secret"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"client_secret": "rotated-secret"}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    assert ebike_entry.data["client_secret"] == "rotated-secret"
    await hass.async_block_till_done()
    assert ebike_entry.state is config_entries.ConfigEntryState.LOADED


async def test_reconfigure(
    hass: HomeAssistant,
    ebike_entry: Any,
    ebike_sim: EbikeCloud,
) -> None:
    result = await ebike_entry.start_reconfigure_flow(hass)
    assert result["step_id"] == "ebike_reconfigure"
    assert [str(key) for key in result["data_schema"].schema] == [
        "replace_subscriptions"
    ]
    ebike_sim.faults.set("/auth", Fault(drop=True, count=1))
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"replace_subscriptions": True}
    )
    assert result["errors"] == {"base": "ebike_cannot_connect"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"replace_subscriptions": True}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert ebike_entry.data["replace_subscriptions"] is True
    await hass.async_block_till_done()
    assert ebike_entry.state is config_entries.ConfigEntryState.LOADED
