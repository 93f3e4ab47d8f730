"""The shared climate and water heater logic, on a service-neutral circuit.

The gateway tests exercise these bases against the simulator; here the paths
that the simulated installation does not have (presets, cooling, Fahrenheit,
unknown circuits, a service's write failure) are driven directly.
"""

from __future__ import annotations

from homeassistant.components.climate.const import (
    PRESET_ECO,
    PRESET_NONE,
    ClimateEntityFeature,
    HVACAction,
    HVACMode,
)
from homeassistant.components.water_heater import WaterHeaterEntityFeature
from homeassistant.const import ATTR_TEMPERATURE, UnitOfTemperature
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
import pytest

from custom_components.bosch_connect.heating.climate import HeatingCircuitClimate
from custom_components.bosch_connect.heating.model import (
    HeatingCircuitState,
    HeatingWriteError,
    HotWaterState,
    Modes,
    Setpoint,
)
from custom_components.bosch_connect.heating.water_heater import HotWaterHeater


class Circuit(HeatingCircuitClimate):
    """A circuit whose writes are recorded (or fail)."""

    def __init__(self, state: HeatingCircuitState | None) -> None:
        self.state_ = state
        self.writes: list[tuple[str, object]] = []
        self.fail = False
        self.refreshed = 0

    @property
    def circuit(self) -> HeatingCircuitState | None:
        return self.state_

    async def async_write_target_temperature(self, value: float) -> None:
        if self.fail:
            raise HeatingWriteError("HTTP 503")
        self.writes.append(("temperature", value))

    async def async_write_mode(self, raw_mode: str) -> None:
        if self.fail:
            raise HeatingWriteError("HTTP 503")
        self.writes.append(("mode", raw_mode))

    async def async_after_write(self) -> None:
        self.refreshed += 1


class Tank(HotWaterHeater):
    """A hot-water circuit whose writes are recorded."""

    def __init__(self, state: HotWaterState | None) -> None:
        self.state_ = state
        self.writes: list[tuple[str, object]] = []

    @property
    def hot_water(self) -> HotWaterState | None:
        return self.state_

    async def async_write_target_temperature(self, value: float) -> None:
        self.writes.append(("temperature", value))

    async def async_write_mode(self, raw_mode: str) -> None:
        self.writes.append(("mode", raw_mode))


def _circuit(**changes: object) -> HeatingCircuitState:
    values: dict[str, object] = {
        "current_temperature": 20.5,
        "target": Setpoint(value=21.0, minimum=5, maximum=30, step=0.5, writable=True),
        "mode": Modes(
            value="eco", allowed=("auto", "manual", "off", "eco"), writable=True
        ),
        "heating": False,
    }
    values.update(changes)
    return HeatingCircuitState(**values)  # type: ignore[arg-type]


async def test_presets() -> None:
    """A preset is written as its raw value; ``none`` returns to manual."""
    entity = Circuit(_circuit())
    assert entity.supported_features == (
        ClimateEntityFeature.TARGET_TEMPERATURE
        | ClimateEntityFeature.PRESET_MODE
        | ClimateEntityFeature.TURN_OFF
        | ClimateEntityFeature.TURN_ON
    )
    assert entity.preset_modes == [PRESET_NONE, PRESET_ECO]
    assert entity.preset_mode == PRESET_ECO
    assert entity.hvac_mode == HVACMode.HEAT
    assert entity.hvac_action == HVACAction.IDLE
    await entity.async_set_preset_mode(PRESET_NONE)
    await entity.async_set_preset_mode(PRESET_ECO)
    assert entity.writes == [("mode", "manual"), ("mode", "eco")]
    assert entity.refreshed == 2
    with pytest.raises(ServiceValidationError) as err:
        await entity.async_set_preset_mode("boost")
    assert err.value.translation_key == "heating_mode_not_supported"


async def test_set_temperature_with_mode_and_turn_on() -> None:
    """A temperature with an HVAC mode writes both; turn on prefers manual."""
    entity = Circuit(_circuit())
    await entity.async_set_temperature(
        **{ATTR_TEMPERATURE: 22, "hvac_mode": HVACMode.AUTO}
    )
    await entity.async_set_temperature(hvac_mode=HVACMode.OFF)  # mode only
    await entity.async_turn_on()
    await entity.async_turn_off()
    assert entity.writes == [
        ("mode", "auto"),
        ("temperature", 22.0),
        ("mode", "off"),
        ("mode", "manual"),
        ("mode", "off"),
    ]


