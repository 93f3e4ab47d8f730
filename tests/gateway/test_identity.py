"""Identity before token: the TLS layer checks which device the server is.

Against the simulator over real sockets and real TLS. The simulator's
certificate names its device id as the Local API and K 40 RF documents say
(subject CN, no host names); the simulator can also play an impostor: a
certificate of the Bosch root for another device, or a self-signed one that
names the paired device.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import ssl

import aiohttp
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
import pytest

from custom_components.bosch_connect.gateway.api import GatewayClient
from custom_components.bosch_connect.gateway.errors import (
    GatewayIdentityError,
    ServerCertificateRefusedError,
    UncheckedServerError,
)
from custom_components.bosch_connect.gateway.tls import (
    PeerIdentity,
    build_ssl_context,
    certificate_device_id,
    certificate_fingerprint,
    peer_identity,
    require_peer,
)
from simulator.gateway import GatewaySimulator, Identity, create
from simulator.gateway.certs import BOSCH_ORG, other_device_id
from simulator.gateway.tokens import DEMO_CLIENT_ID
from simulator.options import Options
from simulator.pki import issue, new_key

UUID = "101042019"


def _context(sim: GatewaySimulator, peer: PeerIdentity | None) -> ssl.SSLContext:
    pki = sim.pki
    return build_ssl_context(
        pki.client.cert_pem, pki.client.key_pem, pki.bosch_root.cert_pem, peer=peer
    )


def _client(
    sim: GatewaySimulator,
    session: aiohttp.ClientSession,
    context: ssl.SSLContext,
    *,
    token: str | None = None,
    require_identity: bool = True,
) -> GatewayClient:
    return GatewayClient(
        session,
        sim.host,
        api_port=sim.api_port,
        auth_port=sim.auth_port,
        ssl_context=context,
        token=token,
        timeout=5,
        require_identity=require_identity,
    )


# ---- the certificate a real gateway presents ----------------------------------
def test_gateway_certificate_names_the_device_as_the_documents_say(
    gateway_sim: GatewaySimulator,
) -> None:
    """CN = device id (the announced uuid), no host name, from the Bosch root."""
    pki = gateway_sim.pki
    for issued in (pki.server, pki.server_rsa):
        cert = issued.cert
        assert cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == (
            gateway_sim.identity.uuid
        )
        assert certificate_device_id(cert) == gateway_sim.identity.uuid
        assert cert.issuer == pki.bosch_root.cert.subject
        with pytest.raises(x509.ExtensionNotFound):
            cert.extensions.get_extension_for_class(x509.SubjectAlternativeName)


def test_older_server_certificates_are_issued_again(
    gateway_sim: GatewaySimulator, sim_options: Options
) -> None:
    """A state folder from before (host names, another uuid): issued anew under
    the same Bosch root, so that what was pasted into Home Assistant stays."""
    pki = gateway_sim.pki
    old = issue(
        UUID,
        issuer=pki.bosch_root,
        server=True,
        organization=BOSCH_ORG,
        dns_names=(f"k40rf-{UUID}.local", "localhost"),
    )
    old.write(pki.folder, "gateway-server")
    again = create(sim_options)
    assert again.pki.server.cert != old.cert
    assert again.pki.bosch_root.cert == pki.bosch_root.cert
    assert again.pki.client.cert == pki.client.cert
    assert again.pki.server_rsa.cert == pki.server_rsa.cert  # already right
    with pytest.raises(x509.ExtensionNotFound):
        again.pki.server.cert.extensions.get_extension_for_class(
            x509.SubjectAlternativeName
        )
    # Another gateway identity in the same folder: both certificates name it.
    other = GatewaySimulator(sim_options, identity=Identity(uuid="555000111"))
    for issued in (other.pki.server, other.pki.server_rsa):
        assert certificate_device_id(issued.cert) == "555000111"
        assert issued.cert.issuer == pki.bosch_root.cert.subject


async def test_host_name_verification_fails_as_documented(
    gateway_sim: GatewaySimulator,
) -> None:
    """A client that checks the host name fails, as with a real gateway."""
    pki = gateway_sim.pki
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # check_hostname=True
    context.load_verify_locations(cadata=pki.bosch_root.cert_pem)
    context.load_cert_chain(pki.client_cert_path, pki.client_key_path)
    with pytest.raises(ssl.SSLCertVerificationError, match="IP address mismatch"):
        await asyncio.open_connection(
            gateway_sim.host, gateway_sim.api_port, ssl=context
        )


async def test_handshake_names_the_device_and_sends_nothing(
    gateway_sim: GatewaySimulator, gateway_session: aiohttp.ClientSession
) -> None:
    """``peer_device_id``: a handshake, no request; the device the cert names."""
    client = _client(gateway_sim, gateway_session, _context(gateway_sim, None))
    assert await client.peer_device_id() == UUID
    assert await client.peer_device_id(gateway_sim.auth_port) == UUID
    bound = _client(
        gateway_sim, gateway_session, _context(gateway_sim, PeerIdentity(UUID))
    )
    assert await bound.peer_device_id() == UUID
    assert gateway_sim.faults.log == []
    assert gateway_sim.refused_handshakes == []


def _cert(subject: list[x509.NameAttribute], *, san: str | None = None) -> bytes:
    key = new_key()
    now = dt.datetime.now(dt.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name(subject))
        .issuer_name(x509.Name(subject))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), False)
    )
    if san is not None:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.DNSName(san)]), False
        )
    return builder.sign(key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)


@pytest.mark.parametrize(
    ("subject", "san", "seen"),
    [
        ([x509.NameAttribute(NameOID.COMMON_NAME, UUID)], None, UUID),
        # Only the CN counts: a serialNumber or a SAN never stands in for it.
        ([x509.NameAttribute(NameOID.SERIAL_NUMBER, UUID)], None, None),
        ([x509.NameAttribute(NameOID.COMMON_NAME, "k40rf.local")], UUID, "k40rf.local"),
        ([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Bosch")], UUID, None),
        # Two CNs name no device.
        (
            [
                x509.NameAttribute(NameOID.COMMON_NAME, UUID),
                x509.NameAttribute(NameOID.COMMON_NAME, "102041838"),
            ],
            None,
            None,
        ),
        # Exactly the id: no prefix, no case or blank tolerance.
        ([x509.NameAttribute(NameOID.COMMON_NAME, f"k40rf-{UUID}")], None, None),
        ([x509.NameAttribute(NameOID.COMMON_NAME, f"{UUID} ")], None, None),
    ],
    ids=["cn", "serial-number", "san", "no-cn", "two-cns", "prefixed", "blank"],
)
def test_identity_check_reads_exactly_the_common_name(
    subject: list[x509.NameAttribute], san: str | None, seen: str | None
) -> None:
    der = _cert(subject, san=san)
    expected = PeerIdentity(UUID)
    if seen == UUID:
        expected.check(der)
        return
    with pytest.raises(ssl.SSLCertVerificationError) as err:
        expected.check(der)
    assert getattr(err.value, "expected", None) == expected
    cert = x509.load_der_x509_certificate(der)
    names = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    assert certificate_device_id(cert) == (names[0].value if len(names) == 1 else None)


def test_identity_check_refuses_garbage() -> None:
    with pytest.raises(ssl.SSLCertVerificationError, match="no readable"):
        PeerIdentity(UUID).check(b"not a certificate")
    with pytest.raises(ssl.SSLCertVerificationError, match="no readable"):
        PeerIdentity(UUID).check(None)


def test_a_context_is_bound_to_one_device(gateway_sim: GatewaySimulator) -> None:
    context = _context(gateway_sim, None)
    assert peer_identity(context) is None
    assert require_peer(context, PeerIdentity(UUID)) is context
    assert peer_identity(context) == PeerIdentity(UUID)
    require_peer(context, PeerIdentity(UUID))  # the same again: fine
    with pytest.raises(ValueError, match="another identity"):
        require_peer(context, PeerIdentity("102041838"))
    assert peer_identity(context) == PeerIdentity(UUID)
    # Other contexts are not touched.
    assert peer_identity(_context(gateway_sim, None)) is None


# ---- impostors: no token, no client credentials --------------------------------
@pytest.mark.parametrize("kind", ["other_device", "self_signed"])
async def test_impostor_gets_no_token_request(
    gateway_sim: GatewaySimulator, gateway_session: aiohttp.ClientSession, kind: str
) -> None:
    """Pairing's token request: the client credentials go only to the device."""
    gateway_sim.impersonate(kind)  # type: ignore[arg-type]
    gateway_sim.press()
    client = _client(
        gateway_sim, gateway_session, _context(gateway_sim, PeerIdentity(UUID))
    )
    with pytest.raises(ServerCertificateRefusedError) as err:
        await client.request_token(DEMO_CLIENT_ID, "Home Assistant")
    if kind == "other_device":
        assert isinstance(err.value, GatewayIdentityError)
        assert (err.value.expected, err.value.seen) == (UUID, other_device_id(UUID))
    else:
        assert not isinstance(err.value, GatewayIdentityError)
        assert "self-signed" in err.value.reason
    assert gateway_sim.faults.log == []  # nothing was written
    assert gateway_sim.tokens.window_open  # not even a refused request
    assert gateway_sim.token_count == 0


