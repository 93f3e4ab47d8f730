"""The gateway's recorded energy in Home Assistant's long-term statistics.

A gateway records its energy counters per purpose (``ch`` heating, ``dhw`` hot
water, ``total``, ``cooling``, ``pool``) and part (``compressor``,
``eheater``, ``electricity``, ``burner``, ``outputProduced``) at
``/recordings/heatSources/emon/<purpose>/<part>``, in hourly (``PT1H``),
daily (``P1D``) and monthly buckets. Each recording the gateway has becomes
one *external* statistic ``bosch_connect:<gateway>_<purpose>_<part>`` (kWh,
``has_sum``), which the Energy dashboard offers next to the live sensors'
own statistics without fighting them.

When: at set-up (in the background) and five minutes past every hour.

What: the buckets after the last imported hour, continuing its running sum.
The last hour comes from the recorder (``get_last_statistics``) and, for rows
queued but not yet committed (a reload right after an import), from what
this Home Assistant queued itself: nothing is counted twice. Only complete
hours are imported (an hour the gateway has not reported yet, or not yet
ended, is fetched next time), so nothing is skipped either. At the first
import the gateway's daily buckets cover the days before its hourly ones,
one row per day at the day's start (the daily bucket's own timestamp).

Bounds: a recording answer is read with the client's limit; a window of at
most ``HOURLY_WINDOW`` days hourly and ``DAILY_WINDOW`` days daily is asked
for; a bucket that is not a finite number from 0 to ``MAX_KWH_PER_HOUR``
per hour is skipped with one debug line; timestamps must carry an offset.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass, field
import datetime as dt
import logging
import math
from typing import TYPE_CHECKING, Any, Final, TypeIs

from homeassistant.components.recorder import get_instance
from homeassistant.components.recorder.models import (
    StatisticData,
    StatisticMeanType,
    StatisticMetaData,
)
from homeassistant.components.recorder.statistics import (
    async_add_external_statistics,
    get_last_statistics,
)
from homeassistant.const import UnitOfEnergy
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.event import async_track_time_change
from homeassistant.util import dt as dt_util, slugify
from homeassistant.util.hass_dict import HassKey
from homeassistant.util.unit_conversion import EnergyConverter

from ..const import DOMAIN
from .api import GatewayClient
from .errors import (
    AnswerTooLargeError,
    GatewayError,
    GatewayForbiddenError,
    ResourceNotFoundError,
    ValueFormatError,
)

if TYPE_CHECKING:
    from .coordinator import GatewayConfigEntry

_LOGGER = logging.getLogger(__name__)

RECORDINGS = "/heatSources/emon"
# Purposes and energy parts (working time and starts are not energy).
PURPOSES: Final = {
    "ch": "heating",
    "dhw": "hot water",
    "total": "total",
    "cooling": "cooling",
    "pool": "pool",
}
PARTS: Final = {
    "compressor": ("compressor", "compressor electricity"),
    "eheater": ("eheater", "electric heater electricity"),
    "electricity": ("electricity", "electricity"),
    "burner": ("burner", "burner"),
    "outputProduced": ("output_produced", "heat produced"),
}
UNITS: Final = {"kwh": 1.0, "wh": 0.001}
HOUR: Final = dt.timedelta(hours=1)
# More than any home's heating takes or makes in an hour (a 500 kW boiler).
MAX_KWH_PER_HOUR: Final = 500.0
HOURLY_WINDOW: Final = 14  # days of hourly buckets asked for at most
DAILY_WINDOW: Final = 400  # days of daily buckets asked for at the first import
# Five minutes past the hour: the gateway has closed the last hour by then.
IMPORT_MINUTE: Final = 5

type Last = tuple[dt.datetime, float]  # start of the last imported hour, its sum


@dataclass(frozen=True, slots=True)
class Bucket:
    """One bucket of a recording: ``kwh`` from ``start`` to ``end`` (UTC)."""

    start: dt.datetime
    end: dt.datetime
    kwh: float | None  # None: nothing recorded (``c`` is 0)


@dataclass(frozen=True, slots=True)
class Recording:
    """A recording's hourly and daily buckets, oldest first."""

    hourly: tuple[Bucket, ...] = ()
    daily: tuple[Bucket, ...] = ()


