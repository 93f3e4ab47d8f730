"""What every step of our config and options flows does with an unexpected error.

A step reports what it expects (a refused key, an unreachable host) as its own
translated error. Anything else, a bug or an answer nobody foresaw, would
reach the browser as a bare server error ("Unknown error occurred") and leave
no trace of its cause but Home Assistant's request log. :func:`guard_steps`
wraps every ``async_step_*`` of this integration in a flow class: the
traceback is logged once, and the form of the step that failed is shown again
with the translated ``unknown`` error (``{"base": "unknown"}``). A step that
has no form to show (a menu, a discovery, the start of a re-authentication)
aborts with the translated reason ``unknown``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
import contextlib
import functools
import logging
from typing import Any

from homeassistant.data_entry_flow import FlowError, FlowHandler, FlowResultType

_LOGGER = logging.getLogger(__name__)
_PACKAGE = __name__.rpartition(".")[0]

type _Step = Callable[[Any, Any], Awaitable[Any]]


def _guard(name: str, step: _Step) -> _Step:
    @functools.wraps(step)
    async def guarded(flow: FlowHandler[Any, Any], user_input: Any = None) -> Any:
        try:
            return await step(flow, user_input)
        except FlowError:
            raise  # Home Assistant's own control flow (AbortFlow, ...)
        except Exception:
            _LOGGER.exception("Unexpected error in the %s step", name)
        # A step given a dict (a submitted form) shows its form again, as it
        # first showed it. Without a form to show (a menu, a discovery, a
        # step that fails again), the flow aborts.
        if isinstance(user_input, dict):
            with contextlib.suppress(Exception):  # the error is logged above
                result = await step(flow, None)
                if result["type"] is FlowResultType.FORM:
                    result["errors"] = {"base": "unknown"}
                    return result
        return flow.async_abort(reason="unknown")

    return guarded


def guard_steps[FlowT: type[FlowHandler[Any, Any]]](cls: FlowT) -> FlowT:
    """Wrap every step of this integration that ``cls`` has (its own and mixed in)."""
    for attribute in dir(cls):
        if not attribute.startswith("async_step_"):
            continue
        step = getattr(cls, attribute)
        if step.__module__.startswith(f"{_PACKAGE}."):
            setattr(cls, attribute, _guard(attribute.removeprefix("async_step_"), step))
    return cls
