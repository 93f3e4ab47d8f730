"""The simulated eBike cloud: payload schemas, retry schedule, ride, faults, control."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
import datetime as dt
import json
from pathlib import Path
import re
from typing import Any
import uuid

import aiohttp
import jsonschema  # type: ignore[import-untyped]
import pytest
import yaml  # type: ignore[import-untyped]

from custom_components.bosch_connect.ebike.api import EbikeClient, WebhookAuthentication
from custom_components.bosch_connect.ebike.payloads import (
    BikeStatus,
    LocationTracking,
    UnknownEvent,
    parse_events,
)
from simulator.control import make_control_app
from simulator.ebike import Delivery, EbikeCloud, NoSubscriberError, create
from simulator.ebike.delivery import RETRY_DELAYS
from simulator.options import Options
from simulator.server import Listener
from tests.conftest import REFERENCE

from .conftest import WebhookReceiver

SPECS = REFERENCE / "ebike"
TYPES = ["BIKE_STATUS", "LOCATION_TRACKING"]


# --- OpenAPI schemas as JSON Schema ----------------------------------------------------


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations() -> None:
    """Protocol tests: no Home Assistant instance is needed (nor started)."""


def _format_checker() -> jsonschema.FormatChecker:
    checker = jsonschema.FormatChecker()

    @checker.checks("date-time", raises=ValueError)  # type: ignore[untyped-decorator]
    def date_time(value: object) -> bool:
        if not isinstance(value, str):
            return True
        if not re.fullmatch(
            r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)", value
        ):
            raise ValueError(value)
        return dt.datetime.fromisoformat(value).tzinfo is not None

    @checker.checks("uuid", raises=ValueError)  # type: ignore[untyped-decorator]
    def is_uuid(value: object) -> bool:
        return not isinstance(value, str) or bool(uuid.UUID(value))

    @checker.checks("int32")  # type: ignore[untyped-decorator]
    def int32(value: object) -> bool:
        return not isinstance(value, int) or -(2**31) <= value < 2**31

    return checker


class Spec:
    """Component schemas of one OpenAPI file, validated with Draft 4 semantics."""

    def __init__(self, path: Path) -> None:
        if not path.exists():
            pytest.skip(f"reference OpenAPI file not available: {path}")
        self.document = yaml.safe_load(path.read_text())
        self._responses_only(self.document)
        self.schemas = self.document["components"]["schemas"]
        self.checker = _format_checker()

    @classmethod
    def _responses_only(cls, node: Any) -> None:
        """OpenAPI: a required writeOnly property is never in a response."""
        if isinstance(node, dict):
            properties = node.get("properties")
            if isinstance(properties, dict) and "required" in node:
                node["required"] = [
                    name
                    for name in node["required"]
                    if not properties.get(name, {}).get("writeOnly")
                ]
            for value in node.values():
                cls._responses_only(value)
        elif isinstance(node, list):
            for value in node:
                cls._responses_only(value)

    def validate(self, name: str, payload: Any) -> None:
        schema = {"$ref": f"#/components/schemas/{name}", **self.document}
        jsonschema.Draft4Validator(schema, format_checker=self.checker).validate(
            payload
        )
        self.only_known_keys(self.schemas[name], payload, name)

    def _resolve(self, schema: dict[str, Any]) -> dict[str, Any]:
        if "$ref" in schema:
            return self._resolve(self.schemas[schema["$ref"].rsplit("/", 1)[1]])
        merged = dict(schema)
        properties = dict(schema.get("properties", {}))
        for part in schema.get("allOf", []):
            properties.update(self._resolve(part).get("properties", {}))
        merged["properties"] = properties
        return merged

    def only_known_keys(self, schema: dict[str, Any], payload: Any, where: str) -> None:
        """The simulator sends no field that the contract does not know."""
        schema = self._resolve(schema)
        if isinstance(payload, dict):
            unknown = set(payload) - set(schema["properties"])
            assert not unknown, f"{where}: fields not in the contract: {unknown}"
            for key, value in payload.items():
                self.only_known_keys(schema["properties"][key], value, f"{where}.{key}")
        elif isinstance(payload, list) and "items" in schema:
            for index, item in enumerate(payload):
                self.only_known_keys(schema["items"], item, f"{where}[{index}]")


# --- helpers ---------------------------------------------------------------------------


async def subscribe_all(
    sim: EbikeCloud, client: EbikeClient, receiver: WebhookReceiver, profile: str
) -> None:
    """Both features enabled (synced at power-on) and both types subscribed."""
    for bike in sim.bikes:
        tracking = "FLEET" if profile == "FLEET" else "DEFAULT"
        await client.set_feature_profile(bike.module_id, "LOCATION_TRACKING", tracking)
        await client.set_feature_profile(bike.module_id, "BIKE_STATUS", profile)
    await client.create_webhook(receiver.url, TYPES)


async def until(condition: Any, what: str) -> None:
    async with asyncio.timeout(5):
        while not condition():  # noqa: ASYNC110 - polling a plain condition
            await asyncio.sleep(0.005)
    assert condition(), what


def events_of(receiver: WebhookReceiver, kind: type) -> list[Any]:
    found = []
    for request in receiver.received:
        found += [e for e in parse_events(request.body) if isinstance(e, kind)]
    return found


async def drive_every_state(
    sim: EbikeCloud, client: EbikeClient, receiver: WebhookReceiver
) -> None:
    """Off, on, riding, stopped, light, charging, charged, BCM states, draft or not."""
    await subscribe_all(sim, client, receiver, "DEFAULT")
    await sim.deliver_now(0, "BIKE_STATUS")  # off and not charging: required only
    await sim.deliver_now(0, "LOCATION_TRACKING")  # parked: current position
    await sim.power_on(0)
    await sim.start_ride(0, speed=8.0)
    sim.advance(300)
    await sim.step()
    await sim.deliver_now(0, "LOCATION_TRACKING")
    await sim.deliver_now(0, "BIKE_STATUS")
    sim.stop_ride(0)
    await sim.deliver_now(0, "LOCATION_TRACKING")
    await sim.power(0, on=False)
    sim.bikes[0].soc = 99.5
    await sim.set_charger(0, connected=True)  # charging, off
    sim.advance(600)
    await sim.step()  # charging finished
    await sim.set_charger(0, connected=False)
    for status in ("NEED_CHARGE", "CHARGE_CRITICAL", "CHARGE_OK"):
        await sim.power_on(1)
        await sim.set_bcm_battery(1, status)
    sim.bikes[1].soc = 2.0  # light reserve reached
    await sim.deliver_now(1, "BIKE_STATUS")
    await sim.deliver_now(1, "BIKE_PROFILE", via="BIKE_STATUS")  # unknown to us
    await until(lambda: all(d.done for d in sim.deliveries), "all delivered")


# --- the contract ---------------------------------------------------------------------


async def test_every_payload_matches_the_v1_2_contract(
    ebike_sim: EbikeCloud, ebike_client: EbikeClient, webhook_receiver: WebhookReceiver
) -> None:
    spec = Spec(SPECS / "notification.v1.2.0.yaml")
    await drive_every_state(ebike_sim, ebike_client, webhook_receiver)
    seen: dict[str, int] = {}
    for request in webhook_receiver.received:
        payload = json.loads(request.body)
        kind = payload["type"]
        name = {
            "WEBHOOK_TEST": "WebhookTest",
            "BIKE_STATUS": "BikeStatus",
            "LOCATION_TRACKING": "LocationTracking",
            "BIKE_PROFILE": "BikeProfile",
        }[kind]
        spec.validate(name, payload)
        seen[kind] = seen.get(kind, 0) + 1
    assert seen["WEBHOOK_TEST"] == 1
    assert seen["BIKE_PROFILE"] == 1
    [profile] = events_of(webhook_receiver, UnknownEvent)
    assert (profile.type, profile.bike_id) == (
        "BIKE_PROFILE",
        ebike_sim.bikes[1].bike_id,
    )
    assert seen["LOCATION_TRACKING"] == 3
    assert seen["BIKE_STATUS"] >= 10
    statuses = events_of(webhook_receiver, BikeStatus)
    assert {s.bcm_battery_status for s in statuses} >= {
        "CHARGE_OK",
        "NEED_CHARGE",
        "CHARGE_CRITICAL",
    }
    assert any(s.is_charging for s in statuses)
    assert any(s.state_of_charge == 100 and not s.is_charging for s in statuses)
    assert any(s.is_light_reserve_limit_reached for s in statuses)
    assert any(s.state_of_charge is None for s in statuses)  # asleep
    # The problem answers match the contract too.
    response = await ebike_client._call(
        "GET", f"{ebike_client.notification_url}/webhooks/{uuid.uuid4()}"
    )
    spec.validate("Problem", response.json_object())
    webhooks = await ebike_client._call(
        "GET", f"{ebike_client.notification_url}/webhooks"
    )
    for hook in webhooks.json_object()["webhooks"]:
        spec.validate("Webhook", hook)


async def test_every_payload_matches_the_2024_draft(
    ebike_sim: EbikeCloud, ebike_client: EbikeClient, webhook_receiver: WebhookReceiver
) -> None:
    spec = Spec(SPECS / "notification.v1.2024-draft.yaml")
    ebike_sim.payload_shape = "draft"
    await drive_every_state(ebike_sim, ebike_client, webhook_receiver)
    for request in webhook_receiver.received[1:]:
        payload = json.loads(request.body)
        if isinstance(payload, dict) and payload["type"] == "BIKE_PROFILE":
            continue  # not part of the 2024 draft
        if isinstance(payload, list):
            spec.validate("LocationTracking", payload)
        else:
            spec.validate("BikeStatus", payload)
    tracks = events_of(webhook_receiver, LocationTracking)
    assert {t.shape for t in tracks} == {"draft"}
    bike = ebike_sim.bikes[0]
    statuses = [
        s
        for s in events_of(webhook_receiver, BikeStatus)
        if s.odometer_m and s.bike_id == bike.bike_id
    ]
    assert {s.shape for s in statuses} == {"draft"}
    assert abs(statuses[-1].odometer_m - bike.odometer_m) < 2


async def test_configuration_answers_match_the_contract(
    ebike_sim: EbikeCloud, ebike_client: EbikeClient
) -> None:
    spec = Spec(SPECS / "bcm-configuration.v2.yaml")
    url = f"{ebike_client.configuration_url}/connect-modules"
    await ebike_client.set_feature_profile(
        ebike_sim.bikes[0].module_id, "BIKE_STATUS", "CHARGING"
    )
    listing = (await ebike_client._call("GET", url)).json_object()
    for module in listing["connectModules"]:
        spec.validate("ConnectModule", module)
    feature = await ebike_client._call(
        "PUT",
        f"{url}/{ebike_sim.bikes[1].module_id}/features/LOCATION_TRACKING",
        json_body={"requestedProfile": "DEFAULT"},
    )
    spec.validate("Feature", feature.json_object())


# --- delivery and retries ---------------------------------------------------------------


async def wait_attempts(delivery: Delivery, count: int) -> None:
    await until(lambda: len(delivery.attempts) >= count, f"{count} attempts")


async def test_retry_schedule_then_drop(
    ebike_sim: EbikeCloud, ebike_client: EbikeClient, webhook_receiver: WebhookReceiver
) -> None:
    await ebike_client.create_webhook(webhook_receiver.url, TYPES)
    webhook_receiver.statuses = [500] * 6
    delivery = await ebike_sim.deliver_now(0, "BIKE_STATUS")
    assert [a.status for a in delivery.attempts] == [500]
    # Nothing happens before the first delay is over.
    ebike_sim.advance(0.5)
    await asyncio.sleep(0.05)
    assert len(delivery.attempts) == 1
    for number, delay in enumerate(RETRY_DELAYS, start=1):
        ebike_sim.advance(delay)
        await wait_attempts(delivery, number + 1)
    await delivery.wait()
    assert delivery.state == "dropped"
    gaps = [
        b.at - a.at
        for a, b in zip(delivery.attempts, delivery.attempts[1:], strict=False)
    ]
    assert gaps[0] == pytest.approx(1.5, abs=0.4)  # 0.5 + 1
    assert gaps[1:] == pytest.approx(list(RETRY_DELAYS[1:]), abs=0.4)
    assert len(webhook_receiver.received) == 1 + 6  # WebhookTest + 6 attempts
    bodies = {r.body for r in webhook_receiver.received[1:]}
    assert len(bodies) == 1  # the same event every time


async def test_retry_succeeds_and_connection_errors_count(
    ebike_sim: EbikeCloud, ebike_client: EbikeClient, webhook_receiver: WebhookReceiver
) -> None:
    await ebike_client.create_webhook(webhook_receiver.url, TYPES)
    ebike_sim.set_time_scale(1000)  # 1 + 2 s of retries take 3 ms
    webhook_receiver.statuses = [503, 502]
    delivery = await ebike_sim.deliver_now(0, "LOCATION_TRACKING")
    await delivery.wait()
    assert delivery.state == "delivered"
    assert [a.status for a in delivery.attempts] == [503, 502, 200]
    await ebike_sim.wait_idle()
    assert delivery.to_json()["state"] == "delivered"
    # A receiver that is gone: connection errors, retried, then dropped.
    assert webhook_receiver.listener is not None
    await webhook_receiver.listener.stop()
    delivery = await ebike_sim.deliver_now(0, "LOCATION_TRACKING")
    await delivery.wait()
    assert delivery.state == "dropped"
    assert len(delivery.attempts) == 6
    assert all(a.status is None and a.error for a in delivery.attempts)


async def test_no_subscriber(ebike_sim: EbikeCloud) -> None:
    with pytest.raises(NoSubscriberError):
        await ebike_sim.deliver_now(0, "BIKE_STATUS")
    assert await ebike_sim.power_on(0) == []  # feature not enabled: nothing sent


async def test_fault_switches(
    ebike_sim: EbikeCloud, ebike_client: EbikeClient, webhook_receiver: WebhookReceiver
) -> None:

    await ebike_client.create_webhook(
        webhook_receiver.url, TYPES, WebhookAuthentication("X-Secret", "right")
    )
    faults = ebike_sim.delivery_faults
    faults.duplicate = True
    await ebike_sim.deliver_now(0, "BIKE_STATUS")
    await webhook_receiver.wait_for(3)
    assert webhook_receiver.received[1].body == webhook_receiver.received[2].body
    faults.duplicate = False
    faults.reorder = True
    first = await ebike_sim.deliver_now(0, "BIKE_STATUS")
    assert first.state == "held"
    ebike_sim.advance(10)
    faults.reorder = False
    second = await ebike_sim.deliver_now(0, "BIKE_STATUS")
    await first.wait()
    await second.wait()
    older, newer = (parse_events(r.body)[0] for r in webhook_receiver.received[3:5])
    assert isinstance(older, BikeStatus)
    assert isinstance(newer, BikeStatus)
    assert older.created_at > newer.created_at  # the newer event arrived first
    assert ebike_sim.release_held() is None
    faults.reorder = True
    alone = await ebike_sim.deliver_now(0, "BIKE_STATUS")
    assert alone.state == "held"
    assert ebike_sim.release_held() is alone
    await alone.wait()
    assert alone.state == "delivered"
    faults.reorder = False
    faults.malformed_body = True
    faults.wrong_secret = True
    await ebike_sim.deliver_now(0, "BIKE_STATUS")
    last = webhook_receiver.received[-1]
    assert last.headers["X-Secret"] == "not-right"
    with pytest.raises(ValueError):
        json.loads(last.body)
    faults.clear()
    assert not any(faults.to_json().values())
    with pytest.raises(KeyError):
        faults.update({"explode": True})


# --- bikes ----------------------------------------------------------------------------------


async def test_periodic_notifications_follow_the_ride(
    ebike_sim: EbikeCloud, ebike_client: EbikeClient, webhook_receiver: WebhookReceiver
) -> None:
    await subscribe_all(ebike_sim, ebike_client, webhook_receiver, "FLEET")
    bike = ebike_sim.bikes[0]
    start = bike.position
    await ebike_sim.start_ride(0, speed=10.0)  # powers on, syncs: FLEET every 60 s
    ebike_sim.set_time_scale(400)
    await until(
        lambda: len(events_of(webhook_receiver, LocationTracking)) >= 3,
        "three periodic locations",
    )
    ebike_sim.set_time_scale(1)
    tracks = events_of(webhook_receiver, LocationTracking)
    positions = [t.latest for t in tracks]
    assert all(p is not None and p.is_moving for p in positions)
    assert positions[-1] != positions[0]
    assert bike.position != start
    statuses = [s for s in events_of(webhook_receiver, BikeStatus) if s.odometer_m]
    assert statuses[-1].odometer_m > statuses[0].odometer_m
    assert statuses[-1].state_of_charge <= statuses[0].state_of_charge
    # The route ends: the bike stops.
    ebike_sim.advance(3600)
    await ebike_sim.step()
    assert not bike.moving
    assert bike.position == bike.route[-1]


async def test_charging_profile_and_finish(
    ebike_sim: EbikeCloud, ebike_client: EbikeClient, webhook_receiver: WebhookReceiver
) -> None:
    await subscribe_all(ebike_sim, ebike_client, webhook_receiver, "CHARGING")
    await ebike_sim.power_on(0)
    bike = ebike_sim.bikes[0]
    assert bike.interval("BIKE_STATUS") == 24 * 3600
    await ebike_sim.set_charger(0)
    assert bike.charging
    assert bike.interval("BIKE_STATUS") == 360
    ebike_sim.advance(4 * 3600)
    await ebike_sim.step()
    assert not ebike_sim.bikes[0].charging
    assert ebike_sim.bikes[0].soc == 100
    last = events_of(webhook_receiver, BikeStatus)[-1]
    assert (last.is_charger_connected, last.is_charging, last.state_of_charge) == (
        True,
        False,
        100,
    )
    await ebike_sim.set_bcm_battery(0, "CHARGE_CRITICAL")
    assert bike.interval("LOCATION_TRACKING") == 24 * 3600
    with pytest.raises(ValueError):
        await ebike_sim.set_bcm_battery(0, "EXPLODED")


async def test_fleet_and_lookup(ebike_sim: EbikeCloud) -> None:
    bike = ebike_sim.bikes[1]
    for ref in (1, "1", bike.bike_id, bike.oem_bike_id, bike.module_id, bike):
        assert ebike_sim.bike(ref) is bike
    with pytest.raises(KeyError):
        ebike_sim.bike("nope")
    assert re.fullmatch(
        r"BCM3100_EB1310000B_\d{5}-\d{4}-01-368-\d\d-0000", bike.module_id
    )
    assert uuid.UUID(bike.bike_id).version == 4
    assert re.fullmatch(r"[A-Z0-9]{16}", bike.oem_bike_id)
    ids = [b.bike_id for b in ebike_sim.bikes]
    ebike_sim.set_fleet_size(4)
    assert [b.bike_id for b in ebike_sim.bikes[:2]] == ids
    assert len({b.bike_id for b in ebike_sim.bikes}) == 4


# --- the service around it -----------------------------------------------------------------


async def test_token_response_shape(
    ebike_sim: EbikeCloud, ebike_session: aiohttp.ClientSession
) -> None:
    async with ebike_session.post(
        ebike_sim.token_url,
        data={
            "grant_type": "client_credentials",
            "client_id": ebike_sim.client_id,
            "client_secret": ebike_sim.client_secret,
        },
        ssl=ebike_sim.ssl_context(),
    ) as response:
        token = await response.json()
    assert token["token_type"] == "Bearer"
    assert token["expires_in"] == 300
    assert "scope" in token
    import base64

    claims = json.loads(
        base64.urlsafe_b64decode(token["access_token"].split(".")[1] + "==")
    )
    assert claims["exp"] - claims["iat"] == 300
    assert claims["azp"] == ebike_sim.client_id
    # Basic authentication of the client works too; other grants do not.
    basic = {
        "Authorization": aiohttp.encode_basic_auth(
            ebike_sim.client_id, ebike_sim.client_secret
        )
    }
    async with ebike_session.post(
        ebike_sim.token_url,
        data={"grant_type": "client_credentials"},
        headers=basic,
        ssl=ebike_sim.ssl_context(),
    ) as response:
        assert response.status == 200
    async with ebike_session.post(
        ebike_sim.token_url,
        data={"grant_type": "password"},
        headers=basic,
        ssl=ebike_sim.ssl_context(),
    ) as response:
        assert response.status == 400
    # API calls without or with a forged token.
    url = f"{ebike_sim.api_url}/notification/v1/webhooks"
    async with ebike_session.get(url, ssl=ebike_sim.ssl_context()) as response:
        assert response.status == 401
        assert (await response.json())["detail"] == "No authentication provided"
    forged = token["access_token"][:-4] + "AAAA"
    async with ebike_session.get(
        url, headers={"Authorization": f"Bearer {forged}"}, ssl=ebike_sim.ssl_context()
    ) as response:
        assert response.status == 401
        assert await response.text() == "JWT verification fails"
    async with ebike_session.get(
        f"{ebike_sim.cert_url}", ssl=ebike_sim.ssl_context()
    ) as response:  # no token needed
        assert response.status == 200
        assert response.content_type == "application/octet-stream"
        assert (await response.text()) == ebike_sim.signing_cert_pem


async def test_control_routes(
    ebike_sim: EbikeCloud,
    ebike_client: EbikeClient,
    ebike_session: aiohttp.ClientSession,
    webhook_receiver: WebhookReceiver,
) -> None:
    control = Listener(make_control_app([ebike_sim]))
    await control.start()
    base = f"{control.url}/ebike"

    async def call(method: str, path: str, body: Any = None) -> Any:
        async with ebike_session.request(method, base + path, json=body) as response:
            assert response.status == 200, await response.text()
            return await response.json()

    async def refused(method: str, path: str, body: Any = None) -> int:
        async with ebike_session.request(method, base + path, json=body) as response:
            return response.status

    try:
        info = await call("GET", "/info")
        assert info["client_id"] == ebike_sim.client_id
        assert info["ca_pem"] == ebike_sim.ca_pem
        assert await refused("POST", "/bikes/0/send", {"type": "BIKE_STATUS"}) == 409
        await subscribe_all(ebike_sim, ebike_client, webhook_receiver, "DEFAULT")
        await call("POST", "/bikes/0/fail-next-sync")
        power = await call("POST", "/bikes/0/power", {"on": True})
        assert power["deliveries"] == []  # the sync failed: BIKE_STATUS not enabled
        await call("POST", "/bikes/0/power", {"on": True})
        sent = await call("POST", "/bikes/0/send", {"type": "LOCATION_TRACKING"})
        assert sent["deliveries"][0]["state"] == "delivered"
        ride = await call(
            "POST", "/bikes/0/ride", {"route": [[48.0, 9.0], [48.01, 9.0]]}
        )
        assert ride == {"deliveries": []}  # already on
        assert (await call("GET", "/bikes"))[0]["moving"] is True
        assert await call("DELETE", "/bikes/0/ride") == {"moving": False}
        charger = await call("POST", "/bikes/0/charger", {"connected": True})
        assert charger["deliveries"][0]["type"] == "BIKE_STATUS"
        await call("POST", "/bikes/0/bcm-battery", {"status": "NEED_CHARGE"})
        assert await refused("POST", "/bikes/0/bcm-battery", {"status": "X"}) == 400
        assert await call("POST", "/bikes/0/light", {"on": False}) == {"light": False}
        clock = await call("POST", "/clock", {"scale": 2, "advance": 60})
        assert clock["scale"] == 2
        deliveries = await call("GET", "/deliveries")
        assert {d["type"] for d in deliveries} >= {"WEBHOOK_TEST", "BIKE_STATUS"}
        assert (await call("POST", "/delivery-faults", {"duplicate": True}))[
            "duplicate"
        ]
        assert await refused("POST", "/delivery-faults", {"nope": True}) == 400
        assert (await call("GET", "/delivery-faults"))["duplicate"] is True
        assert not (await call("DELETE", "/delivery-faults"))["duplicate"]
        settings = await call(
            "POST",
            "/settings",
            {
                "signing": "expired",
                "shape": "draft",
                "bikes": 3,
                "revoke_tokens": True,
                "client_secret": "rotated",
            },
        )
        assert settings == {"signing": "expired", "shape": "draft", "bikes": 3}
        assert ebike_sim.client_secret == "rotated"
        assert await refused("POST", "/settings", {"shape": "v9"}) == 400
        assert await refused("POST", "/settings", {"signing": "stolen"}) == 400
        assert await refused("POST", "/bikes/9/power", {}) == 404
    finally:
        await control.stop()


async def test_describe_and_control_actions(ebike_sim: EbikeCloud) -> None:
    text = "\n".join(ebike_sim.describe())
    for needed in (ebike_sim.api_url, ebike_sim.client_id, ebike_sim.client_secret):
        assert needed in text
    paths = {action.path for action in ebike_sim.control_actions()}
    assert "/bikes/0/power" in paths


async def test_the_ca_of_the_options_issues_every_certificate(
    sim_options: Options, socket_enabled: None
) -> None:
    """Server and signing certificates come from the simulator's one CA."""
    sim = create(sim_options)
    await sim.start()
    try:
        assert sim.ca_pem == sim_options.ca_pem
        async with aiohttp.ClientSession() as session:
            # The https certificate chains to it (and names the host).
            async with session.get(
                sim.cert_url, ssl=sim_options.client_context()
            ) as response:
                assert response.status == 200
        assert sim._pki.signing.cert.issuer == sim_options.ca.cert.subject
    finally:
        await sim.stop()


