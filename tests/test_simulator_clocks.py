"""Each simulated service keeps its own clock (issue "The first ten minutes")."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path
import time

from aiohttp import ClientSession

from simulator.__main__ import build_services, serve_options
from simulator.bosma.service import BosmaCloud
from simulator.control import control_listener
from simulator.ebike.service import EbikeCloud
from simulator.homecomfort.service import HomeComfortService
from simulator.options import Options
from simulator.rollouts.service import RolloutsCloud

HOUR = 3600.0


def _offsets(options: Options) -> dict[str, float]:
    """Each service's clock minus this machine's, in seconds."""
    return {
        name: options.clock_for(name).time() - time.time()
        for name in ("gateway", "homecomfort", "ebike", "bosma", "rollouts")
    }


def test_every_service_has_a_clock_of_its_own(sim_options: Options) -> None:
    """Five services, five clocks; the gateway's is ``options.clock``."""
    clocks = {
        name: sim_options.clock_for(name)
        for name in ("gateway", "homecomfort", "ebike", "bosma", "rollouts")
    }
    assert len({id(clock) for clock in clocks.values()}) == 5
    assert clocks["gateway"] is sim_options.clock
    assert sim_options.clock_for("ebike") is clocks["ebike"]


async def test_control_routes_move_only_their_service_clock(
    sim_options: Options, socket_enabled: None
) -> None:
    """Speeding or advancing the eBike clock leaves Bosma's and the others' alone.

    The demo speeds up eBike rides; Bosma compares its clock with the
    integration's and answers 501 on skew, so it must keep real time.
    """
    services = build_services(sim_options)
    by_name = {service.name: service for service in services}
    for service in services:
        await service.start()
    control = control_listener(services, port=0)
    await control.start()
    try:
        ebike = by_name["ebike"]
        bosma = by_name["bosma"]
        rollouts = by_name["rollouts"]
        homecomfort = by_name["homecomfort"]
        assert isinstance(ebike, EbikeCloud)
        assert isinstance(bosma, BosmaCloud)
        assert isinstance(rollouts, RolloutsCloud)
        assert isinstance(homecomfort, HomeComfortService)
        async with ClientSession() as session:
            async with session.post(
                f"{control.url}/ebike/clock", json={"scale": 1000, "advance": HOUR}
            ) as response:
                assert response.status == 200
                assert (await response.json())["scale"] == 1000
            await asyncio.sleep(0.2)  # 200 simulated seconds for the eBike cloud

            offsets = _offsets(sim_options)
            assert offsets["ebike"] > HOUR + 100
            for name in ("gateway", "homecomfort", "bosma", "rollouts"):
                assert abs(offsets[name]) < 5, (name, offsets)
            assert sim_options.clock_for("bosma").scale == 1
            assert abs(bosma.now() - time.time()) < 5
            assert abs(rollouts.now() - time.time()) < 5
            assert abs(homecomfort.clock.time() - time.time()) < 5

            # The Partner API's clock moves alone, too.
            async with session.post(
                f"{control.url}/homecomfort/clock", json={"days": 160}
            ) as response:
                assert response.status == 200
            assert homecomfort.clock.time() - time.time() > 159 * 24 * HOUR
            offsets = _offsets(sim_options)
            for name in ("gateway", "bosma", "rollouts"):
                assert abs(offsets[name]) < 5, (name, offsets)

            # And the gateway's.
            async with session.post(
                f"{control.url}/gateway/clock", json={"advance": HOUR}
            ) as response:
                assert response.status == 200
            offsets = _offsets(sim_options)
            assert HOUR - 5 < offsets["gateway"] < HOUR + 5
            for name in ("bosma", "rollouts"):
                assert abs(offsets[name]) < 5, (name, offsets)
            assert abs(bosma.now() - time.time()) < 5
    finally:
        await control.stop()
        for service in reversed(services):
            await service.stop()


def test_the_time_scale_option_speeds_only_the_ebike_clock(tmp_path: Path) -> None:
    """``python -m simulator serve --time-scale 30`` accelerates eBike rides only."""
    options = serve_options(
        argparse.Namespace(state_dir=tmp_path, time_scale=30.0, no_zeroconf=True)
    )
    assert options.clock_for("ebike").scale == 30
    for name in ("gateway", "homecomfort", "bosma", "rollouts"):
        assert options.clock_for(name).scale == 1
    assert options.clock.scale == 1
