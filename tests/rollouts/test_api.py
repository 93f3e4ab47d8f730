"""The Rollouts protocol module against the simulated hawkBit."""

from __future__ import annotations

import datetime as dt

import aiohttp
import pytest

from custom_components.bosch_connect.rollouts.api import (
    BasicCredentials,
    ManagementClient,
    OAuthCredentials,
    check_url,
)
from custom_components.bosch_connect.rollouts.errors import (
    RolloutsAuthError,
    RolloutsClientRegisteredError,
    RolloutsConnectionError,
    RolloutsDdiAuthError,
    RolloutsForbiddenError,
    RolloutsInvalidClientError,
    RolloutsInvalidUrlError,
    RolloutsNotFoundError,
)
from custom_components.bosch_connect.rollouts.models import (
    Deployment,
    Poll,
    Target,
    parse_sleep,
)
from simulator.faults import Fault
from simulator.rollouts import RolloutsCloud
from simulator.rollouts.service import (
    DEMO_CLIENT_ID,
    DEMO_CONTROLLER,
    DEMO_GATEWAY_TOKEN,
    DEMO_PASSWORD,
    DEMO_TARGET_TOKEN,
    DEMO_TENANT,
    DEMO_USER,
)

from .conftest import basic, ddi, grant, oauth

# The scope the Bosch IoT Suite names for a service instance.
SCOPE = "service-instance-id"


def test_basic_header_names_tenant_and_user() -> None:
    header = BasicCredentials(username="u", password="p").header("T")
    assert header == "Basic VFx1OnA="  # base64 of "T\u:p"


@pytest.mark.parametrize(
    "url",
    ["http://api.eu1.bosch-iot-rollouts.com", "http://localhost:1", "ftp://x", "x"],
)
def test_urls(url: str) -> None:
    with pytest.raises(RolloutsInvalidUrlError):
        check_url(url)
    assert check_url("https://api.eu1.bosch-iot-rollouts.com/") == (
        "https://api.eu1.bosch-iot-rollouts.com"
    )


def test_sleep_and_links() -> None:
    assert parse_sleep("12:00:05") == dt.timedelta(hours=12, seconds=5)
    with pytest.raises(ValueError):
        parse_sleep("00:61:00")
    poll = Poll.from_json(
        {
            "config": {"polling": {"sleep": "00:05:00"}},
            "_links": {
                "deploymentBase": {
                    "href": "https://h/T/controller/v1/c/deploymentBase/5?c=-2127183556"
                },
                "cancelAction": {"href": "https://h/T/controller/v1/c/cancelAction/4"},
                "configData": {"href": "https://h/T/controller/v1/c/configData"},
                "odd": "no",
            },
        }
    )
    assert (poll.deployment_action_id, poll.cancel_action_id) == ("5", "4")
    assert poll.config_data_requested
    assert (
        Poll.from_json(
            {
                "config": {"polling": {"sleep": "00:00:30"}},
                "_links": {"deploymentBase": {"href": "https://h/x/other/5"}},
            }
        ).deployment_action_id
        is None
    )
    with pytest.raises(ValueError):
        Poll.from_json({"config": None})
    target = Target.from_json(
        {"controllerId": "c", "updateStatus": "WEIRD", "pollStatus": "x"}
    )
    assert (target.name, target.update_status, target.overdue) == (
        "c",
        "unknown",
        False,
    )
    deployment = Deployment.from_json(
        {"id": 3, "deployment": {"chunks": [{"name": "fw", "version": "2"}, "x"]}}
    )
    assert deployment.versions == ["fw 2"]
    assert Deployment.from_json({"id": 3, "deployment": None}).chunks == ()


