"""Coordinators of a Rollouts entry: the tenant (Management API) and the DDI target."""

from __future__ import annotations

from dataclasses import dataclass
import datetime as dt
import logging

from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ConfigEntryAuthFailed
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator
from homeassistant.util import dt as dt_util

from ..const import DOMAIN
from ..errors import failure_of, raise_repair, update_failed
from .api import DdiClient, ManagementClient
from .const import DDI_MAX_INTERVAL, DDI_MIN_INTERVAL, UPDATE_INTERVAL
from .errors import RolloutsClientRegisteredError, RolloutsDdiAuthError, RolloutsError
from .failures import ROLLOUTS_ERRORS
from .models import Deployment, Poll, TenantSummary

_LOGGER = logging.getLogger(__name__)


@dataclass(slots=True)
class RolloutsData:
    """What a loaded Rollouts entry holds."""

    management: ManagementCoordinator
    ddi: DdiCoordinator | None
    tenant_device_id: str


type RolloutsConfigEntry = ConfigEntry[RolloutsData]


def permissions_issue_id(entry: RolloutsConfigEntry) -> str:
    """The repair issue that asks for permissions for ``entry``'s user or client."""
    return f"rollouts_permissions_{entry.entry_id}"


class ManagementCoordinator(DataUpdateCoordinator[TenantSummary]):
    """Reads the tenant's targets and distribution sets every five minutes."""

    config_entry: RolloutsConfigEntry

    def __init__(
        self, hass: HomeAssistant, entry: RolloutsConfigEntry, client: ManagementClient
    ) -> None:
        super().__init__(
            hass,
            _LOGGER,
            config_entry=entry,
            name=f"Rollouts {client.tenant}",
            update_interval=UPDATE_INTERVAL,
        )
        self.client = client

    async def _async_update_data(self) -> TenantSummary:
        issue_id = permissions_issue_id(self.config_entry)
        try:
            summary = await self.client.summary()
        except RolloutsError as err:
            failure = failure_of(err, ROLLOUTS_ERRORS)
            who = (
                err.client_id
                if isinstance(err, RolloutsClientRegisteredError)
                else str(self.config_entry.data.get("username", ""))
            )
            if failure.repair is not None:
                raise_repair(
                    self.hass,
                    issue_id,
                    failure.repair,
                    {"title": self.config_entry.title, "principal": who},
                )
            raise update_failed(err, ROLLOUTS_ERRORS, client_id=who) from err
        ir.async_delete_issue(self.hass, DOMAIN, issue_id)
        return summary


@dataclass(frozen=True, slots=True, kw_only=True)
class DdiState:
    """The last DDI poll of the target."""

    poll: Poll
    deployment: Deployment | None
    polled_at: dt.datetime


class DdiCoordinator(DataUpdateCoordinator[DdiState]):
    """Polls the DDI API as the target, at the interval the server asks for."""

    config_entry: RolloutsConfigEntry

    def __init__(
        self, hass: HomeAssistant, entry: RolloutsConfigEntry, client: DdiClient
    ) -> None:
        super().__init__(
            hass,
            _LOGGER,
            config_entry=entry,
            name=f"Rollouts DDI {client.controller_id}",
            update_interval=UPDATE_INTERVAL,
        )
        self.client = client
        # The DDI API refused the token (a re-authentication was started).
        self.token_refused = False

    def _abort_own_reauth(self) -> None:
        """The token works again: drop the re-authentication it started.

        Not while the Management API refuses the credentials (then the
        re-authentication is still needed for them).
        """
        management = self.config_entry.runtime_data.management
        if not management.last_update_success and isinstance(
            management.last_exception, ConfigEntryAuthFailed
        ):
            return
        for flow in self.config_entry.async_get_active_flows(
            self.hass, {SOURCE_REAUTH}
        ):
            self.hass.config_entries.flow.async_abort(flow["flow_id"])

    async def _async_update_data(self) -> DdiState:
        try:
            poll = await self.client.poll()
            deployment = await self.client.deployment(poll)
        except RolloutsError as err:
            if isinstance(err, RolloutsDdiAuthError):
                # Ask for a new token, but fail only this coordinator: the
                # tenant's entities stay, and polling goes on (a token type
                # that an administrator disabled may be enabled again).
                self.token_refused = True
                self.config_entry.async_start_reauth(self.hass)
            raise update_failed(
                err, ROLLOUTS_ERRORS, controller_id=self.client.controller_id
            ) from err
        if self.token_refused:
            self.token_refused = False
            self._abort_own_reauth()
        self.update_interval = min(max(poll.sleep, DDI_MIN_INTERVAL), DDI_MAX_INTERVAL)
        return DdiState(poll=poll, deployment=deployment, polled_at=dt_util.utcnow())
