"""How Home Assistant comes to trust the simulator: one CA, kept, in a bundle."""

from __future__ import annotations

from pathlib import Path
import ssl

import certifi
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from simulator.__main__ import serve_options
from simulator.pki import load_or_make_ca, server_certificate, simulator_ca
from simulator.trust import write_bundle


def test_the_demo_keeps_its_ca(tmp_path: Path) -> None:
    """A restarted demo simulator keeps the CA its Home Assistant trusts."""
    first = load_or_make_ca(tmp_path / "ca")
    assert load_or_make_ca(tmp_path / "ca").cert == first.cert
    (tmp_path / "ca" / "ca.key.pem").write_text("damaged")
    remade = load_or_make_ca(tmp_path / "ca")  # a damaged one is made anew
    assert load_or_make_ca(tmp_path / "ca").cert == remade.cert


def test_serve_keeps_the_ca_in_its_state_folder(tmp_path: Path) -> None:
    class Args:
        state_dir = tmp_path

    options = serve_options(Args())  # type: ignore[arg-type]
    assert options.ca.cert == load_or_make_ca(tmp_path / "ca").cert


def test_the_bundle_holds_certifis_cas_and_the_simulators(tmp_path: Path) -> None:
    ca = simulator_ca()
    bundle = write_bundle(ca.cert_pem, tmp_path / "ca-bundle.pem")
    text = bundle.read_text(encoding="ascii")
    assert text.startswith(Path(certifi.where()).read_text(encoding="ascii").rstrip())
    context = ssl.create_default_context(cafile=str(bundle))
    trusted = context.get_ca_certs(binary_form=True)
    assert ca.cert.public_bytes(serialization.Encoding.DER) in trusted
    assert len(trusted) > 10


def test_server_certificates_name_the_host() -> None:
    cert = server_certificate(simulator_ca(), ("bosch.local", "127.0.0.1")).cert
    names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert names.get_values_for_type(x509.DNSName) == ["bosch.local", "localhost"]
    assert [str(ip) for ip in names.get_values_for_type(x509.IPAddress)] == [
        "127.0.0.1"
    ]
    assert cert.issuer == simulator_ca().cert.subject
