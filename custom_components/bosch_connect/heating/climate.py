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

from .entity import CircuitEntity
from .model import HeatingCircuitState
from .modes import CircuitModeMap


class HeatingCircuitClimate(
    CircuitEntity[HeatingCircuitState, CircuitModeMap], ClimateEntity
):
    """Home Assistant's view of a heating circuit.

    Subclasses provide :attr:`circuit` and the two write methods; they may
    override :meth:`async_after_write` to show the confirmed value.
    """

    _mode_map_type = CircuitModeMap

    @property
    def circuit(self) -> HeatingCircuitState | None:
        """The circuit as last reported, None when unknown."""
        raise NotImplementedError

    @property
    def _reported(self) -> HeatingCircuitState | None:
        return self.circuit

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
    def current_humidity(self) -> float | None:
        """The room humidity, where the circuit measures it."""
        return self.circuit.current_humidity if self.circuit else None

    @property
    def target_temperature_step(self) -> float | None:
        """The setpoint step (half a degree unless the circuit says otherwise)."""
        if self.circuit and self.circuit.target.step:
            return self.circuit.target.step
        return 0.5

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
        if (value := kwargs.get(ATTR_TEMPERATURE)) is not None:
            await self._async_write_temperature(float(value))

    async def async_set_hvac_mode(self, hvac_mode: HVACMode) -> None:
        """Switch the circuit to an HVAC mode."""
        modes = self._mode_map
        await self._async_write_mode(
            modes.hvac.get(hvac_mode), hvac_mode, list(modes.hvac)
        )

    async def async_set_preset_mode(self, preset_mode: str) -> None:
        """Switch the circuit to a preset, or leave it (``none``)."""
        modes = self._mode_map
        raw = (
            modes.leave_preset()
            if preset_mode == PRESET_NONE
            else modes.presets.get(preset_mode)
        )
        await self._async_write_mode(raw, preset_mode, modes.preset_modes)

    async def async_turn_on(self) -> None:
        """Switch heating on: by hand if the circuit can, else automatic."""
        modes = self._mode_map
        target = HVACMode.HEAT if HVACMode.HEAT in modes.hvac else HVACMode.AUTO
        await self.async_set_hvac_mode(target)

    async def async_turn_off(self) -> None:
        """Switch heating off."""
        await self.async_set_hvac_mode(HVACMode.OFF)
