"""Certificates and the SSL context for the gateway's mutual TLS.

Everything here blocks (parsing, loading into OpenSSL): run it in an executor.
The client offers TLS 1.2 with exactly the four cipher suites of the Local API
document. TLS 1.3 is not offered: its suites are not among the four and cannot
be restricted by ``set_ciphers``. The gateway certificate is verified against
the configured Bosch root only, without a hostname check (the gateway's
certificate names its device id, not its host name, as the document says).

Who the server is: :class:`PeerIdentity`. A real gateway's certificate names
its device id (the uuid of its zeroconf announcement) in the subject's Common
Name: the Local API document says that a client cannot check the host name
"against the Common Name (AKA CN) of the certificate", and the K 40 RF
document says the gateway "can present a certificate with a device
identifier instead of its mDNS hostname or IP address". Exactly that is
accepted: one CN, equal to the device id; a subject alternative name or a
``serialNumber`` attribute never stands in for it.

:func:`require_peer` binds a context to one identity: every TLS handshake made
with the context checks the server's certificate right after the handshake,
inside the TLS layer, before the connection is handed to HTTP. A server that
is not the expected device fails the handshake like a certificate that does
not chain to the root (``ssl.SSLCertVerificationError``), so no request, no
token and no client credential is ever written to it. The owner channel of
the K 40 RF document uses the same mechanism with a pinned ``fingerprint``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
import datetime as dt
import hashlib
import hmac
import os
from pathlib import Path
import ssl
import tempfile
from typing import ClassVar, Literal

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.types import (
    PrivateKeyTypes,
    PublicKeyTypes,
)
from cryptography.x509.oid import NameOID

from .errors import (
    CertificateExpiredError,
    CertificateField,
    GatewayTlsError,
    KeyMismatchError,
    MalformedPemError,
)

CIPHERS: tuple[str, ...] = (
    "ECDHE-ECDSA-AES128-GCM-SHA256",
    "ECDHE-RSA-AES128-GCM-SHA256",
    "ECDHE-ECDSA-AES256-GCM-SHA384",
    "ECDHE-RSA-AES256-GCM-SHA384",
)


def _certificates(pem: str, field: CertificateField) -> list[x509.Certificate]:
    if "-----BEGIN CERTIFICATE-----" not in pem:
        raise MalformedPemError(field, "no PEM certificate found")
    try:
        certs = x509.load_pem_x509_certificates(pem.strip().encode())
    except ValueError as err:
        raise MalformedPemError(field, "the PEM certificate cannot be read") from err
    return certs


def _private_key(pem: str) -> PrivateKeyTypes:
    if "PRIVATE KEY-----" not in pem:
        raise MalformedPemError("client_key", "no PEM private key found")
    try:
        return serialization.load_pem_private_key(pem.strip().encode(), password=None)
    except TypeError as err:
        raise MalformedPemError(
            "client_key", "the private key is encrypted; paste it unencrypted"
        ) from err
    except (ValueError, UnsupportedAlgorithm) as err:
        raise MalformedPemError("client_key", "the private key cannot be read") from err


def _spki(key: PublicKeyTypes) -> bytes:
    return key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def _check_validity(
    certs: Sequence[x509.Certificate], field: CertificateField, now: dt.datetime
) -> None:
    for cert in certs:
        if now < cert.not_valid_before_utc:
            raise CertificateExpiredError(
                field, f"not valid before {cert.not_valid_before_utc.isoformat()}"
            )
        if now > cert.not_valid_after_utc:
            raise CertificateExpiredError(
                field, f"expired on {cert.not_valid_after_utc.isoformat()}"
            )


def validate_credentials(
    client_cert_pem: str,
    client_key_pem: str,
    root_pem: str,
    now: dt.datetime | None = None,
) -> x509.Certificate:
    """Check pasted credentials before any connection; return the client cert.

    Raises ``MalformedPemError``, ``KeyMismatchError`` or
    ``CertificateExpiredError``, each naming the field at fault.
    The client PEM may carry intermediates after the client certificate.
    """
    now = now or dt.datetime.now(dt.UTC)
    client_chain = _certificates(client_cert_pem, "client_cert")
    key = _private_key(client_key_pem)
    roots = _certificates(root_pem, "root_cert")
    leaf = client_chain[0]
    if _spki(key.public_key()) != _spki(leaf.public_key()):
        raise KeyMismatchError(
            "client_key", "the key does not belong to the client certificate"
        )
    _check_validity(client_chain, "client_cert", now)
    _check_validity(roots, "root_cert", now)
    return leaf


# ---- who the server is ---------------------------------------------------------

type Mismatch = Literal["device_id", "fingerprint", "certificate"]


def certificate_device_id(cert: x509.Certificate) -> str | None:
    """The device id a gateway certificate names: its subject's one Common Name.

    None when the subject has no CN or more than one (a certificate that
    names two devices names none).
    """
    names = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    if len(names) != 1 or not isinstance(names[0].value, str):
        return None
    return names[0].value


def certificate_fingerprint(der: bytes) -> str:
    """SHA-256 of the DER certificate, lower-case hex without separators."""
    return hashlib.sha256(der).hexdigest()


def _normalised_fingerprint(text: str) -> str:
    return text.replace(":", "").replace(" ", "").lower()


class PeerIdentityError(ssl.SSLCertVerificationError):
    """The server's certificate is not the expected device's (during the handshake).

    A ``ssl.SSLCertVerificationError`` so that asyncio fails the handshake and
    aiohttp reports it like any certificate it refused
    (``ClientConnectorCertificateError``); ``api.py`` turns it into
    ``GatewayIdentityError``.
    """

    def __init__(
        self, expected: PeerIdentity, seen: str | None, mismatch: Mismatch
    ) -> None:
        """Remember what was expected and which device the certificate named."""
        if mismatch == "device_id":
            message = (
                f"the server's certificate names device {seen}, not {expected.device_id}"
                if seen is not None
                else f"the server's certificate names no device, not {expected.device_id}"
            )
        elif mismatch == "fingerprint":
            message = (
                f"the server's certificate for device {expected.device_id}"
                " is not the pinned one"
            )
        else:
            message = "the server presented no readable certificate"
        super().__init__(message)
        self.verify_message = message
        self.expected = expected
        self.seen = seen
        self.mismatch: Mismatch = mismatch


@dataclass(frozen=True, slots=True)
class PeerIdentity:
    """The device a server must prove to be, checked in every handshake.

    ``device_id``: what the certificate's Common Name must be (the gateway's
    uuid). ``fingerprint``: when set, the SHA-256 of the certificate as well
    (hex, colons allowed) - for a channel whose certificate no root vouches
    for, such as the owner channel of the K 40 RF document.
    """

    device_id: str
    fingerprint: str | None = None

    def check(self, der: bytes | None) -> None:
        """Raise ``PeerIdentityError`` unless ``der`` is this device's certificate."""
        if not der:
            raise PeerIdentityError(self, None, "certificate")
        try:
            cert = x509.load_der_x509_certificate(der)
        except ValueError as err:
            raise PeerIdentityError(self, None, "certificate") from err
        seen = certificate_device_id(cert)
        if seen != self.device_id:
            raise PeerIdentityError(self, seen, "device_id")
        if self.fingerprint is not None and not hmac.compare_digest(
            certificate_fingerprint(der), _normalised_fingerprint(self.fingerprint)
        ):
            raise PeerIdentityError(self, seen, "fingerprint")


