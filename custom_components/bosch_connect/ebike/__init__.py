"""The Bosch eBike Cloud API for the ConnectModule (BCM): bikes via webhooks.

Protocol modules (``api``, ``signature``, ``payloads``, ``errors``) know
nothing of Home Assistant; the rest is the Home Assistant glue: the flow, the
fleet coordinator and bike state, the webhook handler, the subscriptions at
Bosch and the entities.
"""

from __future__ import annotations

import contextlib
import logging
import ssl
from typing import Any

from homeassistant.components.webhook import async_unregister as webhook_unregister
from homeassistant.config_entries import ConfigEntry
from homeassistant.const import (
    CONF_WEBHOOK_ID,
    EVENT_CORE_CONFIG_UPDATE,
    Platform,
)
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.exceptions import ConfigEntryError
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.event import async_call_later
from homeassistant.helpers.start import async_at_started
from homeassistant.helpers.storage import Store

from ..const import DOMAIN, SERVICE_EBIKE
from ..room import Room
from .binary_sensor import async_setup_binary_sensors
from .connection import create_client, load_tls
from .const import (
    CONF_CA_PEM,
    CONF_CERT_URLS,
    CONF_CLOUDHOOK_URL,
    CONF_REPLACE,
    CONF_SUBSCRIPTION_IDS,
    CONF_WEBHOOK_SECRET,
    ISSUE_NO_HTTPS_URL,
    ISSUE_SUBSCRIPTION_TAKEN,
    STORAGE_VERSION,
)
from .coordinator import EbikeConfigEntry, EbikeData, EbikeFleetCoordinator
from .device_tracker import async_setup_trackers
from .diagnostics import async_get_diagnostics
from .errors import (
    EbikeAuthError,
    EbikeError,
    SignatureError,
    WebhookRejectedError,
)
from .event import async_setup_events
from .repairs import ISSUE_WEBHOOK_REJECTED, async_clear, async_raise
from .select import async_setup_selects
from .sensor import async_setup_sensors
from .signature import SignatureVerifier
from .subscriptions import (
    NoUsableUrlError,
    SubscriptionTakenError,
    UrlNotReadyError,
    async_delete_subscriptions,
    async_ensure_subscription,
    async_webhook_url,
)
from .webhook import async_register_webhook

_LOGGER = logging.getLogger(__name__)

RETRY_SUBSCRIBE = 300.0  # seconds after a temporary failure


async def async_setup_entry(hass: HomeAssistant, entry: ConfigEntry[Any]) -> bool:
    """Read the fleet, register the webhook, mend the subscription."""
    try:
        context, trust = await hass.async_add_executor_job(
            load_tls, entry.data.get(CONF_CA_PEM)
        )
    except (ssl.SSLError, SignatureError) as err:
        raise ConfigEntryError(
            translation_domain=DOMAIN, translation_key="ebike_invalid_ca"
        ) from err
    client = create_client(hass, dict(entry.data), context)
    coordinator = EbikeFleetCoordinator(hass, entry, client)
    await coordinator.async_config_entry_first_refresh()
    verifier = SignatureVerifier(
        async_get_clientsession(hass),
        api_url=client.api_url,
        trust=trust,
        ssl=context,
        allowed_cert_urls=entry.data.get(CONF_CERT_URLS, []),
    )
    runtime = EbikeData(
        hass=hass,
        entry=entry,
        client=client,
        verifier=verifier,
        coordinator=coordinator,
        store=Store(hass, STORAGE_VERSION, f"{DOMAIN}.ebike.{entry.entry_id}"),
        webhook_secret=entry.data[CONF_WEBHOOK_SECRET].encode(),
    )
    await runtime.async_load()
    entry.runtime_data = runtime
    runtime.async_sync_devices()
    entry.async_on_unload(coordinator.async_add_listener(runtime.async_sync_devices))

    webhook_id = entry.data[CONF_WEBHOOK_ID]
    async_register_webhook(hass, entry, webhook_id)
    entry.async_on_unload(lambda: webhook_unregister(hass, webhook_id))

    async def subscribe(_: Any = None) -> None:
        if await _async_subscribe(hass, entry) is False:
            entry.async_on_unload(async_call_later(hass, RETRY_SUBSCRIBE, subscribe))

    # Bosch tests the URL before it subscribes it: wait until Home Assistant
    # serves HTTP.
    async def started(_: HomeAssistant) -> None:
        await subscribe()

    entry.async_on_unload(async_at_started(hass, started))

    @callback
    def config_changed(event: Event[Any]) -> None:
        # The external URL may have changed: move the subscription along.
        if hass.is_running:
            entry.async_create_task(hass, subscribe())

    entry.async_on_unload(
        hass.bus.async_listen(EVENT_CORE_CONFIG_UPDATE, config_changed)
    )
    return True


