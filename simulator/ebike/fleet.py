"""The simulated bikes: identity, ConnectModule features, ride and charge state.

Everything is computed on simulated time (seconds since the epoch, from the
service's ``Clock``). ``Bike.advance(now)`` moves the bike along its route,
grows the odometer, drains or charges the battery and returns the triggers
(power, charger, charging finished, BCM battery) that the BCM would report.
"""

from __future__ import annotations

from dataclasses import dataclass, field
import datetime as dt
import math
import random
import string
from typing import Any
import uuid

FEATURE_TYPES = ("LOCATION_TRACKING", "BIKE_STATUS")
PROFILES = ("NONE", "DEFAULT", "FLEET", "CHARGING")
SUPPORTED_PROFILES = {
    "LOCATION_TRACKING": ("NONE", "DEFAULT", "FLEET"),
    "BIKE_STATUS": ("NONE", "DEFAULT", "FLEET", "CHARGING"),
}
BCM_STATUSES = (
    "CHARGE_UNKNOWN",
    "CHARGE_OK",
    "NEED_CHARGE",
    "CHARGE_CRITICAL",
    "CHARGING",
    "CHARGE_FULL",
)
_BCM_VOLTAGE = {
    "CHARGE_UNKNOWN": 3700,
    "CHARGE_OK": 3927,
    "NEED_CHARGE": 3550,
    "CHARGE_CRITICAL": 3350,
    "CHARGING": 4050,
    "CHARGE_FULL": 4180,
}

# Where the simulated fleet lives: around the Bosch campus in Renningen.
HOME = (48.7667, 8.9347)
CAPACITY_WH = 750.0
# Wh per km per assist mode, weakest to strongest (ECO, TOUR+, SPORT, TURBO).
CONSUMPTION_WH_PER_KM = (6.0, 9.0, 12.0, 16.0)
CHARGE_PERCENT_PER_SECOND = 100 / (3.5 * 3600)  # 0 -> 100 % in 3.5 h
EARTH_RADIUS_M = 6_371_000.0
MAX_TRACK = 10

# Seconds between notifications (None: only the 24 h heartbeat).
DAY = 24 * 3600.0


def iso(moment: float) -> str:
    """RFC 3339 UTC with milliseconds, as the Bosch cloud writes it."""
    text = dt.datetime.fromtimestamp(moment, dt.UTC).isoformat(timespec="milliseconds")
    return text.replace("+00:00", "Z")


def distance_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance in metres."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(h))


def default_route(start: tuple[float, float]) -> list[tuple[float, float]]:
    """A loop of about 5 km starting and ending at ``start``."""
    lat, lon = start
    offsets = [
        (0.0, 0.0),
        (0.004, 0.002),
        (0.009, 0.006),
        (0.012, 0.013),
        (0.008, 0.020),
        (0.002, 0.018),
        (-0.003, 0.010),
        (0.0, 0.0),
    ]
    return [(round(lat + a, 6), round(lon + b, 6)) for a, b in offsets]


@dataclass(slots=True)
class FeatureState:
    """One ConnectModule feature as the configuration API reports it."""

    type: str
    updated_at: float
    requested: str = "NONE"
    applied: str = "NONE"
    status: str = "DISABLED"

    def to_json(self) -> dict[str, Any]:
        """The API's Feature object."""
        return {
            "type": self.type,
            "status": self.status,
            "updatedAt": iso(self.updated_at),
            "requestedProfile": self.requested,
            "appliedProfile": self.applied,
        }

    @property
    def active_profile(self) -> str | None:
        """The applied profile when the feature is enabled on the BCM."""
        if self.applied == "NONE" or self.status not in ("ENABLED", "ERROR"):
            return None
        return self.applied


@dataclass(slots=True)
class TrackPoint:
    """A position sampled while riding."""

    at: float
    latitude: float
    longitude: float
    moving: bool