async def test_basic_auth_summary(
    rollouts: RolloutsCloud, session: aiohttp.ClientSession
) -> None:
    client = basic(rollouts, session)
    assert client.tenant == DEMO_TENANT
    await client.check()
    summary = await client.summary()
    assert summary.targets == 7
    assert summary.by_status == {
        "in_sync": 3,
        "pending": 1,
        "error": 1,
        "registered": 2,
        "unknown": 0,
    }
    assert summary.overdue == 1
    assert summary.distribution_sets == 3
    assert summary.overdue_complete
    target = await client.target("device-005")
    assert target.overdue
    assert target.last_request_at is not None
    page = await client.targets(limit=2, offset=1)
    assert (page.total, page.size, [t.controller_id for t in page.content]) == (
        7,
        2,
        ["device-002", "device-003"],
    )
    page = await client.targets(q="updateStatus==in_sync,controllerId==ha-*")
    assert page.total == 4
    sets = await client.distribution_sets(limit=10)
    assert [s.version for s in sets.content] == ["1.0.0", "1.1.0", "7"]
    with pytest.raises(RolloutsNotFoundError):
        await client.target("nobody")
    with pytest.raises(RolloutsConnectionError, match="400"):
        await client.targets(q="color==red")
    request = rollouts.faults.requests(f"/{DEMO_TENANT}/rest/v1/targets")[0]
    assert request.headers["Authorization"].startswith("Basic ")


async def test_basic_auth_refused(
    rollouts: RolloutsCloud, session: aiohttp.ClientSession
) -> None:
    client = ManagementClient(
        session,
        rollouts.base_url,
        DEMO_TENANT,
        BasicCredentials(username=DEMO_USER, password="nope"),
    )
    with pytest.raises(RolloutsAuthError):
        await client.check()
    client = ManagementClient(
        session,
        rollouts.base_url,
        "OTHER",
        BasicCredentials(username=DEMO_USER, password=DEMO_PASSWORD),
    )
    with pytest.raises(RolloutsAuthError):
        await client.check()
    rollouts.tenants[DEMO_TENANT].principals[DEMO_USER].permissions = {"READ_TARGET"}
    with pytest.raises(RolloutsForbiddenError) as err:
        await basic(rollouts, session).check()
    assert not isinstance(err.value, RolloutsClientRegisteredError)


async def test_oauth_first_call_registers_the_client(
    rollouts: RolloutsCloud, session: aiohttp.ClientSession
) -> None:
    client = oauth(rollouts, session, scope=SCOPE)
    with pytest.raises(RolloutsClientRegisteredError) as err:
        await client.check()
    assert err.value.client_id == DEMO_CLIENT_ID
    principals = rollouts.tenants[DEMO_TENANT].principals
    assert principals[DEMO_CLIENT_ID].permissions == set()
    # Still 403 until an administrator acts.
    with pytest.raises(RolloutsClientRegisteredError):
        await client.check()
    grant(rollouts)
    await client.check()
    assert (await client.summary()).targets == 7
    # One token for all of it.
    assert len(rollouts.faults.requests("/oauth/token")) == 1
    token_request = rollouts.faults.requests("/oauth/token")[0]
    assert token_request.headers["Authorization"].startswith("Basic ")


async def test_oauth_token_renewed_after_revocation(
    rollouts: RolloutsCloud, session: aiohttp.ClientSession
) -> None:
    grant_client = oauth(rollouts, session, scope=SCOPE)
    with pytest.raises(RolloutsClientRegisteredError):
        await grant_client.check()
    grant(rollouts)
    await grant_client.check()
    rollouts.tokens.clear()
    await grant_client.check()
    assert len(rollouts.faults.requests("/oauth/token")) == 2


async def test_oauth_errors(
    rollouts: RolloutsCloud, session: aiohttp.ClientSession
) -> None:
    with pytest.raises(RolloutsInvalidClientError):
        await oauth(rollouts, session, secret="wrong", scope=SCOPE).check()
    rollouts.faults.set("/oauth/token", Fault(status=500, count=1))
    with pytest.raises(RolloutsConnectionError):
        await oauth(rollouts, session, scope=SCOPE).check()
    with pytest.raises(RolloutsInvalidUrlError):
        ManagementClient(
            session,
            rollouts.base_url,
            DEMO_TENANT,
            OAuthCredentials(
                token_url="http://idp.example/token", client_id="c", client_secret="s"
            ),
        )


async def test_management_faults(
    rollouts: RolloutsCloud, session: aiohttp.ClientSession
) -> None:
    client = basic(rollouts, session)
    rollouts.faults.set("/", Fault(status=503, count=1))
    with pytest.raises(RolloutsConnectionError, match="503"):
        await client.check()
    rollouts.faults.set("/", Fault(drop=True))
    with pytest.raises(RolloutsConnectionError):
        await client.check()
    rollouts.faults.clear()
    await client.check()


