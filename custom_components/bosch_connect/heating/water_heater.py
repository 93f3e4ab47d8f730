"""A water heater entity for a hot-water circuit, whatever service reports it."""

from __future__ import annotations

from typing import Any

from homeassistant.components.water_heater import (
    WaterHeaterEntity,
    WaterHeaterEntityFeature,
)
from homeassistant.const import ATTR_TEMPERATURE, STATE_OFF

from .entity import CircuitEntity, not_writable, write
from .model import HotWaterState
from .modes import HotWaterModeMap


class HotWaterHeater(CircuitEntity[HotWaterState, HotWaterModeMap], WaterHeaterEntity):
    """Home Assistant's view of a hot-water circuit.

    Subclasses provide :attr:`hot_water` and the two write methods; they may
    override :meth:`async_after_write` to show the confirmed value.
    """

    _mode_map_type = HotWaterModeMap

    @property
    def hot_water(self) -> HotWaterState | None:
        """The circuit as last reported, None when unknown."""
        raise NotImplementedError

    @property
    def _reported(self) -> HotWaterState | None:
        return self.hot_water

    @property
    def supported_features(self) -> WaterHeaterEntityFeature:
        """What this circuit lets Home Assistant change."""
        features = WaterHeaterEntityFeature(0)
        if (hot_water := self.hot_water) is None:
            return features
        if hot_water.target.writable:
            features |= WaterHeaterEntityFeature.TARGET_TEMPERATURE
        if self._modes_writable and self._mode_map.modes:
            features |= WaterHeaterEntityFeature.OPERATION_MODE
            if STATE_OFF in self._mode_map.modes and self._mode_map.on_mode:
                features |= WaterHeaterEntityFeature.ON_OFF
        return features

    @property
    def target_temperature_step(self) -> float | None:
        """The setpoint step, where the circuit names one."""
        return self.hot_water.target.step if self.hot_water else None

    @property
    def operation_list(self) -> list[str] | None:
        """The operation modes the circuit offers."""
        return list(self._mode_map.modes) or None

    @property
    def current_operation(self) -> str | None:
        """The current operation mode."""
        if (hot_water := self.hot_water) is None:
            return None
        return self._mode_map.mode(hot_water.mode.value)

    async def async_set_temperature(self, **kwargs: Any) -> None:
        """Set the hot-water setpoint."""
        if (value := kwargs.get(ATTR_TEMPERATURE)) is not None:
            await self._async_write_temperature(float(value))

    async def async_set_operation_mode(self, operation_mode: str) -> None:
        """Switch to an operation mode."""
        modes = self._mode_map.modes
        await self._async_write_mode(
            modes.get(operation_mode), operation_mode, list(modes)
        )

    async def async_turn_on(self, **kwargs: Any) -> None:
        """Switch hot water on (automatic mode first)."""
        raw = self._mode_map.on_mode
        if not self._modes_writable or raw is None:
            raise not_writable()
        await write(self.async_write_mode, raw, self.async_after_write)

    async def async_turn_off(self, **kwargs: Any) -> None:
        """Switch hot water off."""
        await self.async_set_operation_mode(STATE_OFF)
