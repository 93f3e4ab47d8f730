"""Water heater entities: one per hot-water circuit of the gateway."""

from __future__ import annotations

from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddEntitiesCallback

from custom_components.bosch_connect.heating.model import HotWaterState
from custom_components.bosch_connect.heating.water_heater import HotWaterHeater

from .coordinator import GatewayConfigEntry, GatewayCoordinator
from .entity import GatewayEntity, read_only
from .layout import (
    DHW_OPERATION_MODE,
    DHW_RESOURCES,
    dhw_path,
    hot_water,
    hot_water_setpoint_path,
)


async def async_setup_water_heater(
    hass: HomeAssistant,
    entry: GatewayConfigEntry,
    async_add_entities: AddEntitiesCallback,
) -> None:
    """Add a water heater per hot-water circuit that the probe found."""
    coordinator = entry.runtime_data.coordinator
    async_add_entities(
        GatewayWaterHeater(coordinator, circuit)
        for circuit in coordinator.layout.hot_water_circuits
    )


class GatewayWaterHeater(GatewayEntity, HotWaterHeater):
    """A hot-water circuit (``/dhwCircuits/<id>``)."""

    _attr_translation_key = "hot_water"

    def __init__(self, coordinator: GatewayCoordinator, circuit: str) -> None:
        """Follow one circuit."""
        super().__init__(coordinator, f"dhwCircuits/{circuit}")
        self._circuit = circuit
        self._attr_translation_placeholders = {"circuit": circuit.removeprefix("dhw")}

    @property
    def hot_water(self) -> HotWaterState | None:
        """The circuit as last polled (read-only without the write scope)."""
        state = hot_water(self.coordinator.data, self._circuit)
        if state is None or self.coordinator.can_write:
            return state
        return read_only(state)

    @property
    def available(self) -> bool:
        """Unavailable when the gateway is unreachable or the circuit is gone."""
        return super().available and self.hot_water is not None

    def _paths(self) -> list[str]:
        return [
            dhw_path(self._circuit, name)
            for name in DHW_RESOURCES
            if self.coordinator.layout.has(dhw_path(self._circuit, name))
        ]

    async def async_write_target_temperature(self, value: float) -> None:
        """Write the hot-water setpoint."""
        path = hot_water_setpoint_path(self.coordinator.data, self._circuit)
        assert path is not None  # the base refuses a setpoint that is not writable
        await self.async_write_resource(path, value, self._paths())

    async def async_write_mode(self, raw_mode: str) -> None:
        """Write the operation mode."""
        path = dhw_path(self._circuit, DHW_OPERATION_MODE)
        await self.async_write_resource(path, raw_mode, self._paths())
