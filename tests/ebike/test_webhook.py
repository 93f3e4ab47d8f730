"""The webhook handler: every rejection path, duplicates, order, shapes.

The simulated Bosch cloud signs and posts every notification to Home
Assistant's real HTTP application over a loopback socket.
"""

from __future__ import annotations

from typing import Any

from homeassistant.const import EVENT_STATE_CHANGED, EVENT_STATE_REPORTED
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import entity_registry as er
import pytest

from custom_components.bosch_connect.ebike.const import AUTH_HEADER, MAX_BODY_BYTES
from simulator.ebike import EbikeCloud, EbikeSettings

from .conftest import ha_tls
from .helpers import async_enable_all, entity_id, state


@pytest.fixture
def ebike_settings() -> EbikeSettings:
    return EbikeSettings(auto_send=False)


def _counters(entry: Any) -> Any:
    return entry.runtime_data.counters


async def test_bike_status_reaches_entities(
    hass: HomeAssistant, ebike_entry: Any, ebike_sim: EbikeCloud
) -> None:
    await async_enable_all(hass, ebike_entry)  # last report is disabled by default
    bike = ebike_sim.bikes[0]
    await ebike_sim.power_on(bike)  # sends a BIKE_STATUS (if the profile allows)
    delivery = await ebike_sim.deliver_now(bike, "BIKE_STATUS")
    assert delivery.status == 200
    await hass.async_block_till_done()
    soc = state(hass, "sensor", bike, "state_of_charge")
    assert soc.state == str(int(bike.soc))
    assert state(hass, "sensor", bike, "odometer").state == str(
        round(round(bike.odometer_m) / 1000, 3)
    )
    assert state(hass, "binary_sensor", bike, "charger_connected").state == "off"
    assert state(hass, "sensor", bike, "bcm_battery_status").state == "charge_ok"
    # Only this bike's entities changed.
    other = ebike_sim.bikes[1]
    assert state(hass, "sensor", other, "state_of_charge").state == "unknown"
    # A location is written only to the entities that show it.
    reported = soc.last_reported
    assert (await ebike_sim.deliver_now(bike, "LOCATION_TRACKING")).status == 200
    await hass.async_block_till_done()
    assert state(hass, "sensor", bike, "state_of_charge").last_reported == reported
    assert state(hass, "device_tracker", bike, "location").state != "unknown"
    assert state(hass, "sensor", bike, "last_report").last_reported > reported


async def test_only_changed_values_are_written(
    hass: HomeAssistant, ebike_entry: Any, ebike_sim: EbikeCloud
) -> None:
    """A status notification writes only the entities whose value changed."""
    await async_enable_all(hass, ebike_entry)
    bike = ebike_sim.bikes[0]
    await ebike_sim.power_on(bike)
    assert (await ebike_sim.deliver_now(bike, "BIKE_STATUS")).status == 200
    await hass.async_block_till_done()
    ours = {
        reg.entity_id
        for reg in er.async_entries_for_config_entry(
            er.async_get(hass), ebike_entry.entry_id
        )
    }
    changed: list[str] = []
    reported: list[str] = []

    @callback
    def ours_only(data: Any) -> bool:
        return data["entity_id"] in ours

    hass.bus.async_listen(
        EVENT_STATE_CHANGED,
        lambda event: changed.append(event.data["entity_id"]),
        event_filter=ours_only,
    )
    hass.bus.async_listen(
        EVENT_STATE_REPORTED,
        lambda event: reported.append(event.data["entity_id"]),
        event_filter=ours_only,
    )

    # The state of charge drops; the other values stay (apart from the time).
    bike.soc = 41.0
    ebike_sim.advance(10)
    assert (await ebike_sim.deliver_now(bike, "BIKE_STATUS")).status == 200
    await hass.async_block_till_done()
    soc = state(hass, "sensor", bike, "state_of_charge")
    assert soc.state == "41"
    assert reported == []  # no unchanged state was written again
    # Written: what depends on the charge, and the time of the report; not
    # the odometer, binary sensors, BCM battery, tracker, selects, sync status.
    assert sorted(changed) == sorted(
        entity_id(hass, "sensor", bike, key)
        for key in (
            "state_of_charge",
            "remaining_energy",
            "reachable_range_1",
            "reachable_range_2",
            "reachable_range_3",
            "reachable_range_4",
            "last_report",
        )
    )


@pytest.mark.parametrize("shape", ["v1.2.0", "draft"])
async def test_location_both_shapes_newest_wins(
    hass: HomeAssistant, ebike_entry: Any, ebike_sim: EbikeCloud, shape: str
) -> None:
    ebike_sim.payload_shape = shape
    bike = ebike_sim.bikes[0]
    await ebike_sim.start_ride(bike)
    for _ in range(3):
        ebike_sim.advance(20)
        bike.advance(ebike_sim.clock.time())
    newest = bike.track[-1]
    delivery = await ebike_sim.deliver_now(bike, "LOCATION_TRACKING")
    assert delivery.status == 200
    await hass.async_block_till_done()
    tracker = state(hass, "device_tracker", bike, "location")
    assert tracker.attributes["latitude"] == pytest.approx(newest.latitude)
    assert tracker.attributes["longitude"] == pytest.approx(newest.longitude)
    assert tracker.attributes["gps_accuracy"] == 5
    assert tracker.attributes["moving"] is True
    assert state(hass, "binary_sensor", bike, "moving").state == "on"


