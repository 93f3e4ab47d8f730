"""The gateway's recordings in long-term statistics, against the simulator.

Real sockets, real TLS, the real recorder (in memory). The simulator runs two
hours behind Home Assistant's clock, so that every hour it reports has ended
for Home Assistant too; moving its clock forward makes new hours appear.
"""

from __future__ import annotations

import datetime as dt
import itertools
import logging
from typing import Any

from homeassistant.components.recorder import Recorder, get_instance
from homeassistant.components.recorder.statistics import (
    list_statistic_ids,
    statistics_during_period,
)
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)
from pytest_homeassistant_custom_component.components.recorder.common import (
    async_wait_recording_done,
)

from custom_components.bosch_connect.gateway.history import (
    DATA_HISTORY,
    MAX_KWH_PER_HOUR,
    HistoryImporter,
    parse_recording,
    plan_rows,
    statistic_id,
    statistic_name,
)
from simulator.faults import Fault
from simulator.gateway import GatewaySimulator
from simulator.gateway.recordings import HEAT_PUMP_METERS, HOUR

from .heat_pump import sim_options  # noqa: F401  (a frozen simulator clock)

BEHIND = 2 * HOUR  # the simulator's clock behind Home Assistant's
CH_COMPRESSOR = "/heatSources/emon/ch/compressor"
TOTAL_ELECTRICITY = "/heatSources/emon/total/electricity"  # recorded in Wh


@pytest.fixture
def gateway_sim(heat_pump_sim: GatewaySimulator) -> GatewaySimulator:
    """The heat pump, its clock two hours behind Home Assistant's."""
    heat_pump_sim.options.clock.advance(-BEHIND)
    return heat_pump_sim


@pytest.fixture
def mock_recorder_before_hass(recorder_db_url: str) -> None:
    """Prepare the recorder's database before ``hass`` (the autouse fixture needs it)."""


def _stat(sim: GatewaySimulator, path: str) -> str:
    purpose, part = path.rsplit("/", 2)[-2:]
    return statistic_id(sim.identity.uuid, purpose, part)


async def _rows(hass: HomeAssistant, stat_id: str) -> list[dict[str, Any]]:
    await async_wait_recording_done(hass)
    found = await get_instance(hass).async_add_executor_job(
        statistics_during_period,
        hass,
        dt_util.utc_from_timestamp(0),
        None,
        {stat_id},
        "hour",
        None,
        {"sum", "state"},
    )
    return [dict(row) for row in found.get(stat_id, [])]


def _importer(hass: HomeAssistant, entry: MockConfigEntry) -> HistoryImporter:
    importer = entry.runtime_data.history
    assert importer is not None
    return importer


async def _setup(hass: HomeAssistant, entry: MockConfigEntry) -> HistoryImporter:
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    importer = _importer(hass, entry)
    assert importer.task is not None
    await importer.task
    return importer


