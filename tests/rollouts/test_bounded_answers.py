"""A Rollouts (hawkBit) answer larger than any real one is refused, never read whole.

The simulator streams ``limit + 64 MiB`` of valid JSON (with a Content-Length,
or chunked without one) and counts the bytes that got out before the client
hung up: no more than the limit and the loopback socket buffers (about 4 MiB).
The client of before read every byte.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
import datetime as dt
import json
import logging
from typing import Any

import aiohttp
from freezegun.api import FrozenDateTimeFactory
from homeassistant.config_entries import SOURCE_USER, ConfigEntryState
from homeassistant.const import STATE_OFF, STATE_ON, STATE_UNAVAILABLE
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)

from custom_components.bosch_connect.const import DOMAIN
from custom_components.bosch_connect.protocol.answers import MIB
from custom_components.bosch_connect.rollouts.api import (
    DEPLOYMENT_ANSWER_BYTES,
    OBJECT_ANSWER_BYTES,
    PAGE_ITEM_BYTES,
    PAGE_LIMIT,
    TOKEN_ANSWER_BYTES,
    page_answer_bytes,
)
from custom_components.bosch_connect.rollouts.errors import RolloutsConnectionError
from simulator.faults import Fault
from simulator.rollouts import RolloutsCloud
from simulator.rollouts.service import (
    DEMO_CONTROLLER,
    DEMO_PASSWORD,
    DEMO_TENANT,
    DEMO_USER,
    Target,
)

from .conftest import basic, ddi, oauth

BEYOND = 64 * MIB  # served past the limit
BUFFERS = 16 * MIB  # what may get out before the server notices the hang-up
REST = f"/{DEMO_TENANT}/rest/v1"
DDI = f"/{DEMO_TENANT}/controller/v1/{DEMO_CONTROLLER}"
REACHABLE = "binary_sensor.rollouts_demo_management_api"
TARGETS = "sensor.rollouts_demo_targets"


async def _deployment(cloud: RolloutsCloud, session: aiohttp.ClientSession) -> Any:
    cloud.assign(DEMO_TENANT, DEMO_CONTROLLER, 2)
    client = ddi(cloud, session)
    poll = await client.poll()  # before the fault (on deploymentBase only)
    cloud.faults.set(f"{DDI}/deploymentBase", cloud.faults.faults.pop("later"))
    return await client.deployment(poll)


type Call = Callable[[RolloutsCloud, aiohttp.ClientSession], Awaitable[Any]]

KINDS: dict[str, tuple[str, int, Call]] = {
    "token": (
        "/oauth/token",
        TOKEN_ANSWER_BYTES,
        lambda c, s: oauth(c, s).check(),
    ),
    "targets": (
        f"{REST}/targets",
        page_answer_bytes(PAGE_LIMIT),
        lambda c, s: basic(c, s).targets(limit=PAGE_LIMIT),
    ),
    "one-set": (
        f"{REST}/distributionsets",
        page_answer_bytes(1),
        lambda c, s: basic(c, s).distribution_sets(limit=1),
    ),
    "target": (
        f"{REST}/targets/",
        OBJECT_ANSWER_BYTES,
        lambda c, s: basic(c, s).target(DEMO_CONTROLLER),
    ),
    "poll": (DDI, OBJECT_ANSWER_BYTES, lambda c, s: ddi(c, s).poll()),
    "deployment": ("later", DEPLOYMENT_ANSWER_BYTES, _deployment),
}


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
@pytest.mark.parametrize("kind", list(KINDS))
async def test_oversized_answer_is_refused_without_reading_it(
    rollouts: RolloutsCloud,
    session: aiohttp.ClientSession,
    kind: str,
    chunked: bool,
) -> None:
    prefix, limit, call = KINDS[kind]
    fault = Fault(oversize=limit + BEYOND, chunked=chunked)
    rollouts.faults.set(prefix, fault)
    with pytest.raises(RolloutsConnectionError) as caught:
        await call(rollouts, session)
    assert str(caught.value).endswith(f": answer larger than {limit} bytes")
    assert 0 < fault.sent < limit + BUFFERS


def test_page_limits_follow_the_page_size() -> None:
    assert page_answer_bytes(1) == 96 * 1024
    assert page_answer_bytes(PAGE_LIMIT) == page_answer_bytes(10_000) < 17 * MIB
    assert page_answer_bytes(0) == page_answer_bytes(1)


def test_the_largest_target_fits_its_share_of_a_page() -> None:
    """Every field at hawkBit's maximum length, in 3-byte characters, all links."""
    base = "https://api.eu1.bosch-iot-rollouts.com/" + "T" * 64 + "/rest/v1/targets/"
    self_link = base + "%E2%82%AC" * 256  # controllerId <= 256, percent-encoded
    links = (
        "self assignedDS installedDS attributes actions metadata targetType autoConfirm"
    )
    target = {
        "controllerId": "€" * 256,
        "name": "€" * 128,
        "description": "€" * 512,
        "address": "€" * 512,
        "securityToken": "x" * 128,
        "updateStatus": "registered",
        "ipAddress": "ffff:" * 8,
        "lastControllerRequestAt": 1_700_000_000_000,
        "installedAt": 1_700_000_000_000,
        "pollStatus": {
            "lastRequestAt": 1_700_000_000_000,
            "nextExpectedRequestAt": 1_700_000_000_000,
            "overdue": True,
        },
        "requestAttributes": True,
        "targetType": 1_000_000,
        "targetTypeName": "€" * 128,
        "autoConfirmActive": False,
        "createdBy": "€" * 64,
        "createdAt": 1_700_000_000_000,
        "lastModifiedBy": "€" * 64,
        "lastModifiedAt": 1_700_000_000_000,
        "_links": {
            name: {"href": f"{self_link}/{name}", "name": name}
            for name in links.split()
        },
    }
    size = len(json.dumps(target, indent=4, ensure_ascii=False).encode())
    assert 20 * 1024 < size < PAGE_ITEM_BYTES


