"""Coordinator of a Bosma entry: applies for tickets and keeps the result."""

from __future__ import annotations

from dataclasses import dataclass
import datetime as dt
import logging
from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator
from homeassistant.util import dt as dt_util

from ..const import DOMAIN
from ..errors import action_failed, raise_repair, update_failed
from .api import BosmaClient
from .const import (
    RESULT_MISSING_PARAMETER,
    RESULT_SERVER_ERROR,
    RESULT_SUCCESS,
    RESULT_TIMESTAMP_REJECTED,
    TICKET_REFRESH_AGE,
    UPDATE_INTERVAL,
)
from .errors import (
    BosmaError,
    BosmaMissingParameterError,
    BosmaResponseError,
    BosmaSignatureError,
    BosmaTimestampError,
)
from .failures import BOSMA_ERRORS, ISSUE_CLOCK_SKEW, skew_text
from .models import Ticket

_LOGGER = logging.getLogger(__name__)

type BosmaConfigEntry = ConfigEntry[BosmaCoordinator]


@dataclass(frozen=True, slots=True, kw_only=True)
class BosmaState:
    """What the last applyToken told us."""

    result: str
    code: int
    message: str
    checked_at: dt.datetime
    # The current ticket (kept in memory only, never an entity state).
    ticket: Ticket | None
    # Bosma's clock minus ours, seconds; None if never measured.
    skew: float | None


def clock_issue_id(entry: BosmaConfigEntry) -> str:
    """The repair issue that reports a rejected timestamp for ``entry``."""
    return f"bosma_clock_skew_{entry.entry_id}"


class BosmaCoordinator(DataUpdateCoordinator[BosmaState]):
    """Applies for a ticket when there is none, it is old, or the last try failed."""

    config_entry: BosmaConfigEntry

    def __init__(
        self, hass: HomeAssistant, entry: BosmaConfigEntry, client: BosmaClient
    ) -> None:
        super().__init__(
            hass,
            _LOGGER,
            config_entry=entry,
            name=f"Bosma {entry.title}",
            update_interval=UPDATE_INTERVAL,
        )
        self.client = client

    def _ticket_is_fresh(self, now: dt.datetime) -> bool:
        state = self.data
        if state is None or state.result != RESULT_SUCCESS or state.ticket is None:
            return False
        if not self.last_update_success:
            return False
        ticket = state.ticket
        refresh_at = ticket.issued_at + TICKET_REFRESH_AGE
        if ticket.expires_at is not None:
            refresh_at = min(
                refresh_at,
                ticket.issued_at + (ticket.expires_at - ticket.issued_at) / 2,
            )
        return now < refresh_at

    async def _async_update_data(self) -> BosmaState:
        if self._ticket_is_fresh(dt_util.utcnow()):
            return self.data
        try:
            state = await self._apply()
        except BosmaError as err:
            raise update_failed(err, BOSMA_ERRORS) from err
        self._report_clock(state)
        return state

    def _report_clock(self, state: BosmaState) -> None:
        """A repair issue while Bosma rejects our timestamps, gone once it accepts."""
        issue_id = clock_issue_id(self.config_entry)
        if state.result != RESULT_TIMESTAMP_REJECTED:
            ir.async_delete_issue(self.hass, DOMAIN, issue_id)
            return
        raise_repair(
            self.hass,
            issue_id,
            ISSUE_CLOCK_SKEW,
            {"title": self.config_entry.title, "skew": skew_text(state.skew)},
            ir.IssueSeverity.WARNING,
        )

    async def _apply(self) -> BosmaState:
        """Apply for a ticket; Bosma's refusals become states, faults raise."""
        now = dt_util.utcnow()
        previous = self.data.ticket if self.data is not None else None
        skew = self.data.skew if self.data is not None else None
        try:
            ticket = await self.client.apply_token()
        except BosmaSignatureError:
            raise
        except BosmaResponseError as err:
            if isinstance(err, BosmaTimestampError):
                result = RESULT_TIMESTAMP_REJECTED
                if err.skew is not None:
                    skew = err.skew
            elif isinstance(err, BosmaMissingParameterError):
                result = RESULT_MISSING_PARAMETER
            else:
                result = RESULT_SERVER_ERROR
            return BosmaState(
                result=result,
                code=err.code,
                message=err.msg,
                checked_at=now,
                ticket=previous,
                skew=skew,
            )
        return BosmaState(
            result=RESULT_SUCCESS,
            code=0,
            message="",
            checked_at=now,
            ticket=ticket,
            skew=ticket.skew if ticket.skew is not None else skew,
        )

    async def async_apply_token(self) -> Ticket:
        """Apply for a fresh ticket now (the action); raise a translated error."""
        previous_skew = self.data.skew if self.data is not None else None
        try:
            ticket = await self.client.apply_token()
        except BosmaError as err:
            raise action_failed(err, BOSMA_ERRORS) from err
        self.async_set_updated_data(
            BosmaState(
                result=RESULT_SUCCESS,
                code=0,
                message="",
                checked_at=dt_util.utcnow(),
                ticket=ticket,
                skew=ticket.skew if ticket.skew is not None else previous_skew,
            )
        )
        return ticket

    def diagnostics(self) -> dict[str, Any]:
        """The state without the ticket."""
        state = self.data
        return {
            "state": {
                "result": state.result,
                "code": state.code,
                "message": state.message,
                "checked_at": state.checked_at.isoformat(),
                "skew": state.skew,
                "ticket": "**REDACTED**" if state.ticket else None,
                "ticket_issued_at": state.ticket.issued_at.isoformat()
                if state.ticket
                else None,
                "ticket_expires_at": state.ticket.expires_at.isoformat()
                if state.ticket and state.ticket.expires_at
                else None,
            },
            "last_update_success": self.last_update_success,
        }
