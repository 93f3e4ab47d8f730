"""The zeroconf TXT record (V1) of a gateway's Local API announcement.

``_gateway-tt-local-api._tcp.local.`` carries ``txtvers``, ``authport``,
``model``, ``brand``, ``uuid`` and ``serial``. Keys and values may arrive as
bytes or text (Home Assistant's ``ZeroconfServiceInfo.properties`` holds
text; python-zeroconf's ``ServiceInfo.properties`` holds bytes).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from .errors import AnnouncementError

SERVICE_TYPE = "_gateway-tt-local-api._tcp.local."
REQUIRED = ("txtvers", "authport", "model", "brand", "uuid", "serial")


@dataclass(frozen=True, slots=True)
class GatewayAnnouncement:
    """What a gateway announces about itself."""

    txtvers: int
    authport: int
    model: str
    brand: str
    uuid: str
    serial: str

    @property
    def instance(self) -> str:
        """The instance name the document describes: ``<model>-<uuid>``."""
        return f"{self.model.lower()}-{self.uuid}"


def _text(value: object, what: str) -> str:
    if isinstance(value, bytes | bytearray):
        try:
            return bytes(value).decode("utf-8")
        except UnicodeDecodeError as err:
            raise AnnouncementError(f"{what} is not UTF-8") from err
    if isinstance(value, str):
        return value
    raise AnnouncementError(f"{what} is not text")


def _port(value: str, what: str) -> int:
    if not value.isascii() or not value.isdigit():
        raise AnnouncementError(f"{what} is not a port number")
    port = int(value)
    if not 0 < port < 65536:
        raise AnnouncementError(f"{what} is out of range")
    return port


def parse_txt(properties: Mapping[object, object]) -> GatewayAnnouncement:
    """Parse TXT properties; ``AnnouncementError`` when a field is missing or bad."""
    fields: dict[str, str] = {}
    for key, value in properties.items():
        name = _text(key, "a TXT key").strip().lower()
        if value is None:
            continue
        fields[name] = _text(value, f"TXT {name}").strip()
    for name in REQUIRED:
        if not fields.get(name):
            raise AnnouncementError(f"TXT record lacks {name}")
    txtvers = fields["txtvers"]
    if not txtvers.isascii() or not txtvers.isdigit() or int(txtvers) < 1:
        raise AnnouncementError("txtvers is not a version number")
    uuid = fields["uuid"]
    if not uuid.isascii() or not all(c.isalnum() or c in "-_" for c in uuid):
        raise AnnouncementError("uuid has characters a gateway id cannot have")
    return GatewayAnnouncement(
        txtvers=int(txtvers),
        authport=_port(fields["authport"], "authport"),
        model=fields["model"],
        brand=fields["brand"],
        uuid=uuid,
        serial=fields["serial"],
    )