async def test_a_tenant_with_many_targets_is_read(
    rollouts: RolloutsCloud, session: aiohttp.ClientSession
) -> None:
    tenant = rollouts.tenants[DEMO_TENANT]
    for number in range(1_200):
        controller = f"{number:05d}-{'c' * 250}"
        tenant.targets[controller] = Target(
            controller_id=controller, name="n" * 128, security_token="t" * 32
        )
    page = await basic(rollouts, session).targets(limit=PAGE_LIMIT)
    assert len(page.content) == PAGE_LIMIT
    summary = await basic(rollouts, session).summary()
    assert summary.targets == len(tenant.targets) > 1_200
    assert summary.overdue_complete


async def test_flow_shows_cannot_connect(
    hass: HomeAssistant, rollouts: RolloutsCloud
) -> None:
    rollouts.faults.set(
        f"{REST}/targets", Fault(oversize=page_answer_bytes(1) + BEYOND, chunked=True)
    )
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "rollouts"}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {"base_url": rollouts.base_url, "tenant": DEMO_TENANT, "auth_method": "basic"},
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"username": DEMO_USER, "password": DEMO_PASSWORD}
    )
    assert result["errors"] == {"base": "rollouts_cannot_connect"}


@pytest.mark.freeze_time("2026-03-01 12:00:00+00:00")
async def test_refresh_makes_entities_unavailable_with_one_log_line(
    freezer: FrozenDateTimeFactory,
    hass: HomeAssistant,
    rollouts: RolloutsCloud,
    rollouts_entry: MockConfigEntry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    assert await hass.config_entries.async_setup(rollouts_entry.entry_id)
    await hass.async_block_till_done()
    assert rollouts_entry.state is ConfigEntryState.LOADED
    rollouts.faults.set(
        f"{REST}/targets", Fault(oversize=page_answer_bytes(PAGE_LIMIT) + BEYOND)
    )
    caplog.clear()
    for _ in range(2):
        freezer.tick(dt.timedelta(minutes=5))
        async_fire_time_changed(hass)
        await hass.async_block_till_done(wait_background_tasks=True)
    assert hass.states.get(TARGETS).state == STATE_UNAVAILABLE  # type: ignore[union-attr]
    assert hass.states.get(REACHABLE).state == STATE_OFF  # type: ignore[union-attr]
    logged = [
        r
        for r in caplog.records
        if r.levelno >= logging.WARNING and r.name != "asyncio"  # slow callbacks
    ]
    assert [r.getMessage() for r in logged] == [
        "Error fetching Rollouts DEMO data: Bosch IoT Rollouts could not be reached "
        "or did not answer like hawkBit"
    ]
    assert logged[0].exc_info is None

    rollouts.faults.clear()
    freezer.tick(dt.timedelta(minutes=5))
    async_fire_time_changed(hass)
    await hass.async_block_till_done(wait_background_tasks=True)
    assert hass.states.get(REACHABLE).state == STATE_ON  # type: ignore[union-attr]
