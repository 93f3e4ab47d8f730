"""Constants shared by every Bosch Connect service."""

from __future__ import annotations

from typing import Final

DOMAIN: Final = "bosch_connect"
TITLE: Final = "Bosch Connect"
MANUFACTURER: Final = "Bosch"

# Every config entry names the Bosch service it connects in entry.data["service"].
CONF_SERVICE: Final = "service"

SERVICE_GATEWAY: Final = "gateway"
SERVICE_EBIKE: Final = "ebike"
SERVICE_HOMECOMFORT: Final = "homecomfort"
SERVICE_ROLLOUTS: Final = "rollouts"
SERVICE_BOSMA: Final = "bosma"
