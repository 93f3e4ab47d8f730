"""EbikeClient against the simulated eBike cloud (real https, real tokens)."""

from __future__ import annotations

from collections.abc import AsyncGenerator

import aiohttp
from aiohttp import web
import pytest

from custom_components.bosch_connect.ebike.api import (
    DEFAULT_API_URL,
    ConnectModule,
    EbikeClient,
    Feature,
    Webhook,
    WebhookAuthentication,
)
from custom_components.bosch_connect.ebike.errors import (
    EbikeApiError,
    EbikeAuthError,
    EbikeConnectionError,
    WebhookConflictError,
    WebhookRejectedError,
)
from simulator.ebike import EbikeCloud
from simulator.faults import Fault

from .conftest import WebhookReceiver, ha_tls

TYPES = ["BIKE_STATUS", "LOCATION_TRACKING"]


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations() -> None:
    """Protocol tests: no Home Assistant instance is needed (nor started)."""


def make_client(
    sim: EbikeCloud, session: aiohttp.ClientSession, **overrides: object
) -> EbikeClient:
    kwargs: dict[str, object] = {
        "client_id": sim.client_id,
        "client_secret": sim.client_secret,
        "token_url": sim.token_url,
        "api_url": sim.api_url,
        "ssl": sim.ssl_context(),
    }
    kwargs.update(overrides)
    return EbikeClient(session, **kwargs)  # type: ignore[arg-type]


# --- token -----------------------------------------------------------------


async def test_token_is_a_keycloak_jwt_and_cached(
    ebike_sim: EbikeCloud, ebike_client: EbikeClient
) -> None:
    token = await ebike_client.async_get_token()
    assert token.count(".") == 2
    assert await ebike_client.async_get_token() == token
    assert ebike_sim.tokens_issued == 1
    assert ebike_client.token_expires_at is not None
    assert ebike_client.client_id == ebike_sim.client_id


async def test_wrong_secret_is_an_auth_error_without_the_secret(
    ebike_sim: EbikeCloud, ebike_session: aiohttp.ClientSession
) -> None:
    client = make_client(ebike_sim, ebike_session, client_secret="wrong-secret-xyz")
    with pytest.raises(EbikeAuthError) as caught:
        await client.list_connect_modules()
    assert "wrong-secret-xyz" not in str(caught.value)
    assert "wrong-secret-xyz" not in repr(caught.value)


async def test_wrong_client_id_is_an_auth_error(
    ebike_sim: EbikeCloud, ebike_session: aiohttp.ClientSession
) -> None:
    client = make_client(ebike_sim, ebike_session, client_id="someone-else")
    with pytest.raises(EbikeAuthError):
        await client.async_get_token()


async def test_token_endpoint_other_error_is_an_api_error(
    ebike_sim: EbikeCloud, ebike_client: EbikeClient
) -> None:
    ebike_sim.faults.set("/auth", Fault(status=503))
    with pytest.raises(EbikeApiError) as caught:
        await ebike_client.async_get_token()
    assert caught.value.status == 503


async def test_token_refreshed_before_expiry(
    ebike_sim: EbikeCloud, ebike_session: aiohttp.ClientSession
) -> None:
    now = [1000.0]
    client = make_client(ebike_sim, ebike_session, clock=lambda: now[0])
    first = await client.async_get_token()
    now[0] += ebike_sim.settings.token_lifetime - 60
    assert await client.async_get_token() == first
    now[0] += 40  # within the refresh margin
    second = await client.async_get_token()
    assert second != first
    assert ebike_sim.tokens_issued == 2


async def test_expired_token_is_refused_and_renewed_once(
    ebike_sim: EbikeCloud, ebike_client: EbikeClient
) -> None:
    await ebike_client.list_connect_modules()
    ebike_sim.advance(ebike_sim.settings.token_lifetime + 1)
    modules = await ebike_client.list_connect_modules()
    assert len(modules) == 2
    assert ebike_sim.tokens_issued == 2
    refused = [
        r
        for r in ebike_sim.faults.requests("/connect-module/v1/connect-modules")
        if r.headers.get("Authorization")
    ]
    assert len(refused) == 3  # ok, 401 "JWT is expired", ok