def _check_hourly(
    sim: GatewaySimulator,
    path: str,
    rows: list[dict[str, Any]],
    factor: float = 1.0,
) -> None:
    """Every hour the gateway keeps is a row; each sum grew by its bucket."""
    hours = list(sim.recordings.hours())
    by_start = {int(row["start"]) // HOUR: row for row in rows}
    starts = [int(row["start"]) for row in rows]
    assert starts == sorted(set(starts)), "a row twice or out of order"
    for hour in hours:
        assert hour in by_start, f"hour {hour} missing"
    for previous, hour in itertools.pairwise(hours):
        grew = by_start[hour]["sum"] - by_start[previous]["sum"]
        assert grew == pytest.approx(sim.recordings.value(path, hour) * factor)
    assert max(by_start) == hours[-1], "an hour imported before it was reported"


async def test_import_at_setup_then_hourly_then_restart(
    recorder_mock: Recorder,
    hass: HomeAssistant,
    gateway_sim: GatewaySimulator,
    gateway_entry: MockConfigEntry,
) -> None:
    """The past at set-up, a new hour an hour later, nothing twice after restarts."""
    await hass.config.async_set_time_zone("Europe/Berlin")
    importer = await _setup(hass, gateway_entry)
    assert importer.found == {
        (p.split("/")[3], p.split("/")[4])
        for p, meter in HEAT_PUMP_METERS.items()
        if meter.unit in ("kWh", "Wh")
    }
    stat = _stat(gateway_sim, CH_COMPRESSOR)
    rows = await _rows(hass, stat)
    _check_hourly(gateway_sim, CH_COMPRESSOR, rows)
    # Before the hourly buckets: one row per day (the daily buckets).
    first_hour = gateway_sim.recordings.hours()[0] * HOUR
    daily = [row for row in rows if row["start"] < first_hour]
    assert len(daily) >= 50
    not_midnight = [
        dt_util.as_local(dt_util.utc_from_timestamp(row["start"]))
        for row in daily
        if dt_util.as_local(dt_util.utc_from_timestamp(row["start"])).hour != 0
    ]
    assert not not_midnight, "a daily row not at local midnight (DST)"
    _check_hourly(
        gateway_sim,
        TOTAL_ELECTRICITY,
        await _rows(hass, _stat(gateway_sim, TOTAL_ELECTRICITY)),
        factor=0.001,
    )
    listed = await get_instance(hass).async_add_executor_job(
        list_statistic_ids, hass, {stat}
    )
    assert listed[0]["name"] == "Bosch K40RF heating compressor electricity"
    assert listed[0]["statistics_unit_of_measurement"] == "kWh"
    assert listed[0]["source"] == "bosch_connect"

    # An hour later: the new hour, nothing else.
    gateway_sim.options.clock.advance(HOUR)
    async_fire_time_changed(
        hass,
        dt_util.utcnow().replace(minute=5, second=0, microsecond=0)
        + dt.timedelta(hours=1),
    )
    await hass.async_block_till_done()
    assert importer.task is not None
    await importer.task
    later = await _rows(hass, stat)
    assert len(later) == len(rows) + 1
    _check_hourly(gateway_sim, CH_COMPRESSOR, later)

    # Reload at once (the rows may not be committed yet): nothing twice.
    assert await hass.config_entries.async_unload(gateway_entry.entry_id)
    importer = await _setup(hass, gateway_entry)
    assert await _rows(hass, stat) == later

    # A restart: what this Home Assistant queued is forgotten, the DB stays.
    await async_wait_recording_done(hass)
    assert await hass.config_entries.async_unload(gateway_entry.entry_id)
    hass.data[DATA_HISTORY].queued.clear()
    gateway_sim.options.clock.advance(HOUR)
    importer = await _setup(hass, gateway_entry)
    final = await _rows(hass, stat)
    assert len(final) == len(later) + 1
    _check_hourly(gateway_sim, CH_COMPRESSOR, final)
    assert final[: len(later)] == later


async def test_hour_not_reported_yet_is_fetched_next_time(
    recorder_mock: Recorder,
    hass: HomeAssistant,
    gateway_sim: GatewaySimulator,
    gateway_entry: MockConfigEntry,
) -> None:
    """A bucket the gateway has not recorded yet is not skipped: it comes later."""
    recordings = gateway_sim.recordings
    last = recordings.hours()[-1]
    recordings.override(CH_COMPRESSOR, last, None)  # c 0: not recorded yet
    importer = await _setup(hass, gateway_entry)
    stat = _stat(gateway_sim, CH_COMPRESSOR)
    rows = await _rows(hass, stat)
    assert max(int(r["start"]) // HOUR for r in rows) == last - 1

    recordings.overrides.clear()
    recordings.delay = 0
    await importer.async_import()
    rows = await _rows(hass, stat)
    _check_hourly(gateway_sim, CH_COMPRESSOR, rows)


async def test_hostile_buckets_are_skipped(
    recorder_mock: Recorder,
    hass: HomeAssistant,
    gateway_sim: GatewaySimulator,
    gateway_entry: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Negative, NaN-like, huge and wrong-typed buckets: skipped, the rest counts."""
    caplog.set_level(logging.DEBUG, "custom_components.bosch_connect.gateway.history")
    hours = list(gateway_sim.recordings.hours())
    bad = {hours[-5]: -1.0, hours[-4]: "3.2", hours[-3]: 1e12, hours[-2]: True}
    for hour, y in bad.items():
        gateway_sim.recordings.override(CH_COMPRESSOR, hour, y)
    await _setup(hass, gateway_entry)
    rows = await _rows(hass, _stat(gateway_sim, CH_COMPRESSOR))
    by_start = {int(row["start"]) // HOUR: row for row in rows}
    assert not set(bad) & set(by_start)
    assert hours[-1] in by_start
    # The sum across the skipped hours grew by the good hours only.
    grew = by_start[hours[-1]]["sum"] - by_start[hours[-6]]["sum"]
    assert grew == pytest.approx(gateway_sim.recordings.value(CH_COMPRESSOR, hours[-1]))
    skipped = [r for r in caplog.records if "Skipping a recorded bucket" in r.message]
    assert len(skipped) == len(bad)
    assert all(r.levelno == logging.DEBUG for r in skipped)


async def test_unusable_recording_warns_once(
    recorder_mock: Recorder,
    hass: HomeAssistant,
    gateway_sim: GatewaySimulator,
    gateway_entry: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A recording in a unit that is not energy is left out with one warning."""
    from simulator.gateway.recordings import Meter

    gateway_sim.recordings.meters[CH_COMPRESSOR] = Meter(1.0, "h")
    importer = await _setup(hass, gateway_entry)
    await importer.async_import()
    warnings = [
        r
        for r in caplog.records
        if r.levelno == logging.WARNING and "ch/compressor" in r.message
    ]
    assert len(warnings) == 1
    assert "not energy" in warnings[0].message
    assert not await _rows(hass, _stat(gateway_sim, CH_COMPRESSOR))
    assert await _rows(hass, _stat(gateway_sim, "/heatSources/emon/dhw/compressor"))


async def test_gateway_failing_midway_imports_later(
    recorder_mock: Recorder,
    hass: HomeAssistant,
    gateway_sim: GatewaySimulator,
    gateway_entry: MockConfigEntry,
) -> None:
    """A gateway that fails mid-import is asked again: nothing lost or doubled."""
    importer = await _setup(hass, gateway_entry)
    stat = _stat(gateway_sim, CH_COMPRESSOR)
    before = await _rows(hass, stat)
    gateway_sim.options.clock.advance(HOUR)
    gateway_sim.faults.set("/recordings", Fault(status=500))
    await importer.async_import()
    assert await _rows(hass, stat) == before
    assert ("ch", "compressor") in importer.candidates
    gateway_sim.faults.clear()
    await importer.async_import()
    rows = await _rows(hass, stat)
    assert len(rows) == len(before) + 1
    _check_hourly(gateway_sim, CH_COMPRESSOR, rows)


async def test_recording_gone_is_not_asked_again(
    recorder_mock: Recorder,
    hass: HomeAssistant,
    gateway_sim: GatewaySimulator,
    gateway_entry: MockConfigEntry,
) -> None:
    """A recording the gateway answers 403 for is left out until a reload."""
    importer = await _setup(hass, gateway_entry)
    # A second start while one runs is the same import.
    importer.async_schedule()
    running = importer.task
    importer.async_schedule()
    assert importer.task is running
    assert running is not None
    await running
    gateway_sim.recordings.meters.pop(CH_COMPRESSOR)
    await importer.async_import()
    assert ("ch", "compressor") not in importer.candidates
    assert ("dhw", "compressor") in importer.candidates


async def test_no_recorder_no_import(
    hass: HomeAssistant, gateway_entry: MockConfigEntry
) -> None:
    """Without the recorder the gateway works and imports nothing."""
    assert await hass.config_entries.async_setup(gateway_entry.entry_id)
    await hass.async_block_till_done()
    assert "recorder" not in hass.config.components
    assert DATA_HISTORY not in hass.data


# ---- the parser and the planner, without a gateway ---------------------------


def _payload(groups: list[Any], unit: str = "kWh") -> dict[str, Any]:
    return {"type": "yRecordingExtended", "unitOfMeasure": unit, "values": groups}


def test_parse_the_openapi_example() -> None:
    """The example of the K 40 RF OpenAPI file: offsets, hourly and daily."""
    payload = _payload(
        [
            {
                "sampleRate": "PT1H",
                "startTime": "2025-09-01T00:00:00+02:00",
                "endTime": "2025-10-30T23:00:00+02:00",
                "recording": [
                    {"y": 3.15, "c": 1},
                    {"y": 4.22, "c": 1},
                    {"y": 3.87, "c": 1},
                ],
            },
            {
                "sampleRate": "P1D",
                "startTime": "2025-09-01T00:00:00+02:00",
                "endTime": "2025-10-30T00:00:00+02:00",
                "recording": [{"y": 85.6, "c": 24}, {"y": 92.4, "c": 24}],
            },
            {
                "sampleRate": "P1M",
                "startTime": "2025-09-01T00:00:00+02:00",
                "endTime": "2025-10-01T00:00:00+02:00",
                "recording": [{"y": 2250.8, "c": 500}],
            },
        ]
    )
    recording = parse_recording(payload, "/x")
    start = dt.datetime(2025, 8, 31, 22, tzinfo=dt.UTC)
    assert [b.start for b in recording.hourly] == [
        start + dt.timedelta(hours=n) for n in range(3)
    ]
    assert [b.kwh for b in recording.hourly] == [3.15, 4.22, 3.87]
    assert [b.kwh for b in recording.daily] == [85.6, 92.4]
    assert recording.daily[0].start == start


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (_payload([], unit="h"), "not energy"),
        ({"unitOfMeasure": 3, "values": []}, "not energy"),
        (_payload("x"), "not a list"),  # type: ignore[arg-type]
        (_payload(["x"]), "not an object"),
        (_payload([{"sampleRate": "PT1H", "startTime": "x", "recording": []}]), "ISO"),
        (
            _payload(
                [
                    {
                        "sampleRate": "PT1H",
                        "startTime": "2025-09-01T00:00:00",
                        "recording": [],
                    }
                ]
            ),
            "no offset",
        ),
        (_payload([{"sampleRate": "PT1H", "startTime": 5, "recording": []}]), "text"),
        (
            _payload(
                [
                    {
                        "sampleRate": "P1D",
                        "startTime": "2025-09-01T00:00:00Z",
                        "recording": {},
                    }
                ]
            ),
            "not a list",
        ),
    ],
)
def test_parse_refuses_unusable_answers(payload: dict[str, Any], message: str) -> None:
    """An answer that is not a recording of energy is refused as a whole."""
    from custom_components.bosch_connect.gateway.errors import ValueFormatError

    with pytest.raises(ValueFormatError, match=message):
        parse_recording(payload, "/x")


def test_parse_skips_bad_buckets() -> None:
    """Each bad bucket is skipped; the others keep their hours."""
    payload = _payload(
        [
            {
                "sampleRate": "PT1H",
                "startTime": "2025-09-01T00:00:00+05:30",
                "recording": [
                    {"y": 1.0, "c": 60},
                    {"y": float("nan"), "c": 60},
                    {"y": -0.1, "c": 60},
                    {"y": MAX_KWH_PER_HOUR * 1000 + 1, "c": 60},
                    {"y": None, "c": 60},
                    {"c": "60"},
                    "x",
                    {"y": 0, "c": 0},
                    {"y": 500.0, "c": 60},
                ],
            }
        ],
        unit="Wh",
    )
    hourly = parse_recording(payload, "/x").hourly
    first = dt.datetime(2025, 8, 31, 18, tzinfo=dt.UTC)  # 18:30 UTC, whole hour 18
    assert [(b.start, b.kwh) for b in hourly] == [
        (first, 0.001),
        (first + dt.timedelta(hours=7), None),
        (first + dt.timedelta(hours=8), 0.5),
    ]


def test_plan_continues_the_sum_and_waits_for_unreported_hours() -> None:
    """Rows after the last one, the sum continued, trailing unrecorded left."""
    start = dt.datetime(2026, 3, 29, 0, tzinfo=dt.UTC)
    payload = _payload(
        [
            {
                "sampleRate": "PT1H",
                "startTime": start.isoformat(),
                "recording": [
                    {"y": 1, "c": 60},
                    {"y": 2, "c": 60},
                    {"y": 0, "c": 0},
                    {"y": 4, "c": 60},
                    {"y": 0, "c": 0},
                ],
            }
        ]
    )
    recording = parse_recording(payload, "/x")
    now = start + dt.timedelta(hours=10)
    rows = plan_rows(recording, (start, 10.0), now)
    assert [(r["start"], r["sum"]) for r in rows] == [
        (start + dt.timedelta(hours=1), 12.0),
        (start + dt.timedelta(hours=3), 16.0),
    ]
    # An hour that has not ended for Home Assistant is not imported yet.
    rows = plan_rows(recording, None, start + dt.timedelta(hours=1, minutes=59))
    assert [r["sum"] for r in rows] == [1.0]


def test_plan_daily_rows_only_before_the_hourly_ones() -> None:
    """Daily buckets fill the days before the hourly ones, never overlap them."""
    day = dt.datetime(2026, 3, 27, 23, tzinfo=dt.UTC)  # midnight in Berlin (+01:00)
    payload = _payload(
        [
            {
                "sampleRate": "P1D",
                "startTime": "2026-03-28T00:00:00+01:00",
                "recording": [{"y": 24, "c": 1440}, {"y": 23, "c": 1380}],
            },
            {
                "sampleRate": "PT1H",
                "startTime": "2026-03-29T12:00:00+02:00",
                "recording": [{"y": 1, "c": 60}],
            },
        ]
    )
    recording = parse_recording(payload, "/x")
    rows = plan_rows(recording, None, day + dt.timedelta(days=3))
    assert [(r["start"], r["sum"]) for r in rows] == [
        (day, 24.0),
        (dt.datetime(2026, 3, 29, 10, tzinfo=dt.UTC), 25.0),
    ]


async def test_daily_rows_follow_the_time_zone_across_dst(hass: HomeAssistant) -> None:
    """With the gateway's zone configured, a 23-hour day ends at the next midnight."""
    await hass.config.async_set_time_zone("Europe/Berlin")
    payload = _payload(
        [
            {
                "sampleRate": "P1D",
                "startTime": "2026-03-28T00:00:00+01:00",
                "recording": [
                    {"y": 24, "c": 1440},
                    {"y": 23, "c": 1380},
                    {"y": 24, "c": 1440},
                ],
            }
        ]
    )
    daily = parse_recording(payload, "/x").daily
    assert [b.start.isoformat() for b in daily] == [
        "2026-03-27T23:00:00+00:00",
        "2026-03-28T23:00:00+00:00",
        "2026-03-29T22:00:00+00:00",
    ]
    assert daily[1].end - daily[1].start == dt.timedelta(hours=23)


def test_names_and_ids() -> None:
    """Statistic ids are slugs; names say gateway, purpose and part."""
    assert statistic_id("101042019", "ch", "outputProduced") == (
        "bosch_connect:101042019_ch_output_produced"
    )
    assert statistic_name("Bosch K40RF", "dhw", "eheater") == (
        "Bosch K40RF hot water electric heater electricity"
    )
