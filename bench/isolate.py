"""Run one measurement in a fresh Python process.

A real Home Assistant is the only instance of its process. In one bench
process, every stopped instance would stay alive: Home Assistant keeps it in
module-level caches (``functools.lru_cache`` keyed on ``hass``, such as every
registry's ``async_get``; ``core._hass``), and the timers it left in the event
loop keep their contexts. After a 1,000-bike run that is a million objects,
which every later full garbage collection walks again: the 1,000-bike setup
after the smaller sizes took 1.5-2.4 s longer than in a fresh process
(finding 7 in docs/performance.md). So the fleet sizes, the entity floor and the cold starts
each get their own process.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from concurrent.futures import ProcessPoolExecutor
import logging
import multiprocessing
from typing import Any

from .hass import run_on_hass_loop

QUIET_LOGGERS = {
    # Harmless noise of a minimal instance: custom integration notice, optional
    # native libraries that these machines lack.
    "homeassistant.loader": logging.ERROR,
    "aiohttp_fast_zlib": logging.ERROR,
    "homeassistant.components.camera.img_util": logging.CRITICAL,
}


def configure_logging(verbose: bool) -> None:
    """The bench's logging, in the main process and in every child."""
    logging.basicConfig(
        level=logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    if verbose:
        logging.getLogger("bench").setLevel(logging.INFO)
    for name, level in QUIET_LOGGERS.items():
        logging.getLogger(name).setLevel(level)


def _run_child[T](
    func: Callable[..., Coroutine[Any, Any, T]], args: tuple[Any, ...], verbose: bool
) -> T:
    configure_logging(verbose)
    return run_on_hass_loop(func(*args))


async def in_fresh_process[T](
    func: Callable[..., Coroutine[Any, Any, T]], *args: Any
) -> T:
    """``await func(*args)`` in a new process (spawned: nothing inherited).

    ``func`` must be a module-level coroutine function, and its arguments and
    result picklable. An exception in the child is raised here.
    """
    verbose = logging.getLogger("bench").isEnabledFor(logging.INFO)
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        return await asyncio.get_running_loop().run_in_executor(
            pool, _run_child, func, args, verbose
        )