async def test_api_401_after_a_fresh_token_is_an_auth_error(
    ebike_sim: EbikeCloud, ebike_client: EbikeClient
) -> None:
    ebike_sim.faults.set("/connect-module", Fault(status=401))
    with pytest.raises(EbikeAuthError):
        await ebike_client.list_connect_modules()
    assert ebike_sim.tokens_issued == 2


async def test_revoked_token_is_renewed(
    ebike_sim: EbikeCloud, ebike_client: EbikeClient
) -> None:
    await ebike_client.list_webhooks()
    ebike_sim.revoke_tokens()
    assert await ebike_client.list_webhooks() == []
    assert ebike_sim.tokens_issued == 2


async def test_connection_error(ebike_session: aiohttp.ClientSession) -> None:
    client = EbikeClient(
        ebike_session,
        client_id="a",
        client_secret="b",
        token_url="https://127.0.0.1:9/token",
        api_url="https://127.0.0.1:9",
    )
    with pytest.raises(EbikeConnectionError) as caught:
        await client.async_get_token()
    assert "b" not in str(caught.value).split("failed")[1]


async def test_tls_is_verified(
    ebike_sim: EbikeCloud,
    ebike_session: aiohttp.ClientSession,
    refused_handshakes_ok: None,
) -> None:
    """Without the simulator's CA the https API is not trusted."""
    client = EbikeClient(
        ebike_session,
        client_id=ebike_sim.client_id,
        client_secret=ebike_sim.client_secret,
        token_url=ebike_sim.token_url,
        api_url=ebike_sim.api_url,
    )
    with pytest.raises(EbikeConnectionError):
        await client.async_get_token()


def test_default_urls(ebike_session: aiohttp.ClientSession) -> None:
    client = EbikeClient(ebike_session, client_id="a", client_secret="b")
    assert client.api_url == DEFAULT_API_URL
    assert client.configuration_url == f"{DEFAULT_API_URL}/connect-module/v1"
    assert client.notification_url == f"{DEFAULT_API_URL}/notification/v1"


# --- configuration API ---------------------------------------------------------


async def test_list_and_get_connect_modules_with_etag(
    ebike_sim: EbikeCloud, ebike_client: EbikeClient
) -> None:
    modules = await ebike_client.list_connect_modules()
    bike = ebike_sim.bikes[0]
    first = modules[0]
    assert first.id == bike.module_id
    assert first.id.startswith("BCM3100_EB1310000B_")
    assert first.product_code == "BCM3100"
    assert first.part_number == "EB1310000B"
    assert first.serial_number == bike.module_id.split("_", 2)[2]
    assert first.bike_id == bike.bike_id
    assert first.oem_bike_id == bike.oem_bike_id
    assert first.sync_status == "SUCCESS"
    assert {f.type for f in first.features} == {"LOCATION_TRACKING", "BIKE_STATUS"}
    assert first.feature("BIKE_STATUS") == Feature(
        type="BIKE_STATUS",
        status="DISABLED",
        requested_profile="NONE",
        applied_profile="NONE",
        updated_at=first.feature("BIKE_STATUS").updated_at,  # type: ignore[union-attr]
    )
    assert first.feature("DISABLE_MOTOR_SUPPORT") is None

    module = await ebike_client.get_connect_module(first.id)
    assert module is not None
    assert module.etag
    assert await ebike_client.get_connect_module(first.id, module.etag) is None
    await ebike_client.set_feature_profile(first.id, "BIKE_STATUS", "DEFAULT")
    changed = await ebike_client.get_connect_module(first.id, module.etag)
    assert changed is not None
    assert changed.etag != module.etag


