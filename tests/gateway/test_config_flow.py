"""Every path of the gateway config flow, against the simulator over real TLS."""

from __future__ import annotations

import datetime as dt
from typing import Any
from unittest.mock import patch

from homeassistant import config_entries
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers.service_info.zeroconf import ZeroconfServiceInfo
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.bosch_connect.const import DOMAIN
from custom_components.bosch_connect.gateway.errors import (
    GatewayTlsError,
    ValueFormatError,
)
from simulator.faults import Fault
from simulator.gateway import GatewaySimulator
from simulator.gateway.tokens import DEMO_CLIENT_ID, READ_ONLY_CLIENT_ID
from simulator.pki import issue
from tests.gateway.conftest import announcement

UUID = "101042019"
SERIAL = "99994370000527738114013"


def _credentials(creds: dict[str, str], **changes: str) -> dict[str, Any]:
    return {
        "client_id": DEMO_CLIENT_ID,
        "client_name": "Home Assistant",
        **creds,
        **changes,
    }


def _discovery(sim: GatewaySimulator, **txt: str | None) -> ZeroconfServiceInfo:
    return announcement(sim.host, sim.api_port, sim.auth_port, **txt)


async def _to_credentials(hass: HomeAssistant, sim: GatewaySimulator) -> str:
    """Manual path up to the credentials step; returns the flow id."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": config_entries.SOURCE_USER}
    )
    assert result["type"] is FlowResultType.MENU
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "gateway"}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "gateway_partner"}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "gateway_partner"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {"host": sim.host, "api_port": sim.api_port, "auth_port": sim.auth_port},
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "gateway_credentials"
    return result["flow_id"]


async def _to_proximity(
    hass: HomeAssistant,
    sim: GatewaySimulator,
    creds: dict[str, str],
    **changes: str,
) -> str:
    flow_id = await _to_credentials(hass, sim)
    result = await hass.config_entries.flow.async_configure(
        flow_id, _credentials(creds, **changes)
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "gateway_proximity"
    return flow_id


async def test_back_from_the_press_step(
    hass: HomeAssistant,
    gateway_sim: GatewaySimulator,
    gateway_credentials: dict[str, str],
) -> None:
    """From the press step back to the credentials: kept as typed (not the key)."""
    flow_id = await _to_proximity(
        hass, gateway_sim, gateway_credentials, client_name="Wohnzimmer"
    )
    result = await hass.config_entries.flow.async_configure(
        flow_id, {"change_entries": True}
    )
    assert result["step_id"] == "gateway_credentials"
    assert result["errors"] == {}
    suggested = {
        str(key): key.description["suggested_value"]
        for key in result["data_schema"].schema
        if key.description and "suggested_value" in key.description
    }
    assert suggested["client_name"] == "Wohnzimmer"
    assert suggested["client_id"] == DEMO_CLIENT_ID
    assert "client_key" not in suggested
    # Nothing was asked of the token endpoint.
    assert gateway_sim.tokens.requests == 0
    result = await hass.config_entries.flow.async_configure(
        flow_id, _credentials(gateway_credentials)
    )
    assert result["step_id"] == "gateway_proximity"
    gateway_sim.press()
    result = await hass.config_entries.flow.async_configure(flow_id, {})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"]["client_name"] == "Home Assistant"


async def test_manual_flow_creates_entry(
    hass: HomeAssistant,
    gateway_sim: GatewaySimulator,
    gateway_credentials: dict[str, str],
) -> None:
    """Host by hand, credentials, a press that is missing, then one that works."""
    flow_id = await _to_proximity(
        hass,
        gateway_sim,
        gateway_credentials,
        scopes="service.read, service.level1.write",
    )
    # Submitting without pressing the buttons: the gateway answers 412.
    result = await hass.config_entries.flow.async_configure(flow_id, {})
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "gateway_proximity"
    assert result["errors"] == {"base": "gateway_proximity_required"}
    assert gateway_sim.token_count == 0

    gateway_sim.press()
    result = await hass.config_entries.flow.async_configure(flow_id, {})
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.CREATE_ENTRY
    # Named by the device, not by its address: brand and model as the gateway
    # reports them (/gateway/brand, /system/basicInfo) and the device id that
    # its certificate names.
    assert result["title"] == f"Bosch K40RF {UUID}"
    assert gateway_sim.host not in result["title"]
    await hass.async_block_till_done()
    # ... and so are its entities.
    assert hass.states.get(f"climate.bosch_k40rf_{UUID}_heating_circuit_1") is not None
    assert not [e for e in hass.states.async_entity_ids() if "127_0_0_1" in e]
    assert result["result"].unique_id == UUID
    data = result["data"]
    assert data["service"] == "gateway"
    assert data["token"] == gateway_sim.tokens.tokens[0].access_token
    assert data["scopes"] == "service.read service.level1.write"
    assert data["granted_scopes"] == "service.read service.level1.write"
    assert data["serial"] == SERIAL
    assert data["api_port"] == gateway_sim.api_port
    assert gateway_sim.token_count == 1
    assert gateway_sim.tokens.tokens[0].scope == "service.read service.level1.write"
    assert result["result"].state is ConfigEntryState.LOADED


async def test_manual_flow_aborts_for_known_address(
    hass: HomeAssistant, gateway_sim: GatewaySimulator, gateway_entry: MockConfigEntry
) -> None:
    """The same host and port again: abort before anything is spent."""
    tokens = gateway_sim.token_count
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": config_entries.SOURCE_USER}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "gateway"}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "gateway_partner"}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {
            "host": gateway_sim.host,
            "api_port": gateway_sim.api_port,
            "auth_port": gateway_sim.auth_port,
        },
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert gateway_sim.token_count == tokens


async def test_manual_flow_refuses_known_gateway_at_new_address(
    hass: HomeAssistant,
    gateway_sim: GatewaySimulator,
    gateway_credentials: dict[str, str],
) -> None:
    """A gateway known under another address: refused before a token is spent.

    The certificate names the device (the entry's unique id): the same gateway
    is not added twice. The entry keeps its address (Reconfigure changes it).
    """
    data = {"service": "gateway", "host": "192.0.2.1", "api_port": 1, "auth_port": 2}
    entry = MockConfigEntry(domain=DOMAIN, unique_id=UUID, data=data)
    entry.add_to_hass(hass)
    flow_id = await _to_credentials(hass, gateway_sim)
    gateway_sim.press()
    result = await hass.config_entries.flow.async_configure(
        flow_id, _credentials(gateway_credentials)
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert dict(entry.data) == data
    assert gateway_sim.token_count == 0
    assert gateway_sim.faults.log == []  # a handshake only: nothing was sent


async def test_entry_created_when_names_cannot_be_read(
    hass: HomeAssistant,
    gateway_sim: GatewaySimulator,
    gateway_credentials: dict[str, str],
) -> None:
    """The token is spent: a failure reading the names does not lose it."""
    flow_id = await _to_proximity(hass, gateway_sim, gateway_credentials)
    gateway_sim.faults.set("/gateway/", Fault(status=503))
    gateway_sim.press()
    result = await hass.config_entries.flow.async_configure(flow_id, {})
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.CREATE_ENTRY
    # The device the certificate names (checked before the token was sent).
    assert result["result"].unique_id == UUID
    assert result["data"]["token"] == gateway_sim.tokens.tokens[0].access_token


async def test_manual_entry_of_gateway_without_uuid_resource(
    hass: HomeAssistant,
    gateway_sim: GatewaySimulator,
    gateway_credentials: dict[str, str],
) -> None:
    """A gateway without /gateway/uuid: the certificate names the device."""
    gateway_sim.remove("/gateway/uuid")
    flow_id = await _to_proximity(hass, gateway_sim, gateway_credentials)
    gateway_sim.press()
    result = await hass.config_entries.flow.async_configure(flow_id, {})
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["result"].unique_id == UUID
    assert result["data"]["brand"] == "Bosch"
    assert result["result"].state is ConfigEntryState.LOADED


def _expired(sim: GatewaySimulator) -> tuple[str, str]:
    past = dt.datetime.now(dt.UTC) - dt.timedelta(days=10)
    cert = issue(
        "expired client",
        issuer=sim.pki.partner_root,
        client=True,
        not_before=past - dt.timedelta(days=365),
        not_after=past,
    )
    return cert.cert_pem, cert.key_pem


@pytest.mark.parametrize(
    ("case", "field", "error"),
    [
        ("garbage_cert", "client_cert", "gateway_malformed_pem"),
        ("garbage_key", "client_key", "gateway_malformed_pem"),
        ("garbage_root", "root_cert", "gateway_malformed_pem"),
        ("other_key", "client_key", "gateway_key_mismatch"),
        ("expired", "client_cert", "gateway_certificate_expired"),
    ],
)
async def test_credentials_checked_before_connecting(  # noqa: PLR0917
    hass: HomeAssistant,
    gateway_sim: GatewaySimulator,
    gateway_credentials: dict[str, str],
    case: str,
    field: str,
    error: str,
) -> None:
    """Each kind of bad PEM gets its own error on its own field."""
    creds = dict(gateway_credentials)
    if case == "garbage_cert":
        creds["client_cert"] = (
            "-----BEGIN CERTIFICATE-----\nnope\n-----END CERTIFICATE-----"
        )
    elif case == "garbage_key":
        creds["client_key"] = "not a key"
    elif case == "garbage_root":
        creds["root_cert"] = "hello"
    elif case == "other_key":
        creds["client_key"] = gateway_sim.pki.rogue_client.key_pem
    else:
        creds["client_cert"], creds["client_key"] = _expired(gateway_sim)
    flow_id = await _to_credentials(hass, gateway_sim)
    requests = len(gateway_sim.faults.log)
    result = await hass.config_entries.flow.async_configure(
        flow_id, _credentials(creds)
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "gateway_credentials"
    assert result["errors"] == {field: error}
    assert len(gateway_sim.faults.log) == requests  # nothing was sent

    # Correcting the field moves on.
    result = await hass.config_entries.flow.async_configure(
        flow_id, _credentials(gateway_credentials)
    )
    assert result["step_id"] == "gateway_proximity"


async def test_credentials_that_openssl_refuses(
    hass: HomeAssistant,
    gateway_sim: GatewaySimulator,
    gateway_credentials: dict[str, str],
) -> None:
    """A pair that parses but that OpenSSL will not load is reported on the key."""
    flow_id = await _to_credentials(hass, gateway_sim)
    with patch(
        "custom_components.bosch_connect.gateway.flow.build_ssl_context",
        side_effect=GatewayTlsError("cannot load"),
    ):
        result = await hass.config_entries.flow.async_configure(
            flow_id, _credentials(gateway_credentials)
        )
    assert result["errors"] == {"client_key": "gateway_key_mismatch"}


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"client_id": "unknown-client"}, "gateway_invalid_client"),
        (
            {"client_id": READ_ONLY_CLIENT_ID, "scopes": "service.level1.write"},
            "gateway_invalid_client",
        ),
        ({"client_name": ""}, "gateway_token_rejected_400"),
        ({"client_id": ""}, "gateway_token_rejected_500"),
    ],
)
async def test_token_refusals(
    hass: HomeAssistant,
    gateway_sim: GatewaySimulator,
    gateway_credentials: dict[str, str],
    changes: dict[str, str],
    error: str,
) -> None:
    """The gateway's refusals, each with a message naming the cause."""
    flow_id = await _to_proximity(hass, gateway_sim, gateway_credentials, **changes)
    gateway_sim.press()
    result = await hass.config_entries.flow.async_configure(flow_id, {})
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "gateway_proximity"
    assert result["errors"] == {"base": error}
    assert gateway_sim.token_count == 0


@pytest.mark.parametrize(
    ("fault", "error"),
    [
        (Fault(status=415), "gateway_token_rejected_415"),
        (Fault(status=418), "gateway_unknown"),
        (Fault(status=503), "gateway_cannot_connect"),
        (Fault(drop=True), "gateway_cannot_connect"),
    ],
)
async def test_token_request_faults(
    hass: HomeAssistant,
    gateway_sim: GatewaySimulator,
    gateway_credentials: dict[str, str],
    fault: Fault,
    error: str,
) -> None:
    """Answers the client cannot provoke by itself (content type, server faults)."""
    flow_id = await _to_proximity(hass, gateway_sim, gateway_credentials)
    gateway_sim.faults.set("/auth/token", fault)
    gateway_sim.press()
    result = await hass.config_entries.flow.async_configure(flow_id, {})
    assert result["errors"] == {"base": error}


async def test_tls_refused(
    hass: HomeAssistant,
    gateway_sim: GatewaySimulator,
    gateway_credentials: dict[str, str],
) -> None:
    """A client certificate from a root the gateway does not trust.

    The handshake that identifies the gateway fails when the credentials are
    entered, before the button press.
    """
    rogue = gateway_sim.pki.rogue_client
    flow_id = await _to_credentials(hass, gateway_sim)
    result = await hass.config_entries.flow.async_configure(
        flow_id,
        _credentials(
            gateway_credentials, client_cert=rogue.cert_pem, client_key=rogue.key_pem
        ),
    )
    assert result["step_id"] == "gateway_credentials"
    assert result["errors"] == {"base": "gateway_tls_failed"}
    assert gateway_sim.token_count == 0


async def test_gateway_certificate_not_from_bosch_root(
    hass: HomeAssistant,
    gateway_sim: GatewaySimulator,
    gateway_credentials: dict[str, str],
) -> None:
    """Home Assistant refuses a gateway whose certificate another root issued."""
    flow_id = await _to_credentials(hass, gateway_sim)
    gateway_sim.press()
    result = await hass.config_entries.flow.async_configure(
        flow_id,
        _credentials(
            gateway_credentials, root_cert=gateway_sim.pki.rogue_bosch_root.cert_pem
        ),
    )
    assert result["step_id"] == "gateway_credentials"
    assert result["errors"] == {"base": "gateway_tls_failed"}
    assert gateway_sim.tokens.requests == 0  # refused before sending anything
    assert gateway_sim.faults.log == []


async def test_unreachable(
    hass: HomeAssistant,
    gateway_sim: GatewaySimulator,
    gateway_credentials: dict[str, str],
) -> None:
    """Nothing listens on the auth port."""
    flow_id = await _to_proximity(hass, gateway_sim, gateway_credentials)
    await gateway_sim.auth.stop()
    result = await hass.config_entries.flow.async_configure(flow_id, {})
    assert result["errors"] == {"base": "gateway_cannot_connect"}


async def test_token_limit_aborts(
    hass: HomeAssistant,
    gateway_sim: GatewaySimulator,
    gateway_credentials: dict[str, str],
) -> None:
    """507: the 32 tokens are used up; only a factory reset helps."""
    gateway_sim.tokens.max_tokens = 0
    flow_id = await _to_proximity(hass, gateway_sim, gateway_credentials)
    gateway_sim.press()
    result = await hass.config_entries.flow.async_configure(flow_id, {})
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "gateway_token_limit"


async def test_discovery_flow(
    hass: HomeAssistant,
    gateway_sim: GatewaySimulator,
    gateway_credentials: dict[str, str],
) -> None:
    """Zeroconf: confirm shows model, brand and serial; the entry is named after them."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN,
        context={"source": config_entries.SOURCE_ZEROCONF},
        data=_discovery(gateway_sim),
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "gateway_discovery_confirm"
    assert result["description_placeholders"] == {
        "model": "K40RF",
        "brand": "Bosch",
        "serial": SERIAL,
        "device": UUID,
        "host": gateway_sim.host,
    }
    flows = hass.config_entries.flow.async_progress()
    assert flows[0]["context"]["title_placeholders"] == {"name": "Bosch K40RF"}
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["type"] is FlowResultType.MENU
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "gateway_partner"}
    )
    assert result["step_id"] == "gateway_credentials"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], _credentials(gateway_credentials)
    )
    gateway_sim.press()
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == f"Bosch K40RF {UUID}"
    assert result["result"].unique_id == UUID
    assert result["data"]["model"] == "K40RF"
    assert result["data"]["auth_port"] == gateway_sim.auth_port
    assert result["data"]["scopes"] == ""
    assert gateway_sim.token_count == 1


async def test_discovery_with_broken_txt(
    hass: HomeAssistant, gateway_sim: GatewaySimulator
) -> None:
    """A TXT record without uuid is not a gateway we can add."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN,
        context={"source": config_entries.SOURCE_ZEROCONF},
        data=_discovery(gateway_sim, uuid=None),  # type: ignore[arg-type]
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "gateway_invalid_announcement"


async def test_discovery_updates_moved_gateway(
    hass: HomeAssistant,
    gateway_sim: GatewaySimulator,
    gateway_entry: MockConfigEntry,
) -> None:
    """A known gateway announced at a new port: entry updated and reloaded."""
    hass.config_entries.async_update_entry(
        gateway_entry,
        data={**gateway_entry.data, "api_port": 1, "auth_port": 2},
    )
    await hass.config_entries.async_setup(gateway_entry.entry_id)
    await hass.async_block_till_done()
    assert gateway_entry.state is ConfigEntryState.SETUP_RETRY
    tokens = gateway_sim.token_count

    result = await hass.config_entries.flow.async_init(
        DOMAIN,
        context={"source": config_entries.SOURCE_ZEROCONF},
        data=_discovery(gateway_sim),
    )
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert gateway_entry.data["api_port"] == gateway_sim.api_port
    assert gateway_entry.data["auth_port"] == gateway_sim.auth_port
    assert gateway_entry.state is ConfigEntryState.LOADED
    assert gateway_sim.token_count == tokens
    assert len(hass.config_entries.async_entries(DOMAIN)) == 1


async def test_reauth(
    hass: HomeAssistant,
    gateway_sim: GatewaySimulator,
    loaded_gateway_entry: MockConfigEntry,
) -> None:
    """Token no longer accepted: reauth repeats the press and stores the new token."""
    gateway_sim.tokens.factory_reset()
    coordinator = loaded_gateway_entry.runtime_data.coordinator
    await coordinator.async_refresh()
    await hass.async_block_till_done()
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert len(flows) == 1
    assert flows[0]["context"]["source"] == config_entries.SOURCE_REAUTH
    flow_id = flows[0]["flow_id"]
    result = await hass.config_entries.flow.async_configure(flow_id)
    assert result["step_id"] == "gateway_reauth_confirm"
    assert result["description_placeholders"] == {"name": "Bosch K40RF"}

    result = await hass.config_entries.flow.async_configure(flow_id, {})
    assert result["errors"] == {"base": "gateway_proximity_required"}

    gateway_sim.press()
    result = await hass.config_entries.flow.async_configure(flow_id, {})
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    assert gateway_sim.token_count == 1
    assert (
        loaded_gateway_entry.data["token"] == gateway_sim.tokens.tokens[0].access_token
    )
    assert loaded_gateway_entry.state is ConfigEntryState.LOADED


async def test_reauth_token_limit(
    hass: HomeAssistant,
    gateway_sim: GatewaySimulator,
    gateway_entry: MockConfigEntry,
) -> None:
    """Reauth on a gateway without tokens left aborts with the explanation."""
    gateway_sim.tokens.max_tokens = gateway_sim.token_count
    result = await gateway_entry.start_reauth_flow(hass)
    assert result["step_id"] == "gateway_reauth_confirm"
    gateway_sim.press()
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "gateway_token_limit"


async def test_reauth_with_unusable_credentials(
    hass: HomeAssistant, gateway_sim: GatewaySimulator, gateway_entry: MockConfigEntry
) -> None:
    """Stored certificates that no longer load: abort, pointing to reconfigure."""
    hass.config_entries.async_update_entry(
        gateway_entry, data={**gateway_entry.data, "root_cert": "broken"}
    )
    result = await gateway_entry.start_reauth_flow(hass)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "gateway_credentials_unusable"


async def test_reconfigure_keeps_token(
    hass: HomeAssistant,
    gateway_sim: GatewaySimulator,
    gateway_entry: MockConfigEntry,
) -> None:
    """New ports and a re-pasted certificate; the token stays, no new one is spent."""
    hass.config_entries.async_update_entry(
        gateway_entry, data={**gateway_entry.data, "api_port": 1, "auth_port": 2}
    )
    token = gateway_entry.data["token"]
    tokens = gateway_sim.token_count
    result = await gateway_entry.start_reconfigure_flow(hass)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "gateway_reconfigure"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {
            "host": gateway_sim.host,
            "api_port": gateway_sim.api_port,
            "auth_port": gateway_sim.auth_port,
            "client_cert": gateway_sim.pki.client.cert_pem,
        },
    )
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert gateway_entry.data["api_port"] == gateway_sim.api_port
    assert gateway_entry.data["token"] == token
    assert gateway_entry.data["client_key"] == gateway_sim.pki.client.key_pem
    assert gateway_entry.state is ConfigEntryState.LOADED
    assert gateway_sim.token_count == tokens


