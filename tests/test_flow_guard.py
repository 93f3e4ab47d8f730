"""An unexpected error in any flow step: the step's form with ``unknown``, one log.

Every service's client call is made to fail with an error no step expects
(patched at the client, where the service's flow meets the network); the form
must show the translated ``unknown`` error instead of a server error, and the
traceback must be logged once, as an ERROR record.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from ipaddress import ip_address
import logging
from typing import Any
from unittest.mock import patch

from homeassistant import config_entries
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers.service_info.zeroconf import ZeroconfServiceInfo
from homeassistant.helpers.translation import async_get_translations
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.bosch_connect import flow_guard
from custom_components.bosch_connect.config_flow import BoschConnectConfigFlow
from custom_components.bosch_connect.const import DOMAIN
from custom_components.bosch_connect.registry import ROOMS
from simulator.pki import issue

PACKAGE = "custom_components.bosch_connect"


class Unexpected(Exception):
    """What no step expects."""


@dataclass(frozen=True)
class Case:
    """Where a service's flow calls its client, and how a user gets there."""

    patch_target: str
    step_id: str
    # Opens the flow and returns (flow id, the input that makes the call).
    start: Callable[[HomeAssistant], Awaitable[tuple[str, dict[str, Any]]]]


async def _menu(hass: HomeAssistant, service: str) -> str:
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": config_entries.SOURCE_USER}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": service}
    )
    assert result["step_id"] == service
    return str(result["flow_id"])


async def _gateway(hass: HomeAssistant) -> tuple[str, dict[str, Any]]:
    """Re-authentication of a gateway entry: its step requests a token."""
    root = issue("Bosch test root", ca=True, path_length=1)
    client = issue("Home Assistant", issuer=root, client=True)
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Bosch K40RF",
        unique_id="101042019",
        data={
            "service": "gateway",
            "host": "192.0.2.10",
            "api_port": 443,
            "auth_port": 8443,
            "client_id": "home-assistant",
            "client_name": "Home Assistant",
            "client_cert": client.cert_pem,
            "client_key": client.key_pem,
            "root_cert": root.cert_pem,
            "scopes": "",
            "token": "old-token",
            "granted_scopes": "service.read",
        },
    )
    entry.add_to_hass(hass)
    result = await entry.start_reauth_flow(hass)
    assert result["step_id"] == "gateway_reauth_confirm"
    return str(result["flow_id"]), {}


async def _ebike(hass: HomeAssistant) -> tuple[str, dict[str, Any]]:
    return await _menu(hass, "ebike"), {
        "client_id": "partner",
        "client_secret": "secret",
        "replace_subscriptions": False,
    }


async def _homecomfort(hass: HomeAssistant) -> tuple[str, dict[str, Any]]:
    return await _menu(hass, "homecomfort"), {
        "api_domain": "api.example",
        "api_key": "xHCSAPI.key1.20990101T000000Z.secret",
        "user_id": "user-1",
    }


async def _rollouts(hass: HomeAssistant) -> tuple[str, dict[str, Any]]:
    flow_id = await _menu(hass, "rollouts")
    result = await hass.config_entries.flow.async_configure(
        flow_id,
        {
            "base_url": "https://api.eu1.bosch-iot-rollouts.com",
            "tenant": "DEMO",
            "auth_method": "basic",
        },
    )
    assert result["step_id"] == "rollouts_basic"
    return flow_id, {"username": "user", "password": "password"}


def _bosma_input() -> dict[str, Any]:
    return {
        "base_url": "https://bosma.example",
        "corp": "BC1",
        "api_secret": "secret",
        "app_package": "com.example.app",
        "platform": "android",
        "openid": "user-1",
        "country": "DE",
    }


async def _bosma(hass: HomeAssistant) -> tuple[str, dict[str, Any]]:
    return await _menu(hass, "bosma"), _bosma_input()


async def _bosma_reconfigure(hass: HomeAssistant) -> tuple[str, dict[str, Any]]:
    entry = MockConfigEntry(
        domain=DOMAIN,
        unique_id="BC1_user-1",
        data={"service": "bosma", **_bosma_input()},
    )
    entry.add_to_hass(hass)
    result = await entry.start_reconfigure_flow(hass)
    return str(result["flow_id"]), _bosma_input()


CASES = {
    "gateway_reauth": Case(
        f"{PACKAGE}.gateway.api.GatewayClient.request_token",
        "gateway_reauth_confirm",
        _gateway,
    ),
    "ebike": Case(
        f"{PACKAGE}.ebike.api.EbikeClient.list_connect_modules", "ebike", _ebike
    ),
    "homecomfort": Case(
        f"{PACKAGE}.homecomfort.api.HomeComfortClient.key_info",
        "homecomfort",
        _homecomfort,
    ),
    "rollouts": Case(
        f"{PACKAGE}.rollouts.api.ManagementClient.check", "rollouts_basic", _rollouts
    ),
    "bosma": Case(f"{PACKAGE}.bosma.api.BosmaClient.apply_token", "bosma", _bosma),
    "bosma_reconfigure": Case(
        f"{PACKAGE}.bosma.api.BosmaClient.apply_token",
        "bosma_reconfigure",
        _bosma_reconfigure,
    ),
}


