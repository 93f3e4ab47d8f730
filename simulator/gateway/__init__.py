"""The simulated Home Comfort gateway (Local API over mutual TLS)."""

from __future__ import annotations

from simulator.options import Options

from .service import GatewaySimulator, Identity


def create(options: Options) -> GatewaySimulator:
    """The gateway simulator for ``python -m simulator`` and the tests."""
    return GatewaySimulator(options)


__all__ = ["GatewaySimulator", "Identity", "create"]
