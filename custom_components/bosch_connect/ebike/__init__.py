"""The Bosch eBike Cloud API for the ConnectModule (BCM): bikes via webhooks.

Protocol modules (``api``, ``signature``, ``payloads``, ``errors``) know
nothing of Home Assistant. The Home Assistant side, one concern a module:

* ``fleet``: the fleet coordinator, the bikes and their devices;
* ``webhook``: the notification handler (secret, size, signature, parse);
* ``events``: applying a notification to its bike's ``state``;
* ``profiles``: feature-profile requests until the bike applies them;
* ``store``: the bikes' last reports across restarts;
* ``subscriptions``: the webhook subscription at Bosch, kept healed;
* ``runtime``: what a loaded entry holds; the flow, the entities, the
  diagnostics, the repairs and the device ``triggers``.

This module only wires them together at setup and unload.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from homeassistant.components.webhook import async_unregister as webhook_unregister
from homeassistant.const import CONF_WEBHOOK_ID, Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers.aiohttp_client import async_get_clientsession

from ..const import SERVICE_EBIKE
from ..room import DeviceTriggers, Room
from .binary_sensor import async_setup_binary_sensors
from .connection import create_client, trusted_signers
from .const import CONF_CERT_URLS, CONF_WEBHOOK_SECRET
from .device_tracker import async_setup_trackers
from .diagnostics import async_get_diagnostics
from .event import async_setup_events
from .events import BikeEvents
from .fleet import EbikeFleetCoordinator
from .flow import EbikeFlowMixin
from .profiles import Profiles
from .repairs import async_clear
from .runtime import EbikeData
from .select import async_setup_selects
from .sensor import async_setup_sensors
from .signature import SignatureVerifier
from .state import Counters
from .store import BikeStore
from .subscriptions import async_keep_subscribed, async_unsubscribe
from .triggers import (
    async_attach_trigger,
    async_get_triggers,
    async_validate_trigger_config,
)
from .webhook import async_register_webhook

if TYPE_CHECKING:
    from .runtime import EbikeConfigEntry


async def async_setup_entry(hass: HomeAssistant, entry: EbikeConfigEntry) -> bool:
    """Read the fleet, register the webhook, mend the subscription."""
    trust = await hass.async_add_executor_job(trusted_signers)
    client = create_client(hass, entry.data)
    fleet = EbikeFleetCoordinator(hass, entry, client)
    await fleet.async_config_entry_first_refresh()
    store = BikeStore(hass, entry.entry_id, fleet)
    profiles = Profiles(fleet)
    counters = Counters()
    entry.runtime_data = EbikeData(
        client=client,
        verifier=SignatureVerifier(
            async_get_clientsession(hass),
            api_url=client.api_url,
            trust=trust,
            allowed_cert_urls=entry.data.get(CONF_CERT_URLS, []),
        ),
        coordinator=fleet,
        store=store,
        profiles=profiles,
        events=BikeEvents(hass, fleet, store, profiles, counters),
        counters=counters,
        webhook_secret=entry.data[CONF_WEBHOOK_SECRET].encode(),
    )
    await store.async_load()
    fleet.async_sync_devices()
    entry.async_on_unload(fleet.async_add_listener(fleet.async_sync_devices))

    webhook_id = entry.data[CONF_WEBHOOK_ID]
    async_register_webhook(hass, entry, webhook_id)
    entry.async_on_unload(lambda: webhook_unregister(hass, webhook_id))
    async_keep_subscribed(hass, entry)
    return True


async def async_unload_entry(hass: HomeAssistant, entry: EbikeConfigEntry) -> None:
    """Write the bike state now rather than later."""
    runtime: EbikeData = entry.runtime_data
    await runtime.store.async_save()


async def async_remove_entry(hass: HomeAssistant, entry: EbikeConfigEntry) -> None:
    """Delete our subscription at Bosch, the cloudhook and the stored state."""
    await async_unsubscribe(hass, entry)
    await BikeStore.async_remove(hass, entry.entry_id)
    async_clear(hass, entry.entry_id)


ROOM = Room(
    service=SERVICE_EBIKE,
    async_setup_entry=async_setup_entry,
    platforms={
        Platform.DEVICE_TRACKER: async_setup_trackers,
        Platform.SENSOR: async_setup_sensors,
        Platform.BINARY_SENSOR: async_setup_binary_sensors,
        Platform.SELECT: async_setup_selects,
        Platform.EVENT: async_setup_events,
    },
    async_unload_entry=async_unload_entry,
    async_remove_entry=async_remove_entry,
    async_get_diagnostics=async_get_diagnostics,
    flow=EbikeFlowMixin,
    reauth_step="ebike_reauth",
    reconfigure_step="ebike_reconfigure",
    device_triggers=DeviceTriggers(
        async_validate_trigger_config=async_validate_trigger_config,
        async_get_triggers=async_get_triggers,
        async_attach_trigger=async_attach_trigger,
    ),
    # Up to 1.2: the token URL, API URL and extra CA of an "advanced" section.
    retired_data=frozenset({"token_url", "api_url", "ca_pem"}),
)