@pytest.mark.parametrize("kind", ["other_device", "self_signed"])
async def test_impostor_gets_no_token(
    gateway_sim: GatewaySimulator,
    gateway_session: aiohttp.ClientSession,
    gateway_token: object,
    kind: str,
) -> None:
    """A refresh: the token goes only to the paired device."""
    from custom_components.bosch_connect.gateway.api import Token

    assert isinstance(gateway_token, Token)
    context = _context(gateway_sim, PeerIdentity(UUID))
    client = _client(
        gateway_sim, gateway_session, context, token=gateway_token.access_token
    )
    assert (await client.get("/gateway/brand")).value == "Bosch"  # the real one
    gateway_sim.faults.log.clear()
    gateway_sim.impersonate(kind)  # type: ignore[arg-type]
    for _ in range(3):  # pooled connections of the real gateway are gone
        with pytest.raises(ServerCertificateRefusedError):
            await client.get_many(["/gateway/brand", "/gateway/uuid"])
    assert gateway_sim.faults.log == []
    gateway_sim.impersonate(None)
    assert (await client.get("/gateway/uuid")).value == UUID


async def test_without_the_check_the_impostor_gets_the_token(
    gateway_sim: GatewaySimulator,
    gateway_session: aiohttp.ClientSession,
    gateway_token: object,
) -> None:
    """Why: a Bosch-root certificate alone does not say which gateway answers."""
    from custom_components.bosch_connect.gateway.api import Token

    assert isinstance(gateway_token, Token)
    gateway_sim.faults.log.clear()
    gateway_sim.impersonate("other_device")
    unbound = _client(
        gateway_sim,
        gateway_session,
        _context(gateway_sim, None),
        token=gateway_token.access_token,
        require_identity=False,
    )
    await unbound.get("/gateway/brand")
    (logged,) = gateway_sim.faults.log
    assert logged.headers["Authorization"] == f"Bearer {gateway_token.access_token}"