@pytest.fixture
async def fast_sim(
    sim_options: Options, socket_enabled: None
) -> AsyncGenerator[EbikeCloud]:
    from simulator.ebike import EbikeSettings

    sim = create(
        sim_options, EbikeSettings(auto_send=False, bikes=1, token_lifetime=60)
    )
    await sim.start()
    yield sim
    await sim.stop()


async def test_quiet_account_sends_nothing_by_itself(fast_sim: EbikeCloud) -> None:
    fast_sim.set_time_scale(10_000)
    await asyncio.sleep(0.05)
    assert fast_sim.deliveries == []
    assert len(fast_sim.bikes) == 1


async def test_signed_request_for_load_generators(
    ebike_sim: EbikeCloud,
    ebike_client: EbikeClient,
    ebike_session: aiohttp.ClientSession,
    webhook_receiver: WebhookReceiver,
) -> None:
    from custom_components.bosch_connect.ebike.signature import (
        SignatureVerifier,
        load_trust_store,
    )

    with pytest.raises(NoSubscriberError):
        ebike_sim.signed_request("BIKE_STATUS", b"{}")
    _, cert_url = await ebike_client.create_webhook(
        webhook_receiver.url, TYPES, WebhookAuthentication("key", "v", "QUERY")
    )
    body = ebike_sim.build_body(ebike_sim.bikes[0], "BIKE_STATUS")
    url, headers = ebike_sim.signed_request("BIKE_STATUS", body)
    assert url.endswith("?key=v")
    deliveries = len(ebike_sim.deliveries)
    async with ebike_session.post(url, data=body, headers=headers) as response:
        assert response.status == 200
    assert len(ebike_sim.deliveries) == deliveries  # nothing recorded
    received = webhook_receiver.received[-1]
    verifier = SignatureVerifier(
        ebike_session,
        api_url=ebike_sim.api_url,
        trust=load_trust_store([ebike_sim.ca_pem]),
        ssl=ebike_sim.ssl_context(),
        allowed_cert_urls=[cert_url or ""],
    )
    await verifier.async_verify(received.body, received.headers)


async def test_connect_module_filters(
    ebike_sim: EbikeCloud, ebike_client: EbikeClient
) -> None:
    url = f"{ebike_client.configuration_url}/connect-modules"
    bike = ebike_sim.bikes[1]
    for query in (
        f"bikeId={bike.bike_id}",
        f"oemBikeId={bike.oem_bike_id}",
    ):
        listing = (await ebike_client._call("GET", f"{url}?{query}")).json_object()
        assert [m["id"] for m in listing["connectModules"]] == [bike.module_id]
    listing = (await ebike_client._call("GET", f"{url}?oemBrandId=OTHER")).json_object()
    assert listing == {"connectModules": []}
