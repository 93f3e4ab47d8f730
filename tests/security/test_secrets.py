"""Secrets never reach a log record, and diagnostics redact them all.

For every service this runs the config flow (with its error paths), the
set-up, faults at the simulator, the service's own secret-handling paths
(eBike notifications with bad signatures and secrets, Home Comfort key
renewal, the Bosma ticket action, ...) and the diagnostics, with KNOWN
secret values, while :class:`~tests.security.conftest.LogSpy` keeps every
record at DEBUG level of our loggers, the simulator's, Home Assistant's and
aiohttp's. At the end no secret appears in any record (message, arguments
or traceback) and none in the diagnostics.
"""

from __future__ import annotations

import json
from typing import Any

from homeassistant.config_entries import SOURCE_USER, ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.setup import async_setup_component
import pytest
from pytest_homeassistant_custom_component.components.diagnostics import (
    get_diagnostics_for_config_entry,
)
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.bosch_connect.const import DOMAIN
from custom_components.bosch_connect.homecomfort.keys import parse_api_key
from simulator.bosma import BosmaCloud
from simulator.bosma.service import DEMO_SECRET
from simulator.ebike import EbikeCloud, EbikeSettings
from simulator.faults import Fault
from simulator.gateway import GatewaySimulator
from simulator.gateway.tokens import DEMO_CLIENT_ID as GATEWAY_CLIENT_ID
from simulator.homecomfort import HomeComfortService
from simulator.rollouts import RolloutsCloud
from simulator.rollouts.service import (
    DEMO_CLIENT_ID,
    DEMO_CLIENT_SECRET,
    DEMO_CONTROLLER,
    DEMO_GATEWAY_TOKEN,
    DEMO_PASSWORD,
    DEMO_TARGET_TOKEN,
    DEMO_TENANT,
    DEMO_USER,
)
from tests.bosma.conftest import form_input as bosma_form
from tests.rollouts.conftest import grant
from tests.security.conftest import LogSpy

EBIKE_CLIENT_SECRET = "known-ebike-client-secret-7c41d2"


@pytest.fixture
def ebike_settings() -> EbikeSettings:
    return EbikeSettings(auto_send=False, client_secret=EBIKE_CLIENT_SECRET)


@pytest.fixture
async def diagnostics(hass: HomeAssistant) -> None:
    """Its views must exist before Home Assistant's HTTP app starts serving."""
    assert await async_setup_component(hass, "diagnostics", {})


async def _menu(hass: HomeAssistant, service: str) -> Any:
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_USER}
    )
    assert result["type"] is FlowResultType.MENU
    return await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": service}
    )


async def _diagnostics_text(
    hass: HomeAssistant, hass_client: ClientSessionGenerator, entry: Any
) -> str:
    return json.dumps(await get_diagnostics_for_config_entry(hass, hass_client, entry))


def _pem_lines(pem: str) -> list[str]:
    """Body lines of a PEM text (each long and unique enough to look for)."""
    return [line for line in pem.splitlines() if line and not line.startswith("-")][1:3]


def _assert_redacted(text: str, secrets: dict[str, str]) -> None:
    for name, value in secrets.items():
        assert value not in text, f"{name} is in the diagnostics"


