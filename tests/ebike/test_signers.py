"""Who may sign notifications: the chain, the issuers and the signer itself.

Before, any certificate that chained to any root of the system store could
sign: a TLS server certificate, a CA certificate, a chain that broke its
issuer's path length, one with an unknown critical extension. The simulated
cloud serves each kind behind its real certificate URL (over TLS) and signs
real notifications with it; the verifier and Home Assistant's webhook must
refuse every kind but the valid ones.
"""

from __future__ import annotations

import datetime as dt
import time
import typing
from typing import Any

import aiohttp
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from homeassistant.core import HomeAssistant
import pytest

from custom_components.bosch_connect.ebike.api import EbikeClient
from custom_components.bosch_connect.ebike.connection import trusted_signers
from custom_components.bosch_connect.ebike.errors import (
    CertificateError,
    SignerNotAllowedError,
)
from custom_components.bosch_connect.ebike.signature import (
    SignatureVerifier,
    TrustStore,
    load_trust_store,
    names_bosch,
)
from simulator.ebike import EbikeCloud, EbikeSettings
from simulator.ebike.signers import ACCEPTED, REFUSED, SIGNER_NAME, with_extensions
from simulator.pki import Issued, issue

from .conftest import WebhookReceiver
from .helpers import state

# What refuses each kind (the error's text).
WHY = {
    "expired": "expired",
    "self_signed": "self-signed",
    "unknown_ca": "issuer is not trusted",
    "tls_server": "TLS-only",
    "tls_client": "TLS-only",
    "ca": "CA certificate may not sign",
    "path_length": "path length",
    "unknown_critical": "unknown critical extension",
    "no_digital_signature": "digital signatures",
    "not_bosch": "does not name Bosch",
}
SIGNER_RULES = {"tls_server", "tls_client", "ca", "no_digital_signature", "not_bosch"}


@pytest.fixture
def ebike_settings() -> EbikeSettings:
    return EbikeSettings(auto_send=False)


@pytest.fixture
async def subscribed(
    ebike_client: EbikeClient, webhook_receiver: WebhookReceiver
) -> None:
    await ebike_client.create_webhook(webhook_receiver.url, ["BIKE_STATUS"])


def _verifier(
    sim: EbikeCloud, session: aiohttp.ClientSession, trust: TrustStore
) -> SignatureVerifier:
    return SignatureVerifier(
        session, api_url=sim.api_url, trust=trust, ssl=sim.ssl_context()
    )


@pytest.mark.usefixtures("subscribed")
@pytest.mark.parametrize("kind", REFUSED)
async def test_refused_signers(
    ebike_sim: EbikeCloud,
    ebike_session: aiohttp.ClientSession,
    ebike_trust: TrustStore,
    kind: str,
) -> None:
    ebike_sim.use_signing_cert(kind)
    body = ebike_sim.build_body(ebike_sim.bikes[0], "BIKE_STATUS")
    _, headers = ebike_sim.signed_request("BIKE_STATUS", body)
    verifier = _verifier(ebike_sim, ebike_session, ebike_trust)
    with pytest.raises(CertificateError, match=WHY[kind]) as caught:
        await verifier.async_verify(body, headers)
    assert isinstance(caught.value, SignerNotAllowedError) is (kind in SIGNER_RULES)
    assert len(ebike_sim.faults.requests("/notification/v1/certs/")) == 1


@pytest.mark.usefixtures("subscribed")
@pytest.mark.parametrize("kind", ACCEPTED)
async def test_accepted_signers(
    ebike_sim: EbikeCloud,
    ebike_session: aiohttp.ClientSession,
    ebike_trust: TrustStore,
    kind: str,
) -> None:
    """The simulator's own signer, one behind an intermediate, a codeSigning one."""
    ebike_sim.use_signing_cert(kind)
    body = ebike_sim.build_body(ebike_sim.bikes[0], "BIKE_STATUS")
    _, headers = ebike_sim.signed_request("BIKE_STATUS", body)
    verifier = _verifier(ebike_sim, ebike_session, ebike_trust)
    cert = await verifier.async_verify(body, headers)
    assert cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == (
        SIGNER_NAME
    )
    assert verifier.verify_cached(body, headers)


@pytest.mark.parametrize("kind", ["tls_server", "ca", "path_length", "not_bosch"])
async def test_refused_signers_through_the_webhook(
    hass: HomeAssistant, ebike_entry: Any, ebike_sim: EbikeCloud, kind: str
) -> None:
    bike = ebike_sim.bikes[0]
    await ebike_sim.power_on(bike)
    ebike_sim.use_signing_cert(kind)
    delivery = await ebike_sim.deliver_now(bike, "BIKE_STATUS")
    assert delivery.attempts[0].status == 401
    reason = "SignerNotAllowedError" if kind in SIGNER_RULES else "CertificateError"
    assert ebike_entry.runtime_data.counters.rejected == {reason: 1}
    await hass.async_block_till_done()
    assert state(hass, "sensor", bike, "state_of_charge").state == "unknown"


async def test_signers_chain_to_the_cas_home_assistant_trusts(
    ebike_sim: EbikeCloud,
) -> None:
    """The anchors are Home Assistant's CAs: certifi's and the one a user adds.

    (In the tests the simulator's CA is added at the test boundary, as a
    user adds a CA with ``REQUESTS_CA_BUNDLE``.)
    """
    trust = trusted_signers()
    assert len(trust.anchors) > 10
    assert ebike_sim._pki.ca.cert in trust.anchors
    assert issue("Another root", ca=True).cert not in trust.anchors


