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
# The owner channel (K 40 RF document): instance ``K40RF-<device id>``, TXT
# ``model``, ``brand``, ``uuid``, ``authport``.
OWNER_SERVICE_TYPE = "_hvac-open-api._tcp.local."
# The K 40 RF document lists these; a gateway that leaves one out is still
# taken (the device id from the instance name, the documented token port).
OWNER_REQUIRED: tuple[str, ...] = ()
OWNER_AUTH_PORT = 9442
OWNER_INSTANCE_PREFIX = "k40rf-"


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


# TXT values longer than this are not a gateway's (a TXT string holds 255).
_MAX_VALUE = 255


def _fields(
    properties: Mapping[object, object], required: tuple[str, ...]
) -> dict[str, str]:
    fields: dict[str, str] = {}
    for key, value in properties.items():
        name = _text(key, "a TXT key").strip().lower()
        if value is None:
            continue
        text = _text(value, f"TXT {name}").strip()
        if len(text) > _MAX_VALUE or not text.isprintable():
            raise AnnouncementError(f"TXT {name} is not a gateway's")
        fields[name] = text
    for name in required:
        if not fields.get(name):
            raise AnnouncementError(f"TXT record lacks {name}")
    if "uuid" in fields:
        _check_device_id(fields["uuid"])
    return fields


def _check_device_id(uuid: str) -> str:
    if (
        not uuid
        or not uuid.isascii()
        or len(uuid) > 64
        or not all(c.isalnum() or c in "-_" for c in uuid)
    ):
        raise AnnouncementError("uuid has characters a gateway id cannot have")
    return uuid


def parse_txt(properties: Mapping[object, object]) -> GatewayAnnouncement:
    """Parse TXT properties; ``AnnouncementError`` when a field is missing or bad."""
    fields = _fields(properties, REQUIRED)
    txtvers = fields["txtvers"]
    if not txtvers.isascii() or not txtvers.isdigit() or int(txtvers) < 1:
        raise AnnouncementError("txtvers is not a version number")
    return GatewayAnnouncement(
        txtvers=int(txtvers),
        authport=_port(fields["authport"], "authport"),
        model=fields["model"],
        brand=fields["brand"],
        uuid=fields["uuid"],
        serial=fields["serial"],
    )


def parse_owner_txt(
    properties: Mapping[object, object], instance: str
) -> GatewayAnnouncement:
    """Parse the owner channel's announcement (TXT and instance name).

    The instance name ``K40RF-<device id>`` must name the device of the TXT
    ``uuid`` when both are there; either alone names the device (neither: not
    a gateway). Without ``authport`` the documented token port 9442;
    ``model`` and ``brand`` may be empty (read from the gateway later).
    ``serial`` and ``txtvers`` are not part of this record: empty and 1.
    """
    fields = _fields(properties, OWNER_REQUIRED)
    label = instance.split(".", 1)[0].strip()
    named = ""
    if label.lower().startswith(OWNER_INSTANCE_PREFIX):
        # A responder renamed on a name conflict appends " (2)": ignore that.
        named = label[len(OWNER_INSTANCE_PREFIX) :].split(" ", 1)[0]
    uuid = fields.get("uuid") or named
    if named and named != uuid:
        raise AnnouncementError("the instance name and uuid name other devices")
    authport = fields.get("authport")
    return GatewayAnnouncement(
        txtvers=1,
        authport=_port(authport, "authport") if authport else OWNER_AUTH_PORT,
        model=fields.get("model", ""),
        brand=fields.get("brand", ""),
        uuid=_check_device_id(uuid),
        serial=fields.get("serial", ""),
    )
