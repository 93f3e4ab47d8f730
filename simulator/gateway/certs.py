"""The gateway's PKI: Bosch CA, partner CAs, client certificates, rogues.

Everything is written as PEM files to ``<state_dir>/gateway`` (never
committed) and reused on the next start, so that the demo keeps working
with the certificates already pasted into Home Assistant.

| file                                  | what                                               |
|---------------------------------------|----------------------------------------------------|
| ``bosch-root-ca.pem``                 | Bosch root: the client verifies the gateway with it |
| ``gateway-server.pem``                | the gateway's server certificate (CN = device id)   |
| ``gateway-server-rsa.pem``            | the same with an RSA key (ECDHE-RSA suites)         |
| ``partner-root-ca.pem``               | partner root, trusted by the gateway                |
| ``client.pem`` / ``client.key.pem``   | client certificate issued by the partner root       |
| ``partner-intermediate-ca.pem``       | intermediate under the partner root                 |
| ``client-intermediate.chain.pem``     | client cert + intermediate (chain depth 3: accepted)|
| ``client-too-deep.chain.pem``         | client cert + 2 intermediates (depth 4: refused)    |
| ``rogue-ca.pem``, ``rogue-client.pem``| a CA the gateway does not know, and its client      |
| ``rogue-bosch-root-ca.pem``           | a root that did not sign the gateway certificate    |
| ``impostor-<kind>.pem``               | made on request: see :func:`impostor_certificate`   |
| ``owner-server.pem``                  | owner channel: self-signed, CN = device id          |

The gateway's certificate names its device id (the uuid of the zeroconf
announcement) as the subject's Common Name and carries no subject alternative
name: the Local API document says a client cannot check the gateway's host
name "against the Common Name (AKA CN) of the certificate", and the K 40 RF
document that the gateway "can present a certificate with a device identifier
instead of its mDNS hostname or IP address" (so host name verification fails
against the simulator exactly as against a real gateway). A certificate of an
older state folder (with host names, or naming another uuid) is issued again
under the same Bosch root, so that what was pasted into Home Assistant stays
valid.
"""

from __future__ import annotations

from dataclasses import dataclass
import datetime as dt
from pathlib import Path
from typing import Literal

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from simulator.pki import Issued, issue, load, new_key

BOSCH_ORG = "Bosch Thermotechnik (simulated)"
PARTNER_ORG = "Bosch Connect Partner (simulated)"
ROGUE_ORG = "Rogue (simulated)"

# Who an impostor pretends to be (see ``impostor_certificate``).
type ImpostorKind = Literal["other_device", "self_signed"]
IMPOSTOR_KINDS: tuple[ImpostorKind, ...] = ("other_device", "self_signed")


@dataclass(frozen=True, slots=True)
class GatewayPki:
    """The certificates of one simulated gateway and where they are."""

    folder: Path
    bosch_root: Issued
    server: Issued
    partner_root: Issued
    client: Issued
    partner_intermediate: Issued
    client_intermediate: Issued
    partner_intermediate_2: Issued
    client_too_deep: Issued
    rogue_ca: Issued
    rogue_client: Issued
    rogue_bosch_root: Issued
    server_rsa: Issued  # the same gateway with an RSA key (ECDHE-RSA suites)

    # Paths a person (or a test) needs.
    @property
    def bosch_root_path(self) -> Path:
        """PEM of the Bosch root (paste as 'Bosch root certificate')."""
        return self.folder / "bosch-root-ca.pem"

    @property
    def partner_root_path(self) -> Path:
        """PEM of the partner root that the gateway trusts."""
        return self.folder / "partner-root-ca.pem"

    @property
    def client_cert_path(self) -> Path:
        """PEM of the client certificate (paste as 'client certificate')."""
        return self.folder / "client.pem"

    @property
    def client_key_path(self) -> Path:
        """PEM of the client key (paste as 'client key')."""
        return self.folder / "client.key.pem"

    @property
    def server_cert_path(self) -> Path:
        """PEM of the gateway server certificate."""
        return self.folder / "gateway-server.pem"

    @property
    def server_key_path(self) -> Path:
        """PEM of the gateway server key."""
        return self.folder / "gateway-server.key.pem"

    @property
    def server_rsa_cert_path(self) -> Path:
        """PEM of the gateway's RSA server certificate."""
        return self.folder / "gateway-server-rsa.pem"

    @property
    def server_rsa_key_path(self) -> Path:
        """PEM of the gateway's RSA server key."""
        return self.folder / "gateway-server-rsa.key.pem"

    # PEM texts for tests.
    @property
    def client_intermediate_chain_pem(self) -> str:
        """Client certificate followed by its intermediate (depth 3)."""
        return self.client_intermediate.cert_pem + self.partner_intermediate.cert_pem

    @property
    def client_too_deep_chain_pem(self) -> str:
        """Client certificate followed by two intermediates (depth 4)."""
        return (
            self.client_too_deep.cert_pem
            + self.partner_intermediate_2.cert_pem
            + self.partner_intermediate.cert_pem
        )


