"""``/signals``: decoding (pure) and the diagnostic sensors (over the simulator)."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from homeassistant.const import STATE_UNAVAILABLE, STATE_UNKNOWN
from homeassistant.core import HomeAssistant, State
from homeassistant.helpers import entity_registry as er
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)

from custom_components.bosch_connect.const import DOMAIN
from custom_components.bosch_connect.gateway.errors import ValueFormatError
from custom_components.bosch_connect.gateway.signals import (
    FLAG_OPTIONS,
    MAX_SIGNALS,
    OUTDOOR_SIGNAL,
    SignalValue,
    async_signal_paths,
    decode_signal,
)
from simulator.faults import Fault
from simulator.gateway import GatewaySimulator
from simulator.gateway.signals import (
    BROKEN,
    DEFROST,
    FLOW_SETPOINT,
    OUTDOOR,
    PUMP_REQUEST,
    SEASON,
    VOLUME_FLOW,
    signal_leaves,
)

from .heat_pump import sim_options  # noqa: F401  (a frozen simulator clock)


@pytest.fixture
def gateway_sim(heat_pump_sim: GatewaySimulator) -> GatewaySimulator:
    """The gateway of this module's tests is on a heat pump."""
    return heat_pump_sim


OUTDOOR_T1 = "/system/sensors/temperatures/outdoor_t1"


# ---- decoding ------------------------------------------------------------------


def _signal(
    value: Any, unit: str | None = None, state: Any = None, **extra: Any
) -> dict[str, Any]:
    raw: dict[str, Any] = {
        "id": "/signals/X",
        "type": extra.pop("type", "integerValue"),
        "writeable": 0,
        "value": value,
    }
    if unit is not None:
        raw["unitOfMeasure"] = unit
    if state is not None:
        raw["state"] = state
    return raw | extra


def test_openapi_example_is_a_measurement_with_codes() -> None:
    """``SC.HC1.FlowTempSetp`` (25, C, OFF_COOL 90 / OFF_HEAT 0): 25 is a setpoint."""
    codes = [{"OFF_COOL": 90}, {"OFF_HEAT": 0}]
    assert decode_signal(_signal(25, "C", codes)) == SignalValue(
        value=25, raw=25, unit="C"
    )
    # 0 is the code OFF_HEAT: no setpoint, the label says why (still available).
    assert decode_signal(_signal(0, "C", codes)) == SignalValue(
        value=None, raw=0, unit="C", code="OFF_HEAT"
    )
    outdoor = decode_signal(
        _signal(
            -3276.8, "C", {"NA_OPEN": -3276.8, "NA_SHORT": 3276.7}, type="floatValue"
        )
    )
    assert outdoor.value is None
    assert outdoor.code == "NA_OPEN"


def test_enum_without_unit_shows_the_label() -> None:
    """No unit: the state map is an enumeration; a label is a value."""
    season = decode_signal(_signal(1, state={"IDLE": 2, "COOLING": 3, "HEATING": 1}))
    assert season.value == "HEATING"
    assert season.options == ("HEATING", "IDLE", "COOLING")
    # OFF is 0: a label like any other, not a sentinel.
    pump = decode_signal(_signal(0, state=[{"ON": 1}, {"OFF": 0}]))
    assert pump.value == "OFF"
    assert pump.raw == 0
    # A number that no label names is unknown, its raw value kept.
    odd = decode_signal(_signal(7, state={"ON": 1, "OFF": 0}))
    assert odd.value is None
    assert odd.raw == 7
    assert odd.options == ("OFF", "ON")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (_signal(True), "true"),
        (_signal(False), "false"),
        (_signal("TRUE", type="stringValue"), "true"),
        (_signal("false", type="stringValue"), "false"),
    ],
)
def test_flags_are_true_false_strings(raw: dict[str, Any], expected: str) -> None:
    """Flags become the strings "true"/"false" of an enum."""
    decoded = decode_signal(raw)
    assert decoded.value == expected
    assert decoded.options == FLAG_OPTIONS


def test_plain_values() -> None:
    """Numbers with or without a unit, text, and no value at all."""
    assert decode_signal(_signal(12.4, "l/min", type="floatValue")).value == 12.4
    assert decode_signal(_signal(3)).value == 3
    text = decode_signal(_signal("Ok", "C", type="stringValue"))
    assert text == SignalValue(value="Ok", raw="Ok")  # text has no unit
    assert decode_signal(_signal(None, "C")).value is None


