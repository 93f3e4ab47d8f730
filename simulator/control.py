"""The control server on loopback: buttons, clocks and faults of every service.

``GET /`` is a small HTML page (for a browser; JSON for other clients) with a
button per control action of each service (``control_actions()``, optional)
and the fault switches that every service has. Each service's control routes
are mounted under ``/<service>/``; ``/<service>/faults`` is generic.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
import html
import json
from typing import Any

from aiohttp import web

from .faults import Fault
from .server import ControlAction, HasControlActions, Listener, SimulatedService

DEFAULT_CONTROL_PORT = 8440


def _fault_routes(service: SimulatedService) -> list[web.RouteDef]:
    async def set_fault(request: web.Request) -> web.Response:
        body: dict[str, Any] = await request.json()
        prefix = str(body.pop("prefix", "/"))
        try:
            fault = Fault(**body)
        except TypeError as err:
            return web.json_response({"error": str(err)}, status=400)
        service.faults.set(prefix, fault)
        return web.json_response({"prefix": prefix, **body})

    async def clear_faults(request: web.Request) -> web.Response:
        service.faults.clear(request.query.get("prefix"))
        return web.json_response({"cleared": True})

    async def list_faults(request: web.Request) -> web.Response:
        return web.json_response(
            {prefix: asdict(fault) for prefix, fault in service.faults.faults.items()}
        )

    return [
        web.post("/faults", set_fault),
        web.delete("/faults", clear_faults),
        web.get("/faults", list_faults),
    ]


def service_actions(service: SimulatedService) -> list[ControlAction]:
    """The buttons a service declares (none when it has no ``control_actions``)."""
    if not isinstance(service, HasControlActions):
        return []
    return [ControlAction(*action) for action in service.control_actions()]


def _actions_json(services: Sequence[SimulatedService]) -> dict[str, Any]:
    return {
        service.name: [
            {
                "label": action.label,
                "method": action.method.upper(),
                "path": f"/{service.name}/{action.path.lstrip('/')}",
                "body": action.body,
            }
            for action in service_actions(service)
        ]
        for service in services
    }


_STYLE = """
body { font-family: system-ui, sans-serif; margin: 1.5rem; max-width: 60rem; }
h1 { font-size: 1.4rem; } h2 { font-size: 1.1rem; margin-top: 1.5rem; }
section { border: 1px solid #ccc; border-radius: 8px; padding: .5rem 1rem 1rem; }
section + section { margin-top: 1rem; }
button { margin: .2rem .3rem .2rem 0; padding: .4rem .8rem; cursor: pointer; }
fieldset { border: 1px dashed #bbb; margin-top: .6rem; }
input[type=text] { width: 10rem; } input[type=number] { width: 5rem; }
#log { background: #111; color: #cfc; padding: .6rem; min-height: 4rem;
       white-space: pre-wrap; font-family: monospace; font-size: .85rem; }
"""

_SCRIPT = """
const log = document.getElementById("log");
function show(text) { log.textContent = text + "\\n" + log.textContent; }
async function call(method, path, body) {
  const init = { method, headers: { "Content-Type": "application/json" } };
  if (body !== null && body !== undefined) init.body = JSON.stringify(body);
  try {
    const response = await fetch(path, init);
    const text = await response.text();
    show(`${method} ${path} -> ${response.status} ${text}`);
  } catch (err) { show(`${method} ${path} failed: ${err}`); }
}
document.querySelectorAll("button[data-path]").forEach((button) => {
  button.addEventListener("click", () => call(
    button.dataset.method, button.dataset.path,
    button.dataset.body ? JSON.parse(button.dataset.body) : null));
});
document.querySelectorAll("form.fault").forEach((form) => {
  const service = form.dataset.service;
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const status = data.get("status"), count = data.get("count");
    call("POST", `/${service}/faults`, {
      prefix: data.get("prefix") || "/",
      status: status ? Number(status) : null,
      latency: Number(data.get("latency") || 0),
      drop: data.get("drop") === "on",
      count: count ? Number(count) : null,
    });
  });
  form.querySelector("button.clear").addEventListener(
    "click", () => call("DELETE", `/${service}/faults`, null));
  form.querySelector("button.list").addEventListener(
    "click", () => call("GET", `/${service}/faults`, null));
});
"""


def render_page(services: Sequence[SimulatedService]) -> str:
    """The control page: one section per service."""
    actions = _actions_json(services)
    sections = []
    for service in services:
        name = html.escape(service.name)
        buttons = "".join(
            f'<button data-method="{html.escape(a["method"])}"'
            f' data-path="{html.escape(a["path"])}"'
            f' data-body="{html.escape(json.dumps(a["body"]))}">'
            f"{html.escape(a['label'])}</button>"
            for a in actions[service.name]
        )
        describe = html.escape("\n".join(service.describe()))
        sections.append(
            f'<section id="service-{name}"><h2>{name}</h2>'
            f"<div>{buttons or '<em>no actions</em>'}</div>"
            f'<form class="fault" data-service="{name}"><fieldset>'
            "<legend>Faults</legend>"
            '<label>path prefix <input type="text" name="prefix" value="/"></label> '
            '<label>status <input type="number" name="status" placeholder="503"></label> '
            '<label>latency s <input type="number" step="0.1" name="latency"></label> '
            '<label><input type="checkbox" name="drop"> drop</label> '
            '<label>count <input type="number" name="count"></label> '
            '<button type="submit">Switch fault on</button>'
            '<button type="button" class="clear">Clear faults</button>'
            '<button type="button" class="list">Show faults</button>'
            "</fieldset></form>"
            f"<details><summary>What to type into Home Assistant</summary>"
            f"<pre>{describe}</pre></details></section>"
        )
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        "<title>Bosch Connect simulator</title>"
        f"<style>{_STYLE}</style></head><body>"
        "<h1>Bosch Connect simulator: control</h1>"
        + "".join(sections)
        + '<h2>Responses</h2><div id="log"></div>'
        f"<script>{_SCRIPT}</script></body></html>"
    )


def make_control_app(services: Sequence[SimulatedService]) -> web.Application:
    """One application with a sub-application per service, and the page at ``/``."""
    app = web.Application()
    for service in services:
        sub = web.Application()
        sub.add_routes(_fault_routes(service))
        sub.add_routes(service.control_routes())
        app.add_subapp(f"/{service.name}/", sub)

    async def index(request: web.Request) -> web.Response:
        if "text/html" in request.headers.get("Accept", ""):
            return web.Response(text=render_page(services), content_type="text/html")
        return web.json_response(
            {
                "services": [s.name for s in services],
                "actions": _actions_json(services),
                "describe": {s.name: s.describe() for s in services},
            }
        )

    app.router.add_get("/", index)
    return app


def control_listener(
    services: Sequence[SimulatedService], port: int = DEFAULT_CONTROL_PORT
) -> Listener:
    """The control server (plain http, loopback only)."""
    return Listener(make_control_app(services), port=port)
