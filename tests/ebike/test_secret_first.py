"""The static secret comes before any signature work, and every cache is bounded.

Over Home Assistant's real https server and the simulated Bosch cloud: a
request without the right secret makes Home Assistant fetch nothing, parse
nothing and check no signature (before, a signed request without the secret
made it fetch certificates). Bosch's documents do not say whether the
WebhookTest carries the credentials, so while Home Assistant creates or
changes its webhook at Bosch, and only then, a request without the secret is
answered 200 - and nothing of it is looked at.
"""

from __future__ import annotations

from typing import Any
import uuid

import aiohttp
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
import pytest
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.bosch_connect.const import DOMAIN
from custom_components.bosch_connect.ebike import signature
from custom_components.bosch_connect.ebike.api import EbikeClient
from custom_components.bosch_connect.ebike.const import AUTH_HEADER
from custom_components.bosch_connect.ebike.errors import CertificateError
from custom_components.bosch_connect.ebike.signature import (
    SignatureVerifier,
    TrustStore,
)
from simulator.ebike import EbikeCloud, EbikeSettings

from .conftest import WebhookReceiver, ha_tls
from .helpers import state

CERTS = "/notification/v1/certs/"


@pytest.fixture
def ebike_settings() -> EbikeSettings:
    return EbikeSettings(auto_send=False)


def _fetches(sim: EbikeCloud) -> int:
    return len(sim.faults.requests(CERTS))


async def _post(url: str, body: bytes, headers: dict[str, str]) -> int:
    async with (
        ha_tls().session() as session,
        session.post(url, data=body, headers=headers) as answer,
    ):
        return answer.status


async def test_no_secret_no_fetch_no_parse_no_signature(
    hass: HomeAssistant, ebike_entry: Any, ebike_sim: EbikeCloud, ha_url: str
) -> None:
    """Before, a signed request without the secret made us fetch its certificate."""
    url = f"{ha_url}/api/webhook/{ebike_entry.data['webhook_id']}"
    counters = ebike_entry.runtime_data.counters
    bike = ebike_sim.bikes[0]
    await ebike_sim.power_on(bike)
    fetched = _fetches(ebike_sim)
    # A certificate URL that is allowed (under the API's path) but not cached.
    uncached = f"{ebike_sim.api_url}{CERTS}{uuid.uuid4()}"
    signed: list[bytes] = [
        ebike_sim.build_body(bike, "BIKE_STATUS"),
        b'{"type": "WEBHOOK_TEST", "createdAt": "2026-01-01T00:00:00Z"}',
        b"not json at all",  # refused for the secret, not as a bad payload
    ]
    for body in signed:
        _, headers = ebike_sim.signed_request("BIKE_STATUS", body)
        headers.pop(AUTH_HEADER)
        headers["X-Bosch-Cert-Url"] = uncached
        assert await _post(url, body, headers) == 401
        headers[AUTH_HEADER] = "not-the-secret"
        assert await _post(url, body, headers) == 401
    # Unsigned and without the secret: the secret is what refuses it.
    assert await _post(url, b"{}", {}) == 401
    await hass.async_block_till_done()
    assert _fetches(ebike_sim) == fetched
    assert counters.rejected == {"secret": 7}
    assert state(hass, "sensor", bike, "state_of_charge").state == "unknown"
    assert counters.webhook_tests == 1  # Bosch's own test at subscription time


