"""Options shared by every simulated service."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
import ssl

from .clock import Clock
from .pki import Issued, simulator_ca


@dataclass(slots=True)
class Options:
    """How the simulator runs.

    ``fixed_ports``: use each service's documented default port (the demo);
    otherwise every listener binds port 0 (tests, so that runs never collide).
    ``hostname``: the name the services give out in their URLs and
    instructions. Every listener binds 127.0.0.1; the demo says ``localhost``,
    so that what a user types into Home Assistant is a host name.
    ``ca``: the root CA of every cloud service's https certificate (and of the
    eBike signing certificates); one per process unless the demo brings the
    one it keeps. Every cloud service speaks https only, as Bosch's do.

    Each simulated service keeps its own clock (``clock_for(name)``), as the
    real services do: speeding up the eBike rides or moving the Partner API's
    clock leaves the other services' clocks alone. ``clock`` is the gateway's
    (the gateway simulator reads ``options.clock``); ``clocks`` may bring a
    service's clock along, for example a faster eBike clock for the demo.
    """

    state_dir: Path
    clock: Clock = field(default_factory=Clock)
    clocks: dict[str, Clock] = field(default_factory=dict)
    fixed_ports: bool = False
    ca: Issued = field(default_factory=simulator_ca)
    zeroconf: bool = False
    hostname: str = "127.0.0.1"

    def __post_init__(self) -> None:
        """The gateway's clock is ``clock`` (or ``clocks["gateway"]`` if given)."""
        self.clock = self.clocks.setdefault("gateway", self.clock)

    def clock_for(self, service: str) -> Clock:
        """The clock of one simulated service (made at real time on first use)."""
        return self.clocks.setdefault(service, Clock())

    @property
    def ca_pem(self) -> str:
        """The root CA as PEM text."""
        return self.ca.cert_pem

    def client_context(self) -> ssl.SSLContext:
        """A client context that trusts the simulator's CA only (tests, tools)."""
        return ssl.create_default_context(cadata=self.ca_pem)

    def port(self, default: int) -> int:
        """The port to bind: the default in the demo, ephemeral otherwise."""
        return default if self.fixed_ports else 0
