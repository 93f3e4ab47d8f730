"""Automatic renewal of the Partner API key.

Bosch keys live six months; a partner renews with ``POST /api-keys`` (the old
key stays valid until it expires) and cleans up with
``DELETE /api-keys/{keyId}``. Here, in every refresh and under a lock (so
that concurrent refreshes renew once):

1. After the reads: if a previous renewal left an old key to delete, delete
   it now, with the new key. This happens one refresh after the renewal and at
   least ``WRITE_GRACE`` after it, when the entry with the new key has surely
   been written to disk; the key in use is never deleted.
2. At the end: if the key has less than ``renew_days`` left, ask for a new
   one, store it in the config entry *before* using it (together with the id
   of the old key, to delete next time), then use it. Should Home Assistant stop between
   the renewal and the store, the entry still holds the old key, which Bosch
   leaves valid: the next run simply renews again.

"Now" is the API's notion of now (the ``Date`` header of its answers, local
time until one was seen), so that the key's life is judged by the clock that
enforces it. A failed renewal is retried on the next refresh; when the key has
less than 7 days left a repair issue says so, and once it has expired the
re-authentication flow starts. When the partner already holds 10 keys, a
repair issue asks the user to delete unused ones.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from typing import TYPE_CHECKING, Any

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ConfigEntryAuthFailed, HomeAssistantError
from homeassistant.helpers import issue_registry as ir
from homeassistant.util import dt as dt_util

from ..const import DOMAIN
from .api import HomeComfortClient
from .const import (
    CONF_API_KEY,
    CONF_KEY_ENTERED_AT,
    CONF_PENDING_KEY_DELETION,
    CONF_RENEW_DAYS,
    DEFAULT_RENEW_DAYS,
    EXPIRY_WARNING,
    ISSUE_KEY_LIMIT,
    ISSUE_RENEWAL_FAILED,
)
from .errors import (
    ApiKeyFormatError,
    CannotDeleteOwnKeyError,
    HomeComfortError,
    InvalidApiKeyError,
    KeyLimitReachedError,
    NotFoundError,
)
from .keys import ApiKey, effective_expiry, parse_api_key
from .models import KeyInfo

if TYPE_CHECKING:
    from homeassistant.config_entries import ConfigEntry

_LOGGER = logging.getLogger(__name__)

# Home Assistant writes config entries one second after a change; the key a
# renewal replaced is deleted only once the new one has surely been written.
WRITE_GRACE = dt.timedelta(seconds=10)


def key_expired() -> ConfigEntryAuthFailed:
    """The error that starts re-authentication for an expired key."""
    return ConfigEntryAuthFailed(
        translation_domain=DOMAIN, translation_key="homecomfort_key_expired"
    )


class KeyManager:
    """Knows the entry's key, renews it in time and deletes the one it replaced."""

    def __init__(
        self, hass: HomeAssistant, entry: ConfigEntry[Any], client: HomeComfortClient
    ) -> None:
        """Manage the key of ``entry`` that ``client`` sends."""
        self.hass = hass
        self.entry = entry
        self.client = client
        self.lock = asyncio.Lock()
        self.info: KeyInfo | None = None  # GET /api-keys/me of the key in use
        self.renewals = 0
        self.last_error: str | None = None

    @property
    def key(self) -> ApiKey:
        """The key stored in the entry (and sent by the client)."""
        return parse_api_key(self.entry.data[CONF_API_KEY])

    @property
    def renew_before(self) -> dt.timedelta:
        """Renew when the key has less than this left (option)."""
        days = self.entry.options.get(CONF_RENEW_DAYS, DEFAULT_RENEW_DAYS)
        return dt.timedelta(days=days)

    @property
    def expires(self) -> dt.datetime:
        """When the key in use expires (embedded, reported, or 6 months)."""
        entered = dt_util.parse_datetime(self.entry.data.get(CONF_KEY_ENTERED_AT, ""))
        return effective_expiry(
            self.key,
            self.info.expires if self.info else None,
            entered or dt_util.utcnow(),
        )

    async def async_load(self) -> KeyInfo:
        """Ask the API about the key in use (``GET /api-keys/me``)."""
        self.info = await self.client.key_info()
        return self.info

    def _issue_id(self, issue: str) -> str:
        return f"{issue}_{self.entry.entry_id}"

    async def async_delete_replaced_key(self) -> None:
        """Delete the key that the last renewal replaced (if any), with the new one."""
        async with self.lock:
            await self._delete_replaced_key()

    async def async_renew_if_due(self) -> None:
        """Renew the key when it has less than ``renew_days`` left; once at a time."""
        async with self.lock:
            await self._renew_if_due()

    async def _delete_replaced_key(self) -> None:
        old = self.entry.data.get(CONF_PENDING_KEY_DELETION)
        if not old:
            return
        stored = dt_util.parse_datetime(self.entry.data.get(CONF_KEY_ENTERED_AT, ""))
        if stored is not None and self.client.server_now() - stored < WRITE_GRACE:
            return  # the entry with the new key may not be on disk yet
        in_use = self.key.key_id or (self.info.key_id if self.info else None)
        if old != in_use:
            try:
                await self.client.delete_key(old)
            except NotFoundError, CannotDeleteOwnKeyError:
                pass  # already gone, or (never) the key in use: nothing to delete
            except InvalidApiKeyError:
                raise
            except HomeComfortError as err:
                _LOGGER.debug("Deleting the replaced API key failed: %s", err)
                return  # next refresh tries again
        data = dict(self.entry.data)
        data.pop(CONF_PENDING_KEY_DELETION, None)
        self.hass.config_entries.async_update_entry(self.entry, data=data)

    async def _renew_if_due(self) -> None:
        now = self.client.server_now()
        expires = self.expires
        if expires <= now:
            raise key_expired()
        left = expires - now
        if left > self.renew_before:
            self._clear_issues()
            return
        old = self.key
        old_id = old.key_id or (self.info.key_id if self.info else None)
        try:
            new = await self.client.create_key()
        except InvalidApiKeyError:
            raise
        except KeyLimitReachedError as err:
            self.last_error = "key_limit"
            ir.async_create_issue(
                self.hass,
                DOMAIN,
                self._issue_id(ISSUE_KEY_LIMIT),
                is_fixable=False,
                severity=ir.IssueSeverity.WARNING,
                translation_key=ISSUE_KEY_LIMIT,
                translation_placeholders={"title": self.entry.title},
            )
            self._warn_if_expiring(left, expires, str(err))
            return
        except HomeComfortError as err:
            self.last_error = type(err).__name__
            _LOGGER.warning(
                "Renewing the Home Comfort API key failed (%s); retrying at the "
                "next refresh",
                type(err).__name__,
            )
            self._warn_if_expiring(left, expires, type(err).__name__)
            return
        try:
            new_value = parse_api_key(new.api_key).value
        except ApiKeyFormatError:
            # Never store what cannot be a key; the old one keeps working.
            self.last_error = ApiKeyFormatError.__name__
            _LOGGER.warning(
                "The Partner API answered the renewal with a malformed key; "
                "keeping the old key and retrying at the next refresh"
            )
            await self._withdraw(new.key_id)
            self._warn_if_expiring(left, expires, self.last_error)
            return
        # Store first: if Home Assistant stops before this, the old key is
        # still stored and still valid, and the next run renews again.
        data = {
            **self.entry.data,
            CONF_API_KEY: new_value,
            CONF_KEY_ENTERED_AT: now.isoformat(),
        }
        if old_id:
            data[CONF_PENDING_KEY_DELETION] = old_id
        try:
            self.hass.config_entries.async_update_entry(self.entry, data=data)
        except HomeAssistantError as err:
            # Not stored (e.g. the entry was removed meanwhile): never use the
            # new key; withdraw it with the old one so that it does not count
            # against the partner's ten keys.
            self.last_error = type(err).__name__
            _LOGGER.warning(
                "Storing the renewed Home Comfort API key failed (%s); keeping "
                "the old key",
                type(err).__name__,
            )
            await self._withdraw(new.key_id)
            return
        # Then use it, and learn its id and expiry from the API.
        self.client.use_key(new_value)
        try:
            await self.async_load()
        except HomeComfortError:
            self.info = KeyInfo(
                key_id=new.key_id or self.key.key_id or "",
                company_id=self.info.company_id if self.info else "",
                expires=new.expires,
            )
        self.renewals += 1
        self.last_error = None
        _LOGGER.info("Renewed the Home Comfort API key (valid until %s)", self.expires)
        self._clear_issues()

    async def _withdraw(self, key_id: str | None) -> None:
        """Delete a new key that will not be used (best effort, with the old key)."""
        if not key_id:
            return
        with contextlib.suppress(HomeComfortError):
            await self.client.delete_key(key_id)

    def _warn_if_expiring(
        self, left: dt.timedelta, expires: dt.datetime, error: str
    ) -> None:
        if left > EXPIRY_WARNING:
            return
        ir.async_create_issue(
            self.hass,
            DOMAIN,
            self._issue_id(ISSUE_RENEWAL_FAILED),
            is_fixable=False,
            severity=ir.IssueSeverity.ERROR,
            translation_key=ISSUE_RENEWAL_FAILED,
            translation_placeholders={
                "title": self.entry.title,
                "expires": dt_util.as_local(expires).strftime("%Y-%m-%d %H:%M"),
                "error": error,
            },
        )

    def _clear_issues(self) -> None:
        ir.async_delete_issue(self.hass, DOMAIN, self._issue_id(ISSUE_RENEWAL_FAILED))
        ir.async_delete_issue(self.hass, DOMAIN, self._issue_id(ISSUE_KEY_LIMIT))
