"""A clock that can run faster than real time and be moved forward."""

from __future__ import annotations

import asyncio
import datetime as dt
import time


class Clock:
    """Simulated wall-clock time: ``scale`` simulated seconds per real second."""

    def __init__(self, scale: float = 1.0) -> None:
        """Start at the real time."""
        self.scale = scale
        self._real_start = time.monotonic()
        self._sim_start = time.time()
        self._offset = 0.0

    def time(self) -> float:
        """Simulated seconds since the epoch."""
        elapsed = (time.monotonic() - self._real_start) * self.scale
        return self._sim_start + elapsed + self._offset

    def now(self) -> dt.datetime:
        """Simulated time as an aware UTC datetime."""
        return dt.datetime.fromtimestamp(self.time(), dt.UTC)

    def advance(self, seconds: float) -> None:
        """Jump forward (or back) by ``seconds`` of simulated time."""
        self._offset += seconds

    async def sleep(self, seconds: float) -> None:
        """Sleep ``seconds`` of simulated time."""
        await asyncio.sleep(max(0.0, seconds) / self.scale)