@dataclass(slots=True)
class Bike:
    """One eBike with its ConnectModule."""

    index: int
    bike_id: str
    oem_bike_id: str
    oem_brand_id: str
    module_id: str
    created_at: float
    features: dict[str, FeatureState]
    position: tuple[float, float]
    odometer_m: float
    battery_serial: str
    updated_at: float = 0.0
    synced_at: float = 0.0
    sync_status: str = "SUCCESS"
    fail_next_sync: bool = False
    powered: bool = False
    light_on: bool = False
    assist_mode: int = 1
    charger_connected: bool = False
    charging: bool = False
    soc: float = 72.0
    altitude: float = 480.0
    bcm_status: str = "CHARGE_OK"
    route: list[tuple[float, float]] = field(default_factory=list)
    route_leg: int = 0
    speed: float = 0.0  # m/s while riding
    moving: bool = False
    last: float = 0.0
    track: list[TrackPoint] = field(default_factory=list)
    next_due: dict[str, tuple[float, float]] = field(default_factory=dict)
    # isMoving of the newest position sent in a LOCATION_TRACKING: a ride that
    # ended since (stopped, route's end, powered off) owes its final position.
    reported_moving: bool = False

    # --- configuration -----------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        """The API's ConnectModule object."""
        return {
            "id": self.module_id,
            "bikeId": self.bike_id,
            "oemBikeId": self.oem_bike_id,
            "oemBrandId": self.oem_brand_id,
            "createdAt": iso(self.created_at),
            "updatedAt": iso(self.updated_at),
            "syncedAt": iso(self.synced_at),
            "syncStatus": self.sync_status,
            "features": [self.features[t].to_json() for t in FEATURE_TYPES],
        }

    def request_profile(self, feature_type: str, profile: str, now: float) -> None:
        """PUT .../features/{type}: PENDING until the next power-on."""
        feature = self.features[feature_type]
        feature.requested = profile
        feature.updated_at = now
        unchanged = profile == feature.applied and feature.status != "ERROR"
        if not unchanged:
            feature.status = "PENDING"
            self.sync_status = "PENDING"
        self.updated_at = now

    def sync(self, now: float) -> None:
        """The BCM fetched its configuration at power-on and applied it."""
        pending = [
            f for f in self.features.values() if f.status in ("PENDING", "ERROR")
        ]
        if not pending:
            return
        failed = self.fail_next_sync
        self.fail_next_sync = False
        for feature in pending:
            feature.updated_at = now
            if failed:
                feature.status = "ERROR"
            else:
                feature.applied = feature.requested
                feature.status = "DISABLED" if feature.applied == "NONE" else "ENABLED"
        self.sync_status = "ERROR" if failed else "SUCCESS"
        self.synced_at = now

    # --- riding and charging -------------------------------------------------

    def advance(self, now: float) -> list[str]:
        """Move simulated time forward to ``now``; returns the triggers."""
        elapsed = max(0.0, now - self.last) if self.last else 0.0
        self.last = now
        triggers: list[str] = []
        if elapsed <= 0:
            return triggers
        if self.moving:
            self._ride(elapsed, now, triggers)
        if self.charging:
            self.soc = min(100.0, self.soc + elapsed * CHARGE_PERCENT_PER_SECOND)
            if self.soc >= 100.0:
                self.charging = False
                triggers.append("charging_finished")
        return triggers

    def _ride(self, elapsed: float, now: float, triggers: list[str]) -> None:
        remaining = self.speed * elapsed
        travelled = 0.0
        while remaining > 0 and self.route_leg < len(self.route) - 1:
            target = self.route[self.route_leg + 1]
            leg = distance_m(self.position, target)
            if leg <= remaining:
                self.position = target
                self.route_leg += 1
                remaining -= leg
                travelled += leg
            else:
                fraction = remaining / leg
                lat = self.position[0] + (target[0] - self.position[0]) * fraction
                lon = self.position[1] + (target[1] - self.position[1]) * fraction
                self.position = (round(lat, 7), round(lon, 7))
                travelled += remaining
                remaining = 0.0
        self.odometer_m += travelled
        used_wh = travelled / 1000 * CONSUMPTION_WH_PER_KM[self.assist_mode - 1]
        self.soc = max(0.0, self.soc - used_wh / CAPACITY_WH * 100)
        self.altitude = 480.0 + 15 * math.sin(self.odometer_m / 700)
        if self.route_leg >= len(self.route) - 1:
            self.moving = False
            self.speed = 0.0
            triggers.append("stopped")
        self.record(now)

    def record(self, now: float) -> None:
        """Remember the current position for the next LocationTracking."""
        self.track.append(TrackPoint(now, *self.position, self.moving))
        del self.track[:-MAX_TRACK]

    def start_ride(
        self, now: float, route: list[tuple[float, float]] | None, speed: float
    ) -> None:
        """Ride along ``route`` (default: a loop from where the bike is)."""
        self.advance(now)
        self.route = list(route) if route else default_route(self.position)
        if self.route[0] != self.position:
            self.route.insert(0, self.position)
        self.route_leg = 0
        self.speed = speed
        self.moving = True
        self.light_on = True
        self.record(now)

    def stop_ride(self, now: float) -> None:
        """Stop where the bike is."""
        self.advance(now)
        self.moving = False
        self.speed = 0.0
        self.record(now)

    # --- payloads ------------------------------------------------------------

    @property
    def remaining_wh(self) -> int:
        """Energy left for the rider."""
        return round(self.soc / 100 * CAPACITY_WH)

    def ranges_m(self) -> list[int]:
        """Reachable range per assist mode, weakest to strongest, in metres."""
        return [round(self.remaining_wh / wh * 1000) for wh in CONSUMPTION_WH_PER_KM]

    def bcm_voltage(self) -> int:
        """The BCM's internal battery voltage in mV."""
        return _BCM_VOLTAGE[self.bcm_status]

    def bike_status(self, now: float, shape: str) -> dict[str, Any]:
        """A BIKE_STATUS body (v1.2.0 or the 2024 draft)."""
        body: dict[str, Any] = {
            "bikeId": self.bike_id,
            "oemBikeId": self.oem_bike_id,
            "createdAt": iso(now),
            "type": "BIKE_STATUS",
        }
        awake = self.powered or self.charger_connected
        soc = math.floor(self.soc)
        if shape == "draft":
            if awake:
                body["battery"] = {
                    "isChargerConnected": self.charger_connected,
                    "isCharging": self.charging,
                    "reachableRange": [round(m / 1000) for m in self.ranges_m()],
                    "systemRemainingEnergyForRider": self.remaining_wh,
                    "systemStateOfCharge": soc,
                }
                body["odometer"] = round(self.odometer_m / 1000, 3) + 0.0
        elif awake:
            body["isBikeLightOn"] = self.light_on and self.powered
            body["battery"] = {
                "isChargerConnected": self.charger_connected,
                "isCharging": self.charging,
                "reachableRange": self.ranges_m(),
                "systemRemainingEnergyForRider": self.remaining_wh,
                "systemStateOfCharge": soc,
                "isLightReserveLimitReached": soc < 5,
                "instances": [
                    {
                        "productCode": "BBP3770",
                        "partNumber": "0275007560",
                        "serialNumber": self.battery_serial,
                        "softwareVersion": "1.7.0.0",
                        "stateOfCharge": soc,
                    }
                ],
            }
            body["odometer"] = round(self.odometer_m)
            body["assistMode"] = self.assist_mode
        body["connectModule"] = {
            "id": self.module_id,
            "batteryStatus": self.bcm_status,
            "batteryVoltage": self.bcm_voltage(),
        }
        return body

    def bike_profile(self, now: float) -> dict[str, Any]:
        """A BIKE_PROFILE body (v1.2.0; an event type the integration ignores)."""
        _, part, serial = self.module_id.split("_", 2)

        def component(code: str, number: str, version: str) -> dict[str, str]:
            return {
                "productCode": code,
                "partNumber": number,
                "serialNumber": self.battery_serial,
                "softwareVersion": version,
            }

        return {
            "bikeId": self.bike_id,
            "oemBikeId": self.oem_bike_id,
            "type": "BIKE_PROFILE",
            "createdAt": iso(now),
            "bikeCategory": "CITY",
            "serviceDue": {"odometer": round(self.odometer_m) + 500_000},
            "driveUnit": {
                **component("BDU3741", "0275007530", "5.6.0.0"),
                "availableAssistModes": ["ECO", "TOUR+", "SPORT", "TURBO"],
            },
            "remoteControl": component("BRC3600", "0275007570", "2.1.0.0"),
            "batteries": [
                {
                    **component("BBP3770", "0275007560", "1.7.0.0"),
                    "chargeCycles": {"total": 42.5, "onBike": 40.0, "offBike": 2.5},
                }
            ],
            "connectModule": {
                "id": self.module_id,
                "productCode": "BCM3100",
                "partNumber": part,
                "serialNumber": serial,
                "softwareVersion": "BES3_12.1.0",
            },
        }

    def _location(self, point: TrackPoint) -> dict[str, Any]:
        return {
            "latitude": point.latitude,
            "longitude": point.longitude,
            "altitude": round(self.altitude, 1),
            "horizontalAccuracy": 4.8 if point.moving else 11.2,
            "verticalAccuracy": 6.5,
            "detectedAt": iso(point.at),
        }

    def location_tracking(self, now: float, shape: str) -> Any:
        """A LOCATION_TRACKING body; consumes the recorded track."""
        points = self.track or [TrackPoint(now, *self.position, self.moving)]
        self.track = []
        self.reported_moving = points[-1].moving
        module = {"id": self.module_id}
        if shape == "draft":
            # Newest first, so that a receiver must pick the newest detectedAt.
            return [
                {
                    "bikeId": self.bike_id,
                    "oemBikeId": self.oem_bike_id,
                    "createdAt": iso(now),
                    "type": "LOCATION_TRACKING",
                    "connectModule": module,
                    "currentLocation": self._location(point),
                    "isMoving": point.moving,
                }
                for point in reversed(points[-3:])
            ]
        return {
            "bikeId": self.bike_id,
            "oemBikeId": self.oem_bike_id,
            "createdAt": iso(now),
            "type": "LOCATION_TRACKING",
            "connectModule": module,
            "locations": [
                {**self._location(point), "isMoving": point.moving} for point in points
            ],
        }

    # --- schedule ------------------------------------------------------------

    def interval(self, feature_type: str) -> float | None:
        """Seconds between periodic notifications of a feature (None: off)."""
        profile = self.features[feature_type].active_profile
        if profile is None:
            return None
        fast = 60.0 if profile == "FLEET" else 240.0
        if feature_type == "LOCATION_TRACKING":
            if self.moving and self.bcm_status != "CHARGE_CRITICAL":
                return fast
            return DAY
        if profile == "CHARGING":
            return 360.0 if self.charging else DAY
        if (self.powered and self.moving) or self.charging:
            return fast
        return DAY


