"""Sensors: what the heating endpoints report; the API key's expiry and the clock skew."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
import datetime as dt

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorEntityDescription,
    SensorStateClass,
)
from homeassistant.const import (
    PERCENTAGE,
    EntityCategory,
    UnitOfTemperature,
    UnitOfTime,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddEntitiesCallback
from homeassistant.helpers.update_coordinator import CoordinatorEntity

from ..entity import BoschConnectEntity
from .coordinator import GatewayData, HomeComfortConfigEntry, HomeComfortCoordinator
from .entity import HomeComfortEntity, account_device, track_entities

CHARGE_STATES = ["idle", "charging"]


@dataclass(frozen=True, kw_only=True)
class CircuitSensorDescription(SensorEntityDescription):
    """A value of one circuit (``circuit`` is the circuit id)."""

    kind: str  # "hc" or "dhw"
    value: Callable[[GatewayData, str], float | str | None]
    exists: Callable[[GatewayData, str], bool] = lambda gateway, circuit: True


def _charge_status(gateway: GatewayData, circuit: str) -> str | None:
    charge = gateway.charge.get(circuit)
    status = (charge.status or "").lower() if charge else ""
    return status if status in CHARGE_STATES else None


SENSORS: tuple[CircuitSensorDescription, ...] = (
    CircuitSensorDescription(
        key="flow_temperature",
        translation_key="homecomfort_flow_temperature",
        kind="hc",
        device_class=SensorDeviceClass.TEMPERATURE,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=UnitOfTemperature.CELSIUS,
        value=lambda g, c: g.heating[c].flow_temperature if c in g.heating else None,
        exists=lambda g, c: g.heating[c].flow_temperature is not None,
    ),
    CircuitSensorDescription(
        key="humidity",
        translation_key="homecomfort_humidity",
        kind="hc",
        device_class=SensorDeviceClass.HUMIDITY,
        state_class=SensorStateClass.MEASUREMENT,
        native_unit_of_measurement=PERCENTAGE,
        value=lambda g, c: g.heating[c].humidity if c in g.heating else None,
        exists=lambda g, c: g.heating[c].humidity is not None,
    ),
    CircuitSensorDescription(
        key="charge_status",
        translation_key="homecomfort_charge_status",
        kind="dhw",
        device_class=SensorDeviceClass.ENUM,
        options=CHARGE_STATES,
        value=_charge_status,
        exists=lambda g, c: c in g.charge,
    ),
    CircuitSensorDescription(
        key="charge_remaining",
        translation_key="homecomfort_charge_remaining",
        kind="dhw",
        device_class=SensorDeviceClass.DURATION,
        native_unit_of_measurement=UnitOfTime.MINUTES,
        value=lambda g, c: g.charge[c].remaining_minutes if c in g.charge else None,
        exists=lambda g, c: c in g.charge,
    ),
)


def _circuit_sensors(
    coordinator: HomeComfortCoordinator,
) -> Iterator[CircuitSensor]:
    for gateway_id, gateway in coordinator.data.gateways.items():
        for description in SENSORS:
            circuits = gateway.heating if description.kind == "hc" else gateway.dhw
            for circuit in circuits:
                if description.exists(gateway, circuit):
                    yield CircuitSensor(coordinator, gateway_id, circuit, description)


def _consent_sensors(
    coordinator: HomeComfortCoordinator,
) -> Iterator[ConsentVersionSensor]:
    for gateway_id in coordinator.data.gateways:
        yield ConsentVersionSensor(coordinator, gateway_id)


def _gateway_sensors(
    coordinator: HomeComfortCoordinator,
) -> Iterator[HomeComfortEntity]:
    yield from _circuit_sensors(coordinator)
    yield from _consent_sensors(coordinator)


async def async_setup_sensor(
    hass: HomeAssistant,
    entry: HomeComfortConfigEntry,
    async_add_entities: AddEntitiesCallback,
) -> None:
    """Add the account's sensors (key expiry, clock skew) and the circuits' sensors."""
    coordinator = entry.runtime_data.coordinator
    async_add_entities([KeyExpirySensor(coordinator), ClockSkewSensor(coordinator)])
    track_entities(entry, async_add_entities, _gateway_sensors)


class CircuitSensor(HomeComfortEntity, SensorEntity):
    """One value of a heating or hot-water circuit."""

    entity_description: CircuitSensorDescription

    def __init__(
        self,
        coordinator: HomeComfortCoordinator,
        gateway_id: str,
        circuit: str,
        description: CircuitSensorDescription,
    ) -> None:
        """Follow one value of one circuit."""
        super().__init__(coordinator, gateway_id, f"{circuit}-{description.key}")
        self.entity_description = description
        self._circuit = circuit
        self._attr_translation_placeholders = {
            "circuit": circuit.removeprefix(description.kind)
        }

    @property
    def native_value(self) -> float | str | None:
        """The value as last read."""
        gateway = self.gateway
        return (
            self.entity_description.value(gateway, self._circuit) if gateway else None
        )


class ConsentVersionSensor(HomeComfortEntity, SensorEntity):
    """The consent version the owner accepted (from the gateway's contract).

    Stays available while the gateway refuses access: it shows why.
    """

    _attr_translation_key = "homecomfort_consent_version"
    _attr_entity_category = EntityCategory.DIAGNOSTIC

    def __init__(self, coordinator: HomeComfortCoordinator, gateway_id: str) -> None:
        """Follow the gateway's contract."""
        super().__init__(coordinator, gateway_id, "consent_version")

    @property
    def available(self) -> bool:
        """Available while the API answers and the contract is active."""
        return self.coordinator.last_update_success and self.gateway is not None

    @property
    def native_value(self) -> str | None:
        """The accepted consent version (None: no consent given)."""
        gateway = self.gateway
        return gateway.contract.consent_version if gateway else None


class KeyExpirySensor(
    CoordinatorEntity[HomeComfortCoordinator], BoschConnectEntity, SensorEntity
):
    """When the API key in use expires (it is renewed well before)."""

    _attr_translation_key = "homecomfort_key_expires"
    _attr_device_class = SensorDeviceClass.TIMESTAMP
    _attr_entity_category = EntityCategory.DIAGNOSTIC

    def __init__(self, coordinator: HomeComfortCoordinator) -> None:
        """Attach to the account's service device."""
        super().__init__(coordinator)
        entry = coordinator.config_entry
        self._attr_unique_id = f"homecomfort-{entry.entry_id}-key_expires"
        self._attr_device_info = account_device(entry)

    @property
    def native_value(self) -> dt.datetime:
        """The expiry of the key in use."""
        return self.coordinator.keys.expires


class ClockSkewSensor(
    CoordinatorEntity[HomeComfortCoordinator], BoschConnectEntity, SensorEntity
):
    """The API's clock minus this machine's (seconds), from its ``Date`` headers.

    Only shown: the key's expiry comes from the key and is judged by the API's
    clock, so a skew changes neither the renewal nor re-authentication.
    """

    _attr_translation_key = "homecomfort_clock_skew"
    _attr_device_class = SensorDeviceClass.DURATION
    _attr_native_unit_of_measurement = UnitOfTime.SECONDS
    _attr_state_class = SensorStateClass.MEASUREMENT
    _attr_entity_category = EntityCategory.DIAGNOSTIC
    _attr_entity_registry_enabled_default = False

    def __init__(self, coordinator: HomeComfortCoordinator) -> None:
        """Attach to the account's service device."""
        super().__init__(coordinator)
        entry = coordinator.config_entry
        self._attr_unique_id = f"homecomfort-{entry.entry_id}-clock_skew"
        self._attr_device_info = account_device(entry)

    @property
    def native_value(self) -> int | None:
        """Whole seconds (None until an answer of the API told its time)."""
        skew = self.coordinator.client.clock_skew
        return None if skew is None else round(skew)
