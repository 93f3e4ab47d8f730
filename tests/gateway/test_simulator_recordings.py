"""The simulated gateway's ``/recordings`` and ``/signals``, over real TLS."""

from __future__ import annotations

import datetime as dt
import ssl

import aiohttp
import pytest

from custom_components.bosch_connect.gateway.api import GatewayClient
from custom_components.bosch_connect.gateway.errors import (
    AnswerTooLargeError,
    GatewayAuthError,
    GatewayError,
    GatewayForbiddenError,
    ValueFormatError,
)
from simulator.gateway import GatewaySimulator
from simulator.gateway.recordings import (
    BOILER_METERS,
    HEAT_PUMP_METERS,
    HOUR,
    SAMPLES_PER_HOUR,
    ZONE,
)
from simulator.gateway.signals import BROKEN, OUTDOOR, signal_leaves

from .heat_pump import sim_options  # noqa: F401  (a frozen simulator clock)


@pytest.fixture
def gateway_sim(heat_pump_sim: GatewaySimulator) -> GatewaySimulator:
    """The gateway of this module's tests is on a heat pump."""
    return heat_pump_sim


CH_COMPRESSOR = "/heatSources/emon/ch/compressor"


def _local(text: str) -> dt.datetime:
    moment = dt.datetime.fromisoformat(text)
    assert moment.utcoffset() is not None
    return moment


async def test_heat_pump_has_its_meters(gateway_sim: GatewaySimulator) -> None:
    """The installation picks its recordings: a heat pump has no burner."""
    assert set(gateway_sim.recordings.meters) == set(HEAT_PUMP_METERS)
    assert "/heatSources/emon/total/burner" in BOILER_METERS
    assert "/heatSources/emon/total/burner" not in gateway_sim.recordings.meters


async def test_hourly_buckets_add_up_to_the_counter(
    gateway_sim: GatewaySimulator, gateway_authed_client: GatewayClient
) -> None:
    """Hourly buckets: consecutive complete hours, their sum the counter growth."""
    answer = await gateway_authed_client.get_recording(CH_COMPRESSOR, "PT1H")
    assert answer["type"] == "yRecordingExtended"
    assert answer["recordedResource"]["id"] == CH_COMPRESSOR
    assert answer["unitOfMeasure"] == "kWh"
    [group] = answer["values"]
    assert group["sampleRate"] == "PT1H"
    recording = group["recording"]
    assert len(recording) == 7 * 24
    start, end = _local(group["startTime"]), _local(group["endTime"])
    assert end - start == dt.timedelta(hours=len(recording) - 1)
    assert start.tzinfo is not None
    assert start.utcoffset() == start.astimezone(ZONE).utcoffset()
    first = int(start.timestamp()) // HOUR
    last = int(end.timestamp()) // HOUR
    assert (last + 1) * HOUR <= gateway_sim.options.clock.time()  # complete hours
    recordings = gateway_sim.recordings
    assert all(bucket["c"] == SAMPLES_PER_HOUR for bucket in recording)
    grew = recordings.counter(CH_COMPRESSOR, (last + 1) * HOUR) - recordings.counter(
        CH_COMPRESSOR, first * HOUR
    )
    assert sum(bucket["y"] for bucket in recording) == pytest.approx(grew)
    # Deterministic: asked again, the same.
    again = await gateway_authed_client.get_recording(CH_COMPRESSOR, "PT1H")
    assert again["values"] == answer["values"]


async def test_daily_and_monthly_buckets(
    gateway_sim: GatewaySimulator, gateway_authed_client: GatewayClient
) -> None:
    """``all``: hourly, daily (local days, 23 or 25 hours across DST) and monthly."""
    answer = await gateway_authed_client.get_recording(CH_COMPRESSOR, "all")
    rates = [group["sampleRate"] for group in answer["values"]]
    assert rates == ["PT1H", "P1D", "P1M"]
    daily = answer["values"][1]
    assert len(daily["recording"]) == 60
    day = _local(daily["startTime"])
    assert day.time() == dt.time()
    recordings = gateway_sim.recordings
    for bucket in daily["recording"][:3]:
        midnight = dt.datetime.combine(day.date(), dt.time(), ZONE)
        following = dt.datetime.combine(
            day.date() + dt.timedelta(days=1), dt.time(), ZONE
        )
        hours = range(
            int(midnight.timestamp()) // HOUR, int(following.timestamp()) // HOUR
        )
        assert bucket["y"] == pytest.approx(
            sum(recordings.value(CH_COMPRESSOR, h) for h in hours)
        )
        assert bucket["c"] == len(hours) * SAMPLES_PER_HOUR
        day += dt.timedelta(days=1)
    monthly = answer["values"][2]
    assert sum(b["y"] for b in monthly["recording"]) == pytest.approx(
        sum(b["y"] for b in daily["recording"]), abs=0.01
    )


async def test_dates_limit_the_answer(
    gateway_sim: GatewaySimulator, gateway_authed_client: GatewayClient
) -> None:
    """startDate and endDate are the gateway's calendar days, both included."""
    today = gateway_sim.options.clock.now().astimezone(ZONE).date()
    day = today - dt.timedelta(days=3)
    answer = await gateway_authed_client.get_recording(CH_COMPRESSOR, "PT1H", day, day)
    [group] = answer["values"]
    assert len(group["recording"]) in (23, 24, 25)
    assert _local(group["startTime"]).date() == day
    assert _local(group["endTime"]).date() == day
    future = today + dt.timedelta(days=5)
    empty = await gateway_authed_client.get_recording(CH_COMPRESSOR, "P1D", future)
    assert empty["values"] == []


