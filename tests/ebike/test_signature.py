"""SignatureVerifier against real signed deliveries of the simulated cloud."""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import time
import typing

import aiohttp
from cryptography.hazmat.primitives import serialization
from hypothesis import given, settings, strategies as st
import pytest

from custom_components.bosch_connect.ebike.api import EbikeClient
from custom_components.bosch_connect.ebike.errors import (
    BadSignatureError,
    CertificateError,
    CertificateUrlNotAllowedError,
    MissingSignatureError,
    SignatureError,
    UnsupportedAlgorithmError,
)
from custom_components.bosch_connect.ebike.signature import (
    SignatureVerifier,
    TrustStore,
    _load_certs,
    is_supported_algorithm,
    load_trust_store,
)
from simulator.ebike import EbikeCloud
from simulator.pki import issue

from .conftest import Received, WebhookReceiver

CERTS = "/notification/v1/certs/"


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations() -> None:
    """Protocol tests: no Home Assistant instance is needed (nor started)."""


@pytest.fixture
async def subscribed(
    ebike_client: EbikeClient, webhook_receiver: WebhookReceiver
) -> str:
    """Both event types subscribed to the receiver; returns the cert URL."""
    _, cert_url = await ebike_client.create_webhook(
        webhook_receiver.url, ["BIKE_STATUS", "LOCATION_TRACKING"]
    )
    assert cert_url is not None
    return cert_url


@pytest.fixture
def verifier(
    ebike_sim: EbikeCloud,
    ebike_session: aiohttp.ClientSession,
    ebike_trust: TrustStore,
    subscribed: str,
) -> SignatureVerifier:
    return SignatureVerifier(
        ebike_session,
        api_url=ebike_sim.api_url,
        trust=ebike_trust,
        ssl=ebike_sim.ssl_context(),
        allowed_cert_urls=[subscribed],
    )


async def notification(
    sim: EbikeCloud, receiver: WebhookReceiver, kind: str = "BIKE_STATUS"
) -> Received:
    await sim.deliver_now(0, kind)
    return receiver.received[-1]


def cert_fetches(sim: EbikeCloud) -> int:
    return len(sim.faults.requests(CERTS))


SPELLINGS = (
    "SHA256withRSA",
    "SHA-256 with RSA encryption",
    "sha256WithRSAEncryption",
    "RS256",
    "sha256withrsa",
    "SHA256_WITH_RSA",
)


async def test_accepts_every_spelling(
    ebike_sim: EbikeCloud,
    webhook_receiver: WebhookReceiver,
    verifier: SignatureVerifier,
) -> None:
    received = await notification(ebike_sim, webhook_receiver)
    for algorithm in SPELLINGS:
        assert is_supported_algorithm(algorithm)
        headers = {**received.headers, "X-Bosch-Sig-Algo": algorithm}
        cert = await verifier.async_verify(received.body, headers)
        subject = cert.subject.rfc4514_string()
        assert "CN=notification-signing.bosch-ebike.sim" in subject


async def test_webhook_test_is_signed_and_headers_are_case_insensitive(
    webhook_receiver: WebhookReceiver, verifier: SignatureVerifier
) -> None:
    test = webhook_receiver.received[0]
    lowered = {k.lower(): v for k, v in test.headers.items()}
    await verifier.async_verify(test.body, lowered)


async def test_certificate_fetched_once_then_cached(
    ebike_sim: EbikeCloud,
    webhook_receiver: WebhookReceiver,
    verifier: SignatureVerifier,
) -> None:
    received = await notification(ebike_sim, webhook_receiver)
    assert verifier.verify_cached(received.body, received.headers) is False
    assert cert_fetches(ebike_sim) == 0
    await verifier.async_verify(received.body, received.headers)
    assert cert_fetches(ebike_sim) == 1
    for _ in range(3):
        again = await notification(ebike_sim, webhook_receiver, "LOCATION_TRACKING")
        assert verifier.verify_cached(again.body, again.headers) is True
        await verifier.async_verify(again.body, again.headers)
    assert cert_fetches(ebike_sim) == 1
    [fetch] = ebike_sim.faults.requests(CERTS)
    assert "Authorization" not in fetch.headers  # the certificate needs no token


