"""Climate entities: one per heating circuit of the gateway."""

from __future__ import annotations

from homeassistant.components.climate.const import HVACMode
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddEntitiesCallback

from custom_components.bosch_connect.heating.climate import HeatingCircuitClimate
from custom_components.bosch_connect.heating.model import HeatingCircuitState

from .coordinator import GatewayConfigEntry, GatewayCoordinator
from .entity import GatewayEntity, read_only
from .layout import (
    HC_MANUAL_SETPOINT,
    HC_OPERATION_MODE,
    HC_RESOURCES,
    hc_path,
    heating_circuit,
    setpoint_path,
)


async def async_setup_climate(
    hass: HomeAssistant,
    entry: GatewayConfigEntry,
    async_add_entities: AddEntitiesCallback,
) -> None:
    """Add a climate entity per heating circuit that the probe found."""
    coordinator = entry.runtime_data.coordinator
    async_add_entities(
        GatewayClimate(coordinator, circuit)
        for circuit in coordinator.layout.heating_circuits
    )


class GatewayClimate(GatewayEntity, HeatingCircuitClimate):
    """A heating circuit (``/heatingCircuits/<id>``)."""

    _attr_translation_key = "heating_circuit"

    def __init__(self, coordinator: GatewayCoordinator, circuit: str) -> None:
        """Follow one circuit."""
        super().__init__(coordinator, f"heatingCircuits/{circuit}")
        self._circuit = circuit
        self._attr_translation_placeholders = {"circuit": circuit.removeprefix("hc")}

    @property
    def circuit(self) -> HeatingCircuitState | None:
        """The circuit as last polled (read-only without the write scope)."""
        state = heating_circuit(self.coordinator.data, self._circuit)
        if state is None or self.coordinator.can_write:
            return state
        return read_only(state)

    @property
    def available(self) -> bool:
        """Unavailable when the gateway is unreachable or the circuit is gone."""
        return super().available and self.circuit is not None

    def _paths(self) -> list[str]:
        return [
            hc_path(self._circuit, name)
            for name in HC_RESOURCES
            if self.coordinator.layout.has(hc_path(self._circuit, name))
        ]

    async def async_write_target_temperature(self, value: float) -> None:
        """Write the setpoint that the circuit's mode uses.

        A circuit running its program without a temporary setpoint only
        follows a new temperature in manual mode: switch to it, as a
        thermostat does when its dial is turned.
        """
        path = setpoint_path(self.coordinator.data, self._circuit)
        assert path is not None  # the base refuses a setpoint that is not writable
        await self.async_write_resource(path, value, self._paths())
        circuit = self.circuit
        manual = self._mode_map.hvac.get(HVACMode.HEAT)
        if (
            path == hc_path(self._circuit, HC_MANUAL_SETPOINT)
            and circuit is not None
            and circuit.mode.writable
            and manual is not None
            and self.hvac_mode == HVACMode.AUTO
        ):
            await self.async_write_mode(manual)

    async def async_write_mode(self, raw_mode: str) -> None:
        """Write the circuit's operation mode."""
        path = hc_path(self._circuit, HC_OPERATION_MODE)
        await self.async_write_resource(path, raw_mode, self._paths())
