"""The owner channel (K 40 RF document), end to end against the simulator.

Real TLS on the simulator's owner ports (self-signed certificate naming the
device id), real token database (sticker password, five-minute press window,
507 when full, list and revoke), real zeroconf service info as Home
Assistant hands it to the flow.
"""

from __future__ import annotations

import hashlib
from ipaddress import ip_address
import json
from pathlib import Path
from typing import Any

from homeassistant import config_entries
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.service_info.zeroconf import ZeroconfServiceInfo
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.bosch_connect.const import DOMAIN
from custom_components.bosch_connect.gateway.owner_flow import (
    StickerError,
    format_fingerprint,
    parse_sticker_qr,
    sticker_credentials,
)
from custom_components.bosch_connect.gateway.txt import parse_owner_txt
from simulator.faults import Fault
from simulator.gateway import GatewaySimulator
from simulator.gateway.listener import TlsListener
from tests.gateway.conftest import announcement

UUID = "101042019"


def owner_announcement(
    sim: GatewaySimulator, *, name: str | None = None, **txt: str | None
) -> ZeroconfServiceInfo:
    """The owner channel's announcement as Home Assistant hands it over."""
    properties: dict[str, str | None] = {
        "model": "K40RF",
        "brand": "Bosch",
        "uuid": sim.identity.uuid,
        "authport": str(sim.owner_auth_port),
        **txt,
    }
    instance = name or f"K40RF-{sim.identity.uuid}"
    return ZeroconfServiceInfo(
        ip_address=ip_address(sim.host),
        ip_addresses=[ip_address(sim.host)],
        port=sim.owner_api_port,
        hostname=f"{instance}.local.",
        type="_hvac-open-api._tcp.local.",
        name=f"{instance}._hvac-open-api._tcp.local.",
        properties={k: v for k, v in properties.items() if v is not None},
    )


def fingerprint(sim: GatewaySimulator) -> str:
    """The SHA-256 of the simulator's owner certificate."""
    from cryptography.hazmat.primitives.serialization import Encoding

    return hashlib.sha256(
        sim.owner_certificate.cert.public_bytes(Encoding.DER)
    ).hexdigest()


async def _owner_address(
    hass: HomeAssistant, host: str, auth_port: int, api_port: int
) -> Any:
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": config_entries.SOURCE_USER}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "gateway"}
    )
    assert result["type"] is FlowResultType.MENU
    assert result["menu_options"] == ["gateway_owner", "gateway_partner"]
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "gateway_owner"}
    )
    assert result["step_id"] == "gateway_owner"
    return await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {"host": host, "auth_port": auth_port, "api_port": api_port},
    )


async def to_owner_auth(hass: HomeAssistant, sim: GatewaySimulator) -> str:
    """By hand: the service menu, the channel menu, the address; the auth menu."""
    result = await _owner_address(
        hass, sim.host, sim.owner_auth_port, sim.owner_api_port
    )
    assert result["type"] is FlowResultType.MENU, result
    assert result["step_id"] == "gateway_owner_auth"
    assert result["description_placeholders"]["device"] == UUID
    assert result["description_placeholders"]["fingerprint"] == format_fingerprint(
        fingerprint(sim)
    )
    return str(result["flow_id"])


async def to_sticker(hass: HomeAssistant, sim: GatewaySimulator) -> str:
    """Up to the sticker form."""
    flow_id = await to_owner_auth(hass, sim)
    result = await hass.config_entries.flow.async_configure(
        flow_id, {"next_step_id": "gateway_owner_sticker"}
    )
    assert result["step_id"] == "gateway_owner_sticker"
    return flow_id


def sticker(sim: GatewaySimulator) -> dict[str, str]:
    """Login and Pass as printed (with hyphens)."""
    return {"login": sim.sticker.login, "password": sim.sticker.password}


async def owner_token(sim: GatewaySimulator, client_name: str = "curl") -> str:
    """A token issued to another app (as with curl from the K 40 RF guide)."""
    sim.owner.press()
    status, body = sim.owner.request(
        "application/x-www-form-urlencoded",
        {
            "grant_type": "password",
            "username": sim.sticker.login,
            "password": sim.sticker.password_plain,
            "client_name": client_name,
        },
    )
    assert status == 200
    assert isinstance(body, dict)
    sim.owner.pressed_at = None
    await sim._start_owner_api()
    return str(body["access_token"])


async def create_owner_entry(hass: HomeAssistant, sim: GatewaySimulator) -> Any:
    """The whole manual path; the created entry (set up)."""
    flow_id = await to_sticker(hass, sim)
    sim.press()
    result = await hass.config_entries.flow.async_configure(flow_id, sticker(sim))
    assert result["type"] is FlowResultType.CREATE_ENTRY, result
    await hass.async_block_till_done()
    return result["result"]


