"""The base of every gateway entity: the gateway's devices, writes via the client.

The gateway is a device; each heating circuit, hot-water circuit, heat
source and zone is a child device of it (Home Assistant's parent device),
named "Heating circuit 1" and so on (translated).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import replace
import logging
import re

from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import ConfigEntryAuthFailed
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.device_registry import ChildDeviceInfo, DeviceInfo
from homeassistant.helpers.entity import Entity
from homeassistant.helpers.entity_platform import AddEntitiesCallback
from homeassistant.helpers.update_coordinator import CoordinatorEntity, UpdateFailed

from ..const import DOMAIN
from ..entity import BoschConnectEntity
from ..errors import action_failed, failure_of
from ..heating.model import (
    HeatingCircuitState,
    HotWaterState,
)
from .const import CONF_BRAND, CONF_MODEL, CONF_SERIAL
from .coordinator import GatewayConfigEntry, GatewayCoordinator
from .errors import GatewayError, InvalidValueError
from .failures import GATEWAY_WRITE_ERRORS
from .layout import FIRMWARE, HARDWARE, Layout
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


# The kinds of child devices: the layout's members of each.
HEATING_CIRCUIT = "heating_circuit"
HOT_WATER_CIRCUIT = "hot_water_circuit"
HEAT_SOURCE = "heat_source"
ZONE = "zone"


def _members(layout: Layout) -> dict[str, tuple[str, ...]]:
    return {
        HEATING_CIRCUIT: layout.heating_circuits,
        HOT_WATER_CIRCUIT: layout.hot_water_circuits,
        HEAT_SOURCE: layout.heat_sources,
        ZONE: layout.zones,
    }


def child_identifier(coordinator: GatewayCoordinator, kind: str, member: str) -> str:
    """The identifier of a circuit's, heat source's or zone's device."""
    return f"{gateway_id(coordinator)}_{kind}_{member}"


def child_device(
    coordinator: GatewayCoordinator, kind: str, member: str
) -> ChildDeviceInfo | DeviceInfo:
    """A circuit, heat source or zone as a child device of the gateway.

    Named by translation ("Heating circuit 1"); Home Assistant puts the
    gateway's name in front, so its entities keep the entity ids they had on
    the gateway device (``climate.<gateway>_heating_circuit_1``).
    """
    if coordinator.device_id is None:  # not registered (never after setup)
        return device_info(coordinator)
    return ChildDeviceInfo(
        identifiers={(DOMAIN, child_identifier(coordinator, kind, member))},
        parent_device_id=coordinator.device_id,
        translation_key=f"gateway_{kind}",
        translation_placeholders={
            "number": re.sub(r"^[A-Za-z]+", "", member) or member
        },
    )


def live_identifiers(coordinator: GatewayCoordinator) -> set[tuple[str, str]]:
    """The identifiers of the devices that the gateway has now."""
    return {
        (DOMAIN, gateway_id(coordinator)),
        *(
            (DOMAIN, child_identifier(coordinator, kind, member))
            for kind, members in _members(coordinator.layout).items()
            for member in members
        ),
    }


@callback
def async_register_devices(
    hass: HomeAssistant, coordinator: GatewayCoordinator
) -> None:
    """Register the gateway's device; remove children the gateway no longer has.

    Child devices need their parent first; a circuit (heat source, zone) that
    the probe did not find again is stale and goes with its entities.
    """
    entry = coordinator.config_entry
    registry = dr.async_get(hass)
    device = registry.async_get_or_create(
        config_entry_id=entry.entry_id, **device_info(coordinator)
    )
    coordinator.device_id = device.id
    live = live_identifiers(coordinator)
    for child in dr.async_child_entries_for_config_entry(registry, entry.entry_id):
        if not child.identifiers & live:
            registry.async_remove_device(child.id)


def read_only[T: (HeatingCircuitState, HotWaterState)](state: T) -> T:
    """The state with nothing writable (the token lacks the write scope)."""
    return replace(
        state,
        target=replace(state.target, writable=False),
        mode=replace(state.mode, writable=False),
    )


class GatewayEntity(CoordinatorEntity[GatewayCoordinator], BoschConnectEntity):
    """An entity of a gateway, identified by the gateway uuid and a key.

    ``context``: what the entity reads (a resource path, or its circuit's
    folder): the coordinator polls only what the added entities read.
    ``device``: a child device (else the gateway's device).
    """

    def __init__(
        self,
        coordinator: GatewayCoordinator,
        key: str,
        *,
        context: str,
        device: ChildDeviceInfo | DeviceInfo | None = None,
    ) -> None:
        """Attach the entity to its device."""
        super().__init__(coordinator, context)
        self._attr_unique_id = f"{gateway_id(coordinator)}-{key}"
        self._attr_device_info = device or device_info(coordinator)

    async def async_write_resource(
        self, path: str, value: Scalar, refresh: Iterable[str]
    ) -> None:
        """Write a value, then re-read ``refresh`` so the confirmed value shows."""
        try:
            await self.coordinator.client.put(path, value)
        except InvalidValueError as err:
            raise action_failed(
                err, GATEWAY_WRITE_ERRORS, value=str(value), path=path
            ) from err
        except GatewayError as err:
            if failure_of(err, GATEWAY_WRITE_ERRORS).reauth:
                self.coordinator.config_entry.async_start_reauth(self.hass)
            raise action_failed(err, GATEWAY_WRITE_ERRORS) from err
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

    # The circuit's device is named; the entity is its main feature.
    _attr_name = None
    _collection: str
    _kind: str
    _resources: tuple[str, ...]

    def __init__(self, coordinator: GatewayCoordinator, circuit: str) -> None:
        """Follow one circuit; its device is a child of the gateway's."""
        folder = f"{self._collection}/{circuit}"
        super().__init__(
            coordinator,
            folder.lstrip("/"),
            context=folder,
            device=child_device(coordinator, self._kind, circuit),
        )
        self._circuit = circuit

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


type CircuitPlatform = Callable[
    [HomeAssistant, GatewayConfigEntry, AddEntitiesCallback], Awaitable[None]
]


def circuit_platform(
    build: Callable[[GatewayCoordinator, str], Entity],
    members: Callable[[GatewayCoordinator], Iterable[str]],
) -> CircuitPlatform:
    """A platform's set-up: one entity (``build``) per circuit that ``members`` names."""

    async def async_setup(
        hass: HomeAssistant,
        entry: GatewayConfigEntry,
        async_add_entities: AddEntitiesCallback,
    ) -> None:
        coordinator = entry.runtime_data.coordinator
        async_add_entities(
            build(coordinator, member) for member in members(coordinator)
        )

    return async_setup
