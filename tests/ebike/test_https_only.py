"""The client secret, the tokens and the webhook's static secret travel over https only.

Before, the flow accepted a plain-http token or API URL (and sent the client
secret there), and Home Assistant gave Bosch a plain-http webhook address
whenever the API URL was on this machine. Now the flows have no URL at all
(the eBike cloud has one address, Bosch's), an entry that stored URLs of its
own loses them when it is migrated, the client refuses to be built with
plain-http URLs, and the production code has no switch for plain http or for
a CA of a test system.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Any

import aiohttp
from aiohttp import web
from homeassistant import config_entries
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.bosch_connect.const import DOMAIN
from custom_components.bosch_connect.ebike.api import EbikeClient
from custom_components.bosch_connect.ebike.errors import InsecureUrlError
from simulator.ebike import EbikeSettings
from simulator.server import Listener
from tests.conftest import REPO

INTEGRATION = REPO / "custom_components" / "bosch_connect"


@pytest.fixture
def ebike_settings() -> EbikeSettings:
    return EbikeSettings(auto_send=False)


@pytest.fixture
async def plain_http(socket_enabled: None) -> AsyncGenerator[tuple[str, list[str]]]:
    """A plain-http server that records every request: (base URL, paths)."""
    seen: list[str] = []

    async def record(request: web.Request) -> web.Response:
        seen.append(f"{request.method} {request.path} {await request.text()}")
        return web.json_response({"access_token": "t", "expires_in": 300})

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", record)
    listener = Listener(app)
    await listener.start()
    try:
        yield listener.url, seen
    finally:
        await listener.stop()


async def test_the_forms_ask_for_no_address(hass: HomeAssistant, ha_url: str) -> None:
    """Add and Reconfigure ask for no URL and no CA: the addresses are Bosch's."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": config_entries.SOURCE_USER}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "ebike"}
    )
    assert [str(key) for key in result["data_schema"].schema] == [
        "client_id",
        "client_secret",
        "replace_subscriptions",
    ]


async def test_the_client_refuses_http_urls(
    ebike_session: aiohttp.ClientSession, plain_http: tuple[str, list[str]]
) -> None:
    base, seen = plain_http
    for urls in (
        {"token_url": f"{base}/token", "api_url": "https://api.example"},
        {"token_url": "https://auth.example/token", "api_url": base},
        {
            "token_url": "https://auth.example/token",
            "api_url": "https://api.example",
            "notification_url": f"{base}/notification/v1",
        },
    ):
        with pytest.raises(InsecureUrlError):
            EbikeClient(ebike_session, client_id="a", client_secret="b", **urls)
    assert seen == []


async def test_an_entry_with_urls_of_its_own_goes_to_bosch(
    hass: HomeAssistant,
    ha_url: str,
    ebike_entry_data: dict[str, Any],
    plain_http: tuple[str, list[str]],
) -> None:
    """An entry of 1.2 with a plain-http token URL and a CA: both are dropped.

    The migration to 1.3 removes the URLs and the CA of the old "advanced"
    section; the entry then talks to Bosch's addresses (at the test boundary:
    the simulator's) and sends nothing to the stored URL.
    """
    base, seen = plain_http
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Bosch eBike",
        unique_id="ebike_x",
        version=1,
        minor_version=2,
        data={
            **ebike_entry_data,
            "token_url": f"{base}/token",
            "api_url": base,
            "ca_pem": "-----BEGIN CERTIFICATE-----",
        },
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    assert entry.state is ConfigEntryState.LOADED
    assert entry.minor_version == 3
    assert not {"token_url", "api_url", "ca_pem"} & set(entry.data)
    assert entry.data["client_secret"] == ebike_entry_data["client_secret"]
    assert seen == []


def test_no_switch_for_plain_http_in_production_code() -> None:
    """The simulator is served over https with its own CA: no exception is needed.

    Home Assistant trusts that CA the way a user adds one (at the test
    boundary in the tests, ``REQUESTS_CA_BUNDLE`` in the demo); nothing in
    the integration knows of it.
    """
    for path in sorted(INTEGRATION.rglob("*.py")):
        text = path.read_text()
        for switch in (
            "is_loopback",
            "allow_http",
            "require_ssl=not",
            "allow_internal=True",
            "CONF_CA_PEM",
            "CONF_ADVANCED",
        ):
            assert switch not in text, f"{path.relative_to(INTEGRATION)}: {switch}"