async def test_webhook_test_without_the_secret_only_while_subscribing(
    hass: HomeAssistant,
    ha_url: str,
    ebike_sim: EbikeCloud,
    ebike_entry_data: dict[str, Any],
) -> None:
    """A Bosch whose WebhookTest carries no credentials can still subscribe us.

    Only while we create or change our webhook; before, a signed WebhookTest
    without the secret was accepted (and its certificate fetched) at any time.
    """
    ebike_sim.webhook_test_credentials = False
    entry = MockConfigEntry(
        domain=DOMAIN, title="Bosch eBike", unique_id="ebike_x", data=ebike_entry_data
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.state is ConfigEntryState.LOADED
    (test,) = ebike_sim.deliveries
    assert test.event_type == "WEBHOOK_TEST"
    assert AUTH_HEADER not in test.headers
    assert test.status == 200
    (hook,) = ebike_sim.webhooks.values()
    assert entry.data["subscription_ids"] == [hook.id]
    # Nothing of the test was looked at: no certificate was fetched.
    assert _fetches(ebike_sim) == 0
    runtime = entry.runtime_data
    assert not runtime.expects_webhook_test

    # Afterwards the same test without the secret is refused, unverified.
    url = f"{ha_url}/api/webhook/{entry.data['webhook_id']}"
    body = b'{"type": "WEBHOOK_TEST", "createdAt": "2026-01-01T00:00:00Z"}'
    _, headers = ebike_sim.signed_request("BIKE_STATUS", body)
    headers.pop(AUTH_HEADER)
    assert await _post(url, body, headers) == 401
    assert runtime.counters.rejected == {"secret": 1}
    assert _fetches(ebike_sim) == 0
    # Real notifications carry the secret and are verified as always.
    bike = ebike_sim.bikes[0]
    await ebike_sim.power_on(bike)
    assert (await ebike_sim.deliver_now(bike, "BIKE_STATUS")).status == 200
    await hass.async_block_till_done()
    assert state(hass, "sensor", bike, "state_of_charge").state == str(int(bike.soc))
    assert _fetches(ebike_sim) == 1


@pytest.mark.usefixtures("subscribed_receiver")
async def test_failed_certificate_urls_are_bounded(
    ebike_sim: EbikeCloud, ebike_session: aiohttp.ClientSession
) -> None:
    """Before, every failed URL stayed in a dict that only grew."""
    verifier = SignatureVerifier(
        ebike_session,
        api_url=ebike_sim.api_url,
        trust=TrustStore(),
        ssl=ebike_sim.ssl_context(),
    )
    body = ebike_sim.build_body(ebike_sim.bikes[0], "BIKE_STATUS")
    _, headers = ebike_sim.signed_request("BIKE_STATUS", body)
    count = signature.MAX_CACHED * 3
    for _ in range(count):
        headers["X-Bosch-Cert-Url"] = f"{ebike_sim.api_url}{CERTS}{uuid.uuid4()}"
        with pytest.raises(CertificateError, match="HTTP 404"):
            await verifier.async_verify(body, headers)
    assert _fetches(ebike_sim) == count
    assert len(verifier._failed) == signature.MAX_CACHED
    assert len(verifier._known) <= signature.MAX_CACHED
    assert not verifier._locks
    # The newest failure is remembered (not fetched again at once).
    with pytest.raises(CertificateError, match="recently"):
        await verifier.async_verify(body, headers)
    for number in range(count):
        verifier.allow_cert_url(f"https://certs.example.com/{number}")
    assert len(verifier.allowed) == signature.MAX_CACHED
    assert "https://certs.example.com/0" not in verifier.allowed


@pytest.fixture
async def subscribed_receiver(
    ebike_client: EbikeClient, webhook_receiver: WebhookReceiver
) -> None:
    """A webhook at the simulator, so that it signs requests."""
    await ebike_client.create_webhook(webhook_receiver.url, ["BIKE_STATUS"])


async def test_stored_certificate_urls_are_bounded(
    hass: HomeAssistant,
    ha_url: str,
    ebike_sim: EbikeCloud,
    ebike_entry_data: dict[str, Any],
) -> None:
    """Each new subscription adds the certificate URL Bosch returned: the newest few stay."""
    old = [f"https://certs.example.com/{n}" for n in range(40)]
    entry = MockConfigEntry(
        domain=DOMAIN,
        title="Bosch eBike",
        unique_id="ebike_x",
        data={**ebike_entry_data, "cert_urls": old},
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    assert entry.data["cert_urls"] == [
        *old[-signature.MAX_CACHED + 1 :],
        ebike_sim.cert_url,
    ]
    assert entry.runtime_data.verifier.allowed == frozenset(entry.data["cert_urls"])