async def reauth(hass: HomeAssistant, entry: Any) -> Any:
    """Start the re-authentication of ``entry``."""
    return await hass.config_entries.flow.async_init(
        DOMAIN,
        context={"source": config_entries.SOURCE_REAUTH, "entry_id": entry.entry_id},
        data=dict(entry.data),
    )


async def reconfigure(hass: HomeAssistant, entry: Any) -> Any:
    """Start the reconfiguration of ``entry``."""
    return await hass.config_entries.flow.async_init(
        DOMAIN,
        context={
            "source": config_entries.SOURCE_RECONFIGURE,
            "entry_id": entry.entry_id,
        },
    )


# ---- the flow -------------------------------------------------------------------


async def test_owner_from_discovery_to_entities(
    hass: HomeAssistant, gateway_sim: GatewaySimulator
) -> None:
    """Owner announcement -> confirm -> owner -> sticker + press -> read-only entities."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN,
        context={"source": config_entries.SOURCE_ZEROCONF},
        data=owner_announcement(gateway_sim),
    )
    assert result["step_id"] == "gateway_discovery_confirm"
    assert result["description_placeholders"]["host"] == gateway_sim.host
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["type"] is FlowResultType.MENU
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "gateway_owner"}
    )
    # The announced address is tried at once: straight to the auth menu.
    assert result["step_id"] == "gateway_owner_auth"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "gateway_owner_sticker"}
    )
    assert result["data_schema"]({}) == {}  # all optional (QR or login/pass)
    gateway_sim.press()
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], sticker(gateway_sim)
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    entry = result["result"]
    assert entry.unique_id == f"{UUID}-owner"
    assert entry.title == f"Bosch K40RF {UUID}"
    assert entry.data["channel"] == "owner"
    assert entry.data["device_id"] == UUID
    assert entry.data["fingerprint"] == fingerprint(gateway_sim)
    assert entry.data["granted_scopes"] == "open_api.read"
    assert "password" not in entry.data
    assert entry.state is ConfigEntryState.LOADED
    # The token names Home Assistant in the gateway's list.
    assert [t.client_name for t in gateway_sim.owner.tokens] == [
        "Home Assistant (test home)"
    ]
    # Entities read over the owner channel; nothing can be written.
    states = [s for s in hass.states.async_all() if s.entity_id.startswith("climate.")]
    assert states
    assert all(s.attributes.get("supported_features", 0) & 1 == 0 for s in states)
    assert gateway_sim.faults.requests("/heatingCircuits")
    # What the circuits follow is shown as sensors instead (read-only).
    setpoint = gateway_sim.resources.leaves["/heatingCircuits/hc1/currentRoomSetpoint"]
    room = hass.states.get(f"sensor.bosch_k40rf_{UUID}_heating_circuit_1_room_setpoint")
    assert room is not None
    assert float(room.state) == setpoint["value"]
    assert hass.states.get(f"sensor.bosch_k40rf_{UUID}_hot_water_1_hot_water_setpoint")


async def test_both_announcements_are_one_discovery(
    hass: HomeAssistant, gateway_sim: GatewaySimulator
) -> None:
    """A gateway announces both channels: the user sees one discovered gateway."""
    first = await hass.config_entries.flow.async_init(
        DOMAIN,
        context={"source": config_entries.SOURCE_ZEROCONF},
        data=announcement(
            gateway_sim.host, gateway_sim.api_port, gateway_sim.auth_port
        ),
    )
    assert first["step_id"] == "gateway_discovery_confirm"
    second = await hass.config_entries.flow.async_init(
        DOMAIN,
        context={"source": config_entries.SOURCE_ZEROCONF},
        data=owner_announcement(gateway_sim),
    )
    assert second["type"] is FlowResultType.ABORT
    assert second["reason"] == "already_in_progress"
    assert len(hass.config_entries.flow.async_progress()) == 1
    # Discovered through the partner announcement, the owner channel still
    # works: its default ports on the announced host (here the simulator's).
    result = await hass.config_entries.flow.async_configure(first["flow_id"], {})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "gateway_owner"}
    )
    # 9442 is not this simulator's (a demo's gateway may answer there).
    assert result["step_id"] == "gateway_owner"
    assert result["errors"]["base"] in (
        "gateway_cannot_connect",
        "gateway_other_device",
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {
            "host": gateway_sim.host,
            "auth_port": gateway_sim.owner_auth_port,
            "api_port": gateway_sim.owner_api_port,
        },
    )
    assert result["step_id"] == "gateway_owner_auth"


async def test_owner_and_partner_entries_coexist_not_twice(
    hass: HomeAssistant,
    gateway_sim: GatewaySimulator,
    gateway_entry: MockConfigEntry,
) -> None:
    """A partner entry exists: an owner entry may be added by hand, not twice."""
    entry = await create_owner_entry(hass, gateway_sim)
    assert entry.unique_id == f"{UUID}-owner"
    # A second owner entry of the same gateway: refused before any token.
    flow = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": config_entries.SOURCE_USER}
    )
    flow = await hass.config_entries.flow.async_configure(
        flow["flow_id"], {"next_step_id": "gateway"}
    )
    flow = await hass.config_entries.flow.async_configure(
        flow["flow_id"], {"next_step_id": "gateway_owner"}
    )
    result = await hass.config_entries.flow.async_configure(
        flow["flow_id"],
        {
            "host": gateway_sim.host,
            "auth_port": gateway_sim.owner_auth_port,
            "api_port": gateway_sim.owner_api_port,
        },
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    # Announcements of either channel offer nothing new.
    for info in (
        owner_announcement(gateway_sim),
        announcement(gateway_sim.host, gateway_sim.api_port, gateway_sim.auth_port),
    ):
        result = await hass.config_entries.flow.async_init(
            DOMAIN, context={"source": config_entries.SOURCE_ZEROCONF}, data=info
        )
        assert result["type"] is FlowResultType.ABORT
        assert result["reason"] == "already_configured"


async def test_owner_announcement_of_partner_only_gateway_is_not_offered(
    hass: HomeAssistant,
    gateway_sim: GatewaySimulator,
    gateway_entry: MockConfigEntry,
) -> None:
    """The partner entry's gateway announces its owner channel: no new discovery."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN,
        context={"source": config_entries.SOURCE_ZEROCONF},
        data=owner_announcement(gateway_sim),
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