async def _reconfigure(
    hass: HomeAssistant, entry: MockConfigEntry, sim: GatewaySimulator, **changes: Any
) -> dict[str, Any]:
    result = await entry.start_reconfigure_flow(hass)
    return dict(
        await hass.config_entries.flow.async_configure(
            result["flow_id"],
            {
                "host": sim.host,
                "api_port": sim.api_port,
                "auth_port": sim.auth_port,
                **changes,
            },
        )
    )


async def test_reconfigure_errors(
    hass: HomeAssistant,
    gateway_sim: GatewaySimulator,
    gateway_entry: MockConfigEntry,
) -> None:
    """Each problem with the new settings is shown and nothing is saved."""
    before = dict(gateway_entry.data)
    result = await _reconfigure(hass, gateway_entry, gateway_sim, client_key="bad")
    assert result["errors"] == {"client_key": "gateway_malformed_pem"}

    with patch(
        "custom_components.bosch_connect.gateway.flow.build_ssl_context",
        side_effect=GatewayTlsError("cannot load"),
    ):
        result = await _reconfigure(hass, gateway_entry, gateway_sim)
    assert result["errors"] == {"client_key": "gateway_key_mismatch"}

    result = await _reconfigure(
        hass,
        gateway_entry,
        gateway_sim,
        root_cert=gateway_sim.pki.rogue_bosch_root.cert_pem,
    )
    assert result["errors"] == {"base": "gateway_tls_failed"}

    result = await _reconfigure(hass, gateway_entry, gateway_sim, api_port=1)
    assert result["errors"] == {"base": "gateway_cannot_connect"}

    gateway_sim.faults.set("/gateway/uuid", Fault(status=418, count=1))
    result = await _reconfigure(hass, gateway_entry, gateway_sim)
    assert result["errors"] == {"base": "gateway_unknown"}

    gateway_sim.set_value("/gateway/uuid", "999999")
    result = await _reconfigure(hass, gateway_entry, gateway_sim)
    assert result["errors"] == {"base": "gateway_other_gateway"}

    gateway_sim.tokens.factory_reset()
    result = await _reconfigure(hass, gateway_entry, gateway_sim)
    assert result["errors"] == {"base": "gateway_token_not_accepted"}
    assert result["step_id"] == "gateway_reconfigure"
    assert dict(gateway_entry.data) == before


