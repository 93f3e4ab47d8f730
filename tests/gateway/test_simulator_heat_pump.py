"""The simulator's heat-pump installation: resources after the K 40 RF OpenAPI.

Also: 403 for a path outside the tree (as real gateways), 404 for a removed
resource, the installation chosen by argument or environment.
"""

from __future__ import annotations

from collections.abc import Mapping
import math
import re
import ssl
from typing import Any

import aiohttp
import pytest

from custom_components.bosch_connect.gateway.api import GatewayClient, Token
from simulator.clock import Clock
from simulator.gateway import INSTALLATION_ENV, GatewaySimulator, create
from simulator.gateway.resources import INSTALLATIONS, installation_tree
from simulator.options import Options
from tests.conftest import REFERENCE

from . import heat_pump

# The gateway of these tests is on a heat pump (see heat_pump.py).
sim_options = heat_pump.sim_options
gateway_sim = heat_pump.gateway_sim

# Every path of the K 40 RF OpenAPI file (``{...}``: a member id).
OPENAPI_PATHS = tuple(
    re.findall(
        r"^  (/\S+):$",
        (REFERENCE / "homecomfort" / "k-40-rf.yaml").read_text(),
        re.MULTILINE,
    )
)


# The parts of the OpenAPI schema EmonValue.
EMON_PARTS = frozenset(
    {
        "outputProduced",
        "eheater",
        "compressor",
        "solar",
        "burner",
        "electricity",
        "ventilation",
        "ventilationHeatRecovered",
        "ch",
        "dhw",
        "pool",
        "cooling",
        "total",
    }
)
IDENTITY = {
    "brand": "Bosch",
    "uuid": "101042019",
    "firmware": "15.00.01",
    "hardware": "K40RF-01",
    "serial": "1",
}


def _openapi_path(path: str) -> bool:
    for template in OPENAPI_PATHS:
        pattern = re.sub(r"\\\{\w+\\\}", "[A-Za-z]+[0-9]+", re.escape(template))
        if re.fullmatch(pattern, path):
            return True
    return False


def _number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _check_leaf(path: str, leaf: Mapping[str, Any]) -> None:
    """The shape that the OpenAPI schemas give each resource type."""
    assert leaf["id"] == path
    assert leaf["writeable"] in (0, 1)
    kind = leaf["type"]
    if kind == "floatValue":
        assert _number(leaf["value"]), path
        assert isinstance(leaf["unitOfMeasure"], str), path
        for item in leaf.get("state", []):
            assert all(_number(v) for v in item.values()), path
    elif kind == "stringValue":
        assert isinstance(leaf["value"], str), path
        if "allowedValues" in leaf:
            assert leaf["value"] in leaf["allowedValues"], path
    elif kind == "emonValue":
        assert isinstance(leaf["unit"], str), path
        assert leaf["values"], path
        for item in leaf["values"]:
            assert len(item) == 1, path  # maxProperties: 1
            ((part, value),) = item.items()
            assert part in EMON_PARTS, path
            assert _number(value), path
            assert value >= 0, path
    else:
        assert kind in ("errorList", "systeminfo"), path


def _parts(leaf: Mapping[str, Any]) -> dict[str, float]:
    return {k: v for item in leaf["values"] for k, v in item.items()}


def test_heat_pump_resources_follow_the_openapi_file() -> None:
    """Types, units, one-key ``values`` and ``writeable`` as the schemas say."""
    tree = installation_tree("heat-pump", Clock(scale=0.0), **IDENTITY)
    for path, leaf in tree.leaves.items():
        if path.startswith("/signals/"):
            continue  # the signals' own format (tests/gateway/test_signals.py)
        _check_leaf(path, leaf)
        assert _openapi_path(path), path
    assert tree.leaves["/system/type"]["value"] == "heatpump_single"
    # No solar circuit, pool or ventilation: their absence is exercised.
    for folder in ("/solarCircuits", "/pool", "/ventilation"):
        assert tree.get(folder, "") is None
        assert tree.absent_status(folder) == 403
    # The specification has no folders (but /signals): 403 as on a real gateway.
    for folder in ("/heatingCircuits", "/dhwCircuits", "/zones", "/heatSources"):
        assert tree.get(folder, "") is None
        assert tree.absent_status(folder) == 403
    assert tree.get("/signals", "")["type"] == "refEnum"
    # Circuits without modes or writable setpoints (read-only K 40 RF).
    assert not [p for p in tree.leaves if p.endswith("/operationMode")]
    assert not [p for p, leaf in tree.leaves.items() if leaf.get("writeable")]