async def test_verification_is_fast_once_cached(
    ebike_sim: EbikeCloud,
    webhook_receiver: WebhookReceiver,
    verifier: SignatureVerifier,
) -> None:
    """RSA-2048 verification is cheap enough for the event loop."""
    received = await notification(ebike_sim, webhook_receiver)
    await verifier.async_verify(received.body, received.headers)
    rounds = 200
    start = time.perf_counter()
    for _ in range(rounds):
        assert verifier.verify_cached(received.body, received.headers)
    per_call = (time.perf_counter() - start) / rounds
    assert per_call < 0.005, per_call


async def test_unknown_algorithm_refused_without_fetching(
    ebike_sim: EbikeCloud,
    webhook_receiver: WebhookReceiver,
    verifier: SignatureVerifier,
) -> None:
    ebike_sim.delivery_faults.wrong_algorithm = True
    received = await notification(ebike_sim, webhook_receiver)
    assert received.headers["X-Bosch-Sig-Algo"] == "SHA1withRSA"
    with pytest.raises(UnsupportedAlgorithmError):
        await verifier.async_verify(received.body, received.headers)
    for name in ("RSASSA-PSS", "SHA512withRSA", "none", "SHA256withECDSA"):
        assert not is_supported_algorithm(name)
        with pytest.raises(UnsupportedAlgorithmError):
            await verifier.async_verify(
                received.body, {**received.headers, "X-Bosch-Sig-Algo": name}
            )
    assert cert_fetches(ebike_sim) == 0


async def test_bad_signature(
    ebike_sim: EbikeCloud,
    webhook_receiver: WebhookReceiver,
    verifier: SignatureVerifier,
) -> None:
    ebike_sim.delivery_faults.invalid_signature = True
    received = await notification(ebike_sim, webhook_receiver)
    with pytest.raises(BadSignatureError):
        await verifier.async_verify(received.body, received.headers)
    ebike_sim.delivery_faults.invalid_signature = False
    good = await notification(ebike_sim, webhook_receiver)
    await verifier.async_verify(good.body, good.headers)
    with pytest.raises(BadSignatureError):  # a changed body
        await verifier.async_verify(good.body + b" ", good.headers)


async def test_missing_or_unreadable_signature(
    ebike_sim: EbikeCloud,
    webhook_receiver: WebhookReceiver,
    verifier: SignatureVerifier,
) -> None:
    ebike_sim.delivery_faults.missing_signature = True
    received = await notification(ebike_sim, webhook_receiver)
    assert "X-Bosch-Sig" not in received.headers
    with pytest.raises(MissingSignatureError):
        await verifier.async_verify(received.body, received.headers)
    for broken in ("***", "", "  "):
        with pytest.raises(MissingSignatureError):
            await verifier.async_verify(
                received.body, {**received.headers, "X-Bosch-Sig": broken}
            )
    assert issubclass(MissingSignatureError, SignatureError)


async def test_foreign_certificate_url_is_never_fetched(
    ebike_sim: EbikeCloud,
    webhook_receiver: WebhookReceiver,
    verifier: SignatureVerifier,
) -> None:
    ebike_sim.delivery_faults.foreign_cert_url = True
    received = await notification(ebike_sim, webhook_receiver)
    assert "/foreign/" in received.headers["X-Bosch-Cert-Url"]
    with pytest.raises(CertificateUrlNotAllowedError):
        await verifier.async_verify(received.body, received.headers)
    assert ebike_sim.faults.requests("/foreign") == []
    assert len(ebike_sim.faults.requests("/", "GET")) == 0


async def test_http_certificate_url_is_never_fetched(
    ebike_sim: EbikeCloud,
    webhook_receiver: WebhookReceiver,
    verifier: SignatureVerifier,
) -> None:
    ebike_sim.delivery_faults.http_cert_url = True
    received = await notification(ebike_sim, webhook_receiver)
    assert received.headers["X-Bosch-Cert-Url"].startswith("http://")
    with pytest.raises(CertificateUrlNotAllowedError):
        await verifier.async_verify(received.body, received.headers)
    assert cert_fetches(ebike_sim) == 0
    with pytest.raises(CertificateUrlNotAllowedError):
        verifier.allow_cert_url(received.headers["X-Bosch-Cert-Url"])
    with pytest.raises(CertificateUrlNotAllowedError):
        verifier.allow_cert_url("https://[::1")


