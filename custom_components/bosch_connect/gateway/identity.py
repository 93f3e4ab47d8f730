"""Who a gateway is, read over the Local API (for the manual path and checks)."""

from __future__ import annotations

from dataclasses import dataclass

from .api import GatewayClient

UUID = "/gateway/uuid"
BRAND = "/gateway/brand"
SERIAL = "/gateway/serial"
FIRMWARE = "/gateway/versionFirmware"
HARDWARE = "/gateway/versionHardware"


@dataclass(frozen=True, slots=True)
class GatewayIdentity:
    """The names a gateway tells about itself (None where it does not)."""

    uuid: str | None = None
    brand: str | None = None
    model: str | None = None
    serial: str | None = None


async def async_read_identity(client: GatewayClient) -> GatewayIdentity:
    """Read uuid, brand and serial number; absent resources stay None.

    Raises the client's errors (authentication, TLS, connection) as they come.
    """
    found = await client.get_many([UUID, BRAND, SERIAL])

    def text(path: str) -> str | None:
        resource = found.get(path)
        if resource is None or resource.value is None:
            return None
        return str(resource.value).strip() or None

    return GatewayIdentity(uuid=text(UUID), brand=text(BRAND), serial=text(SERIAL))