async def test_token_answer_unreadable(
    hass: HomeAssistant,
    gateway_sim: GatewaySimulator,
    gateway_credentials: dict[str, str],
) -> None:
    """A 200 without a token (the simulator never sends one): unknown error."""
    flow_id = await _to_proximity(hass, gateway_sim, gateway_credentials)
    with patch(
        "custom_components.bosch_connect.gateway.flow.GatewayClient.request_token",
        side_effect=ValueFormatError("the token answer has no access_token"),
    ):
        result = await hass.config_entries.flow.async_configure(flow_id, {})
    assert result["errors"] == {"base": "gateway_unknown"}


async def test_discovery_while_being_set_up(
    hass: HomeAssistant, gateway_sim: GatewaySimulator
) -> None:
    """A second announcement of a gateway whose flow is open: one flow only."""
    first = await hass.config_entries.flow.async_init(
        DOMAIN,
        context={"source": config_entries.SOURCE_ZEROCONF},
        data=_discovery(gateway_sim),
    )
    assert first["type"] is FlowResultType.FORM
    second = await hass.config_entries.flow.async_init(
        DOMAIN,
        context={"source": config_entries.SOURCE_ZEROCONF},
        data=_discovery(gateway_sim),
    )
    assert second["type"] is FlowResultType.ABORT
    assert second["reason"] == "already_in_progress"


async def test_manual_flow_while_discovery_is_open(
    hass: HomeAssistant,
    gateway_sim: GatewaySimulator,
    gateway_credentials: dict[str, str],
) -> None:
    """Paired by hand while the discovered flow waits: the entry is created."""
    discovered = await hass.config_entries.flow.async_init(
        DOMAIN,
        context={"source": config_entries.SOURCE_ZEROCONF},
        data=_discovery(gateway_sim),
    )
    assert discovered["type"] is FlowResultType.FORM
    flow_id = await _to_proximity(hass, gateway_sim, gateway_credentials)
    gateway_sim.press()
    result = await hass.config_entries.flow.async_configure(flow_id, {})
    await hass.async_block_till_done()
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["result"].unique_id == UUID
    # The discovered flow of the same gateway is gone.
    assert not [
        flow
        for flow in hass.config_entries.flow.async_progress()
        if flow["flow_id"] == discovered["flow_id"]
    ]