async def test_untrusted_certificates_are_refused(
    ebike_sim: EbikeCloud,
    webhook_receiver: WebhookReceiver,
    ebike_session: aiohttp.ClientSession,
    ebike_trust: TrustStore,
    subscribed: str,
) -> None:
    for fetched, kind in enumerate(("expired", "self_signed", "unknown_ca"), start=1):
        verifier = SignatureVerifier(
            ebike_session,
            api_url=ebike_sim.api_url,
            trust=ebike_trust,
            ssl=ebike_sim.ssl_context(),
        )
        ebike_sim.use_signing_cert(kind)
        received = await notification(ebike_sim, webhook_receiver)
        with pytest.raises(CertificateError):
            await verifier.async_verify(received.body, received.headers)
        assert cert_fetches(ebike_sim) == fetched  # under the API prefix: fetched
        # A failed URL is not fetched again right away.
        with pytest.raises(CertificateError, match="recently"):
            await verifier.async_verify(received.body, received.headers)
        assert cert_fetches(ebike_sim) == fetched


@pytest.mark.usefixtures("subscribed")
async def test_cached_certificate_expiry_is_rechecked(
    ebike_sim: EbikeCloud,
    ebike_session: aiohttp.ClientSession,
    ebike_trust: TrustStore,
    webhook_receiver: WebhookReceiver,
) -> None:
    now = [time.time()]
    verifier = SignatureVerifier(
        ebike_session,
        api_url=ebike_sim.api_url,
        trust=ebike_trust,
        ssl=ebike_sim.ssl_context(),
        clock=lambda: now[0],
    )
    received = await notification(ebike_sim, webhook_receiver)
    await verifier.async_verify(received.body, received.headers)
    now[0] += 400 * 86400  # after the certificate's notAfter
    with pytest.raises(CertificateError, match="expired"):
        verifier.verify_cached(received.body, received.headers)
    now[0] -= 800 * 86400  # before its notBefore
    with pytest.raises(CertificateError, match="not yet valid"):
        verifier.verify_cached(received.body, received.headers)


async def test_unknown_certificate_id_under_the_prefix(
    ebike_sim: EbikeCloud,
    webhook_receiver: WebhookReceiver,
    verifier: SignatureVerifier,
) -> None:
    received = await notification(ebike_sim, webhook_receiver)
    url = f"{ebike_sim.api_url}{CERTS}00000000-0000-4000-8000-000000000000"
    with pytest.raises(CertificateError, match="HTTP 404"):
        await verifier.async_verify(
            received.body, {**received.headers, "X-Bosch-Cert-Url": url}
        )


@pytest.mark.usefixtures("subscribed", "refused_handshakes_ok")
async def test_certificate_download_failure(
    ebike_sim: EbikeCloud,
    webhook_receiver: WebhookReceiver,
    ebike_session: aiohttp.ClientSession,
    ebike_trust: TrustStore,
) -> None:
    """Without the simulator's CA for TLS the download fails (no plain fallback)."""
    verifier = SignatureVerifier(
        ebike_session, api_url=ebike_sim.api_url, trust=ebike_trust
    )
    received = await notification(ebike_sim, webhook_receiver)
    with pytest.raises(CertificateError, match="download failed"):
        await verifier.async_verify(received.body, received.headers)


def test_allowed_urls(ebike_session: aiohttp.ClientSession) -> None:
    verifier = SignatureVerifier(
        ebike_session,
        api_url="https://api.bosch-ebike.com",
        trust=TrustStore(),
        allowed_cert_urls=["https://certs.example.com/bosch/abc.pem"],
    )
    assert verifier.allowed == frozenset({"https://certs.example.com/bosch/abc.pem"})
    allowed = [
        "https://api.bosch-ebike.com/notification/v1/certs/3f1c",
        "https://api.bosch-ebike.com:443/notification/v1/certs/3f1c",
        "https://certs.example.com/bosch/abc.pem",
    ]
    refused = [
        "http://api.bosch-ebike.com/notification/v1/certs/3f1c",
        "https://api.bosch-ebike.com.evil.com/notification/v1/certs/3f1c",
        "https://evil.com/notification/v1/certs/3f1c",
        "https://api.bosch-ebike.com:8443/notification/v1/certs/3f1c",
        "https://api.bosch-ebike.com/notification/v1/certs/",
        "https://api.bosch-ebike.com/notification/v1/certs/a/b",
        "https://api.bosch-ebike.com/notification/v1/certs/..%2F..%2Fadmin",
        "https://api.bosch-ebike.com/notification/v1/certs/x?redirect=evil",
        "https://api.bosch-ebike.com/notification/v1/certs/x#frag",
        "https://user@api.bosch-ebike.com/notification/v1/certs/x",
        "https://api.bosch-ebike.com/notification/v1/other/x",
        "https://certs.example.com/bosch/other.pem",
        "file:///etc/passwd",
        "not a url at all",
        "https://[::1",
    ]
    for url in allowed:
        assert verifier.is_allowed(url), url
    for url in refused:
        assert not verifier.is_allowed(url), url


