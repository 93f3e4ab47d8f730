"""A throw-away PKI made with ``cryptography`` (never committed).

Used by the gateway simulator (Bosch CA, gateway server certificate, partner
root and intermediate CAs, client certificates) and the eBike cloud (the
notification signing certificate).
"""

from __future__ import annotations

from dataclasses import dataclass
import datetime as dt
import functools
import ipaddress
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

type PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey


@dataclass(frozen=True, slots=True)
class Issued:
    """A certificate with its private key."""

    cert: x509.Certificate
    key: PrivateKey

    @property
    def cert_pem(self) -> str:
        """The certificate as PEM text."""
        return self.cert.public_bytes(serialization.Encoding.PEM).decode()

    @property
    def key_pem(self) -> str:
        """The private key as unencrypted PKCS#8 PEM text."""
        return self.key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode()

    def write(self, folder: Path, name: str) -> tuple[Path, Path]:
        """Write ``<name>.pem`` and ``<name>.key.pem`` (key readable by owner only)."""
        folder.mkdir(parents=True, exist_ok=True)
        cert_path = folder / f"{name}.pem"
        key_path = folder / f"{name}.key.pem"
        cert_path.write_text(self.cert_pem)
        key_path.touch(mode=0o600)
        key_path.write_text(self.key_pem)
        return cert_path, key_path


def new_key(kind: str = "ec") -> PrivateKey:
    """Make a private key: ``ec`` (P-256) or ``rsa`` (2048 bits)."""
    if kind == "rsa":
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return ec.generate_private_key(ec.SECP256R1())


def _name(common_name: str, organization: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def issue(
    common_name: str,
    *,
    issuer: Issued | None = None,
    ca: bool = False,
    path_length: int | None = None,
    server: bool = False,
    client: bool = False,
    key_kind: str = "ec",
    organization: str = "Bosch Connect Simulator",
    not_before: dt.datetime | None = None,
    not_after: dt.datetime | None = None,
    dns_names: tuple[str, ...] = ("localhost",),
) -> Issued:
    """Issue a certificate; self-signed when ``issuer`` is None."""
    key = new_key(key_kind)
    now = dt.datetime.now(dt.UTC)
    not_before = not_before or now - dt.timedelta(days=1)
    not_after = not_after or now + dt.timedelta(days=365)
    subject = _name(common_name, organization)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer.cert.subject if issuer else subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(
            x509.BasicConstraints(ca=ca, path_length=path_length if ca else None),
            critical=True,
        )
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
            critical=False,
        )
    )
    if issuer is not None:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.key.public_key()),
            critical=False,
        )
    if ca:
        builder = builder.add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
    usages = []
    if server:
        usages.append(ExtendedKeyUsageOID.SERVER_AUTH)
        sans: list[x509.GeneralName] = [x509.DNSName(n) for n in dns_names]
        sans.append(x509.IPAddress(ipaddress.ip_address("127.0.0.1")))
        builder = builder.add_extension(
            x509.SubjectAlternativeName(sans), critical=False
        )
    if client:
        usages.append(ExtendedKeyUsageOID.CLIENT_AUTH)
    if usages:
        builder = builder.add_extension(x509.ExtendedKeyUsage(usages), critical=False)
    signer = issuer.key if issuer else key
    cert = builder.sign(signer, hashes.SHA256())
    return Issued(cert=cert, key=key)


def load(cert_path: Path, key_path: Path) -> Issued:
    """Read a certificate and its key written by ``Issued.write``."""
    cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
    # Our own keys: skip OpenSSL's slow RSA consistency check.
    key = serialization.load_pem_private_key(
        key_path.read_bytes(), password=None, unsafe_skip_rsa_key_validation=True
    )
    if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        raise TypeError(f"unsupported key type in {key_path.name}")
    return Issued(cert=cert, key=key)


@functools.cache
def simulator_ca() -> Issued:
    """The root CA of the simulated cloud services, made once per process.

    It issues every cloud service's TLS server certificate and the eBike
    notification signing certificates, as a public CA issues Bosch's. Home
    Assistant trusts it the way a user makes Home Assistant trust a CA (see
    :mod:`simulator.trust`); the integration has no setting for it.
    """
    return issue("Bosch Connect Simulator Root CA", ca=True, path_length=1)


def load_or_make_ca(folder: Path) -> Issued:
    """The CA kept in ``folder`` by an earlier run (the demo), else a new one."""
    cert_path, key_path = folder / "ca.pem", folder / "ca.key.pem"
    try:
        return load(cert_path, key_path)
    except OSError, ValueError, TypeError:
        ca = simulator_ca()
        ca.write(folder, "ca")
        return ca


def server_certificate(ca: Issued, host_names: tuple[str, ...]) -> Issued:
    """A TLS server certificate of ``ca`` for the host names, localhost and 127.0.0.1."""
    names = tuple(
        dict.fromkeys(name for name in (*host_names, "localhost") if not _is_ip(name))
    )
    return issue(names[0], issuer=ca, server=True, dns_names=names)


def _is_ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True
