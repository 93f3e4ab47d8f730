"""Entities of the Home Comfort service: a device per gateway, one for the account."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from homeassistant.core import callback
from homeassistant.helpers.device_registry import DeviceEntryType, DeviceInfo
from homeassistant.helpers.entity import Entity
from homeassistant.helpers.entity_platform import AddEntitiesCallback
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from ..const import DOMAIN, MANUFACTURER
from ..entity import BoschConnectEntity
from ..heating.model import (
    HeatingWriteError,
    Modes,
    Setpoint,
)
from .const import TITLE
from .coordinator import GatewayData, HomeComfortConfigEntry, HomeComfortCoordinator
from .errors import HomeComfortError
from .models import DhwCircuit, HeatingCircuit


def gateway_device(gateway: GatewayData) -> DeviceInfo:
    """A gateway under contract as a device."""
    components = gateway.components
    appliance = (
        components.components[0] if components and components.components else None
    )
    gateway_id = gateway.contract.gateway_id
    return DeviceInfo(
        identifiers={(DOMAIN, f"homecomfort-{gateway_id}")},
        manufacturer=(
            appliance.brand if appliance and appliance.brand else MANUFACTURER
        ),
        model=appliance.model if appliance and appliance.model else None,
        model_id=gateway.contract.gateway_type,
        serial_number=gateway_id,
        sw_version=components.firmware if components else None,
        name=f"Home Comfort {gateway_id}",
    )


def account_device(entry: HomeComfortConfigEntry) -> DeviceInfo:
    """The Partner API account (key expiry lives here)."""
    return DeviceInfo(
        identifiers={(DOMAIN, f"homecomfort-account-{entry.entry_id}")},
        manufacturer=MANUFACTURER,
        name=TITLE,
        entry_type=DeviceEntryType.SERVICE,
    )


class HomeComfortEntity(CoordinatorEntity[HomeComfortCoordinator], BoschConnectEntity):
    """An entity of one gateway; unavailable while the gateway refuses access."""

    def __init__(
        self, coordinator: HomeComfortCoordinator, gateway_id: str, key: str
    ) -> None:
        """Attach the entity to the gateway's device."""
        super().__init__(coordinator)
        self.gateway_id = gateway_id
        self._attr_unique_id = f"homecomfort-{gateway_id}-{key}"
        self._attr_device_info = gateway_device(coordinator.data.gateways[gateway_id])

    @property
    def gateway(self) -> GatewayData | None:
        """The gateway as last read (None when its contract is gone)."""
        return self.coordinator.data.gateways.get(self.gateway_id)

    @property
    def available(self) -> bool:
        """Available while the API answers and the gateway grants access."""
        gateway = self.gateway
        return super().available and gateway is not None and gateway.problem is None


def circuit_setpoint(circuit: HeatingCircuit | DhwCircuit) -> Setpoint:
    """A circuit's setpoint in the shared heating model."""
    return Setpoint(
        value=circuit.setpoint.value,
        minimum=circuit.setpoint.minimum,
        maximum=circuit.setpoint.maximum,
        step=circuit.setpoint.step,
        writable=circuit.setpoint.value is not None,
    )


def circuit_modes(circuit: HeatingCircuit | DhwCircuit) -> Modes:
    """A circuit's operation modes in the shared heating model."""
    return Modes(
        value=circuit.operation_mode,
        allowed=circuit.allowed_modes,
        writable=bool(circuit.allowed_modes),
    )


class HomeComfortCircuitEntity[CircuitT: (HeatingCircuit, DhwCircuit)](
    HomeComfortEntity
):
    """A heating or hot-water circuit of a gateway, written with ``PATCH``.

    Subclasses name the collection (``heatingCircuits``, ``dhwCircuits``),
    the circuit ids' prefix, where the circuit is in the gateway's data and
    how to ``PATCH`` and store it.
    """

    _collection: str
    _id_prefix: str

    def __init__(
        self, coordinator: HomeComfortCoordinator, gateway_id: str, circuit: str
    ) -> None:
        """Follow one circuit."""
        super().__init__(coordinator, gateway_id, f"{self._collection}-{circuit}")
        self._circuit = circuit
        self._attr_translation_placeholders = {
            "circuit": circuit.removeprefix(self._id_prefix)
        }

    def _circuits(self, gateway: GatewayData) -> dict[str, CircuitT]:
        raise NotImplementedError

    async def _update(
        self, *, setpoint: float | None, operation_mode: str | None
    ) -> CircuitT:
        raise NotImplementedError

    def _store(self, circuit: CircuitT) -> None:
        raise NotImplementedError

    def _found(self) -> CircuitT | None:
        """The circuit as last read, None when it is gone."""
        gateway = self.gateway
        return self._circuits(gateway).get(self._circuit) if gateway else None

    @property
    def available(self) -> bool:
        """Unavailable when the gateway refuses access or the circuit is gone."""
        return super().available and self._found() is not None

    async def _patch(
        self, *, setpoint: float | None = None, operation_mode: str | None = None
    ) -> None:
        try:
            updated = await self._update(
                setpoint=setpoint, operation_mode=operation_mode
            )
        except HomeComfortError as err:
            raise HeatingWriteError(str(err)) from err
        self._store(updated)

    async def async_write_target_temperature(self, value: float) -> None:
        """``PATCH {"setpoint": value}``."""
        await self._patch(setpoint=value)

    async def async_write_mode(self, raw_mode: str) -> None:
        """``PATCH {"operationMode": raw_mode}``."""
        await self._patch(operation_mode=raw_mode)


def track_entities(
    entry: HomeComfortConfigEntry,
    async_add_entities: AddEntitiesCallback,
    build: Callable[[HomeComfortCoordinator], Iterable[Entity]],
) -> None:
    """Add the entities ``build`` returns now, and new ones after each refresh."""
    coordinator = entry.runtime_data.coordinator
    known: set[str | None] = set()

    @callback
    def add_new() -> None:
        current = list(build(coordinator))
        # Forget what is gone (a gateway whose contract ended: its device was
        # removed), so that it is added again should the contract come back.
        known.intersection_update(e.unique_id for e in current)
        new = [e for e in current if e.unique_id not in known]
        known.update(e.unique_id for e in new)
        if new:
            async_add_entities(new)

    add_new()
    entry.async_on_unload(coordinator.async_add_listener(add_new))