async def test_delay_and_missing_buckets(
    gateway_sim: GatewaySimulator, gateway_authed_client: GatewayClient
) -> None:
    """A delayed gateway reports the last hour later; ``None`` is c 0."""
    recordings = gateway_sim.recordings
    last = recordings.hours()[-1]
    recordings.override(CH_COMPRESSOR, last, None)
    answer = await gateway_authed_client.get_recording(CH_COMPRESSOR, "PT1H")
    assert answer["values"][0]["recording"][-1] == {"y": 0, "c": 0}
    recordings.delay = 2 * HOUR
    delayed = await gateway_authed_client.get_recording(CH_COMPRESSOR, "PT1H")
    end = _local(delayed["values"][0]["endTime"])
    assert int(end.timestamp()) // HOUR <= last - 1
    # Two days late: the last day reported is one whose hours were all reported.
    recordings.delay = 48 * HOUR
    daily = await gateway_authed_client.get_recording(CH_COMPRESSOR, "P1D")
    last_day = _local(daily["values"][0]["endTime"])
    reported = recordings.hours()[-1]
    assert int((last_day + dt.timedelta(days=1)).timestamp()) // HOUR <= reported + 1


async def test_client_refuses_what_is_not_a_recording(
    gateway_sim: GatewaySimulator,
    gateway_authed_client: GatewayClient,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """An answer that is not an object, or an unexpected status, is an error."""
    today = gateway_sim.options.clock.now().date()
    with pytest.raises(GatewayError, match="HTTP 400"):
        await gateway_authed_client.get_recording(
            CH_COMPRESSOR, "PT1H", today, today - dt.timedelta(days=1)
        )
    monkeypatch.setattr(gateway_sim.recordings, "answer", lambda *args: (200, [1, 2]))
    with pytest.raises(ValueFormatError, match="JSON object"):
        await gateway_authed_client.get_recording(CH_COMPRESSOR, "PT1H")


@pytest.mark.parametrize(
    "query",
    [
        {"sampleRate": "PT2H"},
        {},
        {"sampleRate": "PT1H", "startDate": "2026-1-1"},
        {"sampleRate": "PT1H", "endDate": "yesterday"},
        {"sampleRate": "PT1H", "startDate": "2026-02-30"},
        {"sampleRate": "PT1H", "startDate": "2026-03-02", "endDate": "2026-03-01"},
    ],
)
async def test_bad_queries_are_400(
    gateway_sim: GatewaySimulator,
    gateway_authed_client: GatewayClient,
    gateway_session: aiohttp.ClientSession,
    gateway_ssl_context: ssl.SSLContext,
    query: dict[str, str],
) -> None:
    """A sample rate or a date the gateway does not know: 400."""
    url = f"https://{gateway_sim.host}:{gateway_sim.api_port}/recordings{CH_COMPRESSOR}"
    token = gateway_authed_client._token
    async with gateway_session.get(
        url,
        params=query,
        headers={"Authorization": f"Bearer {token}"},
        ssl=gateway_ssl_context,
    ) as response:
        assert response.status == 400


async def test_unknown_recording_is_403_and_token_required(
    gateway_sim: GatewaySimulator, gateway_authed_client: GatewayClient
) -> None:
    """A path the gateway records nothing at is 403; no token is 401."""
    with pytest.raises(GatewayForbiddenError):
        await gateway_authed_client.get_recording("/heatSources/emon/ch/burner", "PT1H")
    with pytest.raises(ValueError, match="sample rate"):
        await gateway_authed_client.get_recording(CH_COMPRESSOR, "PT2H")
    gateway_authed_client.set_token("not-a-token")
    with pytest.raises(GatewayAuthError):
        await gateway_authed_client.get_recording(CH_COMPRESSOR, "PT1H")


async def test_recording_answer_is_bounded(
    gateway_sim: GatewaySimulator, gateway_authed_client: GatewayClient
) -> None:
    """A recording larger than the client's limit is refused, not read whole."""
    gateway_sim.oversize("/recordings", 10 * gateway_authed_client.max_answer)
    with pytest.raises(AnswerTooLargeError):
        await gateway_authed_client.get_recording(CH_COMPRESSOR, "PT1H")


async def test_signals_and_the_broken_one(
    gateway_sim: GatewaySimulator, gateway_authed_client: GatewayClient
) -> None:
    """``/signals`` lists every signal; one answers with a body that is not JSON."""
    listed = await gateway_authed_client.list("/signals")
    assert set(listed) == set(signal_leaves())
    outdoor = await gateway_authed_client.get(OUTDOOR)
    assert outdoor.raw["value"] == 6.5
    with pytest.raises(ValueFormatError):
        await gateway_authed_client.get(BROKEN)
    del gateway_sim.resources.leaves[BROKEN]
    with pytest.raises(GatewayError):
        await gateway_authed_client.get(BROKEN)
