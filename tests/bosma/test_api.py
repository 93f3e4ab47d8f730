"""The Bosma protocol module against the source document and the simulator."""

from __future__ import annotations

import datetime as dt

import aiohttp
from hypothesis import given, strategies as st
import pytest

from custom_components.bosch_connect.bosma.api import (
    BosmaClient,
    check_base_url,
    measure_skew,
    new_nonce,
    sign,
)
from custom_components.bosch_connect.bosma.errors import (
    BosmaConnectionError,
    BosmaInvalidUrlError,
    BosmaMissingParameterError,
    BosmaServerError,
    BosmaSignatureError,
    BosmaTimestampError,
)
from custom_components.bosch_connect.bosma.models import (
    BosmaAccount,
    Platform,
    parse_expiry,
)
from simulator.bosma import BosmaCloud
from simulator.bosma.service import (
    DEMO_APP_PACKAGE,
    DEMO_CORP,
    DEMO_COUNTRY,
    DEMO_OPENID,
    DEMO_SECRET,
)
from simulator.faults import Fault

DOC_SECRET = "ytuaf6411b24c1c2990746d2a91d8c52"
DOC_NONCE = "5e60dc875e8786526c9e4c7fbfeb67fb"
DOC_TIMESTAMP = "1607056133"


def test_signature_reproduces_the_document_example() -> None:
    assert sign(DOC_NONCE, DOC_TIMESTAMP, DOC_SECRET) == (
        "c3fdb6067fbce9f19227803441dd73f1"
    )


_text = st.text(min_size=1, max_size=40)


@given(nonce=_text, timestamp=_text, secret=_text, other=_text)
def test_changing_any_signed_input_changes_the_signature(
    nonce: str, timestamp: str, secret: str, other: str
) -> None:
    signature = sign(nonce, timestamp, secret)
    assert len(signature) == 32
    assert signature == signature.lower()
    if other != nonce:
        assert sign(other, timestamp, secret) != signature
    if other != timestamp:
        assert sign(nonce, other, secret) != signature
    if other != secret:
        assert sign(nonce, timestamp, other) != signature


def test_nonce_is_32_random_characters() -> None:
    nonces = {new_nonce() for _ in range(20)}
    assert len(nonces) == 20
    assert all(len(n) == 32 for n in nonces)


@pytest.mark.parametrize(
    "url",
    [
        "ftp://x",
        "http://bosma.example",
        "http://127.0.0.1:8451/x",
        "http://localhost/x",
        "http://[::1]:1/x",
        "https://",
        "nonsense",
    ],
)
def test_base_url_must_be_https(url: str) -> None:
    with pytest.raises(BosmaInvalidUrlError):
        check_base_url(url)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "https://www.bosma-iot.com/bosma-smart-global/",
            "https://www.bosma-iot.com/bosma-smart-global",
        ),
        ("https://localhost:8451/x", "https://localhost:8451/x"),
    ],
)
def test_base_url_accepted(url: str, expected: str) -> None:
    assert check_base_url(url) == expected


def test_skew_needs_a_date_header() -> None:
    assert measure_skew(None, 0, 0) is None
    assert measure_skew("yesterday", 0, 0) is None
    assert measure_skew("Fri, 04 Dec 2020 04:28:53", 0, 0) is None
    assert measure_skew("Fri, 04 Dec 2020 04:28:53 GMT", 1607056133, 1607056133) == 0.5


def test_expiry_fields() -> None:
    issued = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    assert parse_expiry({"expiresIn": 60}, issued) == issued + dt.timedelta(minutes=1)
    assert parse_expiry({"expireTime": 1704067260}, issued) == issued + dt.timedelta(
        minutes=1
    )
    assert parse_expiry({"expireTime": 1704067260000}, issued) == issued + dt.timedelta(
        minutes=1
    )
    assert parse_expiry({"expiresIn": True, "expireTime": "x"}, issued) is None


def account(cloud: BosmaCloud, **changes: object) -> BosmaAccount:
    values: dict[str, object] = {
        "base_url": cloud.base_url,
        "corp": DEMO_CORP,
        "api_secret": DEMO_SECRET,
        "app_package": DEMO_APP_PACKAGE,
        "platform": Platform.ANDROID,
        "openid": DEMO_OPENID,
        "country": DEMO_COUNTRY,
        **changes,
    }
    return BosmaAccount(**values)  # type: ignore[arg-type]


