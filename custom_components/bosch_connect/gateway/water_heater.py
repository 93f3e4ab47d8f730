"""Water heater entities: one per hot-water circuit of the gateway."""

from __future__ import annotations

from ..heating.entity import not_writable
from ..heating.model import HotWaterState
from ..heating.water_heater import HotWaterHeater
from .entity import HOT_WATER_CIRCUIT, GatewayCircuitEntity, circuit_platform
from .layout import (
    DHW_OPERATION_MODE,
    DHW_RESOURCES,
    HOT_WATER_CIRCUITS,
    hot_water,
    hot_water_setpoint_path,
)


class GatewayWaterHeater(GatewayCircuitEntity[HotWaterState], HotWaterHeater):
    """A hot-water circuit (``/dhwCircuits/<id>``), its device's main feature."""

    _attr_translation_key = "hot_water"
    _collection = HOT_WATER_CIRCUITS
    _kind = HOT_WATER_CIRCUIT
    _resources = DHW_RESOURCES
    _read = staticmethod(hot_water)

    @property
    def hot_water(self) -> HotWaterState | None:
        """The circuit as last polled (read-only without the write scope)."""
        return self._state()

    async def async_write_target_temperature(self, value: float) -> None:
        """Write the hot-water setpoint."""
        path = hot_water_setpoint_path(self.coordinator.data, self._circuit)
        if path is None:  # the base refuses this before; the layout may change
            raise not_writable()
        await self.async_write_resource(path, value, self._paths())

    async def async_write_mode(self, raw_mode: str) -> None:
        """Write the operation mode."""
        path = self._path(DHW_OPERATION_MODE)
        await self.async_write_resource(path, raw_mode, self._paths())


# One water heater per hot-water circuit that the probe found.
async_setup_water_heater = circuit_platform(
    GatewayWaterHeater, lambda coordinator: coordinator.layout.hot_water_circuits
)
