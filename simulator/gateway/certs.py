"""The gateway's PKI: Bosch CA, partner CAs, client certificates, rogues.

Everything is written as PEM files to ``<state_dir>/gateway`` (never
committed) and reused on the next start, so that the demo keeps working
with the certificates already pasted into Home Assistant.

| file                                  | what                                               |
|---------------------------------------|----------------------------------------------------|
| ``bosch-root-ca.pem``                 | Bosch root: the client verifies the gateway with it |
| ``gateway-server.pem``                | the gateway's server certificate (CN = uuid)        |
| ``gateway-server-rsa.pem``            | the same with an RSA key (ECDHE-RSA suites)         |
| ``partner-root-ca.pem``               | partner root, trusted by the gateway                |
| ``client.pem`` / ``client.key.pem``   | client certificate issued by the partner root       |
| ``partner-intermediate-ca.pem``       | intermediate under the partner root                 |
| ``client-intermediate.chain.pem``     | client cert + intermediate (chain depth 3: accepted)|
| ``client-too-deep.chain.pem``         | client cert + 2 intermediates (depth 4: refused)    |
| ``rogue-ca.pem``, ``rogue-client.pem``| a CA the gateway does not know, and its client      |
| ``rogue-bosch-root-ca.pem``           | a root that did not sign the gateway certificate    |
"""

from __future__ import annotations

from dataclasses import dataclass
import datetime as dt
from pathlib import Path

from simulator.pki import Issued, issue, load

BOSCH_ORG = "Bosch Thermotechnik (simulated)"
PARTNER_ORG = "Bosch Connect Partner (simulated)"
ROGUE_ORG = "Rogue (simulated)"


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


def _issue_all(uuid: str) -> list[Issued]:
    bosch_root = issue("Bosch Local API Root CA", ca=True, organization=BOSCH_ORG)
    server = issue(
        uuid,
        issuer=bosch_root,
        server=True,
        organization=BOSCH_ORG,
        dns_names=(f"k40rf-{uuid}.local", "localhost"),
    )
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
    # Added later than the rest: made on its own so that an existing demo
    # PKI (already pasted into Home Assistant) stays as it is.
    server_rsa = _load_valid(folder, "gateway-server-rsa")
    if server_rsa is None or server_rsa.cert.issuer != issued[0].cert.subject:
        server_rsa = issue(
            uuid,
            issuer=issued[0],
            server=True,
            key_kind="rsa",
            organization=BOSCH_ORG,
            dns_names=(f"k40rf-{uuid}.local", "localhost"),
        )
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