async def test_apply_token_signs_and_returns_a_ticket(
    bosma_cloud: BosmaCloud, session: aiohttp.ClientSession
) -> None:
    client = BosmaClient(session, account(bosma_cloud))
    ticket = await client.apply_token()
    assert ticket.ticket == bosma_cloud.tickets[-1].ticket
    assert ticket.ticket not in repr(ticket)
    assert ticket.expires_at is not None
    assert ticket.expires_at - ticket.issued_at == dt.timedelta(seconds=7200)
    assert ticket.skew is not None
    assert abs(ticket.skew) < 2
    issued = bosma_cloud.tickets[-1]
    assert (issued.corp, issued.openid, issued.platform, issued.country) == (
        DEMO_CORP,
        DEMO_OPENID,
        2,
        DEMO_COUNTRY,
    )
    request = bosma_cloud.faults.requests("/bosma-smart-global")[-1]
    assert request.method == "POST"
    headers = {k.lower(): v for k, v in request.headers.items()}
    assert len(headers["nonce"]) == 32
    assert headers["sign"] == sign(headers["nonce"], headers["timestamp"], DEMO_SECRET)
    assert "appPackage=com.example.boschconnect" in request.query
    assert client.account.corp == DEMO_CORP


async def test_missing_parameter(
    bosma_cloud: BosmaCloud, session: aiohttp.ClientSession
) -> None:
    client = BosmaClient(session, account(bosma_cloud, openid=""))
    with pytest.raises(BosmaMissingParameterError) as err:
        await client.apply_token()
    assert err.value.code == 499
    assert "openid" in err.value.msg


async def test_timestamp_off_reports_the_skew(
    bosma_cloud: BosmaCloud, session: aiohttp.ClientSession
) -> None:
    bosma_cloud.skew = 600
    client = BosmaClient(session, account(bosma_cloud))
    with pytest.raises(BosmaTimestampError) as err:
        await client.apply_token()
    assert err.value.code == 501
    assert err.value.skew is not None
    assert 598 < err.value.skew < 602
    # Four minutes are still inside the five the document allows.
    bosma_cloud.skew = -240
    ticket = await client.apply_token()
    assert ticket.skew is not None
    assert -242 < ticket.skew < -238


@pytest.mark.parametrize("changes", [{"api_secret": "0" * 32}, {"corp": "UNKNOWN"}])
async def test_signature_error(
    bosma_cloud: BosmaCloud, session: aiohttp.ClientSession, changes: dict[str, str]
) -> None:
    client = BosmaClient(session, account(bosma_cloud, **changes))
    with pytest.raises(BosmaSignatureError) as err:
        await client.apply_token()
    assert err.value.code == 502


async def test_general_failure(
    bosma_cloud: BosmaCloud, session: aiohttp.ClientSession
) -> None:
    bosma_cloud.forced_code, bosma_cloud.forced_count = 500, 1
    client = BosmaClient(session, account(bosma_cloud))
    with pytest.raises(BosmaServerError) as err:
        await client.apply_token()
    assert (err.value.code, err.value.msg) == (500, "simulated failure")
    await client.apply_token()


async def test_faults_are_connection_errors(
    bosma_cloud: BosmaCloud, session: aiohttp.ClientSession
) -> None:
    client = BosmaClient(session, account(bosma_cloud))
    bosma_cloud.faults.set("/", Fault(status=503, count=1))
    with pytest.raises(BosmaConnectionError, match="HTTP 503"):
        await client.apply_token()
    bosma_cloud.faults.set("/", Fault(drop=True, count=1))
    with pytest.raises(BosmaConnectionError):
        await client.apply_token()
    await client.apply_token()


async def test_wrong_path_and_success_without_ticket(
    bosma_cloud: BosmaCloud, session: aiohttp.ClientSession
) -> None:
    client = BosmaClient(
        session, account(bosma_cloud, base_url=bosma_cloud.base_url + "/nothing")
    )
    with pytest.raises(BosmaConnectionError, match="HTTP 404"):
        await client.apply_token()
    bosma_cloud.forced_code, bosma_cloud.forced_count = 0, 1
    client = BosmaClient(session, account(bosma_cloud))
    with pytest.raises(BosmaServerError, match="without a ticket"):
        await client.apply_token()


def test_client_refuses_plain_http_elsewhere() -> None:
    with pytest.raises(BosmaInvalidUrlError):
        BosmaClient(
            None,  # type: ignore[arg-type]
            BosmaAccount(
                base_url="http://www.bosma-iot.com",
                corp="c",
                api_secret="s",
                app_package="p",
                platform=Platform.IOS,
                openid="o",
                country="DE",
            ),
        )
