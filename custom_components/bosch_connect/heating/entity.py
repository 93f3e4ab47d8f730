"""What the climate and water heater bases share: state, limits, checks and writes."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from typing import TYPE_CHECKING, Protocol, Self, cast

from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers.entity import Entity

from ..const import DOMAIN
from .model import HeatingWriteError, Modes, Setpoint
from .modes import temperature_unit

if TYPE_CHECKING:
    from homeassistant.components.climate import ClimateEntity
    from homeassistant.components.water_heater import WaterHeaterEntity


def check_temperature(setpoint: Setpoint, value: float, unit: str) -> None:
    """Refuse a target temperature that the circuit cannot take."""
    if not setpoint.writable:
        raise ServiceValidationError(
            translation_domain=DOMAIN, translation_key="heating_not_writable"
        )
    low, high = setpoint.minimum, setpoint.maximum
    if (low is not None and value < low) or (high is not None and value > high):
        raise ServiceValidationError(
            translation_domain=DOMAIN,
            translation_key="heating_temperature_out_of_range",
            translation_placeholders={
                "value": f"{value:g}",
                "minimum": "-" if low is None else f"{low:g}",
                "maximum": "-" if high is None else f"{high:g}",
                "unit": unit,
            },
        )


def mode_not_supported(mode: str, modes: list[str]) -> ServiceValidationError:
    """The error for a mode that the circuit does not offer."""
    return ServiceValidationError(
        translation_domain=DOMAIN,
        translation_key="heating_mode_not_supported",
        translation_placeholders={"mode": mode, "modes": ", ".join(modes) or "-"},
    )


def not_writable() -> ServiceValidationError:
    """The error for a value that the circuit does not let us change."""
    return ServiceValidationError(
        translation_domain=DOMAIN, translation_key="heating_not_writable"
    )


async def write[T](
    writer: Callable[[T], Awaitable[None]],
    value: T,
    after: Callable[[], Awaitable[None]],
) -> None:
    """Write a value, turning a failure into a translated error, then refresh."""
    try:
        await writer(value)
    except HeatingWriteError as err:
        raise HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="heating_write_failed",
            translation_placeholders={"error": err.detail},
        ) from err
    await after()


class _Reported(Protocol):
    """What a heating circuit and a hot-water circuit both report."""

    @property
    def current_temperature(self) -> float | None: ...
    @property
    def target(self) -> Setpoint: ...
    @property
    def mode(self) -> Modes: ...
    @property
    def unit(self) -> str | None: ...


class _ModeMap(Protocol):
    @classmethod
    def from_allowed(cls, allowed: Iterable[str]) -> Self: ...


class CircuitEntity[StateT: _Reported, MapT: _ModeMap](Entity):
    """The part of a climate or water heater entity that a circuit's state decides.

    Mixed in before :class:`ClimateEntity` or :class:`WaterHeaterEntity` (an
    :class:`Entity` itself, so that the generic parameters come after it in
    every entity's method resolution order).
    Subclasses provide the state (:attr:`_reported`) and the two write
    methods; they may override :meth:`async_after_write` to show the
    confirmed value.
    """

    _mode_map_type: type[MapT]
    _modes_cache: tuple[tuple[str, ...], MapT] | None = None

    @property
    def _reported(self) -> StateT | None:
        raise NotImplementedError

    async def async_write_target_temperature(self, value: float) -> None:
        """Write the setpoint (raise HeatingWriteError on failure)."""
        raise NotImplementedError

    async def async_write_mode(self, raw_mode: str) -> None:
        """Write the operation mode (raise HeatingWriteError on failure)."""
        raise NotImplementedError

    async def async_after_write(self) -> None:
        """Called after a successful write."""

    @property
    def _mode_map(self) -> MapT:
        allowed = reported.mode.allowed if (reported := self._reported) else ()
        if self._modes_cache is None or self._modes_cache[0] != allowed:
            self._modes_cache = (allowed, self._mode_map_type.from_allowed(allowed))
        return self._modes_cache[1]

    @property
    def _modes_writable(self) -> bool:
        return (reported := self._reported) is not None and reported.mode.writable

    @property
    def temperature_unit(self) -> str:
        """The unit the circuit reports in."""
        return temperature_unit(reported.unit if (reported := self._reported) else None)

    @property
    def current_temperature(self) -> float | None:
        """The measured temperature."""
        return reported.current_temperature if (reported := self._reported) else None

    @property
    def target_temperature(self) -> float | None:
        """The setpoint."""
        return reported.target.value if (reported := self._reported) else None

    @property
    def min_temp(self) -> float:
        """The lowest setpoint (Home Assistant's default where none is reported)."""
        if (reported := self._reported) and reported.target.minimum is not None:
            return reported.target.minimum
        return cast("ClimateEntity | WaterHeaterEntity", super()).min_temp

    @property
    def max_temp(self) -> float:
        """The highest setpoint (Home Assistant's default where none is reported)."""
        if (reported := self._reported) and reported.target.maximum is not None:
            return reported.target.maximum
        return cast("ClimateEntity | WaterHeaterEntity", super()).max_temp

    async def _async_write_temperature(self, value: float) -> None:
        """Check and write a new setpoint."""
        if (reported := self._reported) is None:
            raise not_writable()
        check_temperature(reported.target, value, self.temperature_unit)
        await write(self.async_write_target_temperature, value, self.async_after_write)

    async def _async_write_mode(
        self, raw: str | None, mode: str, modes: list[str]
    ) -> None:
        """Write the raw value of ``mode``; refuse it when there is none."""
        if not self._modes_writable:
            raise not_writable()
        if raw is None:
            raise mode_not_supported(mode, modes)
        await write(self.async_write_mode, raw, self.async_after_write)
