"""Stored secrets never travel back to the browser in a form.

Re-authentication and reconfiguration forms of every service are serialized
exactly as Home Assistant sends them to the frontend (``probatio.to_field_list``
with Home Assistant's serializer: defaults and suggested values included,
plus the description placeholders); none of the entry's secrets may be in
that JSON.
"""

from __future__ import annotations

import json
from typing import Any

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import config_validation as cv
import probatio
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.bosch_connect.const import DOMAIN
from simulator.bosma import BosmaCloud
from simulator.ebike import EbikeCloud
from simulator.gateway import GatewaySimulator
from simulator.homecomfort import HomeComfortService
from simulator.rollouts import RolloutsCloud
from tests.bosma.conftest import form_input as bosma_form
from tests.homecomfort.conftest import make_entry as homecomfort_entry
from tests.rollouts.conftest import basic_data as rollouts_basic_data
from tests.security.conftest import ebike_fixtures, gateway_fixtures

ebike_entry_data = ebike_fixtures.ebike_entry_data
gateway_session = gateway_fixtures.gateway_session
gateway_client = gateway_fixtures.gateway_client
gateway_ssl_context = gateway_fixtures.gateway_ssl_context
gateway_token = gateway_fixtures.gateway_token
gateway_entry_data = gateway_fixtures.gateway_entry_data


def _pem_lines(pem: str) -> list[str]:
    return [line for line in pem.splitlines() if line and not line.startswith("-")][1:3]


def _as_sent(result: Any) -> str:
    """The parts of a flow result that reach the browser, as JSON."""
    shown: dict[str, Any] = {
        "step_id": result.get("step_id"),
        "description_placeholders": result.get("description_placeholders"),
        "errors": result.get("errors"),
    }
    if result.get("data_schema") is not None:
        fields = probatio.to_field_list(
            result["data_schema"], custom_serializer=cv.custom_serializer
        )
        # Every field serialized as the frontend gets it: a name and a type or
        # selector, nothing the serializer could not describe.
        assert all(f.get("name") and ("type" in f or "selector" in f) for f in fields)
        assert "UNSUPPORTED" not in json.dumps(fields, default=str)
        shown["data_schema"] = fields
    return json.dumps(shown, default=str)


async def _check_forms(
    hass: HomeAssistant, entry: MockConfigEntry, secrets: dict[str, str]
) -> None:
    entry.add_to_hass(hass)
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    shown = []
    for start in (entry.start_reauth_flow, entry.start_reconfigure_flow):
        result = await start(hass)
        assert result["type"] is FlowResultType.FORM
        shown.append(_as_sent(result))
        hass.config_entries.flow.async_abort(result["flow_id"])
    for name, value in secrets.items():
        assert len(value) >= 6
        for text in shown:
            assert value not in text, f"{name} is sent to the browser"


async def test_ebike_forms(
    hass: HomeAssistant,
    ha_url: str,
    ebike_sim: EbikeCloud,
    ebike_entry_data: dict[str, Any],
) -> None:
    entry = MockConfigEntry(
        domain=DOMAIN, unique_id="ebike_forms", data=ebike_entry_data
    )
    await _check_forms(
        hass,
        entry,
        {
            "client secret": ebike_entry_data["client_secret"],
            "webhook secret": ebike_entry_data["webhook_secret"],
            "webhook id": ebike_entry_data["webhook_id"],
        },
    )


async def test_gateway_forms(
    hass: HomeAssistant,
    gateway_sim: GatewaySimulator,
    gateway_entry_data: dict[str, Any],
) -> None:
    entry = MockConfigEntry(
        domain=DOMAIN, unique_id=gateway_sim.identity.uuid, data=gateway_entry_data
    )
    data = gateway_entry_data
    await _check_forms(
        hass,
        entry,
        {
            "token": data["token"],
            **{
                f"client key line {i}": line
                for i, line in enumerate(_pem_lines(data["client_key"]))
            },
        },
    )


async def test_homecomfort_forms(
    hass: HomeAssistant, hc_sim: HomeComfortService
) -> None:
    entry = homecomfort_entry(hc_sim)
    await _check_forms(
        hass,
        entry,
        {"API key": hc_sim.key, "key secret": hc_sim.key.rsplit(".", 1)[-1]},
    )


async def test_rollouts_forms(hass: HomeAssistant, rollouts: RolloutsCloud) -> None:
    data = rollouts_basic_data(rollouts)
    entry = MockConfigEntry(domain=DOMAIN, unique_id="rollouts_forms", data=data)
    await _check_forms(
        hass,
        entry,
        {"password": data["password"], "target token": data["ddi_token"]},
    )


async def test_bosma_forms(hass: HomeAssistant, bosma_cloud: BosmaCloud) -> None:
    data = {"service": "bosma", **bosma_form(bosma_cloud)}
    entry = MockConfigEntry(domain=DOMAIN, unique_id="bosma_forms", data=data)
    await _check_forms(hass, entry, {"api secret": data["api_secret"]})


def test_serialized_form_shows_defaults_and_suggestions() -> None:
    """The check above would see a secret put into a default or a suggestion."""

    schema = probatio.Schema(
        {
            probatio.Required("a", default="default-secret-1"): str,
            probatio.Optional(
                "b", description={"suggested_value": "suggested-secret-2"}
            ): str,
        }
    )
    text = _as_sent({"data_schema": schema, "description_placeholders": None})
    assert "default-secret-1" in text
    assert "suggested-secret-2" in text