async def test_client_refuses_a_secret_over_an_unbound_context(
    gateway_sim: GatewaySimulator, gateway_session: aiohttp.ClientSession
) -> None:
    """Home Assistant's clients require a bound context before any secret."""
    client = _client(
        gateway_sim, gateway_session, _context(gateway_sim, None), token="a-token"
    )
    gateway_sim.press()
    with pytest.raises(UncheckedServerError):
        await client.request_token(DEMO_CLIENT_ID, "Home Assistant")
    with pytest.raises(UncheckedServerError):
        await client.get("/gateway/brand")
    assert gateway_sim.faults.log == []
    # Learning the device needs no secret; binding then allows it.
    context = _context(gateway_sim, None)
    client = _client(gateway_sim, gateway_session, context)
    require_peer(context, PeerIdentity(await client.peer_device_id()))
    token = await client.request_token(DEMO_CLIENT_ID, "Home Assistant")
    assert token.access_token


@pytest.mark.parametrize("kind", ["other_device", "self_signed"])
async def test_handshake_with_an_impostor(
    gateway_sim: GatewaySimulator, gateway_session: aiohttp.ClientSession, kind: str
) -> None:
    """The proof of an address: the bound handshake fails, nothing is written."""
    gateway_sim.impersonate(kind)  # type: ignore[arg-type]
    bound = _client(
        gateway_sim, gateway_session, _context(gateway_sim, PeerIdentity(UUID))
    )
    with pytest.raises(ServerCertificateRefusedError) as err:
        await bound.peer_device_id()
    assert isinstance(err.value, GatewayIdentityError) is (kind == "other_device")
    if kind == "other_device":
        # Unbound, the handshake learns which device it really is.
        unbound = _client(gateway_sim, gateway_session, _context(gateway_sim, None))
        assert await unbound.peer_device_id() == other_device_id(UUID)
    assert gateway_sim.faults.log == []


# ---- the same mechanism with a pinned fingerprint (the owner channel) -----------
def _owner_context(sim: GatewaySimulator, identity: PeerIdentity) -> ssl.SSLContext:
    """Like the owner channel: no root vouches for the certificate, a pin does."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    # (The simulated partner port asks for a client certificate.)
    context.load_cert_chain(sim.pki.client_cert_path, sim.pki.client_key_path)
    return require_peer(context, identity)


async def test_pinned_fingerprint(
    gateway_sim: GatewaySimulator, gateway_session: aiohttp.ClientSession
) -> None:
    """Device id and fingerprint: the gateway passes, its twin does not."""
    pki = gateway_sim.pki
    ec_pin = certificate_fingerprint(
        pki.server.cert.public_bytes(serialization.Encoding.DER)
    )
    rsa_pin = certificate_fingerprint(
        pki.server_rsa.cert.public_bytes(serialization.Encoding.DER)
    )
    # The simulated gateway has an EC and an RSA certificate: pin the one it
    # presents with the suites this context offers (ECDSA first).
    pinned = None
    for pin in (ec_pin, rsa_pin):
        client = _client(
            gateway_sim,
            gateway_session,
            _owner_context(gateway_sim, PeerIdentity(UUID, fingerprint=pin)),
        )
        try:
            assert await client.peer_device_id() == UUID
        except GatewayIdentityError:
            continue
        pinned = pin
    assert pinned is not None
    # Colons and upper case in a pin as people write it.
    spelled = ":".join(pinned[i : i + 2] for i in range(0, len(pinned), 2)).upper()
    client = _client(
        gateway_sim,
        gateway_session,
        _owner_context(gateway_sim, PeerIdentity(UUID, fingerprint=spelled)),
        token="a-token",
    )
    assert await client.peer_device_id() == UUID
    # A certificate that names the same device but is another one: refused
    # (self-signed: the owner context has no root that would notice).
    gateway_sim.impersonate("self_signed")
    with pytest.raises(GatewayIdentityError, match="not the pinned one"):
        await client.get("/gateway/brand")
    assert gateway_sim.faults.log == []
