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

While Bosch is unreachable the attempts are retried every few minutes:
:class:`AttemptLog` logs the first failed attempt as a warning, the following
ones at debug level, and the first success after them once at info level.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
import contextlib
from dataclasses import dataclass
import logging

from homeassistant.components import webhook
from homeassistant.core import HomeAssistant
from homeassistant.helpers.network import NoURLAvailableError, get_url
from yarl import URL

from .api import EbikeClient, Webhook, WebhookAuthentication
from .const import AUTH_HEADER, EVENT_TYPES
from .errors import WebhookConflictError

_LOGGER = logging.getLogger(__name__)

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
    """Make one webhook of ours hold both event types at ``url``."""
    try:
        return await _async_ensure(
            client,
            url=url,
            webhook_id=webhook_id,
            secret=secret,
            known=set(known_ids),
            replace=replace,
            expect_test=expect_test,
        )
    except WebhookConflictError:
        _LOGGER.debug("An event type was subscribed meanwhile; reading again")
        return await _async_ensure(
            client,
            url=url,
            webhook_id=webhook_id,
            secret=secret,
            known=set(known_ids),
            replace=replace,
            expect_test=expect_test,
        )


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
