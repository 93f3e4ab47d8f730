"""Repair issues of the eBike service (one of each kind per entry)."""

from __future__ import annotations

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir

from ..const import DOMAIN
from .const import ISSUE_NO_HTTPS_URL, ISSUE_SUBSCRIPTION_TAKEN

ISSUE_WEBHOOK_REJECTED = "ebike_webhook_rejected"
ISSUES = (ISSUE_NO_HTTPS_URL, ISSUE_SUBSCRIPTION_TAKEN, ISSUE_WEBHOOK_REJECTED)

LEARN_MORE = {
    ISSUE_NO_HTTPS_URL: "https://www.home-assistant.io/docs/configuration/remote/",
}


def issue_id(kind: str, entry_id: str) -> str:
    """The issue id of one kind of issue for one entry."""
    return f"{kind}_{entry_id}"


@callback
def async_raise(
    hass: HomeAssistant, entry_id: str, kind: str, placeholders: dict[str, str]
) -> None:
    """Show one issue of an entry and clear the entry's other issues."""
    async_clear(hass, entry_id, keep=kind)
    ir.async_create_issue(
        hass,
        DOMAIN,
        issue_id(kind, entry_id),
        is_fixable=False,
        severity=ir.IssueSeverity.ERROR,
        translation_key=kind,
        translation_placeholders=placeholders,
        learn_more_url=LEARN_MORE.get(kind),
    )


@callback
def async_clear(hass: HomeAssistant, entry_id: str, keep: str | None = None) -> None:
    """Remove the entry's issues (all, or all but ``keep``)."""
    for kind in ISSUES:
        if kind != keep:
            ir.async_delete_issue(hass, DOMAIN, issue_id(kind, entry_id))
