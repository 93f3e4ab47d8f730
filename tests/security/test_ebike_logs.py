"""Bad bytes are a 4xx, and the log keeps the webhook id and every secret out.

Over Home Assistant's real https server: header values that are not text
(raw bytes that are not UTF-8, written on the socket as they are) get a 401,
never a traceback. And in a whole session - set-up with a WebhookTest Bosch
refuses first, notifications good and bad, other methods, bad bytes, faults
of the API, removal - no log record at INFO or above names the webhook id
(the webhook URL's path: whoever knows it can post), and no record at any
level holds the client secret, an access token or the static secret.
"""

from __future__ import annotations

import asyncio
from collections.abc import Generator
from dataclasses import dataclass, field
from datetime import timedelta
import logging
import traceback
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util
import pytest
from pytest_homeassistant_custom_component.common import (
    MockConfigEntry,
    async_fire_time_changed,
)
from yarl import URL

from custom_components.bosch_connect.const import DOMAIN
from custom_components.bosch_connect.ebike.const import AUTH_HEADER
from simulator.ebike import EbikeCloud, EbikeSettings
from simulator.faults import Fault
from tests.security.conftest import ebike_fixtures

ebike_entry_data = ebike_fixtures.ebike_entry_data
ha_tls = ebike_fixtures.ha_tls


@pytest.fixture
def ebike_settings() -> EbikeSettings:
    return EbikeSettings(auto_send=False)


@dataclass
class Records(logging.Handler):
    """Every record of every logger: (level, logger, full text)."""

    seen: list[tuple[int, str, str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        logging.Handler.__init__(self, logging.DEBUG)

    def __hash__(self) -> int:
        return id(self)

    def emit(self, record: logging.LogRecord) -> None:
        text = f"{record.getMessage()} {record.args!r}"
        if record.exc_info:
            text += "".join(traceback.format_exception(*record.exc_info))
        if record.stack_info:
            text += record.stack_info
        self.seen.append((record.levelno, record.name, text))


@pytest.fixture
def records() -> Generator[Records]:
    """All records at DEBUG; aiohttp's access log at WARNING, as Home Assistant sets it."""
    handler = Records()
    root = logging.getLogger()
    names = ("", "custom_components", "homeassistant", "aiohttp", "aiohttp.access")
    levels = {name: logging.getLogger(name).level for name in names}
    for name in names:
        logging.getLogger(name).setLevel(logging.DEBUG)
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)  # bootstrap.py
    root.addHandler(handler)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)


async def _raw_post(url: str, headers: list[tuple[str, bytes]], body: bytes) -> int:
    """POST with header values written as raw bytes on the TLS socket; the status."""
    target = URL(url)
    reader, writer = await asyncio.open_connection(
        "127.0.0.1", target.port, ssl=ha_tls().client, server_hostname="localhost"
    )
    try:
        lines = [f"POST {target.raw_path} HTTP/1.1".encode(), b"Host: localhost"]
        lines += [name.encode() + b": " + value for name, value in headers]
        lines += [f"Content-Length: {len(body)}".encode(), b"Connection: close"]
        writer.write(b"\r\n".join(lines) + b"\r\n\r\n" + body)
        await writer.drain()
        status_line = await reader.readline()
        await reader.read()
    finally:
        writer.close()
    return int(status_line.split()[1])


async def _setup(hass: HomeAssistant, data: dict[str, Any]) -> MockConfigEntry:
    entry = MockConfigEntry(
        domain=DOMAIN, title="Bosch eBike", unique_id="x", data=data
    )
    entry.add_to_hass(hass)
    assert await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()
    return entry


