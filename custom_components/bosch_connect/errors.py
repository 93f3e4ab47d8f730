"""From an API error to what the user sees, in one place for every service.

Each service keeps ONE table (``<service>/failures.py``) from the error classes
of its API client to a :class:`Failure`: the translation key that explains it
(the same key in ``config.error`` for a form and in ``exceptions`` for
everything else), the form field it belongs to, whether it means that the
credentials are refused (re-authentication), and the repair issue that it
raises while it lasts. The most specific class wins, so the table names the
service's base error class as its catch-all. Where what the user sees depends
on what the error says (an HTTP status, which device answered), the table
names a :class:`Choice` of failures instead of one.

Coordinators, set-up, actions and flows only call the functions below:
:func:`update_failed` (an unavailable entity; Home Assistant's coordinator
logs it once, and once more when it recovers), :func:`not_ready`,
:func:`action_failed` and :func:`flow_errors`. What a flow does with an error
that is no API error is :mod:`.flow_guard`'s business.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import (
    ConfigEntryAuthFailed,
    ConfigEntryNotReady,
    HomeAssistantError,
    ServiceValidationError,
)
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.update_coordinator import UpdateFailed

from .const import DOMAIN


def _no_placeholders(err: Any) -> Mapping[str, str]:
    return {}


@dataclass(frozen=True, slots=True, kw_only=True)
class Failure:
    """What the user sees for one kind of API error."""

    # Translation key: ``config.error.<key>`` in a form, ``exceptions.<key>``
    # for a failed refresh, set-up or action. A failure that never reaches a
    # message (a Home Comfort gateway refusing access: its entities become
    # unavailable, its repair issue explains) names its state instead.
    key: str
    # The form field that the error is shown at (``base``: the whole form).
    field: str = "base"
    # The service refuses the stored credentials: re-authenticate.
    reauth: bool = False
    # Translation key of the repair issue raised while the error lasts.
    repair: str | None = None
    # The placeholders of the message, from the error.
    placeholders: Callable[[Any], Mapping[str, str]] = _no_placeholders
    # The user's own input is refused: an action raises ServiceValidationError.
    invalid_input: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class Choice:
    """The failures of one error class, told apart by what the error says.

    ``by`` reads the deciding attribute of the error (an HTTP status, the
    device that answered); ``failures`` maps its values, ``default`` is the
    failure of any other value. Every failure it can give is listed, so a
    table's keys can be checked without an error (:func:`failures_in`).
    """

    by: Callable[[Any], Hashable]
    failures: Mapping[Hashable, Failure]
    default: Failure

    def of(self, err: Exception) -> Failure:
        """The failure of ``err``."""
        return self.failures.get(self.by(err), self.default)


type ErrorMap = Mapping[type[Exception], Failure | Choice]


def failure_of(err: Exception, table: ErrorMap) -> Failure:
    """The failure of the most specific class of ``err`` that ``table`` names."""
    for cls in type(err).__mro__:
        if (entry := table.get(cls)) is not None:
            return entry.of(err) if isinstance(entry, Choice) else entry
    raise LookupError(f"{type(err).__name__} is not in the error table") from err


def failures_in(table: ErrorMap) -> Iterator[Failure]:
    """Every failure that ``table`` can give (each of a choice's)."""
    for entry in table.values():
        if isinstance(entry, Choice):
            yield from entry.failures.values()
            yield entry.default
        else:
            yield entry


def flow_errors(
    err: Exception, table: ErrorMap
) -> tuple[dict[str, str], dict[str, str]]:
    """A form's errors (``{field: key}``) and description placeholders for ``err``."""
    failure = failure_of(err, table)
    return {failure.field: failure.key}, dict(failure.placeholders(err))


def _translated[E: HomeAssistantError](
    cls: type[E], err: Exception, table: ErrorMap, placeholders: Mapping[str, str]
) -> E:
    failure = failure_of(err, table)
    return cls(
        translation_domain=DOMAIN,
        translation_key=failure.key,
        translation_placeholders={**failure.placeholders(err), **placeholders} or None,
    )


def update_failed(
    err: Exception, table: ErrorMap, **placeholders: str
) -> UpdateFailed | ConfigEntryAuthFailed:
    """The error a coordinator raises for ``err``: re-authentication or unavailable."""
    if failure_of(err, table).reauth:
        return _translated(ConfigEntryAuthFailed, err, table, placeholders)
    return _translated(UpdateFailed, err, table, placeholders)


def not_ready(
    err: Exception, table: ErrorMap, **placeholders: str
) -> ConfigEntryNotReady | ConfigEntryAuthFailed:
    """The error a set-up raises for ``err``: re-authentication or retry later."""
    if failure_of(err, table).reauth:
        return _translated(ConfigEntryAuthFailed, err, table, placeholders)
    return _translated(ConfigEntryNotReady, err, table, placeholders)


def action_failed(
    err: Exception, table: ErrorMap, **placeholders: str
) -> HomeAssistantError:
    """The error an action raises for ``err`` (an action never re-authenticates).

    A refused input (``Failure.invalid_input``) is a ``ServiceValidationError``.
    """
    if failure_of(err, table).invalid_input:
        return _translated(ServiceValidationError, err, table, placeholders)
    return _translated(HomeAssistantError, err, table, placeholders)


def raise_repair(
    hass: HomeAssistant,
    issue_id: str,
    translation_key: str,
    placeholders: Mapping[str, str],
    severity: ir.IssueSeverity = ir.IssueSeverity.ERROR,
) -> None:
    """Raise (or update) a repair issue that the user fixes outside Home Assistant."""
    ir.async_create_issue(
        hass,
        DOMAIN,
        issue_id,
        is_fixable=False,
        severity=severity,
        translation_key=translation_key,
        translation_placeholders=dict(placeholders),
    )


def clear_repairs(hass: HomeAssistant, entry_id: str, prefix: str) -> None:
    """Delete the repair issues of an entry whose ids start with ``prefix``."""
    for domain, issue_id in list(ir.async_get(hass).issues):
        if domain == DOMAIN and issue_id.startswith(prefix) and entry_id in issue_id:
            ir.async_delete_issue(hass, DOMAIN, issue_id)