async def test_sticker_qr_text_pasted_whole(
    hass: HomeAssistant, gateway_sim: GatewaySimulator
) -> None:
    """The QR text replaces Login and Pass."""
    flow_id = await to_sticker(hass, gateway_sim)
    gateway_sim.press()
    result = await hass.config_entries.flow.async_configure(
        flow_id, {"sticker_qr": gateway_sim.sticker.qr}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"]["login"] == gateway_sim.sticker.login


async def test_qr_text_in_the_password_field(
    hass: HomeAssistant, gateway_sim: GatewaySimulator
) -> None:
    """Pasted into Pass, the QR text is read as one too."""
    flow_id = await to_sticker(hass, gateway_sim)
    gateway_sim.press()
    result = await hass.config_entries.flow.async_configure(
        flow_id, {"login": "ignored", "password": gateway_sim.sticker.qr}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        ({"login": UUID}, {"password": "gateway_owner_password_missing"}),
        ({"password": "abcd-efgh-ijkl-mnop"}, {"login": "gateway_owner_login_missing"}),
        (
            {"login": UUID, "password": "abc"},
            {"password": "gateway_owner_password_format"},
        ),
        (
            {"login": UUID, "password": "abcd-efgh-ijkl-mnö!"},
            {"password": "gateway_owner_password_format"},
        ),
        (
            {"login": "10104 2019", "password": "abcd-efgh-ijkl-mnop"},
            {"login": "gateway_owner_login_format"},
        ),
        ({"sticker_qr": "V:1;N:K40RF"}, {"sticker_qr": "gateway_owner_qr_invalid"}),
        (
            {"sticker_qr": "V:1;L:101042019;P:ab;N:K40RF"},
            {"sticker_qr": "gateway_owner_password_format"},
        ),
    ],
)
async def test_sticker_checked_before_any_request(
    hass: HomeAssistant,
    gateway_sim: GatewaySimulator,
    fields: dict[str, str],
    errors: dict[str, str],
) -> None:
    """What cannot be a sticker's is refused before the gateway is asked."""
    flow_id = await to_sticker(hass, gateway_sim)
    gateway_sim.press()
    result = await hass.config_entries.flow.async_configure(flow_id, fields)
    assert result["step_id"] == "gateway_owner_sticker"
    assert result["errors"] == errors
    assert gateway_sim.owner.requests == 0


