"""Options shared by every simulated service."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .clock import Clock


@dataclass(slots=True)
class Options:
    """How the simulator runs.

    ``fixed_ports``: use each service's documented default port (the demo);
    otherwise every listener binds port 0 (tests, so that runs never collide).
    ``hostname``: the name the services give out in their URLs and
    instructions. Every listener binds 127.0.0.1; the demo says ``localhost``,
    so that what a user types into Home Assistant is a host name.
    """

    state_dir: Path
    clock: Clock = field(default_factory=Clock)
    fixed_ports: bool = False
    allow_http: bool = False
    zeroconf: bool = False
    hostname: str = "127.0.0.1"

    def port(self, default: int) -> int:
        """The port to bind: the default in the demo, ephemeral otherwise."""
        return default if self.fixed_ports else 0
