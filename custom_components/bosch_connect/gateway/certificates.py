"""The stored certificates: load them for TLS and warn before they expire.

A gateway refuses an expired client certificate, and Home Assistant refuses a
gateway once the Bosch root it checks against has expired. Both only show as
a failed connection, so a repair issue warns a month ahead and says how to
replace the certificates (Reconfigure keeps the entry and its token).
"""

from __future__ import annotations

from dataclasses import dataclass
import datetime as dt
import ssl
from typing import TYPE_CHECKING

from cryptography import x509
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir

from ..const import DOMAIN
from .const import CONF_CLIENT_CERT, CONF_CLIENT_KEY, CONF_ROOT_CERT
from .tls import PeerIdentity, build_ssl_context

if TYPE_CHECKING:
    from .coordinator import GatewayConfigEntry

WARN_BEFORE = dt.timedelta(days=30)
ISSUE_EXPIRING = "gateway_certificate_expiring"
ISSUE_EXPIRED = "gateway_certificate_expired"


@dataclass(frozen=True, slots=True)
class StoredCredentials:
    """The SSL context and when the first of the certificates expires."""

    ssl_context: ssl.SSLContext
    expires: dt.datetime | None


def _earliest_expiry(*pems: str) -> dt.datetime | None:
    expiries = [
        cert.not_valid_after_utc
        for pem in pems
        for cert in x509.load_pem_x509_certificates(pem.strip().encode())
    ]
    return min(expiries, default=None)


def load_credentials(
    data: dict[str, str], device_id: str | None = None
) -> StoredCredentials:
    """Build the SSL context and read the expiry dates (blocking: executor).

    With ``device_id`` the context accepts only a server whose certificate
    names that device (``tls.require_peer``); without it, bind the context
    before anything secret is sent with it.
    """
    context = build_ssl_context(
        data[CONF_CLIENT_CERT],
        data[CONF_CLIENT_KEY],
        data[CONF_ROOT_CERT],
        peer=PeerIdentity(device_id) if device_id is not None else None,
    )
    return StoredCredentials(
        ssl_context=context,
        expires=_earliest_expiry(data[CONF_CLIENT_CERT], data[CONF_ROOT_CERT]),
    )


def _issue_id(kind: str, entry: GatewayConfigEntry) -> str:
    return f"{kind}_{entry.entry_id}"


def async_check_expiry(
    hass: HomeAssistant,
    entry: GatewayConfigEntry,
    expires: dt.datetime | None,
    now: dt.datetime,
) -> None:
    """Raise, update or clear the repair issue about expiring certificates."""
    expired = expires is not None and now >= expires
    expiring = expires is not None and not expired and now >= expires - WARN_BEFORE
    for kind, active in ((ISSUE_EXPIRED, expired), (ISSUE_EXPIRING, expiring)):
        if not active or expires is None:
            ir.async_delete_issue(hass, DOMAIN, _issue_id(kind, entry))
            continue
        ir.async_create_issue(
            hass,
            DOMAIN,
            _issue_id(kind, entry),
            is_fixable=False,
            is_persistent=False,
            severity=ir.IssueSeverity.ERROR if expired else ir.IssueSeverity.WARNING,
            translation_key=kind,
            translation_placeholders={
                "name": entry.title,
                "date": expires.date().isoformat(),
            },
        )


def async_clear_issues(hass: HomeAssistant, entry: GatewayConfigEntry) -> None:
    """Remove the entry's issues (the entry is being removed)."""
    for kind in (ISSUE_EXPIRED, ISSUE_EXPIRING):
        ir.async_delete_issue(hass, DOMAIN, _issue_id(kind, entry))
