"""The gateway's ``/signals``: the controller's internal values, by id.

The ids and shapes are those of the K 40 RF OpenAPI file (``SC.HC1.FlowTempSetp``
with its code list ``OFF_COOL``/``OFF_HEAT``) and of gateways seen in the wild
(luc-ass/pyk40rf's fixtures: ``SRC.OutdoorTemp``, ``SC.SeasonOpt.Mode``,
``SRC.HC1.FlowCtrl.PumpRequest``): floats with units, an integer with an enum
map and no unit, an integer with a code list and a unit, a flag, the outdoor
temperature, and one signal whose answer is not valid JSON (``BROKEN``).

``signal_leaves()`` gives the leaves to put into a resource tree (the tree
lists them under ``/signals``); the service answers ``BROKEN`` itself.
"""

from __future__ import annotations

from typing import Any

type Json = dict[str, Any]

FOLDER = "/signals"
OUTDOOR = f"{FOLDER}/SRC.OutdoorTemp"
FLOW_SETPOINT = f"{FOLDER}/SC.HC1.FlowTempSetp"
SEASON = f"{FOLDER}/SC.SeasonOpt.Mode"
PUMP_REQUEST = f"{FOLDER}/SRC.HC1.FlowCtrl.PumpRequest"
VOLUME_FLOW = f"{FOLDER}/SRC.HC1.FlowCtrl.PumpVolumeFlow"
DEW_POINT = f"{FOLDER}/SC.HC1.DewPointTemperature"
DEFROST = f"{FOLDER}/SRC.HP1.Defrost"
BROKEN = f"{FOLDER}/GWEEBUS.Status"
# What a gateway sends for BROKEN: cut off in the middle.
BROKEN_BODY = b'{"id": "/signals/GWEEBUS.Status", "type": "integerValue", "value": 6,'


def _signal(path: str, kind: str, value: Any, unit: str | None, state: Any) -> Json:
    signal: Json = {"id": path, "type": kind, "writeable": 0, "value": value}
    if unit is not None:
        signal["unitOfMeasure"] = unit
    if state is not None:
        signal["state"] = state
    return signal


def signal_leaves() -> dict[str, Json]:
    """The signals of a heat-pump installation, by path."""
    leaves = [
        _signal(
            OUTDOOR, "floatValue", 6.5, "C", {"NA_OPEN": -3276.8, "NA_SHORT": 3276.7}
        ),
        _signal(
            FLOW_SETPOINT,
            "integerValue",
            25,
            "C",
            [{"OFF_COOL": 90}, {"OFF_HEAT": 0}],
        ),
        _signal(
            SEASON, "integerValue", 1, None, {"IDLE": 2, "COOLING": 3, "HEATING": 1}
        ),
        _signal(PUMP_REQUEST, "integerValue", 0, None, {"ON": 1, "OFF": 0}),
        _signal(VOLUME_FLOW, "floatValue", 12.4, "l/min", None),
        _signal(DEW_POINT, "floatValue", 11.2, "C", None),
        _signal(DEFROST, "stringValue", "false", None, None),
        _signal(BROKEN, "integerValue", 6, None, None),
    ]
    return {leaf["id"]: leaf for leaf in leaves}
