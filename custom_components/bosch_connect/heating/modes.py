"""Bosch operation modes mapped to Home Assistant HVAC, preset and hot-water modes."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from homeassistant.components.climate.const import (
    PRESET_AWAY,
    PRESET_BOOST,
    PRESET_COMFORT,
    PRESET_ECO,
    PRESET_NONE,
    HVACMode,
)
from homeassistant.components.water_heater import STATE_ECO, STATE_HIGH_DEMAND
from homeassistant.const import STATE_OFF, UnitOfTemperature

_HVAC: dict[str, HVACMode] = {
    "off": HVACMode.OFF,
    "auto": HVACMode.AUTO,
    "program": HVACMode.AUTO,
    "ownprogram": HVACMode.AUTO,
    "hcprogram": HVACMode.AUTO,
    "clock": HVACMode.AUTO,
    "manual": HVACMode.HEAT,
    "heat": HVACMode.HEAT,
    "on": HVACMode.HEAT,
    "cool": HVACMode.COOL,
    "cooling": HVACMode.COOL,
}
_PRESET: dict[str, str] = {
    "eco": PRESET_ECO,
    "comfort": PRESET_COMFORT,
    "away": PRESET_AWAY,
    "holiday": PRESET_AWAY,
    "boost": PRESET_BOOST,
}
_HOT_WATER: dict[str, str] = {
    "off": STATE_OFF,
    "eco": STATE_ECO,
    "high": STATE_HIGH_DEMAND,
    "low": "low",
    "auto": "auto",
    "ownprogram": "own_program",
    "hcprogram": "heating_program",
}
# The order Home Assistant shows the HVAC modes in.
_HVAC_ORDER = (HVACMode.OFF, HVACMode.HEAT, HVACMode.COOL, HVACMode.AUTO)


def _slug(raw: str) -> str:
    return raw.strip().lower().replace(" ", "_").replace("-", "_")


@dataclass(frozen=True, slots=True)
class CircuitModeMap:
    """The HVAC modes and presets of one heating circuit, with the raw values."""

    hvac: dict[HVACMode, str]
    presets: dict[str, str]

    @classmethod
    def from_allowed(cls, allowed: Iterable[str]) -> CircuitModeMap:
        """Map the circuit's allowed values (first raw value of a mode wins)."""
        hvac: dict[HVACMode, str] = {}
        presets: dict[str, str] = {}
        for raw in allowed:
            slug = _slug(raw)
            if (mode := _HVAC.get(slug)) is not None:
                hvac.setdefault(mode, raw)
            else:
                presets.setdefault(_PRESET.get(slug, slug), raw)
        ordered = {mode: hvac[mode] for mode in _HVAC_ORDER if mode in hvac}
        return cls(hvac=ordered, presets=presets)

    @property
    def hvac_modes(self) -> list[HVACMode]:
        """The HVAC modes; a circuit without known modes only heats."""
        return list(self.hvac) or [HVACMode.HEAT]

    @property
    def preset_modes(self) -> list[str]:
        """The presets (plus ``none`` to leave them), empty when there are none."""
        return [PRESET_NONE, *self.presets] if self.presets else []

    def hvac_mode(self, raw: str | None) -> HVACMode | None:
        """The HVAC mode that a raw value means (presets run as heating)."""
        if raw is None:
            return None
        if (mode := _HVAC.get(_slug(raw))) is not None:
            return mode
        if HVACMode.HEAT in self.hvac or not self.hvac:
            return HVACMode.HEAT
        return HVACMode.AUTO

    def preset_mode(self, raw: str | None) -> str | None:
        """The preset that a raw value means (``none`` when it is an HVAC mode)."""
        if raw is None or not self.presets:
            return None
        slug = _slug(raw)
        if slug in _HVAC:
            return PRESET_NONE
        return _PRESET.get(slug, slug)

    def leave_preset(self) -> str | None:
        """The raw value that ends a preset: heating by hand, else automatic."""
        return self.hvac.get(HVACMode.HEAT) or self.hvac.get(HVACMode.AUTO)


@dataclass(frozen=True, slots=True)
class HotWaterModeMap:
    """The operation modes of one hot-water circuit, with the raw values."""

    modes: dict[str, str]

    @classmethod
    def from_allowed(cls, allowed: Iterable[str]) -> HotWaterModeMap:
        """Map the circuit's allowed values (first raw value of a mode wins)."""
        modes: dict[str, str] = {}
        for raw in allowed:
            slug = _slug(raw)
            modes.setdefault(_HOT_WATER.get(slug, slug), raw)
        return cls(modes=modes)

    def mode(self, raw: str | None) -> str | None:
        """The Home Assistant operation mode that a raw value means."""
        if raw is None:
            return None
        slug = _slug(raw)
        return _HOT_WATER.get(slug, slug)

    @property
    def on_mode(self) -> str | None:
        """The raw value that switches hot water back on (automatic first)."""
        for mode in ("auto", "own_program", "heating_program", "high_demand", "eco"):
            if mode in self.modes:
                return self.modes[mode]
        others = [raw for mode, raw in self.modes.items() if mode != STATE_OFF]
        return others[0] if others else None


def temperature_unit(raw: str | None) -> str:
    """The Home Assistant temperature unit of a Bosch unit string (default Celsius)."""
    if raw is not None and raw.strip().lstrip("°").upper() == "F":
        return UnitOfTemperature.FAHRENHEIT
    return UnitOfTemperature.CELSIUS