async def test_duplicate_delivery_applied_once(
    hass: HomeAssistant, ebike_entry: Any, ebike_sim: EbikeCloud
) -> None:
    bike = ebike_sim.bikes[0]
    await ebike_sim.power_on(bike)
    ebike_sim.delivery_faults.duplicate = True
    applied = _counters(ebike_entry).applied
    first = await ebike_sim.deliver_now(bike, "BIKE_STATUS")
    await hass.async_block_till_done()
    copies = [d for d in ebike_sim.deliveries if d.body == first.body]
    assert [d.status for d in copies] == [200, 200]
    assert _counters(ebike_entry).applied == applied + 1
    assert _counters(ebike_entry).ignored_old >= 1


async def test_out_of_order_location_never_goes_back(
    hass: HomeAssistant, ebike_entry: Any, ebike_sim: EbikeCloud
) -> None:
    bike = ebike_sim.bikes[0]
    await ebike_sim.start_ride(bike)
    ebike_sim.delivery_faults.reorder = True
    ebike_sim.advance(30)
    older = ebike_sim.notify(bike, "LOCATION_TRACKING")[0]
    ebike_sim.advance(30)
    bike.advance(ebike_sim.clock.time())
    newest = bike.track[-1]
    newer = ebike_sim.notify(bike, "LOCATION_TRACKING")[0]
    await newer.wait()
    await older.wait()
    await hass.async_block_till_done()
    # The newer one arrived first; the older one was accepted but not shown.
    assert newer.attempts[0].at <= older.attempts[0].at
    assert older.status == 200
    tracker = state(hass, "device_tracker", bike, "location")
    assert tracker.attributes["latitude"] == pytest.approx(newest.latitude)
    assert tracker.attributes["longitude"] == pytest.approx(newest.longitude)


async def test_out_of_order_status_never_goes_back(
    hass: HomeAssistant, ebike_entry: Any, ebike_sim: EbikeCloud
) -> None:
    bike = ebike_sim.bikes[0]
    await ebike_sim.power_on(bike)
    await ebike_sim.deliver_now(bike, "BIKE_STATUS")
    ebike_sim.delivery_faults.reorder = True
    bike.soc = 50.0
    older = ebike_sim.notify(bike, "BIKE_STATUS")[0]
    ebike_sim.advance(60)
    bike.soc = 40.0
    newer = ebike_sim.notify(bike, "BIKE_STATUS")[0]
    await newer.wait()
    await older.wait()
    await hass.async_block_till_done()
    assert state(hass, "sensor", bike, "state_of_charge").state == "40"


async def test_webhook_test_and_unknown_types_accepted(
    hass: HomeAssistant, ebike_entry: Any, ebike_sim: EbikeCloud
) -> None:
    # BIKE_PROFILE is a real v1.2.0 event type that we do not subscribe.
    hook = next(iter(ebike_sim.webhooks.values()))
    hook.event_types.append("BIKE_PROFILE")
    delivery = await ebike_sim.deliver_now(ebike_sim.bikes[0], "BIKE_PROFILE")
    assert delivery.status == 200
    assert _counters(ebike_entry).unknown_types == 1
    assert _counters(ebike_entry).webhook_tests == 1


@pytest.mark.parametrize(
    ("fault", "status", "reason"),
    [
        ("wrong_secret", 401, "secret"),
        ("invalid_signature", 401, "BadSignatureError"),
        ("missing_signature", 401, "MissingSignatureError"),
        ("wrong_algorithm", 401, "UnsupportedAlgorithmError"),
        ("foreign_cert_url", 401, "CertificateUrlNotAllowedError"),
        ("http_cert_url", 401, "CertificateUrlNotAllowedError"),
        ("malformed_body", 400, "payload"),
    ],
)
async def test_rejections(
    hass: HomeAssistant,
    ebike_entry: Any,
    ebike_sim: EbikeCloud,
    *,
    fault: str,
    status: int,
    reason: str,
) -> None:
    bike = ebike_sim.bikes[0]
    await ebike_sim.power_on(bike)
    setattr(ebike_sim.delivery_faults, fault, True)
    delivery = await ebike_sim.deliver_now(bike, "BIKE_STATUS")
    assert delivery.attempts[0].status == status
    await hass.async_block_till_done()
    assert _counters(ebike_entry).rejected == {reason: 1}
    assert state(hass, "sensor", bike, "state_of_charge").state == "unknown"
    # A certificate URL that only arrived in a request is never fetched.
    assert not ebike_sim.faults.requests("/foreign")
    ebike_sim.delivery_faults.clear()
    assert (await ebike_sim.deliver_now(bike, "BIKE_STATUS")).status == 200


