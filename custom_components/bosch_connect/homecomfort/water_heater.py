"""Water heater entities: one per hot-water circuit of each gateway under contract."""

from __future__ import annotations

from collections.abc import Iterator

from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddEntitiesCallback

from custom_components.bosch_connect.heating.model import (
    HeatingWriteError,
    HotWaterState,
    Modes,
    Setpoint,
)
from custom_components.bosch_connect.heating.water_heater import HotWaterHeater

from .coordinator import HomeComfortConfigEntry, HomeComfortCoordinator
from .entity import HomeComfortEntity, track_entities
from .errors import HomeComfortError
from .models import DhwCircuit


def hot_water_state(circuit: DhwCircuit) -> HotWaterState:
    """The Partner API's hot-water circuit in the shared heating model."""
    return HotWaterState(
        current_temperature=circuit.actual_temperature,
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


class HomeComfortWaterHeater(HomeComfortEntity, HotWaterHeater):
    """A hot-water circuit (``/hvacs/{gatewayId}/dhwCircuits/{circuitId}``)."""

    _attr_translation_key = "hot_water"

    def __init__(
        self, coordinator: HomeComfortCoordinator, gateway_id: str, circuit: str
    ) -> None:
        """Follow one circuit."""
        super().__init__(coordinator, gateway_id, f"dhwCircuits-{circuit}")
        self._circuit = circuit
        self._attr_translation_placeholders = {"circuit": circuit.removeprefix("dhw")}

    @property
    def hot_water(self) -> HotWaterState | None:
        """The circuit as last read."""
        gateway = self.gateway
        found = gateway.dhw.get(self._circuit) if gateway else None
        return hot_water_state(found) if found else None

    @property
    def available(self) -> bool:
        """Unavailable when the gateway refuses access or the circuit is gone."""
        return super().available and self.hot_water is not None

    async def _patch(
        self, *, setpoint: float | None = None, operation_mode: str | None = None
    ) -> None:
        client = self.coordinator.client
        try:
            updated = await client.update_dhw_circuit(
                self.gateway_id,
                self._circuit,
                setpoint=setpoint,
                operation_mode=operation_mode,
            )
        except HomeComfortError as err:
            raise HeatingWriteError(str(err)) from err
        self.coordinator.store_dhw(self.gateway_id, updated)

    async def async_write_target_temperature(self, value: float) -> None:
        """``PATCH {"setpoint": value}``."""
        await self._patch(setpoint=value)

    async def async_write_mode(self, raw_mode: str) -> None:
        """``PATCH {"operationMode": raw_mode}``."""
        await self._patch(operation_mode=raw_mode)
