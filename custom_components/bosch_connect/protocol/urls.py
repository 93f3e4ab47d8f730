"""Which base URLs the cloud clients accept (no Home Assistant).

https only; plain http only for this machine (loopback), where the simulator
runs.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit


def is_loopback(host: str) -> bool:
    """Whether ``host`` (a name or an address, IPv6 maybe in brackets) is this machine."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def secure_base_url(url: str) -> str | None:
    """``url`` without a trailing slash if https (http on loopback), else None."""
    text = url.strip()
    parts = urlsplit(text)
    host = parts.hostname or ""
    if not host or parts.scheme not in ("https", "http"):
        return None
    if parts.scheme == "http" and not is_loopback(host):
        return None
    return text.rstrip("/")