class _CheckedSSLObject(ssl.SSLObject):
    """An ``SSLObject`` whose handshake ends with the identity check.

    asyncio (and so aiohttp) drives every TLS connection through
    ``SSLObject.do_handshake``; only when it returns is the connection handed
    to the protocol that writes requests. Raising here fails the handshake.
    """

    expected_peer: ClassVar[PeerIdentity]

    def do_handshake(self) -> None:
        """Finish the handshake, then check who the server is."""
        super().do_handshake()
        self.expected_peer.check(self.getpeercert(binary_form=True))


def require_peer(context: ssl.SSLContext, identity: PeerIdentity) -> ssl.SSLContext:
    """Make every handshake of ``context`` prove ``identity``; return ``context``.

    Works with any client context (verified against a root or not). A context
    is bound to one identity for good: binding it to another raises
    ``ValueError`` (build a new context instead).
    """
    bound = peer_identity(context)
    if bound is not None:
        if bound != identity:
            raise ValueError("the SSL context already checks another identity")
        return context
    context.sslobject_class = type(
        "CheckedSSLObject", (_CheckedSSLObject,), {"expected_peer": identity}
    )
    return context


def peer_identity(context: ssl.SSLContext) -> PeerIdentity | None:
    """The identity ``context`` checks in its handshakes (None: none)."""
    checked = context.sslobject_class
    if isinstance(checked, type) and issubclass(checked, _CheckedSSLObject):
        return checked.expected_peer
    return None


# ---- the client context -----------------------------------------------------------


def build_ssl_context(
    client_cert_pem: str,
    client_key_pem: str,
    root_pem: str,
    *,
    peer: PeerIdentity | None = None,
) -> ssl.SSLContext:
    """The client context: TLS 1.2, four suites, our certificate, Bosch root.

    With ``peer``, every handshake also checks that the gateway's certificate
    names that device (:func:`require_peer`). Without it, the context serves
    only to learn which device a server is (``GatewayClient.peer_device_id``)
    before it is bound; Home Assistant never sends a secret over an unbound one.

    The PEM texts go to OpenSSL through a private temporary folder that is
    removed at once (``load_cert_chain`` reads files only).
    """
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.maximum_version = ssl.TLSVersion.TLSv1_2
    context.set_ciphers(":".join(CIPHERS))
    context.check_hostname = False
    context.verify_mode = ssl.CERT_REQUIRED
    try:
        context.load_verify_locations(cadata=root_pem.strip())
    except (ssl.SSLError, ValueError) as err:
        raise MalformedPemError(
            "root_cert", "the root certificate cannot be loaded"
        ) from err
    with tempfile.TemporaryDirectory(prefix="bosch-connect-") as folder:
        cert_path = Path(folder) / "client.pem"
        key_path = Path(folder) / "client.key.pem"
        cert_path.write_text(client_cert_pem.strip() + "\n")
        fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as key_file:
            key_file.write(client_key_pem.strip() + "\n")
        try:
            context.load_cert_chain(cert_path, key_path)
        except ssl.SSLError as err:
            raise GatewayTlsError(
                "the client certificate and key cannot be loaded"
            ) from err
    if peer is not None:
        require_peer(context, peer)
    return context


def build_owner_context(peer: PeerIdentity | None = None) -> ssl.SSLContext:
    """The owner channel's client context (K 40 RF document): no client certificate.

    The gateway's certificate is self-signed and names its device id, not
    its host, so no root can vouch for it: the context verifies no chain and
    no host name, and who the server is rests on ``peer`` (device id and the
    fingerprint pinned at pairing), checked in every handshake. Without
    ``peer`` it serves only to learn the device and fingerprint before any
    secret is sent. TLS 1.2 or newer.
    """
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    if peer is not None:
        require_peer(context, peer)
    return context
