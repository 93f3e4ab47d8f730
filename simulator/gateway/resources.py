"""The gateway's resource tree in the K 40 RF value format.

Leaves are stored as JSON objects; every path that is a proper prefix of a
leaf is a folder answered as a ``refEnum``. Energy counters and working time
grow with the simulated clock. Writes follow ``writeable``, ``minValue``,
``maxValue``, ``stepSize`` and ``allowedValues``.
"""

from __future__ import annotations

import copy
import math
from typing import Any

from simulator.clock import Clock

type Json = dict[str, Any]

OPEN_SHORT_INT = [{"open": -32768}, {"short": 32767}]
OPEN_SHORT_TENTH = [{"open": -3276.8}, {"short": 3276.7}]


def _float(
    path: str,
    value: float,
    unit: str = "C",
    *,
    writeable: bool = False,
    state: Any = None,
    minimum: float | None = None,
    maximum: float | None = None,
    step: float | None = None,
) -> Json:
    resource: Json = {
        "id": path,
        "type": "floatValue",
        "writeable": int(writeable),
        "recordable": 0,
        "value": value,
        "unitOfMeasure": unit,
    }
    if minimum is not None:
        resource["minValue"] = minimum
    if maximum is not None:
        resource["maxValue"] = maximum
    if step is not None:
        resource["stepSize"] = step
    if state is not None:
        resource["state"] = state
    return resource


def _string(
    path: str, value: str, allowed: list[str] | None = None, *, writeable: bool = False
) -> Json:
    resource: Json = {
        "id": path,
        "type": "stringValue",
        "writeable": int(writeable),
        "recordable": 0,
        "value": value,
    }
    if allowed is not None:
        resource["allowedValues"] = allowed
    return resource


def _emon(path: str, values: dict[str, float], unit: str = "kWh") -> Json:
    return {
        "id": path,
        "type": "emonValue",
        "writeable": 0,
        "values": [{key: value} for key, value in values.items()],
        "unit": unit,
    }


HC_STATUS = [
    "ch_enabled",
    "ch_disabled",
    "emergency_mode",
    "floor_drying",
    "summer_idle",
    "boost",
    "away",
    "holiday",
    "heating_manual_on",
    "heating_auto",
]
DHW_STATUS = ["dhw_enabled", "dhw_disabled", "away", "holiday", "manual_off", "auto"]