async def test_bad_header_bytes_are_a_4xx(
    hass: HomeAssistant,
    caplog: pytest.LogCaptureFixture,
    ha_url: str,
    ebike_sim: EbikeCloud,
    ebike_entry_data: dict[str, Any],
) -> None:
    """Before, bytes that are not UTF-8 in the secret header raised inside the
    handler: Home Assistant logged the traceback with the webhook id and
    answered 200."""
    entry = await _setup(hass, ebike_entry_data)
    url = f"{ha_url}/api/webhook/{entry.data['webhook_id']}"
    bike = ebike_sim.bikes[0]
    await ebike_sim.power_on(bike)
    body = ebike_sim.build_body(bike, "BIKE_STATUS")
    _, signed = ebike_sim.signed_request("BIKE_STATUS", body)
    good = [(name, value.encode()) for name, value in signed.items()]
    secret = entry.data["webhook_secret"].encode()
    for name, bad in (
        (AUTH_HEADER, b"\xff\xfe"),
        (AUTH_HEADER, secret + b"\xc3"),
        (AUTH_HEADER, b"\xed\xa0\x80"),  # a surrogate, encoded
        ("X-Bosch-Sig", b"\xff" + signed["X-Bosch-Sig"].encode()),
        ("X-Bosch-Sig-Algo", b"SHA256withRSA\xe9"),
        ("X-Bosch-Cert-Url", signed["X-Bosch-Cert-Url"].encode() + b"\xff"),
    ):
        headers = [(n, bad if n == name else v) for n, v in good]
        assert await _raw_post(url, headers, body) == 401, name
    counters = entry.runtime_data.counters
    assert counters.rejected == {
        "secret": 3,
        "MissingSignatureError": 1,
        "UnsupportedAlgorithmError": 1,
        "CertificateUrlNotAllowedError": 1,
    }
    # The same request with proper bytes is applied.
    assert await _raw_post(url, good, body) == 200
    assert counters.applied == 1
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_no_webhook_id_at_info_and_no_secret_anywhere(
    hass: HomeAssistant,
    records: Records,
    ha_url: str,
    ebike_sim: EbikeCloud,
    ebike_entry_data: dict[str, Any],
) -> None:
    webhook_id = ebike_entry_data["webhook_id"]
    # Bosch refuses the webhook first (its test got our 401) and quotes the URL.
    ebike_sim.delivery_faults.wrong_secret = True
    entry = await _setup(hass, ebike_entry_data)
    assert not ebike_sim.webhooks
    ebike_sim.delivery_faults.wrong_secret = False
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=31))
    await hass.async_block_till_done()
    assert ebike_sim.webhooks
    runtime = entry.runtime_data
    token = runtime.client._token
    assert token

    url = f"{ha_url}/api/webhook/{webhook_id}"
    bike = ebike_sim.bikes[0]
    await ebike_sim.start_ride(bike)
    ebike_sim.advance(30)
    for kind in ("BIKE_STATUS", "LOCATION_TRACKING"):
        assert (await ebike_sim.deliver_now(bike, kind)).status == 200
    for fault in ("wrong_secret", "invalid_signature", "foreign_cert_url"):
        ebike_sim.delivery_faults.clear()
        setattr(ebike_sim.delivery_faults, fault, True)
        assert (await ebike_sim.deliver_now(bike, "BIKE_STATUS")).status == 401
    ebike_sim.delivery_faults.clear()
    async with ha_tls().session() as session:
        for method in ("GET", "PUT", "POST"):
            async with session.request(method, url, data=b"{}") as answer:
                assert answer.status in (401, 405)
    assert await _raw_post(url, [(AUTH_HEADER, b"\xff")], b"{}") == 401
    # The API fails (the fleet refresh logs it), then comes back.
    ebike_sim.faults.set("/connect-module", Fault(status=500, count=1))
    await runtime.coordinator.async_refresh()
    await runtime.coordinator.async_refresh()
    assert await hass.config_entries.async_remove(entry.entry_id)
    await hass.async_block_till_done()

    assert len(records.seen) > 50
    named = [
        (logging.getLevelName(level), name, text[:300])
        for level, name, text in records.seen
        if level >= logging.INFO and webhook_id in text
    ]
    assert not named, named
    for what, secret in (
        ("client secret", ebike_entry_data["client_secret"]),
        ("static secret", ebike_entry_data["webhook_secret"]),
        ("access token", token),
    ):
        leaks = [(name, text[:300]) for _, name, text in records.seen if secret in text]
        assert not leaks, (what, leaks)