def _timestamp(raw: object) -> dt.datetime:
    """An ISO 8601 time with its offset; ``ValueFormatError`` if not."""
    if not isinstance(raw, str) or len(raw) > 40:
        raise ValueFormatError("a recording time is not text")
    try:
        moment = dt.datetime.fromisoformat(raw)
    except ValueError as err:
        raise ValueFormatError(f"a recording time is not ISO 8601: {raw!r}") from err
    if moment.utcoffset() is None:
        raise ValueFormatError(f"a recording time has no offset: {raw!r}")
    return moment


def _hour(moment: dt.datetime) -> dt.datetime:
    """The UTC hour a moment falls in (offsets like +05:30 are not whole hours)."""
    return moment.astimezone(dt.UTC).replace(minute=0, second=0, microsecond=0)


def _is_number(value: object) -> TypeIs[int | float]:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _kwh(item: object, factor: float, hours: float, where: str) -> float | None:
    """A bucket's energy in kWh; None when not recorded; ValueError when absurd."""
    if not isinstance(item, dict):
        raise ValueError(f"{where}: not an object")  # noqa: TRY004
    count, y = item.get("c"), item.get("y")
    if not _is_number(count) or count < 0:
        raise ValueError(f"{where}: c is {count!r}")
    if count == 0:
        return None
    if not _is_number(y) or not math.isfinite(y):
        raise ValueError(f"{where}: y is {y!r}")
    kwh = float(y) * factor
    if kwh < 0 or kwh > MAX_KWH_PER_HOUR * hours:
        raise ValueError(f"{where}: {kwh} kWh in {hours:g} h")
    return kwh


def _day_starts(first: dt.datetime, count: int) -> list[dt.datetime]:
    """Local midnights from ``first`` on (DST-safe with the configured zone).

    The gateway gives the first day's start with its offset only. Where Home
    Assistant's time zone has that offset then, the following midnights are
    taken from it (a DST day has 23 or 25 hours); otherwise days are 24 hours.
    """
    zone = dt_util.get_default_time_zone()
    local = first.astimezone(zone)
    if local.utcoffset() != first.utcoffset() or local.time() != dt.time():
        return [first + dt.timedelta(days=n) for n in range(count)]
    return [
        dt.datetime.combine(local.date() + dt.timedelta(days=n), dt.time(), zone)
        for n in range(count)
    ]


def parse_recording(payload: Mapping[str, Any], path: str) -> Recording:
    """The hourly and daily buckets of a ``yRecordingExtended`` answer.

    ``ValueFormatError`` when the answer as a whole is unusable (no groups, a
    unit that is not energy, a group without a start); a single bad bucket is
    skipped with one debug line.
    """
    unit = payload.get("unitOfMeasure")
    factor = UNITS.get(unit.lower()) if isinstance(unit, str) else None
    if factor is None:
        raise ValueFormatError(f"{path}: the unit {unit!r} is not energy")
    groups = payload.get("values")
    if not isinstance(groups, list):
        raise ValueFormatError(f"{path}: values is not a list")
    hourly: list[Bucket] = []
    daily: list[Bucket] = []
    for group in groups:
        if not isinstance(group, dict):
            raise ValueFormatError(f"{path}: a group is not an object")
        rate, items = group.get("sampleRate"), group.get("recording")
        if rate not in ("PT1H", "P1D"):
            continue  # monthly buckets add nothing the daily ones lack
        if not isinstance(items, list):
            raise ValueFormatError(f"{path}: recording is not a list")
        first = _timestamp(group.get("startTime"))
        if rate == "PT1H":
            starts = [_hour(first) + n * HOUR for n in range(len(items) + 1)]
            target = hourly
        else:
            starts = _day_starts(first, len(items) + 1)
            target = daily
        for index, item in enumerate(items):
            start, end = _hour(starts[index]), _hour(starts[index + 1])
            hours = (end - start) / HOUR
            try:
                kwh = _kwh(item, factor, hours, f"{path} {rate} {start.isoformat()}")
            except ValueError as err:
                _LOGGER.debug("Skipping a recorded bucket: %s", err)
                continue
            target.append(Bucket(start, end, kwh))
    return Recording(hourly=tuple(hourly), daily=tuple(daily))


