"""Building the API client and TLS material from entry (or flow) data."""

from __future__ import annotations

from collections.abc import Mapping
import functools
import secrets
import ssl
from typing import Any

from homeassistant.components import webhook
from homeassistant.const import CONF_CLIENT_ID, CONF_CLIENT_SECRET, CONF_WEBHOOK_ID
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.aiohttp_client import async_get_clientsession

from ..const import DOMAIN
from .api import EbikeClient
from .const import (
    CONF_API_URL,
    CONF_TOKEN_URL,
    CONF_WEBHOOK_SECRET,
    PRODUCTION_API_URL,
    PRODUCTION_TOKEN_URL,
)
from .signature import TrustStore, load_trust_store


@functools.lru_cache(maxsize=4)
def load_tls(ca_pem: str | None) -> tuple[ssl.SSLContext | None, TrustStore]:
    """The SSL context and signing trust store (blocking: run in an executor).

    Without a CA of the user's, the session's default context is used and a
    notification signer must chain to one of the system's CAs. With one
    (the advanced setting, meant for test systems such as the simulator), the
    connections to the token and API URLs trust it in addition to the
    system's CAs, and a notification signer must chain to it alone: the CA is
    pinned. Raises ssl.SSLError or a SignatureError subclass for an unusable
    PEM. Cached: reading the system's CA bundle takes a while and the result
    never changes during a run (neither object is modified after it was made).
    """
    if not ca_pem:
        return None, load_trust_store(system=True)
    trust = load_trust_store([ca_pem], system=False)
    context = ssl.create_default_context()
    context.load_verify_locations(cadata=ca_pem)
    return context, trust


def create_client(
    hass: HomeAssistant, data: dict[str, Any], context: ssl.SSLContext | None
) -> EbikeClient:
    """The API client for the entry's (or the flow's) data."""
    return EbikeClient(
        async_get_clientsession(hass),
        client_id=data[CONF_CLIENT_ID],
        client_secret=data[CONF_CLIENT_SECRET],
        token_url=data.get(CONF_TOKEN_URL) or PRODUCTION_TOKEN_URL,
        api_url=data.get(CONF_API_URL) or PRODUCTION_API_URL,
        ssl=context,
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


def translated[E: HomeAssistantError](
    kind: type[E], key: str, **placeholders: str
) -> E:
    """An error of ``kind`` that Home Assistant shows in the user's language."""
    return kind(
        translation_domain=DOMAIN,
        translation_key=key,
        translation_placeholders=placeholders or None,
    )


def new_entry_secrets() -> dict[str, str]:
    """The webhook id and static secret of a new entry."""
    return {
        CONF_WEBHOOK_ID: webhook.async_generate_id(),
        CONF_WEBHOOK_SECRET: secrets.token_urlsafe(32),
    }
