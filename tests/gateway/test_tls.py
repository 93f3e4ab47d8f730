"""Mutual TLS: credential checks, the client context, what the gateway refuses."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path
import ssl
import tempfile
import warnings

import aiohttp
from aiohttp import web
from cryptography import x509
import pytest

from custom_components.bosch_connect.gateway.api import GatewayClient
from custom_components.bosch_connect.gateway.errors import (
    CertificateExpiredError,
    GatewayTlsError,
    KeyMismatchError,
    MalformedPemError,
)
from custom_components.bosch_connect.gateway.tls import (
    CIPHERS,
    build_ssl_context,
    validate_credentials,
)
from simulator.gateway import GatewaySimulator
from simulator.gateway.listener import TlsListener
from simulator.gateway.tokens import DEMO_CLIENT_ID
from simulator.pki import Issued, issue

NOW = dt.datetime.now(dt.UTC)


# ---- validate_credentials ---------------------------------------------------
def test_valid_credentials(gateway_credentials: dict[str, str]) -> None:
    leaf = validate_credentials(
        gateway_credentials["client_cert"],
        gateway_credentials["client_key"],
        gateway_credentials["root_cert"],
        NOW,
    )
    assert leaf.subject.rfc4514_string().startswith("CN=Home Assistant")


def test_chain_pem_is_accepted(gateway_sim: GatewaySimulator) -> None:
    pki = gateway_sim.pki
    leaf = validate_credentials(
        pki.client_intermediate_chain_pem,
        pki.client_intermediate.key_pem,
        pki.bosch_root.cert_pem,
    )
    assert leaf == pki.client_intermediate.cert


BROKEN_CERT = (
    "-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----"
)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("client_cert", ""),
        ("client_cert", "hello"),
        ("client_cert", BROKEN_CERT),
        ("client_key", ""),
        ("client_key", "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----"),
        ("root_cert", "root"),
        ("root_cert", BROKEN_CERT),
    ],
)
def test_malformed_pem(
    gateway_credentials: dict[str, str], field: str, value: str
) -> None:
    values = {**gateway_credentials, field: value}
    with pytest.raises(MalformedPemError) as err:
        validate_credentials(
            values["client_cert"], values["client_key"], values["root_cert"], NOW
        )
    assert err.value.field == field
    assert "PRIVATE" not in str(err.value)


def test_encrypted_key_is_refused(gateway_sim: GatewaySimulator) -> None:
    from cryptography.hazmat.primitives import serialization

    encrypted = gateway_sim.pki.client.key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"secret"),
    ).decode()
    with pytest.raises(MalformedPemError, match="encrypted") as err:
        validate_credentials(
            gateway_sim.pki.client.cert_pem,
            encrypted,
            gateway_sim.pki.bosch_root.cert_pem,
        )
    assert err.value.field == "client_key"


def test_key_mismatch(gateway_sim: GatewaySimulator) -> None:
    pki = gateway_sim.pki
    with pytest.raises(KeyMismatchError) as err:
        validate_credentials(
            pki.client.cert_pem, pki.rogue_client.key_pem, pki.bosch_root.cert_pem
        )
    assert err.value.field == "client_key"


@pytest.mark.parametrize(
    ("not_before", "not_after"),
    [
        (NOW - dt.timedelta(days=30), NOW - dt.timedelta(days=1)),
        (NOW + dt.timedelta(days=1), NOW + dt.timedelta(days=30)),
    ],
)
def test_expired_or_future_client_certificate(
    gateway_sim: GatewaySimulator, not_before: dt.datetime, not_after: dt.datetime
) -> None:
    pki = gateway_sim.pki
    cert = issue(
        "old",
        issuer=pki.partner_root,
        client=True,
        not_before=not_before,
        not_after=not_after,
    )
    with pytest.raises(CertificateExpiredError) as err:
        validate_credentials(cert.cert_pem, cert.key_pem, pki.bosch_root.cert_pem, NOW)
    assert err.value.field == "client_cert"


def test_expired_root(gateway_credentials: dict[str, str]) -> None:
    root = issue(
        "old root",
        ca=True,
        not_before=NOW - dt.timedelta(days=30),
        not_after=NOW - dt.timedelta(days=2),
    )
    with pytest.raises(CertificateExpiredError) as err:
        validate_credentials(
            gateway_credentials["client_cert"],
            gateway_credentials["client_key"],
            root.cert_pem,
            NOW,
        )
    assert err.value.field == "root_cert"


# ---- build_ssl_context -----------------------------------------------------
def test_context_settings(
    gateway_credentials: dict[str, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A private temp folder: parallel tests build contexts at the same time.
    private = tmp_path / "tmp"
    private.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(private))
    context = build_ssl_context(
        gateway_credentials["client_cert"],
        gateway_credentials["client_key"],
        gateway_credentials["root_cert"],
    )
    assert list(private.iterdir()) == []  # the key never stays on disk
    assert context.minimum_version == ssl.TLSVersion.TLSv1_2
    assert context.maximum_version == ssl.TLSVersion.TLSv1_2
    assert context.check_hostname is False
    assert context.verify_mode == ssl.CERT_REQUIRED
    offered = {c["name"] for c in context.get_ciphers() if c["protocol"] == "TLSv1.2"}
    assert offered == set(CIPHERS)
    assert len(context.get_ca_certs()) == 1


def test_context_with_bad_root(gateway_credentials: dict[str, str]) -> None:
    with pytest.raises(MalformedPemError) as err:
        build_ssl_context(
            gateway_credentials["client_cert"], gateway_credentials["client_key"], "x"
        )
    assert err.value.field == "root_cert"


def test_context_with_mismatched_key(gateway_sim: GatewaySimulator) -> None:
    pki = gateway_sim.pki
    with pytest.raises(GatewayTlsError):
        build_ssl_context(
            pki.client.cert_pem, pki.rogue_client.key_pem, pki.bosch_root.cert_pem
        )


# ---- handshakes against the simulator --------------------------------------
def _client(
    sim: GatewaySimulator, session: aiohttp.ClientSession, context: ssl.SSLContext
) -> GatewayClient:
    return GatewayClient(
        session,
        sim.host,
        api_port=sim.api_port,
        auth_port=sim.auth_port,
        ssl_context=context,
        token="not-a-token",
        timeout=5,
    )


async def test_chain_depth_3_is_accepted(
    gateway_sim: GatewaySimulator, gateway_session: aiohttp.ClientSession
) -> None:
    pki = gateway_sim.pki
    context = build_ssl_context(
        pki.client_intermediate_chain_pem,
        pki.client_intermediate.key_pem,
        pki.bosch_root.cert_pem,
    )
    client = _client(gateway_sim, gateway_session, context)
    gateway_sim.press()
    token = await client.request_token(DEMO_CLIENT_ID, "Home Assistant")
    client.set_token(token.access_token)
    assert (await client.get("/gateway/brand")).value == "Bosch"


@pytest.mark.parametrize("port", ["auth", "api"])
async def test_chain_deeper_than_3_is_refused(
    gateway_sim: GatewaySimulator, gateway_session: aiohttp.ClientSession, port: str
) -> None:
    pki = gateway_sim.pki
    context = build_ssl_context(
        pki.client_too_deep_chain_pem,
        pki.client_too_deep.key_pem,
        pki.bosch_root.cert_pem,
    )
    client = _client(gateway_sim, gateway_session, context)
    gateway_sim.press()
    call = (
        client.request_token(DEMO_CLIENT_ID, "Home Assistant")
        if port == "auth"
        else client.get("/gateway/brand")
    )
    with pytest.raises(GatewayTlsError):
        await call
    assert gateway_sim.token_count == 0
    assert gateway_sim.refused_handshakes == ["SSLCertVerificationError"]


async def test_rogue_client_ca_is_refused(
    gateway_sim: GatewaySimulator, gateway_session: aiohttp.ClientSession
) -> None:
    pki = gateway_sim.pki
    context = build_ssl_context(
        pki.rogue_client.cert_pem, pki.rogue_client.key_pem, pki.bosch_root.cert_pem
    )
    client = _client(gateway_sim, gateway_session, context)
    gateway_sim.press()
    with pytest.raises(GatewayTlsError):
        await client.request_token(DEMO_CLIENT_ID, "Home Assistant")
    assert gateway_sim.token_count == 0
    assert gateway_sim.refused_handshakes == ["SSLCertVerificationError"]


async def test_gateway_not_from_bosch_root_is_refused(
    gateway_sim: GatewaySimulator, gateway_session: aiohttp.ClientSession
) -> None:
    pki = gateway_sim.pki
    context = build_ssl_context(
        pki.client.cert_pem, pki.client.key_pem, pki.rogue_bosch_root.cert_pem
    )
    client = _client(gateway_sim, gateway_session, context)
    gateway_sim.press()
    with pytest.raises(GatewayTlsError, match="Bosch root"):
        await client.request_token(DEMO_CLIENT_ID, "Home Assistant")
    with pytest.raises(GatewayTlsError, match="Bosch root"):
        await client.get("/gateway/brand")
    # No request reached the gateway: the window is still open.
    assert gateway_sim.tokens.window_open
    assert gateway_sim.faults.requests() == []


async def test_client_without_certificate_is_refused(
    gateway_sim: GatewaySimulator, gateway_session: aiohttp.ClientSession
) -> None:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.load_verify_locations(cadata=gateway_sim.pki.bosch_root.cert_pem)
    with pytest.raises(GatewayTlsError):
        await _client(gateway_sim, gateway_session, context).get("/gateway/brand")
    assert gateway_sim.refused_handshakes == ["SSLError"]


def _pin_version(
    context: ssl.SSLContext,
    minimum: ssl.TLSVersion,
    maximum: ssl.TLSVersion | None,
) -> None:
    """Set the TLS versions of a test peer; old ones on purpose.

    Python deprecates TLS 1.0 and 1.1; these peers use them deliberately, to
    show that our client and the simulator refuse them.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings(
            "ignore", r"ssl\.TLSVersion\.TLSv1(_1)? is deprecated", DeprecationWarning
        )
        context.minimum_version = minimum
        if maximum is not None:
            context.maximum_version = maximum