@pytest.mark.usefixtures("subscribed")
async def test_signers_of_other_roots_are_refused(
    ebike_sim: EbikeCloud, ebike_session: aiohttp.ClientSession
) -> None:
    other = issue("Another root", ca=True)
    trust = load_trust_store([other.cert_pem])
    body = ebike_sim.build_body(ebike_sim.bikes[0], "BIKE_STATUS")
    _, headers = ebike_sim.signed_request("BIKE_STATUS", body)
    with pytest.raises(CertificateError, match="issuer is not trusted"):
        await _verifier(ebike_sim, ebike_session, trust).async_verify(body, headers)


# --- the rules one by one, without the network -------------------------------------


def _validate(root: Issued, pem: str, clock: float | None = None) -> Any:
    verifier = SignatureVerifier(
        typing.cast(aiohttp.ClientSession, None),  # never used: no network here
        api_url="https://api.example",
        trust=TrustStore((root.cert,)),
        clock=(lambda: clock) if clock is not None else time.time,
    )
    return verifier._validate(pem.encode())


def _eku(*usages: x509.ObjectIdentifier) -> list[tuple[x509.ExtensionType, bool]]:
    return [(x509.ExtendedKeyUsage(list(usages)), False)]


def test_extended_key_usage_rules() -> None:
    root = issue("Bosch Root", ca=True)
    made = issue(SIGNER_NAME, issuer=root, key_kind="rsa")
    tls = (ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH)
    with pytest.raises(SignerNotAllowedError, match="TLS-only"):
        _validate(root, with_extensions(made, root, _eku(*tls)).cert_pem)
    for fine in (
        (ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CODE_SIGNING),
        (ExtendedKeyUsageOID.EMAIL_PROTECTION,),
        (ExtendedKeyUsageOID.ANY_EXTENDED_KEY_USAGE,),
    ):
        assert _validate(root, with_extensions(made, root, _eku(*fine)).cert_pem)


def test_critical_extensions() -> None:
    """Understood critical extensions pass; name constraints are not processed."""
    root = issue("Bosch Root", ca=True)
    made = issue(SIGNER_NAME, issuer=root, key_kind="rsa")
    policies = x509.CertificatePolicies(
        [x509.PolicyInformation(x509.ObjectIdentifier("2.23.140.1.2.2"), None)]
    )
    assert _validate(root, with_extensions(made, root, [(policies, True)]).cert_pem)
    constrained = with_extensions(
        issue("Bosch Issuing CA", issuer=root, ca=True),
        root,
        [(x509.NameConstraints([x509.DNSName("bosch.com")], None), True)],
    )
    leaf = issue(SIGNER_NAME, issuer=constrained, key_kind="rsa")
    with pytest.raises(CertificateError, match="unknown critical extension"):
        _validate(root, leaf.cert_pem + constrained.cert_pem)


def test_issuer_key_usage_must_allow_certificate_signing() -> None:
    root = issue("Bosch Root", ca=True)
    made = issue("Bosch Issuing CA", issuer=root, ca=True)
    # The CA's key usage without keyCertSign (cert sign flag cleared).
    usage = x509.KeyUsage(True, False, False, False, False, False, True, False, False)
    cert = made.cert
    builder = x509.CertificateBuilder(
        issuer_name=cert.issuer,
        subject_name=cert.subject,
        public_key=cert.public_key(),
        serial_number=cert.serial_number,
        not_valid_before=cert.not_valid_before_utc,
        not_valid_after=cert.not_valid_after_utc,
        extensions=[
            e for e in cert.extensions if not isinstance(e.value, x509.KeyUsage)
        ],
    ).add_extension(usage, critical=True)
    crippled = Issued(cert=builder.sign(root.key, hashes.SHA256()), key=made.key)
    leaf = issue(SIGNER_NAME, issuer=crippled, key_kind="rsa")
    with pytest.raises(CertificateError, match="may not sign certificates"):
        _validate(root, leaf.cert_pem + crippled.cert_pem)


def test_a_cached_chain_is_valid_only_while_every_certificate_is() -> None:
    """An intermediate that expires before the signer ends the signer too."""
    now = dt.datetime.now(dt.UTC)
    root = issue("Bosch Root", ca=True, path_length=1)
    short = issue(
        "Bosch Issuing CA",
        issuer=root,
        ca=True,
        not_before=now - dt.timedelta(days=1),
        not_after=now + dt.timedelta(days=10),
    )
    leaf = issue(SIGNER_NAME, issuer=short, key_kind="rsa")
    cached = _validate(root, leaf.cert_pem + short.cert_pem)
    assert cached.not_after == short.cert.not_valid_after_utc.timestamp()
    assert cached.not_after < leaf.cert.not_valid_after_utc.timestamp()


@pytest.mark.parametrize(
    ("attributes", "bosch"),
    [
        ({NameOID.COMMON_NAME: "notification-signing.bosch-ebike.com"}, True),
        ({NameOID.COMMON_NAME: "api.bosch-ebike.com"}, True),
        ({NameOID.ORGANIZATION_NAME: "Robert Bosch GmbH"}, True),
        ({NameOID.ORGANIZATION_NAME: "BOSCH eBike Systems"}, True),
        ({NameOID.COMMON_NAME: "bosch_ebike"}, True),
        ({NameOID.ORGANIZATION_NAME: "Boschung Mecatronic AG"}, False),
        ({NameOID.COMMON_NAME: "notifications.ebosch.example"}, False),
        ({NameOID.ORGANIZATIONAL_UNIT_NAME: "Bosch"}, False),  # only O and CN count
        ({NameOID.COMMON_NAME: "notifications.example.com"}, False),
        ({}, False),
    ],
)
def test_the_subject_must_name_bosch(
    attributes: dict[x509.ObjectIdentifier, str], bosch: bool
) -> None:
    name = x509.Name(
        [x509.NameAttribute(oid, value) for oid, value in attributes.items()]
    )
    assert names_bosch(name) is bosch
