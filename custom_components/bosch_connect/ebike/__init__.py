"""The Bosch eBike Cloud API for the ConnectModule (BCM): bikes via webhooks.

Protocol modules (``api``, ``signature``, ``payloads``, ``errors``) know
nothing of Home Assistant; the rest is the Home Assistant glue: the flow, the
fleet coordinator and bike state, the webhook handler, the subscriptions at
Bosch and the entities.
"""

from __future__ import annotations

import contextlib
from enum import Enum
import logging
import ssl
from typing import Any

from homeassistant.components.webhook import async_unregister as webhook_unregister
from homeassistant.config_entries import ConfigEntry, ConfigEntryState
from homeassistant.const import (
    CONF_WEBHOOK_ID,
    EVENT_CORE_CONFIG_UPDATE,
    Platform,
)
from homeassistant.core import CALLBACK_TYPE, Event, HomeAssistant, callback
from homeassistant.exceptions import ConfigEntryError
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.event import async_call_later
from homeassistant.helpers.start import async_at_started
from homeassistant.helpers.storage import Store

from ..const import DOMAIN, SERVICE_EBIKE
from ..room import Room
from .binary_sensor import async_setup_binary_sensors
from .connection import create_client, load_tls, scrub
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
    InsecureUrlError,
    SignatureError,
    WebhookRejectedError,
)
from .event import async_setup_events
from .repairs import ISSUE_WEBHOOK_REJECTED, async_clear, async_raise
from .select import async_setup_selects
from .sensor import async_setup_sensors
from .signature import MAX_CACHED, SignatureVerifier
from .subscriptions import (
    AttemptLog,
    NoUsableUrlError,
    SubscriptionTakenError,
    UrlNotReadyError,
    async_delete_subscriptions,
    async_ensure_subscription,
    async_webhook_url,
)
from .webhook import async_register_webhook

_LOGGER = logging.getLogger(__name__)

# Back-off in seconds after a temporary failure (Bosch unreachable, or its
# WebhookTest not answered in time), the last one repeated.
RETRY_DELAYS = (30.0, 60.0, 120.0, 300.0)
# Consecutive refusals of the webhook before the repair issue is raised.
REJECTIONS_BEFORE_ISSUE = 3


class _Subscriber:
    """Mend the subscription at Bosch, retried with back-off until it holds."""

    def __init__(self, hass: HomeAssistant, entry: EbikeConfigEntry) -> None:
        self._hass = hass
        self._entry = entry
        self._failures = 0
        self._rejections = 0
        self._log = AttemptLog(_LOGGER)
        self._cancel_retry: CALLBACK_TYPE | None = None
        self._closed = False

    @callback
    def async_close(self) -> None:
        """The entry unloads: forget a pending retry and schedule no more.

        An attempt still at Bosch is an entry task: the unload waits for it,
        and it ends without a retry.
        """
        self._closed = True
        self._cancel_pending()

    @callback
    def _cancel_pending(self) -> None:
        if self._cancel_retry is not None:
            self._cancel_retry()
            self._cancel_retry = None

    @callback
    def async_start(self, _: Any = None) -> None:
        """Start an attempt as a task of the entry: an unload waits for it."""
        self._entry.async_create_task(
            self._hass, self.async_run(), "bosch_connect eBike subscription"
        )

    async def async_run(self) -> None:
        """Try now; on a temporary failure schedule the next try."""
        self._cancel_pending()
        outcome = await _async_subscribe(
            self._hass,
            self._entry,
            raise_rejected=self._rejections + 1 >= REJECTIONS_BEFORE_ISSUE,
            log=self._log,
        )
        if outcome is _Outcome.DONE:
            self._failures = self._rejections = 0
            return
        if outcome is _Outcome.REJECTED:
            self._rejections += 1
        if self._closed:
            return
        delay = RETRY_DELAYS[min(self._failures, len(RETRY_DELAYS) - 1)]
        self._failures += 1
        self._cancel_retry = async_call_later(self._hass, delay, self.async_start)


