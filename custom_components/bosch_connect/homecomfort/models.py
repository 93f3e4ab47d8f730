"""What the Partner API returns, as typed values (no Home Assistant).

The parsers are tolerant: unknown fields are ignored, a number may also come
as ``{"value": n, "unit": "C"}``, and missing optional values become ``None``.
A body without the fields that identify it raises
:class:`~.errors.HomeComfortResponseError`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
import datetime as dt
from typing import Any

from ..protocol.times import parse_time
from .errors import HomeComfortResponseError

ACTIVE = "ACTIVE"


def _mapping(data: Any, what: str) -> Mapping[str, Any]:
    if not isinstance(data, Mapping):
        raise HomeComfortResponseError(f"{what}: expected a JSON object")
    return data


def _text(data: Mapping[str, Any], key: str, what: str) -> str:
    value = data.get(key)
    if not isinstance(value, str | int) or isinstance(value, bool) or value == "":
        raise HomeComfortResponseError(f"{what}: {key} missing")
    return str(value)


def _optional_text(value: Any) -> str | None:
    if isinstance(value, str) and value:
        return value
    return None


def _number(value: Any) -> float | None:
    if isinstance(value, Mapping):
        value = value.get("value")
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return None


def _unit(value: Any, default: str | None = None) -> str | None:
    if isinstance(value, Mapping) and isinstance(value.get("unit"), str):
        return str(value["unit"])
    return default


def _texts(value: Any) -> tuple[str, ...]:
    """The strings of a list (anything else in it is left out)."""
    return tuple(
        v for v in (value if isinstance(value, list) else []) if isinstance(v, str)
    )


def _ids(value: Any) -> tuple[str, ...]:
    out: list[str] = []
    for item in value if isinstance(value, list) else []:
        circuit_id = item.get("id") if isinstance(item, Mapping) else item
        if isinstance(circuit_id, str) and circuit_id:
            out.append(circuit_id)
    return tuple(out)


@dataclass(frozen=True, slots=True, kw_only=True)
class KeyInfo:
    """``GET /api-keys/me``: the key making the request."""

    key_id: str
    company_id: str
    expires: dt.datetime | None

    @classmethod
    def from_json(cls, data: Any) -> KeyInfo:
        """Parse the response body."""
        body = _mapping(data, "api-keys/me")
        return cls(
            key_id=_text(body, "keyId", "api-keys/me"),
            company_id=_text(body, "companyId", "api-keys/me"),
            expires=parse_time(body.get("expiresAt")),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class NewKey:
    """``POST /api-keys``: a new key."""

    api_key: str
    key_id: str | None
    expires: dt.datetime | None

    @classmethod
    def from_json(cls, data: Any) -> NewKey:
        """Parse the response body."""
        body = _mapping(data, "api-keys")
        return cls(
            api_key=_text(body, "apiKey", "api-keys"),
            key_id=_optional_text(body.get("keyId")),
            expires=parse_time(body.get("expiresAt")),
        )

    def __repr__(self) -> str:
        """Never show the secret."""
        return f"NewKey(key_id={self.key_id!r}, expires={self.expires!r})"


@dataclass(frozen=True, slots=True, kw_only=True)
class Contract:
    """A gateway contract of the partner."""

    gateway_id: str
    user_id: str
    status: str
    consent_version: str | None
    gateway_type: str | None

    @property
    def active(self) -> bool:
        """Whether the contract is active."""
        return self.status.upper() == ACTIVE

    @classmethod
    def from_json(cls, data: Any) -> Contract:
        """Parse one contract."""
        body = _mapping(data, "contract")
        return cls(
            gateway_id=_text(body, "gatewayId", "contract"),
            user_id=_text(body, "userId", "contract"),
            status=_optional_text(body.get("status")) or "UNKNOWN",
            consent_version=_optional_text(body.get("consentVersion")),
            gateway_type=_optional_text(body.get("gatewayType")),
        )

    @classmethod
    def list_from_json(cls, data: Any) -> list[Contract]:
        """Parse ``GET /contracts`` (an object with ``contracts`` or a list)."""
        if isinstance(data, Mapping):
            data = data.get("contracts")
        if not isinstance(data, list):
            raise HomeComfortResponseError("contracts: expected a list")
        return [cls.from_json(item) for item in data]


@dataclass(frozen=True, slots=True, kw_only=True)
class Component:
    """An appliance behind the gateway (heat pump, boiler, ...)."""

    type: str
    brand: str | None
    model: str | None
    serial_number: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class Components:
    """``GET /hvacs/{gatewayId}/components``."""

    gateway_id: str
    gateway_type: str | None
    firmware: str | None
    components: tuple[Component, ...]
    heating_circuits: tuple[str, ...]
    dhw_circuits: tuple[str, ...]

    @classmethod
    def from_json(cls, data: Any, gateway_id: str) -> Components:
        """Parse the response body."""
        body = _mapping(data, "components")
        items = body.get("components")
        return cls(
            gateway_id=_optional_text(body.get("gatewayId")) or gateway_id,
            gateway_type=_optional_text(body.get("gatewayType")),
            firmware=_optional_text(body.get("firmware")),
            components=tuple(
                Component(
                    type=_optional_text(item.get("type")) or "UNKNOWN",
                    brand=_optional_text(item.get("brand")),
                    model=_optional_text(item.get("model")),
                    serial_number=_optional_text(item.get("serialNumber")),
                )
                for item in (items if isinstance(items, list) else [])
                if isinstance(item, Mapping)
            ),
            heating_circuits=_ids(body.get("heatingCircuits")),
            dhw_circuits=_ids(body.get("dhwCircuits")),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class Setpoint:
    """A writable temperature with its limits."""

    value: float | None
    minimum: float | None
    maximum: float | None
    step: float | None
    unit: str | None

    @classmethod
    def from_json(cls, data: Any) -> Setpoint:
        """Parse ``{"value", "min", "max", "step", "unit"}`` (or a bare number)."""
        body = data if isinstance(data, Mapping) else {}
        return cls(
            value=_number(data),
            minimum=_number(body.get("min")),
            maximum=_number(body.get("max")),
            step=_number(body.get("step")),
            unit=_unit(data),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class HeatingCircuit:
    """``GET /hvacs/{gatewayId}/heatingCircuits/{circuitId}``."""

    id: str
    name: str | None
    room_temperature: float | None
    unit: str | None
    setpoint: Setpoint
    operation_mode: str | None
    allowed_modes: tuple[str, ...]
    flow_temperature: float | None
    humidity: float | None
    status: str | None

    @classmethod
    def from_json(cls, data: Any) -> HeatingCircuit:
        """Parse the response body."""
        body = _mapping(data, "heating circuit")
        return cls(
            id=_text(body, "id", "heating circuit"),
            name=_optional_text(body.get("name")),
            room_temperature=_number(body.get("roomTemperature")),
            unit=_unit(body.get("roomTemperature"), _unit(body.get("setpoint"))),
            setpoint=Setpoint.from_json(body.get("setpoint")),
            operation_mode=_optional_text(body.get("operationMode")),
            allowed_modes=_texts(body.get("allowedOperationModes")),
            flow_temperature=_number(body.get("flowTemperature")),
            humidity=_number(body.get("humidity")),
            status=_optional_text(body.get("status")),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class DhwCircuit:
    """``GET /hvacs/{gatewayId}/dhwCircuits/{circuitId}``."""

    id: str
    actual_temperature: float | None
    unit: str | None
    setpoint: Setpoint
    operation_mode: str | None
    allowed_modes: tuple[str, ...]

    @classmethod
    def from_json(cls, data: Any) -> DhwCircuit:
        """Parse the response body."""
        body = _mapping(data, "hot water circuit")
        return cls(
            id=_text(body, "id", "hot water circuit"),
            actual_temperature=_number(body.get("actualTemperature")),
            unit=_unit(body.get("actualTemperature"), _unit(body.get("setpoint"))),
            setpoint=Setpoint.from_json(body.get("setpoint")),
            operation_mode=_optional_text(body.get("operationMode")),
            allowed_modes=_texts(body.get("allowedOperationModes")),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class DhwCharge:
    """``GET /hvacs/{gatewayId}/dhwCircuits/{circuitId}/charge``."""

    status: str | None
    remaining_minutes: float | None

    @classmethod
    def from_json(cls, data: Any) -> DhwCharge:
        """Parse the response body."""
        body = _mapping(data, "charge")
        return cls(
            status=_optional_text(body.get("chargeStatus")),
            remaining_minutes=_number(body.get("remainingTimeMinutes")),
        )