NAMES = (
    "bosch-root-ca",
    "gateway-server",
    "partner-root-ca",
    "client",
    "partner-intermediate-ca",
    "client-intermediate",
    "partner-intermediate-2-ca",
    "client-too-deep",
    "rogue-ca",
    "rogue-client",
    "rogue-bosch-root-ca",
)


def gateway_certificate(
    device_id: str, issuer: Issued | None, *, key_kind: str = "ec"
) -> Issued:
    """A gateway server certificate as the documents describe it.

    Subject ``O=<Bosch>, CN=<device id>``, server authentication, no subject
    alternative name. Self-signed when ``issuer`` is None.
    """
    key = new_key(key_kind)
    now = dt.datetime.now(dt.UTC)
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, BOSCH_ORG),
            x509.NameAttribute(NameOID.COMMON_NAME, device_id),
        ]
    )
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer.cert.subject if issuer else subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), True)
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), False)
    )
    if issuer is not None:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.key.public_key()),
            False,
        )
    cert = builder.sign(issuer.key if issuer else key, hashes.SHA256())
    return Issued(cert=cert, key=key)


def _is_gateway_certificate(issued: Issued, device_id: str, root: Issued) -> bool:
    """True when ``issued`` names ``device_id`` as the documents say, under ``root``."""
    cert = issued.cert
    names = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    try:
        cert.extensions.get_extension_for_class(x509.SubjectAlternativeName)
    except x509.ExtensionNotFound:
        has_san = False
    else:
        has_san = True
    return (
        cert.issuer == root.cert.subject
        and [n.value for n in names] == [device_id]
        and not has_san
    )


def other_device_id(device_id: str) -> str:
    """A device id that is not ``device_id`` (what an impostor's certificate names)."""
    other = "102041838"  # the gatewayId of an example in the K 40 RF document
    return other if other != device_id else "101012902"


def impostor_certificate(pki: GatewayPki, kind: ImpostorKind, device_id: str) -> Issued:
    """The certificate of a server that pretends to be the gateway ``device_id``.

    ``other_device``: a genuine certificate of the Bosch root, but for another
    device (another real gateway, or one whose key was taken from it).
    ``self_signed``: names ``device_id`` exactly like the gateway's, but no
    root issued it.
    """
    if kind == "other_device":
        return gateway_certificate(other_device_id(device_id), pki.bosch_root)
    return gateway_certificate(device_id, None)


def _issue_all(uuid: str) -> list[Issued]:
    bosch_root = issue("Bosch Local API Root CA", ca=True, organization=BOSCH_ORG)
    server = gateway_certificate(uuid, bosch_root)
    partner_root = issue("Partner Root CA", ca=True, organization=PARTNER_ORG)
    client = issue(
        "Home Assistant", issuer=partner_root, client=True, organization=PARTNER_ORG
    )
    intermediate = issue(
        "Partner Intermediate CA",
        issuer=partner_root,
        ca=True,
        organization=PARTNER_ORG,
    )
    client_intermediate = issue(
        "Home Assistant (via intermediate)",
        issuer=intermediate,
        client=True,
        organization=PARTNER_ORG,
    )
    intermediate_2 = issue(
        "Partner Intermediate CA 2",
        issuer=intermediate,
        ca=True,
        organization=PARTNER_ORG,
    )
    client_too_deep = issue(
        "Home Assistant (chain too deep)",
        issuer=intermediate_2,
        client=True,
        organization=PARTNER_ORG,
    )
    rogue_ca = issue("Rogue CA", ca=True, organization=ROGUE_ORG)
    rogue_client = issue(
        "Rogue client", issuer=rogue_ca, client=True, organization=ROGUE_ORG
    )
    rogue_bosch_root = issue("Bosch Local API Root CA", ca=True, organization=ROGUE_ORG)
    return [
        bosch_root,
        server,
        partner_root,
        client,
        intermediate,
        client_intermediate,
        intermediate_2,
        client_too_deep,
        rogue_ca,
        rogue_client,
        rogue_bosch_root,
    ]


