"""The neutral model of a heating circuit and a hot-water circuit."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True, kw_only=True)
class Setpoint:
    """A numeric value that may be writable, with its limits."""

    value: float | None
    minimum: float | None = None
    maximum: float | None = None
    step: float | None = None
    writable: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class Modes:
    """An operation mode (raw value of the service) and its allowed values."""

    value: str | None
    allowed: tuple[str, ...] = ()
    writable: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class HeatingCircuitState:
    """What a heating circuit reports."""

    current_temperature: float | None
    target: Setpoint
    mode: Modes
    unit: str | None = None
    current_humidity: float | None = None
    heating: bool | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class HotWaterState:
    """What a hot-water circuit reports."""

    current_temperature: float | None
    target: Setpoint
    mode: Modes
    unit: str | None = None


class HeatingWriteError(Exception):
    """A write to the heating system failed (raised by a service's write methods)."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail
