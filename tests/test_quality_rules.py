"""Integration Quality Scale rules checked mechanically.

``config-flow``: every field of every form that any of our flows shows (config,
reauth, reconfigure and options, all services) has a label (``data``) and a
help text (``data_description``) in English and German. The forms are collected
by driving the flows, and the steps found must be exactly the ``step_id``s that
the flow modules name.
"""

from __future__ import annotations

from collections.abc import Iterable
import json
from pathlib import Path
import re
from typing import Any
from unittest.mock import AsyncMock, patch

from homeassistant.config_entries import (
    SOURCE_REAUTH,
    SOURCE_RECONFIGURE,
    SOURCE_USER,
)
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
import homeassistant.helpers.config_validation as cv
import probatio
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.bosch_connect.config_flow import BoschConnectConfigFlow
from custom_components.bosch_connect.const import CONF_SERVICE, DOMAIN
from custom_components.bosch_connect.gateway.api import ListedToken, PeerCertificate

ROOT = Path(__file__).resolve().parent.parent
COMPONENT = ROOT / "custom_components" / DOMAIN
LANGUAGES = ("en", "de")
STEP_ID = re.compile(r"step_id=\"(\w+)\"")

ENTRIES: dict[str, list[dict[str, Any]]] = {
    "gateway": [
        {"host": "192.0.2.1", "api_port": 8443, "auth_port": 8444},
        {
            "host": "192.0.2.1",
            "api_port": 9443,
            "auth_port": 9442,
            "channel": "owner",
            "device_id": "101042019",
            "fingerprint": "ab" * 32,
            "token": "t",
        },
    ],
    "ebike": [{"client_id": "client"}],
    "homecomfort": [
        {"api_domain": "https://example.com", "api_key": "key", "user_id": "user"}
    ],
    "rollouts": [
        {"auth_method": method, "base_url": "https://example.com", "tenant": "t"}
        for method in ("basic", "oauth")
    ],
    "bosma": [{"base_url": "https://example.com", "corp": "corp", "api_secret": "s"}],
}


def _translations(language: str) -> dict[str, Any]:
    translations: dict[str, Any] = json.loads(
        (COMPONENT / "translations" / f"{language}.json").read_text()
    )
    return translations


def _fields(result: Any) -> list[dict[str, Any]]:
    schema = result.get("data_schema")
    if schema is None:
        return []
    fields = probatio.to_field_list(schema, custom_serializer=cv.custom_serializer)
    assert isinstance(fields, list)
    return fields


class Forms:
    """The fields of every form shown, per (``config``/``options``, step)."""

    def __init__(self) -> None:
        self.seen: dict[tuple[str, str], list[dict[str, Any]]] = {}

    def add(self, kind: str, result: Any) -> None:
        assert result["type"] in (FlowResultType.FORM, FlowResultType.MENU), result
        # A menu has no fields of ours (its options are checked by hassfest).
        fields = _fields(result) if result["type"] is FlowResultType.FORM else []
        self.seen[(kind, result["step_id"])] = [
            *self.seen.get((kind, result["step_id"]), []),
            *fields,
        ]


async def _collect_forms(hass: HomeAssistant) -> Forms:
    forms = Forms()
    flows = hass.config_entries.flow
    # The first step of every service, as picked in the menu.
    for service in ENTRIES:
        menu = await flows.async_init(DOMAIN, context={"source": SOURCE_USER})
        forms.add(
            "config",
            await flows.async_configure(menu["flow_id"], {"next_step_id": service}),
        )
    # Re-authentication, reconfiguration and options of every kind of entry.
    for service, variants in ENTRIES.items():
        for data in variants:
            entry = MockConfigEntry(
                domain=DOMAIN, title=service, data={CONF_SERVICE: service, **data}
            )
            entry.add_to_hass(hass)
            for source, init_data in (
                (SOURCE_REAUTH, entry.data),
                (SOURCE_RECONFIGURE, None),
            ):
                if source == SOURCE_REAUTH and data.get("channel") == "owner":
                    # It first meets the gateway (unreachable here): below.
                    continue
                forms.add(
                    "config",
                    await flows.async_init(
                        DOMAIN,
                        context={"source": source, "entry_id": entry.entry_id},
                        data=init_data,
                    ),
                )
            if BoschConnectConfigFlow.async_supports_options_flow(entry):
                forms.add(
                    "options",
                    await hass.config_entries.options.async_init(entry.entry_id),
                )
    # The steps in the middle of a flow, called on a flow of their own.
    flow = BoschConnectConfigFlow()
    flow.hass = hass
    flow.handler = DOMAIN
    flow.flow_id = "quality"
    flow.context = {"source": SOURCE_USER}
    flow._gateway_announced = {}
    flow._gateway_connection = dict(ENTRIES["gateway"][0])
    flow._owner_announced = {}
    flow._owner_connection = dict(ENTRIES["gateway"][1])
    flow._owner_peer = PeerCertificate("101042019", "ab" * 32)
    flow._owner_tokens = [ListedToken("1", "curl", None)]
    flow._owner_manager = None
    forms.add("config", await flow.async_step_gateway_discovery_confirm())
    forms.add("config", await flow.async_step_gateway())
    forms.add("config", await flow.async_step_gateway_owner_auth())
    forms.add("config", await flow.async_step_gateway_owner_sticker())
    forms.add("config", await flow.async_step_gateway_owner_paste())
    forms.add("config", await flow.async_step_gateway_owner_full())
    forms.add("config", await flow.async_step_gateway_owner_revoke())
    flow._owner_announced = None
    forms.add("config", await flow.async_step_gateway_owner())
    flow._gateway_announced = None
    forms.add("config", await flow.async_step_gateway_partner())
    owner_entry = next(
        e for e in hass.config_entries.async_entries(DOMAIN) if e.data.get("channel")
    )
    flow.context = {"source": SOURCE_REAUTH, "entry_id": owner_entry.entry_id}
    forms.add("config", await flow.async_step_gateway_owner_reauth_confirm())
    flow.context = {"source": SOURCE_USER}
    forms.add("config", await flow.async_step_gateway_credentials())
    forms.add("config", await flow.async_step_gateway_proximity())
    for data in ENTRIES["rollouts"]:
        flow._rollouts_data = {CONF_SERVICE: "rollouts", **data}
        forms.add(
            "config",
            await getattr(flow, f"async_step_rollouts_{data['auth_method']}")(),
        )
    forms.add("config", await flow.async_step_rollouts_ddi())
    return forms


