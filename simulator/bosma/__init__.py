"""Simulated Bosma cloud: the cloud-to-cloud ``applyToken`` interface."""

from __future__ import annotations

from .service import BosmaCloud, create

__all__ = ["BosmaCloud", "create"]
