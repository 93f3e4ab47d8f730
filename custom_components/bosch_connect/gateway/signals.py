"""The gateway's ``/signals`` as diagnostic sensors (and the outdoor temperature).

``/signals`` lists the controller's internal values; their ids are dynamic
and depend on the installation. Each becomes one diagnostic sensor, disabled
by default, named after its id. A signal's ``state`` map is read the way the
K 40 RF OpenAPI file and gateways seen in the wild use it (luc-ass/pyk40rf):

- **No unit**: an enumeration (value -> label). The sensor is an ``enum``
  sensor showing the label; its options are the labels, ordered by number.
  A number that no label names is unknown (``raw_value`` keeps it).
- **A unit**: a measurement with a code list, the codes that the reading takes
  *instead of* a value (``SC.HC1.FlowTempSetp`` in C with ``OFF_HEAT: 0``,
  ``SRC.OutdoorTemp`` with ``NA_OPEN: -3276.8``). A number that is a code is
  not a measurement: the state is unknown and the ``code`` attribute names
  it; any other number is the state. (A sensor with a unit cannot show text.)
- **Flags**: ``true``/``false`` (JSON booleans or those strings) become the
  strings ``"true"``/``"false"`` of an ``enum`` sensor.

A label is a value: the sensor stays available whatever the label. Only an
answer that cannot be read (not JSON, not a signal) makes that one signal's
sensor unavailable, with one log line; the other signals and the gateway's
other sensors keep going. ``/signals`` is read once at set-up, at most
``MAX_SIGNALS`` of them; signal sensors are polled only while enabled.

Where the gateway has no ``/system/sensors/temperatures/outdoor_t1``, the
outdoor temperature sensor (the same entity) reads ``SRC.OutdoorTemp``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
import logging
import math
from typing import TYPE_CHECKING, Any, Final

from homeassistant.components.sensor import (
    SensorDeviceClass,
    SensorEntity,
    SensorStateClass,
)
from homeassistant.const import EntityCategory, UnitOfTemperature
from homeassistant.core import HomeAssistant
from homeassistant.helpers.debounce import Debouncer
from homeassistant.helpers.entity_platform import AddEntitiesCallback
from homeassistant.helpers.typing import StateType
from homeassistant.helpers.update_coordinator import (
    CoordinatorEntity,
    DataUpdateCoordinator,
)

from ..const import DOMAIN
from ..entity import BoschConnectEntity
from ..errors import update_failed
from .api import GatewayClient
from .const import SCAN_INTERVAL
from .coordinator import GatewayCoordinator
from .entity import device_info, gateway_id
from .errors import (
    AnswerTooLargeError,
    GatewayError,
    GatewayForbiddenError,
    ResourceNotFoundError,
    ValueFormatError,
)
from .failures import GATEWAY_SIGNALS_ERRORS
from .layout import OUTDOOR_TEMPERATURE

if TYPE_CHECKING:
    from .coordinator import GatewayConfigEntry

_LOGGER = logging.getLogger(__name__)

SIGNALS: Final = "/signals"
MAX_SIGNALS: Final = 500
MAX_TEXT: Final = 255  # the longest state Home Assistant keeps
# The outdoor temperature among the signals (luc-ass/pyk40rf's fixtures).
OUTDOOR_SIGNAL: Final = f"{SIGNALS}/SRC.OutdoorTemp"
FLAG_OPTIONS: Final = ("false", "true")
_TEMPERATURE_UNITS: Final = {
    "c": UnitOfTemperature.CELSIUS,
    "°c": UnitOfTemperature.CELSIUS,
}
_TYPES: Final = frozenset({"floatValue", "integerValue", "stringValue"})


@dataclass(frozen=True, slots=True)
class SignalValue:
    """A decoded signal: what its sensor shows."""

    value: float | str | None  # the state (None: unknown)
    raw: float | str | bool | None  # the value as the gateway sent it
    unit: str | None = None
    options: tuple[str, ...] | None = None  # an enum's labels
    code: str | None = None  # the code a measurement reports instead of a value


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _labels(state: object) -> dict[str, float]:
    """``state``: a list of one-key objects or one object; label -> number."""
    if state is None:
        return {}
    items = state if isinstance(state, list) else [state]
    labels: dict[str, float] = {}
    for item in items:
        if not isinstance(item, dict):
            raise ValueFormatError("a signal's state is not a list of objects")
        for label, number in item.items():
            if (
                not isinstance(label, str)
                or not label
                or len(label) > MAX_TEXT
                or not _is_number(number)
                or not math.isfinite(number)
            ):
                raise ValueFormatError("a signal's state maps text to numbers")
            labels[label] = float(number)
    return labels


def _match(value: float, labels: Mapping[str, float]) -> str | None:
    return next(
        (
            label
            for label, number in labels.items()
            if math.isclose(value, number, rel_tol=0.0, abs_tol=1e-6)
        ),
        None,
    )


def decode_signal(raw: object) -> SignalValue:
    """Decode one ``/signals/<id>`` answer; ``ValueFormatError`` if unreadable."""
    if not isinstance(raw, dict) or raw.get("type") not in _TYPES:
        raise ValueFormatError("a signal is a float, integer or string value")
    value = raw.get("value")
    unit = raw.get("unitOfMeasure")
    if unit is not None and (not isinstance(unit, str) or len(unit) > 16):
        raise ValueFormatError("a signal's unit is not a short text")
    unit = unit or None
    labels = _labels(raw.get("state"))
    if isinstance(value, bool) or (
        isinstance(value, str) and value.lower() in FLAG_OPTIONS
    ):
        flag = str(value).lower()
        return SignalValue(value=flag, raw=value, options=FLAG_OPTIONS)
    if isinstance(value, str):
        if len(value) > MAX_TEXT:
            raise ValueFormatError("a signal's text is too long")
        return SignalValue(value=value, raw=value)
    if value is None:
        return SignalValue(value=None, raw=None, unit=unit)
    if not _is_number(value) or not math.isfinite(value):
        raise ValueFormatError("a signal's value is not a number")
    number = float(value)
    label = _match(number, labels)
    if unit is not None:
        # A code list: the code stands in for a reading.
        if label is not None:
            return SignalValue(value=None, raw=value, unit=unit, code=label)
        return SignalValue(value=value, raw=value, unit=unit)
    if labels:
        options = tuple(sorted(labels, key=lambda key: (labels[key], key)))
        return SignalValue(value=label, raw=value, options=options)
    return SignalValue(value=value, raw=value)


def signal_name(path: str) -> str:
    """The signal's id (``SC.HC1.FlowTempSetp``) from its path."""
    return path.removeprefix(f"{SIGNALS}/")


