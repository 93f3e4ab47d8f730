"""The config flow's own part: the service menu and the dispatch to the rooms.

The steps of each service are tested in ``tests/<service>/``; these tests
cover what ``config_flow.py`` adds on top (the class built from the rooms'
mixins, menu, reauth/reconfigure/options dispatch) and that every step the
user can see has a title in both languages.
"""

from __future__ import annotations

from collections.abc import Mapping
import json
from typing import Any

from homeassistant.config_entries import (
    HANDLERS,
    SOURCE_USER,
    ConfigEntry,
    ConfigFlow,
    ConfigFlowResult,
    OptionsFlow,
)
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType, UnknownHandler
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.bosch_connect import config_flow
from custom_components.bosch_connect.config_flow import (
    MENU,
    BoschConnectConfigFlow,
    BoschConnectFlowDispatch,
)
from custom_components.bosch_connect.const import CONF_SERVICE, DOMAIN
from custom_components.bosch_connect.registry import ROOMS
from custom_components.bosch_connect.room import Room
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


def own_steps(flow: type[Any]) -> set[str]:
    """The steps a room's mixin defines (itself and its bases), not Home Assistant's."""
    return {
        name
        for cls in flow.__mro__
        if cls.__module__.startswith("custom_components.")
        for name in vars(cls)
        if name.startswith("async_step_")
    }


def test_menu_lists_every_service_local_gateway_first() -> None:
    assert MENU == SERVICES
    assert list(ROOMS) == SERVICES


def test_the_flow_is_built_from_the_rooms_mixins_in_menu_order() -> None:
    """Home Assistant's handler is the class made of every room's mixin."""
    assert HANDLERS[DOMAIN] is BoschConnectConfigFlow
    assert BoschConnectConfigFlow.__module__ == config_flow.__name__
    assert BoschConnectConfigFlow.__bases__ == (
        *(ROOMS[service].flow for service in SERVICES),
        BoschConnectFlowDispatch,
    )


@pytest.mark.parametrize("service", SERVICES)
def test_each_room_names_its_own_steps(service: str) -> None:
    """Menu, reauth and reconfigure steps exist in the room's own mixin."""
    room = ROOMS[service]
    assert room.flow is not None
    steps = own_steps(room.flow)
    assert f"async_step_{service}" in steps
    for name in (room.reauth_step, room.reconfigure_step):
        assert name is not None
        assert name.startswith(f"{service}_")
        assert f"async_step_{name}" in steps


def test_no_two_rooms_define_the_same_step() -> None:
    """A step defined twice would silently shadow the other room's.

    Nor may a room define a step of the shared part (menu, reauth,
    reconfigure): coming first in the class, it would replace the dispatch.
    """
    owner: dict[str, str] = {}
    shared = own_steps(BoschConnectFlowDispatch)
    assert shared == {
        "async_step_user",
        "async_step_reauth",
        "async_step_reconfigure",
    }
    for service, room in ROOMS.items():
        assert room.flow is not None
        for step in own_steps(room.flow):
            assert step not in shared, (service, step)
            assert owner.setdefault(step, service) == service, (step, owner[step])
    # The discovery step is the gateway room's own.
    assert owner["async_step_zeroconf"] == "gateway"


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


async def _no_setup(hass: HomeAssistant, entry: ConfigEntry[Any]) -> bool:
    return False  # the entries of these tests are never set up


@pytest.fixture(params=["unknown", "without_steps"])
def stepless(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """A service without reauth/reconfigure: unknown, or a room that names none."""
    if request.param == "without_steps":
        monkeypatch.setitem(
            ROOMS, "toaster", Room(service="toaster", async_setup_entry=_no_setup)
        )
    return "toaster"


async def test_reauth_of_a_service_without_it_aborts(
    hass: HomeAssistant, stepless: str
) -> None:
    entry = MockConfigEntry(domain=DOMAIN, data={CONF_SERVICE: stepless})
    entry.add_to_hass(hass)
    result = await entry.start_reauth_flow(hass)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "service_not_supported"


async def test_reconfigure_of_a_service_without_it_aborts(
    hass: HomeAssistant, stepless: str
) -> None:
    entry = MockConfigEntry(domain=DOMAIN, data={CONF_SERVICE: stepless})
    entry.add_to_hass(hass)
    result = await entry.start_reconfigure_flow(hass)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "service_not_supported"
    assert not BoschConnectConfigFlow.async_supports_options_flow(entry)


def _recording_step(name: str, calls: list[tuple[str, Any]]) -> Any:
    """Stands in for a room's step: records what the dispatch handed it."""

    async def step(flow: ConfigFlow, data: Any = None) -> ConfigFlowResult:
        calls.append((name, data))
        return flow.async_abort(reason=name)

    return step


@pytest.mark.parametrize("service", SERVICES)
async def test_reauth_and_reconfigure_go_to_the_rooms_steps(
    hass: HomeAssistant, service: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The dispatch calls the step the entry's room names, with what it got.

    The steps themselves run against the simulators in ``tests/<service>/``.
    """
    room = ROOMS[service]
    assert room.reauth_step is not None
    assert room.reconfigure_step is not None
    calls: list[tuple[str, Any]] = []
    for name in (room.reauth_step, room.reconfigure_step):
        monkeypatch.setattr(
            BoschConnectConfigFlow,
            f"async_step_{name}",
            _recording_step(name, calls),
        )
    entry = MockConfigEntry(domain=DOMAIN, data={CONF_SERVICE: service, "x": 1})
    entry.add_to_hass(hass)

    result = await entry.start_reauth_flow(hass)
    assert (result["type"], result["reason"]) == (
        FlowResultType.ABORT,
        room.reauth_step,
    )
    result = await entry.start_reconfigure_flow(hass)
    assert (result["type"], result["reason"]) == (
        FlowResultType.ABORT,
        room.reconfigure_step,
    )
    assert [name for name, _ in calls] == [room.reauth_step, room.reconfigure_step]
    entry_data = calls[0][1]
    assert isinstance(entry_data, Mapping)
    assert dict(entry_data) == {CONF_SERVICE: service, "x": 1}
    assert calls[1][1] is None  # the reconfigure form, not yet submitted


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