async def test_wrong_password_keeps_login(
    hass: HomeAssistant, gateway_sim: GatewaySimulator
) -> None:
    """400 invalid_grant: an error on Pass; the login stays; then it works."""
    flow_id = await to_sticker(hass, gateway_sim)
    gateway_sim.press()
    result = await hass.config_entries.flow.async_configure(
        flow_id, {"login": gateway_sim.sticker.login, "password": "aaaa-bbbb-cccc-dddd"}
    )
    assert result["errors"] == {"password": "gateway_owner_invalid_grant"}
    suggested = {
        str(key): key.description["suggested_value"]
        for key in result["data_schema"].schema
        if key.description and "suggested_value" in key.description
    }
    assert suggested == {"login": gateway_sim.sticker.login}
    result = await hass.config_entries.flow.async_configure(
        flow_id, sticker(gateway_sim)
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_no_press_and_other_subnet_are_412(
    hass: HomeAssistant, gateway_sim: GatewaySimulator
) -> None:
    """Without the press, or from another subnet: the proximity explanation."""
    flow_id = await to_sticker(hass, gateway_sim)
    result = await hass.config_entries.flow.async_configure(
        flow_id, sticker(gateway_sim)
    )
    assert result["errors"] == {"base": "gateway_owner_proximity"}
    gateway_sim.owner.same_subnet = False
    gateway_sim.press()
    result = await hass.config_entries.flow.async_configure(
        flow_id, sticker(gateway_sim)
    )
    assert result["errors"] == {"base": "gateway_owner_proximity"}
    assert gateway_sim.owner.tokens == []


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (401, "gateway_owner_unauthorized"),
        (403, "gateway_owner_forbidden"),
        (415, "gateway_token_rejected_415"),
        (418, "gateway_unknown"),
        (503, "gateway_cannot_connect"),
    ],
)
async def test_token_refusals_explained(
    hass: HomeAssistant, gateway_sim: GatewaySimulator, status: int, error: str
) -> None:
    """Each refusal of the document has its own message."""
    flow_id = await to_sticker(hass, gateway_sim)
    gateway_sim.faults.set("/auth/token", Fault(status=status))
    gateway_sim.press()
    result = await hass.config_entries.flow.async_configure(
        flow_id, sticker(gateway_sim)
    )
    assert result["errors"] == {"base": error}


async def test_token_answer_without_token(
    hass: HomeAssistant, gateway_sim: GatewaySimulator
) -> None:
    """A 200 without access_token is not a token."""
    flow_id = await to_sticker(hass, gateway_sim)
    gateway_sim.faults.set("/auth/token", Fault(status=200))
    gateway_sim.press()
    result = await hass.config_entries.flow.async_configure(
        flow_id, sticker(gateway_sim)
    )
    assert result["errors"] == {"base": "gateway_owner_bad_answer"}


async def test_database_full_revoke_one_then_paired(
    hass: HomeAssistant, gateway_sim: GatewaySimulator
) -> None:
    """507: a token of another app lists the tokens; one is revoked; paired."""
    other = await owner_token(gateway_sim, "eu-dataact")
    await owner_token(gateway_sim, "old-tablet")
    gateway_sim.owner.max_tokens = 2
    flow_id = await to_sticker(hass, gateway_sim)
    gateway_sim.press()
    result = await hass.config_entries.flow.async_configure(
        flow_id, sticker(gateway_sim)
    )
    assert result["step_id"] == "gateway_owner_full"
    result = await hass.config_entries.flow.async_configure(
        flow_id, {"token": "not-a-token-of-this-gateway"}
    )
    assert result["errors"] == {"token": "gateway_owner_token_not_accepted"}
    result = await hass.config_entries.flow.async_configure(flow_id, {"token": other})
    assert result["step_id"] == "gateway_owner_revoke"
    options = result["data_schema"].schema["token_id"].config["options"]
    labels = [o["label"] for o in options]
    assert labels[0].startswith("eu-dataact (#1")
    assert labels[1].startswith("old-tablet (#2")
    result = await hass.config_entries.flow.async_configure(flow_id, {"token_id": "2"})
    assert result["type"] is FlowResultType.CREATE_ENTRY, result
    assert [t.client_name for t in gateway_sim.owner.tokens] == [
        "eu-dataact",
        "Home Assistant (test home)",
    ]
    # The token used for listing was not kept.
    assert result["data"]["token"] != other