class SignalCoordinator(DataUpdateCoordinator[dict[str, SignalValue | None]]):
    """Polls the signals whose sensors are enabled (their contexts).

    A signal that cannot be read maps to None (its sensor is unavailable);
    only a gateway that cannot be reached fails the refresh.
    """

    def __init__(
        self, hass: HomeAssistant, entry: GatewayConfigEntry, client: GatewayClient
    ) -> None:
        """Poll as often as the gateway's coordinator."""
        super().__init__(
            hass,
            _LOGGER,
            config_entry=entry,
            name=f"{DOMAIN} gateway {entry.title} signals",
            update_interval=SCAN_INTERVAL,
            always_update=False,
            # Sensors added together are read together.
            request_refresh_debouncer=Debouncer(
                hass, _LOGGER, cooldown=0.5, immediate=False
            ),
        )
        self.client = client
        self._logged: set[str] = set()

    async def _async_update_data(self) -> dict[str, SignalValue | None]:
        data: dict[str, SignalValue | None] = {}
        for path in sorted(set(self.async_contexts())):
            try:
                data[path] = decode_signal((await self.client.get(path)).raw)
            except (
                ValueFormatError,
                ResourceNotFoundError,
                GatewayForbiddenError,
                AnswerTooLargeError,
            ) as err:
                data[path] = None
                if path not in self._logged:
                    self._logged.add(path)
                    _LOGGER.warning("Signal %s cannot be read: %s", path, err)
                continue
            except GatewayError as err:
                raise update_failed(err, GATEWAY_SIGNALS_ERRORS) from err
            self._logged.discard(path)
        return data


async def async_signal_paths(client: GatewayClient) -> list[str]:
    """The signals the gateway lists (at most ``MAX_SIGNALS``); [] if none."""
    try:
        paths = await client.list(SIGNALS)
    except ResourceNotFoundError, GatewayForbiddenError:
        return []
    except GatewayError as err:
        _LOGGER.warning("The gateway's signals cannot be listed: %s", err)
        return []
    paths = [
        path
        for path in dict.fromkeys(paths)
        if path.startswith(f"{SIGNALS}/") and 0 < len(signal_name(path)) <= 100
    ]
    if len(paths) > MAX_SIGNALS:
        _LOGGER.warning(
            "The gateway lists %d signals; only the first %d are offered",
            len(paths),
            MAX_SIGNALS,
        )
    return paths[:MAX_SIGNALS]


