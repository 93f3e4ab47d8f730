"""Water heater entities: one per hot-water circuit of each gateway under contract."""

from __future__ import annotations

from collections.abc import Iterator

from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddEntitiesCallback

from ..heating.model import HotWaterState
from ..heating.water_heater import HotWaterHeater
from .coordinator import GatewayData, HomeComfortConfigEntry, HomeComfortCoordinator
from .entity import (
    HomeComfortCircuitEntity,
    circuit_modes,
    circuit_setpoint,
    track_entities,
)
from .models import DhwCircuit


def hot_water_state(circuit: DhwCircuit) -> HotWaterState:
    """The Partner API's hot-water circuit in the shared heating model."""
    return HotWaterState(
        current_temperature=circuit.actual_temperature,
        target=circuit_setpoint(circuit),
        mode=circuit_modes(circuit),
        unit=circuit.unit,
    )


def _heaters(coordinator: HomeComfortCoordinator) -> Iterator[HomeComfortWaterHeater]:
    for gateway_id, gateway in coordinator.data.gateways.items():
        for circuit in gateway.dhw:
            yield HomeComfortWaterHeater(coordinator, gateway_id, circuit)


async def async_setup_water_heater(
    hass: HomeAssistant,
    entry: HomeComfortConfigEntry,
    async_add_entities: AddEntitiesCallback,
) -> None:
    """Add a water heater per hot-water circuit (also of gateways added later)."""
    track_entities(entry, async_add_entities, _heaters)


class HomeComfortWaterHeater(HomeComfortCircuitEntity[DhwCircuit], HotWaterHeater):
    """A hot-water circuit (``/hvacs/{gatewayId}/dhwCircuits/{circuitId}``)."""

    _attr_translation_key = "hot_water"
    _collection = "dhwCircuits"
    _id_prefix = "dhw"

    @property
    def hot_water(self) -> HotWaterState | None:
        """The circuit as last read."""
        found = self._found()
        return hot_water_state(found) if found else None

    def _circuits(self, gateway: GatewayData) -> dict[str, DhwCircuit]:
        return gateway.dhw

    async def _update(
        self, *, setpoint: float | None, operation_mode: str | None
    ) -> DhwCircuit:
        return await self.coordinator.client.update_dhw_circuit(
            self.gateway_id,
            self._circuit,
            setpoint=setpoint,
            operation_mode=operation_mode,
        )

    def _store(self, circuit: DhwCircuit) -> None:
        self.coordinator.store_dhw(self.gateway_id, circuit)