def default_tree(
    *, brand: str, uuid: str, firmware: str, hardware: str, serial: str
) -> dict[str, Json]:
    """The resources of a K40RF on a gas boiler with two heating circuits."""
    leaves: list[Json] = [
        _string("/gateway/brand", brand),
        _string("/gateway/uuid", uuid),
        _string("/gateway/versionFirmware", firmware),
        _string("/gateway/versionHardware", hardware),
        _string("/gateway/serial", serial),
        _string("/system/bus", "EMS2_0", ["No_Bus", "EMS2_0", "Detecting"]),
        _string(
            "/system/type",
            "boiler",
            ["unknown", "heatpump_single", "eHybrid", "hybridBoiler", "boiler"],
        ),
        {
            "id": "/system/basicInfo",
            "type": "systeminfo",
            "writeable": 0,
            "status": "completed",
            "timeStamp": "1684201667",
            "gatewayId": uuid,
            "values": [
                {
                    "Tok": "72",
                    "Id": "17",
                    "Ver": firmware,
                    "ModuleSerialNumber": serial,
                    "ModuleHwIdentStr": "K40RF",
                }
            ],
        },
        _float(
            "/system/sensors/temperatures/outdoor_t1",
            8.5,
            state=[{"open": -32768, "short": 32767}],
        ),
    ]
    for hc, room, setpoint, allowed, humidity in (
        ("hc1", 21.3, 21.0, ["auto", "manual", "off"], 48.0),
        ("hc2", -3276.8, 19.5, ["auto", "manual"], None),
    ):
        base = f"/heatingCircuits/{hc}"
        leaves += [
            _float(f"{base}/roomtemperature", room, state=OPEN_SHORT_TENTH),
            _float(f"{base}/currentRoomSetpoint", setpoint, state=[{"off": 0}]),
            _string(f"{base}/operationMode", "auto", allowed, writeable=True),
            _float(
                f"{base}/manualRoomSetpoint",
                setpoint,
                writeable=True,
                minimum=5.0,
                maximum=30.0,
                step=0.5,
            ),
            _float(
                f"{base}/maxFlowTemp",
                48.0,
                writeable=True,
                minimum=30.0,
                maximum=60.0,
                step=1.0,
            ),
            _string(f"{base}/overallStatus", "heating_auto", HC_STATUS),
            _string(f"{base}/pumpStatus", "on", ["on", "off"]),
            _string(f"{base}/currentSuWiMode", "forced", ["forced", "off", "cooling"]),
        ]
        if humidity is not None:
            leaves.append(
                _float(f"{base}/actualHumidity", humidity, "%", state=[{"na": 255}])
            )
    dhw = "/dhwCircuits/dhw1"
    leaves += [
        _float(f"{dhw}/actualTemp", 52.5, state=OPEN_SHORT_INT),
        _float(f"{dhw}/currentSetpoint", 60.0),
        _string(
            f"{dhw}/operationMode",
            "high",
            ["off", "low", "high", "eco", "ownprogram"],
            writeable=True,
        ),
        _string(
            f"{dhw}/currentTemperatureLevel", "high", ["off", "low", "high", "eco"]
        ),
        _float(
            f"{dhw}/temperatureLevels/high",
            60.0,
            writeable=True,
            minimum=30.0,
            maximum=80.0,
            step=1.0,
        ),
        _float(
            f"{dhw}/temperatureLevels/low",
            45.0,
            writeable=True,
            minimum=30.0,
            maximum=80.0,
            step=1.0,
        ),
        _float(
            f"{dhw}/temperatureLevels/eco",
            50.0,
            writeable=True,
            minimum=30.0,
            maximum=80.0,
            step=1.0,
        ),
        _string(f"{dhw}/overallStatus", "dhw_enabled", DHW_STATUS),
        _float(f"{dhw}/chargeRemainingTime", 0.0, "mins"),
        _float(f"{dhw}/outTemp", -32768, state=OPEN_SHORT_INT),
    ]
    hs = "/heatSources"
    leaves += [
        _float(f"{hs}/actualSupplyTemperature", 45.2, state=OPEN_SHORT_INT),
        _float(f"{hs}/returnTemperature", 38.1, state=OPEN_SHORT_INT),
        _float(f"{hs}/currentSupplySetpoint", 46.0),
        _float(f"{hs}/actualModulation", 35.0, "%"),
        _float(f"{hs}/systemPressure", 1.6, "bar", state=[{"invalid": 255.0}]),
        _string(f"{hs}/flameStatus", "on", ["on", "off"]),
        _float(f"{hs}/workingTime/totalSystem", 80064.0, "s"),
        _emon(
            f"{hs}/emon/totalConsumption",
            {"burner": 1569.0, "electricity": 236.8, "total": 1805.8},
        ),
        _emon(f"{hs}/emon/chConsumption", {"burner": 1210.0, "total": 1210.0}),
        _emon(f"{hs}/emon/dhwConsumption", {"burner": 359.0, "total": 359.0}),
        _emon(f"{hs}/hs1/numberOfStarts", {"ch": 1500, "dhw": 679, "total": 2179}, ""),
        _emon(f"{hs}/hs1/workingTime", {"ch": 139, "dhw": 30, "total": 169}, "h"),
        {
            "id": "/notifications",
            "type": "errorList",
            "writeable": 0,
            "values": [{"dcd": "4U", "ccd": 521, "orig": "8", "dlv": "8", "fc": "4"}],
        },
    ]
    return {leaf["id"]: leaf for leaf in leaves}


# Per simulated hour: how the counters grow.
GROWTH: dict[str, dict[str, float]] = {
    "/heatSources/emon/totalConsumption": {
        "burner": 1.2,
        "electricity": 0.05,
        "total": 1.25,
    },
    "/heatSources/emon/chConsumption": {"burner": 0.9, "total": 0.9},
    "/heatSources/emon/dhwConsumption": {"burner": 0.3, "total": 0.3},
}


