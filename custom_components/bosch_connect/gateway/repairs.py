"""The repair issue "a server that is not the paired gateway was seen".

One issue per entry (``gateway_identity_<entry_id>``), raised when

- an announcement names the paired gateway at a new address that does not
  prove to be it (the entry stays where it was): origin ``announcement``;
- a refresh meets a server whose certificate the client refuses (another
  device, or not from the Bosch root): origin ``refresh``; the entities are
  unavailable meanwhile.

What was seen decides the text (``gateway_identity_<kind>``): a certificate
of the Bosch root for another device (``other_device``), a certificate that
does not chain to the entry's Bosch root or is not valid now (``untrusted``),
no TLS connection at all (``unreachable``: nothing answered, or the server
refused our client certificate; announcements only).

It clears when the gateway is seen again where it belongs: a refresh that
succeeds clears what a refresh raised; an announcement at the entry's own
address that proves to be the gateway, or a proven move, clears either. A
successful poll does not clear what an announcement raised: the warning
about an impostor on the network would last a minute at most. Removing the
entry removes its issue.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final, Literal

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir

from ..const import DOMAIN
from .errors import (
    GatewayConnectionError,
    GatewayError,
    GatewayIdentityError,
    GatewayTlsError,
    ServerCertificateRefusedError,
)

if TYPE_CHECKING:
    from .coordinator import GatewayConfigEntry

type Origin = Literal["announcement", "refresh"]
type Seen = Literal["other_device", "untrusted", "unreachable"]

_KEYS: Final[dict[Seen, str]] = {
    "other_device": "gateway_identity_other_device",
    "untrusted": "gateway_identity_untrusted",
    "unreachable": "gateway_identity_unreachable",
}


def address_of(host: str, port: int | str) -> str:
    """``host:port`` (an IPv6 host in brackets)."""
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def identity_issue_id(entry: GatewayConfigEntry) -> str:
    """The id of the entry's identity issue."""
    return f"gateway_identity_{entry.entry_id}"


def seen_as(err: GatewayError) -> Seen | None:
    """What an error says was seen at an address (None: nothing to report)."""
    if isinstance(err, GatewayIdentityError):
        return "other_device"
    if isinstance(err, ServerCertificateRefusedError):
        return "untrusted"
    if isinstance(err, GatewayConnectionError | GatewayTlsError):
        return "unreachable"
    return None


@callback
def async_raise_identity_issue(
    hass: HomeAssistant,
    entry: GatewayConfigEntry,
    *,
    address: str,
    home: str,
    err: GatewayError,
    origin: Origin,
) -> bool:
    """Raise (or replace) the issue for what ``err`` says was seen at ``address``.

    False when ``err`` is not about who answered (nothing raised).
    """
    seen = seen_as(err)
    if seen is None:
        return False
    if isinstance(err, GatewayIdentityError):
        detail = err.seen or "-"
    elif isinstance(err, ServerCertificateRefusedError):
        detail = err.reason
    else:
        detail = str(err)
    ir.async_create_issue(
        hass,
        DOMAIN,
        identity_issue_id(entry),
        is_fixable=False,
        is_persistent=False,
        severity=(
            ir.IssueSeverity.WARNING
            if seen == "unreachable"
            else ir.IssueSeverity.ERROR
        ),
        translation_key=_KEYS[seen],
        translation_placeholders={
            "name": entry.title,
            "device": entry.unique_id or "-",
            "address": address,
            "home": home,
            "seen": detail,
        },
        data={"origin": origin, "seen": seen},
    )
    return True


@callback
def async_raise_certificate_changed_issue(
    hass: HomeAssistant, entry: GatewayConfigEntry
) -> None:
    """The owner channel's gateway presents another certificate than the pinned one.

    The token was not sent. The same issue id as the identity issue: it
    clears the same way (a refresh that succeeds, i.e. after the user accepted
    the new certificate by pairing again, or the entry's removal).
    """
    ir.async_create_issue(
        hass,
        DOMAIN,
        identity_issue_id(entry),
        is_fixable=False,
        is_persistent=False,
        severity=ir.IssueSeverity.ERROR,
        translation_key="gateway_owner_certificate_changed",
        translation_placeholders={
            "name": entry.title,
            "device": entry.unique_id or "-",
        },
        data={"origin": "refresh", "seen": "certificate_changed"},
    )


def has_identity_issue(hass: HomeAssistant, entry: GatewayConfigEntry) -> bool:
    """True when the entry's identity issue is raised."""
    issue = ir.async_get(hass).async_get_issue(DOMAIN, identity_issue_id(entry))
    return issue is not None


@callback
def async_clear_identity_issue(
    hass: HomeAssistant, entry: GatewayConfigEntry, *, origin: Origin | None = None
) -> None:
    """Remove the entry's identity issue (only one of ``origin``, when given)."""
    issue_id = identity_issue_id(entry)
    if origin is not None:
        issue = ir.async_get(hass).async_get_issue(DOMAIN, issue_id)
        if issue is None or (issue.data or {}).get("origin") != origin:
            return
    ir.async_delete_issue(hass, DOMAIN, issue_id)
