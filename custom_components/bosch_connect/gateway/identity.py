"""Who a gateway is, read over the Local API (for the manual path and checks)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from .api import GatewayClient
from .values import Resource

UUID = "/gateway/uuid"
BRAND = "/gateway/brand"
SERIAL = "/gateway/serial"
FIRMWARE = "/gateway/versionFirmware"
HARDWARE = "/gateway/versionHardware"
BASIC_INFO = "/system/basicInfo"


@dataclass(frozen=True, slots=True)
class GatewayIdentity:
    """The names a gateway tells about itself (None where it does not)."""

    uuid: str | None = None
    brand: str | None = None
    model: str | None = None
    serial: str | None = None


# What a gateway module calls itself in /system/basicInfo (ModuleHwIdentStr).
_GATEWAY_MODULES = ("K40", "MX4", "K30", "MX3")
_MAX_TEXT = 64


def _clean(value: object) -> str | None:
    """A short printable text (numbers as the gateway wrote them), else None."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        return None
    text = "".join(c for c in str(value) if c.isprintable()).strip()
    return text[:_MAX_TEXT] or None


def _gateway_module(info: Resource | None) -> Mapping[str, object]:
    """The gateway's own entry of /system/basicInfo (empty when there is none)."""
    if info is None:
        return {}
    for module in info.values:
        if not isinstance(module, dict):
            continue
        ident = _clean(module.get("ModuleHwIdentStr")) or ""
        if ident.upper().startswith(_GATEWAY_MODULES):
            return module
    return {}


async def async_read_identity(client: GatewayClient) -> GatewayIdentity:
    """Read device id, brand, model and serial number; what is absent stays None.

    ``/gateway/uuid`` and ``/gateway/serial`` (Local API), else the gateway's
    module in ``/system/basicInfo`` (the K 40 RF specification: its
    ``ModuleHwIdentStr`` is the model, ``ModuleSerialNumber`` the serial
    number; ``gatewayId`` the device id). Raises the client's errors
    (authentication, TLS, connection) as they come.
    """
    found = await client.get_many([UUID, BRAND, SERIAL, BASIC_INFO])

    def text(path: str) -> str | None:
        resource = found.get(path)
        if resource is None or resource.value is None:
            return None
        return _clean(resource.value)

    info = found.get(BASIC_INFO)
    module = _gateway_module(info)
    gateway_id = _clean(info.raw.get("gatewayId")) if info is not None else None
    return GatewayIdentity(
        uuid=text(UUID) or gateway_id,
        brand=text(BRAND),
        model=_clean(module.get("ModuleHwIdentStr")),
        serial=text(SERIAL) or _clean(module.get("ModuleSerialNumber")),
    )