class ResourceTree:
    """The resources, folders derived from the leaves, writes validated."""

    def __init__(self, leaves: dict[str, Json], clock: Clock) -> None:
        """Start from ``leaves``."""
        self.leaves = leaves
        self._clock = clock
        self._started = clock.time()

    def _children(self, path: str) -> list[str]:
        prefix = path.rstrip("/") + "/"
        children: list[str] = []
        for leaf in self.leaves:
            if leaf.startswith(prefix):
                child = prefix + leaf[len(prefix) :].split("/", 1)[0]
                if child not in children:
                    children.append(child)
        return children

    def get(self, path: str, base_url: str) -> Json | None:
        """The resource at ``path`` (a leaf or a folder), None when absent."""
        path = path.rstrip("/") or "/"
        leaf = self.leaves.get(path)
        if leaf is not None:
            return self._live(leaf)
        children = self._children("" if path == "/" else path)
        if not children:
            return None
        return {
            "id": path,
            "type": "refEnum",
            "writeable": 0,
            "recordable": 0,
            "references": [{"id": c, "uri": f"{base_url}{c}"} for c in children],
        }

    def _live(self, leaf: Json) -> Json:
        resource = copy.deepcopy(leaf)
        hours = max(0.0, self._clock.time() - self._started) / 3600
        growth = GROWTH.get(leaf["id"])
        if growth:
            resource["values"] = [
                {key: round(value + growth.get(key, 0.0) * hours, 3)}
                for item in leaf["values"]
                for key, value in item.items()
            ]
        if leaf["id"] == "/heatSources/workingTime/totalSystem":
            resource["value"] = round(leaf["value"] + hours * 3600)
        return resource

    def write(self, path: str, body: object) -> str | None:
        """Apply ``PUT {"value": ...}``; the reason when refused (HTTP 400)."""
        leaf = self.leaves[path]
        if not isinstance(body, dict) or set(body) != {"value"}:
            return 'the body is {"value": ...}'
        value = body["value"]
        if not leaf.get("writeable"):
            return "the resource is read-only"
        if leaf["type"] == "floatValue":
            if isinstance(value, bool) or not isinstance(value, int | float):
                return "a number is expected"
            if not math.isfinite(value):
                return "a finite number is expected"
            if "minValue" in leaf and value < leaf["minValue"]:
                return f"below {leaf['minValue']}"
            if "maxValue" in leaf and value > leaf["maxValue"]:
                return f"above {leaf['maxValue']}"
            step = leaf.get("stepSize")
            if step:
                steps = (value - leaf.get("minValue", 0)) / step
                if abs(steps - round(steps)) > 1e-6:
                    return f"not a multiple of {step}"
        elif leaf["type"] == "stringValue":
            if not isinstance(value, str):
                return "a string is expected"
            if "allowedValues" in leaf and value not in leaf["allowedValues"]:
                return "not one of allowedValues"
        else:
            return "this type cannot be written"
        leaf["value"] = value
        self._follow(path)
        return None

    def _value(self, path: str) -> Any:
        leaf = self.leaves.get(path)
        return None if leaf is None else leaf.get("value")

    def _set(self, path: str, value: Any) -> None:
        if path in self.leaves:
            self.leaves[path]["value"] = value

    def _follow(self, path: str) -> None:
        """What a real controller derives from a written setting.

        Tolerates installations without some of the resources (tests remove
        them to model smaller systems).
        """
        base = "/".join(path.split("/")[:3])
        if path.startswith("/heatingCircuits/"):
            mode = self._value(f"{base}/operationMode")
            manual = self._value(f"{base}/manualRoomSetpoint")
            current = self._value(f"{base}/currentRoomSetpoint")
            if mode == "off":
                self._set(f"{base}/currentRoomSetpoint", 0)
            elif manual is not None and (mode == "manual" or current == 0):
                self._set(f"{base}/currentRoomSetpoint", manual)
        elif path.startswith("/dhwCircuits/"):
            mode = self._value(f"{base}/operationMode")
            level = "high" if mode == "ownprogram" else mode
            if level not in ("low", "high", "eco"):
                level = None
            self._set(f"{base}/currentTemperatureLevel", level or "off")
            setpoint = (
                self._value(f"{base}/temperatureLevels/{level}") if level else 0.0
            )
            if setpoint is not None:
                self._set(f"{base}/currentSetpoint", setpoint)

    def set_raw(self, path: str, value: Any) -> None:
        """Set a value without any check (control server, tests)."""
        self.leaves[path]["value"] = value

    def sentinel(self, path: str, label: str) -> None:
        """Make a resource report one of its ``state`` sentinels."""
        states = self.leaves[path].get("state") or []
        items = states if isinstance(states, list) else [states]
        for item in items:
            if label in item:
                self.leaves[path]["value"] = item[label]
                return
        raise KeyError(label)