async def test_ebike_secrets(
    hass: HomeAssistant,
    diagnostics: None,
    *,
    hass_client: ClientSessionGenerator,
    log_spy: LogSpy,
    ha_url: str,
    ebike_sim: EbikeCloud,
) -> None:
    sim = ebike_sim
    form = {
        "client_id": sim.client_id,
        "client_secret": EBIKE_CLIENT_SECRET,
        "replace_subscriptions": False,
    }
    result = await _menu(hass, "ebike")
    # Error paths: a wrong secret, a refused API.
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {**form, "client_secret": EBIKE_CLIENT_SECRET + "-wrong"}
    )
    assert result["errors"] == {"base": "ebike_invalid_client"}
    sim.faults.set("/connect-module", Fault(status=503, count=1))
    result = await hass.config_entries.flow.async_configure(result["flow_id"], form)
    assert result["errors"] == {"base": "ebike_api_error"}
    result = await hass.config_entries.flow.async_configure(result["flow_id"], form)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    entry = result["result"]
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED

    # Notifications, good and bad (every rejection logs at DEBUG).
    bike = sim.bikes[0]
    await sim.power_on(bike)
    await sim.start_ride(bike)
    sim.advance(30)
    assert (await sim.deliver_now(bike, "BIKE_STATUS")).status == 200
    assert (await sim.deliver_now(bike, "LOCATION_TRACKING")).status == 200
    for fault in (
        "wrong_secret",
        "invalid_signature",
        "wrong_algorithm",
        "foreign_cert_url",
        "malformed_body",
    ):
        sim.delivery_faults.clear()
        setattr(sim.delivery_faults, fault, True)
        sim.advance(5)
        assert (await sim.deliver_now(bike, "BIKE_STATUS")).attempts[0].status in (
            400,
            401,
        )
    sim.delivery_faults.clear()
    # Faults: the API fails, then the client is revoked (reauth).
    coordinator = entry.runtime_data.coordinator
    sim.faults.set("/connect-module", Fault(status=500, count=1))
    await coordinator.async_refresh()
    assert not coordinator.last_update_success
    await coordinator.async_refresh()
    assert coordinator.last_update_success
    token = entry.runtime_data.client._token
    assert token
    sim.revoke_tokens()
    sim.client_secret = "rotated-known-secret-1b9e"
    await coordinator.async_refresh()
    await hass.async_block_till_done()
    flows = hass.config_entries.flow.async_progress_by_handler(DOMAIN)
    assert [f["context"]["source"] for f in flows] == ["reauth"]
    result = await hass.config_entries.flow.async_configure(
        flows[0]["flow_id"], {"client_secret": "rotated-known-secret-1b9e"}
    )
    assert result["reason"] == "reauth_successful"
    await hass.async_block_till_done()

    secrets = {
        "client secret": EBIKE_CLIENT_SECRET,
        "rotated client secret": "rotated-known-secret-1b9e",
        "webhook secret": entry.data["webhook_secret"],
        "webhook id": entry.data["webhook_id"],
        "access token": token,
        "latitude": str(bike.position[0]),
        "longitude": str(bike.position[1]),
    }
    text = await _diagnostics_text(hass, hass_client, entry)
    _assert_redacted(text, secrets)
    assert await hass.config_entries.async_remove(entry.entry_id)
    await hass.async_block_till_done()
    log_spy.assert_clean(secrets, ours_only=frozenset({"webhook id"}))


