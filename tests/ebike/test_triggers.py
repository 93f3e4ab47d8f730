"""Transitions: event entity and device triggers, each fired once."""

from __future__ import annotations

import re
from typing import Any

from homeassistant.components import automation
from homeassistant.components.device_automation import DeviceAutomationType
from homeassistant.components.device_automation.exceptions import (
    InvalidDeviceAutomationConfig,
)
from homeassistant.core import HomeAssistant, ServiceCall
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.translation import async_get_translations
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import (
    async_get_device_automations,
    async_mock_service,
)

from custom_components.bosch_connect import device_trigger
from custom_components.bosch_connect.const import DOMAIN
from custom_components.bosch_connect.ebike.const import TRIGGER_TYPES
from simulator.ebike import EbikeCloud, EbikeSettings

from .helpers import state


@pytest.fixture
def ebike_settings() -> EbikeSettings:
    return EbikeSettings(auto_send=False)


def _device_id(hass: HomeAssistant, bike_id: str) -> str:
    entry_id = hass.config_entries.async_entries(DOMAIN)[0].entry_id
    device = dr.async_get(hass).async_get_device_by_identifier(
        (DOMAIN, f"ebike_{bike_id}"), entry_id
    )
    assert device is not None
    return device.id


async def test_triggers_listed(hass: HomeAssistant, ebike_entry: Any) -> None:
    bike_id = next(iter(ebike_entry.runtime_data.coordinator.data))
    device_id = _device_id(hass, bike_id)
    triggers = await async_get_device_automations(
        hass, DeviceAutomationType.TRIGGER, device_id
    )
    ours = sorted(t["type"] for t in triggers if t["domain"] == DOMAIN)
    assert ours == sorted(TRIGGER_TYPES)

    other = dr.async_get(hass).async_get_or_create(
        config_entry_id=ebike_entry.entry_id, identifiers={(DOMAIN, "gateway_x")}
    )
    assert await device_trigger.async_get_triggers(hass, other.id) == []
    with pytest.raises(InvalidDeviceAutomationConfig):
        await device_trigger.async_validate_trigger_config(
            hass,
            {
                "platform": "device",
                "domain": DOMAIN,
                "device_id": other.id,
                "type": "stopped",
            },
        )


# What the automation editor fills into the text of a device trigger
# (``localizeDeviceAutomationTrigger`` of Home Assistant's frontend): the name
# of the trigger's entity, or "<unknown entity>" when the trigger has none, and
# the translated subtype, or "" when it has none. Nothing else.
UNKNOWN_ENTITY = "<unknown entity>"


def _editor_text(
    hass: HomeAssistant, strings: dict[str, str], trigger: dict[str, Any]
) -> str:
    prefix = f"component.{trigger['domain']}.device_automation"
    template = strings.get(f"{prefix}.trigger_type.{trigger['type']}")
    if template is None:  # the editor then shows the bare type
        return str(trigger["type"])
    entity_id = trigger.get("entity_id")
    entity = hass.states.get(entity_id) if entity_id else None
    subtype = trigger.get("subtype")
    placeholders = {
        "entity_name": (
            (entity.name if entity else entity_id) if entity_id else UNKNOWN_ENTITY
        ),
        "subtype": (
            strings.get(f"{prefix}.trigger_subtype.{subtype}", subtype)
            if subtype
            else ""
        ),
    }
    return re.sub(r"\{(\w+)\}", lambda m: placeholders.get(m[1], m[0]), template)


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (
            "en",
            {
                "started_moving": "Started moving",
                "stopped": "Stopped",
                "charger_connected": "Charger connected",
                "charger_disconnected": "Charger disconnected",
                "charging_finished": "Finished charging",
                "bcm_battery_critical": "ConnectModule battery critical",
            },
        ),
        (
            "de",
            {
                "started_moving": "Losgefahren",
                "stopped": "Angehalten",
                "charger_connected": "Ladegerät angeschlossen",
                "charger_disconnected": "Ladegerät getrennt",
                "charging_finished": "Fertig geladen",
                "bcm_battery_critical": "Batterie des ConnectModule kritisch",
            },
        ),
    ],
)
async def test_trigger_texts_in_the_editor(
    hass: HomeAssistant, ebike_entry: Any, language: str, expected: dict[str, str]
) -> None:
    """Every trigger of a bike reads as a sentence: no entity is missing."""
    bike_id = next(iter(ebike_entry.runtime_data.coordinator.data))
    triggers = [
        trigger
        for trigger in await async_get_device_automations(
            hass, DeviceAutomationType.TRIGGER, _device_id(hass, bike_id)
        )
        if trigger["domain"] == DOMAIN
    ]
    strings = await async_get_translations(
        hass, language, "device_automation", [DOMAIN]
    )
    texts = {
        trigger["type"]: _editor_text(hass, strings, trigger) for trigger in triggers
    }
    assert texts == expected
    for text in texts.values():
        assert UNKNOWN_ENTITY not in text
        assert not re.search(r"[{}]", text), text