def _serial(rng: random.Random) -> str:
    return (
        f"{rng.randint(10000, 39999)}-{rng.randint(0, 9999):04d}-01-368-"
        f"{rng.randint(0, 9):02d}-0000"
    )


def make_fleet(count: int, *, seed: int, now: float) -> list[Bike]:
    """``count`` bikes with realistic, deterministic identifiers."""
    rng = random.Random(seed)
    bikes = []
    for index in range(count):
        features = {t: FeatureState(type=t, updated_at=now) for t in FEATURE_TYPES}
        created = now - rng.randint(30, 400) * 86400
        bikes.append(
            Bike(
                index=index,
                bike_id=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                oem_bike_id="".join(
                    rng.choices(string.ascii_uppercase + string.digits, k=16)
                ),
                oem_brand_id="SIM-BRAND",
                module_id=f"BCM3100_EB1310000B_{_serial(rng)}",
                created_at=created,
                updated_at=created,
                synced_at=created,
                features=features,
                position=(
                    round(HOME[0] + 0.0021 * index, 6),
                    round(HOME[1] + 0.0033 * index, 6),
                ),
                odometer_m=float(rng.randint(150_000, 4_000_000)),
                battery_serial=_serial(rng),
                soc=float(rng.randint(45, 90)),
                last=now,
            )
        )
    return bikes