def plan_rows(
    recording: Recording, last: Last | None, now: dt.datetime
) -> list[StatisticData]:
    """The statistics rows after ``last``, with the running sum continued.

    Hourly buckets after the last imported hour that have ended by ``now``, up
    to the last one the gateway has recorded (``c`` > 0): a later hour not
    recorded yet is asked for again next time. Daily buckets only for whole
    days after the last imported hour and before the first hourly bucket.
    """
    after = last[0] + HOUR if last is not None else None
    total = last[1] if last is not None else 0.0
    hourly = [
        b
        for b in recording.hourly
        if (after is None or b.start >= after) and b.end <= now
    ]
    while hourly and hourly[-1].kwh is None:
        hourly.pop()  # not recorded yet: fetched next time
    first_hour = recording.hourly[0].start if recording.hourly else now
    daily = [
        b
        for b in recording.daily
        if (after is None or b.start >= after)
        and b.end <= first_hour
        and b.end <= now
        and b.kwh is not None
    ]
    rows: list[StatisticData] = []
    previous: dt.datetime | None = None
    for bucket in sorted((*daily, *hourly), key=lambda b: b.start):
        if bucket.kwh is None or (previous is not None and bucket.start <= previous):
            continue
        total += bucket.kwh
        rows.append(StatisticData(start=bucket.start, state=bucket.kwh, sum=total))
        previous = bucket.start
    return rows


def _camel_slug(part: str) -> str:
    return PARTS[part][0] if part in PARTS else slugify(part)


def statistic_id(gateway: str, purpose: str, part: str) -> str:
    """``bosch_connect:<gateway>_<purpose>_<part>`` (slugs)."""
    return f"{DOMAIN}:{slugify(gateway)}_{purpose}_{_camel_slug(part)}"


def statistic_name(title: str, purpose: str, part: str) -> str:
    """``<gateway title> heating compressor electricity`` and the like."""
    return f"{title} {PURPOSES[purpose]} {PARTS[part][1]}"


@dataclass(slots=True)
class HistoryData:
    """What every gateway entry's import shares in one Home Assistant.

    It outlives a reload: the last hour queued by this Home Assistant per
    statistic id (and its sum), until the recorder has committed it.
    """

    queued: dict[str, Last] = field(default_factory=dict)


DATA_HISTORY: HassKey[HistoryData] = HassKey(f"{DOMAIN}_gateway_history")


