"""A water heater entity for a hot-water circuit, whatever service reports it."""

from __future__ import annotations

from typing import Any

from homeassistant.components.water_heater import (
    WaterHeaterEntity,
    WaterHeaterEntityFeature,
)
from homeassistant.const import ATTR_TEMPERATURE, STATE_OFF

from .entity import check_temperature, mode_not_supported, not_writable, write
from .model import HotWaterState
from .modes import HotWaterModeMap, temperature_unit


class HotWaterHeater(WaterHeaterEntity):
    """Home Assistant's view of a hot-water circuit.

    Subclasses provide :attr:`hot_water` and the two write methods; they may
    override :meth:`async_after_write` to show the confirmed value.
    """

    _modes_cache: tuple[tuple[str, ...], HotWaterModeMap] | None = None

    @property
    def hot_water(self) -> HotWaterState | None:
        """The circuit as last reported, None when unknown."""
        raise NotImplementedError

    async def async_write_target_temperature(self, value: float) -> None:
        """Write the hot-water setpoint (raise HeatingWriteError on failure)."""
        raise NotImplementedError

    async def async_write_mode(self, raw_mode: str) -> None:
        """Write the operation mode (raise HeatingWriteError on failure)."""
        raise NotImplementedError

    async def async_after_write(self) -> None:
        """Called after a successful write."""

    @property
    def _mode_map(self) -> HotWaterModeMap:
        allowed = self.hot_water.mode.allowed if self.hot_water else ()
        if self._modes_cache is None or self._modes_cache[0] != allowed:
            self._modes_cache = (allowed, HotWaterModeMap.from_allowed(allowed))
        return self._modes_cache[1]

    @property
    def _modes_writable(self) -> bool:
        return self.hot_water is not None and self.hot_water.mode.writable

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
    def temperature_unit(self) -> str:
        """The unit the circuit reports in."""
        return temperature_unit(self.hot_water.unit if self.hot_water else None)

    @property
    def current_temperature(self) -> float | None:
        """The hot-water temperature."""
        return self.hot_water.current_temperature if self.hot_water else None

    @property
    def target_temperature(self) -> float | None:
        """The hot-water setpoint."""
        return self.hot_water.target.value if self.hot_water else None

    @property
    def target_temperature_step(self) -> float | None:
        """The setpoint step, where the circuit names one."""
        return self.hot_water.target.step if self.hot_water else None

    @property
    def min_temp(self) -> float:
        """The lowest setpoint."""
        if self.hot_water and self.hot_water.target.minimum is not None:
            return self.hot_water.target.minimum
        return super().min_temp

    @property
    def max_temp(self) -> float:
        """The highest setpoint."""
        if self.hot_water and self.hot_water.target.maximum is not None:
            return self.hot_water.target.maximum
        return super().max_temp

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
        if (value := kwargs.get(ATTR_TEMPERATURE)) is None:
            return
        if (hot_water := self.hot_water) is None:
            raise not_writable()
        check_temperature(hot_water.target, float(value), self.temperature_unit)
        await write(
            self.async_write_target_temperature, float(value), self.async_after_write
        )

    async def async_set_operation_mode(self, operation_mode: str) -> None:
        """Switch to an operation mode."""
        if not self._modes_writable:
            raise not_writable()
        raw = self._mode_map.modes.get(operation_mode)
        if raw is None:
            raise mode_not_supported(operation_mode, list(self._mode_map.modes))
        await write(self.async_write_mode, raw, self.async_after_write)

    async def async_turn_on(self, **kwargs: Any) -> None:
        """Switch hot water on (automatic mode first)."""
        raw = self._mode_map.on_mode
        if not self._modes_writable or raw is None:
            raise not_writable()
        await write(self.async_write_mode, raw, self.async_after_write)

    async def async_turn_off(self, **kwargs: Any) -> None:
        """Switch hot water off."""
        await self.async_set_operation_mode(STATE_OFF)