def _load_valid(folder: Path, name: str) -> Issued | None:
    """``<name>.pem`` with its key, if both are there and valid for a day."""
    cert_path, key_path = folder / f"{name}.pem", folder / f"{name}.key.pem"
    if not (cert_path.exists() and key_path.exists()):
        return None
    try:
        issued = load(cert_path, key_path)
    except ValueError, TypeError:
        return None
    now = dt.datetime.now(dt.UTC)
    if not (
        issued.cert.not_valid_before_utc
        <= now
        < issued.cert.not_valid_after_utc - dt.timedelta(days=1)
    ):
        return None
    return issued


def _load_all(folder: Path) -> list[Issued] | None:
    """All certificates from ``folder`` if every one is there and valid."""
    loaded: list[Issued] = []
    for name in NAMES:
        issued = _load_valid(folder, name)
        if issued is None:
            return None
        loaded.append(issued)
    return loaded


def gateway_pki(folder: Path, uuid: str) -> GatewayPki:
    """Load the PKI from ``folder``, or make all of it anew and write it."""
    folder.mkdir(parents=True, exist_ok=True)
    issued = _load_all(folder)
    if issued is None:
        issued = _issue_all(uuid)
        for name, item in zip(NAMES, issued, strict=True):
            item.write(folder, name)
    # The server certificates name this gateway's device id as the documents
    # say; one of an older folder (host names, another uuid) is issued again
    # under the same Bosch root: what was pasted into Home Assistant stays.
    if not _is_gateway_certificate(issued[1], uuid, issued[0]):
        issued[1] = gateway_certificate(uuid, issued[0])
        issued[1].write(folder, "gateway-server")
    # Added later than the rest: made on its own so that an existing demo
    # PKI (already pasted into Home Assistant) stays as it is.
    server_rsa = _load_valid(folder, "gateway-server-rsa")
    if server_rsa is None or not _is_gateway_certificate(server_rsa, uuid, issued[0]):
        server_rsa = gateway_certificate(uuid, issued[0], key_kind="rsa")
        server_rsa.write(folder, "gateway-server-rsa")
    (
        bosch_root,
        server,
        partner_root,
        client,
        intermediate,
        client_intermediate,
        intermediate_2,
        client_too_deep,
        rogue_ca,
        rogue_client,
        rogue_bosch_root,
    ) = issued
    pki = GatewayPki(
        folder=folder,
        bosch_root=bosch_root,
        server=server,
        partner_root=partner_root,
        client=client,
        partner_intermediate=intermediate,
        client_intermediate=client_intermediate,
        partner_intermediate_2=intermediate_2,
        client_too_deep=client_too_deep,
        rogue_ca=rogue_ca,
        rogue_client=rogue_client,
        rogue_bosch_root=rogue_bosch_root,
        server_rsa=server_rsa,
    )
    (folder / "client-intermediate.chain.pem").write_text(
        pki.client_intermediate_chain_pem
    )
    (folder / "client-too-deep.chain.pem").write_text(pki.client_too_deep_chain_pem)
    return pki


def owner_certificate(folder: Path, device_id: str, *, renew: bool = False) -> Issued:
    """The owner channel's certificate: self-signed, naming the device id.

    Kept in ``owner-server.pem`` (a client pins it at pairing); ``renew``
    makes a new key and certificate, as a firmware update could.
    """
    issued = None if renew else _load_valid(folder, "owner-server")
    if issued is not None:
        names = issued.cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
        if [n.value for n in names] != [device_id]:
            issued = None
    if issued is None:
        issued = gateway_certificate(device_id, None)
        folder.mkdir(parents=True, exist_ok=True)
        issued.write(folder, "owner-server")
    return issued
