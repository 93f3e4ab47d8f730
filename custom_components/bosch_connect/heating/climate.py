"""A climate entity for a heating circuit, whatever service reports it."""

from __future__ import annotations

from typing import Any

from homeassistant.components.climate import ClimateEntity
from homeassistant.components.climate.const import (
    ATTR_HVAC_MODE,
    PRESET_NONE,
    ClimateEntityFeature,
    HVACAction,
    HVACMode,
)
from homeassistant.const import ATTR_TEMPERATURE

from .entity import check_temperature, mode_not_supported, not_writable, write
from .model import HeatingCircuitState
from .modes import CircuitModeMap, temperature_unit


class HeatingCircuitClimate(ClimateEntity):
    """Home Assistant's view of a heating circuit.

    Subclasses provide :attr:`circuit` and the two write methods; they may
    override :meth:`async_after_write` to show the confirmed value.
    """

    _modes_cache: tuple[tuple[str, ...], CircuitModeMap] | None = None

    @property
    def circuit(self) -> HeatingCircuitState | None:
        """The circuit as last reported, None when unknown."""
        raise NotImplementedError

    async def async_write_target_temperature(self, value: float) -> None:
        """Write the room setpoint (raise HeatingWriteError on failure)."""
        raise NotImplementedError

    async def async_write_mode(self, raw_mode: str) -> None:
        """Write the circuit's operation mode (raise HeatingWriteError on failure)."""
        raise NotImplementedError

    async def async_after_write(self) -> None:
        """Called after a successful write."""

    @property
    def _mode_map(self) -> CircuitModeMap:
        allowed = self.circuit.mode.allowed if self.circuit else ()
        if self._modes_cache is None or self._modes_cache[0] != allowed:
            self._modes_cache = (allowed, CircuitModeMap.from_allowed(allowed))
        return self._modes_cache[1]

    @property
    def _modes_writable(self) -> bool:
        return self.circuit is not None and self.circuit.mode.writable

    @property
    def supported_features(self) -> ClimateEntityFeature:
        """What this circuit lets Home Assistant change."""
        features = ClimateEntityFeature(0)
        if (circuit := self.circuit) is None:
            return features
        if circuit.target.writable:
            features |= ClimateEntityFeature.TARGET_TEMPERATURE
        if self._modes_writable:
            modes = self._mode_map
            if modes.presets:
                features |= ClimateEntityFeature.PRESET_MODE
            if HVACMode.OFF in modes.hvac and len(modes.hvac) > 1:
                features |= ClimateEntityFeature.TURN_OFF | ClimateEntityFeature.TURN_ON
        return features

    @property
    def temperature_unit(self) -> str:
        """The unit the circuit reports in."""
        return temperature_unit(self.circuit.unit if self.circuit else None)

    @property
    def current_temperature(self) -> float | None:
        """The room temperature."""
        return self.circuit.current_temperature if self.circuit else None

    @property
    def current_humidity(self) -> float | None:
        """The room humidity, where the circuit measures it."""
        return self.circuit.current_humidity if self.circuit else None

    @property
    def target_temperature(self) -> float | None:
        """The room setpoint."""
        return self.circuit.target.value if self.circuit else None

    @property
    def target_temperature_step(self) -> float | None:
        """The setpoint step (half a degree unless the circuit says otherwise)."""
        if self.circuit and self.circuit.target.step:
            return self.circuit.target.step
        return 0.5

    @property
    def min_temp(self) -> float:
        """The lowest setpoint."""
        if self.circuit and self.circuit.target.minimum is not None:
            return self.circuit.target.minimum
        return super().min_temp

    @property
    def max_temp(self) -> float:
        """The highest setpoint."""
        if self.circuit and self.circuit.target.maximum is not None:
            return self.circuit.target.maximum
        return super().max_temp

    @property
    def hvac_modes(self) -> list[HVACMode]:
        """The HVAC modes the circuit offers."""
        return self._mode_map.hvac_modes

    @property
    def hvac_mode(self) -> HVACMode | None:
        """The current HVAC mode."""
        if (circuit := self.circuit) is None:
            return None
        if not circuit.mode.allowed and circuit.mode.value is None:
            return HVACMode.HEAT
        return self._mode_map.hvac_mode(circuit.mode.value)

    @property
    def hvac_action(self) -> HVACAction | None:
        """Whether the circuit heats right now."""
        if (circuit := self.circuit) is None or circuit.heating is None:
            return None
        if self.hvac_mode == HVACMode.OFF:
            return HVACAction.OFF
        return HVACAction.HEATING if circuit.heating else HVACAction.IDLE

    @property
    def preset_modes(self) -> list[str] | None:
        """The presets the circuit offers."""
        return self._mode_map.preset_modes or None

    @property
    def preset_mode(self) -> str | None:
        """The current preset."""
        if (circuit := self.circuit) is None:
            return None
        return self._mode_map.preset_mode(circuit.mode.value)

    async def async_set_temperature(self, **kwargs: Any) -> None:
        """Set the room setpoint (and the HVAC mode, if given)."""
        if (mode := kwargs.get(ATTR_HVAC_MODE)) is not None:
            await self.async_set_hvac_mode(mode)
        if (value := kwargs.get(ATTR_TEMPERATURE)) is None:
            return
        if (circuit := self.circuit) is None:
            raise not_writable()
        check_temperature(circuit.target, float(value), self.temperature_unit)
        await write(
            self.async_write_target_temperature, float(value), self.async_after_write
        )

    async def async_set_hvac_mode(self, hvac_mode: HVACMode) -> None:
        """Switch the circuit to an HVAC mode."""
        if not self._modes_writable:
            raise not_writable()
        raw = self._mode_map.hvac.get(hvac_mode)
        if raw is None:
            raise mode_not_supported(hvac_mode, list(self._mode_map.hvac))
        await write(self.async_write_mode, raw, self.async_after_write)

    async def async_set_preset_mode(self, preset_mode: str) -> None:
        """Switch the circuit to a preset, or leave it (``none``)."""
        if not self._modes_writable:
            raise not_writable()
        modes = self._mode_map
        raw = (
            modes.leave_preset()
            if preset_mode == PRESET_NONE
            else modes.presets.get(preset_mode)
        )
        if raw is None:
            raise mode_not_supported(preset_mode, modes.preset_modes)
        await write(self.async_write_mode, raw, self.async_after_write)

    async def async_turn_on(self) -> None:
        """Switch heating on: by hand if the circuit can, else automatic."""
        modes = self._mode_map
        target = HVACMode.HEAT if HVACMode.HEAT in modes.hvac else HVACMode.AUTO
        await self.async_set_hvac_mode(target)

    async def async_turn_off(self) -> None:
        """Switch heating off."""
        await self.async_set_hvac_mode(HVACMode.OFF)
