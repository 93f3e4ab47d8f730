"""The simulated Bosch eBike Cloud API for the ConnectModule (BCM).

``create(options)`` gives the service for ``python -m simulator`` and tests:
a Keycloak-like token endpoint, the ConnectModule Configuration API, the
Notification API with signed webhook deliveries, and a fleet of bikes that
can be powered on, ridden and charged on the simulated clock.
"""

from __future__ import annotations

from simulator.options import Options

from .delivery import Attempt, Delivery, DeliveryFaults
from .fleet import Bike
from .service import EbikeCloud, EbikeSettings, NoSubscriberError


def create(options: Options, settings: EbikeSettings | None = None) -> EbikeCloud:
    """The eBike cloud simulator (not started)."""
    return EbikeCloud(options, settings)


__all__ = [
    "Attempt",
    "Bike",
    "Delivery",
    "DeliveryFaults",
    "EbikeCloud",
    "EbikeSettings",
    "NoSubscriberError",
    "create",
]