async def test_ddi_target_token_and_deployment(
    rollouts: RolloutsCloud, session: aiohttp.ClientSession
) -> None:
    client = ddi(rollouts, session)
    assert client.controller_id == DEMO_CONTROLLER
    poll = await client.poll()
    assert poll.sleep == dt.timedelta(minutes=5)
    assert poll.deployment_action_id is None
    assert poll.config_data_requested
    assert await client.deployment(poll) is None

    action = rollouts.assign(DEMO_TENANT, DEMO_CONTROLLER, 2)
    poll = await client.poll()
    assert poll.deployment_action_id == str(action.id)
    deployment = await client.deployment(poll)
    assert deployment is not None
    assert deployment.action_id == str(action.id)
    assert deployment.versions == ["Gateway firmware 1.1.0"]
    assert (deployment.download, deployment.update) == ("forced", "forced")
    request = rollouts.faults.requests(f"/{DEMO_TENANT}/controller/v1")[-1]
    assert request.headers["Authorization"] == f"TargetToken {DEMO_TARGET_TOKEN}"
    assert request.query.startswith("c=")

    # The device reports success: the target is in sync, nothing pending.
    base = f"{rollouts.base_url}/{DEMO_TENANT}/controller/v1/{DEMO_CONTROLLER}"
    headers = {"Authorization": f"TargetToken {DEMO_TARGET_TOKEN}"}
    async with session.post(
        f"{base}/deploymentBase/{action.id}/feedback",
        json={
            "timestamp": 1,
            "status": {"execution": "closed", "result": {"finished": "success"}},
        },
        headers=headers,
    ) as response:
        assert response.status == 200
    assert (
        rollouts.tenants[DEMO_TENANT].targets[DEMO_CONTROLLER].update_status
        == "in_sync"
    )
    poll = await client.poll()
    assert poll.deployment_action_id is None
    async with session.post(
        f"{base}/deploymentBase/{action.id}/feedback",
        json={"status": {"execution": "closed"}},
        headers=headers,
    ) as response:
        assert response.status == 410


async def test_ddi_gateway_token_acts_for_any_target(
    rollouts: RolloutsCloud, session: aiohttp.ClientSession
) -> None:
    client = ddi(
        rollouts, session, "GatewayToken", DEMO_GATEWAY_TOKEN, "brand-new-device"
    )
    poll = await client.poll()
    assert poll.sleep == dt.timedelta(minutes=5)
    assert "brand-new-device" in rollouts.tenants[DEMO_TENANT].targets
    await ddi(rollouts, session, "GatewayToken", DEMO_GATEWAY_TOKEN).poll()


@pytest.mark.parametrize(
    ("token_type", "token", "switch"),
    [
        ("TargetToken", DEMO_TARGET_TOKEN, "targetToken"),
        ("GatewayToken", DEMO_GATEWAY_TOKEN, "gatewayToken"),
    ],
)
async def test_ddi_disabled_token_types(
    rollouts: RolloutsCloud,
    session: aiohttp.ClientSession,
    token_type: str,
    token: str,
    switch: str,
) -> None:
    client = ddi(rollouts, session, token_type, token)
    await client.poll()
    tenant = rollouts.tenants[DEMO_TENANT]
    setattr(
        tenant,
        "target_token_enabled" if switch == "targetToken" else "gateway_token_enabled",
        False,
    )
    with pytest.raises(RolloutsDdiAuthError):
        await client.poll()
    with pytest.raises(RolloutsDdiAuthError):
        await ddi(rollouts, session, token_type, "x" * 32).poll()


async def test_ddi_wrong_token_and_faults(
    rollouts: RolloutsCloud, session: aiohttp.ClientSession
) -> None:
    with pytest.raises(RolloutsDdiAuthError):
        await ddi(rollouts, session, token="A" * 32).poll()
    with pytest.raises(RolloutsDdiAuthError):
        await ddi(rollouts, session, controller="device-001").poll()
    rollouts.faults.set("/", Fault(status=500, count=1))
    with pytest.raises(RolloutsConnectionError):
        await ddi(rollouts, session).poll()
    client = ddi(rollouts, session)
    poll = Poll(sleep=dt.timedelta(minutes=5), deployment_action_id="999")
    with pytest.raises(RolloutsNotFoundError):
        await client.deployment(poll)
