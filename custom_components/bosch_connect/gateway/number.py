"""Number entities: settings of a heating circuit (maximum flow temperature)."""

from __future__ import annotations

from homeassistant.components.number import (
    NumberDeviceClass,
    NumberEntity,
    NumberMode,
)
from homeassistant.const import EntityCategory, UnitOfTemperature
from homeassistant.exceptions import ServiceValidationError

from ..const import DOMAIN
from .coordinator import GatewayCoordinator
from .entity import HEATING_CIRCUIT, GatewayEntity, child_device, circuit_platform
from .layout import HC_MAX_FLOW, hc_path
from .values import Resource


class GatewayMaxFlowTemperature(GatewayEntity, NumberEntity):
    """The highest supply temperature a heating circuit may ask for (on its device)."""

    _attr_translation_key = "gateway_max_flow_temperature"
    _attr_device_class = NumberDeviceClass.TEMPERATURE
    _attr_native_unit_of_measurement = UnitOfTemperature.CELSIUS
    _attr_entity_category = EntityCategory.CONFIG
    _attr_mode = NumberMode.BOX

    def __init__(self, coordinator: GatewayCoordinator, circuit: str) -> None:
        """Follow one circuit's ``maxFlowTemp``."""
        self._path = hc_path(circuit, HC_MAX_FLOW)
        super().__init__(
            coordinator,
            self._path.lstrip("/"),
            context=self._path,
            device=child_device(coordinator, HEATING_CIRCUIT, circuit),
        )

    @property
    def _resource(self) -> Resource | None:
        return self.coordinator.data.get(self._path)

    @property
    def available(self) -> bool:
        """Unavailable when the gateway is unreachable or the resource is gone."""
        return super().available and self._resource is not None

    @property
    def native_value(self) -> float | None:
        """The current maximum (unknown for a sentinel)."""
        value = self._resource.value if self._resource else None
        return float(value) if isinstance(value, int | float) else None

    @property
    def native_min_value(self) -> float:
        """The gateway's lower limit."""
        resource = self._resource
        return resource.min if resource and resource.min is not None else 20.0

    @property
    def native_max_value(self) -> float:
        """The gateway's upper limit."""
        resource = self._resource
        return resource.max if resource and resource.max is not None else 90.0

    @property
    def native_step(self) -> float:
        """The gateway's step."""
        resource = self._resource
        return resource.step if resource and resource.step else 1.0

    async def async_set_native_value(self, value: float) -> None:
        """Write the new maximum; the entity shows it once the gateway confirms."""
        resource = self._resource
        if resource is None or not resource.writeable or not self.coordinator.can_write:
            raise ServiceValidationError(
                translation_domain=DOMAIN, translation_key="heating_not_writable"
            )
        await self.async_write_resource(self._path, value, [self._path])


# The maximum flow temperature of every circuit that has one.
async_setup_number = circuit_platform(
    GatewayMaxFlowTemperature,
    lambda coordinator: (
        circuit
        for circuit in coordinator.layout.heating_circuits
        if coordinator.layout.has(hc_path(circuit, HC_MAX_FLOW))
    ),
)