@pytest.mark.parametrize(
    ("kind", "reason"),
    [
        ("expired", "CertificateError"),
        ("self_signed", "CertificateError"),
        ("unknown_ca", "CertificateError"),
    ],
)
async def test_untrusted_certificates(
    hass: HomeAssistant,
    ebike_entry: Any,
    ebike_sim: EbikeCloud,
    kind: str,
    reason: str,
) -> None:
    bike = ebike_sim.bikes[0]
    ebike_sim.use_signing_cert(kind)
    delivery = await ebike_sim.deliver_now(bike, "BIKE_STATUS")
    assert delivery.attempts[0].status == 401
    assert _counters(ebike_entry).rejected == {reason: 1}
    # Fetched once from the allowed certificate path (after the valid one at
    # subscription time); a failure is remembered, not fetched again at once.
    ebike_sim.advance(10)
    assert (await ebike_sim.deliver_now(bike, "BIKE_STATUS")).status == 401
    assert len(ebike_sim.faults.requests("/notification/v1/certs/")) == 2


async def test_certificate_fetched_once(
    hass: HomeAssistant, ebike_entry: Any, ebike_sim: EbikeCloud
) -> None:
    bike = ebike_sim.bikes[0]
    for _ in range(3):
        ebike_sim.advance(10)
        assert (await ebike_sim.deliver_now(bike, "BIKE_STATUS")).status == 200
    assert len(ebike_sim.faults.requests("/notification/v1/certs/")) == 1


async def test_body_too_large_and_secret_checked_first(
    hass: HomeAssistant, ebike_entry: Any, ebike_sim: EbikeCloud, ha_url: str
) -> None:
    url = f"{ha_url}/api/webhook/{ebike_entry.data['webhook_id']}"
    secret = ebike_entry.data["webhook_secret"]
    fetched = len(ebike_sim.faults.requests("/notification/v1/certs/"))
    async with ha_tls().session() as session:
        big = b"{" + b" " * MAX_BODY_BYTES + b"}"
        async with session.post(url, data=big, headers={AUTH_HEADER: secret}) as resp:
            assert resp.status == 413

        async def chunks() -> Any:
            for _ in range(5):
                yield b" " * (MAX_BODY_BYTES // 4)

        async with session.post(
            url, data=chunks(), headers={AUTH_HEADER: secret}
        ) as resp:
            assert resp.status == 413

        async def small() -> Any:
            for _ in range(3):
                yield b" " * 100

        # A chunked body under the limit is read whole (then refused unsigned).
        async with session.post(
            url, data=small(), headers={AUTH_HEADER: secret}
        ) as resp:
            assert resp.status == 401
        # A wrong static secret: nothing else is looked at (not even the size).
        async with session.post(url, data=big, headers={AUTH_HEADER: "wrong"}) as resp:
            assert resp.status == 401
        # No secret: refused before the signature check.
        async with session.post(url, data=b"{}") as resp:
            assert resp.status == 401
        # With the secret but unsigned: the signature check refuses it.
        async with session.post(url, data=b"{}", headers={AUTH_HEADER: secret}) as resp:
            assert resp.status == 401
        # A body that cannot be decoded is a bad request, not a traceback.
        async with session.post(
            url,
            data=b"not gzip at all",
            headers={AUTH_HEADER: secret, "Content-Encoding": "gzip"},
        ) as resp:
            assert resp.status == 400
        # GET and PUT are not allowed at all; HEAD (Home Assistant's) is.
        async with session.get(url) as resp:
            assert resp.status == 405
        async with session.put(url, data=b"{}", headers={AUTH_HEADER: secret}) as resp:
            assert resp.status == 405
        async with session.head(url) as resp:
            assert resp.status == 200
    counters = _counters(ebike_entry)
    assert counters.rejected == {
        "too_large": 2,
        "secret": 2,
        "MissingSignatureError": 2,
        "unreadable": 1,
    }
    assert len(ebike_sim.faults.requests("/notification/v1/certs/")) == fetched


async def test_cloudhook_relay(
    hass: HomeAssistant, ebike_entry: Any, ebike_sim: EbikeCloud
) -> None:
    """Home Assistant Cloud hands a cloudhook call over as a MockRequest."""
    from homeassistant.components.webhook import async_handle_webhook
    from homeassistant.util.aiohttp import MockRequest

    bike = ebike_sim.bikes[0]
    await ebike_sim.power_on(bike)
    body = ebike_sim.build_body(bike, "BIKE_STATUS")
    _, headers = ebike_sim.signed_request("BIKE_STATUS", body)
    response = await async_handle_webhook(
        hass,
        ebike_entry.data["webhook_id"],
        MockRequest(content=body, mock_source="cloud", method="POST", headers=headers),
    )
    assert response.status == 200
    await hass.async_block_till_done()
    assert state(hass, "sensor", bike, "state_of_charge").state == str(int(bike.soc))
    response = await async_handle_webhook(
        hass,
        ebike_entry.data["webhook_id"],
        MockRequest(
            content=b"{" + b" " * MAX_BODY_BYTES + b"}",
            mock_source="cloud",
            method="POST",
            headers=headers,
        ),
    )
    assert response.status == 413
