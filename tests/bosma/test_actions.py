"""The Bosma action belongs to the Bosma room and exists once the domain is set up.

What it answers for a loaded entry (a ticket, the errors of the cloud) is
tested against the simulator in ``test_init.py``.
"""

from __future__ import annotations

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ServiceValidationError
from homeassistant.setup import async_setup_component
import probatio
import pytest

from custom_components.bosch_connect.bosma.actions import (
    SERVICE_BOSMA_APPLY_TOKEN,
    async_setup_actions,
)
from custom_components.bosch_connect.const import DOMAIN
from custom_components.bosch_connect.registry import ROOMS


def test_the_bosma_room_sets_up_its_action() -> None:
    """Registered from the Bosma room's domain set-up; no other room has one."""
    assert ROOMS["bosma"].async_setup is async_setup_actions
    others = {name: room.async_setup for name, room in ROOMS.items()}
    del others["bosma"]
    assert set(others.values()) == {None}


async def test_the_action_is_there_before_any_entry(hass: HomeAssistant) -> None:
    """Set up once per domain (action-setup), and it checks what it is given."""
    assert await async_setup_component(hass, DOMAIN, {})
    assert hass.services.has_service(DOMAIN, SERVICE_BOSMA_APPLY_TOKEN)
    with pytest.raises(ServiceValidationError) as err:
        await hass.services.async_call(
            DOMAIN,
            SERVICE_BOSMA_APPLY_TOKEN,
            {"config_entry_id": "nope"},
            blocking=True,
            return_response=True,
        )
    assert err.value.translation_key == "bosma_entry_not_found"
    with pytest.raises(probatio.Invalid):
        await hass.services.async_call(
            DOMAIN, SERVICE_BOSMA_APPLY_TOKEN, {}, blocking=True, return_response=True
        )
