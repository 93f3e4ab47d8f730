"""The Local API resource format, parsed into typed values.

Every resource is a JSON object with ``id``, ``type`` and ``writeable``
(0/1), plus fields that depend on the type: ``floatValue`` and
``integerValue`` have ``value``, ``unitOfMeasure``, ``minValue``,
``maxValue``, ``stepSize`` and ``state`` (sentinels such as
``{"open": -32768}``); ``stringValue`` has ``value`` and ``allowedValues``;
``arrayData`` has ``values``; ``emonValue`` has ``values`` as a list of
single-key objects (counters; one below zero or not finite is left out) and
``unit``; ``errorList`` has ``values`` of
notifications; ``refEnum`` has ``references``; ``systeminfo`` and other
types are kept as they come. Anything else raises ``ValueFormatError``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
import math
from typing import Any, TypeIs

from .errors import InvalidValueError, ValueFormatError

type Scalar = float | int | str

NUMERIC_TYPES = frozenset({"floatValue", "integerValue"})
FLOAT_TOLERANCE = 1e-6


@dataclass(frozen=True, slots=True)
class Notification:
    """One entry of an ``errorList`` (``/notifications``)."""

    dcd: str  # display code, e.g. "4U"
    ccd: int | None  # cause code, e.g. 521
    orig: str | None = None
    dlv: str | None = None
    fc: str | None = None


@dataclass(frozen=True, slots=True)
class Resource:
    """One resource of the gateway's tree."""

    id: str
    type: str
    writeable: bool
    value: Scalar | None = None  # None when the raw value is a sentinel
    raw_value: Scalar | None = None
    sentinel: str | None = None  # the ``state`` label the raw value matched
    unit: str | None = None
    min: float | None = None
    max: float | None = None
    step: float | None = None
    allowed_values: tuple[str, ...] | None = None
    states: Mapping[str, float] = field(default_factory=dict)
    references: tuple[str, ...] = ()
    values: tuple[Any, ...] = ()
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def energy(self) -> dict[str, float]:
        """The counters of an ``emonValue`` as one mapping (key -> number)."""
        merged: dict[str, float] = {}
        if self.type == "emonValue":
            for item in self.values:
                merged.update(item)
        return merged

    @property
    def notifications(self) -> tuple[Notification, ...]:
        """The entries of an ``errorList``."""
        if self.type != "errorList":
            return ()
        return tuple(v for v in self.values if isinstance(v, Notification))


def _is_number(value: object) -> TypeIs[int | float]:
    """Whether ``value`` is a JSON number (a bool is not)."""
    return isinstance(value, int | float) and not isinstance(value, bool)


def _number(raw: Mapping[str, Any], key: str) -> float | None:
    value = raw.get(key)
    if value is None:
        return None
    if not _is_number(value) or not math.isfinite(value):
        raise ValueFormatError(f"{key} is not a number")
    return float(value)


def _string(raw: Mapping[str, Any], key: str) -> str | None:
    value = raw.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueFormatError(f"{key} is not a string")
    return value


def _states(raw: object) -> dict[str, float]:
    """``state`` as a mapping: a list of one- or many-key objects, or an object."""
    if raw is None:
        return {}
    items: list[object] = list(raw) if isinstance(raw, list) else [raw]
    states: dict[str, float] = {}
    for item in items:
        if not isinstance(item, dict):
            raise ValueFormatError("state is not a list of objects")
        for label, number in item.items():
            if not isinstance(label, str) or not _is_number(number):
                raise ValueFormatError("state holds a non-numeric sentinel")
            states[label] = float(number)
    return states


def _sentinel(value: Scalar | None, states: Mapping[str, float]) -> str | None:
    if not _is_number(value):
        return None
    for label, number in states.items():
        if math.isclose(value, number, rel_tol=0.0, abs_tol=FLOAT_TOLERANCE):
            return label
    return None


def _references(raw: object) -> tuple[str, ...]:
    if not isinstance(raw, list):
        raise ValueFormatError("references is not a list")
    ids: list[str] = []
    for item in raw:
        if not isinstance(item, dict) or not isinstance(item.get("id"), str):
            raise ValueFormatError("a reference has no id")
        ids.append(item["id"])
    return tuple(ids)


def _energy(raw: object) -> tuple[dict[str, float], ...]:
    if not isinstance(raw, list):
        raise ValueFormatError("values of an emonValue is not a list")
    items: list[dict[str, float]] = []
    for item in raw:
        if not isinstance(item, dict):
            raise ValueFormatError("an emonValue item is not an object")
        parsed: dict[str, float] = {}
        for key, number in item.items():
            if not isinstance(key, str) or not _is_number(number):
                raise ValueFormatError("an emonValue item is not numeric")
            # A counter below zero or not finite is not a value: left out.
            if math.isfinite(number) and number >= 0:
                parsed[key] = float(number)
        items.append(parsed)
    return tuple(items)