def _errors_logged(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.levelno >= logging.ERROR]


def _assert_logged_once(caplog: pytest.LogCaptureFixture, step: str) -> None:
    records = _errors_logged(caplog)
    assert len(records) == 1, [r.getMessage() for r in records]
    assert records[0].getMessage() == f"Unexpected error in the {step} step"
    assert records[0].exc_info is not None
    assert isinstance(records[0].exc_info[1], Unexpected)


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
async def test_unexpected_error_shows_unknown(
    hass: HomeAssistant, caplog: pytest.LogCaptureFixture, case: Case
) -> None:
    flow_id, user_input = await case.start(hass)
    caplog.clear()
    with patch(case.patch_target, side_effect=Unexpected("nobody expected this")):
        result = await hass.config_entries.flow.async_configure(flow_id, user_input)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == case.step_id
    assert result["errors"] == {"base": "unknown"}
    _assert_logged_once(caplog, case.step_id)
    hass.config_entries.flow.async_abort(flow_id)


async def test_discovery_without_a_form_aborts(
    hass: HomeAssistant, caplog: pytest.LogCaptureFixture
) -> None:
    """An announcement the parser chokes on: an abort, not a traceback."""
    info = ZeroconfServiceInfo(
        ip_address=ip_address("192.0.2.10"),
        ip_addresses=[ip_address("192.0.2.10")],
        port=443,
        hostname="k40rf-101042019.local.",
        type="_gateway-tt-local-api._tcp.local.",
        name="k40rf-101042019._gateway-tt-local-api._tcp.local.",
        properties={},
    )
    with patch(
        f"{PACKAGE}.gateway.flow.parse_announcement",
        side_effect=Unexpected("nobody expected this"),
    ):
        result = await hass.config_entries.flow.async_init(
            DOMAIN, context={"source": config_entries.SOURCE_ZEROCONF}, data=info
        )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "unknown"
    _assert_logged_once(caplog, "zeroconf")


async def test_options_step(
    hass: HomeAssistant, caplog: pytest.LogCaptureFixture
) -> None:
    entry = MockConfigEntry(domain=DOMAIN, data={"service": "homecomfort"})
    entry.add_to_hass(hass)
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["step_id"] == "homecomfort_options"
    flow = hass.config_entries.options._progress[result["flow_id"]]
    with patch.object(
        type(flow), "async_create_entry", side_effect=Unexpected("nobody expected")
    ):
        result = await hass.config_entries.options.async_configure(
            result["flow_id"], {"renew_days": 20}
        )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "homecomfort_options"
    assert result["errors"] == {"base": "unknown"}
    _assert_logged_once(caplog, "homecomfort_options")


def test_every_step_is_guarded() -> None:
    """The menu, every service's steps and every options flow's steps."""
    flows: list[type] = [BoschConnectConfigFlow]
    for service, room in ROOMS.items():
        if room.options_flow is not None:
            entry = MockConfigEntry(domain=DOMAIN, data={"service": service})
            flows.append(type(room.options_flow(entry)))
    assert len(flows) > 1
    steps = {
        f"{cls.__name__}.{name}": getattr(cls, name)
        for cls in flows
        for name in dir(cls)
        if name.startswith("async_step_")
        and getattr(cls, name).__module__.startswith(PACKAGE)
    }
    assert {
        "BoschConnectConfigFlow.async_step_user",
        "BoschConnectConfigFlow.async_step_zeroconf",
        "BoschConnectConfigFlow.async_step_bosma_reconfigure",
        "HomeComfortOptionsFlow.async_step_homecomfort_options",
    } <= steps.keys()
    unguarded = [
        name
        for name, step in steps.items()
        if step.__code__.co_filename != flow_guard.__file__
    ]
    assert unguarded == []


@pytest.mark.parametrize("language", ["en", "de"])
async def test_unknown_is_translated(hass: HomeAssistant, language: str) -> None:
    strings = await async_get_translations(hass, language, "config", [DOMAIN])
    options = await async_get_translations(hass, language, "options", [DOMAIN])
    for key in (
        f"component.{DOMAIN}.config.error.unknown",
        f"component.{DOMAIN}.config.abort.unknown",
    ):
        assert strings[key]
    for key in (
        f"component.{DOMAIN}.options.error.unknown",
        f"component.{DOMAIN}.options.abort.unknown",
    ):
        assert options[key]