async def test_database_full_press_window_over(
    hass: HomeAssistant, gateway_sim: GatewaySimulator
) -> None:
    """Revoked after the window closed: back to the sticker form, press again."""
    other = await owner_token(gateway_sim)
    gateway_sim.owner.max_tokens = 1
    flow_id = await to_sticker(hass, gateway_sim)
    gateway_sim.press()
    await hass.config_entries.flow.async_configure(flow_id, sticker(gateway_sim))
    await hass.config_entries.flow.async_configure(flow_id, {"token": other})
    gateway_sim.owner.pressed_at = None  # five minutes later
    result = await hass.config_entries.flow.async_configure(flow_id, {"token_id": "1"})
    assert result["step_id"] == "gateway_owner_sticker"
    assert result["errors"] == {"base": "gateway_owner_proximity"}
    assert gateway_sim.owner.tokens == []
    gateway_sim.press()
    result = await hass.config_entries.flow.async_configure(
        flow_id, sticker(gateway_sim)
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_pasted_token(hass: HomeAssistant, gateway_sim: GatewaySimulator) -> None:
    """Home Assistant in another network: a token the owner has is checked and kept."""
    token = await owner_token(gateway_sim)
    flow_id = await to_owner_auth(hass, gateway_sim)
    result = await hass.config_entries.flow.async_configure(
        flow_id, {"next_step_id": "gateway_owner_paste"}
    )
    result = await hass.config_entries.flow.async_configure(flow_id, {"token": "wrong"})
    assert result["errors"] == {"token": "gateway_owner_token_not_accepted"}
    result = await hass.config_entries.flow.async_configure(
        flow_id, {"token": "two\nlines"}
    )
    assert result["errors"] == {"token": "gateway_owner_token_format"}
    result = await hass.config_entries.flow.async_configure(
        flow_id, {"token": f"  {token} "}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"]["token"] == token
    assert gateway_sim.owner.requests == 1  # only the one of owner_token


async def test_pasted_token_resource_port_closed(
    hass: HomeAssistant, gateway_sim: GatewaySimulator
) -> None:
    """9443 does not listen before the first token: explained, not a traceback."""
    flow_id = await to_owner_auth(hass, gateway_sim)
    await hass.config_entries.flow.async_configure(
        flow_id, {"next_step_id": "gateway_owner_paste"}
    )
    result = await hass.config_entries.flow.async_configure(
        flow_id, {"token": "something"}
    )
    assert result["errors"] == {"base": "gateway_owner_resource_port"}


async def test_announced_device_must_answer(
    hass: HomeAssistant, gateway_sim: GatewaySimulator
) -> None:
    """Another device at the announced address: refused before any secret."""
    gateway_sim.impersonate("other_device")
    result = await hass.config_entries.flow.async_init(
        DOMAIN,
        context={"source": config_entries.SOURCE_ZEROCONF},
        data=owner_announcement(gateway_sim),
    )
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "gateway_owner"}
    )
    assert result["step_id"] == "gateway_owner"
    assert result["errors"] == {"base": "gateway_other_device"}