async def test_refusals() -> None:
    """Out of range, not writable, unknown circuit: refused before writing."""
    entity = Circuit(_circuit())
    with pytest.raises(ServiceValidationError) as err:
        await entity.async_set_temperature(**{ATTR_TEMPERATURE: 31})
    assert err.value.translation_key == "heating_temperature_out_of_range"
    assert err.value.translation_placeholders == {
        "value": "31",
        "minimum": "5",
        "maximum": "30",
        "unit": UnitOfTemperature.CELSIUS,
    }
    read_only = Circuit(
        _circuit(
            target=Setpoint(value=21.0),
            mode=Modes(value="auto", allowed=("auto", "manual")),
        )
    )
    assert read_only.supported_features == ClimateEntityFeature(0)
    for call in (
        read_only.async_set_temperature(**{ATTR_TEMPERATURE: 20}),
        read_only.async_set_hvac_mode(HVACMode.HEAT),
        read_only.async_set_preset_mode(PRESET_ECO),
    ):
        with pytest.raises(ServiceValidationError) as err:
            await call
        assert err.value.translation_key == "heating_not_writable"
    unknown = Circuit(None)
    with pytest.raises(ServiceValidationError):
        await unknown.async_set_temperature(**{ATTR_TEMPERATURE: 20})
    assert entity.writes == read_only.writes == unknown.writes == []


async def test_write_failure_is_translated() -> None:
    """A service's write error becomes a translated HomeAssistantError."""
    entity = Circuit(_circuit())
    entity.fail = True
    with pytest.raises(HomeAssistantError) as err:
        await entity.async_set_hvac_mode(HVACMode.OFF)
    assert err.value.translation_key == "heating_write_failed"
    assert err.value.translation_placeholders == {"error": "HTTP 503"}
    assert entity.refreshed == 0


def test_unknown_circuit_and_defaults() -> None:
    """Nothing known: no features, no values, Home Assistant's default limits."""
    entity = Circuit(None)
    assert entity.supported_features == ClimateEntityFeature(0)
    assert entity.current_temperature is None
    assert entity.current_humidity is None
    assert entity.target_temperature is None
    assert entity.hvac_mode is None
    assert entity.hvac_action is None
    assert entity.preset_mode is None
    assert entity.preset_modes is None
    assert entity.hvac_modes == [HVACMode.HEAT]
    assert entity.target_temperature_step == 0.5
    assert (entity.min_temp, entity.max_temp) == (7, 35)


def test_fahrenheit_circuit_without_modes() -> None:
    """A circuit in Fahrenheit without operation modes, heating now."""
    entity = Circuit(
        _circuit(
            unit="F",
            target=Setpoint(value=70, writable=True),
            mode=Modes(value=None),
            heating=True,
            current_humidity=40.0,
        )
    )
    assert entity.temperature_unit == UnitOfTemperature.FAHRENHEIT
    assert entity.hvac_mode == HVACMode.HEAT
    assert entity.hvac_action == HVACAction.HEATING
    assert entity.current_humidity == 40.0
    assert entity.min_temp == pytest.approx(44.6)
    assert entity.max_temp == 95
    off = Circuit(_circuit(mode=Modes(value="off", allowed=("off", "auto"))))
    assert off.hvac_action == HVACAction.OFF


async def test_water_heater() -> None:
    """Operation modes, on/off and limits of a hot-water circuit."""
    tank = Tank(
        HotWaterState(
            current_temperature=48.0,
            target=Setpoint(value=55, minimum=30, maximum=70, step=1, writable=True),
            mode=Modes(value="eco", allowed=("off", "eco", "high"), writable=True),
        )
    )
    assert tank.supported_features == (
        WaterHeaterEntityFeature.TARGET_TEMPERATURE
        | WaterHeaterEntityFeature.OPERATION_MODE
        | WaterHeaterEntityFeature.ON_OFF
    )
    assert tank.operation_list == ["off", "eco", "high_demand"]
    assert tank.current_operation == "eco"
    assert tank.target_temperature_step == 1
    assert (tank.min_temp, tank.max_temp) == (30, 70)
    await tank.async_turn_on()
    await tank.async_set_temperature()  # nothing to set
    await tank.async_set_temperature(**{ATTR_TEMPERATURE: 60})
    assert tank.writes == [("mode", "high"), ("temperature", 60.0)]
    with pytest.raises(ServiceValidationError):
        await tank.async_set_operation_mode("performance")


async def test_water_heater_unknown_and_read_only() -> None:
    """Unknown circuit and a circuit that cannot be changed."""
    unknown = Tank(None)
    assert unknown.supported_features == WaterHeaterEntityFeature(0)
    assert unknown.current_temperature is None
    assert unknown.target_temperature is None
    assert unknown.target_temperature_step is None
    assert unknown.operation_list is None
    assert unknown.current_operation is None
    # Home Assistant's defaults (110 and 140 °F) in Celsius.
    assert unknown.min_temp == pytest.approx(43.33, abs=0.01)
    assert unknown.max_temp == 60
    with pytest.raises(ServiceValidationError):
        await unknown.async_set_temperature(**{ATTR_TEMPERATURE: 50})
    read_only = Tank(
        HotWaterState(
            current_temperature=None,
            target=Setpoint(value=50),
            mode=Modes(value="auto", allowed=("auto",)),
        )
    )
    assert read_only.supported_features == WaterHeaterEntityFeature(0)
    for call in (
        read_only.async_turn_on(),
        read_only.async_set_operation_mode("auto"),
    ):
        with pytest.raises(ServiceValidationError):
            await call
