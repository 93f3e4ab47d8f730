"""The simulator's control server: page, declared actions, fault switches."""

from __future__ import annotations

from typing import Any

from aiohttp import ClientSession, web

from simulator.control import control_listener, render_page, service_actions
from simulator.faults import Faults
from simulator.server import ControlAction, HasControlActions, Listener, make_app


class _Lamp:
    """A tiny service with one control route and one declared action."""

    name = "lamp"

    def __init__(self) -> None:
        self.faults = Faults()
        self.pressed = 0
        self.listener = Listener(make_app(self.faults))

        async def hello(request: web.Request) -> web.Response:
            return web.json_response({"on": True})

        self.listener.app.router.add_get("/hello", hello)

    async def start(self) -> None:
        await self.listener.start()

    async def stop(self) -> None:
        await self.listener.stop()

    def control_routes(self) -> list[web.RouteDef]:
        async def press(request: web.Request) -> web.Response:
            body: dict[str, Any] = await request.json()
            self.pressed += int(body.get("times", 1))
            return web.json_response({"pressed": self.pressed})

        return [web.post("/press", press)]

    def describe(self) -> list[str]:
        return ["Lamp <on> at 127.0.0.1"]

    def control_actions(self) -> list[ControlAction | tuple[Any, ...]]:
        return [
            ControlAction("Press twice", "post", "/press", {"times": 2}),
            ("Press", "POST", "press", None),
        ]


class _Plain(_Lamp):
    """A service that declares no actions."""

    name = "plain"
    control_actions = None  # type: ignore[assignment]


async def test_page_buttons_and_faults(socket_enabled: None) -> None:
    lamp = _Lamp()
    await lamp.start()
    control = control_listener([lamp], port=0)
    await control.start()
    try:
        async with ClientSession() as session:
            async with session.get(
                f"{control.url}/", headers={"Accept": "text/html"}
            ) as response:
                page = await response.text()
            assert response.content_type == "text/html"
            assert 'data-path="/lamp/press"' in page
            assert "Press twice" in page
            assert "Lamp &lt;on&gt;" in page  # described, escaped

            async with session.get(f"{control.url}/") as response:
                listing = await response.json()
            assert listing["services"] == ["lamp"]
            assert listing["describe"] == {"lamp": ["Lamp <on> at 127.0.0.1"]}
            assert listing["actions"]["lamp"][0] == {
                "label": "Press twice",
                "method": "POST",
                "path": "/lamp/press",
                "body": {"times": 2},
            }
            action = listing["actions"]["lamp"][0]
            async with session.request(
                action["method"], f"{control.url}{action['path']}", json=action["body"]
            ) as response:
                assert await response.json() == {"pressed": 2}

            async with session.post(
                f"{control.url}/lamp/faults", json={"prefix": "/hello", "status": 503}
            ) as response:
                assert response.status == 200
            async with session.get(f"{control.url}/lamp/faults") as response:
                assert (await response.json())["/hello"]["status"] == 503
            async with session.post(
                f"{control.url}/lamp/faults", json={"prefix": "/", "colour": "red"}
            ) as response:
                assert response.status == 400
            async with session.get(f"{lamp.listener.url}/hello") as response:
                assert response.status == 503
            async with session.delete(f"{control.url}/lamp/faults") as response:
                assert response.status == 200
            async with session.get(f"{lamp.listener.url}/hello") as response:
                assert response.status == 200
    finally:
        await control.stop()
        await lamp.stop()


def test_service_without_actions_gets_fault_switches_only() -> None:
    plain = _Plain()
    assert not isinstance(plain, HasControlActions)
    assert service_actions(plain) == []
    page = render_page([plain])
    assert "no actions" in page
    assert 'data-service="plain"' in page
