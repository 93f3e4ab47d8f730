"""The Home Comfort gateway (Connect-Key K40RF, Buderus MX400) on the LAN.

Protocol modules (``api``, ``tls``, ``values``, ``txt``, ``errors``) know
nothing of Home Assistant; the rest is the Home Assistant glue.
"""

from __future__ import annotations

import ssl
from typing import TYPE_CHECKING

from homeassistant.const import CONF_HOST, CONF_TOKEN, Platform
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ConfigEntryError
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.device_registry import DeviceEntry
from homeassistant.util import dt as dt_util

from ..const import DOMAIN, SERVICE_GATEWAY
from ..errors import not_ready
from ..room import Room
from .api import GatewayClient
from .certificates import async_check_expiry, async_clear_issues, load_credentials
from .climate import async_setup_climate
from .const import (
    CONF_API_PORT,
    CONF_AUTH_PORT,
    CONF_DEVICE_ID,
    CONF_FINGERPRINT,
    is_owner_entry,
)
from .coordinator import GatewayCoordinator, GatewayRuntimeData
from .diagnostics import async_get_diagnostics
from .entity import async_register_devices, live_identifiers
from .errors import CertificateError, GatewayError, GatewayTlsError
from .event import async_setup_event
from .failures import GATEWAY_SETUP_ERRORS
from .flow import GatewayFlowMixin
from .history import async_setup_history
from .number import async_setup_number
from .repairs import async_clear_identity_issue
from .sensor import async_setup_sensor
from .tls import PeerIdentity, build_owner_context, require_peer
from .water_heater import async_setup_water_heater

if TYPE_CHECKING:
    from .coordinator import GatewayConfigEntry


async def async_setup_entry(hass: HomeAssistant, entry: GatewayConfigEntry) -> bool:
    """Connect with the stored token (never request a new one here).

    The client's context accepts only a server whose certificate names the
    paired device (the entry's unique id): the token goes nowhere else. On
    the owner channel the certificate must also be the one pinned at pairing.
    """
    if is_owner_entry(entry):
        context = build_owner_context(
            PeerIdentity(
                str(entry.data[CONF_DEVICE_ID]), str(entry.data[CONF_FINGERPRINT])
            )
        )
        expires = None
    else:
        try:
            credentials = await hass.async_add_executor_job(
                load_credentials, dict(entry.data), entry.unique_id
            )
        except (CertificateError, GatewayTlsError, ValueError) as err:
            raise ConfigEntryError(
                translation_domain=DOMAIN,
                translation_key="gateway_credentials_unusable",
            ) from err
        context, expires = credentials.ssl_context, credentials.expires
    client = GatewayClient(
        async_get_clientsession(hass),
        entry.data[CONF_HOST],
        api_port=int(entry.data[CONF_API_PORT]),
        auth_port=int(entry.data[CONF_AUTH_PORT]),
        ssl_context=context,
        token=entry.data[CONF_TOKEN],
        require_identity=True,
    )
    if entry.unique_id is None:
        await _async_learn_device(hass, entry, client, context)
    # Warn now too: with an expired certificate the first poll never succeeds.
    async_check_expiry(hass, entry, expires, dt_util.utcnow())
    coordinator = GatewayCoordinator(hass, entry, client, certificates_expire=expires)
    await coordinator.async_config_entry_first_refresh()
    async_register_devices(hass, coordinator)  # the parent of circuits' devices
    entry.runtime_data = GatewayRuntimeData(
        client=client,
        coordinator=coordinator,
        history=async_setup_history(hass, entry, client),
    )
    return True


async def _async_learn_device(
    hass: HomeAssistant,
    entry: GatewayConfigEntry,
    client: GatewayClient,
    context: ssl.SSLContext,
) -> None:
    """An entry from before its gateway was named: learn the device, bind to it.

    Only a handshake (no token) with the address the entry was paired at; the
    device its certificate names becomes the entry's unique id (unless another
    entry has it) and the only server the token is sent to from now on.
    """
    try:
        device_id = await client.peer_device_id()
    except GatewayError as err:
        raise not_ready(err, GATEWAY_SETUP_ERRORS, host=entry.data[CONF_HOST]) from err
    require_peer(context, PeerIdentity(device_id))
    if hass.config_entries.async_entry_for_domain_unique_id(DOMAIN, device_id) is None:
        hass.config_entries.async_update_entry(entry, unique_id=device_id)


async def async_remove_entry(hass: HomeAssistant, entry: GatewayConfigEntry) -> None:
    """Nothing to clean up at the gateway (a token cannot be revoked); clear issues."""
    async_clear_issues(hass, entry)
    async_clear_identity_issue(hass, entry)


async def async_remove_config_entry_device(
    hass: HomeAssistant, entry: GatewayConfigEntry, device: DeviceEntry
) -> bool:
    """Only a circuit (heat source, zone) that the gateway no longer has may go."""
    runtime: GatewayRuntimeData | None = getattr(entry, "runtime_data", None)
    if runtime is None:
        return False
    return not device.identifiers & live_identifiers(runtime.coordinator)


ROOM = Room(
    service=SERVICE_GATEWAY,
    async_setup_entry=async_setup_entry,
    platforms={
        Platform.CLIMATE: async_setup_climate,
        Platform.EVENT: async_setup_event,
        Platform.NUMBER: async_setup_number,
        Platform.SENSOR: async_setup_sensor,
        Platform.WATER_HEATER: async_setup_water_heater,
    },
    async_remove_entry=async_remove_entry,
    async_remove_config_entry_device=async_remove_config_entry_device,
    async_get_diagnostics=async_get_diagnostics,
    flow=GatewayFlowMixin,
    reauth_step="gateway_reauth",
    reconfigure_step="gateway_reconfigure",
)

__all__ = ["ROOM", "GatewayCoordinator"]
