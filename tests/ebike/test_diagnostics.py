"""Diagnostics of an eBike entry: useful, with secrets and positions redacted."""

from __future__ import annotations

import json
import re
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator
from syrupy.assertion import SnapshotAssertion

from simulator.ebike import EbikeCloud, EbikeSettings

ISO = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(\+00:00|Z)")
PORT = re.compile(r"127\.0\.0\.1:\d+")
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


@pytest.fixture
def ebike_settings() -> EbikeSettings:
    return EbikeSettings(auto_send=False)


@pytest.fixture
async def diagnostics(hass: HomeAssistant) -> None:
    """Its views must exist before Home Assistant's HTTP app starts serving."""
    assert await async_setup_component(hass, "diagnostics", {})


async def test_diagnostics(
    hass: HomeAssistant,
    diagnostics: None,
    *,
    hass_client: ClientSessionGenerator,
    ebike_entry: Any,
    ebike_sim: EbikeCloud,
    snapshot: SnapshotAssertion,
) -> None:
    bike = ebike_sim.bikes[0]
    await ebike_sim.power_on(bike)
    assert (await ebike_sim.deliver_now(bike, "BIKE_STATUS")).status == 200
    assert (await ebike_sim.deliver_now(bike, "LOCATION_TRACKING")).status == 200
    ebike_sim.delivery_faults.wrong_secret = True
    assert (await ebike_sim.deliver_now(bike, "BIKE_STATUS")).status == 401

    result = await get_diagnostics_for_config_entry(hass, hass_client, ebike_entry)
    text = json.dumps(result)
    data = ebike_entry.data
    for secret in (
        data["client_secret"],
        data["client_id"],
        data["webhook_id"],
        data["webhook_secret"],
        data["subscription_ids"][0],
        str(bike.position[0]),
        str(bike.position[1]),
    ):
        assert secret not in text
    assert result["counters"]["rejected"] == {"secret": 1}
    assert result["bikes"][bike.bike_id]["status"]["state_of_charge"] == int(bike.soc)
    ids: dict[str, str] = {}
    text = UUID.sub(
        lambda m: ids.setdefault(m.group(), f"<id-{len(ids)}>"),
        PORT.sub("<host>", ISO.sub("<time>", text)),
    )
    assert json.loads(text) == snapshot
