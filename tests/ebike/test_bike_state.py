"""BikeState wakes an entity only when what it watches changed."""

from __future__ import annotations

import dataclasses
import datetime as dt
from operator import attrgetter

from custom_components.bosch_connect.ebike.payloads import BikeStatus
from custom_components.bosch_connect.ebike.state import (
    TOPIC_LOCATION,
    TOPIC_STATUS,
    BikeState,
)

T0 = dt.datetime(2026, 11, 1, 8, 0, tzinfo=dt.UTC)


def _status(**changes: object) -> BikeStatus:
    status = BikeStatus(
        bike_id="bike",
        oem_bike_id="oem",
        module_id="module",
        created_at=T0,
        shape="v1.2.0",
        state_of_charge=50,
        odometer_m=1000,
    )
    return dataclasses.replace(status, **changes)  # type: ignore[arg-type]


def _soc(bike: BikeState) -> object:
    return bike.status.state_of_charge if bike.status else None


def _odometer(bike: BikeState) -> object:
    return bike.status.odometer_m if bike.status else None


def test_a_watched_value_that_did_not_change_wakes_nobody() -> None:
    bike = BikeState("bike", status=_status())
    woken: list[str] = []
    bike.async_add_listener(lambda: woken.append("soc"), (TOPIC_STATUS,), _soc)
    bike.async_add_listener(
        lambda: woken.append("odometer"), (TOPIC_STATUS,), _odometer
    )
    bike.async_add_listener(lambda: woken.append("any"), (TOPIC_STATUS,))

    bike.status = _status(created_at=T0 + dt.timedelta(minutes=1), odometer_m=1200)
    bike.notify(TOPIC_STATUS)
    assert woken == ["odometer", "any"]

    woken.clear()
    bike.status = _status(created_at=T0 + dt.timedelta(minutes=2), odometer_m=1200)
    bike.notify(TOPIC_STATUS)
    assert woken == ["any"]

    woken.clear()
    bike.status = _status(
        created_at=T0 + dt.timedelta(minutes=3), state_of_charge=49, odometer_m=1200
    )
    bike.notify(TOPIC_STATUS)
    assert woken == ["soc", "any"]


def test_the_first_value_and_a_full_wake_up() -> None:
    bike = BikeState("bike")  # nothing reported yet
    woken: list[str] = []
    remove = bike.async_add_listener(lambda: woken.append("soc"), (TOPIC_STATUS,), _soc)
    bike.async_add_listener(
        lambda: woken.append("both"),
        (TOPIC_STATUS, TOPIC_LOCATION),
        attrgetter("last_report"),
    )
    bike.status = _status()
    bike.notify(TOPIC_STATUS)
    assert woken == ["soc"]  # the first value; the report time did not change

    # notify() (the fleet changed: availability) wakes every entity once,
    # whatever it watches, and what it sees is taken as seen.
    woken.clear()
    bike.notify()
    assert woken == ["soc", "both"]
    bike.notify(TOPIC_STATUS)
    assert woken == ["soc", "both"]

    remove()
    bike.status = _status(created_at=T0 + dt.timedelta(minutes=1), state_of_charge=3)
    bike.notify(TOPIC_STATUS)
    assert woken == ["soc", "both"]
