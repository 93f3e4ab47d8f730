"""The webhook subscriptions at Bosch and the URL they point to.

Bosch allows one subscription per event type and account. At every start we
read the account's webhooks and mend ours so that one webhook holds both event
types and points to the current URL:

* a webhook is ours when Bosch knows it under an id we stored, or its URL is
  our current URL or ends in our webhook path (the host changed);
* a webhook of someone else that holds one of our event types is replaced only
  when the user ticked "replace existing subscriptions"; otherwise
  :class:`SubscriptionTakenError` names the URL that holds it;
* a 409 that races with another client makes us read the list again once.

Bosch sends a WebhookTest to the URL and creates (or changes) the webhook only
when that was answered with 200, so Home Assistant's webhook must already be
registered when these functions run. Whether that test carries the static
credentials is not documented: ``expect_test`` is entered around exactly the
calls after which Bosch tests our URL (the webhook handler then answers a
request without the secret with 200, and looks at nothing of it).

An entry keeps its subscription healed (:func:`async_keep_subscribed`): the
first attempt once Home Assistant serves HTTP and the entry's entities exist,
another whenever the core configuration (the external URL) changes. While
Bosch is unreachable the attempts are retried with back-off (30 s up to
5 minutes): :class:`AttemptLog` logs the first failed attempt as a warning,
the following ones at debug level, and the first success after them once at
info level. A webhook that Bosch refuses three times in a row raises a repair
issue; a subscription held by someone else, or no https URL, raises one at
once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
import contextlib
from dataclasses import dataclass
from enum import Enum
import functools
import logging
from typing import TYPE_CHECKING, Any, Final

from homeassistant.components import webhook
from homeassistant.config_entries import ConfigEntryState
from homeassistant.const import CONF_WEBHOOK_ID, EVENT_CORE_CONFIG_UPDATE
from homeassistant.core import CALLBACK_TYPE, Event, HomeAssistant, callback
from homeassistant.helpers.event import async_call_later
from homeassistant.helpers.network import NoURLAvailableError, get_url
from homeassistant.helpers.start import async_at_started
from yarl import URL

from .api import EbikeClient, Webhook, WebhookAuthentication
from .connection import create_client, scrub
from .const import (
    AUTH_HEADER,
    CONF_CERT_URLS,
    CONF_CLOUDHOOK_URL,
    CONF_REPLACE,
    CONF_SUBSCRIPTION_IDS,
    CONF_WEBHOOK_SECRET,
    EVENT_TYPES,
    ISSUE_NO_HTTPS_URL,
    ISSUE_SUBSCRIPTION_TAKEN,
)
from .errors import (
    EbikeAuthError,
    EbikeError,
    SignatureError,
    WebhookConflictError,
    WebhookRejectedError,
)
from .repairs import ISSUE_WEBHOOK_REJECTED, async_clear, async_raise
from .signature import MAX_CACHED

if TYPE_CHECKING:
    from .runtime import EbikeConfigEntry

_LOGGER = logging.getLogger(__name__)

# Back-off in seconds after a temporary failure (Bosch unreachable, or its
# WebhookTest not answered in time), the last one repeated.
RETRY_DELAYS: Final = (30.0, 60.0, 120.0, 300.0)
# Consecutive refusals of the webhook before the repair issue is raised.
REJECTIONS_BEFORE_ISSUE: Final = 3

DESCRIPTION = "Home Assistant (Bosch Connect)"


class NoUsableUrlError(Exception):
    """Home Assistant has no URL that Bosch can reach (https, from the internet)."""


class UrlNotReadyError(Exception):
    """Home Assistant Cloud is logged in but not connected yet: try again later."""


class SubscriptionTakenError(Exception):
    """Another webhook of the account holds one of our event types."""

    def __init__(self, url: str, event_types: Sequence[str]) -> None:
        self.url = url
        self.event_types = list(event_types)
        super().__init__(f"{', '.join(event_types)} subscribed by {url}")


# Entered while Bosch may send its WebhookTest to our URL.
type _TestWindow = Callable[[], contextlib.AbstractContextManager[object]]


class AttemptLog:
    """Logs once when the subscription attempts start failing, once when back.

    The first failed attempt after a success (or since the start) is a
    warning, the failures after it are debug messages; the first attempt that
    succeeds after failures says so once at info level. The messages must
    hold neither the webhook id nor the secret (callers scrub what Bosch
    quotes).
    """

    def __init__(self, logger: logging.Logger = _LOGGER) -> None:
        self._logger = logger
        self.failures = 0  # failed attempts since the last success

    def failed(self, message: str, *args: object) -> None:
        """An attempt failed and is retried."""
        level = logging.WARNING if self.failures == 0 else logging.DEBUG
        self.failures += 1
        self._logger.log(level, message, *args)

    def succeeded(self) -> None:
        """An attempt subscribed us: say so if the ones before failed."""
        if self.failures:
            self._logger.info(
                "The eBike subscription at Bosch works again (after %d failed "
                "attempts)",
                self.failures,
            )
        self.failures = 0

    def reset(self) -> None:
        """The attempts end otherwise (a repair issue or reauth tells the user)."""
        self.failures = 0


@dataclass(frozen=True, slots=True)
class Subscription:
    """Our webhook at Bosch."""

    webhook_id: str
    cert_url: str | None


async def async_webhook_url(
    hass: HomeAssistant,
    webhook_id: str,
    cloudhook_url: str | None,
    *,
    create_cloudhook: bool,
) -> tuple[str, str | None]:
    """The URL Bosch posts to, and the cloudhook URL (if one is used).

    Home Assistant Cloud's cloudhook when the user has a subscription, else
    the external https URL: Bosch sends the static secret with every
    notification, so never over plain http, whatever the API URL is.
    Raises NoUsableUrlError, or UrlNotReadyError while the cloud connects.
    """
    if "cloud" in hass.config.components:
        from homeassistant.components import cloud  # noqa: PLC0415

        if cloud.async_active_subscription(hass):
            if cloudhook_url:
                return cloudhook_url, cloudhook_url
            if not create_cloudhook:
                return "https://hooks.nabu.casa/", None
            try:
                url = await cloud.async_create_cloudhook(hass, webhook_id)
            except cloud.CloudNotConnected as err:
                raise UrlNotReadyError from err
            except cloud.CloudNotAvailable as err:
                raise NoUsableUrlError from err
            return url, url
    try:
        base = get_url(
            hass,
            allow_internal=False,
            allow_cloud=False,
            prefer_external=True,
            require_ssl=True,
        )
    except NoURLAvailableError as err:
        raise NoUsableUrlError from err
    return f"{base}{webhook.async_generate_path(webhook_id)}", None


def _is_ours(hook: Webhook, url: str, webhook_id: str, known: set[str]) -> bool:
    return (
        hook.id in known
        or hook.url == url
        or URL(hook.url).path == webhook.async_generate_path(webhook_id)
    )


async def async_ensure_subscription(
    client: EbikeClient,
    *,
    url: str,
    webhook_id: str,
    secret: str,
    known_ids: list[str],
    replace: bool,
    expect_test: _TestWindow = contextlib.nullcontext,
) -> Subscription:
    """Make one webhook of ours hold both event types at ``url``.

    A 409 (another client subscribed an event type meanwhile) makes us read
    the list again, once.
    """
    ensure = functools.partial(
        _async_ensure,
        client,
        url=url,
        webhook_id=webhook_id,
        secret=secret,
        known=set(known_ids),
        replace=replace,
        expect_test=expect_test,
    )
    try:
        return await ensure()
    except WebhookConflictError:
        _LOGGER.debug("An event type was subscribed meanwhile; reading again")
        return await ensure()


async def _async_ensure(
    client: EbikeClient,
    *,
    url: str,
    webhook_id: str,
    secret: str,
    known: set[str],
    replace: bool,
    expect_test: _TestWindow,
) -> Subscription:
    hooks = await client.list_webhooks()
    ours = [h for h in hooks if _is_ours(h, url, webhook_id, known)]
    needed = set(EVENT_TYPES)
    for hook in hooks:
        if hook in ours:
            continue
        taken = [t for t in EVENT_TYPES if t in hook.event_types]
        if not taken:
            continue
        if not replace:
            raise SubscriptionTakenError(hook.url, taken)
        remaining = [t for t in hook.event_types if t not in needed]
        if remaining:
            await client.update_webhook(
                hook.id, hook.url, remaining, description=hook.description
            )
        else:
            await client.delete_webhook(hook.id)
        _LOGGER.info("Took over %s from another webhook", ", ".join(taken))
    auth = WebhookAuthentication(name=AUTH_HEADER, secret=secret, location="HEADER")
    if not ours:
        with expect_test():
            created, cert_url = await client.create_webhook(
                url, EVENT_TYPES, auth, DESCRIPTION
            )
        return Subscription(created.id, cert_url)
    primary, *extra = ours
    for hook in extra:
        await client.delete_webhook(hook.id)
    if (
        primary.url != url
        or set(primary.event_types) != needed
        or primary.authentication_name != AUTH_HEADER
        or primary.id not in known
    ):
        with expect_test():
            await client.update_webhook(primary.id, url, EVENT_TYPES, auth, DESCRIPTION)
    return Subscription(primary.id, None)


async def async_delete_subscriptions(
    client: EbikeClient, *, url: str | None, webhook_id: str, known_ids: list[str]
) -> int:
    """Delete our webhooks at Bosch; returns how many."""
    known = set(known_ids)
    deleted = 0
    for hook in await client.list_webhooks():
        if _is_ours(hook, url or "", webhook_id, known):
            await client.delete_webhook(hook.id)
            deleted += 1
    return deleted


def foreign_holder(
    hooks: list[Webhook], url: str, webhook_id: str, known_ids: list[str]
) -> Webhook | None:
    """The first webhook of someone else that holds one of our event types."""
    known = set(known_ids)
    for hook in hooks:
        if not _is_ours(hook, url, webhook_id, known) and any(
            t in hook.event_types for t in EVENT_TYPES
        ):
            return hook
    return None


# --- healing the entry's subscription ------------------------------------------


class _Outcome(Enum):
    DONE = "done"
    RETRY = "retry"  # temporary failure
    REJECTED = "rejected"  # Bosch refused the webhook: retried, then an issue


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


@callback
def async_keep_subscribed(hass: HomeAssistant, entry: EbikeConfigEntry) -> None:
    """Mend the entry's subscription once it can be tested, and on URL changes.

    Bosch tests the URL (WebhookTest) before it subscribes it: the first
    attempt waits until Home Assistant serves HTTP *and* this entry's
    entities exist. Adding a large fleet's entities keeps the event loop too
    busy to answer in time.
    """
    subscriber = _Subscriber(hass, entry)
    entry.async_on_unload(subscriber.async_close)
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


async def async_unsubscribe(hass: HomeAssistant, entry: EbikeConfigEntry) -> None:
    """Delete our subscription at Bosch and the cloudhook (the entry is removed)."""
    client = create_client(hass, entry.data)
    try:
        await async_delete_subscriptions(
            client,
            url=None,
            webhook_id=entry.data[CONF_WEBHOOK_ID],
            known_ids=entry.data.get(CONF_SUBSCRIPTION_IDS, []),
        )
    except EbikeError as err:
        _LOGGER.warning(
            "Could not delete the eBike webhook at Bosch; delete it in the "
            "Bosch partner portal: %s",
            scrub(err, entry.data),
        )
    if entry.data.get(CONF_CLOUDHOOK_URL) and "cloud" in hass.config.components:
        from homeassistant.components import cloud  # noqa: PLC0415

        with contextlib.suppress(cloud.CloudNotAvailable):
            await cloud.async_delete_cloudhook(hass, entry.data[CONF_WEBHOOK_ID])