async def test_gateway_secrets(
    hass: HomeAssistant,
    diagnostics: None,
    *,
    hass_client: ClientSessionGenerator,
    log_spy: LogSpy,
    gateway_sim: GatewaySimulator,
    gateway_credentials: dict[str, str],
) -> None:
    sim = gateway_sim
    result = await _menu(hass, "gateway")
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": "gateway_partner"}
    )
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {"host": sim.host, "api_port": sim.api_port, "auth_port": sim.auth_port},
    )
    assert result["step_id"] == "gateway_credentials"
    flow_id = result["flow_id"]
    form = {"client_id": GATEWAY_CLIENT_ID, "client_name": "Home Assistant"}
    # Error path: a key that does not belong to the certificate.
    result = await hass.config_entries.flow.async_configure(
        flow_id, {**form, **gateway_credentials, "client_key": sim.pki.server.key_pem}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["errors"]
    result = await hass.config_entries.flow.async_configure(
        flow_id, {**form, **gateway_credentials}
    )
    assert result["step_id"] == "gateway_proximity"
    # Error path: nobody pressed the button.
    result = await hass.config_entries.flow.async_configure(flow_id, {})
    assert result["errors"] == {"base": "gateway_proximity_required"}
    sim.press()
    result = await hass.config_entries.flow.async_configure(flow_id, {})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    entry = result["result"]
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED

    # Faults during refreshes.
    coordinator = entry.runtime_data.coordinator
    for fault in (Fault(status=500), Fault(drop=True), Fault(status=401)):
        sim.faults.set("/", fault)
        await coordinator.async_refresh()
        await hass.async_block_till_done()
        sim.faults.clear()
    await coordinator.async_refresh()

    secrets = {
        "token": entry.data["token"],
        **{
            f"client key line {i}": line
            for i, line in enumerate(_pem_lines(entry.data["client_key"]))
        },
        **{
            f"client certificate line {i}": line
            for i, line in enumerate(_pem_lines(entry.data["client_cert"]))
        },
        **{
            f"root certificate line {i}": line
            for i, line in enumerate(_pem_lines(entry.data["root_cert"]))
        },
    }
    text = await _diagnostics_text(hass, hass_client, entry)
    _assert_redacted(text, secrets)
    log_spy.assert_clean(secrets)


async def test_homecomfort_secrets(
    hass: HomeAssistant,
    diagnostics: None,
    *,
    hass_client: ClientSessionGenerator,
    log_spy: LogSpy,
    hc_sim: HomeComfortService,
) -> None:
    sim = hc_sim
    old_key = sim.key
    answers = {"api_domain": sim.url, "api_key": old_key, "user_id": sim.user_id}
    result = await _menu(hass, "homecomfort")
    flow_id = result["flow_id"]
    for changes in (
        {"api_key": "xHCSAPI.k1.20990101T000000Z.known-but-refused-secret"},
        {"user_id": "nobody-known-user"},
    ):
        result = await hass.config_entries.flow.async_configure(
            flow_id, {**answers, **changes}
        )
        assert result["type"] is FlowResultType.FORM
        assert result["errors"]
    result = await hass.config_entries.flow.async_configure(flow_id, answers)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    entry = result["result"]
    await hass.async_block_till_done()
    coordinator = entry.runtime_data.coordinator

    # Faults, then the key renewal (and the deletion of the old key).
    sim.faults.set("/", Fault(status=500, count=1))
    await coordinator.async_refresh()
    await hass.async_block_till_done()
    expires = parse_api_key(old_key).expires
    assert expires is not None
    sim.clock.advance((expires - sim.now()).total_seconds() - 20 * 86400)
    await coordinator.async_refresh()
    await hass.async_block_till_done()
    new_key = entry.data["api_key"]
    assert new_key != old_key
    await coordinator.async_refresh()
    await hass.async_block_till_done()

    secrets = {
        "old API key": old_key,
        "old key secret": old_key.rsplit(".", 1)[-1],
        "renewed API key": new_key,
        "renewed key secret": new_key.rsplit(".", 1)[-1],
        "refused key secret": "known-but-refused-secret",
        "user id": sim.user_id,
    }
    text = await _diagnostics_text(hass, hass_client, entry)
    _assert_redacted(text, secrets)
    log_spy.assert_clean(secrets)


async def test_rollouts_secrets(
    hass: HomeAssistant,
    diagnostics: None,
    *,
    hass_client: ClientSessionGenerator,
    log_spy: LogSpy,
    rollouts: RolloutsCloud,
) -> None:
    async def start(method: str) -> Any:
        result = await _menu(hass, "rollouts")
        return await hass.config_entries.flow.async_configure(
            result["flow_id"],
            {
                "base_url": rollouts.base_url,
                "tenant": DEMO_TENANT,
                "auth_method": method,
            },
        )

    ddi = {
        "ddi_url": rollouts.base_url,
        "controller_id": DEMO_CONTROLLER,
        "token_type": "target",
        "ddi_token": DEMO_TARGET_TOKEN,
    }
    # Basic auth: a wrong password, then the DDI step with a refused token
    # (then given up: the OAuth flow below creates the entry).
    result = await start("basic")
    flow_id = result["flow_id"]
    result = await hass.config_entries.flow.async_configure(
        flow_id, {"username": DEMO_USER, "password": DEMO_PASSWORD + "-wrong"}
    )
    assert result["errors"]
    result = await hass.config_entries.flow.async_configure(
        flow_id, {"username": DEMO_USER, "password": DEMO_PASSWORD}
    )
    assert result["step_id"] == "rollouts_ddi"
    result = await hass.config_entries.flow.async_configure(
        flow_id, {**ddi, "ddi_token": DEMO_TARGET_TOKEN[::-1]}
    )
    assert result["errors"]
    hass.config_entries.flow.async_abort(flow_id)
    # OAuth: a wrong secret, a client without permissions, then granted; the
    # DDI target with the tenant's gateway token.
    result = await start("oauth")
    flow_id = result["flow_id"]
    credentials = {
        "token_url": rollouts.token_url,
        "client_id": DEMO_CLIENT_ID,
        "client_secret": DEMO_CLIENT_SECRET + "-wrong",
        "scope": " ",
    }
    result = await hass.config_entries.flow.async_configure(flow_id, credentials)
    assert result["errors"]
    credentials["client_secret"] = DEMO_CLIENT_SECRET
    result = await hass.config_entries.flow.async_configure(flow_id, credentials)
    assert result["errors"] == {"base": "rollouts_client_registered"}
    grant(rollouts)
    result = await hass.config_entries.flow.async_configure(flow_id, credentials)
    assert result["step_id"] == "rollouts_ddi"
    result = await hass.config_entries.flow.async_configure(
        flow_id, {**ddi, "token_type": "gateway", "ddi_token": DEMO_GATEWAY_TOKEN}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    entry = result["result"]
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED

    # Faults during refreshes (management API and DDI).
    runtime = entry.runtime_data
    for fault in (Fault(status=500), Fault(drop=True), Fault(status=401)):
        rollouts.faults.set("/", fault)
        for coordinator in (runtime.management, runtime.ddi):
            await coordinator.async_refresh()
        await hass.async_block_till_done()
        rollouts.faults.clear()
    await runtime.management.async_refresh()
    access_token = runtime.management.client._token
    assert access_token

    secrets = {
        "OAuth access token": access_token,
        "password": DEMO_PASSWORD,
        "client secret": DEMO_CLIENT_SECRET,
        "target token": DEMO_TARGET_TOKEN,
        "gateway token": DEMO_GATEWAY_TOKEN,
    }
    text = await _diagnostics_text(hass, hass_client, entry)
    _assert_redacted(text, secrets)
    log_spy.assert_clean(secrets)


async def test_bosma_secrets(
    hass: HomeAssistant,
    diagnostics: None,
    *,
    hass_client: ClientSessionGenerator,
    log_spy: LogSpy,
    bosma_cloud: BosmaCloud,
) -> None:
    result = await _menu(hass, "bosma")
    flow_id = result["flow_id"]
    result = await hass.config_entries.flow.async_configure(
        flow_id, bosma_form(bosma_cloud, api_secret=DEMO_SECRET[::-1])
    )
    assert result["errors"] == {"base": "bosma_signature_rejected"}
    bosma_cloud.faults.set("/", Fault(status=502, count=1))
    result = await hass.config_entries.flow.async_configure(
        flow_id, bosma_form(bosma_cloud)
    )
    assert result["errors"]
    result = await hass.config_entries.flow.async_configure(
        flow_id, bosma_form(bosma_cloud)
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    entry = result["result"]
    await hass.async_block_till_done()

    # The action that hands out a fresh ticket, and faults during refreshes.
    answer = await hass.services.async_call(
        DOMAIN,
        "bosma_apply_token",
        {"config_entry_id": entry.entry_id},
        blocking=True,
        return_response=True,
    )
    assert answer
    coordinator = entry.runtime_data
    for fault in (Fault(status=500), Fault(drop=True)):
        bosma_cloud.faults.set("/", fault)
        await coordinator.async_refresh()
        await hass.async_block_till_done()
        bosma_cloud.faults.clear()
    bosma_cloud.skew = 600
    await coordinator.async_refresh()
    bosma_cloud.skew = 0
    await coordinator.async_refresh()
    await hass.async_block_till_done()

    assert len(bosma_cloud.tickets) >= 3
    secrets = {"api secret": DEMO_SECRET} | {
        f"ticket {i}": issued.ticket for i, issued in enumerate(bosma_cloud.tickets)
    }
    text = await _diagnostics_text(hass, hass_client, entry)
    _assert_redacted(text, secrets)
    log_spy.assert_clean(secrets)


def test_spy_sees_a_leak(log_spy: LogSpy) -> None:
    """The spy itself: a secret in a message, an argument or a traceback is found."""
    import logging

    logger = logging.getLogger("custom_components.bosch_connect.test")
    for number in range(25):
        logger.debug("nothing %s", number)
    try:
        raise ValueError("token=known-secret-in-a-traceback")
    except ValueError:
        logger.exception("failed")
    with pytest.raises(AssertionError, match="leaked"):
        log_spy.assert_clean({"secret": "known-secret-in-a-traceback"})
    logging.getLogger("simulator.x").debug("%s", {"secret": "in-an-argument"})
    with pytest.raises(AssertionError, match="leaked"):
        log_spy.assert_clean({"secret": "in-an-argument"})
    log_spy.assert_clean({"secret": "never-logged-value"})
