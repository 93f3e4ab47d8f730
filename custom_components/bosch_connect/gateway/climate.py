"""Climate entities: one per heating circuit of the gateway."""

from __future__ import annotations

from homeassistant.components.climate.const import HVACMode

from ..heating.climate import HeatingCircuitClimate
from ..heating.entity import not_writable
from ..heating.model import HeatingCircuitState
from .entity import HEATING_CIRCUIT, GatewayCircuitEntity, circuit_platform
from .layout import (
    HC_MANUAL_SETPOINT,
    HC_OPERATION_MODE,
    HC_RESOURCES,
    HEATING_CIRCUITS,
    heating_circuit,
    setpoint_path,
)


class GatewayClimate(GatewayCircuitEntity[HeatingCircuitState], HeatingCircuitClimate):
    """A heating circuit (``/heatingCircuits/<id>``), its device's main feature."""

    _attr_translation_key = "heating_circuit"
    _collection = HEATING_CIRCUITS
    _kind = HEATING_CIRCUIT
    _resources = HC_RESOURCES
    _read = staticmethod(heating_circuit)

    @property
    def circuit(self) -> HeatingCircuitState | None:
        """The circuit as last polled (read-only without the write scope)."""
        return self._state()

    async def async_write_target_temperature(self, value: float) -> None:
        """Write the setpoint that the circuit's mode uses.

        A circuit running its program without a temporary setpoint only
        follows a new temperature in manual mode: switch to it, as a
        thermostat does when its dial is turned.
        """
        path = setpoint_path(self.coordinator.data, self._circuit)
        if path is None:  # the base refuses this before; the layout may change
            raise not_writable()
        await self.async_write_resource(path, value, self._paths())
        circuit = self.circuit
        manual = self._mode_map.hvac.get(HVACMode.HEAT)
        if (
            path == self._path(HC_MANUAL_SETPOINT)
            and circuit is not None
            and circuit.mode.writable
            and manual is not None
            and self.hvac_mode == HVACMode.AUTO
        ):
            await self.async_write_mode(manual)

    async def async_write_mode(self, raw_mode: str) -> None:
        """Write the circuit's operation mode."""
        path = self._path(HC_OPERATION_MODE)
        await self.async_write_resource(path, raw_mode, self._paths())


# One climate entity per heating circuit that the probe found.
async_setup_climate = circuit_platform(
    GatewayClimate, lambda coordinator: coordinator.layout.heating_circuits
)
