"""Certificates and the SSL context for the gateway's mutual TLS.

Everything here blocks (parsing, loading into OpenSSL): run it in an executor.
The client offers TLS 1.2 with exactly the four cipher suites of the Local API
document. TLS 1.3 is not offered: its suites are not among the four and cannot
be restricted by ``set_ciphers``. The gateway certificate is verified against
the configured Bosch root only, without a hostname check (the gateway's
certificate names its device id, not its host name, as the document says).
"""

from __future__ import annotations

from collections.abc import Sequence
import datetime as dt
import os
from pathlib import Path
import ssl
import tempfile

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.types import (
    PrivateKeyTypes,
    PublicKeyTypes,
)

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


def build_ssl_context(
    client_cert_pem: str, client_key_pem: str, root_pem: str
) -> ssl.SSLContext:
    """The client context: TLS 1.2, four suites, our certificate, Bosch root.

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
    return context