def _notifications(raw: object) -> tuple[Notification, ...]:
    if not isinstance(raw, list):
        raise ValueFormatError("values of an errorList is not a list")
    out: list[Notification] = []
    for item in raw:
        if not isinstance(item, dict):
            raise ValueFormatError("a notification is not an object")
        ccd = item.get("ccd")
        if ccd is not None and not (_is_number(ccd) and float(ccd).is_integer()):
            raise ValueFormatError("a notification cause code is not an integer")
        texts = {}
        for key in ("dcd", "orig", "dlv", "fc"):
            value = item.get(key)
            if value is not None and not isinstance(value, str | int):
                raise ValueFormatError(f"a notification {key} is not text")
            texts[key] = None if value is None else str(value)
        out.append(
            Notification(
                dcd=texts["dcd"] or "",
                ccd=None if ccd is None else int(ccd),
                orig=texts["orig"],
                dlv=texts["dlv"],
                fc=texts["fc"],
            )
        )
    return tuple(out)


def parse_resource(raw: object) -> Resource:
    """Parse one resource; ``ValueFormatError`` when it is not one."""
    if not isinstance(raw, dict):
        raise ValueFormatError("a resource is a JSON object")
    resource_id = raw.get("id")
    kind = raw.get("type")
    if not isinstance(resource_id, str) or not resource_id.startswith("/"):
        raise ValueFormatError("a resource needs an id starting with /")
    if not isinstance(kind, str) or not kind:
        raise ValueFormatError("a resource needs a type")
    writeable = raw.get("writeable", 0)
    if writeable not in (0, 1) or isinstance(writeable, float):
        raise ValueFormatError("writeable is 0 or 1")
    base: dict[str, Any] = {
        "id": resource_id,
        "type": kind,
        "writeable": bool(writeable),
        "raw": raw,
    }
    if kind in NUMERIC_TYPES:
        return _numeric(raw, base)
    if kind == "stringValue":
        value = raw.get("value")
        if value is not None and not isinstance(value, str):
            raise ValueFormatError("a stringValue value is not a string")
        return Resource(
            **base,
            value=value,
            raw_value=value,
            allowed_values=_allowed(raw),
            unit=_string(raw, "unitOfMeasure"),
        )
    if kind == "refEnum":
        return Resource(**base, references=_references(raw.get("references")))
    if kind == "emonValue":
        return Resource(
            **base, values=_energy(raw.get("values", [])), unit=_string(raw, "unit")
        )
    if kind == "errorList":
        return Resource(**base, values=_notifications(raw.get("values", [])))
    if kind == "arrayData":
        values = raw.get("values", [])
        if not isinstance(values, list):
            raise ValueFormatError("values of an arrayData is not a list")
        return Resource(**base, values=tuple(values), allowed_values=_allowed(raw))
    # systeminfo and the other types: kept as they come, values if a list.
    values = raw.get("values")
    return Resource(**base, values=tuple(values) if isinstance(values, list) else ())


def _allowed(raw: Mapping[str, Any]) -> tuple[str, ...] | None:
    allowed = raw.get("allowedValues")
    if allowed is None:
        return None
    if not isinstance(allowed, list) or not all(isinstance(a, str) for a in allowed):
        raise ValueFormatError("allowedValues is not a list of strings")
    return tuple(allowed)


def _numeric(raw: Mapping[str, Any], base: dict[str, Any]) -> Resource:
    value = raw.get("value")
    if value is not None and (not _is_number(value) or not math.isfinite(value)):
        raise ValueFormatError(f"{base['type']} value is not a number")
    states = _states(raw.get("state"))
    sentinel = _sentinel(value, states)
    step = _number(raw, "stepSize")
    if step is not None and step <= 0:
        raise ValueFormatError("stepSize is not positive")
    return Resource(
        **base,
        value=None if sentinel is not None else value,
        raw_value=value,
        sentinel=sentinel,
        unit=_string(raw, "unitOfMeasure"),
        min=_number(raw, "minValue"),
        max=_number(raw, "maxValue"),
        step=step,
        states=states,
        allowed_values=None,
    )


def validate_for_write(resource: Resource, value: object) -> Scalar:
    """The value to send in ``PUT {"value": ...}``; ``InvalidValueError`` if not allowed."""
    if not resource.writeable:
        raise InvalidValueError(f"{resource.id} is read-only")
    if resource.type in NUMERIC_TYPES:
        if not _is_number(value) or not math.isfinite(value):
            raise InvalidValueError(f"{resource.id} takes a number")
        number = float(value)
        if resource.min is not None and number < resource.min - FLOAT_TOLERANCE:
            raise InvalidValueError(f"{resource.id} is at least {resource.min}")
        if resource.max is not None and number > resource.max + FLOAT_TOLERANCE:
            raise InvalidValueError(f"{resource.id} is at most {resource.max}")
        if resource.step is not None:
            steps = (number - (resource.min or 0.0)) / resource.step
            if abs(steps - round(steps)) > FLOAT_TOLERANCE:
                raise InvalidValueError(
                    f"{resource.id} moves in steps of {resource.step}"
                )
        if resource.type == "integerValue":
            if not number.is_integer():
                raise InvalidValueError(f"{resource.id} takes a whole number")
            return int(number)
        return value
    if resource.type == "stringValue":
        if not isinstance(value, str):
            raise InvalidValueError(f"{resource.id} takes text")
        if resource.allowed_values is not None and value not in resource.allowed_values:
            raise InvalidValueError(
                f"{resource.id} takes one of {', '.join(resource.allowed_values)}"
            )
        return value
    raise InvalidValueError(f"{resource.id} ({resource.type}) cannot be written")
