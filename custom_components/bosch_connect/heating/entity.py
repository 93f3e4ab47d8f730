"""What the climate and water heater bases share: limits, checks and writes."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from homeassistant.exceptions import HomeAssistantError, ServiceValidationError

from ..const import DOMAIN
from .model import HeatingWriteError, Setpoint


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