class GatewaySignalSensor(
    CoordinatorEntity[SignalCoordinator], BoschConnectEntity, SensorEntity
):
    """One signal as a diagnostic sensor (disabled by default)."""

    _attr_entity_category = EntityCategory.DIAGNOSTIC
    _attr_entity_registry_enabled_default = False
    _attr_translation_key = "gateway_signal"

    def __init__(
        self, coordinator: SignalCoordinator, gateway: GatewayCoordinator, path: str
    ) -> None:
        """Follow the signal at ``path``."""
        super().__init__(coordinator, path)
        self._path = path
        self._attr_unique_id = f"{gateway_id(gateway)}-{path.lstrip('/')}"
        self._attr_device_info = device_info(gateway)
        self._attr_translation_placeholders = {"signal": signal_name(path)}

    async def async_added_to_hass(self) -> None:
        """Read the signal soon (with the other sensors added now)."""
        await super().async_added_to_hass()
        await self.coordinator.async_request_refresh()

    @property
    def _signal(self) -> SignalValue | None:
        return (self.coordinator.data or {}).get(self._path)

    @property
    def available(self) -> bool:
        """Unavailable while the signal cannot be read."""
        return super().available and self._signal is not None

    @property
    def device_class(self) -> SensorDeviceClass | None:
        """An enum for labels and flags, a temperature in degrees."""
        signal = self._signal
        if signal is None:
            return None
        if signal.options is not None:
            return SensorDeviceClass.ENUM
        if signal.unit is not None and signal.unit.lower() in _TEMPERATURE_UNITS:
            return SensorDeviceClass.TEMPERATURE
        return None

    @property
    def options(self) -> list[str] | None:
        """The labels of an enum or a flag."""
        signal = self._signal
        return list(signal.options) if signal and signal.options else None

    @property
    def native_unit_of_measurement(self) -> str | None:
        """The signal's unit (``C`` is °C)."""
        signal = self._signal
        if signal is None or signal.unit is None:
            return None
        return _TEMPERATURE_UNITS.get(signal.unit.lower(), signal.unit)

    @property
    def native_value(self) -> StateType:
        """The label, flag or number."""
        signal = self._signal
        return None if signal is None else signal.value

    @property
    def extra_state_attributes(self) -> Mapping[str, Any] | None:
        """The raw value, and the code a measurement reports instead."""
        signal = self._signal
        attributes: dict[str, Any] = {} if signal is None else {"raw_value": signal.raw}
        if signal is not None and signal.code is not None:
            attributes["code"] = signal.code
        return attributes or None


class OutdoorSignalSensor(
    CoordinatorEntity[SignalCoordinator], BoschConnectEntity, SensorEntity
):
    """The outdoor temperature from ``SRC.OutdoorTemp`` (no ``outdoor_t1``).

    The same entity as the outdoor sensor of other gateways (unique id and
    name); a code (``NA_OPEN``) is an unknown temperature.
    """

    _attr_translation_key = "gateway_outdoor_temperature"
    _attr_device_class = SensorDeviceClass.TEMPERATURE
    _attr_state_class = SensorStateClass.MEASUREMENT
    _attr_native_unit_of_measurement = UnitOfTemperature.CELSIUS

    def __init__(
        self, coordinator: SignalCoordinator, gateway: GatewayCoordinator
    ) -> None:
        """Read the outdoor temperature signal."""
        super().__init__(coordinator, OUTDOOR_SIGNAL)
        self._attr_unique_id = (
            f"{gateway_id(gateway)}-{OUTDOOR_TEMPERATURE.lstrip('/')}"
        )
        self._attr_device_info = device_info(gateway)

    async def async_added_to_hass(self) -> None:
        """Read the signal soon."""
        await super().async_added_to_hass()
        await self.coordinator.async_request_refresh()

    @property
    def available(self) -> bool:
        """Unavailable while the signal cannot be read."""
        return (
            super().available
            and (self.coordinator.data or {}).get(OUTDOOR_SIGNAL) is not None
        )

    @property
    def native_value(self) -> float | None:
        """The temperature; unknown while the sensor reports a code."""
        signal = (self.coordinator.data or {}).get(OUTDOOR_SIGNAL)
        if signal is None or not isinstance(signal.value, int | float):
            return None
        return float(signal.value)


async def async_add_signal_sensors(
    hass: HomeAssistant,
    entry: GatewayConfigEntry,
    gateway: GatewayCoordinator,
    async_add_entities: AddEntitiesCallback,
) -> SignalCoordinator | None:
    """Add a sensor per signal (and the outdoor temperature where it is one)."""
    paths = await async_signal_paths(gateway.client)
    if not paths:
        return None
    coordinator = SignalCoordinator(hass, entry, gateway.client)
    entities: list[SensorEntity] = [
        GatewaySignalSensor(coordinator, gateway, path) for path in paths
    ]
    if OUTDOOR_SIGNAL in paths and not gateway.layout.has(OUTDOOR_TEMPERATURE):
        entities.append(OutdoorSignalSensor(coordinator, gateway))
    async_add_entities(entities)
    return coordinator


__all__ = (
    "MAX_SIGNALS",
    "OUTDOOR_SIGNAL",
    "SignalValue",
    "async_add_signal_sensors",
    "decode_signal",
)
