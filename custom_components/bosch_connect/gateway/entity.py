"""The base of every gateway entity: one device per gateway, writes via the client."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
import logging

from homeassistant.exceptions import (
    ConfigEntryAuthFailed,
    HomeAssistantError,
    ServiceValidationError,
)
from homeassistant.helpers.device_registry import DeviceInfo
from homeassistant.helpers.update_coordinator import CoordinatorEntity, UpdateFailed

from ..const import DOMAIN
from ..entity import BoschConnectEntity
from ..heating.model import (
    HeatingCircuitState,
    HotWaterState,
)
from .const import CONF_BRAND, CONF_MODEL, CONF_SERIAL
from .coordinator import GatewayCoordinator
from .errors import (
    GatewayAuthError,
    GatewayError,
    GatewayForbiddenError,
    InvalidValueError,
)
from .layout import FIRMWARE, HARDWARE
from .values import Resource, Scalar

_LOGGER = logging.getLogger(__name__)


def gateway_id(coordinator: GatewayCoordinator) -> str:
    """The gateway's uuid (the entry's unique id), else the entry id."""
    entry = coordinator.config_entry
    return entry.unique_id or entry.entry_id


def device_info(coordinator: GatewayCoordinator) -> DeviceInfo:
    """The gateway as a device: circuits and sensors are entities of it."""
    entry = coordinator.config_entry
    data = coordinator.data or {}
    firmware = data.get(FIRMWARE)
    hardware = data.get(HARDWARE)
    return DeviceInfo(
        identifiers={(DOMAIN, gateway_id(coordinator))},
        manufacturer=entry.data.get(CONF_BRAND) or "Bosch",
        model=entry.data.get(CONF_MODEL) or None,
        serial_number=entry.data.get(CONF_SERIAL) or None,
        sw_version=str(firmware.value) if firmware and firmware.value else None,
        hw_version=str(hardware.value) if hardware and hardware.value else None,
        name=entry.title,
    )


def read_only[T: (HeatingCircuitState, HotWaterState)](state: T) -> T:
    """The state with nothing writable (the token lacks the write scope)."""
    return replace(
        state,
        target=replace(state.target, writable=False),
        mode=replace(state.mode, writable=False),
    )


class GatewayEntity(CoordinatorEntity[GatewayCoordinator], BoschConnectEntity):
    """An entity of a gateway, identified by the gateway uuid and a key."""

    def __init__(self, coordinator: GatewayCoordinator, key: str) -> None:
        """Attach the entity to the gateway device."""
        super().__init__(coordinator)
        self._attr_unique_id = f"{gateway_id(coordinator)}-{key}"
        self._attr_device_info = device_info(coordinator)

    async def async_write_resource(
        self, path: str, value: Scalar, refresh: Iterable[str]
    ) -> None:
        """Write a value, then re-read ``refresh`` so the confirmed value shows."""
        try:
            await self.coordinator.client.put(path, value)
        except InvalidValueError as err:
            raise ServiceValidationError(
                translation_domain=DOMAIN,
                translation_key="gateway_value_refused",
                translation_placeholders={"value": str(value), "path": path},
            ) from err
        except GatewayForbiddenError as err:
            raise HomeAssistantError(
                translation_domain=DOMAIN, translation_key="gateway_write_forbidden"
            ) from err
        except GatewayAuthError as err:
            self.coordinator.config_entry.async_start_reauth(self.hass)
            raise HomeAssistantError(
                translation_domain=DOMAIN, translation_key="gateway_token_rejected"
            ) from err
        except GatewayError as err:
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="gateway_write_failed",
                translation_placeholders={"error": str(err)},
            ) from err
        try:
            await self.coordinator.async_refresh_paths(refresh)
        except UpdateFailed, ConfigEntryAuthFailed:
            # The write went through; the next poll shows it.
            _LOGGER.debug("Re-reading %s after the write failed", path)
            await self.coordinator.async_request_refresh()


class GatewayCircuitEntity[StateT: (HeatingCircuitState, HotWaterState)](GatewayEntity):
    """A heating or hot-water circuit of the gateway (``<collection>/<id>``).

    Subclasses name the collection, the circuit ids' prefix, the resources
    of a circuit and how to read its neutral state from the polled data.
    """

    _collection: str
    _id_prefix: str
    _resources: tuple[str, ...]

    def __init__(self, coordinator: GatewayCoordinator, circuit: str) -> None:
        """Follow one circuit."""
        super().__init__(coordinator, f"{self._collection.lstrip('/')}/{circuit}")
        self._circuit = circuit
        self._attr_translation_placeholders = {
            "circuit": circuit.removeprefix(self._id_prefix)
        }

    @staticmethod
    def _read(data: Mapping[str, Resource], circuit: str) -> StateT | None:
        raise NotImplementedError

    def _state(self) -> StateT | None:
        """The circuit as last polled (read-only without the write scope)."""
        state = self._read(self.coordinator.data, self._circuit)
        if state is None or self.coordinator.can_write:
            return state
        return read_only(state)

    @property
    def available(self) -> bool:
        """Unavailable when the gateway is unreachable or the circuit is gone."""
        return super().available and self._state() is not None

    def _path(self, resource: str) -> str:
        return f"{self._collection}/{self._circuit}/{resource}"

    def _paths(self) -> list[str]:
        """The circuit's resources that the gateway has (re-read after a write)."""
        return [
            path
            for name in self._resources
            if self.coordinator.layout.has(path := self._path(name))
        ]
