"""Simulated Bosch IoT Rollouts (an Eclipse hawkBit subset): Management and DDI APIs."""

from __future__ import annotations

from .service import RolloutsCloud, create

__all__ = ["RolloutsCloud", "create"]
