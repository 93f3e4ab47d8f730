"""The gateway's TLS: what the Local API document demands of a connection.

- TLS 1.2 only. The document asks for "TLS 1.2 or higher and one of" four
  cipher suites, all of them TLS 1.2 suites; TLS 1.3 suites cannot be limited
  to that list, so the simulated gateway stops at TLS 1.2.
- Exactly the four suites ECDHE-{ECDSA,RSA}-AES{128-GCM-SHA256,256-GCM-SHA384}.
- A client certificate is required and must chain to the partner root.
- The chain (client certificate up to and including the root) must not be
  longer than 3 certificates. Python's ``ssl`` has no ``verify_depth``: the
  context gets OpenSSL's ``SSL_CTX_set_verify_depth`` through ``ctypes``
  (the handshake is refused, as a real gateway does) when that is possible,
  and every connection is checked again after the handshake with
  ``SSLObject.get_verified_chain()`` (closed when longer than 3), so the rule
  holds even where the ``ctypes`` route is not available.

An impostor (``impostor_context``) speaks the same TLS but presents a
certificate that is not the gateway's and asks for no client certificate:
the client alone must notice.
"""

from __future__ import annotations

import ctypes
import logging
from pathlib import Path
import ssl

from .certs import GatewayPki, ImpostorKind, impostor_certificate

_LOGGER = logging.getLogger(__name__)

CIPHERS = ":".join(
    (
        "ECDHE-ECDSA-AES128-GCM-SHA256",
        "ECDHE-RSA-AES128-GCM-SHA256",
        "ECDHE-ECDSA-AES256-GCM-SHA384",
        "ECDHE-RSA-AES256-GCM-SHA384",
    )
)
MAX_CHAIN = 3  # certificates, leaf and root included
SSL_VERIFY_PEER_AND_FAIL = 0x01 | 0x02  # what CERT_REQUIRED sets in OpenSSL


def _set_verify_depth(context: ssl.SSLContext, depth: int) -> bool:
    """Set OpenSSL's verify depth on ``context``; False when not possible.

    CPython keeps the ``SSL_CTX *`` right after the object header of an
    ``SSLContext``. The pointer is checked against the verify mode that
    Python set (CERT_REQUIRED) before anything is written.
    """
    try:
        import _ssl  # noqa: PLC0415

        lib = ctypes.CDLL(_ssl.__file__)
        get_mode = lib.SSL_CTX_get_verify_mode
        get_mode.restype = ctypes.c_int
        get_mode.argtypes = [ctypes.c_void_p]
        set_depth = lib.SSL_CTX_set_verify_depth
        set_depth.restype = None
        set_depth.argtypes = [ctypes.c_void_p, ctypes.c_int]
        get_depth = lib.SSL_CTX_get_verify_depth
        get_depth.restype = ctypes.c_int
        get_depth.argtypes = [ctypes.c_void_p]
        pointer = ctypes.c_void_p.from_address(id(context) + object.__basicsize__)
        if not pointer.value or get_mode(pointer) != SSL_VERIFY_PEER_AND_FAIL:
            return False
        set_depth(pointer, depth)
        return bool(get_depth(pointer) == depth)
    except OSError, AttributeError, ValueError:  # pragma: no cover - other builds
        return False


def server_context(pki: GatewayPki) -> ssl.SSLContext:
    """The server context of both gateway ports."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.maximum_version = ssl.TLSVersion.TLSv1_2
    context.set_ciphers(CIPHERS)
    # One certificate per key type: ECDSA and RSA suites both work.
    context.load_cert_chain(pki.server_rsa_cert_path, pki.server_rsa_key_path)
    context.load_cert_chain(pki.server_cert_path, pki.server_key_path)
    context.load_verify_locations(cadata=pki.partner_root.cert_pem)
    context.verify_mode = ssl.CERT_REQUIRED
    # OpenSSL's depth counts the intermediates: 3 certificates = 1 intermediate.
    if not _set_verify_depth(context, MAX_CHAIN - 2):  # pragma: no cover
        _LOGGER.info("verify depth enforced after the handshake only")
    return context


def owner_context(folder: Path) -> ssl.SSLContext:
    """The server context of the owner channel: no client certificate asked.

    Presents ``owner-server.pem`` of ``folder`` (see ``owner_certificate``).
    The K 40 RF document fixes no cipher list: TLS 1.2 or newer.
    """
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(
        folder / "owner-server.pem", folder / "owner-server.key.pem"
    )
    context.verify_mode = ssl.CERT_NONE
    return context


def impostor_context(
    pki: GatewayPki, kind: ImpostorKind, device_id: str
) -> ssl.SSLContext:
    """A server context of someone pretending to be the gateway ``device_id``."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.maximum_version = ssl.TLSVersion.TLSv1_2
    context.set_ciphers(CIPHERS)
    cert_path, key_path = impostor_certificate(pki, kind, device_id).write(
        pki.folder, f"impostor-{kind}"
    )
    context.load_cert_chain(cert_path, key_path)
    return context


def chain_too_deep(ssl_object: ssl.SSLObject | ssl.SSLSocket | None) -> bool:
    """True when a connection's verified client chain is longer than allowed."""
    if ssl_object is None:
        return False
    return len(ssl_object.get_verified_chain()) > MAX_CHAIN


__all__ = [
    "CIPHERS",
    "MAX_CHAIN",
    "chain_too_deep",
    "impostor_context",
    "owner_context",
    "server_context",
]