class _Outcome(Enum):
    DONE = "done"
    RETRY = "retry"  # temporary failure
    REJECTED = "rejected"  # Bosch refused the webhook: retried, then an issue


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
    try:
        client = create_client(hass, dict(entry.data), context)
    except InsecureUrlError as err:
        raise ConfigEntryError(
            translation_domain=DOMAIN, translation_key="ebike_https_required"
        ) from err
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

    subscriber = _Subscriber(hass, entry)
    entry.async_on_unload(subscriber.async_close)

    # Bosch tests the URL (WebhookTest) before it subscribes it: wait until
    # Home Assistant serves HTTP *and* this entry's entities exist. Adding a
    # large fleet's entities keeps the event loop too busy to answer in time.
    subscribed_once = False

    @callback
    def loaded() -> None:
        nonlocal subscribed_once
        if entry.state is ConfigEntryState.LOADED and not subscribed_once:
            subscribed_once = True
            entry.async_on_unload(async_at_started(hass, subscriber.async_start))

    # (Not removed inside the callback: Home Assistant iterates the list.)
    entry.async_on_unload(entry.async_on_state_change(loaded))

    @callback
    def config_changed(event: Event[Any]) -> None:
        # The external URL may have changed: move the subscription along.
        if hass.is_running and subscribed_once:
            subscriber.async_start()

    entry.async_on_unload(
        hass.bus.async_listen(EVENT_CORE_CONFIG_UPDATE, config_changed)
    )
    return True


async def _async_subscribe(
    hass: HomeAssistant,
    entry: EbikeConfigEntry,
    *,
    raise_rejected: bool = True,
    log: AttemptLog | None = None,
) -> _Outcome:
    """Mend our subscription at Bosch; says whether to retry later.

    A refused webhook (usually Bosch's WebhookTest not answered in time while
    Home Assistant was busy) raises the repair issue only with
    ``raise_rejected``; the caller retries either way. ``log`` (kept across
    the retries) warns once when the attempts start failing and says once
    when they work again.
    """
    if log is None:
        log = AttemptLog(_LOGGER)
    runtime = entry.runtime_data
    data = entry.data
    try:
        url, cloudhook = await async_webhook_url(
            hass,
            data[CONF_WEBHOOK_ID],
            data.get(CONF_CLOUDHOOK_URL),
            create_cloudhook=True,
        )
    except NoUsableUrlError:
        _LOGGER.warning(
            "Home Assistant has no https URL that Bosch can reach; "
            "no eBike notifications will arrive (see the repair issue)"
        )
        async_raise(hass, entry.entry_id, ISSUE_NO_HTTPS_URL, {})
        return _Outcome.DONE
    except UrlNotReadyError:
        _LOGGER.debug("Home Assistant Cloud is not connected yet; retrying")
        return _Outcome.RETRY
    runtime.webhook_url = url
    try:
        subscription = await async_ensure_subscription(
            runtime.client,
            url=url,
            webhook_id=data[CONF_WEBHOOK_ID],
            secret=data[CONF_WEBHOOK_SECRET],
            known_ids=data.get(CONF_SUBSCRIPTION_IDS, []),
            replace=data.get(CONF_REPLACE, False),
            expect_test=runtime.webhook_test_expected,
        )
    except SubscriptionTakenError as err:
        log.reset()
        async_raise(
            hass,
            entry.entry_id,
            ISSUE_SUBSCRIPTION_TAKEN,
            {"url": err.url, "event_types": ", ".join(err.event_types)},
        )
        return _Outcome.DONE
    except WebhookRejectedError as err:
        # Bosch may quote the URL: never show the webhook id.
        detail = scrub(err.detail or str(err.status), data)
        log.failed("Bosch refused the eBike webhook, retrying: %s", detail)
        if raise_rejected:
            async_raise(
                hass,
                entry.entry_id,
                ISSUE_WEBHOOK_REJECTED,
                {"base_url": _base(url), "detail": detail},
            )
        return _Outcome.REJECTED
    except EbikeAuthError:
        log.reset()
        entry.async_start_reauth(hass)
        return _Outcome.DONE
    except EbikeError as err:
        log.failed(
            "Could not check the eBike subscription, retrying: %s", scrub(err, data)
        )
        return _Outcome.RETRY
    log.succeeded()
    async_clear(hass, entry.entry_id)
    cert_urls = list(data.get(CONF_CERT_URLS, []))
    if subscription.cert_url and subscription.cert_url not in cert_urls:
        try:
            runtime.verifier.allow_cert_url(subscription.cert_url)
            cert_urls.append(subscription.cert_url)
        except SignatureError:
            _LOGGER.warning("Bosch returned a certificate URL that is not https")
    # The newest few (the verifier keeps as many).
    cert_urls = cert_urls[-MAX_CACHED:]
    updates = {
        CONF_SUBSCRIPTION_IDS: [subscription.webhook_id],
        CONF_CERT_URLS: cert_urls,
        CONF_CLOUDHOOK_URL: cloudhook,
    }
    if any(data.get(key) != value for key, value in updates.items()):
        hass.config_entries.async_update_entry(entry, data={**data, **updates})
    return _Outcome.DONE


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
            scrub(err, entry.data),
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