@pytest.mark.parametrize(
    "raw",
    [
        None,
        [],
        "x",
        {"type": "refEnum", "value": 1},
        {"value": 1},
        _signal(float("nan"), type="floatValue"),
        _signal(float("inf"), type="floatValue"),
        _signal([1]),
        _signal({"a": 1}),
        _signal(1, unit=5),  # type: ignore[arg-type]
        _signal(1, unit="x" * 17),
        _signal(1, state="OFF"),
        _signal(1, state=[{"OFF": "0"}]),
        _signal(1, state=[{"": 0}]),
        _signal(1, state=[{"OFF": float("nan")}]),
        _signal(1, state=[{"OFF": True}]),
        _signal(1, state=[["OFF", 0]]),
        _signal("x" * 256, type="stringValue"),
    ],
)
def test_hostile_signals_are_refused(raw: object) -> None:
    """What is not a signal raises ValueFormatError (the sensor: unavailable)."""
    with pytest.raises(ValueFormatError):
        decode_signal(raw)


# ---- the sensors, over the simulator ---------------------------------------------


def _unique(sim: GatewaySimulator, path: str) -> str:
    return f"{sim.identity.uuid}-{path.lstrip('/')}"


def _enable(
    hass: HomeAssistant, entry: MockConfigEntry, sim: GatewaySimulator, path: str
) -> str:
    """Register a signal's sensor as enabled before set-up; its entity id."""
    registry = er.async_get(hass)
    return registry.async_get_or_create(
        "sensor",
        DOMAIN,
        _unique(sim, path),
        config_entry=entry,
        suggested_object_id=f"signal_{path.rsplit('/', 1)[1].replace('.', '_').lower()}",
    ).entity_id


def _outdoor(hass: HomeAssistant, sim: GatewaySimulator) -> State:
    """The outdoor temperature sensor's state (by its unique id)."""
    entity_id = er.async_get(hass).async_get_entity_id(
        "sensor", DOMAIN, _unique(sim, OUTDOOR_T1)
    )
    assert entity_id is not None
    state = hass.states.get(entity_id)
    assert state is not None
    return state


async def _poll(hass: HomeAssistant, minutes: int) -> None:
    """Let the signals' next poll happen (and finish)."""
    async_fire_time_changed(hass, dt_util.utcnow() + dt.timedelta(minutes=minutes))
    await hass.async_block_till_done(wait_background_tasks=True)


