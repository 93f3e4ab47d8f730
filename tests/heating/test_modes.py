"""The mapping of Bosch operation modes to Home Assistant modes."""

from __future__ import annotations

from homeassistant.components.climate.const import (
    PRESET_AWAY,
    PRESET_ECO,
    PRESET_NONE,
    HVACMode,
)
from homeassistant.const import UnitOfTemperature

from custom_components.bosch_connect.heating.modes import (
    CircuitModeMap,
    HotWaterModeMap,
    temperature_unit,
)


def test_circuit_modes_in_home_assistant_order() -> None:
    """HVAC modes are ordered, raw spellings kept for writing."""
    modes = CircuitModeMap.from_allowed(["auto", "manual", "Off"])
    assert modes.hvac_modes == [HVACMode.OFF, HVACMode.HEAT, HVACMode.AUTO]
    assert modes.hvac[HVACMode.OFF] == "Off"
    assert modes.preset_modes == []
    assert modes.hvac_mode("manual") == HVACMode.HEAT
    assert modes.preset_mode("manual") is None
    assert modes.hvac_mode(None) is None


def test_other_values_become_presets() -> None:
    """Eco, holiday and unknown values are presets; the first raw value wins."""
    modes = CircuitModeMap.from_allowed(
        ["auto", "eco", "holiday", "away", "Frost Protection", "program"]
    )
    assert modes.hvac_modes == [HVACMode.AUTO]
    assert modes.hvac == {HVACMode.AUTO: "auto"}
    assert modes.preset_modes == [
        PRESET_NONE,
        PRESET_ECO,
        PRESET_AWAY,
        "frost_protection",
    ]
    assert modes.presets[PRESET_AWAY] == "holiday"
    # A preset runs as the circuit's automatic mode when it cannot heat by hand.
    assert modes.hvac_mode("eco") == HVACMode.AUTO
    assert modes.preset_mode("eco") == PRESET_ECO
    assert modes.preset_mode("auto") == PRESET_NONE
    assert modes.preset_mode(None) is None
    assert modes.leave_preset() == "auto"


def test_presets_with_manual_mode() -> None:
    """With a manual mode, presets run as heating and leaving one heats by hand."""
    modes = CircuitModeMap.from_allowed(["manual", "auto", "comfort", "cool"])
    assert modes.hvac_modes == [HVACMode.HEAT, HVACMode.COOL, HVACMode.AUTO]
    assert modes.hvac_mode("comfort") == HVACMode.HEAT
    assert modes.leave_preset() == "manual"


def test_circuit_without_modes_only_heats() -> None:
    """No allowed values: a single heat mode, no presets."""
    modes = CircuitModeMap.from_allowed([])
    assert modes.hvac_modes == [HVACMode.HEAT]
    assert modes.hvac_mode("whatever") == HVACMode.HEAT
    assert modes.leave_preset() is None


def test_hot_water_modes() -> None:
    """Known values map to Home Assistant's states; others are slugs."""
    modes = HotWaterModeMap.from_allowed(
        ["Off", "high", "low", "eco", "HCprogram", "ownprogram", "Boost"]
    )
    assert list(modes.modes) == [
        "off",
        "high_demand",
        "low",
        "eco",
        "heating_program",
        "own_program",
        "boost",
    ]
    assert modes.modes["off"] == "Off"
    assert modes.mode("HCprogram") == "heating_program"
    assert modes.mode(None) is None
    assert modes.on_mode == "ownprogram"


def test_hot_water_on_mode_falls_back() -> None:
    """Without an automatic mode, on means the first mode that is not off."""
    assert HotWaterModeMap.from_allowed(["off", "low"]).on_mode == "low"
    assert HotWaterModeMap.from_allowed(["off"]).on_mode is None
    assert HotWaterModeMap.from_allowed(["off", "eco", "high"]).on_mode == "high"


def test_temperature_unit() -> None:
    """Bosch units: C (default) and F in their spellings."""
    assert temperature_unit("C") == UnitOfTemperature.CELSIUS
    assert temperature_unit("°C") == UnitOfTemperature.CELSIUS
    assert temperature_unit(None) == UnitOfTemperature.CELSIUS
    assert temperature_unit("°F") == UnitOfTemperature.FAHRENHEIT
    assert temperature_unit("f") == UnitOfTemperature.FAHRENHEIT