async def test_not_a_bike_is_a_translated_error(
    hass: HomeAssistant, ebike_entry: Any
) -> None:
    other = dr.async_get(hass).async_get_or_create(
        config_entry_id=ebike_entry.entry_id, identifiers={(DOMAIN, "gateway_x")}
    )
    with pytest.raises(InvalidDeviceAutomationConfig) as err:
        await device_trigger.async_validate_trigger_config(
            hass,
            {
                "platform": "device",
                "domain": DOMAIN,
                "device_id": other.id,
                "type": "stopped",
            },
        )
    assert err.value.translation_domain == DOMAIN
    assert err.value.translation_key == "ebike_trigger_not_a_bike"
    assert err.value.translation_placeholders == {"device_id": other.id}
    for language in ("en", "de"):
        strings = await async_get_translations(hass, language, "exceptions", [DOMAIN])
        message = strings[
            f"component.{DOMAIN}.exceptions.ebike_trigger_not_a_bike.message"
        ]
        assert message.format(device_id=other.id).count(other.id) == 1
    # The message in the log and in the automation's error: the English one
    # (Home Assistant drops its final full stop).
    assert str(err.value) == (
        f"The device {other.id} is not a Bosch eBike; it has no eBike triggers"
    )


@pytest.mark.usefixtures("ha_follows_sim_clock")  # charging takes 4 simulated hours
async def test_transitions_fire_once(
    hass: HomeAssistant, ebike_entry: Any, ebike_sim: EbikeCloud
) -> None:
    bike = ebike_sim.bikes[0]
    device_id = _device_id(hass, bike.bike_id)
    calls: list[ServiceCall] = async_mock_service(hass, "test", "automation")
    assert await async_setup_component(
        hass,
        automation.DOMAIN,
        {
            automation.DOMAIN: [
                {
                    "trigger": {
                        "platform": "device",
                        "domain": DOMAIN,
                        "device_id": device_id,
                        "type": trigger_type,
                    },
                    "action": {
                        "service": "test.automation",
                        "data": {"type": trigger_type},
                    },
                }
                for trigger_type in TRIGGER_TYPES
            ]
        },
    )

    async def send(event_type: str = "BIKE_STATUS") -> None:
        ebike_sim.advance(10)
        assert (await ebike_sim.deliver_now(bike, event_type)).status == 200
        await hass.async_block_till_done()

    def fired() -> list[str]:
        return [call.data["type"] for call in calls]

    await ebike_sim.power_on(bike)
    await send()
    await send("LOCATION_TRACKING")
    assert fired() == []  # the first report is a baseline, not a transition

    await ebike_sim.set_charger(bike, True)
    ebike_sim.delivery_faults.duplicate = True
    await send()
    ebike_sim.delivery_faults.duplicate = False
    assert fired() == ["charger_connected"]
    event = state(hass, "event", bike, "event")
    assert event.attributes["event_type"] == "charger_connected"

    ebike_sim.advance(4 * 3600)  # charged to 100 %
    await send()
    assert fired()[1:] == ["charging_finished"]

    await ebike_sim.set_charger(bike, False)
    await send()
    assert fired()[2:] == ["charger_disconnected"]

    await ebike_sim.set_bcm_battery(bike, "CHARGE_CRITICAL")
    await send()
    await send()  # still critical: no second trigger
    assert fired()[3:] == ["bcm_battery_critical"]

    await ebike_sim.start_ride(bike)
    ebike_sim.advance(30)
    await send("LOCATION_TRACKING")
    assert fired()[4:] == ["started_moving"]
    ebike_sim.stop_ride(bike)
    await send("LOCATION_TRACKING")
    assert fired()[5:] == ["stopped"]
    assert state(hass, "event", bike, "event").attributes["event_type"] == "stopped"