def test_api_on_http_allows_no_prefix(ebike_session: aiohttp.ClientSession) -> None:
    verifier = SignatureVerifier(
        ebike_session, api_url="http://127.0.0.1:1", trust=TrustStore()
    )
    assert not verifier.is_allowed("https://127.0.0.1:1/notification/v1/certs/x")


# --- certificates and trust, without the network ---------------------------------


def _verifier(session: aiohttp.ClientSession, trust: TrustStore) -> SignatureVerifier:
    return SignatureVerifier(session, api_url="https://api.example", trust=trust)


def test_chain_through_an_intermediate(ebike_session: aiohttp.ClientSession) -> None:
    root = issue("Root", ca=True, path_length=1)
    intermediate = issue("Intermediate", issuer=root, ca=True, path_length=0)
    leaf = issue("signer", issuer=intermediate, key_kind="rsa")
    verifier = _verifier(ebike_session, TrustStore((root.cert,)))
    bundle = (leaf.cert_pem + intermediate.cert_pem).encode()
    assert verifier._validate(bundle).cert == leaf.cert
    with pytest.raises(CertificateError, match="issuer"):
        verifier._validate(leaf.cert_pem.encode())  # intermediate missing
    # DER works too, whatever its last byte (binary, never stripped).
    der = leaf.cert.public_bytes(serialization.Encoding.DER)
    with pytest.raises(CertificateError, match="issuer"):
        verifier._validate(der)
    for last in b" \n\t\r":
        with pytest.raises(CertificateError, match=r"issuer|parsable") as err:
            verifier._validate(der[:-1] + bytes([last]))
        # A changed signature byte still parses: only the chain is refused.
        assert "issuer" in str(err.value)


def test_refusals_of_odd_certificates(ebike_session: aiohttp.ClientSession) -> None:
    root = issue("Root", ca=True)
    verifier = _verifier(ebike_session, TrustStore((root.cert,)))
    ec_leaf = issue("ec signer", issuer=root)  # EC key, not RSA
    with pytest.raises(CertificateError, match="not RSA"):
        verifier._validate(ec_leaf.cert_pem.encode())
    with pytest.raises(CertificateError, match="not parsable"):
        verifier._validate(b"garbage")
    # A leaf that is not a CA cannot issue.
    not_ca = issue("not a CA", key_kind="rsa")
    child = issue("child", issuer=not_ca, key_kind="rsa")
    fake = TrustStore((not_ca.cert,))
    with pytest.raises(CertificateError):
        _verifier(ebike_session, fake)._validate(child.cert_pem.encode())
    # An expired intermediate breaks the chain.
    past = dt.datetime.now(dt.UTC) - dt.timedelta(days=2)
    old = issue(
        "Old intermediate",
        issuer=root,
        ca=True,
        not_before=past - dt.timedelta(days=10),
        not_after=past,
    )
    leaf = issue("signer", issuer=old, key_kind="rsa")
    with pytest.raises(CertificateError, match="expired"):
        verifier._validate((leaf.cert_pem + old.cert_pem).encode())
    # So does a signing certificate that is not valid yet.
    future = dt.datetime.now(dt.UTC) + dt.timedelta(days=2)
    early = issue(
        "early signer",
        issuer=root,
        key_kind="rsa",
        not_before=future,
        not_after=future + dt.timedelta(days=10),
    )
    with pytest.raises(CertificateError, match="not yet valid"):
        verifier._validate(early.cert_pem.encode())


def test_chain_too_long(ebike_session: aiohttp.ClientSession) -> None:
    root = issue("Root", ca=True)
    chain = [issue("CA 0", issuer=root, ca=True)]
    for depth in range(1, 6):
        chain.append(issue(f"CA {depth}", issuer=chain[-1], ca=True))
    leaf = issue("signer", issuer=chain[-1], key_kind="rsa")
    pem = leaf.cert_pem + "".join(c.cert_pem for c in reversed(chain))
    verifier = _verifier(ebike_session, TrustStore((root.cert,)))
    with pytest.raises(CertificateError, match="too long"):
        verifier._validate(pem.encode())


def test_load_trust_store() -> None:
    root = issue("Root", ca=True)
    der = root.cert.public_bytes(serialization.Encoding.DER)
    loaded = load_trust_store([root.cert_pem, root.cert_pem.encode(), der])
    assert loaded.anchors == (root.cert, root.cert, root.cert)
    # What does not load is left out (base64 text is no DER).
    assert load_trust_store(["not a pem", base64.b64encode(der)]).anchors == ()


