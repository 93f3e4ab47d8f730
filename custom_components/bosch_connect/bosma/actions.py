"""The Bosma action ``bosma_apply_token`` (registered once per domain, not per entry).

The Bosma room's ``async_setup`` (see ``Room.async_setup``) registers it when
Home Assistant sets up the integration; its fields are in ``services.yaml``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import (
    HomeAssistant,
    ServiceCall,
    ServiceResponse,
    SupportsResponse,
)
from homeassistant.exceptions import ServiceValidationError
from homeassistant.helpers import config_validation as cv
import probatio

from ..const import CONF_SERVICE, DOMAIN, SERVICE_BOSMA

if TYPE_CHECKING:
    from .coordinator import BosmaConfigEntry

CONF_CONFIG_ENTRY_ID = "config_entry_id"
SERVICE_BOSMA_APPLY_TOKEN = "bosma_apply_token"  # noqa: S105

BOSMA_APPLY_TOKEN_SCHEMA = probatio.Schema(
    {probatio.Required(CONF_CONFIG_ENTRY_ID): cv.string}
)


def _bosma_entry(hass: HomeAssistant, entry_id: str) -> BosmaConfigEntry:
    """The loaded Bosma entry ``entry_id``, or a translated validation error."""
    entry = hass.config_entries.async_get_entry(entry_id)
    if entry is None or entry.domain != DOMAIN:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="bosma_entry_not_found",
            translation_placeholders={"entry_id": entry_id},
        )
    if entry.data.get(CONF_SERVICE) != SERVICE_BOSMA:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="bosma_entry_wrong_service",
            translation_placeholders={"title": entry.title},
        )
    if entry.state is not ConfigEntryState.LOADED:
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="bosma_entry_not_loaded",
            translation_placeholders={"title": entry.title},
        )
    return entry


async def _bosma_apply_token(call: ServiceCall) -> ServiceResponse:
    """Apply for a fresh Bosma ticket and return it (never logged)."""
    entry = _bosma_entry(call.hass, call.data[CONF_CONFIG_ENTRY_ID])
    ticket = await entry.runtime_data.async_apply_token()
    return {
        "ticket": ticket.ticket,
        "issued_at": ticket.issued_at.isoformat(),
        "expires_at": ticket.expires_at.isoformat() if ticket.expires_at else None,
    }


async def async_setup_actions(hass: HomeAssistant) -> None:
    """Register the Bosma room's action."""
    hass.services.async_register(
        DOMAIN,
        SERVICE_BOSMA_APPLY_TOKEN,
        _bosma_apply_token,
        schema=BOSMA_APPLY_TOKEN_SCHEMA,
        supports_response=SupportsResponse.ONLY,
    )
