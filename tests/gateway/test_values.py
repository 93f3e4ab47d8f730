"""The resource value format (K 40 RF OpenAPI examples and real-device shapes)."""

from __future__ import annotations

import math
from typing import Any

from hypothesis import given, settings, strategies as st
import pytest

from custom_components.bosch_connect.gateway.errors import (
    InvalidValueError,
    ValueFormatError,
)
from custom_components.bosch_connect.gateway.values import (
    Notification,
    parse_resource,
    validate_for_write,
)

# Examples from the K 40 RF OpenAPI file and pyk40rf's real-device fixtures.
OUTDOOR = {
    "id": "/system/sensors/temperatures/outdoor_t1",
    "type": "floatValue",
    "writeable": 0,
    "value": 30,
    "unitOfMeasure": "C",
    "state": [{"open": -32768, "short": 32767}],
}
ACTUAL_TEMP = {
    "id": "/dhwCircuits/dhw1/actualTemp",
    "type": "floatValue",
    "writeable": 0,
    "value": -32768,
    "unitOfMeasure": "C",
    "state": [{"open": -32768}, {"short": 32767}],
}
SIGNAL = {
    "id": "/signals/s1",
    "type": "integerValue",
    "writeable": 0,
    "value": 90,
    "state": {"OFF_COOL": 90, "OFF_HEAT": 0},
}
STARTS = {
    "id": "/heatSources/hs1/numberOfStarts",
    "type": "emonValue",
    "writeable": 0,
    "values": [{"ch": 1500}, {"dhw": 679}, {"cooling": 97}, {"total": 2276}],
}
NOTIFICATIONS = {
    "id": "/notifications",
    "type": "errorList",
    "writeable": 0,
    "values": [{"dcd": "4U", "ccd": 521, "orig": "8", "dlv": "8", "fc": "4"}],
}
MAX_FLOW = {
    "id": "/heatingCircuits/hc1/maxFlowTemp",
    "type": "floatValue",
    "writeable": 1,
    "value": 48,
    "unitOfMeasure": "C",
    "minValue": 30,
    "maxValue": 60,
}
MODE = {
    "id": "/heatingCircuits/hc1/operationMode",
    "type": "stringValue",
    "writeable": 1,
    "recordable": 0,
    "value": "auto",
    "allowedValues": ["auto", "manual"],
}
SETPOINT = {
    "id": "/heatingCircuits/hc1/manualRoomSetpoint",
    "type": "floatValue",
    "writeable": 1,
    "value": 21.0,
    "minValue": 5.0,
    "maxValue": 30.0,
    "stepSize": 0.5,
}
LEVEL = {
    "id": "/x/level",
    "type": "integerValue",
    "writeable": 1,
    "value": 3,
    "minValue": 1,
    "maxValue": 5,
}


def test_float_with_sentinels() -> None:
    outdoor = parse_resource(OUTDOOR)
    assert (outdoor.value, outdoor.raw_value, outdoor.sentinel) == (30, 30, None)
    assert outdoor.states == {"open": -32768.0, "short": 32767.0}
    assert outdoor.unit == "C"
    assert not outdoor.writeable
    actual = parse_resource(ACTUAL_TEMP)
    assert (actual.value, actual.raw_value, actual.sentinel) == (None, -32768, "open")


def test_tenth_sentinel() -> None:
    room = parse_resource(
        {
            "id": "/heatingCircuits/hc1/roomtemperature",
            "type": "floatValue",
            "writeable": 0,
            "value": -3276.8,
            "state": [{"open": -3276.8}, {"short": 3276.7}],
        }
    )
    assert room.value is None
    assert room.sentinel == "open"


def test_dict_state() -> None:
    signal = parse_resource(SIGNAL)
    assert signal.states == {"OFF_COOL": 90.0, "OFF_HEAT": 0.0}
    assert (signal.value, signal.sentinel) == (None, "OFF_COOL")


def test_string_and_writeable() -> None:
    mode = parse_resource(MODE)
    assert mode.writeable
    assert mode.value == "auto"
    assert mode.allowed_values == ("auto", "manual")


def test_emon_value() -> None:
    starts = parse_resource(STARTS)
    assert starts.energy == {"ch": 1500, "dhw": 679, "cooling": 97, "total": 2276}
    assert starts.notifications == ()
    assert parse_resource(OUTDOOR).energy == {}