def _raw_context(
    sim: GatewaySimulator,
    *,
    version: ssl.TLSVersion = ssl.TLSVersion.TLSv1_2,
    ciphers: str | None = None,
) -> ssl.SSLContext:
    """A client context with our certificate but other TLS settings."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.load_verify_locations(cadata=sim.pki.bosch_root.cert_pem)
    _pin_version(context, version, version)
    if ciphers:
        context.set_ciphers(ciphers)
    folder = sim.pki.folder
    context.load_cert_chain(folder / "client.pem", folder / "client.key.pem")
    return context


async def _handshake(sim: GatewaySimulator, context: ssl.SSLContext) -> str:
    """Handshake with the API port; the negotiated cipher, or raise."""
    reader, writer = await asyncio.open_connection(sim.host, sim.api_port, ssl=context)
    try:
        ssl_object = writer.get_extra_info("ssl_object")
        writer.write(b"GET /gateway/brand HTTP/1.1\r\nHost: gw\r\n\r\n")
        await writer.drain()
        status = await reader.readline()
        assert status.startswith(b"HTTP/1.1 401")  # no token, but TLS worked
        return str(ssl_object.cipher()[0])
    finally:
        writer.close()


@pytest.mark.parametrize("cipher", CIPHERS)  # EC and RSA server keys
async def test_allowed_cipher_works(gateway_sim: GatewaySimulator, cipher: str) -> None:
    assert await _handshake(gateway_sim, _raw_context(gateway_sim, ciphers=cipher)) == (
        cipher
    )
    assert gateway_sim.refused_handshakes == []


@pytest.mark.parametrize(
    "cipher",
    ["ECDHE-ECDSA-CHACHA20-POLY1305", "ECDHE-ECDSA-AES128-SHA256", "AES128-GCM-SHA256"],
)
async def test_other_cipher_is_refused(
    gateway_sim: GatewaySimulator, cipher: str
) -> None:
    with pytest.raises((ssl.SSLError, ConnectionError)):
        await _handshake(gateway_sim, _raw_context(gateway_sim, ciphers=cipher))
    assert gateway_sim.refused_handshakes == ["SSLError"]  # the gateway said no


@pytest.mark.filterwarnings("ignore:ssl.TLSVersion.TLSv1_1 is deprecated")
async def test_tls_1_1_is_refused(gateway_sim: GatewaySimulator) -> None:
    # SECLEVEL=0 lets this client really offer TLS 1.1; the gateway says no.
    context = _raw_context(
        gateway_sim, version=ssl.TLSVersion.TLSv1_1, ciphers="ALL:@SECLEVEL=0"
    )
    with pytest.raises((ssl.SSLError, ConnectionError)):
        await _handshake(gateway_sim, context)
    assert gateway_sim.refused_handshakes == ["SSLError"]  # the gateway said no


async def test_tls_1_3_only_client_is_refused(gateway_sim: GatewaySimulator) -> None:
    context = _raw_context(gateway_sim, version=ssl.TLSVersion.TLSv1_3)
    with pytest.raises((ssl.SSLError, ConnectionError)):
        await _handshake(gateway_sim, context)
    assert gateway_sim.refused_handshakes == ["SSLError"]  # the gateway said no


async def test_port_that_does_not_speak_tls(
    gateway_session: aiohttp.ClientSession,
    gateway_ssl_context: ssl.SSLContext,
    socket_enabled: None,
) -> None:
    """Plain HTTP where the gateway's TLS port should be: a TLS error."""

    async def answer(
        reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        await reader.read(100)
        writer.write(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(answer, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    client = GatewayClient(
        gateway_session,
        "127.0.0.1",
        api_port=port,
        auth_port=port,
        ssl_context=gateway_ssl_context,
        token="t",
    )
    try:
        with pytest.raises(GatewayTlsError):
            await client.get("/gateway/brand")
    finally:
        server.close()
        await server.wait_closed()


# ---- servers that the client refuses (an impostor on the gateway's address) ----
class Impostor:
    """A TLS server with chosen settings; counts the HTTP requests it got."""

    def __init__(self, context: ssl.SSLContext) -> None:
        self.requests = 0
        app = web.Application()
        app.router.add_route("*", "/{path:.*}", self._handle)
        self.listener = TlsListener(app, context)

    async def _handle(self, request: web.Request) -> web.Response:
        self.requests += 1
        return web.json_response(
            {"id": "/gateway/brand", "type": "stringValue", "value": "Bosch"}
        )

    async def __aenter__(self) -> Impostor:
        await self.listener.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.listener.stop()


def _server_context(
    folder: Path,
    server: Issued,
    *,
    version: ssl.TLSVersion = ssl.TLSVersion.TLSv1_2,
    ciphers: str | None = None,
) -> ssl.SSLContext:
    """A server context without client authentication (an impostor asks none)."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    _pin_version(context, version, version)
    if ciphers:
        context.set_ciphers(ciphers)
    cert_path, key_path = server.write(folder, "impostor")
    context.load_cert_chain(cert_path, key_path)
    return context


def _permissive_client(root_pem: str) -> ssl.SSLContext:
    """A client that takes what the impostor offers (shows the server works)."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    _pin_version(context, ssl.TLSVersion.TLSv1, None)
    context.set_ciphers("ALL:@SECLEVEL=0")
    context.load_verify_locations(cadata=root_pem)
    return context


async def _brand(
    port: int, session: aiohttp.ClientSession, context: ssl.SSLContext
) -> object:
    client = GatewayClient(
        session,
        "127.0.0.1",
        api_port=port,
        auth_port=port,
        ssl_context=context,
        token="a-token",
        timeout=5,
    )
    return (await client.get("/gateway/brand")).value


@pytest.mark.filterwarnings("ignore:ssl.TLSVersion.TLSv1")  # 1.0 and 1.1
@pytest.mark.parametrize(
    "offer",
    [
        (ssl.TLSVersion.TLSv1_1, "ECDHE-RSA-AES128-SHA:@SECLEVEL=0"),  # downgrade
        (ssl.TLSVersion.TLSv1_2, "ECDHE-RSA-CHACHA20-POLY1305"),
        (ssl.TLSVersion.TLSv1_2, "AES128-SHA"),  # no forward secrecy, CBC
        (ssl.TLSVersion.TLSv1_2, "ECDHE-RSA-AES128-SHA256"),  # CBC
        (ssl.TLSVersion.TLSv1_3, None),  # suites outside the four
    ],
    ids=["tls1.1", "chacha20", "aes128-sha", "aes128-sha256", "tls1.3"],
)
async def test_client_refuses_server_outside_the_allowed_tls(
    gateway_sim: GatewaySimulator,
    gateway_session: aiohttp.ClientSession,
    gateway_ssl_context: ssl.SSLContext,
    tmp_path: Path,
    offer: tuple[ssl.TLSVersion, str | None],
) -> None:
    """A gateway-certified server offering only another TLS version or suite."""
    pki = gateway_sim.pki
    version, ciphers = offer
    context = _server_context(
        tmp_path, pki.server_rsa, version=version, ciphers=ciphers
    )
    async with Impostor(context) as impostor:
        port = impostor.listener.port
        # A client that accepts anything talks to this server ...
        permissive = _permissive_client(pki.bosch_root.cert_pem)
        assert await _brand(port, gateway_session, permissive) == "Bosch"
        assert impostor.requests == 1
        # ... ours does not: no request, no token sent.
        with pytest.raises(GatewayTlsError):
            await _brand(port, gateway_session, gateway_ssl_context)
        assert impostor.requests == 1
        assert len(impostor.listener.refused) == 1


@pytest.mark.parametrize("issuer", ["look-alike-root", "self-signed"])
async def test_client_refuses_server_certificate_not_from_bosch_root(
    gateway_sim: GatewaySimulator,
    gateway_session: aiohttp.ClientSession,
    gateway_ssl_context: ssl.SSLContext,
    tmp_path: Path,
    issuer: str,
) -> None:
    """Same name as the gateway, allowed TLS, but another issuer: refused."""
    pki = gateway_sim.pki
    gateway_name = pki.server.cert.subject.rfc4514_string()
    forged = issue(
        gateway_sim.identity.uuid,
        issuer=pki.rogue_bosch_root if issuer == "look-alike-root" else None,
        server=True,
        organization=pki.server.cert.subject.get_attributes_for_oid(
            x509.NameOID.ORGANIZATION_NAME
        )[0].value,
    )
    assert forged.cert.subject.rfc4514_string() == gateway_name
    context = _server_context(tmp_path, forged, ciphers=CIPHERS[0])
    async with Impostor(context) as impostor:
        with pytest.raises(GatewayTlsError, match="Bosch root"):
            await _brand(impostor.listener.port, gateway_session, gateway_ssl_context)
        assert impostor.requests == 0