async def _async_subscribe(hass: HomeAssistant, entry: EbikeConfigEntry) -> bool:
    """Mend our subscription at Bosch; False when it should be retried later."""
    runtime = entry.runtime_data
    data = entry.data
    try:
        url, cloudhook = await async_webhook_url(
            hass,
            data[CONF_WEBHOOK_ID],
            runtime.client.api_url,
            data.get(CONF_CLOUDHOOK_URL),
            create_cloudhook=True,
        )
    except NoUsableUrlError:
        _LOGGER.warning(
            "Home Assistant has no https URL that Bosch can reach; "
            "no eBike notifications will arrive (see the repair issue)"
        )
        async_raise(hass, entry.entry_id, ISSUE_NO_HTTPS_URL, {})
        return True
    except UrlNotReadyError:
        _LOGGER.debug("Home Assistant Cloud is not connected yet; retrying")
        return False
    runtime.webhook_url = url
    try:
        subscription = await async_ensure_subscription(
            runtime.client,
            url=url,
            webhook_id=data[CONF_WEBHOOK_ID],
            secret=data[CONF_WEBHOOK_SECRET],
            known_ids=data.get(CONF_SUBSCRIPTION_IDS, []),
            replace=data.get(CONF_REPLACE, False),
        )
    except SubscriptionTakenError as err:
        async_raise(
            hass,
            entry.entry_id,
            ISSUE_SUBSCRIPTION_TAKEN,
            {"url": err.url, "event_types": ", ".join(err.event_types)},
        )
        return True
    except WebhookRejectedError as err:
        async_raise(
            hass,
            entry.entry_id,
            ISSUE_WEBHOOK_REJECTED,
            {
                "base_url": _base(url),
                # Bosch may quote the URL: never show the webhook id.
                "detail": (err.detail or str(err.status)).replace(
                    data[CONF_WEBHOOK_ID], "…"
                ),
            },
        )
        return True
    except EbikeAuthError:
        entry.async_start_reauth(hass)
        return True
    except EbikeError as err:
        _LOGGER.warning("Could not check the eBike subscription, retrying: %s", err)
        return False
    async_clear(hass, entry.entry_id)
    cert_urls = list(data.get(CONF_CERT_URLS, []))
    if subscription.cert_url and subscription.cert_url not in cert_urls:
        try:
            runtime.verifier.allow_cert_url(subscription.cert_url)
            cert_urls.append(subscription.cert_url)
        except SignatureError:
            _LOGGER.warning("Bosch returned a certificate URL that is not https")
    updates = {
        CONF_SUBSCRIPTION_IDS: [subscription.webhook_id],
        CONF_CERT_URLS: cert_urls,
        CONF_CLOUDHOOK_URL: cloudhook,
    }
    if any(data.get(key) != value for key, value in updates.items()):
        hass.config_entries.async_update_entry(entry, data={**data, **updates})
    return True


def _base(url: str) -> str:
    """Scheme and host of a webhook URL (the path holds the secret webhook id)."""
    scheme, _, rest = url.partition("://")
    return f"{scheme}://{rest.split('/', 1)[0]}"


async def async_unload_entry(hass: HomeAssistant, entry: ConfigEntry[Any]) -> None:
    """Write the bike state now rather than later."""
    runtime: EbikeData = entry.runtime_data
    await runtime.store.async_save(runtime.data_to_save())


async def async_remove_entry(hass: HomeAssistant, entry: ConfigEntry[Any]) -> None:
    """Delete our subscription at Bosch, the cloudhook and the stored state."""
    try:
        context, _ = await hass.async_add_executor_job(
            load_tls, entry.data.get(CONF_CA_PEM)
        )
        client = create_client(hass, dict(entry.data), context)
        await async_delete_subscriptions(
            client,
            url=None,
            webhook_id=entry.data[CONF_WEBHOOK_ID],
            known_ids=entry.data.get(CONF_SUBSCRIPTION_IDS, []),
        )
    except (EbikeError, ssl.SSLError) as err:
        _LOGGER.warning(
            "Could not delete the eBike webhook at Bosch; delete it in the "
            "Bosch partner portal: %s",
            err,
        )
    if entry.data.get(CONF_CLOUDHOOK_URL) and "cloud" in hass.config.components:
        from homeassistant.components import cloud  # noqa: PLC0415

        with contextlib.suppress(cloud.CloudNotAvailable):
            await cloud.async_delete_cloudhook(hass, entry.data[CONF_WEBHOOK_ID])
    await Store[dict[str, Any]](
        hass, STORAGE_VERSION, f"{DOMAIN}.ebike.{entry.entry_id}"
    ).async_remove()
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
)
