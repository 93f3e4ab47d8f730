"""The Home Comfort Partner API (cloud), simulated.

``create(options)`` returns the service; see :mod:`simulator.homecomfort.service`
for the endpoints, the JSON bodies and the control routes.
"""

from __future__ import annotations

from simulator.options import Options

from .service import HomeComfortService


def create(options: Options) -> HomeComfortService:
    """The simulated Partner API with its demo partner, user and gateways."""
    return HomeComfortService(options)


__all__ = ["HomeComfortService", "create"]
