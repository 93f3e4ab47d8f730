"""Setting up, unloading and restarting a gateway entry against the simulator."""

from __future__ import annotations

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry

from simulator.gateway import GatewaySimulator


async def test_setup_and_unload(
    hass: HomeAssistant,
    gateway_sim: GatewaySimulator,
    loaded_gateway_entry: MockConfigEntry,
) -> None:
    """The entry loads with the stored token and creates the entities."""
    assert loaded_gateway_entry.state is ConfigEntryState.LOADED
    assert hass.states.get("climate.bosch_k40rf_heating_circuit_1") is not None
    assert await hass.config_entries.async_unload(loaded_gateway_entry.entry_id)
    await hass.async_block_till_done()
    assert loaded_gateway_entry.state is ConfigEntryState.NOT_LOADED