def test_error_list() -> None:
    notes = parse_resource(NOTIFICATIONS)
    assert notes.notifications == (Notification("4U", 521, "8", "8", "4"),)
    assert (
        parse_resource(
            {"id": "/notifications", "type": "errorList", "writeable": 0}
        ).notifications
        == ()
    )
    minimal = parse_resource(
        {"id": "/notifications", "type": "errorList", "values": [{"dcd": 7}]}
    )
    assert minimal.notifications == (Notification("7", None),)


def test_ref_enum() -> None:
    folder = parse_resource(
        {
            "id": "/heatingCircuits",
            "type": "refEnum",
            "references": [
                {"id": "/heatingCircuits/hc1", "uri": "http://gw/heatingCircuits/hc1"},
                {"id": "/heatingCircuits/hc2"},
            ],
        }
    )
    assert folder.references == ("/heatingCircuits/hc1", "/heatingCircuits/hc2")


def test_array_and_other_types() -> None:
    demand = parse_resource(
        {
            "id": "/heatSources/actualHeatDemand",
            "type": "arrayData",
            "writeable": 0,
            "values": ["ch", "dhw"],
            "allowedValues": ["ch", "dhw", "pool"],
        }
    )
    assert demand.values == ("ch", "dhw")
    assert demand.allowed_values == ("ch", "dhw", "pool")
    info = parse_resource(
        {
            "id": "/system/basicInfo",
            "type": "systeminfo",
            "writeable": 0,
            "values": [{"Id": "8"}],
        }
    )
    assert info.values == ({"Id": "8"},)
    program = parse_resource(
        {"id": "/hc1/switchPrograms/A", "type": "switchProgram", "switchPoints": []}
    )
    assert program.values == ()
    assert program.raw["switchPoints"] == []


@pytest.mark.parametrize(
    "raw",
    [
        None,
        [],
        "x",
        {},
        {"type": "floatValue"},
        {"id": "relative", "type": "floatValue"},
        {"id": "/x"},
        {"id": "/x", "type": ""},
        {"id": "/x", "type": "floatValue", "writeable": 2},
        {"id": "/x", "type": "floatValue", "writeable": 1.0},
        {"id": "/x", "type": "floatValue", "value": "21"},
        {"id": "/x", "type": "floatValue", "value": True},
        {"id": "/x", "type": "floatValue", "value": math.inf},
        {"id": "/x", "type": "floatValue", "value": 1, "minValue": "0"},
        {"id": "/x", "type": "floatValue", "value": 1, "stepSize": 0},
        {"id": "/x", "type": "floatValue", "value": 1, "unitOfMeasure": 3},
        {"id": "/x", "type": "floatValue", "value": 1, "state": "open"},
        {"id": "/x", "type": "floatValue", "value": 1, "state": [1]},
        {"id": "/x", "type": "floatValue", "value": 1, "state": [{"open": "x"}]},
        {"id": "/x", "type": "stringValue", "value": 1},
        {"id": "/x", "type": "stringValue", "value": "a", "allowedValues": "a"},
        {"id": "/x", "type": "stringValue", "value": "a", "allowedValues": [1]},
        {"id": "/x", "type": "refEnum"},
        {"id": "/x", "type": "refEnum", "references": [{"uri": "u"}]},
        {"id": "/x", "type": "emonValue", "values": {"a": 1}},
        {"id": "/x", "type": "emonValue", "values": [1]},
        {"id": "/x", "type": "emonValue", "values": [{"a": "1"}]},
        {"id": "/x", "type": "errorList", "values": {}},
        {"id": "/x", "type": "errorList", "values": ["4U"]},
        {"id": "/x", "type": "errorList", "values": [{"dcd": "4U", "ccd": "521"}]},
        {"id": "/x", "type": "errorList", "values": [{"dcd": "4U", "ccd": 5.5}]},
        {"id": "/x", "type": "errorList", "values": [{"dcd": ["4U"]}]},
        {"id": "/x", "type": "arrayData", "values": "a"},
    ],
)
def test_garbage_is_a_value_format_error(raw: Any) -> None:
    with pytest.raises(ValueFormatError):
        parse_resource(raw)