async def _setup_and_read(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    async_fire_time_changed(hass, dt_util.utcnow() + dt.timedelta(seconds=1))
    await hass.async_block_till_done()


async def test_signal_sensors(
    hass: HomeAssistant,
    gateway_sim: GatewaySimulator,
    gateway_entry: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """One diagnostic sensor per signal, disabled by default; enabled ones read."""
    enabled = {
        path: _enable(hass, gateway_entry, gateway_sim, path)
        for path in (FLOW_SETPOINT, SEASON, PUMP_REQUEST, VOLUME_FLOW, DEFROST, BROKEN)
    }
    await _setup_and_read(hass, gateway_entry)
    registry = er.async_get(hass)
    signals = [
        e
        for e in er.async_entries_for_config_entry(registry, gateway_entry.entry_id)
        if "-signals/" in e.unique_id
    ]
    assert {e.unique_id for e in signals} == {
        _unique(gateway_sim, p) for p in signal_leaves()
    }
    for entity in signals:
        assert entity.entity_category is er.EntityCategory.DIAGNOSTIC
        if entity.entity_id not in enabled.values():
            assert entity.disabled_by is er.RegistryEntryDisabler.INTEGRATION
        assert entity.translation_key == "gateway_signal"

    setpoint = hass.states.get(enabled[FLOW_SETPOINT])
    assert setpoint is not None
    assert setpoint.state == "25"
    assert setpoint.attributes["unit_of_measurement"] == "°C"
    assert setpoint.attributes["friendly_name"].endswith("Signal SC.HC1.FlowTempSetp")
    season = hass.states.get(enabled[SEASON])
    assert season is not None
    assert season.state == "HEATING"
    assert season.attributes["options"] == ["HEATING", "IDLE", "COOLING"]
    pump = hass.states.get(enabled[PUMP_REQUEST])
    assert pump is not None
    assert pump.state == "OFF"  # a label, not unavailable
    flow = hass.states.get(enabled[VOLUME_FLOW])
    assert flow is not None
    assert (flow.state, flow.attributes["unit_of_measurement"]) == ("12.4", "l/min")
    defrost = hass.states.get(enabled[DEFROST])
    assert defrost is not None
    assert defrost.state == "false"
    broken = hass.states.get(enabled[BROKEN])
    assert broken is not None
    assert broken.state == STATE_UNAVAILABLE
    assert [r for r in caplog.records if BROKEN in r.getMessage()] != []

    # The code of a measurement: unknown, the code named, still available.
    gateway_sim.set_value(FLOW_SETPOINT, 0)
    await _poll(hass, minutes=2)
    setpoint = hass.states.get(enabled[FLOW_SETPOINT])
    assert setpoint is not None
    assert setpoint.state == STATE_UNKNOWN
    assert setpoint.attributes["code"] == "OFF_HEAT"
    # The broken signal logged once, however often it is polled.
    assert len([r for r in caplog.records if BROKEN in r.getMessage()]) == 1

    # Only enabled signals are read.
    read = {r.path for r in gateway_sim.faults.requests("/signals/")}
    assert read == set(enabled)


async def test_outdoor_temperature_from_the_signal(
    hass: HomeAssistant,
    gateway_sim: GatewaySimulator,
    gateway_entry: MockConfigEntry,
) -> None:
    """Without outdoor_t1 the outdoor sensor (same unique id) reads SRC.OutdoorTemp."""
    gateway_sim.resources.leaves.pop(OUTDOOR_T1, None)
    await _setup_and_read(hass, gateway_entry)
    state = _outdoor(hass, gateway_sim)
    assert state.state == "6.5"
    assert state.attributes["device_class"] == "temperature"
    assert state.attributes["state_class"] == "measurement"
    # NA_OPEN: the sensor is open, the temperature unknown.
    gateway_sim.set_value(OUTDOOR, -3276.8)
    await _poll(hass, minutes=2)
    assert _outdoor(hass, gateway_sim).state == STATE_UNKNOWN


async def test_outdoor_t1_wins_over_the_signal(
    hass: HomeAssistant,
    gateway_sim: GatewaySimulator,
    gateway_entry: MockConfigEntry,
) -> None:
    """With outdoor_t1 the outdoor sensor reads it; the signal is only a diagnostic."""
    await _setup_and_read(hass, gateway_entry)
    state = _outdoor(hass, gateway_sim)
    assert state.state == "8.5"
    assert OUTDOOR_SIGNAL not in {
        r.path for r in gateway_sim.faults.requests("/signals/")
    }


async def test_signal_list_is_bounded(
    gateway_sim: GatewaySimulator,
    gateway_authed_client: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """More than MAX_SIGNALS: the first are offered, one warning."""
    for n in range(MAX_SIGNALS + 5):
        path = f"/signals/X.{n:04d}"
        gateway_sim.resources.leaves[path] = {
            "id": path,
            "type": "integerValue",
            "writeable": 0,
            "value": n,
        }
    gateway_authed_client.max_answer = 1024 * 1024
    with caplog.at_level(logging.WARNING):
        paths = await async_signal_paths(gateway_authed_client)
    assert len(paths) == MAX_SIGNALS
    assert len([r for r in caplog.records if "signals" in r.getMessage()]) == 1


async def test_no_signals(
    gateway_sim: GatewaySimulator, gateway_authed_client: Any
) -> None:
    """A gateway without /signals (403) has no signal sensors."""
    for path in signal_leaves():
        del gateway_sim.resources.leaves[path]
    assert await async_signal_paths(gateway_authed_client) == []


async def test_gateway_without_signals_has_no_signal_sensors(
    hass: HomeAssistant,
    gateway_sim: GatewaySimulator,
    gateway_entry: MockConfigEntry,
) -> None:
    """No /signals (403): the gateway's other sensors only."""
    for path in signal_leaves():
        del gateway_sim.resources.leaves[path]
    await _setup_and_read(hass, gateway_entry)
    registry = er.async_get(hass)
    entries = er.async_entries_for_config_entry(registry, gateway_entry.entry_id)
    assert entries
    assert not [e for e in entries if "-signals/" in e.unique_id]
    assert not gateway_sim.faults.requests("/signals/")


async def test_unreachable_gateway_makes_signals_unavailable(
    hass: HomeAssistant,
    gateway_sim: GatewaySimulator,
    gateway_entry: MockConfigEntry,
) -> None:
    """A gateway that fails: the signal sensors are unavailable, then back."""
    entity_id = _enable(hass, gateway_entry, gateway_sim, SEASON)
    await _setup_and_read(hass, gateway_entry)
    state = hass.states.get(entity_id)
    assert state is not None
    assert state.state == "HEATING"
    gateway_sim.faults.set("/signals/", Fault(status=500))
    await _poll(hass, minutes=2)
    state = hass.states.get(entity_id)
    assert state is not None
    assert state.state == STATE_UNAVAILABLE
    gateway_sim.faults.clear()
    await _poll(hass, minutes=4)
    state = hass.states.get(entity_id)
    assert state is not None
    assert state.state == "HEATING"


async def test_signal_list_failing_offers_none(
    hass: HomeAssistant,
    gateway_sim: GatewaySimulator,
    gateway_entry: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """/signals failing at set-up: no signal sensors, one warning, the rest works."""
    gateway_sim.faults.set("/signals", Fault(status=500))
    await _setup_and_read(hass, gateway_entry)
    registry = er.async_get(hass)
    entries = er.async_entries_for_config_entry(registry, gateway_entry.entry_id)
    assert entries
    assert not [e for e in entries if "-signals/" in e.unique_id]
    assert (
        len([r for r in caplog.records if "signals cannot be listed" in r.getMessage()])
        == 1
    )
