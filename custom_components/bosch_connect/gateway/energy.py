"""The gateway's energy counters (``emonValue``): parts, and what was consumed.

An energy resource (``/heatSources/emon/<purpose>Consumption``) carries
several counters ("parts") in ``values``, one per source of the energy, in
kWh (the K 40 RF OpenAPI, schema ``EmonValue``). Beside the energy consumed,
a heat pump reports the heat it delivered (``outputProduced``); adding every
part (as this integration once did) shows about five times the consumption.

The rule, from the OpenAPI descriptions ("the generated and consumed energy
of different heat source components") and real answers (a heat pump's
``totalConsumption``: ``outputProduced`` 18,313, ``compressor`` 5,185,
``eheater`` 0.15, ``ventilation`` 300, ``ventilationHeatRecovered`` 2,118;
a boiler's: ``burner`` 1,569, ``electricity`` 236.8, ``total`` 1,805.8):

- consumed: ``compressor`` and ``eheater`` (electricity of the heat pump),
  ``ventilation`` (electricity of the ventilation unit), ``burner`` (fuel,
  not electricity: gas or oil in kWh) and ``electricity`` (a boiler's
  auxiliary electricity);
- ``electricity`` is left out of the sum where ``compressor`` or ``eheater``
  is reported: it may be their sum, and an electricity counter is never
  counted twice;
- produced or recovered, never consumed: ``outputProduced`` (heat, or cold
  for cooling, delivered), ``solar`` (solar thermal yield) and
  ``ventilationHeatRecovered``;
- ``total`` is the gateway's own sum of what it consumed (the boiler's: burner
  plus electricity); used only where no consumed part is reported;
- any other part is unknown: no sensor, not counted, named in diagnostics.

A counter that is negative or not a number is not a value (``values.py``
leaves it out): its sensor is unknown, and so is the energy consumed of that
resource (a sum without it would fall). Wh is converted to kWh.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Final

from .values import Resource

ENERGY_TOTAL: Final = "/heatSources/emon/totalConsumption"
ENERGY_HEATING: Final = "/heatSources/emon/chConsumption"
ENERGY_HOT_WATER: Final = "/heatSources/emon/dhwConsumption"
ENERGY_COOLING: Final = "/heatSources/emon/coolingConsumption"
ENERGY_POOL: Final = "/heatSources/emon/poolConsumption"
# Each energy resource and its purpose (the key of its sensors).
ENERGY_PURPOSES: Final[Mapping[str, str]] = {
    ENERGY_TOTAL: "total",
    ENERGY_HEATING: "heating",
    ENERGY_HOT_WATER: "hot_water",
    ENERGY_COOLING: "cooling",
    ENERGY_POOL: "pool",
}
ENERGY_RESOURCES: Final = tuple(ENERGY_PURPOSES)

# The parts a sensor is made for, and their keys.
PART_KEYS: Final[Mapping[str, str]] = {
    "compressor": "compressor",
    "eheater": "electric_heater",
    "electricity": "electricity",
    "ventilation": "ventilation",
    "burner": "burner",
    "outputProduced": "produced",
    "solar": "solar",
    "ventilationHeatRecovered": "heat_recovered",
}
# Energy consumed (electricity of the heat pump and ventilation, fuel).
CONSUMED_PARTS: Final = frozenset(
    {"compressor", "eheater", "ventilation", "burner", "electricity"}
)
# Where one of these is reported, ``electricity`` is not added to them.
HEAT_PUMP_PARTS: Final = frozenset({"compressor", "eheater"})
# The gateway's own sum of the consumed energy.
TOTAL_PART: Final = "total"

_TO_KWH: Final = {"kwh": 1.0, "wh": 0.001}


def counters(resource: Resource) -> dict[str, float]:
    """The parts in kWh (a Wh counter converted; another unit taken as kWh)."""
    factor = _TO_KWH.get((resource.unit or "kwh").lower(), 1.0)
    return {part: value * factor for part, value in resource.energy.items()}


def complete(resource: Resource) -> bool:
    """False when a counter of the resource was not a value (left out)."""
    return all(resource.values)


def consumed_parts(parts: Iterable[str]) -> tuple[str, ...]:
    """The parts that add up to the energy consumed (see the module's rule)."""
    reported = tuple(parts)
    counted = [part for part in reported if part in CONSUMED_PARTS]
    if HEAT_PUMP_PARTS.intersection(reported):
        counted = [part for part in counted if part != "electricity"]
    return tuple(counted)


def consumed(parts: Mapping[str, float]) -> float | None:
    """The energy consumed: the consumed parts, else ``total``, else unknown."""
    counted = consumed_parts(parts)
    if counted:
        return round(sum(parts[part] for part in counted), 3)
    return parts.get(TOTAL_PART)


def unknown_parts(parts: Iterable[str]) -> tuple[str, ...]:
    """The parts this integration does not know (no sensor, not counted)."""
    return tuple(part for part in parts if part not in PART_KEYS and part != TOTAL_PART)
