"""Parsing notification bodies: v1.2.0, the 2024 draft, unknown and malformed input."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from typing import Any

from hypothesis import HealthCheck, given, settings, strategies as st
import pytest

from custom_components.bosch_connect.ebike.errors import PayloadError
from custom_components.bosch_connect.ebike.payloads import (
    BikeStatus,
    LocationTracking,
    UnknownEvent,
    WebhookTest,
    parse_events,
)

BIKE = "aee92d17-b30b-4841-aa40-c0573569b04c"
MODULE = "BCM3100_EB1310000B_17918-0052-01-368-00-0000"
UTC = dt.UTC


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations() -> None:
    """Protocol tests: no Home Assistant instance is needed (nor started)."""


def body(data: Any) -> bytes:
    return json.dumps(data).encode()


def location(
    detected: str, lat: float = 48.49, moving: bool | None = True
) -> dict[str, Any]:
    loc: dict[str, Any] = {
        "latitude": lat,
        "longitude": 9.13,
        "altitude": 376,
        "horizontalAccuracy": 13.58,
        "verticalAccuracy": 8.77,
        "detectedAt": detected,
    }
    if moving is not None:
        loc["isMoving"] = moving
    return loc


V1_2_STATUS = {
    "bikeId": BIKE,
    "oemBikeId": "ZMFPKXJ9Y6ZRSTW4",
    "createdAt": "2025-06-01T10:00:00.123Z",
    "type": "BIKE_STATUS",
    "isBikeLightOn": True,
    "battery": {
        "isChargerConnected": False,
        "isCharging": False,
        "reachableRange": [94000, 71000, 74000, 48000],
        "systemRemainingEnergyForRider": 237,
        "systemStateOfCharge": 35,
        "isLightReserveLimitReached": False,
        "instances": [
            {
                "productCode": "BBP3770",
                "partNumber": "0275007560",
                "serialNumber": "12345-0001-01-368-00-0000",
                "softwareVersion": "1.7.0.0",
                "stateOfCharge": 35,
            }
        ],
        "somethingNew": {"ignored": True},
    },
    "odometer": 2565925,
    "assistMode": 2,
    "connectModule": {
        "id": MODULE,
        "batteryStatus": "CHARGE_OK",
        "batteryVoltage": 3927,
    },
    "futureField": [1, 2, 3],
}

DRAFT_STATUS = {
    "bikeId": BIKE,
    "oemBikeId": "ZMFPKXJ9Y6ZRSTW4",
    "createdAt": "2019-08-24T14:15:22Z",
    "type": "BIKE_STATUS",
    "battery": {
        "isChargerConnected": False,
        "isCharging": False,
        "reachableRange": [94, 71, 74, 48],
        "systemRemainingEnergyForRider": 237,
        "systemStateOfCharge": 35,
    },
    "odometer": 2565.925,
    "connectModule": {
        "id": MODULE,
        "batteryStatus": "CHARGING",
        "batteryVoltage": 3927,
    },
}


def test_webhook_test() -> None:
    [event] = parse_events(
        b'{"type":"WEBHOOK_TEST","createdAt":"2024-01-18T10:00:00Z"}'
    )
    assert event == WebhookTest(created_at=dt.datetime(2024, 1, 18, 10, tzinfo=UTC))
    assert event.dedup_key == (None, "WEBHOOK_TEST", event.created_at)


def test_bike_status_v1_2() -> None:
    [event] = parse_events(body(V1_2_STATUS))
    assert isinstance(event, BikeStatus)
    assert event.shape == "v1.2.0"
    assert event.bike_id == BIKE
    assert event.module_id == MODULE
    assert event.odometer_m == 2565925
    assert event.reachable_range_m == (94000, 71000, 74000, 48000)
    assert event.state_of_charge == 35
    assert event.remaining_energy_wh == 237
    assert event.is_bike_light_on is True
    assert event.is_charger_connected is False
    assert event.is_charging is False
    assert event.is_light_reserve_limit_reached is False
    assert event.assist_mode == 2
    assert event.bcm_battery_status == "CHARGE_OK"
    assert event.bcm_battery_voltage_mv == 3927
    [battery] = event.battery_instances
    assert battery.state_of_charge == 35
    assert battery.serial_number == "12345-0001-01-368-00-0000"
    assert event.created_at == dt.datetime(2025, 6, 1, 10, 0, 0, 123000, tzinfo=UTC)
    assert event.dedup_key == (BIKE, "BIKE_STATUS", event.created_at)


def test_bike_status_draft_is_normalised_to_metres() -> None:
    [event] = parse_events(body(DRAFT_STATUS))
    assert isinstance(event, BikeStatus)
    assert event.shape == "draft"
    assert event.odometer_m == 2565925
    assert event.reachable_range_m == (94000, 71000, 74000, 48000)
    assert event.is_bike_light_on is None
    assert event.assist_mode is None
    assert event.battery_instances == ()


def test_bike_status_of_a_sleeping_bike() -> None:
    """Only the required fields when the bike is off and not charging."""
    data = {k: V1_2_STATUS[k] for k in ("bikeId", "oemBikeId", "createdAt", "type")} | {
        "connectModule": {"id": MODULE}
    }
    [event] = parse_events(body(data))
    assert isinstance(event, BikeStatus)
    assert event.state_of_charge is None
    assert event.odometer_m is None
    assert event.reachable_range_m is None
    assert event.bcm_battery_status is None


def test_location_tracking_v1_2_newest_wins() -> None:
    data = {
        "bikeId": BIKE,
        "oemBikeId": "X",
        "createdAt": "2025-06-01T10:04:00Z",
        "type": "LOCATION_TRACKING",
        "connectModule": {"id": MODULE},
        "locations": [
            location("2025-06-01T10:03:00Z", 48.3, moving=False),
            location("2025-06-01T10:01:00Z", 48.1),
            location("2025-06-01T12:02:00+02:00", 48.2),
        ],
    }
    [event] = parse_events(body(data))
    assert isinstance(event, LocationTracking)
    assert event.shape == "v1.2.0"
    assert [loc.latitude for loc in event.locations] == [48.1, 48.2, 48.3]
    latest = event.latest
    assert latest is not None
    assert latest.latitude == 48.3
    assert latest.is_moving is False
    assert latest.horizontal_accuracy == 13.58
    assert latest.detected_at == dt.datetime(2025, 6, 1, 10, 3, tzinfo=UTC)
    assert event.dedup_key == (BIKE, "LOCATION_TRACKING", event.created_at)


def test_location_tracking_without_locations() -> None:
    data = {
        "bikeId": BIKE,
        "oemBikeId": "X",
        "createdAt": "2025-06-01T10:04:00Z",
        "type": "LOCATION_TRACKING",
        "connectModule": {"id": MODULE},
    }
    [event] = parse_events(body(data))
    assert isinstance(event, LocationTracking)
    assert event.latest is None


def test_location_tracking_draft_array() -> None:
    def item(bike: str, created: str, detected: str, lat: float) -> dict[str, Any]:
        return {
            "bikeId": bike,
            "oemBikeId": "OEM-" + bike[:4],
            "createdAt": created,
            "type": "LOCATION_TRACKING",
            "connectModule": {"id": MODULE},
            "currentLocation": location(detected, lat, moving=None),
            "isMoving": True,
            "extra": "ignored",
        }

    other = "11111111-2222-4333-8444-555555555555"
    data = [
        item(BIKE, "2024-01-18T10:05:00Z", "2024-01-18T10:04:30Z", 48.5),
        item(BIKE, "2024-01-18T10:00:00Z", "2024-01-18T09:59:30Z", 48.4),
        item(other, "2024-01-18T10:00:00Z", "2024-01-18T09:59:00Z", 47.0),
    ]
    first, second = parse_events(body(data))
    assert isinstance(first, LocationTracking)
    assert isinstance(second, LocationTracking)
    assert first.shape == "draft"
    assert first.bike_id == BIKE
    assert first.created_at == dt.datetime(2024, 1, 18, 10, 5, tzinfo=UTC)
    assert first.latest is not None
    assert first.latest.latitude == 48.5
    assert first.latest.is_moving is True
    assert len(first.locations) == 2
    assert second.bike_id == other
    assert second.oem_bike_id == "OEM-1111"


def test_unknown_event_types_are_events_not_errors() -> None:
    [event] = parse_events(
        body(
            {
                "type": "BIKE_PROFILE",
                "createdAt": "2025-01-01T00:00:00Z",
                "bikeId": BIKE,
            }
        )
    )
    assert event == UnknownEvent(
        type="BIKE_PROFILE",
        created_at=dt.datetime(2025, 1, 1, tzinfo=UTC),
        bike_id=BIKE,
    )
    assert event.dedup_key[0] == BIKE
    [event] = parse_events(body({"type": "SOMETHING_NEW"}))
    assert isinstance(event, UnknownEvent)
    assert event.created_at is None
    assert event.dedup_key[2] == dt.datetime.min.replace(tzinfo=UTC)
    # Inside a draft-style array, too.
    [event] = parse_events(body([{"type": "BIKE_TRACEABILITY_STATUS"}]))
    assert isinstance(event, UnknownEvent)


def _with(base: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(json.dumps(base))
    *parents, last = path.split(".")
    target = data
    for key in parents:
        target = target[key]
    if value is KeyError:
        del target[last]
    else:
        target[last] = value
    return data


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("bikeId", KeyError),
        ("bikeId", 5),
        ("bikeId", ""),
        ("createdAt", "yesterday"),
        ("createdAt", "2025-06-01T10:00:00"),  # no time zone
        ("connectModule", "BCM"),
        ("connectModule.id", None),
        ("battery", [1]),
        ("battery.reachableRange", "far"),
        ("battery.reachableRange", [1, "x", 3, 4]),
        ("battery.systemStateOfCharge", 35.5),
        ("battery.systemStateOfCharge", True),
        ("battery.isCharging", "yes"),
        ("battery.instances", {"a": 1}),
        ("battery.instances", [1]),
        ("odometer", "far"),
        ("odometer", True),
        ("battery.systemStateOfCharge", 10**400),
        ("odometer", 10**400),
        ("connectModule.batteryStatus", 5),
        ("battery.reachableRange", [1, 2, 3, 10**400]),
        ("assistMode", "TURBO"),
        ("type", 7),
    ],
)
def test_malformed_bike_status(path: str, value: Any) -> None:
    with pytest.raises(PayloadError):
        parse_events(body(_with(V1_2_STATUS, path, value)))


def test_overflowing_numbers_are_refused() -> None:
    raw = json.dumps(location("2025-06-01T10:03:00Z")).replace("48.49", "1e400")
    tracking = body(
        {
            "bikeId": BIKE,
            "oemBikeId": "X",
            "createdAt": "2025-06-01T10:04:00Z",
            "type": "LOCATION_TRACKING",
            "connectModule": {"id": MODULE},
            "locations": ["LOC"],
        }
    ).replace(b'"LOC"', raw.encode())
    # orjson refuses a number beyond a double while decoding.
    with pytest.raises(PayloadError, match="not valid JSON"):
        parse_events(tracking)


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        ("battery.systemStateOfCharge", 101, "state_of_charge"),
        ("battery.systemStateOfCharge", -1, "state_of_charge"),
        ("battery.systemStateOfCharge", 1e300, "state_of_charge"),
        ("battery.systemStateOfCharge", 2**63, "state_of_charge"),
        ("odometer", -1, "odometer_m"),
        ("odometer", 2**40, "odometer_m"),
        ("battery.systemRemainingEnergyForRider", -5, "remaining_energy_wh"),
        ("connectModule.batteryVoltage", -3927, "bcm_battery_voltage_mv"),
    ],
)
def test_values_outside_their_physical_range_become_unknown(
    path: str, value: Any, field: str, caplog: pytest.LogCaptureFixture
) -> None:
    """That value is None (one debug line); the rest of the event stands.

    Before, a state of charge of 101 or a negative odometer was shown as it
    came, and 1e300 refused the whole notification.
    """
    caplog.set_level("DEBUG", logger="custom_components.bosch_connect.ebike")
    [event] = parse_events(body(_with(V1_2_STATUS, path, value)))
    assert isinstance(event, BikeStatus)
    assert getattr(event, field) is None
    [good] = parse_events(body(V1_2_STATUS))
    assert event == dataclasses.replace(good, **{field: None})  # type: ignore[arg-type]
    [line] = [r for r in caplog.records if "physical range" in r.getMessage()]
    assert line.levelname == "DEBUG"
    assert str(value) not in line.getMessage()


def test_ranges_and_battery_instances_out_of_range() -> None:
    data = _with(V1_2_STATUS, "battery.reachableRange", [94000, -1, 2**31, 48000])
    data["battery"]["instances"][0]["stateOfCharge"] = 250
    [event] = parse_events(body(data))
    assert isinstance(event, BikeStatus)
    assert event.reachable_range_m == (94000, None, None, 48000)
    assert event.battery_instances[0].state_of_charge is None
    assert event.state_of_charge == 35


def test_huge_draft_values_become_unknown() -> None:
    """A draft odometer of 1e308 km is no distance (it was refused before)."""
    [event] = parse_events(body(_with(DRAFT_STATUS, "odometer", 1e308)))
    assert isinstance(event, BikeStatus)
    assert event.odometer_m is None
    assert event.state_of_charge == 35
    data = _with(DRAFT_STATUS, "battery.reachableRange", [1e308, 1, -1.5, 1])
    data["odometer"] = 1.5
    [event] = parse_events(body(data))
    assert isinstance(event, BikeStatus)
    assert event.reachable_range_m == (None, 1000, None, 1000)
    assert event.odometer_m == 1500


@pytest.mark.parametrize(
    ("key", "value", "field"),
    [
        ("latitude", 91, "latitude"),
        ("latitude", -90.5, "latitude"),
        ("longitude", 181, "longitude"),
        ("longitude", -180.01, "longitude"),
        ("horizontalAccuracy", 1e300, "horizontal_accuracy"),
        ("horizontalAccuracy", 100_001, "horizontal_accuracy"),
        ("horizontalAccuracy", -1, "horizontal_accuracy"),
        ("verticalAccuracy", 2**64, "vertical_accuracy"),
    ],
)
@pytest.mark.parametrize("shape", ["v1.2.0", "draft"])
def test_locations_outside_their_range_become_unknown(
    key: str, value: Any, field: str, shape: str
) -> None:
    """Only that value is unknown; the rest of the location still applies."""
    bad = {**location("2025-06-01T10:03:00Z"), key: value}
    base = {
        "bikeId": BIKE,
        "oemBikeId": "X",
        "createdAt": "2025-06-01T10:04:00Z",
        "type": "LOCATION_TRACKING",
        "connectModule": {"id": MODULE},
    }
    if shape == "draft":
        moving = bad.pop("isMoving")
        raw = body([{**base, "currentLocation": bad, "isMoving": moving}])
    else:
        raw = body({**base, "locations": [bad]})
    [event] = parse_events(raw)
    assert isinstance(event, LocationTracking)
    assert event.latest is not None
    assert getattr(event.latest, field) is None
    others = {"latitude", "longitude", "horizontal_accuracy", "vertical_accuracy"}
    for other in others - {field}:
        assert getattr(event.latest, other) is not None
    assert event.latest.is_moving is True
    assert event.latest.altitude == 376


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"not json",
        b"NaN",
        b'{"type": "BIKE_STATUS", "odometer": Infinity}',
        b"[]",
        b"[1]",
        b'"WEBHOOK_TEST"',
        b"42",
        b'{"createdAt": "2025-01-01T00:00:00Z"}',
        b'{"type":"WEBHOOK_TEST","createdAt":"0001-01-01T00:00:00+14:00"}',
        b'{"type":"WEBHOOK_TEST"}',
        b"\xff\xfe",
        b"[" * 100_000,
        b'{"type":"LOCATION_TRACKING","bikeId":"b","oemBikeId":"o",'
        b'"createdAt":"2025-01-01T00:00:00Z","connectModule":{"id":"m"},"locations":{}}',
        b'{"type":"LOCATION_TRACKING","bikeId":"b","oemBikeId":"o",'
        b'"createdAt":"2025-01-01T00:00:00Z","connectModule":{"id":"m"},"locations":[1]}',
    ],
)
def test_malformed_bodies(raw: bytes) -> None:
    with pytest.raises(PayloadError):
        parse_events(raw)


def test_location_fields_are_checked() -> None:
    base = {
        "bikeId": BIKE,
        "oemBikeId": "X",
        "createdAt": "2025-06-01T10:04:00Z",
        "type": "LOCATION_TRACKING",
        "connectModule": {"id": MODULE},
    }
    good = location("2025-06-01T10:03:00Z")
    for key, value in (
        ("latitude", "48"),
        ("altitude", 10**400),
        ("longitude", "181"),
        ("altitude", None),
        ("isMoving", "no"),
        ("detectedAt", 5),
    ):
        broken = dict(good)
        if value is None:
            del broken[key]
        else:
            broken[key] = value
        with pytest.raises(PayloadError):
            parse_events(body({**base, "locations": [broken]}))


# --- property tests: any input gives events or PayloadError, nothing else ---------------

JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.text(max_size=12), children, max_size=5)
    ),
    max_leaves=8,
)
KEYS = st.sampled_from(
    [
        "type",
        "bikeId",
        "oemBikeId",
        "createdAt",
        "connectModule",
        "battery",
        "odometer",
        "locations",
        "currentLocation",
        "isMoving",
        "reachableRange",
        "instances",
        "assistMode",
        "isBikeLightOn",
        "latitude",
        "detectedAt",
    ]
)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False),
    st.text(max_size=8),
    st.sampled_from(
        ["BIKE_STATUS", "LOCATION_TRACKING", "WEBHOOK_TEST", "2025-01-01T00:00:00Z"]
    ),
    st.sampled_from([10**400, -(10**400), 1e308, -1e308, 2**63]),
)
INNER = st.dictionaries(KEYS, SCALARS, max_size=6)
SHAPED = st.one_of(
    st.dictionaries(
        KEYS, st.one_of(SCALARS, INNER, st.lists(INNER, max_size=3)), max_size=8
    ),
    st.lists(INNER, max_size=3),
)


def _only_payload_errors(raw: bytes) -> None:
    try:
        events = parse_events(raw)
    except PayloadError:
        return
    assert events
    for event in events:
        assert isinstance(
            event, WebhookTest | BikeStatus | LocationTracking | UnknownEvent
        )
        assert isinstance(event.dedup_key, tuple)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=200))
def test_random_bytes(raw: bytes) -> None:
    _only_payload_errors(raw)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(JSON)
def test_random_json(data: Any) -> None:
    _only_payload_errors(json.dumps(data).encode())


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(SHAPED)
def test_random_payload_shaped_json(data: Any) -> None:
    _only_payload_errors(json.dumps(data).encode())


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(["battery", "connectModule", "odometer", "assistMode"]),
    st.one_of(SCALARS, INNER),
)
def test_mutated_real_payloads(key: str, value: Any) -> None:
    _only_payload_errors(body({**V1_2_STATUS, key: value}))
    _only_payload_errors(body({**DRAFT_STATUS, key: value}))


def test_integral_floats_are_integers() -> None:
    [event] = parse_events(
        body(_with(V1_2_STATUS, "battery.systemStateOfCharge", 35.0))
    )
    assert isinstance(event, BikeStatus)
    assert event.state_of_charge == 35
    assert isinstance(event.state_of_charge, int)
