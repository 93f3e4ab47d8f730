"""The simulated Bosch IoT Rollouts itself: operator commands and DDI details."""

from __future__ import annotations

from simulator.control import control_listener
from simulator.options import Options
from simulator.rollouts import create
from simulator.rollouts.service import (
    DEMO_CLIENT_ID,
    DEMO_CONTROLLER,
    DEMO_TARGET_TOKEN,
    DEMO_TENANT,
    fiql_filter,
    format_sleep,
)
from tests.conftest import sim_session


def test_helpers() -> None:
    assert format_sleep(3725) == "01:02:05"
    cloud_target = create.__module__  # the module is importable on its own
    assert cloud_target == "simulator.rollouts.service"


async def test_operator_commands(sim_options: Options, socket_enabled: None) -> None:
    cloud = create(sim_options)
    await cloud.start()
    control = control_listener([cloud], port=0)
    await control.start()
    tenant = cloud.tenants[DEMO_TENANT]
    try:
        async with sim_session() as session:
            base = f"{control.url}/rollouts"
            async with session.post(f"{base}/grant", json={"clientId": "x"}) as r:
                assert r.status == 404
            tenant.principals[DEMO_CLIENT_ID] = type(tenant.principals["admin"])(
                DEMO_CLIENT_ID, set()
            )
            async with session.post(
                f"{base}/grant", json={"clientId": DEMO_CLIENT_ID}
            ) as r:
                assert "READ_TARGET" in (await r.json())["permissions"]
            async with session.post(f"{base}/assign", json={}) as r:
                action_id = (await r.json())["actionId"]
            assert tenant.targets[DEMO_CONTROLLER].update_status == "pending"
            async with session.post(f"{base}/cancel", json={}) as r:
                assert (await r.json())["actionId"] == action_id
            async with session.post(
                f"{base}/auth", json={"targetToken": False, "gatewayToken": False}
            ) as r:
                assert await r.json() == {"targetToken": False, "gatewayToken": False}
            async with session.post(
                f"{base}/target",
                json={
                    "controllerId": DEMO_CONTROLLER,
                    "updateStatus": "error",
                    "overdue": True,
                },
            ) as r:
                body = await r.json()
                assert body["updateStatus"] == "error"
                assert body["pollStatus"]["overdue"] is True
            async with session.post(f"{base}/polling", json={"sleep": "00:10:00"}) as r:
                assert await r.json() == {"sleep": "00:10:00"}
            async with session.get(f"{base}/state") as r:
                state = await r.json()
            assert state["actions"][str(action_id)]["status"] == "canceling"
            assert state["principals"][DEMO_CLIENT_ID]
        assert len(cloud.control_actions()) == 7
        text = "\n".join(cloud.describe())
        assert DEMO_TARGET_TOKEN in text
        assert cloud.token_url in text
    finally:
        await control.stop()
        await cloud.stop()


async def test_ddi_cancel_and_config_data(
    sim_options: Options, socket_enabled: None
) -> None:
    cloud = create(sim_options)
    await cloud.start()
    base = f"{cloud.base_url}/{DEMO_TENANT}/controller/v1/{DEMO_CONTROLLER}"
    headers = {"Authorization": f"TargetToken {DEMO_TARGET_TOKEN}"}
    try:
        async with sim_session(headers=headers) as session:
            action = cloud.assign(DEMO_TENANT, DEMO_CONTROLLER, 1)
            cloud.cancel(DEMO_TENANT, DEMO_CONTROLLER)
            async with session.get(base) as r:
                links = (await r.json())["_links"]
            assert links["cancelAction"]["href"].endswith(f"/cancelAction/{action.id}")
            async with session.get(f"{base}/cancelAction/{action.id}") as r:
                assert await r.json() == {
                    "id": str(action.id),
                    "cancelAction": {"stopId": str(action.id)},
                }
            async with session.post(
                f"{base}/cancelAction/{action.id}/feedback",
                json={
                    "status": {"execution": "closed", "result": {"finished": "success"}}
                },
            ) as r:
                assert r.status == 200
            assert action.status == "canceled"
            async with session.put(
                f"{base}/configData",
                json={"mode": "merge", "data": {"hwRevision": "2"}},
            ) as r:
                assert r.status == 200
            async with session.get(base) as r:
                assert "configData" not in (await r.json())["_links"]
            async with session.put(f"{base}/configData", json={"data": 1}) as r:
                assert r.status == 400
            failed = cloud.assign(DEMO_TENANT, DEMO_CONTROLLER, 2)
            async with session.post(
                f"{base}/deploymentBase/{failed.id}/feedback",
                json={
                    "status": {"execution": "closed", "result": {"finished": "failure"}}
                },
            ) as r:
                assert r.status == 200
            assert (
                cloud.tenants[DEMO_TENANT].targets[DEMO_CONTROLLER].update_status
                == "error"
            )
            async with session.get(f"{base}/deploymentBase/nonsense") as r:
                assert r.status == 404
    finally:
        await cloud.stop()


def test_fiql() -> None:
    cloud_targets = [
        type("T", (), {"update_status": s, "controller_id": c, "name": c})()
        for s, c in (("pending", "a-1"), ("error", "b-2"))
    ]
    match = fiql_filter("updateStatus!=pending;controllerId==b*")
    assert [t.controller_id for t in cloud_targets if match(t)] == ["b-2"]  # type: ignore[arg-type]
