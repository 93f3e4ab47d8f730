"""Which base URLs the cloud clients accept: https only, not even http to this machine."""

from __future__ import annotations

import pytest

from custom_components.bosch_connect.protocol.urls import secure_base_url


@pytest.mark.parametrize(
    ("url", "accepted"),
    [
        (" https://api.bosch.com/ ", "https://api.bosch.com"),
        ("https://api.bosch.com/base/", "https://api.bosch.com/base"),
        ("https://localhost:8480/x", "https://localhost:8480/x"),
        ("https://[::1]:8480/", "https://[::1]:8480"),
        ("http://127.0.0.1:8480/x", None),  # plain http, even to this machine
        ("http://localhost:8480", None),
        ("http://[::1]:8480/", None),
        ("http://api.bosch.com", None),
        ("ftp://api.bosch.com", None),
        ("api.bosch.com", None),  # no scheme: no host either
        ("https://", None),
        ("https://[::1", None),  # not a URL at all
        ("", None),
    ],
)
def test_secure_base_url(url: str, accepted: str | None) -> None:
    """https with a host; without the trailing slash."""
    assert secure_base_url(url) == accepted