@pytest.mark.parametrize(
    "item",
    [
        b"-----BEGIN CERTIFICATE-----\nQQQ\n-----END CERTIFICATE-----\n",  # bad padding
        b"\x30\x03\x02\x01\x01",  # a SEQUENCE, but no tbsCertificate
        b"\x31\x00",  # no SEQUENCE at all
        b"\x30\x85\x01\x02\x03\x04\x05",  # a length of five bytes
        b"\x30\x0a\x30\x08\x02\x01\x01\x02\x01\x01\x02\x00",  # not a certificate
        b"",
    ],
)
def test_a_malformed_anchor_is_left_out(item: bytes) -> None:
    """Whatever a bundle holds: what does not load is left out, nothing raises."""
    root = issue("Root", ca=True)
    assert load_trust_store([item, root.cert_pem]).anchors == (root.cert,)


def _der_length(length: int) -> bytes:
    if length < 0x80:
        return bytes([length])
    raw = length.to_bytes((length.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(raw)]) + raw


def _with_serial_zero(der: bytes) -> bytes:
    """The certificate re-encoded with serial number 0 (as some old real roots)."""

    def item(pos: int) -> tuple[int, int, int]:
        first = der[pos + 1]
        if first < 0x80:
            return der[pos], pos + 2, first
        count = first & 0x7F
        return der[pos], pos + 2 + count, int.from_bytes(der[pos + 2 : pos + 2 + count])

    _, tbs_pos, _ = item(0)
    _, tbs_start, tbs_len = item(tbs_pos)
    _, version_start, version_len = item(tbs_start)
    serial_pos = version_start + version_len
    _, serial_start, serial_len = item(serial_pos)
    tbs = (
        der[tbs_start:serial_pos]
        + b"\x02\x01\x00"
        + der[serial_start + serial_len : tbs_start + tbs_len]
    )
    body = b"\x30" + _der_length(len(tbs)) + tbs + der[tbs_start + tbs_len :]
    return b"\x30" + _der_length(len(body)) + body


def test_a_bundle_with_a_serial_zero_root_keeps_the_others() -> None:
    """Real system bundles hold roots with serial 0; cryptography deprecates them."""
    good = issue("Good root", ca=True)
    zero_der = _with_serial_zero(good.cert.public_bytes(serialization.Encoding.DER))
    zero_pem = (
        b"-----BEGIN CERTIFICATE-----\n"
        + base64.encodebytes(zero_der)
        + b"-----END CERTIFICATE-----\n"
    )
    bundle = zero_pem + good.cert_pem.encode()
    # Loaded as a bundle: the serial-0 root is left out, the rest stays, and
    # no deprecation warning is raised (the guard in conftest.py would fail).
    assert _load_certs(bundle, skip_bad=True) == [good.cert]
    # Anywhere else (a fetched chain) one bad certificate is all.
    assert _load_certs(bundle) == []
    assert load_trust_store([bundle]).anchors == (good.cert,)


def test_a_ca_without_basic_constraints_is_no_issuer(
    ebike_session: aiohttp.ClientSession,
) -> None:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.x509.oid import NameOID

    from simulator.pki import Issued, new_key

    key = new_key()
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "bare")])
    now = dt.datetime.now(dt.UTC)
    bare = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    leaf = issue("signer", issuer=Issued(cert=bare, key=key), key_kind="rsa")
    verifier = _verifier(ebike_session, TrustStore((bare,)))
    with pytest.raises(CertificateError, match="issuer"):
        verifier._validate(leaf.cert_pem.encode())


async def test_concurrent_first_notifications_fetch_once(
    ebike_sim: EbikeCloud,
    webhook_receiver: WebhookReceiver,
    verifier: SignatureVerifier,
) -> None:
    import asyncio

    received = await notification(ebike_sim, webhook_receiver)
    await asyncio.gather(
        *(verifier.async_verify(received.body, received.headers) for _ in range(3))
    )
    assert cert_fetches(ebike_sim) == 1