class HistoryImporter:
    """Imports one gateway's recordings; one import at a time."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: GatewayConfigEntry,
        client: GatewayClient,
        gateway: str,
    ) -> None:
        """Import for ``gateway`` (the entry's unique id) through ``client``."""
        self.hass = hass
        self.entry = entry
        self.client = client
        self.gateway = gateway
        # Recordings not yet known to be absent: (purpose, part).
        self.candidates: list[tuple[str, str]] = [
            (purpose, part) for purpose in PURPOSES for part in PARTS
        ]
        self.found: set[tuple[str, str]] = set()
        self._warned: set[tuple[str, str]] = set()
        self._lock = asyncio.Lock()
        self.task: asyncio.Task[None] | None = None

    @property
    def _data(self) -> HistoryData:
        return self.hass.data.setdefault(DATA_HISTORY, HistoryData())

    async def _last(self, stat_id: str) -> Last | None:
        """The last imported hour: recorded, or queued here and not yet recorded."""
        rows = await get_instance(self.hass).async_add_executor_job(
            get_last_statistics, self.hass, 1, stat_id, True, {"sum"}
        )
        recorded: Last | None = None
        if row := next(iter(rows.get(stat_id, ())), None):
            recorded = (dt_util.utc_from_timestamp(row["start"]), row.get("sum") or 0.0)
        queued = self._data.queued.get(stat_id)
        if queued is not None and (recorded is None or queued[0] > recorded[0]):
            return queued
        return recorded

    async def _fetch(self, path: str, last: Last | None, now: dt.datetime) -> Recording:
        """Hourly buckets since the day before ``last``, daily ones where needed."""
        today = now.date()
        oldest_hourly = today - dt.timedelta(days=HOURLY_WINDOW)
        since = last[0].date() - dt.timedelta(days=1) if last else oldest_hourly
        end = today + dt.timedelta(days=1)
        payload = await self.client.get_recording(
            path, "PT1H", max(since, oldest_hourly), end
        )
        recording = parse_recording(payload, path)
        if last is None or last[0] < now - dt.timedelta(days=1):
            start = last[0].date() if last else today - dt.timedelta(days=DAILY_WINDOW)
            daily = parse_recording(
                await self.client.get_recording(path, "P1D", start, end), path
            )
            recording = Recording(hourly=recording.hourly, daily=daily.daily)
        return recording

    async def _import_one(self, purpose: str, part: str, now: dt.datetime) -> bool:
        """Import one recording; False when the gateway does not have it."""
        path = f"{RECORDINGS}/{purpose}/{part}"
        stat_id = statistic_id(self.gateway, purpose, part)
        last = await self._last(stat_id)
        try:
            recording = await self._fetch(path, last, now)
        except GatewayForbiddenError, ResourceNotFoundError:
            return False
        rows = plan_rows(recording, last, now)
        self.found.add((purpose, part))
        if not rows:
            return True
        metadata = StatisticMetaData(
            mean_type=StatisticMeanType.NONE,
            has_sum=True,
            name=statistic_name(self.entry.title, purpose, part),
            source=DOMAIN,
            statistic_id=stat_id,
            unit_class=EnergyConverter.UNIT_CLASS,
            unit_of_measurement=UnitOfEnergy.KILO_WATT_HOUR,
        )
        async_add_external_statistics(self.hass, metadata, rows)
        # Remembered in the same step: a reload never imports these twice.
        self._data.queued[stat_id] = (rows[-1]["start"], rows[-1]["sum"] or 0.0)
        _LOGGER.debug("Imported %d hours of %s into %s", len(rows), path, stat_id)
        return True

    async def async_import(self, now: dt.datetime | None = None) -> None:
        """Import what is new of every recording the gateway has."""
        now = now or dt_util.utcnow()
        async with self._lock:
            for purpose, part in list(self.candidates):
                try:
                    present = await self._import_one(purpose, part, now)
                except (ValueFormatError, AnswerTooLargeError) as err:
                    # One warning per recording; then debug lines only.
                    level = (
                        logging.DEBUG
                        if (purpose, part) in self._warned
                        else (logging.WARNING)
                    )
                    self._warned.add((purpose, part))
                    _LOGGER.log(
                        level,
                        "Gateway %s: recording %s/%s not imported: %s",
                        self.entry.title,
                        purpose,
                        part,
                        err,
                    )
                    continue
                except GatewayError as err:
                    # Unreachable now: every recording is asked again next hour.
                    _LOGGER.debug(
                        "Gateway %s: recordings not imported now: %s",
                        self.entry.title,
                        err,
                    )
                    return
                if not present:
                    self.candidates.remove((purpose, part))

    @callback
    def async_schedule(self, *_: Any) -> None:
        """Start an import in the background (unless one is running)."""
        if self.task is not None and not self.task.done():
            return
        self.task = self.entry.async_create_background_task(
            self.hass, self.async_import(), f"{DOMAIN} gateway history"
        )


@callback
def async_setup_history(
    hass: HomeAssistant, entry: GatewayConfigEntry, client: GatewayClient
) -> HistoryImporter | None:
    """Import now and every hour, while the entry is loaded (needs the recorder)."""
    if "recorder" not in hass.config.components:
        _LOGGER.debug("No recorder: the gateway's recordings are not imported")
        return None
    importer = HistoryImporter(hass, entry, client, entry.unique_id or entry.entry_id)
    entry.async_on_unload(
        async_track_time_change(
            hass, importer.async_schedule, minute=IMPORT_MINUTE, second=0
        )
    )
    importer.async_schedule()
    return importer


__all__ = (
    "DATA_HISTORY",
    "HistoryImporter",
    "async_setup_history",
    "parse_recording",
    "plan_rows",
    "statistic_id",
)