async def test_zero_bikes(ebike_sim: EbikeCloud, ebike_client: EbikeClient) -> None:
    ebike_sim.set_fleet_size(0)
    assert await ebike_client.list_connect_modules() == []
    ebike_sim.set_fleet_size(3)
    assert len(await ebike_client.list_connect_modules()) == 3


async def test_unknown_module_is_404(ebike_client: EbikeClient) -> None:
    with pytest.raises(EbikeApiError) as caught:
        await ebike_client.get_connect_module("BCM3100_nope_1")
    assert caught.value.status == 404
    assert caught.value.detail == "ConnectModule not found"


async def test_feature_pending_until_power_on(
    ebike_sim: EbikeCloud, ebike_client: EbikeClient
) -> None:
    module_id = ebike_sim.bikes[0].module_id
    feature = await ebike_client.set_feature_profile(
        module_id, "LOCATION_TRACKING", "FLEET"
    )
    assert (feature.status, feature.requested_profile, feature.applied_profile) == (
        "PENDING",
        "FLEET",
        "NONE",
    )
    module = await ebike_client.get_connect_module(module_id)
    assert module is not None
    assert module.sync_status == "PENDING"
    await ebike_sim.power_on(0)
    module = await ebike_client.get_connect_module(module_id)
    assert module is not None
    assert module.sync_status == "SUCCESS"
    tracking = module.feature("LOCATION_TRACKING")
    assert tracking is not None
    assert (tracking.status, tracking.applied_profile) == ("ENABLED", "FLEET")
    # NONE disables, again at the next power-on.
    await ebike_client.set_feature_profile(module_id, "LOCATION_TRACKING", "NONE")
    await ebike_sim.power(0, on=False)
    await ebike_sim.power_on(0)
    module = await ebike_client.get_connect_module(module_id)
    assert module is not None
    tracking = module.feature("LOCATION_TRACKING")
    assert tracking is not None
    assert (tracking.status, tracking.applied_profile) == ("DISABLED", "NONE")


async def test_feature_sync_error(
    ebike_sim: EbikeCloud, ebike_client: EbikeClient
) -> None:
    module_id = ebike_sim.bikes[1].module_id
    await ebike_client.set_feature_profile(module_id, "BIKE_STATUS", "CHARGING")
    ebike_sim.fail_next_sync(1)
    await ebike_sim.power_on(1)
    module = await ebike_client.get_connect_module(module_id)
    assert module is not None
    assert module.sync_status == "ERROR"
    status = module.feature("BIKE_STATUS")
    assert status is not None
    assert (status.status, status.requested_profile, status.applied_profile) == (
        "ERROR",
        "CHARGING",
        "NONE",
    )
    # The next power-on succeeds.
    await ebike_sim.power_on(1)
    module = await ebike_client.get_connect_module(module_id)
    assert module is not None
    assert module.sync_status == "SUCCESS"


async def test_feature_refusals(
    ebike_sim: EbikeCloud, ebike_client: EbikeClient
) -> None:
    module_id = ebike_sim.bikes[0].module_id
    with pytest.raises(EbikeApiError) as caught:
        await ebike_client.set_feature_profile(
            module_id, "LOCATION_TRACKING", "CHARGING"
        )
    assert caught.value.status == 400
    with pytest.raises(EbikeApiError):
        await ebike_client.set_feature_profile(module_id, "TELEPORT", "DEFAULT")
    with pytest.raises(EbikeApiError) as caught:
        await ebike_client.set_feature_profile("nope", "BIKE_STATUS", "DEFAULT")
    assert caught.value.status == 404


# --- notification API ----------------------------------------------------------------