def _named_step_ids() -> set[str]:
    """Every ``step_id`` that a flow module of ours shows a form for."""
    names: set[str] = set()
    for path in [*COMPONENT.glob("**/*flow.py"), *COMPONENT.glob("**/options.py")]:
        names |= set(STEP_ID.findall(path.read_text()))
    # The Rollouts credential steps pass their step_id through a helper.
    return names | {"rollouts_basic", "rollouts_oauth"}


def _missing_descriptions(
    where: str, block: dict[str, Any], translations: dict[str, Any]
) -> Iterable[str]:
    descriptions = translations.get("data_description", {})
    for key in block.get("data", {}):
        if not str(descriptions.get(key, "")).strip():
            yield f"{where}.data_description.{key}"
    for name, sub in block.get("sections", {}).items():
        yield from _missing_descriptions(f"{where}.sections.{name}", sub, sub)


async def test_every_form_field_has_a_data_description(hass: HomeAssistant) -> None:
    """Every field shown has a label and a help text, in English and in German."""
    with patch(
        "custom_components.bosch_connect.rollouts.flow.ManagementClient.check",
        AsyncMock(),
    ):
        forms = await _collect_forms(hass)

    assert {step for _, step in forms.seen} == _named_step_ids() - {"user"}

    problems: list[str] = []
    for language in LANGUAGES:
        translations = _translations(language)
        for (kind, step_id), fields in forms.seen.items():
            where = f"{language}:{kind}.step.{step_id}"
            step = translations[kind]["step"].get(step_id)
            if step is None:
                problems.append(f"{where} missing")
                continue
            for field in fields:
                if field.get("type") == "expandable":
                    sub = step.get("sections", {}).get(field["name"], {})
                    problems += [
                        f"{where}.sections.{field['name']}.data.{inner['name']}"
                        for inner in field["schema"]
                        if inner["name"] not in sub.get("data", {})
                    ]
                elif field["name"] not in step.get("data", {}):
                    problems.append(f"{where}.data.{field['name']}")
        # Every step with labelled fields, also one no form shows any more.
        for kind in ("config", "options"):
            for step_id, step in translations.get(kind, {}).get("step", {}).items():
                problems += _missing_descriptions(
                    f"{language}:{kind}.step.{step_id}", step, step
                )
    assert problems == []


def test_descriptions_have_the_same_placeholders_in_both_languages() -> None:
    """A German help text names the same placeholders as the English one."""
    placeholder = re.compile(r"\{(\w+)\}")
    english, german = (_translations(language) for language in LANGUAGES)
    differing = []
    for kind in ("config", "options"):
        for step_id, step in english[kind]["step"].items():
            blocks = [("", step), *step.get("sections", {}).items()]
            german_step = german[kind]["step"][step_id]
            for name, block in blocks:
                german_block = german_step["sections"][name] if name else german_step
                for key, text in block.get("data_description", {}).items():
                    other = german_block.get("data_description", {}).get(key, "")
                    if set(placeholder.findall(text)) != set(
                        placeholder.findall(other)
                    ):
                        differing.append(f"{kind}.{step_id}.{name}.{key}")
    assert differing == []
