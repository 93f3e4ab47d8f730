"""Building the API client and TLS material from entry (or flow) data."""

from __future__ import annotations

from collections.abc import Mapping
import functools
import secrets
from typing import Any

from homeassistant.components import webhook
from homeassistant.const import CONF_CLIENT_ID, CONF_CLIENT_SECRET, CONF_WEBHOOK_ID
from homeassistant.core import HomeAssistant
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.util.ssl import client_context

from .api import EbikeClient
from .const import CONF_WEBHOOK_SECRET, PRODUCTION_API_URL, PRODUCTION_TOKEN_URL
from .signature import TrustStore, load_trust_store


def trusted_signers() -> TrustStore:
    """The CAs a notification signer must chain to: those Home Assistant trusts.

    The CAs of Home Assistant's client context (certifi's, or the bundle that
    ``REQUESTS_CA_BUNDLE`` names: how a user makes Home Assistant trust a CA
    of their own), the same that every https connection to Bosch trusts.
    Blocking (parses every CA the first time): run it in an executor.
    """
    return _trust_store(tuple(client_context().get_ca_certs(binary_form=True)))


@functools.lru_cache(maxsize=1)
def _trust_store(certificates: tuple[bytes, ...]) -> TrustStore:
    """The trust store of these CAs (parsed once: they rarely change in a run)."""
    return load_trust_store(certificates)


def create_client(hass: HomeAssistant, data: Mapping[str, Any]) -> EbikeClient:
    """The API client for the entry's (or the flow's) data, at Bosch's addresses."""
    return EbikeClient(
        async_get_clientsession(hass),
        client_id=data[CONF_CLIENT_ID],
        client_secret=data[CONF_CLIENT_SECRET],
        token_url=PRODUCTION_TOKEN_URL,
        api_url=PRODUCTION_API_URL,
    )


def scrub(error: object, data: Mapping[str, Any]) -> str:
    """The text of an error without the webhook id or a secret of the entry.

    For what is logged or shown: Bosch's answers may quote the request (the
    webhook URL, whose path is the webhook id, or the static secret).
    """
    text = str(error)
    for key in (CONF_WEBHOOK_ID, CONF_WEBHOOK_SECRET, CONF_CLIENT_SECRET):
        value = data.get(key)
        if isinstance(value, str) and value:
            text = text.replace(value, "…")
    return text


def new_entry_secrets() -> dict[str, str]:
    """The webhook id and static secret of a new entry."""
    return {
        CONF_WEBHOOK_ID: webhook.async_generate_id(),
        CONF_WEBHOOK_SECRET: secrets.token_urlsafe(32),
    }
