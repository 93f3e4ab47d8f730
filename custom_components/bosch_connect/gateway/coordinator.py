"""Polls the resources of one gateway that its entities use."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
import datetime as dt
import logging
from typing import TYPE_CHECKING

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import CONF_HOST
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ConfigEntryAuthFailed
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed
from homeassistant.util import dt as dt_util

from ..const import DOMAIN
from ..errors import failure_of, update_failed
from .api import SCOPE_WRITE, GatewayClient
from .certificates import async_check_expiry
from .const import (
    CONF_GRANTED_SCOPES,
    PARALLEL_REQUESTS,
    SCAN_INTERVAL,
)
from .errors import GatewayError
from .failures import GATEWAY_REFRESH_ERRORS, ISSUE_CERTIFICATE_CHANGED
from .layout import Layout, async_probe, used_paths
from .repairs import (
    address_of,
    async_clear_identity_issue,
    async_raise_certificate_changed_issue,
    async_raise_identity_issue,
)
from .values import Resource

if TYPE_CHECKING:
    from .history import HistoryImporter

_LOGGER = logging.getLogger(__name__)

type GatewayConfigEntry = ConfigEntry[GatewayRuntimeData]


@dataclass(slots=True)
class GatewayRuntimeData:
    """What a loaded gateway entry keeps."""

    client: GatewayClient
    coordinator: GatewayCoordinator
    # The import of the gateway's recordings (None without the recorder).
    history: HistoryImporter | None = None


class GatewayCoordinator(DataUpdateCoordinator[dict[str, Resource]]):
    """Probes a gateway once, then polls the resources found."""

    config_entry: GatewayConfigEntry

    def __init__(
        self,
        hass: HomeAssistant,
        entry: GatewayConfigEntry,
        client: GatewayClient,
        *,
        certificates_expire: dt.datetime | None = None,
    ) -> None:
        """Poll every SCAN_INTERVAL."""
        super().__init__(
            hass,
            _LOGGER,
            config_entry=entry,
            name=f"{DOMAIN} gateway {entry.title}",
            update_interval=SCAN_INTERVAL,
            # Resources compare by value: entities are told only of changes.
            always_update=False,
        )
        self.client = client
        self.certificates_expire = certificates_expire
        # At most this many requests at once (a small device; the bench may change it).
        self.parallel = PARALLEL_REQUESTS
        # What the last poll read (for diagnostics and the bench).
        self.polled_paths: frozenset[str] = frozenset()
        self.layout = Layout()
        self._probed: dict[str, Resource] | None = None
        # The gateway's device (the parent of circuits, heat sources, zones).
        self.device_id: str | None = None

    @property
    def can_write(self) -> bool:
        """Whether the token may change settings (entries from before: assume so)."""
        scope = self.config_entry.data.get(CONF_GRANTED_SCOPES)
        return scope is None or SCOPE_WRITE in scope.split()

    def _failed(self, err: GatewayError) -> UpdateFailed | ConfigEntryAuthFailed:
        """The translated failure (one log line, no traceback: the coordinator's).

        A server whose certificate is refused (another device, not from the
        Bosch root) was sent nothing; the repair issue says what answered.
        The paired device with another certificate than the one pinned at
        pairing (owner channel): a repair issue explains, and the
        re-authentication (a new button press) accepts the new certificate.
        """
        failure = failure_of(err, GATEWAY_REFRESH_ERRORS)
        if failure.repair == ISSUE_CERTIFICATE_CHANGED:
            async_raise_certificate_changed_issue(self.hass, self.config_entry)
        elif failure.repair is not None:
            home = address_of(self.client.host, self.client.api_port)
            async_raise_identity_issue(
                self.hass,
                self.config_entry,
                address=home,
                home=home,
                err=err,
                origin="refresh",
            )
        if failure.reauth:
            return update_failed(err, GATEWAY_REFRESH_ERRORS)
        return update_failed(
            err, GATEWAY_REFRESH_ERRORS, host=self.config_entry.data[CONF_HOST]
        )

    async def _async_setup(self) -> None:
        """Find once which resources the gateway has."""
        try:
            self.layout, self._probed = await async_probe(self.client, self.parallel)
        except GatewayError as err:
            raise self._failed(err) from err
        layout = self.layout
        _LOGGER.debug(
            "Gateway %s: heating circuits %s, hot water %s, heat sources %s,"
            " zones %s, solar %s, ventilation %s, pool %s, %d resources",
            self.config_entry.title,
            layout.heating_circuits,
            layout.hot_water_circuits,
            layout.heat_sources,
            layout.zones,
            layout.solar_circuits,
            layout.ventilation_zones,
            layout.pool,
            len(layout.paths),
        )

    def _used(self, data: dict[str, Resource]) -> tuple[str, ...]:
        """The resources that the added (enabled) entities read.

        Each entity registers its context with the coordinator (see
        ``layout.used_paths``); a disabled entity is never added and costs
        nothing.
        """
        return used_paths(self.layout, data, set(self.async_contexts()))

    async def _async_update_data(self) -> dict[str, Resource]:
        """Read the resources that the enabled entities use (see ``_used``)."""
        async_check_expiry(
            self.hass, self.config_entry, self.certificates_expire, dt_util.utcnow()
        )
        if self._probed is not None:
            # The probe has just read everything: no need to ask twice; the
            # entities are made from it (none is added yet).
            data, self._probed = self._probed, None
            self.polled_paths = frozenset(data)
            keep = set(data)
        else:
            data = dict(self.data or {})
            fetched: set[str] = set()
            # A mode that changed may need another setpoint or level: ask again.
            while needed := [p for p in self._used(data) if p not in fetched]:
                data = await self._async_read(needed, data)
                fetched.update(needed)
            self.polled_paths = frozenset(fetched)
            keep = set(self._used(data))
        # The paired gateway answered where it belongs.
        async_clear_identity_issue(self.hass, self.config_entry, origin="refresh")
        return {path: res for path, res in data.items() if path in keep}

    async def _async_read(
        self, paths: Iterable[str], base: dict[str, Resource]
    ) -> dict[str, Resource]:
        try:
            found = await self.client.get_many(paths, parallel=self.parallel)
        except GatewayError as err:
            raise self._failed(err) from err
        for path, resource in found.items():
            if resource is None:
                base.pop(path, None)
            else:
                base[path] = resource
        return base

    async def async_refresh_paths(self, paths: Iterable[str]) -> None:
        """Re-read some resources now (after a write) and tell the entities."""
        self.async_set_updated_data(await self._async_read(paths, dict(self.data)))
