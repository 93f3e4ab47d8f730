"""Which base URLs the cloud clients accept: https, plain http only on loopback."""

from __future__ import annotations

import pytest

from custom_components.bosch_connect.protocol.urls import is_loopback, secure_base_url


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("localhost", True),
        ("LOCALHOST", True),
        ("127.0.0.1", True),
        ("127.8.9.10", True),
        ("::1", True),
        ("[::1]", True),
        ("192.168.1.50", False),
        ("localhost.example.com", False),
        ("api.bosch.com", False),
    ],
)
def test_is_loopback(host: str, loopback: bool) -> None:
    """Only this machine counts, by name or address."""
    assert is_loopback(host) is loopback


@pytest.mark.parametrize(
    ("url", "accepted"),
    [
        (" https://api.bosch.com/ ", "https://api.bosch.com"),
        ("https://api.bosch.com/base/", "https://api.bosch.com/base"),
        ("http://127.0.0.1:8480/x", "http://127.0.0.1:8480/x"),
        ("http://localhost:8480", "http://localhost:8480"),
        ("http://[::1]:8480/", "http://[::1]:8480"),
        ("http://api.bosch.com", None),  # plain http to another machine
        ("ftp://api.bosch.com", None),
        ("api.bosch.com", None),  # no scheme: no host either
        ("https://", None),
        ("", None),
    ],
)
def test_secure_base_url(url: str, accepted: str | None) -> None:
    """https anywhere, http on loopback only; without the trailing slash."""
    assert secure_base_url(url) == accepted