def test_energy_parts_include_the_heat_produced() -> None:
    """outputProduced is 3.5 to 5 times compressor and heater; total adds up."""
    tree = installation_tree("heat-pump", Clock(scale=0.0), **IDENTITY)
    emon = "/heatSources/emon/"
    purposes = ("chConsumption", "dhwConsumption", "coolingConsumption")
    for name in (*purposes, "totalConsumption"):
        parts = _parts(tree.leaves[emon + name])
        consumed = parts["compressor"] + parts.get("eheater", 0.0)
        assert 3.5 <= parts["outputProduced"] / consumed <= 5, name
    total = _parts(tree.leaves[emon + "totalConsumption"])
    for part, value in total.items():
        added = sum(_parts(tree.leaves[emon + n]).get(part, 0.0) for n in purposes)
        assert math.isclose(value, added, abs_tol=1e-6), part


def test_counters_grow_with_the_clock() -> None:
    """An hour later: about four times as much heat as electricity."""
    clock = Clock(scale=0.0)
    tree = installation_tree("heat-pump", clock, **IDENTITY)
    path = "/heatSources/emon/totalConsumption"
    before = _parts(tree.get(path, ""))
    clock.advance(3600)
    after = _parts(tree.get(path, ""))
    produced = after["outputProduced"] - before["outputProduced"]
    used = (after["compressor"] - before["compressor"]) + (
        after["eheater"] - before["eheater"]
    )
    assert used > 0
    assert 3.5 <= produced / used <= 5


def test_installation_is_chosen(
    sim_options: Options, monkeypatch: pytest.MonkeyPatch
) -> None:
    """By argument or environment (``--gateway-installation``); unknown: refused."""
    assert set(INSTALLATIONS) == {"boiler", "heat-pump"}
    assert "/zones/zone1/name" not in create(sim_options).resources.leaves
    monkeypatch.setenv(INSTALLATION_ENV, "heat-pump")
    assert create(sim_options).resources.leaves["/system/type"]["value"] == (
        "heatpump_single"
    )
    with pytest.raises(ValueError, match="no installation 'solar'"):
        GatewaySimulator(sim_options, installation="solar")


def test_command_line_flag_sets_the_installation() -> None:
    """``python -m simulator --gateway-installation heat-pump`` is accepted."""
    from simulator.__main__ import main

    with pytest.raises(SystemExit) as done:
        main(["serve", "--gateway-installation", "nope"])
    assert done.value.code == 2  # argparse: not one of the choices


async def test_403_outside_the_tree_404_when_removed(
    gateway_sim: GatewaySimulator,
    gateway_session: aiohttp.ClientSession,
    gateway_ssl_context: ssl.SSLContext,
    gateway_token: Token,
    gateway_client: GatewayClient,
) -> None:
    """What a real gateway answers: 403 for a path it does not know (GET, PUT)."""
    base = f"https://{gateway_sim.host}:{gateway_sim.api_port}"
    headers = {"Authorization": f"Bearer {gateway_token.access_token}"}

    async def status(method: str, path: str) -> int:
        async with gateway_session.request(
            method,
            base + path,
            headers=headers,
            json={"value": 1} if method == "PUT" else None,
            ssl=gateway_ssl_context,
        ) as response:
            return response.status

    assert await status("GET", "/solarCircuits") == 403
    assert await status("GET", "/pool/currentTemp") == 403
    assert await status("PUT", "/heatingCircuits/hc9/operationMode") == 403
    assert await status("GET", "/zones/zone1/averageActualHumidity") == 200
    gateway_sim.remove("/zones/zone1/averageActualHumidity")
    assert await status("GET", "/zones/zone1/averageActualHumidity") == 404
    assert await status("PUT", "/zones/zone1/averageActualHumidity") == 404
    with pytest.raises(KeyError):
        gateway_sim.remove("/zones/zone1/averageActualHumidity")
