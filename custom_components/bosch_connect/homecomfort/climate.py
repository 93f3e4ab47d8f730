"""Climate entities: one per heating circuit of each gateway under contract."""

from __future__ import annotations

from collections.abc import Iterator

from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddEntitiesCallback

from ..heating.climate import HeatingCircuitClimate
from ..heating.model import HeatingCircuitState
from .coordinator import GatewayData, HomeComfortConfigEntry, HomeComfortCoordinator
from .entity import (
    HomeComfortCircuitEntity,
    circuit_modes,
    circuit_setpoint,
    track_entities,
)
from .models import HeatingCircuit


def circuit_state(circuit: HeatingCircuit) -> HeatingCircuitState:
    """The Partner API's heating circuit in the shared heating model."""
    status = (circuit.status or "").upper()
    return HeatingCircuitState(
        current_temperature=circuit.room_temperature,
        target=circuit_setpoint(circuit),
        mode=circuit_modes(circuit),
        unit=circuit.unit,
        current_humidity=circuit.humidity,
        heating={"HEATING": True, "IDLE": False, "OFF": False}.get(status),
    )


def _climates(coordinator: HomeComfortCoordinator) -> Iterator[HomeComfortClimate]:
    for gateway_id, gateway in coordinator.data.gateways.items():
        for circuit in gateway.heating:
            yield HomeComfortClimate(coordinator, gateway_id, circuit)


async def async_setup_climate(
    hass: HomeAssistant,
    entry: HomeComfortConfigEntry,
    async_add_entities: AddEntitiesCallback,
) -> None:
    """Add a climate entity per heating circuit (also of gateways added later)."""
    track_entities(entry, async_add_entities, _climates)


class HomeComfortClimate(
    HomeComfortCircuitEntity[HeatingCircuit], HeatingCircuitClimate
):
    """A heating circuit (``/hvacs/{gatewayId}/heatingCircuits/{circuitId}``)."""

    _attr_translation_key = "heating_circuit"
    _collection = "heatingCircuits"
    _id_prefix = "hc"

    @property
    def circuit(self) -> HeatingCircuitState | None:
        """The circuit as last read."""
        found = self._found()
        return circuit_state(found) if found else None

    def _circuits(self, gateway: GatewayData) -> dict[str, HeatingCircuit]:
        return gateway.heating

    async def _update(
        self, *, setpoint: float | None, operation_mode: str | None
    ) -> HeatingCircuit:
        return await self.coordinator.client.update_heating_circuit(
            self.gateway_id,
            self._circuit,
            setpoint=setpoint,
            operation_mode=operation_mode,
        )

    def _store(self, circuit: HeatingCircuit) -> None:
        self.coordinator.store_heating(self.gateway_id, circuit)
