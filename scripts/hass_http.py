"""Give a Home Assistant configuration folder its HTTP server settings.

Since 2026.10 Home Assistant keeps the HTTP server settings in its storage
(``.storage/http``), set in the UI; an ``http:`` section in YAML is imported
once as a *trial* that the user must confirm in the browser within five
minutes, or Home Assistant restarts with the old settings. The demo and the
e2e suite need Home Assistant on 127.0.0.1 and a port of their choice from
the first start, without that dialog: this writes the settings as confirmed
ones, in the format and with the defaults of Home Assistant's own schema.

    python scripts/hass_http.py CONFIG_DIR PORT
"""

from __future__ import annotations

import json
from pathlib import Path
import sys

from homeassistant.components.http.config import (
    HTTP_STORAGE_SCHEMA,
    STORAGE_KEY,
    STORAGE_MINOR_VERSION,
    STORAGE_VERSION,
)
from homeassistant.util import dt as dt_util


def write_http_settings(config_dir: Path, port: int, host: str = "127.0.0.1") -> None:
    """Store ``host:port`` as Home Assistant's confirmed HTTP settings."""
    stable = dict(HTTP_STORAGE_SCHEMA({"server_host": [host], "server_port": port}))
    stable |= {
        "created_at": dt_util.utcnow().isoformat(),
        "error": None,
        "error_message": None,
    }
    store = {
        "version": STORAGE_VERSION,
        "minor_version": STORAGE_MINOR_VERSION,
        "key": STORAGE_KEY,
        "data": {"stable": stable, "pending": None, "yaml_migration_done": True},
    }
    path = config_dir / ".storage" / STORAGE_KEY
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(store, indent=2) + "\n")


if __name__ == "__main__":
    write_http_settings(Path(sys.argv[1]), int(sys.argv[2]))