async def test_create_webhook_sends_the_webhook_test_first(
    ebike_sim: EbikeCloud,
    ebike_client: EbikeClient,
    webhook_receiver: WebhookReceiver,
) -> None:
    auth = WebhookAuthentication("Authorization", "Bearer top-secret", "HEADER")
    assert "top-secret" not in repr(auth)
    hook, cert_url = await ebike_client.create_webhook(
        webhook_receiver.url, TYPES, auth, description="Home Assistant"
    )
    assert isinstance(hook, Webhook)
    assert hook.url == webhook_receiver.url
    assert hook.event_types == tuple(TYPES)
    assert hook.description == "Home Assistant"
    assert hook.authentication_name == "Authorization"
    assert hook.authentication_location == "HEADER"
    assert cert_url is not None
    assert cert_url.startswith(f"{ebike_sim.api_url}/notification/v1/certs/")
    [test] = webhook_receiver.received
    assert b'"WEBHOOK_TEST"' in test.body
    assert test.headers["Authorization"] == "Bearer top-secret"
    assert test.headers["X-Bosch-Sig-Algo"] == "SHA256withRSA"
    assert test.headers["X-Bosch-Cert-Url"] == cert_url
    created = ebike_sim.faults.requests("/notification/v1/webhooks", "POST")
    assert len(created) == 1
    assert await ebike_client.list_webhooks() == [hook]
    assert await ebike_client.get_webhook(hook.id) == hook


async def test_query_authentication(
    ebike_sim: EbikeCloud,
    ebike_client: EbikeClient,
    webhook_receiver: WebhookReceiver,
) -> None:
    auth = WebhookAuthentication("api-key", "s3cr3t", "QUERY")
    await ebike_client.create_webhook(webhook_receiver.url, ["BIKE_STATUS"], auth)
    await ebike_sim.deliver_now(0, "BIKE_STATUS")
    assert [r.query for r in webhook_receiver.received] == [{"api-key": "s3cr3t"}] * 2
    assert all("api-key" not in r.headers for r in webhook_receiver.received)


async def test_webhook_test_failure_refuses_the_webhook(
    ebike_sim: EbikeCloud,
    ebike_client: EbikeClient,
    webhook_receiver: WebhookReceiver,
) -> None:
    webhook_receiver.statuses = [404]
    with pytest.raises(WebhookRejectedError) as caught:
        await ebike_client.create_webhook(webhook_receiver.url, TYPES)
    assert "WebhookTest" in caught.value.detail
    assert await ebike_client.list_webhooks() == []


async def test_unreachable_webhook_is_refused(
    ebike_client: EbikeClient,
) -> None:
    with pytest.raises(WebhookRejectedError) as caught:
        await ebike_client.create_webhook("http://127.0.0.1:9/hook", TYPES)
    assert caught.value.status == 400


async def test_http_url_refused(ebike_client: EbikeClient) -> None:
    """Bosch takes https webhook URLs only (the simulator: http to this machine)."""
    with pytest.raises(WebhookRejectedError) as caught:
        await ebike_client.create_webhook("http://example.com/hook", TYPES)
    assert "HTTPS" in caught.value.detail


INVALID_WEBHOOKS = [
    {"url": "not a url", "eventTypes": ["BIKE_STATUS"]},
    {"url": "https://example.com", "eventTypes": []},
    {"url": "https://example.com", "eventTypes": ["BIKE_STATUS", "BIKE_STATUS"]},
    {"url": "https://example.com", "eventTypes": ["TELEPORT"]},
    {
        "url": "https://example.com",
        "eventTypes": ["BIKE_STATUS"],
        "authentication": {"name": "a", "secret": "b", "location": "BODY"},
    },
    {"url": "https://example.com", "eventTypes": ["BIKE_STATUS"], "description": 3},
    ["not", "an", "object"],
]


async def test_invalid_webhook_bodies(
    ebike_sim: EbikeCloud, ebike_client: EbikeClient
) -> None:
    for body in INVALID_WEBHOOKS:
        response = await ebike_client._call(
            "POST", f"{ebike_client.notification_url}/webhooks", json_body=body
        )
        assert response.status == 400, body
        problem = response.json_object()
        assert {"type", "detail", "requestId"} <= set(problem)
        assert response.headers["Content-Type"].startswith("application/problem+json")