@pytest.mark.parametrize(
    ("name", "txt"),
    [
        ("K40RF-999999999", {}),
        ("Heizung", {"uuid": None}),
        (None, {"authport": "99999"}),
        (None, {"uuid": "12 34"}),
        (None, {"brand": "x" * 300}),
    ],
)
async def test_bad_owner_announcements(
    hass: HomeAssistant,
    gateway_sim: GatewaySimulator,
    name: str | None,
    txt: dict[str, str | None],
) -> None:
    """An announcement that is not a gateway's is refused, not followed."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN,
        context={"source": config_entries.SOURCE_ZEROCONF},
        data=owner_announcement(gateway_sim, name=name, **txt),
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "gateway_invalid_announcement"


async def test_sparse_owner_announcement(
    hass: HomeAssistant, gateway_sim: GatewaySimulator
) -> None:
    """Only the instance name: the device from it, the documented token port."""
    info = owner_announcement(
        gateway_sim, uuid=None, authport=None, model=None, brand=None
    )
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": config_entries.SOURCE_ZEROCONF}, data=info
    )
    assert result["step_id"] == "gateway_discovery_confirm"
    flows = hass.config_entries.flow.async_progress()
    assert flows[0]["context"]["title_placeholders"] == {"name": UUID}
    assert flows[0]["context"]["unique_id"] == UUID
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "gateway_owner"}
    )
    # 9442 is not where this simulator listens (a demo may, as another
    # device): the address form, prefilled, says so.
    assert result["step_id"] == "gateway_owner"
    assert result["errors"]["base"] in (
        "gateway_cannot_connect",
        "gateway_other_device",
    )


# ---- the pinned certificate ------------------------------------------------------------


async def test_changed_certificate_stops_the_token_then_accepted(
    hass: HomeAssistant, gateway_sim: GatewaySimulator
) -> None:
    """A new certificate: no token sent, repair issue, re-pairing accepts it."""
    entry = await create_owner_entry(hass, gateway_sim)
    old_pin = entry.data["fingerprint"]
    coordinator = entry.runtime_data.coordinator
    gateway_sim.renew_owner_certificate()
    before = len(gateway_sim.faults.log)
    await coordinator.async_refresh()
    await hass.async_block_till_done()
    # Nothing reached the gateway: the handshake failed before a request.
    assert len(gateway_sim.faults.log) == before
    issue = ir.async_get(hass).async_get_issue(
        DOMAIN, f"gateway_identity_{entry.entry_id}"
    )
    assert issue is not None
    assert issue.translation_key == "gateway_owner_certificate_changed"
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    reauth = [f for f in flows if f["context"]["source"] == "reauth"]
    assert reauth
    flow_id = reauth[0]["flow_id"]
    result = await hass.config_entries.flow.async_configure(flow_id, None)
    assert result["step_id"] == "gateway_owner_reauth_confirm", result
    placeholders = result["description_placeholders"]
    assert placeholders["pinned"] == format_fingerprint(old_pin)
    assert placeholders["fingerprint"] == format_fingerprint(fingerprint(gateway_sim))
    # Without a press (the one of the pairing is long over): not accepted.
    gateway_sim.owner.pressed_at = None
    result = await hass.config_entries.flow.async_configure(
        flow_id, sticker(gateway_sim)
    )
    assert result.get("errors") == {"base": "gateway_owner_proximity"}, result
    gateway_sim.press()
    result = await hass.config_entries.flow.async_configure(
        flow_id, sticker(gateway_sim)
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    await hass.async_block_till_done()
    assert entry.data["fingerprint"] == fingerprint(gateway_sim) != old_pin
    assert entry.state is ConfigEntryState.LOADED
    assert (
        ir.async_get(hass).async_get_issue(DOMAIN, f"gateway_identity_{entry.entry_id}")
        is None
    )


async def test_reconfigure_owner_address(
    hass: HomeAssistant, gateway_sim: GatewaySimulator, host_names: None
) -> None:
    """Another address: kept only where the pinned certificate answers."""
    entry = await create_owner_entry(hass, gateway_sim)
    result = await reconfigure(hass, entry)
    assert result["step_id"] == "gateway_owner_reconfigure"
    gateway_sim.renew_owner_certificate()
    address = {
        "host": "localhost",
        "auth_port": gateway_sim.owner_auth_port,
        "api_port": gateway_sim.owner_api_port,
    }
    result = await hass.config_entries.flow.async_configure(result["flow_id"], address)
    assert result["errors"] == {"base": "gateway_owner_certificate_changed"}
    assert entry.data["host"] == gateway_sim.host


async def test_reconfigure_owner_address_proven(
    hass: HomeAssistant, gateway_sim: GatewaySimulator, host_names: None
) -> None:
    """The pinned certificate at the new address: the entry moves."""
    entry = await create_owner_entry(hass, gateway_sim)
    result = await reconfigure(hass, entry)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {
            "host": "localhost",
            "auth_port": gateway_sim.owner_auth_port,
            "api_port": gateway_sim.owner_api_port,
        },
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert entry.data["host"] == "localhost"


async def test_owner_announcement_moves_entry_only_when_proven(
    hass: HomeAssistant, gateway_sim: GatewaySimulator, host_names: None
) -> None:
    """The owner entry follows an announcement whose address proves the pin."""
    entry = await create_owner_entry(hass, gateway_sim)
    moved = owner_announcement(gateway_sim)
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": config_entries.SOURCE_ZEROCONF}, data=moved
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert entry.data["host"] == gateway_sim.host


# ---- parsing ----------------------------------------------------------------------------


def test_parse_sticker_qr() -> None:
    """The QR text of the label; hyphens go; missing parts are refused."""
    assert parse_sticker_qr(
        "V:1;L:101042019;P:ab12-CD34-ef56-GH78;MAC:00:11;N:K40RF"
    ) == (
        "101042019",
        "ab12CD34ef56GH78",
    )
    assert parse_sticker_qr(" v:1; l:1 ; p:abcd efgh ") == ("1", "abcdefgh")
    for text in ("", "V:1", "L:1;", "P:x", "garbage"):
        with pytest.raises(StickerError):
            parse_sticker_qr(text)


def test_sticker_credentials_normalised() -> None:
    """Blanks and hyphens removed; the QR wins over the fields."""
    assert sticker_credentials(
        {"login": " 101042019 ", "password": "ab12 - CD34-ef56-GH78"}
    ) == ("101042019", "ab12CD34ef56GH78")
    assert sticker_credentials(
        {"login": "x", "password": "y", "sticker_qr": "V:1;L:7;P:abcdefgh"}
    ) == ("7", "abcdefgh")


def test_parse_owner_txt() -> None:
    """TXT of the owner announcement, bytes or text; the instance name must agree."""
    txt = {
        b"model": b"K40RF",
        b"brand": b"Buderus",
        b"uuid": b"42",
        b"authport": b"9442",
    }
    parsed = parse_owner_txt(txt, "K40RF-42._hvac-open-api._tcp.local.")
    assert (parsed.uuid, parsed.brand, parsed.authport, parsed.serial) == (
        "42",
        "Buderus",
        9442,
        "",
    )
    # A renamed instance (name conflict) still names the device.
    assert parse_owner_txt(txt, "K40RF-42 (2)._hvac-open-api._tcp.local.").uuid == "42"
    # Another instance form says nothing about the device.
    assert parse_owner_txt(txt, "Heizung._hvac-open-api._tcp.local.").uuid == "42"


async def test_owner_diagnostics_redacted(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    gateway_sim: GatewaySimulator,
) -> None:
    """The owner token, device id, login and pin never leave; no password stored."""
    entry = await create_owner_entry(hass, gateway_sim)
    assert await async_setup_component(hass, "diagnostics", {})
    result = await get_diagnostics_for_config_entry(hass, hass_client, entry)
    text = json.dumps(result)
    for secret in (
        entry.data["token"],
        entry.data["fingerprint"],
        gateway_sim.sticker.password,
        gateway_sim.sticker.password_plain,
    ):
        assert secret not in text
    data = result["entry"]["data"] if "entry" in result else result["data"]
    assert data["device_id"] == "**REDACTED**"
    assert data["login"] == "**REDACTED**"
    assert data["channel"] == "owner"


# ---- what else can go wrong in the flow ------------------------------------------------


async def test_address_of_a_server_naming_no_device(
    hass: HomeAssistant, gateway_sim: GatewaySimulator, tmp_path: Path
) -> None:
    """A certificate without a device id: refused, nothing sent."""
    from aiohttp import web

    from tests.gateway.test_impostor import _nameless_server

    listener = TlsListener(
        web.Application(), _nameless_server(tmp_path, gateway_sim.pki.bosch_root)
    )
    await listener.start()
    try:
        result = await _owner_address(hass, "127.0.0.1", listener.port, listener.port)
        assert result["errors"] == {"base": "gateway_no_device_id"}
    finally:
        await listener.stop()


async def test_address_of_the_partner_port(
    hass: HomeAssistant, gateway_sim: GatewaySimulator
) -> None:
    """The partner port asks for a client certificate: a TLS failure, explained."""
    result = await _owner_address(
        hass, gateway_sim.host, gateway_sim.auth_port, gateway_sim.api_port
    )
    assert result["errors"] == {"base": "gateway_tls_failed"}


async def test_client_name_of_a_home_called_home(
    hass: HomeAssistant, gateway_sim: GatewaySimulator
) -> None:
    """Home Assistant's default home name adds nothing to the token's name."""
    hass.config.location_name = "Home"
    await create_owner_entry(hass, gateway_sim)
    assert [t.client_name for t in gateway_sim.owner.tokens] == ["Home Assistant"]


async def test_names_unreadable_after_pairing(
    hass: HomeAssistant, gateway_sim: GatewaySimulator
) -> None:
    """The token is good even when the names cannot be read: the entry is made."""
    flow_id = await to_sticker(hass, gateway_sim)
    gateway_sim.faults.set("/gateway", Fault(status=500, count=3))
    gateway_sim.press()
    result = await hass.config_entries.flow.async_configure(
        flow_id, sticker(gateway_sim)
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Bosch 101042019"


async def test_pasted_token_other_failures(
    hass: HomeAssistant, gateway_sim: GatewaySimulator
) -> None:
    """An oversized answer while checking a pasted token: explained."""
    token = await owner_token(gateway_sim)
    flow_id = await to_owner_auth(hass, gateway_sim)
    await hass.config_entries.flow.async_configure(
        flow_id, {"next_step_id": "gateway_owner_paste"}
    )
    gateway_sim.faults.set("/gateway", Fault(oversize=200_000))
    result = await hass.config_entries.flow.async_configure(flow_id, {"token": token})
    assert result["errors"] == {"base": "gateway_answer_too_large"}
    gateway_sim.faults.set("/gateway", Fault(status=200))
    result = await hass.config_entries.flow.async_configure(flow_id, {"token": token})
    assert result["errors"] == {"base": "gateway_owner_bad_answer"}
    gateway_sim.faults.set("/gateway", Fault(status=302))
    result = await hass.config_entries.flow.async_configure(flow_id, {"token": token})
    assert result["errors"] == {"base": "gateway_unknown"}


async def to_full_list(hass: HomeAssistant, sim: GatewaySimulator) -> tuple[str, str]:
    """A full token list (one place, taken by another app): its token, the flow."""
    other = await owner_token(sim)
    sim.owner.max_tokens = 1
    flow_id = await to_sticker(hass, sim)
    sim.press()
    result = await hass.config_entries.flow.async_configure(flow_id, sticker(sim))
    assert result["step_id"] == "gateway_owner_full"
    return other, flow_id


async def test_full_list_failures(
    hass: HomeAssistant, gateway_sim: GatewaySimulator
) -> None:
    """The token list: empty token, bad answer, unreachable, empty list."""
    other, flow_id = await to_full_list(hass, gateway_sim)
    result = await hass.config_entries.flow.async_configure(flow_id, {"token": " "})
    assert result["errors"] == {"token": "gateway_owner_token_not_accepted"}
    real_listing = gateway_sim.owner.listing
    gateway_sim.owner.listing = lambda authorization: (200, {"no": "list"})  # type: ignore[method-assign]
    result = await hass.config_entries.flow.async_configure(flow_id, {"token": other})
    assert result["errors"] == {"base": "gateway_owner_bad_answer"}
    gateway_sim.owner.listing = lambda authorization: (200, [])  # type: ignore[method-assign]
    result = await hass.config_entries.flow.async_configure(flow_id, {"token": other})
    assert result["errors"] == {"base": "gateway_owner_no_tokens_listed"}
    gateway_sim.owner.listing = real_listing  # type: ignore[method-assign]
    gateway_sim.faults.set("/auth/token", Fault(status=503, count=1))
    result = await hass.config_entries.flow.async_configure(flow_id, {"token": other})
    assert result["errors"] == {"base": "gateway_cannot_connect"}


async def test_revoke_failures(
    hass: HomeAssistant, gateway_sim: GatewaySimulator
) -> None:
    """Revoking: the gateway fails, or the listing token was revoked meanwhile."""
    other, flow_id = await to_full_list(hass, gateway_sim)
    result = await hass.config_entries.flow.async_configure(flow_id, {"token": other})
    assert result["step_id"] == "gateway_owner_revoke"
    gateway_sim.faults.set("/auth/revoke", Fault(status=503, count=1))
    result = await hass.config_entries.flow.async_configure(flow_id, {"token_id": "1"})
    assert result["errors"] == {"base": "gateway_cannot_connect"}
    gateway_sim.owner.tokens.clear()  # another app revoked it meanwhile
    result = await hass.config_entries.flow.async_configure(flow_id, {"token_id": "1"})
    assert result["errors"] == {"base": "gateway_owner_token_not_accepted"}


async def test_reauth_gateway_gone_and_bad_input(
    hass: HomeAssistant, gateway_sim: GatewaySimulator
) -> None:
    """Re-pairing: an unreachable gateway aborts; a bad Pass is refused first."""
    entry = await create_owner_entry(hass, gateway_sim)
    result = await reauth(hass, entry)
    assert result["step_id"] == "gateway_owner_reauth_confirm"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"login": UUID, "password": "x"}
    )
    assert result["errors"] == {"password": "gateway_owner_password_format"}
    hass.config_entries.flow.async_abort(result["flow_id"])
    gateway_sim.impersonate("other_device")
    result = await reauth(hass, entry)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "gateway_owner_reauth_unreachable"


async def test_reconfigure_with_a_revoked_token(
    hass: HomeAssistant, gateway_sim: GatewaySimulator
) -> None:
    """The stored token no longer accepted at the address: explained."""
    entry = await create_owner_entry(hass, gateway_sim)
    gateway_sim.owner.tokens.clear()
    result = await reconfigure(hass, entry)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {
            "host": gateway_sim.host,
            "auth_port": gateway_sim.owner_auth_port,
            "api_port": gateway_sim.owner_api_port,
        },
    )
    assert result["errors"] == {"base": "gateway_token_not_accepted"}


async def test_owner_announcement_at_a_new_port_is_proven(
    hass: HomeAssistant,
    gateway_sim: GatewaySimulator,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Moved: the pinned handshake at the announced token port decides."""
    from custom_components.bosch_connect.gateway import flow as gateway_flow

    monkeypatch.setattr(gateway_flow, "PROVE_RETRY_DELAYS", (0.0,))
    entry = await create_owner_entry(hass, gateway_sim)
    moved = owner_announcement(gateway_sim)
    moved.port = gateway_sim.owner_api_port + 1
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": config_entries.SOURCE_ZEROCONF}, data=moved
    )
    assert result["reason"] == "already_configured"
    assert entry.data["api_port"] == gateway_sim.owner_api_port + 1
    # Another certificate there: the entry stays, a repair issue says so.
    gateway_sim.renew_owner_certificate()
    back = owner_announcement(gateway_sim)
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": config_entries.SOURCE_ZEROCONF}, data=back
    )
    assert result["reason"] == "gateway_address_unproven"
    assert entry.data["api_port"] == gateway_sim.owner_api_port + 1
    assert ir.async_get(hass).async_get_issue(
        DOMAIN, f"gateway_identity_{entry.entry_id}"
    )


async def test_owner_entry_without_pin_is_not_moved(
    hass: HomeAssistant, gateway_sim: GatewaySimulator
) -> None:
    """An owner entry that cannot prove anything keeps its address."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Bosch K40RF",
        unique_id=f"{UUID}-owner",
        data={
            "service": "gateway",
            "channel": "owner",
            "host": "192.0.2.7",
            "api_port": 9443,
            "auth_port": 9442,
            "token": "t",
        },
    )
    entry.add_to_hass(hass)
    result = await hass.config_entries.flow.async_init(
        DOMAIN,
        context={"source": config_entries.SOURCE_ZEROCONF},
        data=owner_announcement(gateway_sim),
    )
    assert result["reason"] == "already_configured"
    assert entry.data["host"] == "192.0.2.7"
