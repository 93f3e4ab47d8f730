"""Which base URLs the cloud clients accept (no Home Assistant).

https only, everywhere: credentials, API keys and tokens never travel in
plain text, not even to this machine.
"""

from __future__ import annotations

from urllib.parse import urlsplit


def secure_base_url(url: str) -> str | None:
    """``url`` without a trailing slash if it is an https URL with a host, else None."""
    text = url.strip()
    try:
        parts = urlsplit(text)
        host = parts.hostname
    except ValueError:
        return None
    if parts.scheme != "https" or not host:
        return None
    return text.rstrip("/")