async def test_conflict_update_delete(
    ebike_sim: EbikeCloud,
    ebike_client: EbikeClient,
    webhook_receiver: WebhookReceiver,
) -> None:
    first, _ = await ebike_client.create_webhook(webhook_receiver.url, ["BIKE_STATUS"])
    with pytest.raises(WebhookConflictError) as caught:
        await ebike_client.create_webhook(webhook_receiver.url, TYPES)
    assert caught.value.status == 409
    assert caught.value.event_types == tuple(TYPES)
    assert first.id in caught.value.detail
    second, _ = await ebike_client.create_webhook(
        webhook_receiver.url, ["LOCATION_TRACKING"]
    )
    with pytest.raises(WebhookConflictError):
        await ebike_client.update_webhook(second.id, webhook_receiver.url, TYPES)
    tests_before = len(webhook_receiver.received)
    updated = await ebike_client.update_webhook(
        first.id,
        webhook_receiver.url + "?v=2",
        ["BIKE_STATUS"],
        WebhookAuthentication("X-Key", "k"),
        description="moved",
    )
    assert updated.url.endswith("?v=2")
    assert updated.description == "moved"
    assert len(webhook_receiver.received) == tests_before + 1  # a new WebhookTest
    webhook_receiver.statuses = [500]
    with pytest.raises(WebhookRejectedError):
        await ebike_client.update_webhook(
            first.id, webhook_receiver.url, ["BIKE_STATUS"]
        )
    await ebike_client.delete_webhook(first.id)
    await ebike_client.delete_webhook(first.id)  # already gone: fine
    with pytest.raises(EbikeApiError) as missing:
        await ebike_client.get_webhook(first.id)
    assert missing.value.status == 404
    with pytest.raises(EbikeApiError) as missing:
        await ebike_client.update_webhook(first.id, webhook_receiver.url, TYPES)
    assert missing.value.status == 404
    assert [h.id for h in await ebike_client.list_webhooks()] == [second.id]


async def test_malformed_answers_are_api_errors(
    ebike_sim: EbikeCloud, ebike_client: EbikeClient
) -> None:
    ebike_sim.faults.set("/connect-module/v1/connect-modules", Fault(status=500))
    with pytest.raises(EbikeApiError) as caught:
        await ebike_client.list_connect_modules()
    assert caught.value.status == 500
    assert "500" in str(caught.value)


def test_model_parsing_is_tolerant() -> None:
    module = ConnectModule.from_json(
        {
            "id": "odd",
            "features": [
                {"type": "BIKE_STATUS", "statusDetail": {"type": "WARNING"}},
                "junk",
            ],
            "createdAt": "garbage",
            "updatedAt": "2024-01-18T10:00:00",
        }
    )
    assert module.product_code is None
    assert module.created_at is None
    assert module.updated_at is not None
    assert module.updated_at.tzinfo is not None
    [feature] = module.features
    assert feature.status == "DISABLED"
    assert feature.status_detail == "WARNING"
    with pytest.raises(EbikeApiError):
        ConnectModule.from_json({"features": []})
    with pytest.raises(EbikeApiError):
        Webhook.from_json({"url": "x"})
    hook = Webhook.from_json({"id": "1", "eventTypes": "BIKE_STATUS"})
    assert hook.event_types == ()
    assert hook.authentication_name is None


# --- answers the simulator never gives (a crafted server on loopback) -----------------


@pytest.fixture
async def crafted(
    socket_enabled: None,
) -> AsyncGenerator[dict[str, tuple[int, str, bytes]]]:
    """path -> (status, content type, body) served over real https on 127.0.0.1."""
    from simulator.server import Listener

    answers: dict[str, tuple[int, str, bytes]] = {}

    async def handle(request: web.Request) -> web.Response:
        status, content_type, body = answers[request.path]
        return web.Response(status=status, body=body, content_type=content_type)

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handle)
    listener = Listener(app, ssl_context=ha_tls().server)
    await listener.start()
    answers["__url__"] = (0, "", listener.url.encode())
    try:
        yield answers
    finally:
        await listener.stop()


