"""A real python-zeroconf browser finds the simulated gateway's announcement.

Multicast on loopback: the browser binds to 127.0.0.1 like the simulator;
``gateway_sim`` enables sockets (pytest-socket blocks the multicast address).
"""

from __future__ import annotations

import json
from pathlib import Path
import random
import shutil

from custom_components.bosch_connect.gateway.txt import (
    OWNER_SERVICE_TYPE,
    SERVICE_TYPE,
    parse_owner_txt,
    parse_txt,
)
from simulator.gateway import GatewaySimulator, Identity
from simulator.options import Options

from .conftest import resolve_announcement

MANIFEST = (
    Path(__file__).resolve().parents[2]
    / "custom_components"
    / "bosch_connect"
    / "manifest.json"
)


def manifest_service_types() -> tuple[str, ...]:
    """The zeroconf types Home Assistant listens for, from the manifest."""
    return tuple(
        entry if isinstance(entry, str) else entry["type"]
        for entry in json.loads(MANIFEST.read_text())["zeroconf"]
    )


def manifest_service_type() -> str:
    """The partner channel's type (the first of the manifest)."""
    return manifest_service_types()[0]


async def test_browser_finds_the_gateway(
    sim_options: Options, socket_enabled: None, gateway_pki_folder: Path
) -> None:
    service_type = manifest_service_type()
    assert manifest_service_types() == (SERVICE_TYPE, OWNER_SERVICE_TYPE)
    # A uuid of its own: other test runs (or the demo) may advertise too.
    uuid = str(random.randint(10**8, 10**9 - 1))
    shutil.copytree(gateway_pki_folder, sim_options.state_dir / "gateway")
    sim_options.zeroconf = True  # as in the demo: advertised from the start
    gateway_sim = GatewaySimulator(sim_options, identity=Identity(uuid=uuid))
    await gateway_sim.start()
    assert "not advertised" not in "\n".join(gateway_sim.describe())
    try:
        await _browse(gateway_sim, service_type, uuid)
        await _browse_owner(gateway_sim, uuid)
        # Announced again on request (the demo and the e2e suite ask once
        # Home Assistant listens).
        assert await gateway_sim.announce()
    finally:
        await gateway_sim.stop()
    assert gateway_sim.state()["zeroconf"] is False
    assert not await gateway_sim.announce()


async def _browse(gateway_sim: GatewaySimulator, service_type: str, uuid: str) -> None:
    """The partner channel's announcement: ``k40rf-<uuid>``, the Local API TXT."""
    info = gateway_sim.service_info
    assert info is not None
    assert info.name == f"k40rf-{uuid}.{service_type}"
    resolved = await resolve_announcement(service_type, uuid)
    assert resolved.name == f"k40rf-{uuid}.{service_type}"
    assert resolved.port == gateway_sim.api_port
    assert resolved.parsed_addresses() == ["127.0.0.1"]
    announcement = parse_txt(resolved.properties)
    assert announcement.authport == gateway_sim.auth_port
    assert (announcement.model, announcement.brand) == ("K40RF", "Bosch")
    assert announcement.uuid == uuid
    assert announcement.serial == "99994370000527738114013"
    assert announcement.txtvers == 1
    assert announcement.instance == f"k40rf-{uuid}"
    assert gateway_sim.state()["zeroconf"] is True


async def _browse_owner(gateway_sim: GatewaySimulator, uuid: str) -> None:
    """The owner channel's announcement: ``K40RF-<device id>``, its own TXT."""
    resolved = await resolve_announcement(OWNER_SERVICE_TYPE, uuid)
    assert resolved.name == f"K40RF-{uuid}.{OWNER_SERVICE_TYPE}"
    assert resolved.port == gateway_sim.owner_api_port
    announcement = parse_owner_txt(resolved.properties, resolved.name)
    assert announcement.authport == gateway_sim.owner_auth_port
    assert (announcement.model, announcement.brand) == ("K40RF", "Bosch")
    assert announcement.uuid == uuid
