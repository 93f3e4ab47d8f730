"""Automatic renewal of the Partner API key, without ever losing both keys.

Bosch keys live six months; a partner renews with ``POST /api-keys`` (the old
key stays valid until it expires) and cleans up with
``DELETE /api-keys/{keyId}``. Here, in every refresh and under a lock (so
that concurrent refreshes renew once):

1. **Renew** (at the end of a refresh), when the key has less than
   ``renew_days`` left by the API's clock: ask for a new key. A key that is of
   no use (already expired, or not expiring later than the key in use) is
   refused: withdrawn again (``DELETE`` with the key in use), reported (log,
   repair issue, diagnostics), and the key in use stays. A usable key is
   stored in the config entry *before* it is used, together with the old key
   (value and id), then used; ``GET /api-keys/me`` with it is its first use.
   Should Home Assistant stop before the store, the entry still holds the old
   key, which Bosch leaves valid: the next run simply renews again.
2. **Complete** (after the reads of a later refresh): the old key is deleted
   only when a request with the new key has succeeded *and* the entry with
   the new key has been read back from Home Assistant's config entry storage
   (Home Assistant writes entries a second after a change, and a failed write
   is only logged; the file is then flushed with ``fsync``). Only then are the
   old key's id and value forgotten. If the entry is still not on disk
   ``WRITE_GRACE`` after the store, storing failed: the entry goes back to the
   old key (the one on disk, never deleted), the new key is withdrawn, and the
   renewal is retried at the next refresh.
3. **Fall back**: a new key that the API refuses (401) while the old key is
   still kept: the old key is used again if the API accepts it, the new one
   is withdrawn; the renewal is retried at the next refresh.

So at every moment the key on disk works: a restart at any step comes back
with a working key.

Time: the key's expiry comes from the key itself (else the API's word, else
six months after it was entered). "Now" for the renewal is the API's clock,
measured from the ``Date`` headers of its successful answers: it made the
key's expiry and enforces it, so a skew between the API and this machine
(shown as a diagnostic) moves the renewal neither earlier nor later. No clock
ever starts re-authentication: only the API refusing the key (401) does. The
write grace is measured with Home Assistant's monotonic clock, since it is
Home Assistant that writes. A failed renewal is retried on the next refresh
(logged once as a warning at the first failure, then at debug level, and once
at info level when a renewal succeeds again); when the key has less than 7
days left a repair issue says so. When the partner already holds 10 keys, a
repair issue asks the user to delete unused ones.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import os
from typing import TYPE_CHECKING, Any

from homeassistant.config_entries import (
    STORAGE_KEY as ENTRIES_STORAGE_KEY,
    STORAGE_VERSION as ENTRIES_STORAGE_VERSION,
    STORAGE_VERSION_MINOR as ENTRIES_STORAGE_VERSION_MINOR,
)
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util

from ..const import DOMAIN
from ..errors import raise_repair
from .api import HomeComfortClient
from .const import (
    CONF_API_KEY,
    CONF_KEY_ENTERED_AT,
    CONF_PENDING_KEY_DELETION,
    CONF_PREVIOUS_API_KEY,
    CONF_PREVIOUS_KEY_ENTERED_AT,
    CONF_RENEW_DAYS,
    DEFAULT_RENEW_DAYS,
    EXPIRY_WARNING,
    ISSUE_KEY_LIMIT,
    ISSUE_RENEWAL_FAILED,
    ISSUE_USELESS_KEY,
)
from .errors import (
    ApiKeyFormatError,
    CannotDeleteOwnKeyError,
    HomeComfortError,
    InvalidApiKeyError,
    KeyLimitReachedError,
    NotFoundError,
)
from .keys import ApiKey, effective_expiry, parse_api_key, useless_key
from .models import KeyInfo

if TYPE_CHECKING:
    from .coordinator import HomeComfortConfigEntry

if TYPE_CHECKING:
    pass

_LOGGER = logging.getLogger(__name__)

# Home Assistant writes config entries one second after a change. A renewed
# key that is not on disk this long after it was stored was not written.
WRITE_GRACE = dt.timedelta(seconds=10)

# The renewal bookkeeping in the entry, dropped once the renewal is complete.
_RENEWAL_FIELDS = (
    CONF_PENDING_KEY_DELETION,
    CONF_PREVIOUS_API_KEY,
    CONF_PREVIOUS_KEY_ENTERED_AT,
)

# last_error values (diagnostics) of our own
USELESS_KEY = "useless_key"
STORE_FAILED = "store_failed"
NEW_KEY_REFUSED = "new_key_refused"


def _flush_to_disk(path: str) -> None:
    """``fsync`` a file that was just read back, and its directory.

    Home Assistant writes a temporary file and renames it into place, without
    ``fsync``: after this, the entry survives a power failure too.
    """
    for target in (path, os.path.dirname(path)):
        try:
            descriptor = os.open(target, os.O_RDONLY)
        except FileNotFoundError:
            return  # no file: storage that is not a file (tests)
        except OSError as err:  # e.g. directories cannot be opened everywhere
            _LOGGER.debug("Opening %s for fsync failed: %s", target, err)
            return
        try:
            os.fsync(descriptor)
        except OSError as err:  # some file systems refuse it for directories
            _LOGGER.debug("fsync of %s failed: %s", target, err)
        finally:
            os.close(descriptor)


class KeyManager:
    """Knows the entry's key, renews it in time and deletes the one it replaced."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: HomeComfortConfigEntry,
        client: HomeComfortClient,
    ) -> None:
        """Manage the key of ``entry`` that ``client`` sends."""
        self.hass = hass
        self.entry = entry
        self.client = client
        self.lock = asyncio.Lock()
        self.info: KeyInfo | None = None  # GET /api-keys/me of the key in use
        self.renewals = 0
        self.last_error: str | None = None
        # Home Assistant's monotonic time when this run stored a renewed key.
        self.stored_at: float | None = None
        self._hold_renewal = False  # a renewal was just undone: not again now
        self.failed_renewals = 0  # failed renewals since the last success

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

    @property
    def known_expiry(self) -> dt.datetime | None:
        """The expiry of the key in use as the key or the API tells it (no guess)."""
        return self.key.expires or (self.info.expires if self.info else None)

    @property
    def renewal_in_progress(self) -> bool:
        """A renewed key is in use but its predecessor is still kept."""
        return bool(self.entry.data.get(CONF_PREVIOUS_API_KEY))

    async def async_load(self) -> KeyInfo:
        """Ask the API about the key in use (``GET /api-keys/me``)."""
        self.info = await self.client.key_info()
        return self.info

    def _issue_id(self, issue: str) -> str:
        return f"{issue}_{self.entry.entry_id}"

    async def async_delete_replaced_key(self) -> None:
        """Complete the last renewal: delete the key it replaced, when safe."""
        async with self.lock:
            await self._complete_renewal()

    async def async_renew_if_due(self) -> None:
        """Renew the key when it has less than ``renew_days`` left; once at a time."""
        async with self.lock:
            await self._renew_if_due()

    async def async_restore_previous_key(self) -> bool:
        """The API refused the key: go back to the kept old key if it works.

        True when the client now sends the old key again.
        """
        async with self.lock:
            previous = self.entry.data.get(CONF_PREVIOUS_API_KEY)
            refused = self.client.api_key
            if not previous or previous == refused:
                return False
            self.client.use_key(previous)
            try:
                await self.async_load()
            except HomeComfortError:
                self.client.use_key(refused)
                return False
            if not await self._back_to_previous(parse_api_key(refused)):
                self.client.use_key(refused)
                return False
            self.last_error = NEW_KEY_REFUSED
            _LOGGER.warning(
                "The Partner API refuses the renewed Home Comfort API key; using "
                "the previous key again and renewing at the next refresh"
            )
            return True

    # ------------------------------------------------------------ completion
    async def _complete_renewal(self) -> None:
        data = self.entry.data
        old_id = data.get(CONF_PENDING_KEY_DELETION)
        if not old_id and not data.get(CONF_PREVIOUS_API_KEY):
            return
        in_use = self.key.key_id or (self.info.key_id if self.info else None)
        if old_id and old_id == in_use:
            self._forget_renewal()  # never delete the key in use
            return
        if self.client.confirmed_key != self.key.value:
            return  # the new key has not been used successfully yet
        on_disk = await self._stored_on_disk()
        if on_disk is None:
            return  # cannot tell: look again next time
        if not on_disk:
            if (
                self.stored_at is not None
                and self.hass.loop.time() - self.stored_at
                >= WRITE_GRACE.total_seconds()
            ):
                await self._store_failed()
            return  # written a second after the store: look again next time
        if old_id:
            try:
                await self.client.delete_key(old_id)
            except NotFoundError, CannotDeleteOwnKeyError:
                pass  # already gone, or (never) the key in use: nothing to delete
            except InvalidApiKeyError:
                raise
            except HomeComfortError as err:
                _LOGGER.debug("Deleting the replaced API key failed: %s", err)
                # The new key is proven and on disk: the old one is no longer
                # needed as a way back, only its deletion is retried.
                self._forget_renewal(keep=CONF_PENDING_KEY_DELETION)
                return
        self._forget_renewal()

    async def _stored_on_disk(self) -> bool | None:
        """Whether the config entry storage on disk holds the key in use.

        Read back with a read-only store of Home Assistant's config entries
        (it never writes); None when the storage cannot be read.
        """
        store: Store[dict[str, Any]] = Store(
            self.hass,
            ENTRIES_STORAGE_VERSION,
            ENTRIES_STORAGE_KEY,
            minor_version=ENTRIES_STORAGE_VERSION_MINOR,
            read_only=True,
        )
        try:
            stored = await store.async_load()
        except (HomeAssistantError, OSError, ValueError) as err:
            _LOGGER.debug("Reading the config entries back failed: %s", err)
            return None
        entries = stored.get("entries") if isinstance(stored, dict) else None
        for entry in entries if isinstance(entries, list) else []:
            if isinstance(entry, dict) and entry.get("entry_id") == self.entry.entry_id:
                data = entry.get("data")
                if not isinstance(data, dict) or data.get(CONF_API_KEY) != (
                    self.key.value
                ):
                    return False
                await self.hass.async_add_executor_job(_flush_to_disk, store.path)
                return True
        return False

    async def _store_failed(self) -> None:
        """The renewed key never reached the disk: back to the old key."""
        self.last_error = STORE_FAILED
        _LOGGER.warning(
            "Home Assistant did not write the renewed Home Comfort API key to "
            "disk; using the previous key again and renewing at the next refresh"
        )
        await self._back_to_previous(self.key)

    async def _back_to_previous(self, new: ApiKey) -> bool:
        """Make the kept old key the entry's key again; withdraw ``new``.

        False when the entry could not be changed (it still holds ``new``).
        """
        data = self.entry.data
        previous = data.get(CONF_PREVIOUS_API_KEY)
        if not previous:
            return False
        restored = {k: v for k, v in data.items() if k not in _RENEWAL_FIELDS}
        restored[CONF_API_KEY] = previous
        if entered := data.get(CONF_PREVIOUS_KEY_ENTERED_AT):
            restored[CONF_KEY_ENTERED_AT] = entered
        if not self._update_entry(
            restored, "Restoring the previous Home Comfort API key in the entry"
        ):
            return False
        self.client.use_key(previous)
        self.stored_at = None
        self._hold_renewal = True
        self.info = None
        with contextlib.suppress(HomeComfortError):
            await self.async_load()
        await self._withdraw(new.key_id)
        return True

    def _forget_renewal(self, keep: str | None = None) -> None:
        """Drop the renewal bookkeeping (but ``keep``) from the entry."""
        data = {
            k: v
            for k, v in self.entry.data.items()
            if k == keep or k not in _RENEWAL_FIELDS
        }
        if data == dict(self.entry.data):
            return
        if self._update_entry(
            data, "Updating the Home Comfort entry after the renewal"
        ):
            self.stored_at = None

    def _update_entry(self, data: dict[str, Any], what: str) -> bool:
        """Write ``data`` to the entry; False (and a warning) when that fails."""
        try:
            self.hass.config_entries.async_update_entry(self.entry, data=data)
        except HomeAssistantError as err:
            _LOGGER.warning(
                "%s failed (%s); trying again at the next refresh",
                what,
                type(err).__name__,
            )
            return False
        return True

    # --------------------------------------------------------------- renewal
    async def _renew_if_due(self) -> None:
        if self._hold_renewal:
            self._hold_renewal = False
            return
        if self.renewal_in_progress:
            return  # the last renewal is not complete yet
        now = self.client.server_now()
        expires = self.expires
        left = expires - now
        if left > self.renew_before:
            self.failed_renewals = 0  # not due (any more): nothing to retry
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
            self._raise_issue(ISSUE_KEY_LIMIT, ir.IssueSeverity.WARNING)
            self._renewal_failed(
                "Renewing the Home Comfort API key failed: the partner holds the "
                "most keys allowed (see the repair issue); retrying at the next "
                "refresh"
            )
            self._warn_if_expiring(left, expires, str(err))
            return
        except HomeComfortError as err:
            self.last_error = type(err).__name__
            self._renewal_failed(
                "Renewing the Home Comfort API key failed (%s); retrying at the "
                "next refresh",
                type(err).__name__,
            )
            self._warn_if_expiring(left, expires, type(err).__name__)
            return
        try:
            parsed = parse_api_key(new.api_key)
        except ApiKeyFormatError:
            # Never store what cannot be a key; the old one keeps working.
            self.last_error = ApiKeyFormatError.__name__
            self._renewal_failed(
                "The Partner API answered the renewal with a malformed key; "
                "keeping the old key and retrying at the next refresh"
            )
            await self._withdraw(new.key_id)
            self._warn_if_expiring(left, expires, self.last_error)
            return
        new_expires = parsed.expires or new.expires
        problem = useless_key(
            new_expires, self.known_expiry, min(now, dt_util.utcnow())
        )
        if problem is not None and new_expires is not None:
            await self._refuse_useless_key(
                parsed.key_id or new.key_id, new_expires, expires, problem
            )
            self._warn_if_expiring(left, expires, USELESS_KEY)
            return
        # Store first: if Home Assistant stops before this, the old key is
        # still stored and still valid, and the next run renews again. The old
        # key stays in the entry until the new one is proven and on disk.
        data = {
            **self.entry.data,
            CONF_API_KEY: parsed.value,
            CONF_KEY_ENTERED_AT: now.isoformat(),
            CONF_PREVIOUS_API_KEY: old.value,
        }
        if entered := self.entry.data.get(CONF_KEY_ENTERED_AT):
            data[CONF_PREVIOUS_KEY_ENTERED_AT] = entered
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
            await self._withdraw(new.key_id or parsed.key_id)
            return
        self.stored_at = self.hass.loop.time()
        # Then use it, and learn its id and expiry from the API.
        self.client.use_key(parsed.value)
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
        if self.failed_renewals:
            _LOGGER.info(
                "Renewed the Home Comfort API key after %d failed attempts "
                "(valid until %s)",
                self.failed_renewals,
                self.expires,
            )
        else:
            _LOGGER.info(
                "Renewed the Home Comfort API key (valid until %s)", self.expires
            )
        self.failed_renewals = 0
        self._clear_issues()

    def _renewal_failed(self, message: str, *args: object) -> None:
        """A due renewal failed: a warning the first time, then debug messages.

        Renewals are retried at every refresh; the success after failures is
        logged once at info level (no secret in any message).
        """
        level = logging.WARNING if self.failed_renewals == 0 else logging.DEBUG
        self.failed_renewals += 1
        _LOGGER.log(level, message, *args)

    async def _refuse_useless_key(
        self,
        key_id: str | None,
        new_expires: dt.datetime,
        expires: dt.datetime,
        problem: str,
    ) -> None:
        """Report a renewed key that is of no use, and withdraw it."""
        self.last_error = USELESS_KEY
        self._renewal_failed(
            "The Partner API answered the renewal with a key that is of no use "
            "(%s: valid until %s, the key in use until %s); keeping the key in "
            "use and retrying at the next refresh",
            problem,
            new_expires.isoformat(),
            expires.isoformat(),
        )
        self._raise_issue(
            ISSUE_USELESS_KEY,
            ir.IssueSeverity.WARNING,
            expires=_local(new_expires),
            current=_local(expires),
        )
        await self._withdraw(key_id)

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
        self._raise_issue(
            ISSUE_RENEWAL_FAILED,
            ir.IssueSeverity.ERROR,
            expires=_local(expires),
            error=error,
        )

    def _raise_issue(
        self, issue: str, severity: ir.IssueSeverity, **placeholders: str
    ) -> None:
        raise_repair(
            self.hass,
            self._issue_id(issue),
            issue,
            {"title": self.entry.title, **placeholders},
            severity,
        )

    def _clear_issues(self) -> None:
        for issue in (ISSUE_RENEWAL_FAILED, ISSUE_KEY_LIMIT, ISSUE_USELESS_KEY):
            ir.async_delete_issue(self.hass, DOMAIN, self._issue_id(issue))


def _local(moment: dt.datetime) -> str:
    """A moment as the user reads it in a repair issue."""
    return dt_util.as_local(moment).strftime("%Y-%m-%d %H:%M")
