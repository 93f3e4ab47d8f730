"""The gateway's ``/recordings/...`` (hourly, daily and monthly energy buckets).

A meter records a resource's growth per hour. Its buckets are derived from the
simulator clock alone: bucket ``h`` (the UTC hour ``h`` since the epoch) holds
``rate * profile(h)`` kWh, so any two runs at the same time answer the same,
and the counter of a meter (``counter``) grows by exactly the sum of its
hourly buckets. Like a real gateway it reports complete hours only (and, with
``delay``, only hours that ended at least that long ago), keeps the last
``hourly_days`` days hourly and ``daily_days`` days as daily and monthly sums,
and writes its timestamps in its own time zone with the offset
(``2025-09-01T00:00:00+02:00``).

Answers follow ``yRecordingExtended`` of the K 40 RF OpenAPI file: 400 for a
sample rate or date it does not know, 403 for a path it records nothing at.
Tests can replace a bucket's ``y`` by anything (``override``), or mark it not
recorded (``c`` 0) with ``None``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from simulator.clock import Clock

type Json = dict[str, Any]

PREFIX = "/recordings"
ZONE = ZoneInfo("Europe/Berlin")
SAMPLE_RATES = ("PT1H", "P1D", "P1M")
SAMPLES_PER_HOUR = 60  # ``c`` of a complete hour: one sample a minute
HOUR = 3600


def profile(hour: int) -> float:
    """A deterministic weight of one hour (0.5 .. 1.49): no two hours alike."""
    return 0.5 + (hour * 7919 % 100) / 100


@dataclass(frozen=True, slots=True)
class Meter:
    """What one recording path measures: ``rate`` units per hour on average."""

    rate: float
    unit: str = "kWh"


# The boiler of the default tree (the rates of resources.GROWTH).
BOILER_METERS: dict[str, Meter] = {
    "/heatSources/emon/total/burner": Meter(1.2),
    "/heatSources/emon/total/electricity": Meter(0.05),
    "/heatSources/emon/ch/burner": Meter(0.9),
    "/heatSources/emon/dhw/burner": Meter(0.3),
    "/heatSources/emon/total/numberOfStarts": Meter(0.4, ""),
}

# A heat pump (the rates of resources.HEAT_PUMP_GROWTH): compressor and
# electric heater per purpose, heat produced; total electricity in Wh.
HEAT_PUMP_METERS: dict[str, Meter] = {
    "/heatSources/emon/ch/compressor": Meter(0.55),
    "/heatSources/emon/ch/eheater": Meter(0.01),
    "/heatSources/emon/ch/outputProduced": Meter(2.4),
    "/heatSources/emon/dhw/compressor": Meter(0.17),
    "/heatSources/emon/dhw/outputProduced": Meter(0.6),
    "/heatSources/emon/total/compressor": Meter(0.72),
    "/heatSources/emon/total/eheater": Meter(0.01),
    "/heatSources/emon/total/electricity": Meter(730.0, "Wh"),
    "/heatSources/emon/total/outputProduced": Meter(3.0),
    "/heatSources/emon/total/workingTime": Meter(0.6, "h"),
    "/heatSources/emon/total/numberOfStarts": Meter(0.4, ""),
}


class BadRequest(ValueError):
    """A query the gateway answers with 400."""


def _date(query: Mapping[str, str], key: str) -> dt.date | None:
    raw = query.get(key)
    if raw is None:
        return None
    if len(raw) != 10:
        raise BadRequest(f"{key} is YYYY-MM-DD")
    try:
        return dt.date.fromisoformat(raw)
    except ValueError as err:
        raise BadRequest(f"{key} is YYYY-MM-DD") from err


@dataclass
class Recordings:
    """The recordings of one installation."""

    clock: Clock
    meters: dict[str, Meter]
    zone: ZoneInfo = ZONE
    hourly_days: int = 7
    daily_days: int = 60
    delay: float = 0.0  # seconds after an hour's end before it is reported
    overrides: dict[tuple[str, int], Any] = field(default_factory=dict)

    # ---- the data ----------------------------------------------------------
    def value(self, path: str, hour: int) -> float:
        """What the meter at ``path`` recorded in UTC hour ``hour`` (rounded)."""
        return round(self.meters[path].rate * profile(hour), 3)

    def counter(self, path: str, until: float) -> float:
        """The meter's growth from the epoch's first hour to ``until`` (complete hours).

        Its difference between two hours is the sum of the buckets between.
        """
        return sum(self.value(path, h) for h in range(int(until // HOUR)))

    def override(self, path: str, hour: int, y: Any) -> None:
        """Answer ``y`` (anything) for one hourly bucket; None: not recorded."""
        self.overrides[(path, hour)] = y

    def _last_hour(self) -> int:
        """The last complete (and no longer delayed) UTC hour."""
        return int((self.clock.time() - self.delay) // HOUR) - 1

    def hours(self) -> range:
        """The UTC hours that the gateway keeps hourly."""
        last = self._last_hour()
        return range(last - self.hourly_days * 24 + 1, last + 1)

    def _bucket(self, path: str, hour: int) -> Json:
        if (path, hour) in self.overrides:
            y = self.overrides[(path, hour)]
            return {"y": 0, "c": 0} if y is None else {"y": y, "c": SAMPLES_PER_HOUR}
        return {"y": self.value(path, hour), "c": SAMPLES_PER_HOUR}

    def _local(self, hour: int) -> dt.datetime:
        return dt.datetime.fromtimestamp(hour * HOUR, self.zone)

    def _days(self, path: str) -> Iterator[tuple[dt.datetime, float, int]]:
        """(local midnight, sum, samples) of every complete day kept."""
        last = self._last_hour()
        today = self._local(last + 1).date()
        for back in range(self.daily_days, 0, -1):
            day = today - dt.timedelta(days=back)
            start = dt.datetime.combine(day, dt.time(), self.zone)
            end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), self.zone)
            # Every day before the last reported hour's day is complete.
            first, stop = int(start.timestamp()) // HOUR, int(end.timestamp()) // HOUR
            y = round(sum(self.value(path, h) for h in range(first, stop)), 3)
            yield start, y, (stop - first) * SAMPLES_PER_HOUR

    # ---- the answer --------------------------------------------------------
    def answer(
        self, path: str, query: Mapping[str, str], base_url: str
    ) -> tuple[int, Json]:
        """(status, body) of ``GET /recordings<path>?<query>``."""
        recorded = path.removeprefix(PREFIX).rstrip("/")
        meter = self.meters.get(recorded)
        if meter is None:
            return 403, {"error": "Forbidden"}
        rate = query.get("sampleRate")
        if rate not in (*SAMPLE_RATES, "all"):
            return 400, {"error": "sampleRate is PT1H, P1D, P1M or all"}
        try:
            start, end = _date(query, "startDate"), _date(query, "endDate")
        except BadRequest as err:
            return 400, {"error": str(err)}
        if start is not None and end is not None and start > end:
            return 400, {"error": "startDate is after endDate"}
        rates = SAMPLE_RATES if rate == "all" else (rate,)
        groups = [
            group
            for sample_rate in rates
            if (group := self._group(recorded, sample_rate, start, end)) is not None
        ]
        query_text = "&".join(f"{k}={v}" for k, v in query.items())
        return 200, {
            "id": f"{PREFIX}{recorded}?{query_text}",
            "type": "yRecordingExtended",
            "writeable": 0,
            "recordingType": "actual",
            "unitOfMeasure": meter.unit,
            "recordedResource": {"id": recorded, "uri": f"{base_url}{recorded}"},
            "values": groups,
        }

    def _group(
        self,
        path: str,
        sample_rate: str,
        start: dt.date | None,
        end: dt.date | None,
    ) -> Json | None:
        def wanted(moment: dt.datetime) -> bool:
            day = moment.date()
            return (start is None or day >= start) and (end is None or day <= end)

        buckets: list[tuple[dt.datetime, Json]]
        if sample_rate == "PT1H":
            buckets = [
                (self._local(h), self._bucket(path, h))
                for h in self.hours()
                if wanted(self._local(h))
            ]
        else:
            days = [d for d in self._days(path) if wanted(d[0])]
            if sample_rate == "P1D":
                buckets = [(d, {"y": y, "c": c}) for d, y, c in days]
            else:
                months: dict[dt.date, list[float]] = {}
                for d, y, c in days:
                    month = months.setdefault(d.date().replace(day=1), [0.0, 0])
                    month[0] += y
                    month[1] += c
                buckets = [
                    (
                        dt.datetime.combine(m, dt.time(), self.zone),
                        {"y": round(y, 3), "c": int(c)},
                    )
                    for m, (y, c) in months.items()
                ]
        if not buckets:
            return None
        return {
            "sampleRate": sample_rate,
            "startTime": buckets[0][0].isoformat(),
            "endTime": buckets[-1][0].isoformat(),
            "recording": [bucket for _, bucket in buckets],
        }
