"""Climate entities: one per heating circuit of each gateway under contract."""

from __future__ import annotations

from collections.abc import Iterator

from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddEntitiesCallback

from custom_components.bosch_connect.heating.climate import HeatingCircuitClimate
from custom_components.bosch_connect.heating.model import (
    HeatingCircuitState,
    HeatingWriteError,
    Modes,
    Setpoint,
)

from .coordinator import HomeComfortConfigEntry, HomeComfortCoordinator
from .entity import HomeComfortEntity, track_entities
from .errors import HomeComfortError
from .models import HeatingCircuit


def circuit_state(circuit: HeatingCircuit) -> HeatingCircuitState:
    """The Partner API's heating circuit in the shared heating model."""
    status = (circuit.status or "").upper()
    return HeatingCircuitState(
        current_temperature=circuit.room_temperature,
        target=Setpoint(
            value=circuit.setpoint.value,
            minimum=circuit.setpoint.minimum,
            maximum=circuit.setpoint.maximum,
            step=circuit.setpoint.step,
            writable=circuit.setpoint.value is not None,
        ),
        mode=Modes(
            value=circuit.operation_mode,
            allowed=circuit.allowed_modes,
            writable=bool(circuit.allowed_modes),
        ),
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


class HomeComfortClimate(HomeComfortEntity, HeatingCircuitClimate):
    """A heating circuit (``/hvacs/{gatewayId}/heatingCircuits/{circuitId}``)."""

    _attr_translation_key = "heating_circuit"

    def __init__(
        self, coordinator: HomeComfortCoordinator, gateway_id: str, circuit: str
    ) -> None:
        """Follow one circuit."""
        super().__init__(coordinator, gateway_id, f"heatingCircuits-{circuit}")
        self._circuit = circuit
        self._attr_translation_placeholders = {"circuit": circuit.removeprefix("hc")}

    @property
    def circuit(self) -> HeatingCircuitState | None:
        """The circuit as last read."""
        gateway = self.gateway
        found = gateway.heating.get(self._circuit) if gateway else None
        return circuit_state(found) if found else None

    @property
    def available(self) -> bool:
        """Unavailable when the gateway refuses access or the circuit is gone."""
        return super().available and self.circuit is not None

    async def _patch(
        self, *, setpoint: float | None = None, operation_mode: str | None = None
    ) -> None:
        client = self.coordinator.client
        try:
            updated = await client.update_heating_circuit(
                self.gateway_id,
                self._circuit,
                setpoint=setpoint,
                operation_mode=operation_mode,
            )
        except HomeComfortError as err:
            raise HeatingWriteError(str(err)) from err
        self.coordinator.store_heating(self.gateway_id, updated)

    async def async_write_target_temperature(self, value: float) -> None:
        """``PATCH {"setpoint": value}``."""
        await self._patch(setpoint=value)

    async def async_write_mode(self, raw_mode: str) -> None:
        """``PATCH {"operationMode": raw_mode}``."""
        await self._patch(operation_mode=raw_mode)