async def test_cache_is_bounded(
    ebike_sim: EbikeCloud,
    webhook_receiver: WebhookReceiver,
    verifier: SignatureVerifier,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from custom_components.bosch_connect.ebike import signature

    monkeypatch.setattr(signature, "MAX_CACHED", 0)
    received = await notification(ebike_sim, webhook_receiver)
    await verifier.async_verify(received.body, received.headers)
    assert verifier.verify_cached(received.body, received.headers) is False
    await verifier.async_verify(received.body, received.headers)
    assert cert_fetches(ebike_sim) == 2


async def test_oversized_certificate_download(
    ebike_sim: EbikeCloud,
    webhook_receiver: WebhookReceiver,
    verifier: SignatureVerifier,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from custom_components.bosch_connect.ebike import signature

    monkeypatch.setattr(signature, "MAX_CERT_BYTES", 100)
    received = await notification(ebike_sim, webhook_receiver)
    with pytest.raises(CertificateError, match="too large"):
        await verifier.async_verify(received.body, received.headers)


def test_a_ca_with_the_same_name_but_another_key_is_no_issuer(
    ebike_session: aiohttp.ClientSession,
) -> None:
    root = issue("Root", ca=True)
    impostor = issue("Root", ca=True)  # same subject, different key
    leaf = issue("signer", issuer=root, key_kind="rsa")
    verifier = _verifier(ebike_session, TrustStore((impostor.cert,)))
    with pytest.raises(CertificateError, match="issuer"):
        verifier._validate(leaf.cert_pem.encode())
    assert _verifier(ebike_session, TrustStore((root.cert,)))._validate(
        leaf.cert_pem.encode()
    )


# --- fuzz: any headers give a SignatureError or a verdict, never anything else ---------

_HEADER_VALUES = st.one_of(
    st.text(max_size=60),
    st.sampled_from(
        [
            "SHA256withRSA",
            "RS256",
            "https://api.example/notification/v1/certs/1",
            "https://api.example/notification/v1/certs/%2e%2e",
            "http://api.example/notification/v1/certs/1",
            "aGVsbG8=",
            "",
        ]
    ),
)


@settings(max_examples=300, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(
            ["X-Bosch-Sig", "x-bosch-sig-algo", "X-BOSCH-CERT-URL", "Other"]
        ),
        _HEADER_VALUES,
    ),
    st.binary(max_size=64),
)
def test_random_headers_never_crash(headers: dict[str, str], body: bytes) -> None:
    session = typing.cast(aiohttp.ClientSession, None)  # never used: no network here
    verifier = SignatureVerifier(
        session, api_url="https://api.example", trust=TrustStore()
    )
    with contextlib.suppress(SignatureError):
        assert verifier.verify_cached(body, headers) is False


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=80))
def test_random_urls_are_judged_without_errors(url: str) -> None:
    session = typing.cast(aiohttp.ClientSession, None)
    verifier = SignatureVerifier(
        session, api_url="https://api.example", trust=TrustStore()
    )
    assert verifier.is_allowed(url) in (True, False)
    if verifier.is_allowed(url):
        assert url.startswith("https://api.example")


@pytest.mark.usefixtures("subscribed")
async def test_rotated_certificate_behind_the_same_url(
    ebike_sim: EbikeCloud,
    ebike_session: aiohttp.ClientSession,
    ebike_trust: TrustStore,
    webhook_receiver: WebhookReceiver,
) -> None:
    """After a bad signature an old cached certificate is fetched again (hourly)."""
    now = [time.time()]
    verifier = SignatureVerifier(
        ebike_session,
        api_url=ebike_sim.api_url,
        trust=ebike_trust,
        ssl=ebike_sim.ssl_context(),
        clock=lambda: now[0],
    )
    before = await notification(ebike_sim, webhook_receiver)
    await verifier.async_verify(before.body, before.headers)
    ebike_sim.rotate_signing_cert()
    after = await notification(ebike_sim, webhook_receiver)
    assert after.headers["X-Bosch-Cert-Url"] == before.headers["X-Bosch-Cert-Url"]
    with pytest.raises(BadSignatureError):  # fetched just now: no refetch
        verifier.verify_cached(after.body, after.headers)
    with pytest.raises(BadSignatureError):
        await verifier.async_verify(after.body, after.headers)
    assert cert_fetches(ebike_sim) == 1
    now[0] += 3601
    assert verifier.verify_cached(after.body, after.headers) is False
    await verifier.async_verify(after.body, after.headers)
    assert cert_fetches(ebike_sim) == 2
    assert verifier.verify_cached(after.body, after.headers) is True
    # A forged body stays refused, and costs at most one fetch an hour.
    with pytest.raises(BadSignatureError):
        await verifier.async_verify(after.body + b"!", after.headers)
    assert cert_fetches(ebike_sim) == 2