def crafted_client(
    session: aiohttp.ClientSession, answers: dict[str, tuple[int, str, bytes]]
) -> EbikeClient:
    url = answers["__url__"][2].decode()
    answers["/token"] = (
        200,
        "application/json",
        b'{"access_token": "t", "expires_in": "soon"}',
    )
    return EbikeClient(
        session,
        client_id="a",
        client_secret="b",
        token_url=f"{url}/token",
        api_url=url,
        ssl=ha_tls().client,
    )


JSON_TYPE = "application/json"


TOKEN_ANSWERS: list[tuple[tuple[int, str, bytes], type[Exception], int | None]] = [
    ((400, JSON_TYPE, b'{"error": "invalid_client"}'), EbikeAuthError, None),
    ((400, JSON_TYPE, b'{"error": "invalid_request"}'), EbikeApiError, 400),
    ((400, "text/plain", b"broken"), EbikeApiError, 400),
    ((500, JSON_TYPE, b"{not json"), EbikeApiError, 500),
    ((200, JSON_TYPE, b'{"token_type": "Bearer"}'), EbikeApiError, 200),
    ((200, JSON_TYPE, b"[1]"), EbikeApiError, 200),
    ((200, JSON_TYPE, b"not json"), EbikeApiError, 200),
]


async def test_token_endpoint_answers(
    ebike_session: aiohttp.ClientSession,
    crafted: dict[str, tuple[int, str, bytes]],
) -> None:
    client = crafted_client(ebike_session, crafted)
    for answer, error, status in TOKEN_ANSWERS:
        crafted["/token"] = answer
        with pytest.raises(error) as caught:
            await client.async_get_token()
        if status is not None:
            assert isinstance(caught.value, EbikeApiError)
            assert caught.value.status == status


async def test_odd_api_answers(
    ebike_session: aiohttp.ClientSession,
    crafted: dict[str, tuple[int, str, bytes]],
) -> None:
    client = crafted_client(ebike_session, crafted)
    assert await client.async_get_token() == "t"  # expires_in not a number: 300 s
    crafted["/token"] = (200, JSON_TYPE, b'{"access_token": "u", "expires_in": 1e999}')
    assert await client.async_get_token(force=True) == "u"  # capped at a day
    crafted["/token"] = (
        200,
        JSON_TYPE,
        b'{"access_token": "v", "expires_in": 1' + b"0" * 400 + b"}",
    )
    assert await client.async_get_token(force=True) == "v"
    modules = "/connect-module/v1/connect-modules"
    crafted[modules] = (200, JSON_TYPE, b'{"connectModules": null}')
    assert await client.list_connect_modules() == []
    crafted[modules] = (200, JSON_TYPE, b'{"connectModules": {}}')
    with pytest.raises(EbikeApiError, match="not a list"):
        await client.list_connect_modules()
    crafted["/notification/v1/webhooks"] = (200, JSON_TYPE, b'{"webhooks": 3}')
    with pytest.raises(EbikeApiError, match="not a list"):
        await client.list_webhooks()
    crafted[modules] = (403, "text/plain", b"  Forbidden for this client  ")
    with pytest.raises(EbikeApiError) as caught:
        await client.list_connect_modules()
    assert caught.value.detail == "Forbidden for this client"
    crafted[modules] = (503, "application/problem+json", b"<html>")
    with pytest.raises(EbikeApiError) as caught:
        await client.list_connect_modules()
    assert caught.value.detail == ""
    client.invalidate_token()
    assert client.token_expires_at is None


async def test_concurrent_401s_fetch_one_new_token(
    ebike_sim: EbikeCloud, ebike_client: EbikeClient
) -> None:
    import asyncio

    await ebike_client.list_webhooks()
    ebike_sim.revoke_tokens()
    results = await asyncio.gather(*(ebike_client.list_webhooks() for _ in range(4)))
    assert results == [[]] * 4
    assert ebike_sim.tokens_issued == 2
