"""The config flow's own part: the service menu and the dispatch to the rooms.

The steps of each service are tested in ``tests/<service>/``; these tests
cover what ``config_flow.py`` adds on top (menu, reauth/reconfigure/options
dispatch) and that every step the user can see has a title in both languages.
"""

from __future__ import annotations

import json
from typing import Any

from homeassistant.config_entries import SOURCE_USER, ConfigFlow, OptionsFlow
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType, UnknownHandler
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.bosch_connect.config_flow import MENU, BoschConnectConfigFlow
from custom_components.bosch_connect.const import CONF_SERVICE, DOMAIN
from custom_components.bosch_connect.registry import ROOMS
from tests.conftest import REPO

TRANSLATIONS = REPO / "custom_components" / "bosch_connect" / "translations"
SERVICES = ["gateway", "ebike", "homecomfort", "rollouts", "bosma"]
WITH_OPTIONS = {"homecomfort"}


def translations(language: str) -> dict[str, Any]:
    """One translation file."""
    loaded: dict[str, Any] = json.loads(
        (TRANSLATIONS / f"{language}.json").read_text(encoding="utf-8")
    )
    return loaded


def shown_steps(flow: type[Any], base: type[Any]) -> list[str]:
    """The step ids a flow class adds, without the reauth entry points.

    ``<service>_reauth`` only receives the entry data and goes on to
    ``<service>_reauth_confirm``; it never shows a form of its own.
    """
    return sorted(
        name.removeprefix("async_step_")
        for name in dir(flow)
        if name.startswith("async_step_")
        and not hasattr(base, name)
        and not name.endswith("_reauth")
        and name not in ("async_step_reauth", "async_step_reconfigure")
    )


def test_menu_lists_every_service_local_gateway_first() -> None:
    assert MENU == SERVICES
    assert set(MENU) == set(ROOMS)


async def test_user_step_is_the_service_menu(hass: HomeAssistant) -> None:
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    assert result["type"] is FlowResultType.MENU
    assert result["step_id"] == "user"
    assert result["menu_options"] == SERVICES


@pytest.mark.parametrize("language", ["en", "de"])
def test_menu_labels_fit_and_are_described(language: str) -> None:
    """Short labels (the dialog cuts long ones), the details in a description."""
    user = translations(language)["config"]["step"]["user"]
    for service in SERVICES:
        assert len(user["menu_options"][service]) <= 30, service
        assert user["menu_option_descriptions"][service], service


@pytest.mark.parametrize("language", ["en", "de"])
def test_every_menu_option_and_step_has_a_title(language: str) -> None:
    config = translations(language)["config"]
    assert set(config["step"]["user"]["menu_options"]) == set(MENU)
    assert all(config["step"]["user"]["menu_options"].values())
    steps = shown_steps(BoschConnectConfigFlow, ConfigFlow)
    # Every service has its own steps, all prefixed with its key.
    for service in SERVICES:
        assert service in steps
    assert all(step.split("_")[0] in SERVICES for step in steps), steps
    untitled = [s for s in steps if not config["step"].get(s, {}).get("title")]
    assert untitled == []


@pytest.mark.parametrize("language", ["en", "de"])
def test_every_options_step_has_a_title(language: str) -> None:
    options = translations(language)["options"]["step"]
    for service in WITH_OPTIONS:
        factory = ROOMS[service].options_flow
        assert factory is not None
        flow = factory(MockConfigEntry(domain=DOMAIN, data={CONF_SERVICE: service}))
        steps = [s for s in shown_steps(type(flow), OptionsFlow) if s != "init"]
        assert steps == [f"{service}_options"]
        assert options[f"{service}_options"]["title"]


@pytest.mark.parametrize("language", ["en", "de"])
def test_unknown_service_abort_is_translated(language: str) -> None:
    assert translations(language)["config"]["abort"]["service_not_supported"]


async def test_reauth_of_an_unknown_service_aborts(hass: HomeAssistant) -> None:
    entry = MockConfigEntry(domain=DOMAIN, data={CONF_SERVICE: "toaster"})
    entry.add_to_hass(hass)
    result = await entry.start_reauth_flow(hass)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "service_not_supported"


async def test_reconfigure_of_an_unknown_service_aborts(hass: HomeAssistant) -> None:
    entry = MockConfigEntry(domain=DOMAIN, data={CONF_SERVICE: "toaster"})
    entry.add_to_hass(hass)
    result = await entry.start_reconfigure_flow(hass)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "service_not_supported"


@pytest.mark.parametrize("service", SERVICES)
def test_options_flow_only_where_the_service_has_options(service: str) -> None:
    entry = MockConfigEntry(domain=DOMAIN, data={CONF_SERVICE: service})
    supported = BoschConnectConfigFlow.async_supports_options_flow(entry)
    assert supported is (service in WITH_OPTIONS)
    if supported:
        flow = BoschConnectConfigFlow.async_get_options_flow(entry)
        assert isinstance(flow, OptionsFlow)
        assert type(flow).__module__.split(".")[2] == service
    else:
        # Asked anyway (a raw call): the service has no options flow.
        with pytest.raises(UnknownHandler):
            BoschConnectConfigFlow.async_get_options_flow(entry)


@pytest.mark.parametrize("service", SERVICES)
async def test_options_button_follows_the_service(
    hass: HomeAssistant, service: str
) -> None:
    entry = MockConfigEntry(domain=DOMAIN, data={CONF_SERVICE: service})
    entry.add_to_hass(hass)
    assert entry.supports_options is (service in WITH_OPTIONS)
