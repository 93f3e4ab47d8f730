"""Parse eBike notification bodies into typed events.

Notification API v1.2.0 is the contract (odometer and ranges in metres,
LocationTracking an object with ``locations[]``). The 2024 draft shapes are
accepted too (LocationTracking a JSON array of items with ``currentLocation``
and ``isMoving``; odometer as a float in kilometres, ranges in kilometres) and
normalised to metres. Unknown event types become :class:`UnknownEvent`;
unknown fields are ignored. Anything malformed raises :class:`PayloadError`
and nothing else.

A number outside its physical range is not malformed: that value becomes
unknown (None, with one debug line naming the field, never its value) and
the rest of the event stands. The ranges: a state of charge 0-100 %; an
odometer, a range, an energy and a voltage from 0 to ``MAX_AMOUNT`` (the
int32 of the v1.2.0 fields; 2.1 million km as a distance); a latitude
within ±90 and a longitude within ±180 degrees; an accuracy from 0 to
``MAX_ACCURACY_M`` (no real fix is worse than 100 km). So every value an
entity shows is finite and fits any JSON encoder.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
import datetime as dt
import logging
from typing import Any, Final, Literal

import orjson

from .errors import PayloadError

TYPE_WEBHOOK_TEST = "WEBHOOK_TEST"
TYPE_BIKE_STATUS = "BIKE_STATUS"
TYPE_LOCATION_TRACKING = "LOCATION_TRACKING"

type Shape = Literal["v1.2.0", "draft"]
SHAPE_V1_2: Final = "v1.2.0"
SHAPE_DRAFT: Final = "draft"

# Fields that exist only in BikeStatus v1.2.0: their presence settles the units.
_V1_2_BIKE_STATUS_FIELDS = ("isBikeLightOn", "assistMode")
_V1_2_BATTERY_FIELDS = ("instances", "isLightReserveLimitReached")

_LOGGER = logging.getLogger(__name__)

_MAX_INT = 2**53  # larger numbers are no measurement
MAX_AMOUNT: Final = 2**31 - 1  # metres, Wh, mV: int32 in the specification
MAX_ACCURACY_M: Final = 100_000.0

type DedupKey = tuple[str | None, str, dt.datetime]

# The event classes are read-only by convention, not frozen: a frozen
# dataclass sets each field through object.__setattr__, which made building
# a BikeStatus five times dearer, on every notification (docs/performance.md).


@dataclass(slots=True)
class WebhookTest:
    """The test notification sent when a webhook is created."""

    created_at: dt.datetime
    type: str = TYPE_WEBHOOK_TEST

    @property
    def dedup_key(self) -> DedupKey:
        """(bike, type, createdAt) identifying a delivery."""
        return (None, self.type, self.created_at)


@dataclass(slots=True)
class UnknownEvent:
    """An event type that we do not handle (accepted and ignored)."""

    type: str
    created_at: dt.datetime | None
    bike_id: str | None = None

    @property
    def dedup_key(self) -> DedupKey:
        """(bike, type, createdAt) identifying a delivery."""
        return (
            self.bike_id,
            self.type,
            self.created_at or dt.datetime.min.replace(tzinfo=dt.UTC),
        )


@dataclass(slots=True)
class BatteryInstance:
    """One eBike battery (v1.2.0 ``battery.instances``)."""

    product_code: str | None
    part_number: str | None
    serial_number: str | None
    software_version: str | None
    state_of_charge: int | None


@dataclass(slots=True)
class BikeStatus:
    """A BIKE_STATUS notification, units normalised (metres, Wh, %, mV).

    The optional fields are None when the bike was off and not charging.
    """

    bike_id: str
    oem_bike_id: str
    module_id: str
    created_at: dt.datetime
    shape: Shape
    bcm_battery_status: str | None = None
    bcm_battery_voltage_mv: int | None = None
    is_bike_light_on: bool | None = None
    is_charger_connected: bool | None = None
    is_charging: bool | None = None
    state_of_charge: int | None = None
    remaining_energy_wh: int | None = None
    reachable_range_m: tuple[int | None, ...] | None = None
    is_light_reserve_limit_reached: bool | None = None
    battery_instances: tuple[BatteryInstance, ...] = ()
    odometer_m: int | None = None
    assist_mode: int | None = None
    type: str = TYPE_BIKE_STATUS

    @property
    def dedup_key(self) -> DedupKey:
        """(bike, type, createdAt) identifying a delivery."""
        return (self.bike_id, self.type, self.created_at)


@dataclass(slots=True)
class Location:
    """One detected position (a value outside its range is None)."""

    latitude: float | None
    longitude: float | None
    altitude: float
    horizontal_accuracy: float | None
    vertical_accuracy: float | None
    detected_at: dt.datetime
    is_moving: bool


@dataclass(slots=True)
class LocationTracking:
    """A LOCATION_TRACKING notification for one bike.

    ``locations`` is sorted oldest to newest; ``latest`` is the newest.
    """

    bike_id: str
    oem_bike_id: str
    module_id: str
    created_at: dt.datetime
    shape: Shape
    locations: tuple[Location, ...] = ()
    type: str = TYPE_LOCATION_TRACKING

    @property
    def latest(self) -> Location | None:
        """The location with the newest ``detectedAt`` (None if there is none)."""
        return self.locations[-1] if self.locations else None

    @property
    def dedup_key(self) -> DedupKey:
        """(bike, type, createdAt) identifying a delivery."""
        return (self.bike_id, self.type, self.created_at)


type Event = WebhookTest | BikeStatus | LocationTracking | UnknownEvent


def parse_events(body: bytes | str) -> list[Event]:
    """Parse a notification body. Raises :class:`PayloadError` only.

    orjson (Home Assistant's own JSON library) is strict where the standard
    library is lenient: NaN and Infinity, numbers beyond a double, lone
    surrogates, non-UTF-8 bodies and nesting deeper than 1,024 are refused.
    """
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError as err:
        raise PayloadError("body is not valid JSON") from err
    if isinstance(data, list):
        return _parse_array(data)
    if isinstance(data, dict):
        return [_parse_object(data)]
    raise PayloadError("body is neither a JSON object nor an array")


def _parse_object(data: Mapping[str, Any]) -> Event:
    kind = _str(data, "type")
    if kind == TYPE_WEBHOOK_TEST:
        return WebhookTest(created_at=_time(data, "createdAt"))
    if kind == TYPE_BIKE_STATUS:
        return _bike_status(data)
    if kind == TYPE_LOCATION_TRACKING:
        return _location_tracking_v1_2(data)
    return UnknownEvent(
        type=kind,
        created_at=_opt_time(data, "createdAt"),
        bike_id=_opt_str(data, "bikeId"),
    )


def _parse_array(items: list[Any]) -> list[Event]:
    """The 2024 draft LocationTracking: an array of per-bike items."""
    if not items:
        raise PayloadError("empty array")
    per_bike: dict[str, list[tuple[Mapping[str, Any], Location]]] = {}
    events: list[Event] = []
    for item in items:
        if not isinstance(item, dict):
            raise PayloadError("array item is not an object")
        if _str(item, "type") != TYPE_LOCATION_TRACKING:
            events.append(_parse_object(item))
            continue
        location = _location(
            _obj(item, "currentLocation"), is_moving=_bool(item, "isMoving")
        )
        per_bike.setdefault(_str(item, "bikeId"), []).append((item, location))
    for bike_id, entries in per_bike.items():
        newest = max(entries, key=lambda e: _time(e[0], "createdAt"))[0]
        events.append(
            LocationTracking(
                bike_id=bike_id,
                oem_bike_id=_str(newest, "oemBikeId"),
                module_id=_str(_obj(newest, "connectModule"), "id"),
                created_at=_time(newest, "createdAt"),
                shape=SHAPE_DRAFT,
                locations=_sorted(loc for _, loc in entries),
            )
        )
    return events


def _sorted(locations: Any) -> tuple[Location, ...]:
    ordered = tuple(locations)
    if len(ordered) < 2:  # what Bosch sends: the newest position alone
        return ordered
    return tuple(sorted(ordered, key=_detected_at))


def _detected_at(location: Location) -> dt.datetime:
    return location.detected_at


def _location_tracking_v1_2(data: Mapping[str, Any]) -> LocationTracking:
    raw = data.get("locations")
    if raw is None:
        raw = []
    if not isinstance(raw, list):
        raise PayloadError("locations is not an array")
    locations = []
    for item in raw:
        if not isinstance(item, dict):
            raise PayloadError("location is not an object")
        locations.append(_location(item, is_moving=_bool(item, "isMoving")))
    return LocationTracking(
        bike_id=_str(data, "bikeId"),
        oem_bike_id=_str(data, "oemBikeId"),
        module_id=_str(_obj(data, "connectModule"), "id"),
        created_at=_time(data, "createdAt"),
        shape=SHAPE_V1_2,
        locations=_sorted(locations),
    )


def _location(data: Mapping[str, Any], *, is_moving: bool) -> Location:
    return Location(
        latitude=_within(data, "latitude", -90.0, 90.0),
        longitude=_within(data, "longitude", -180.0, 180.0),
        altitude=_num(data, "altitude"),
        horizontal_accuracy=_within(data, "horizontalAccuracy", 0.0, MAX_ACCURACY_M),
        vertical_accuracy=_within(data, "verticalAccuracy", 0.0, MAX_ACCURACY_M),
        detected_at=_time(data, "detectedAt"),
        is_moving=is_moving,
    )


def _bike_status(data: Mapping[str, Any]) -> BikeStatus:
    module = _obj(data, "connectModule")
    battery = data.get("battery")
    if battery is not None and not isinstance(battery, dict):
        raise PayloadError("battery is not an object")
    battery = battery or {}
    odometer = data.get("odometer")
    if odometer is not None and (
        isinstance(odometer, bool) or not isinstance(odometer, int | float)
    ):
        raise PayloadError("odometer is not a number")
    # The draft sends the odometer as a float in km, v1.2.0 as an int in metres.
    draft = (
        odometer.__class__ is float
        and not any(key in data for key in _V1_2_BIKE_STATUS_FIELDS)
        and not any(key in battery for key in _V1_2_BATTERY_FIELDS)
    )
    factor = 1000 if draft else 1
    ranges = battery.get("reachableRange")
    reachable: tuple[int | None, ...] | None = None
    if ranges is not None:
        if not isinstance(ranges, list):
            raise PayloadError("reachableRange is not an array")
        reachable = tuple(
            [_metres(value, factor, "reachableRange") for value in ranges]
        )
    instances = battery.get("instances") or []
    if not isinstance(instances, list):
        raise PayloadError("instances is not an array")
    return BikeStatus(
        bike_id=_str(data, "bikeId"),
        oem_bike_id=_str(data, "oemBikeId"),
        module_id=_str(module, "id"),
        created_at=_time(data, "createdAt"),
        shape=SHAPE_DRAFT if draft else SHAPE_V1_2,
        bcm_battery_status=_opt_str(module, "batteryStatus"),
        bcm_battery_voltage_mv=_bounded_int(module, "batteryVoltage", MAX_AMOUNT),
        is_bike_light_on=_opt_bool(data, "isBikeLightOn"),
        is_charger_connected=_opt_bool(battery, "isChargerConnected"),
        is_charging=_opt_bool(battery, "isCharging"),
        state_of_charge=_bounded_int(battery, "systemStateOfCharge", 100),
        remaining_energy_wh=_bounded_int(
            battery, "systemRemainingEnergyForRider", MAX_AMOUNT
        ),
        reachable_range_m=reachable,
        is_light_reserve_limit_reached=_opt_bool(battery, "isLightReserveLimitReached"),
        battery_instances=tuple([_instance(item) for item in instances]),
        odometer_m=None if odometer is None else _metres(odometer, factor, "odometer"),
        assist_mode=_opt_int(data, "assistMode"),
    )


def _instance(data: Any) -> BatteryInstance:
    if not isinstance(data, dict):
        raise PayloadError("battery instance is not an object")
    return BatteryInstance(
        product_code=_opt_str(data, "productCode"),
        part_number=_opt_str(data, "partNumber"),
        serial_number=_opt_str(data, "serialNumber"),
        software_version=_opt_str(data, "softwareVersion"),
        state_of_charge=_bounded_int(data, "stateOfCharge", 100),
    )


# Typed field readers: each raises PayloadError naming the field (never its value).


def _obj(data: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = data.get(key)
    if not isinstance(value, dict):
        raise PayloadError(f"{key} is missing or not an object")
    return value


def _str(data: Mapping[str, Any], key: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value:
        raise PayloadError(f"{key} is missing or not a string")
    return value


def _opt_str(data: Mapping[str, Any], key: str) -> str | None:
    value = data.get(key)
    if value is None or (value.__class__ is str and value):
        return value
    raise PayloadError(f"{key} is not a string")


def _bool(data: Mapping[str, Any], key: str) -> bool:
    value = data.get(key)
    if not isinstance(value, bool):
        raise PayloadError(f"{key} is missing or not a boolean")
    return value


def _opt_bool(data: Mapping[str, Any], key: str) -> bool | None:
    value = data.get(key)
    if value is None or value.__class__ is bool:
        return value
    raise PayloadError(f"{key} is not a boolean")


def _as_num(value: Any, key: str) -> float:
    # orjson gives finite floats only, and integers of at most 64 bits (larger
    # ones become floats), so a number always fits a finite float here.
    if value.__class__ is float or value.__class__ is int:  # bool is no number
        return float(value)
    raise PayloadError(f"{key} is not a number")


def _out_of_range(key: str) -> None:
    _LOGGER.debug("%s is outside its physical range: taken as unknown", key)


def _metres(value: Any, factor: int, key: str) -> int | None:
    """A distance in metres from 0 to MAX_AMOUNT (else None)."""
    if factor == 1 and value.__class__ is int and 0 <= value <= MAX_AMOUNT:
        return int(value)  # plain integers (v1.2.0, metres): no float round trip
    scaled = _as_num(value, key) * factor
    if 0 <= scaled <= MAX_AMOUNT:  # False for inf too
        return round(scaled)
    _out_of_range(key)
    return None


def _num(data: Mapping[str, Any], key: str) -> float:
    if key not in data:
        raise PayloadError(f"{key} is missing")
    return _as_num(data[key], key)


def _within(data: Mapping[str, Any], key: str, low: float, high: float) -> float | None:
    """A required number, None when it is outside [low, high]."""
    value = data.get(key)
    if value.__class__ is not float and value.__class__ is not int:
        value = _num(data, key)  # raises: missing, or not a number
    if low <= value <= high:
        return float(value)
    _out_of_range(key)
    return None


def _bounded_int(data: Mapping[str, Any], key: str, high: int) -> int | None:
    """An optional integer from 0 to ``high``; None when outside."""
    value = data.get(key)
    if value is None or (value.__class__ is int and 0 <= value <= high):
        return value
    number = _as_num(value, key)
    if not 0 <= number <= high:
        _out_of_range(key)
        return None
    if not number.is_integer():
        raise PayloadError(f"{key} is not an integer")
    return int(number)


def _opt_int(data: Mapping[str, Any], key: str) -> int | None:
    value = data.get(key)
    if value is None or (value.__class__ is int and -_MAX_INT < value < _MAX_INT):
        return value
    number = _as_num(value, key)
    if not number.is_integer() or not -_MAX_INT < number < _MAX_INT:
        raise PayloadError(f"{key} is not an integer in range")
    return int(number)


def _time(data: Mapping[str, Any], key: str) -> dt.datetime:
    raw = _str(data, key)
    try:
        value = dt.datetime.fromisoformat(raw)
        if value.tzinfo is dt.UTC:  # "...Z", what Bosch sends
            return value
        if value.tzinfo is None:
            raise PayloadError(f"{key} has no time zone")
        return value.astimezone(dt.UTC)
    except (ValueError, OverflowError) as err:
        raise PayloadError(f"{key} is not a date-time") from err


def _opt_time(data: Mapping[str, Any], key: str) -> dt.datetime | None:
    return None if data.get(key) is None else _time(data, key)
