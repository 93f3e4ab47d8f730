"""How a Home Assistant on this machine comes to trust the simulator.

Every simulated cloud service speaks https with a certificate of the
simulator's CA (``Options.ca``); the integration has no setting for a CA.
Home Assistant trusts the CAs of the bundle that ``REQUESTS_CA_BUNDLE`` names
(``homeassistant.util.ssl`` reads it when it is imported, else certifi's):
that is how a user makes Home Assistant trust a CA of their own, and how the
demo and the e2e suite start it (:func:`write_bundle`). The tests and the
benchmark run Home Assistant in their own process, whose client contexts
exist already: :func:`trust_in_this_process` adds the CA to them (the test
boundary).
"""

from __future__ import annotations

from pathlib import Path

import certifi

BUNDLE_ENV = "REQUESTS_CA_BUNDLE"


def write_bundle(ca_pem: str, path: Path) -> Path:
    """Write certifi's CAs and the simulator's CA to ``path`` (for ``BUNDLE_ENV``)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    bundle = Path(certifi.where()).read_text(encoding="ascii")
    path.write_text(f"{bundle.rstrip()}\n{ca_pem}", encoding="ascii")
    return path


def trust_in_this_process(ca_pem: str) -> None:
    """Make this process's Home Assistant trust the simulator's CA.

    The client contexts that ``homeassistant.util.ssl`` prepared when it was
    imported (every cipher list and ALPN setting; Home Assistant's sessions
    use them) learn the CA. The environment is left alone: a process started
    from here (the benchmark's) makes its own.
    """
    from homeassistant.util import ssl as ssl_util  # noqa: PLC0415

    for cipher_list in ssl_util.SSLCipherList:
        for alpn in (
            ssl_util.SSL_ALPN_NONE,
            ssl_util.SSL_ALPN_HTTP11,
            ssl_util.SSL_ALPN_HTTP11_HTTP2,
        ):
            ssl_util.client_context(cipher_list, alpn).load_verify_locations(
                cadata=ca_pem
            )
