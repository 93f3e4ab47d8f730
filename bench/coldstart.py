"""Cold start of each entry kind against its simulator.

One Home Assistant; the entity components that our rooms forward to are set
up first, so that each timing holds only the entry's own work: from the
setup call (``async_add``) to every enabled entity having a state other than
unavailable. Each entry is made as its config flow makes it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
import contextlib
from dataclasses import dataclass
from pathlib import Path

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component

from custom_components.bosch_connect.const import (
    CONF_SERVICE,
    DOMAIN,
    SERVICE_BOSMA,
    SERVICE_EBIKE,
    SERVICE_GATEWAY,
    SERVICE_HOMECOMFORT,
    SERVICE_ROLLOUTS,
)
from custom_components.bosch_connect.registry import ROOMS
from simulator.clock import Clock
from simulator.options import Options

from .entries import SetupTiming, Unavailable, add_and_wait, make_entry
from .hass import running_hass

type Prepare = Callable[
    [HomeAssistant, contextlib.AsyncExitStack, Path], Awaitable[ConfigEntry]
]


async def _gateway(
    hass: HomeAssistant, stack: contextlib.AsyncExitStack, workdir: Path
) -> ConfigEntry:
    from .gateway import gateway_entry_data, gateway_simulator  # noqa: PLC0415

    sim = await stack.enter_async_context(gateway_simulator(workdir / "cold-gateway"))
    data = await gateway_entry_data(hass, sim)
    return make_entry(data, title="gateway", unique_id=sim.identity.uuid)


async def _ebike(
    hass: HomeAssistant, stack: contextlib.AsyncExitStack, workdir: Path
) -> ConfigEntry:
    from .ebike import ebike_entry_data, ebike_simulator  # noqa: PLC0415

    sim = await stack.enter_async_context(ebike_simulator(workdir / "cold-ebike", 2))
    return make_entry(ebike_entry_data(sim), title="ebike", unique_id=sim.client_id)


async def _bosma(
    hass: HomeAssistant, stack: contextlib.AsyncExitStack, workdir: Path
) -> ConfigEntry:
    from custom_components.bosch_connect.bosma.flow import (  # noqa: PLC0415
        _entry_data,
        _unique_id,
    )
    from simulator.bosma import create  # noqa: PLC0415
    from simulator.bosma.service import (  # noqa: PLC0415
        DEMO_APP_PACKAGE,
        DEMO_CORP,
        DEMO_COUNTRY,
        DEMO_OPENID,
        DEMO_SECRET,
    )

    cloud = create(Options(state_dir=workdir / "cold-bosma", clock=Clock()))
    await cloud.start()
    stack.push_async_callback(cloud.stop)
    data = _entry_data(
        {
            "base_url": cloud.base_url,
            "corp": DEMO_CORP,
            "api_secret": DEMO_SECRET,
            "app_package": DEMO_APP_PACKAGE,
            "platform": "android",
            "openid": DEMO_OPENID,
            "country": DEMO_COUNTRY,
        }
    )
    return make_entry(data, title="bosma", unique_id=_unique_id(data))


async def _homecomfort(
    hass: HomeAssistant, stack: contextlib.AsyncExitStack, workdir: Path
) -> ConfigEntry:
    import datetime as dt  # noqa: PLC0415

    from homeassistant.const import CONF_API_KEY  # noqa: PLC0415

    from custom_components.bosch_connect.homecomfort import (  # noqa: PLC0415
        const as hc_const,
    )
    from simulator.homecomfort import create  # noqa: PLC0415

    sim = create(Options(state_dir=workdir / "cold-homecomfort", clock=Clock()))
    await sim.start()
    stack.push_async_callback(sim.stop)
    data = {
        CONF_SERVICE: SERVICE_HOMECOMFORT,
        hc_const.CONF_API_DOMAIN: sim.url,
        CONF_API_KEY: sim.key,
        hc_const.CONF_USER_ID: sim.user_id,
        hc_const.CONF_KEY_ENTERED_AT: dt.datetime.now(dt.UTC).isoformat(),
    }
    return make_entry(
        data, title="homecomfort", unique_id=f"{sim.company_id}_{sim.user_id}"
    )


async def _rollouts(
    hass: HomeAssistant, stack: contextlib.AsyncExitStack, workdir: Path
) -> ConfigEntry:
    from custom_components.bosch_connect.rollouts import (  # noqa: PLC0415
        const as ro_const,
    )
    from simulator.rollouts import create  # noqa: PLC0415
    from simulator.rollouts.service import (  # noqa: PLC0415
        DEMO_CONTROLLER,
        DEMO_PASSWORD,
        DEMO_TARGET_TOKEN,
        DEMO_TENANT,
        DEMO_USER,
    )

    cloud = create(Options(state_dir=workdir / "cold-rollouts", clock=Clock()))
    await cloud.start()
    stack.push_async_callback(cloud.stop)
    data = {
        CONF_SERVICE: SERVICE_ROLLOUTS,
        ro_const.CONF_BASE_URL: cloud.base_url,
        ro_const.CONF_TENANT: DEMO_TENANT,
        ro_const.CONF_AUTH_METHOD: "basic",
        ro_const.CONF_USERNAME: DEMO_USER,
        ro_const.CONF_PASSWORD: DEMO_PASSWORD,
        ro_const.CONF_DDI_URL: cloud.base_url,
        ro_const.CONF_CONTROLLER_ID: DEMO_CONTROLLER,
        ro_const.CONF_TOKEN_TYPE: "target",
        ro_const.CONF_DDI_TOKEN: DEMO_TARGET_TOKEN,
    }
    return make_entry(data, title="rollouts", unique_id=f"bench_{DEMO_TENANT}")


KINDS: dict[str, Prepare] = {
    SERVICE_GATEWAY: _gateway,
    SERVICE_EBIKE: _ebike,
    SERVICE_BOSMA: _bosma,
    SERVICE_HOMECOMFORT: _homecomfort,
    SERVICE_ROLLOUTS: _rollouts,
}


@dataclass(slots=True)
class ColdStart:
    """One entry kind: its timing, or why it was not measured."""

    service: str
    timing: SetupTiming | None
    missing: str | None = None


async def prepare_components(hass: HomeAssistant) -> None:
    """Set up our domain and every entity component our rooms use."""
    if not await async_setup_component(hass, DOMAIN, {}):
        raise RuntimeError(f"{DOMAIN} failed to set up")
    platforms = {platform for room in ROOMS.values() for platform in room.platforms}
    for platform in sorted(platforms):
        if not await async_setup_component(hass, platform.value, {}):
            raise RuntimeError(f"{platform} failed to set up")


async def measure_cold_starts(workdir: Path) -> list[ColdStart]:
    """Every known entry kind, one after the other, in one Home Assistant."""
    async with running_hass(workdir / "coldstart") as bench:
        return await _cold_starts(bench.hass, workdir)


async def _cold_starts(hass: HomeAssistant, workdir: Path) -> list[ColdStart]:
    await prepare_components(hass)
    results: list[ColdStart] = []
    for service in sorted({*ROOMS, *KINDS}):
        prepare = KINDS.get(service)
        if service not in ROOMS or prepare is None:
            missing = (
                "not in registry.ROOMS" if service not in ROOMS else "no bench recipe"
            )
            results.append(ColdStart(service, None, missing))
            continue
        async with contextlib.AsyncExitStack() as stack:
            try:
                entry = await prepare(hass, stack, workdir)
            except (ImportError, Unavailable) as err:
                results.append(ColdStart(service, None, str(err)))
                continue
            assert entry.data[CONF_SERVICE] == service
            timing = await add_and_wait(hass, entry)
            results.append(ColdStart(service, timing))
            await hass.async_block_till_done()  # background work (subscriptions)
            await hass.config_entries.async_unload(entry.entry_id)
    return results
