"""The gateway's resource tree in the K 40 RF value format.

Leaves are stored as JSON objects; every path that is a proper prefix of a
leaf is a folder answered as a ``refEnum``. Two installations: a gas boiler
(``default_tree``) and an air-to-water heat pump (``heat_pump_tree``). Energy counters and working time
grow with the simulated clock. Writes follow ``writeable``, ``minValue``,
``maxValue``, ``stepSize`` and ``allowedValues``.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
import copy
import math
from typing import Any

from simulator.clock import Clock

from .signals import signal_leaves

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


def _heating_circuit(
    hc: str,
    *,
    room: float,
    setpoint: float,
    allowed: list[str],
    humidity: float | None,
    max_flow: float = 48.0,
    controls: bool = True,
) -> list[Json]:
    """The resources of one heating circuit.

    ``controls``: the operation mode and manual setpoint of the Local API
    (writable); the K 40 RF specification has neither (read-only circuits).
    """
    base = f"/heatingCircuits/{hc}"
    mode_leaves = [
        _string(f"{base}/operationMode", "auto", allowed, writeable=True),
        _float(
            f"{base}/manualRoomSetpoint",
            setpoint,
            writeable=True,
            minimum=5.0,
            maximum=30.0,
            step=0.5,
        ),
    ]
    leaves = [
        _float(f"{base}/roomtemperature", room, state=OPEN_SHORT_TENTH),
        _float(f"{base}/currentRoomSetpoint", setpoint, state=[{"off": 0}]),
        *(mode_leaves if controls else []),
        _float(
            f"{base}/maxFlowTemp",
            max_flow,
            writeable=controls,
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
    return leaves


def _hot_water(dhw: str, modes: list[str], *, controls: bool = True) -> list[Json]:
    """The resources of one hot-water circuit (``controls`` as for heating)."""
    base = f"/dhwCircuits/{dhw}"
    levels = [
        _float(
            f"{base}/temperatureLevels/{level}",
            value,
            writeable=True,
            minimum=30.0,
            maximum=80.0,
            step=1.0,
        )
        for level, value in (("high", 60.0), ("low", 45.0), ("eco", 50.0))
    ]
    controlled = [
        _string(f"{base}/operationMode", "high", modes, writeable=True),
        *levels,
    ]
    return [
        _float(f"{base}/actualTemp", 52.5, state=OPEN_SHORT_INT),
        _float(f"{base}/currentSetpoint", 60.0),
        _string(
            f"{base}/currentTemperatureLevel", "high", ["off", "low", "high", "eco"]
        ),
        *(controlled if controls else []),
        _string(f"{base}/overallStatus", "dhw_enabled", DHW_STATUS),
        _float(f"{base}/chargeRemainingTime", 0.0, "mins"),
        _float(f"{base}/outTemp", -32768, state=OPEN_SHORT_INT),
    ]


def _gateway_and_system(
    identity: dict[str, str], *, kind: str, local_api: bool = True
) -> list[Json]:
    """``/gateway/*``, ``/system/*`` and the outdoor sensor of every installation.

    ``local_api``: also ``/gateway/uuid`` and ``/gateway/serial`` of the Local
    API; the K 40 RF specification has neither (the device id is in the
    certificate, the serial number in ``/system/basicInfo``).
    """
    brand, uuid, serial = identity["brand"], identity["uuid"], identity["serial"]
    firmware, hardware = identity["firmware"], identity["hardware"]
    return [
        _string("/gateway/brand", brand),
        *(
            [_string("/gateway/uuid", uuid), _string("/gateway/serial", serial)]
            if local_api
            else []
        ),
        _string("/gateway/versionFirmware", firmware),
        _string("/gateway/versionHardware", hardware),
        _string("/system/bus", "EMS2_0", ["No_Bus", "EMS2_0", "Detecting"]),
        _string(
            "/system/type",
            kind,
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


def default_tree(**identity: str) -> dict[str, Json]:
    """The resources of a K40RF on a gas boiler with two heating circuits.

    ``identity``: ``brand``, ``uuid``, ``firmware``, ``hardware``, ``serial``.
    """
    leaves = _gateway_and_system(identity, kind="boiler")
    for hc, room, setpoint, allowed, humidity in (
        ("hc1", 21.3, 21.0, ["auto", "manual", "off"], 48.0),
        ("hc2", -3276.8, 19.5, ["auto", "manual"], None),
    ):
        leaves += _heating_circuit(
            hc, room=room, setpoint=setpoint, allowed=allowed, humidity=humidity
        )
    leaves += _hot_water("dhw1", ["off", "low", "high", "eco", "ownprogram"])
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


# A heat pump's energy counters (kWh), after a real installation's: heat
# produced (``outputProduced``) is 3.5 to 5 times the electricity consumed by
# compressor and electric heater; ``totalConsumption`` is the sum of heating,
# hot water and cooling.
HEAT_PUMP_ENERGY: dict[str, dict[str, float]] = {
    "chConsumption": {
        "outputProduced": 17185.5,
        "eheater": 112.25,
        "compressor": 3477.8,
    },
    "dhwConsumption": {
        "outputProduced": 6030.0,
        "eheater": 0.15,
        "compressor": 1707.29,
    },
    "coolingConsumption": {"outputProduced": 412.0, "compressor": 98.5},
}


def _sum_energy(parts: list[dict[str, float]]) -> dict[str, float]:
    total: dict[str, float] = {}
    for counters in parts:
        for key, value in counters.items():
            total[key] = round(total.get(key, 0.0) + value, 3)
    return total


def heat_pump_tree(**identity: str) -> dict[str, Json]:
    """A K40RF on an air-to-water heat pump (resources of the K 40 RF OpenAPI).

    Two heating circuits, one hot-water circuit, one heat source (``hs1``),
    one zone, energy counters with ``outputProduced`` beside the consumed
    parts; no solar circuit, pool or ventilation. ``identity`` as for
    ``default_tree``.
    """
    leaves = _gateway_and_system(identity, kind="heatpump_single", local_api=False)
    for hc, room, humidity, max_flow in (
        ("hc1", 21.4, 45.0, 35.0),
        ("hc2", 20.1, None, 40.0),
    ):
        leaves += _heating_circuit(
            hc,
            room=room,
            setpoint=float(round(room - 0.4)),
            allowed=["auto", "manual", "off"],
            humidity=humidity,
            max_flow=max_flow,
            controls=False,
        )
    leaves += _hot_water("dhw1", ["off", "low", "high", "eco"], controls=False)
    hs = "/heatSources"
    leaves += [
        _float(f"{hs}/actualSupplyTemperature", 33.4, state=OPEN_SHORT_INT),
        _float(f"{hs}/returnTemperature", 29.8, state=OPEN_SHORT_INT),
        _float(f"{hs}/currentSupplySetpoint", 34.0),
        _float(f"{hs}/actualModulation", 42.0, "%"),
        _float(f"{hs}/systemPressure", 1.9, "bar", state=[{"invalid": 255.0}]),
        _float(f"{hs}/compressor/powerElecActual", 1180.0, "W"),
        _float(f"{hs}/eHeater/powerElecActual", 0.0, "W"),
        _float(f"{hs}/workingTime/totalSystem", 43_502_400.0, "s"),
        _string(
            f"{hs}/hs1/heatPumpType",
            "air_water",
            ["air_water", "liquid_water", "exhaustAir_water"],
        ),
        _emon(
            f"{hs}/hs1/numberOfStarts",
            {"ch": 6120, "dhw": 2311, "cooling": 140, "total": 8571},
            "",
        ),
        _emon(
            f"{hs}/hs1/workingTime",
            {"ch": 9870, "dhw": 1450, "cooling": 310, "total": 11630},
            "h",
        ),
        *(
            _emon(f"{hs}/emon/{name}", counters)
            for name, counters in HEAT_PUMP_ENERGY.items()
        ),
        _emon(
            f"{hs}/emon/totalConsumption",
            _sum_energy(list(HEAT_PUMP_ENERGY.values())),
        ),
        _float(
            "/zones/zone1/averageCurrentTemperature",
            21.2,
            state=[{"overflow": -32767}, {"underflow": -32766}],
        ),
        _float(
            "/zones/zone1/averageActualHumidity",
            46.0,
            "%",
            state=[{"overflow": 254}, {"underflow": 253}],
        ),
        {
            "id": "/zones/zone1/name",
            "type": "stringValue",
            # Writable in the OpenAPI example; read-only on the owner channel.
            "writeable": 0,
            # "Living" in UTF-16 (big endian), base64, as the OpenAPI example.
            "value": "AEwAaQB2AGkAbgBn",
            "valueConfig": {
                "charset": "UTF16",
                "codingType": "base64",
                "maxLength": 50,
            },
        },
        {"id": "/notifications", "type": "errorList", "writeable": 0, "values": []},
    ]
    leaves += signal_leaves().values()  # /signals
    return {leaf["id"]: leaf for leaf in leaves}


# Per simulated hour: how a heat pump's counters grow (heat about 4 x electricity).
_HP_GROWTH_CH = {"outputProduced": 2.4, "compressor": 0.55, "eheater": 0.01}
_HP_GROWTH_DHW = {"outputProduced": 0.6, "compressor": 0.17}
HEAT_PUMP_GROWTH: dict[str, dict[str, float]] = {
    "/heatSources/emon/chConsumption": _HP_GROWTH_CH,
    "/heatSources/emon/dhwConsumption": _HP_GROWTH_DHW,
    "/heatSources/emon/totalConsumption": _sum_energy([_HP_GROWTH_CH, _HP_GROWTH_DHW]),
}

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

    def __init__(
        self,
        leaves: dict[str, Json],
        clock: Clock,
        growth: dict[str, dict[str, float]] | None = None,
        *,
        folders: bool | Collection[str] = True,
    ) -> None:
        """Start from ``leaves``; energy counters grow by ``growth`` per hour.

        ``folders``: answer a path with leaves below it as a ``refEnum``
        folder (True: every such path, the Local API's tree; a collection:
        only those paths, as the K 40 RF specification has ``/signals`` and no
        other folder: a real gateway answers 403 for the rest).
        """
        self.leaves = leaves
        self.folders = folders
        self._clock = clock
        self._started = clock.time()
        self._growth = GROWTH if growth is None else growth
        # Leaves removed (tests, control server): these answer 404, every
        # other path outside the tree 403, as a real gateway does.
        self.removed: set[str] = set()

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
        if not isinstance(self.folders, bool) and path not in self.folders:
            return None
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
        growth = self._growth.get(leaf["id"])
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

    def remove(self, path: str) -> bool:
        """Remove a leaf: it answers 404 from now on; False when there was none."""
        if self.leaves.pop(path, None) is None:
            return False
        self.removed.add(path)
        return True

    def absent_status(self, path: str) -> int:
        """The HTTP status for a path the tree lacks.

        404 for a leaf that was removed (or a folder of removed leaves only),
        403 for every other path: real gateways answer 403 for a path outside
        the specification.
        """
        path = path.rstrip("/") or "/"
        prefix = path + "/"
        gone = path in self.removed or any(r.startswith(prefix) for r in self.removed)
        return 404 if gone else 403

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


type TreeFactory = Callable[..., dict[str, Json]]

# The installations a simulated gateway can be connected to: tree and growth.
INSTALLATIONS: dict[str, tuple[TreeFactory, dict[str, dict[str, float]]]] = {
    "boiler": (default_tree, GROWTH),
    "heat-pump": (heat_pump_tree, HEAT_PUMP_GROWTH),
}


def installation_tree(installation: str, clock: Clock, **identity: str) -> ResourceTree:
    """The resource tree of ``installation`` (see ``INSTALLATIONS``).

    ``identity``: ``brand``, ``uuid``, ``firmware``, ``hardware``, ``serial``.
    """
    try:
        factory, growth = INSTALLATIONS[installation]
    except KeyError:
        raise ValueError(
            f"no installation {installation!r}: one of {', '.join(INSTALLATIONS)}"
        ) from None
    # The heat pump plays a K 40 RF of the owner document: no folders.
    return ResourceTree(
        factory(**identity),
        clock,
        growth,
        folders=True if installation != "heat-pump" else ("/signals",),
    )
