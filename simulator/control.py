"""The control server on loopback: buttons, clocks and faults of every service."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aiohttp import web

from .faults import Fault
from .server import Listener, SimulatedService

DEFAULT_CONTROL_PORT = 8440


def _fault_routes(service: SimulatedService) -> list[web.RouteDef]:
    async def set_fault(request: web.Request) -> web.Response:
        body: dict[str, Any] = await request.json()
        prefix = str(body.pop("prefix", "/"))
        service.faults.set(prefix, Fault(**body))
        return web.json_response({"prefix": prefix, **body})

    async def clear_faults(request: web.Request) -> web.Response:
        service.faults.clear(request.query.get("prefix"))
        return web.json_response({"cleared": True})

    return [web.post("/faults", set_fault), web.delete("/faults", clear_faults)]


def make_control_app(services: Sequence[SimulatedService]) -> web.Application:
    """One application with a sub-application per service."""
    app = web.Application()
    for service in services:
        sub = web.Application()
        sub.add_routes(_fault_routes(service))
        sub.add_routes(service.control_routes())
        app.add_subapp(f"/{service.name}/", sub)

    async def index(request: web.Request) -> web.Response:
        return web.json_response({"services": [s.name for s in services]})

    app.router.add_get("/", index)
    return app


def control_listener(
    services: Sequence[SimulatedService], port: int = DEFAULT_CONTROL_PORT
) -> Listener:
    """The control server (plain http, loopback only)."""
    return Listener(make_control_app(services), port=port)
