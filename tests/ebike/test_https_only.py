"""The client secret, the tokens and the webhook's static secret travel over https only.

Before, the flow accepted a plain-http token or API URL (and sent the client
secret there), and Home Assistant gave Bosch a plain-http webhook address
whenever the API URL was on this machine. Now the flows refuse such URLs
with a translated error, the client refuses to be built with them, and the
production code has no switch for plain http at all.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
import json
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web
from homeassistant import config_entries
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.bosch_connect.const import DOMAIN
from custom_components.bosch_connect.ebike.api import EbikeClient
from custom_components.bosch_connect.ebike.errors import InsecureUrlError
from simulator.ebike import EbikeCloud, EbikeSettings
from simulator.server import Listener
from tests.conftest import REPO

EBIKE = REPO / "custom_components" / "bosch_connect" / "ebike"


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


def _form(sim: EbikeCloud, **advanced: str) -> dict[str, Any]:
    return {
        "client_id": sim.client_id,
        "client_secret": sim.client_secret,
        "replace_subscriptions": False,
        "advanced": {
            "token_url": sim.token_url,
            "api_url": sim.api_url,
            "ca_pem": sim.ca_pem,
            **advanced,
        },
    }


async def test_the_flows_refuse_http_urls(
    hass: HomeAssistant,
    ha_url: str,
    ebike_sim: EbikeCloud,
    plain_http: tuple[str, list[str]],
) -> None:
    base, seen = plain_http
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": config_entries.SOURCE_USER}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "ebike"}
    )
    for advanced in (
        {"token_url": f"{base}/token"},
        {"api_url": base},
        {"token_url": "ftp://127.0.0.1/token"},
        {"api_url": "https://"},
    ):
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], _form(ebike_sim, **advanced)
        )
        assert result["type"] is FlowResultType.FORM
        assert result["errors"] == {"base": "ebike_https_required"}
    assert seen == []  # the client secret went nowhere
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _form(ebike_sim)
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    entry = result["result"]
    await hass.async_block_till_done()

    result = await hass.config_entries.flow.async_init(
        DOMAIN,
        context={
            "source": config_entries.SOURCE_RECONFIGURE,
            "entry_id": entry.entry_id,
        },
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {
            "replace_subscriptions": False,
            "token_url": ebike_sim.token_url,
            "api_url": base,
            "ca_pem": ebike_sim.ca_pem,
        },
    )
    assert result["errors"] == {"base": "ebike_https_required"}
    assert seen == []
    assert entry.data["api_url"] == ebike_sim.api_url


def test_the_error_is_translated() -> None:
    for language in ("en", "de"):
        strings = json.loads(
            (
                REPO
                / "custom_components/bosch_connect/translations"
                / f"{language}.json"
            ).read_text(encoding="utf-8")
        )
        assert "https://" in strings["config"]["error"]["ebike_https_required"]
        assert strings["exceptions"]["ebike_https_required"]["message"]


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


async def test_an_entry_with_an_http_url_is_not_set_up(
    hass: HomeAssistant,
    ha_url: str,
    ebike_entry_data: dict[str, Any],
    plain_http: tuple[str, list[str]],
) -> None:
    """An entry edited by hand: no secret is sent, the user is told why."""
    base, seen = plain_http
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Bosch eBike",
        unique_id="ebike_x",
        data={**ebike_entry_data, "token_url": f"{base}/token"},
    )
    entry.add_to_hass(hass)
    assert not await hass.config_entries.async_setup(entry.entry_id)
    assert entry.state is ConfigEntryState.SETUP_ERROR
    assert entry.reason is not None
    assert "not https" in entry.reason
    assert seen == []


def test_no_switch_for_plain_http_in_production_code() -> None:
    """The simulator is served over https with its own CA: no exception is needed."""
    for path in sorted(Path(EBIKE).glob("*.py")):
        text = path.read_text()
        for switch in (
            "is_loopback",
            "allow_http",
            "require_ssl=not",
            "allow_internal=True",
        ):
            assert switch not in text, f"{path.name}: {switch}"