@pytest.mark.parametrize(
    ("resource", "value", "expected"),
    [
        (SETPOINT, 22.5, 22.5),
        (SETPOINT, 5, 5),
        (SETPOINT, 30.0, 30.0),
        (MAX_FLOW, 47.3, 47.3),  # no step
        (MODE, "manual", "manual"),
        (LEVEL, 4.0, 4),
        ({**MODE, "allowedValues": None}, "anything", "anything"),
    ],
)
def test_write_allowed(resource: dict[str, Any], value: Any, expected: Any) -> None:
    if resource.get("allowedValues", ()) is None:
        resource = {k: v for k, v in resource.items() if k != "allowedValues"}
    assert validate_for_write(parse_resource(resource), value) == expected


@pytest.mark.parametrize(
    ("resource", "value"),
    [
        (SETPOINT, 30.5),
        (SETPOINT, 4.5),
        (SETPOINT, 21.2),
        (SETPOINT, "21"),
        (SETPOINT, True),
        (SETPOINT, math.nan),
        (MAX_FLOW, 29),
        (MODE, "off"),
        (MODE, 1),
        (LEVEL, 3.5),
        (OUTDOOR, 10),
        (STARTS, 1),
        ({**STARTS, "writeable": 1}, 1),
    ],
)
def test_write_refused(resource: dict[str, Any], value: Any) -> None:
    with pytest.raises(InvalidValueError):
        validate_for_write(parse_resource(resource), value)


JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**40), 2**40)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)
FIELDS = st.sampled_from(
    [
        "id",
        "type",
        "writeable",
        "value",
        "state",
        "minValue",
        "maxValue",
        "stepSize",
        "allowedValues",
        "references",
        "values",
        "unitOfMeasure",
        "unit",
    ]
)
TYPES = st.sampled_from(
    [
        "floatValue",
        "integerValue",
        "stringValue",
        "arrayData",
        "emonValue",
        "errorList",
        "refEnum",
        "systeminfo",
        "other",
    ]
)


@settings(max_examples=100, deadline=None)
@given(
    kind=TYPES,
    extra=st.dictionaries(FIELDS, JSON, max_size=6),
    anything=JSON,
)
def test_parser_raises_only_typed_errors(
    kind: str, extra: dict[str, Any], anything: Any
) -> None:
    for raw in ({"id": "/p", "type": kind, **extra}, anything):
        try:
            resource = parse_resource(raw)
        except ValueFormatError:
            continue
        assert resource.id.startswith("/")
        if resource.sentinel is not None:
            assert resource.value is None


@settings(max_examples=100, deadline=None)
@given(
    resource=st.sampled_from([SETPOINT, MAX_FLOW, MODE, LEVEL, OUTDOOR, STARTS]),
    value=JSON,
)
def test_write_check_raises_only_typed_errors(
    resource: dict[str, Any], value: Any
) -> None:
    parsed = parse_resource(resource)
    try:
        accepted = validate_for_write(parsed, value)
    except InvalidValueError:
        return
    if parsed.min is not None:
        assert isinstance(accepted, int | float)
        assert parsed.min <= accepted <= (parsed.max or math.inf)
    if parsed.allowed_values is not None:
        assert accepted in parsed.allowed_values


WRITEABLE = [
    "/heatingCircuits/hc1/operationMode",
    "/heatingCircuits/hc1/manualRoomSetpoint",
    "/heatingCircuits/hc1/maxFlowTemp",
    "/dhwCircuits/dhw1/operationMode",
    "/dhwCircuits/dhw1/temperatureLevels/high",
    "/heatingCircuits/hc1/roomtemperature",  # read-only
    "/notifications",  # not writable at all
]
CANDIDATES = (
    st.floats(min_value=-10, max_value=100, allow_nan=False).map(lambda f: round(f, 1))
    | st.integers(-10, 100)
    | st.sampled_from(["auto", "manual", "off", "high", "eco", "party", ""])
    | st.booleans()
    | st.none()
)


@settings(max_examples=150, deadline=None)
@given(path=st.sampled_from(WRITEABLE), value=CANDIDATES)
def test_client_check_agrees_with_the_gateway(path: str, value: Any) -> None:
    """What validate_for_write accepts is exactly what the gateway takes."""
    from simulator.clock import Clock
    from simulator.gateway.resources import ResourceTree, default_tree

    tree = ResourceTree(
        default_tree(brand="Bosch", uuid="1", firmware="1", hardware="1", serial="1"),
        Clock(),
    )
    resource = parse_resource(tree.get(path, "https://gw"))
    try:
        validate_for_write(resource, value)
        client_ok = True
    except InvalidValueError:
        client_ok = False
    gateway_ok = tree.write(path, {"value": value}) is None
    assert client_ok == gateway_ok
