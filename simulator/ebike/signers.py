"""The notification signing certificates of the simulated eBike cloud.

``valid`` is the certificate the simulator signs with: RSA, issued by the
simulator's CA (the CA the user pastes as "additional trusted CA"), no CA,
subject ``CN=notification-signing.bosch-ebike.sim, O=Bosch Connect
Simulator`` (it names Bosch), no key usage restriction. The other kinds are
for the tests of who may sign; each is wrong in one way only (its subject
names Bosch unless the kind is about the subject):

* ``expired``, ``self_signed``, ``unknown_ca``: not valid now, not chained to
  the CA;
* ``tls_server``, ``tls_client``: extended key usage serverAuth or clientAuth
  alone (a TLS certificate);
* ``ca``: a CA certificate (basicConstraints CA=true);
* ``path_length``: chained through an intermediate with pathLen 0 that
  issued another CA, which issued the signer;
* ``unknown_critical``: a critical extension nobody knows;
* ``no_digital_signature``: key usage keyEncipherment only;
* ``not_bosch``: subject ``CN=notifications.example.com, O=Example Ltd``.

And two that must be accepted: ``intermediate`` (chained through an
intermediate CA, sent as a bundle) and ``code_signing`` (extended key usage
codeSigning and anyExtendedKeyUsage).
"""

from __future__ import annotations

from dataclasses import dataclass
import datetime as dt

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.x509.oid import ExtendedKeyUsageOID

from simulator.pki import Issued, issue

SIGNER_NAME = "notification-signing.bosch-ebike.sim"
REFUSED = (
    "expired",
    "self_signed",
    "unknown_ca",
    "tls_server",
    "tls_client",
    "ca",
    "path_length",
    "unknown_critical",
    "no_digital_signature",
    "not_bosch",
)
ACCEPTED = ("valid", "intermediate", "code_signing")
KINDS = ACCEPTED + REFUSED
# A private arc (the example enterprise number): an extension nobody knows.
UNKNOWN_EXTENSION = x509.ObjectIdentifier("1.3.6.1.4.1.32473.1.1")


@dataclass(frozen=True, slots=True)
class Signer:
    """A signing certificate with its key, and the CAs sent along with it."""

    issued: Issued
    chain: tuple[Issued, ...] = ()

    @property
    def pem(self) -> str:
        """What the certificate URL serves: the signer first, then its CAs."""
        return self.issued.cert_pem + "".join(ca.cert_pem for ca in self.chain)


def with_extensions(
    made: Issued, issuer: Issued, extensions: list[tuple[x509.ExtensionType, bool]]
) -> Issued:
    """``made`` with more extensions, signed again by ``issuer``."""
    cert = made.cert
    builder = x509.CertificateBuilder(
        issuer_name=cert.issuer,
        subject_name=cert.subject,
        public_key=cert.public_key(),
        serial_number=cert.serial_number,
        not_valid_before=cert.not_valid_before_utc,
        not_valid_after=cert.not_valid_after_utc,
        extensions=list(cert.extensions),
    )
    for extension, critical in extensions:
        builder = builder.add_extension(extension, critical=critical)
    return Issued(cert=builder.sign(issuer.key, hashes.SHA256()), key=made.key)


def _key_usage(**allowed: bool) -> x509.KeyUsage:
    flags = dict.fromkeys(
        (
            "digital_signature",
            "content_commitment",
            "key_encipherment",
            "data_encipherment",
            "key_agreement",
            "key_cert_sign",
            "crl_sign",
            "encipher_only",
            "decipher_only",
        ),
        False,
    )
    return x509.KeyUsage(**{**flags, **allowed})


def make_signer(kind: str, ca: Issued) -> Signer:
    """A signing certificate of ``kind`` under the simulator's CA ``ca``."""
    if kind == "expired":
        now = dt.datetime.now(dt.UTC)
        return Signer(
            issue(
                SIGNER_NAME,
                issuer=ca,
                key_kind="rsa",
                not_before=now - dt.timedelta(days=400),
                not_after=now - dt.timedelta(days=1),
            )
        )
    if kind == "self_signed":
        return Signer(issue(SIGNER_NAME, key_kind="rsa"))
    if kind == "unknown_ca":
        return Signer(
            issue(SIGNER_NAME, issuer=issue("Unknown CA", ca=True), key_kind="rsa")
        )
    if kind in ("tls_server", "tls_client"):
        server = kind == "tls_server"
        return Signer(
            issue(
                SIGNER_NAME,
                issuer=ca,
                key_kind="rsa",
                server=server,
                client=not server,
                dns_names=(SIGNER_NAME,),
            )
        )
    if kind == "ca":
        return Signer(issue(SIGNER_NAME, issuer=ca, ca=True, key_kind="rsa"))
    if kind in ("intermediate", "path_length"):
        intermediate = issue(
            "Bosch eBike Simulator Issuing CA", issuer=ca, ca=True, path_length=0
        )
        if kind == "intermediate":
            leaf = issue(SIGNER_NAME, issuer=intermediate, key_kind="rsa")
            return Signer(leaf, (intermediate,))
        below = issue("Bosch eBike Simulator Sub CA", issuer=intermediate, ca=True)
        leaf = issue(SIGNER_NAME, issuer=below, key_kind="rsa")
        return Signer(leaf, (below, intermediate))
    if kind == "not_bosch":
        return Signer(
            issue(
                "notifications.example.com",
                issuer=ca,
                key_kind="rsa",
                organization="Example Ltd",
            )
        )
    made = issue(SIGNER_NAME, issuer=ca, key_kind="rsa")
    if kind == "unknown_critical":
        unknown = x509.UnrecognizedExtension(UNKNOWN_EXTENSION, b"\x05\x00")
        return Signer(with_extensions(made, ca, [(unknown, True)]))
    if kind == "no_digital_signature":
        usage = _key_usage(key_encipherment=True)
        return Signer(with_extensions(made, ca, [(usage, True)]))
    if kind == "code_signing":
        usages = x509.ExtendedKeyUsage(
            [
                ExtendedKeyUsageOID.CODE_SIGNING,
                ExtendedKeyUsageOID.ANY_EXTENDED_KEY_USAGE,
            ]
        )
        usage = _key_usage(digital_signature=True)
        return Signer(with_extensions(made, ca, [(usage, True), (usages, False)]))
    raise ValueError(kind)
