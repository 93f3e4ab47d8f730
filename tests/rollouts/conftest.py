"""Fixtures of the Rollouts tests: a real simulated Bosch IoT Rollouts on loopback."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.bosch_connect.const import CONF_SERVICE, DOMAIN, SERVICE_ROLLOUTS
from custom_components.bosch_connect.rollouts.api import (
    BasicCredentials,
    DdiClient,
    ManagementClient,
    OAuthCredentials,
)
from simulator.options import Options
from simulator.rollouts import RolloutsCloud, create
from simulator.rollouts.service import (
    DEMO_CLIENT_ID,
    DEMO_CLIENT_SECRET,
    DEMO_CONTROLLER,
    DEMO_PASSWORD,
    DEMO_TARGET_TOKEN,
    DEMO_TENANT,
    DEMO_USER,
)


@pytest.fixture
async def rollouts(
    sim_options: Options, socket_enabled: None
) -> AsyncIterator[RolloutsCloud]:
    """The simulated Bosch IoT Rollouts, serving https on 127.0.0.1."""
    cloud = create(sim_options)
    await cloud.start()
    yield cloud
    await cloud.stop()


def basic_data(cloud: RolloutsCloud, **changes: Any) -> dict[str, Any]:
    """Entry data of a Basic-auth tenant with the demo DDI target."""
    return {
        CONF_SERVICE: SERVICE_ROLLOUTS,
        "base_url": cloud.base_url,
        "tenant": DEMO_TENANT,
        "auth_method": "basic",
        "username": DEMO_USER,
        "password": DEMO_PASSWORD,
        "ddi_url": cloud.base_url,
        "controller_id": DEMO_CONTROLLER,
        "token_type": "target",
        "ddi_token": DEMO_TARGET_TOKEN,
        **changes,
    }


def oauth_data(cloud: RolloutsCloud, **changes: Any) -> dict[str, Any]:
    """Entry data of an OAuth2 tenant without DDI."""
    return {
        CONF_SERVICE: SERVICE_ROLLOUTS,
        "base_url": cloud.base_url,
        "tenant": DEMO_TENANT,
        "auth_method": "oauth",
        "token_url": cloud.token_url,
        "client_id": DEMO_CLIENT_ID,
        "client_secret": DEMO_CLIENT_SECRET,
        "scope": "",
        **changes,
    }


def grant(cloud: RolloutsCloud, client_id: str = DEMO_CLIENT_ID) -> None:
    """An administrator grants the registered client its permissions."""
    principal = cloud.tenants[DEMO_TENANT].principals[client_id]
    principal.permissions = {"READ_TARGET", "READ_REPOSITORY"}


@pytest.fixture
def rollouts_entry(hass: HomeAssistant, rollouts: RolloutsCloud) -> MockConfigEntry:
    """A Basic-auth Rollouts entry with the DDI target (not set up yet)."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        entry_id="01JROLLOUTS000000000000000A",
        title=f"Rollouts {DEMO_TENANT}",
        unique_id=f"{rollouts.base_url.removeprefix('https://')}_demo",
        data=basic_data(rollouts),
    )
    entry.add_to_hass(hass)
    return entry


def basic(cloud: RolloutsCloud, session: aiohttp.ClientSession) -> ManagementClient:
    """A Management API client of the demo tenant's user."""
    return ManagementClient(
        session,
        cloud.base_url,
        DEMO_TENANT,
        BasicCredentials(username=DEMO_USER, password=DEMO_PASSWORD),
    )


def oauth(
    cloud: RolloutsCloud,
    session: aiohttp.ClientSession,
    secret: str = DEMO_CLIENT_SECRET,
    scope: str = "",
) -> ManagementClient:
    """A Management API client of the demo tenant's OAuth2 client."""
    return ManagementClient(
        session,
        cloud.base_url,
        DEMO_TENANT,
        OAuthCredentials(
            token_url=cloud.token_url,
            client_id=DEMO_CLIENT_ID,
            client_secret=secret,
            scope=scope,
        ),
    )


def ddi(
    cloud: RolloutsCloud,
    session: aiohttp.ClientSession,
    token_type: str = "TargetToken",  # noqa: S107
    token: str = DEMO_TARGET_TOKEN,
    controller: str = DEMO_CONTROLLER,
) -> DdiClient:
    """A DDI client of the demo target."""
    return DdiClient(
        session,
        cloud.base_url,
        DEMO_TENANT,
        controller,
        token_type=token_type,
        token=token,
    )
