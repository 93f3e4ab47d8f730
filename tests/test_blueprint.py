"""The theft-alert blueprint, run by Home Assistant's blueprint machinery."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
import shutil
from typing import Any

from freezegun.api import FrozenDateTimeFactory
from homeassistant.components.automation import async_get_blueprints
from homeassistant.core import HomeAssistant, ServiceCall
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import async_mock_service

ROOT = Path(__file__).resolve().parent.parent
BLUEPRINT = ROOT / "blueprints/automation/bosch_connect/bike_left_zone.yaml"
PATH = "bosch_connect/bike_left_zone.yaml"
TRACKER = "device_tracker.commuter_bike"
GARAGE = {"latitude": 48.7758, "longitude": 9.1829}
AWAY = {"latitude": 48.7901, "longitude": 9.2100}


async def _setup(hass: HomeAssistant, tmp_path: Path, **inputs: Any) -> None:
    """Install the blueprint, a zone, the tracker in it, and the automation."""
    hass.config.config_dir = str(tmp_path)
    target = tmp_path / "blueprints" / "automation" / "bosch_connect"
    target.mkdir(parents=True)
    shutil.copy(BLUEPRINT, target)
    await hass.config.async_set_time_zone("Europe/Berlin")
    assert await async_setup_component(
        hass, "zone", {"zone": [{"name": "Garage", "radius": 100, **GARAGE}]}
    )
    _move(hass, "Garage", GARAGE)
    assert await async_setup_component(
        hass,
        "automation",
        {
            "automation": {
                "alias": "Bike theft alert",
                "use_blueprint": {
                    "path": PATH,
                    "input": {
                        "bike_tracker": TRACKER,
                        "zone_entity": "zone.garage",
                        "start_time": "22:00:00",
                        "end_time": "06:00:00",
                        **inputs,
                    },
                },
            }
        },
    )
    await hass.async_block_till_done()
    assert hass.states.get("automation.bike_theft_alert").state == "on"


def _move(hass: HomeAssistant, state: str, where: dict[str, float]) -> None:
    hass.states.async_set(
        TRACKER,
        state,
        {**where, "gps_accuracy": 5, "friendly_name": "Commuter bike"},
    )


def _at(freezer: FrozenDateTimeFactory, clock: str) -> None:
    freezer.move_to(datetime.fromisoformat(f"2026-11-22T{clock}+01:00"))


async def test_blueprint_metadata(hass: HomeAssistant, tmp_path: Path) -> None:
    hass.config.config_dir = str(tmp_path)
    target = tmp_path / "blueprints" / "automation" / "bosch_connect"
    target.mkdir(parents=True)
    shutil.copy(BLUEPRINT, target)
    assert await async_setup_component(hass, "automation", {})
    blueprint = await async_get_blueprints(hass).async_get_blueprint(PATH)
    assert blueprint.domain == "automation"
    assert set(blueprint.inputs) == {
        "bike_tracker",
        "zone_entity",
        "start_time",
        "end_time",
        "notify_action",
        "notify_entity",
    }
    tracker_filter = blueprint.inputs["bike_tracker"]["selector"]["entity"]["filter"]
    assert tracker_filter == [
        {"integration": "bosch_connect", "domain": ["device_tracker"]}
    ]


async def test_alert_when_bike_leaves_at_night(
    hass: HomeAssistant, tmp_path: Path, freezer: FrozenDateTimeFactory
) -> None:
    calls: list[ServiceCall] = async_mock_service(hass, "notify", "bike_alert")
    _at(freezer, "23:30:00")
    await _setup(hass, tmp_path, notify_action="notify.bike_alert")

    _move(hass, "Garage", {"latitude": 48.7759, "longitude": 9.1830})  # still in
    await hass.async_block_till_done()
    assert calls == []

    _move(hass, "not_home", AWAY)
    await hass.async_block_till_done()
    assert len(calls) == 1
    assert calls[0].data["title"] == "Commuter bike left Garage"
    assert "23:30" in calls[0].data["message"]
    assert "48.7901" in calls[0].data["message"]


async def test_alert_window_crosses_midnight(
    hass: HomeAssistant, tmp_path: Path, freezer: FrozenDateTimeFactory
) -> None:
    calls: list[ServiceCall] = async_mock_service(hass, "notify", "bike_alert")
    _at(freezer, "05:15:00")
    await _setup(hass, tmp_path, notify_action="notify.bike_alert")
    _move(hass, "not_home", AWAY)
    await hass.async_block_till_done()
    assert len(calls) == 1


async def test_no_alert_outside_the_hours(
    hass: HomeAssistant, tmp_path: Path, freezer: FrozenDateTimeFactory
) -> None:
    calls: list[ServiceCall] = async_mock_service(hass, "notify", "bike_alert")
    _at(freezer, "14:00:00")
    await _setup(hass, tmp_path, notify_action="notify.bike_alert")
    _move(hass, "not_home", AWAY)
    await hass.async_block_till_done()
    assert calls == []

    # Back in the zone, then out again when the watched hours have begun.
    _move(hass, "Garage", GARAGE)
    await hass.async_block_till_done()
    _at(freezer, "22:05:00")
    _move(hass, "not_home", AWAY)
    await hass.async_block_till_done()
    assert len(calls) == 1


async def test_alert_to_a_notify_entity(
    hass: HomeAssistant, tmp_path: Path, freezer: FrozenDateTimeFactory
) -> None:
    actions: list[ServiceCall] = async_mock_service(hass, "notify", "bike_alert")
    messages: list[ServiceCall] = async_mock_service(hass, "notify", "send_message")
    _at(freezer, "02:00:00")
    await _setup(hass, tmp_path, notify_entity=["notify.family_phone"])
    _move(hass, "not_home", AWAY)
    await hass.async_block_till_done()
    assert actions == []
    assert len(messages) == 1
    assert messages[0].data["entity_id"] == ["notify.family_phone"]
    assert messages[0].data["title"] == "Commuter bike left Garage"
