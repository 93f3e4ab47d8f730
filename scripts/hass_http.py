"""Give a Home Assistant configuration folder its HTTP server settings.

Since 2026.10 Home Assistant keeps the HTTP server settings in its storage
(``.storage/http``), set in the UI; an ``http:`` section in YAML is imported
once as a *trial* that the user must confirm in the browser within five
minutes, or Home Assistant restarts with the old settings. The demo and the
e2e suite need Home Assistant on 127.0.0.1 and a port of their choice from
the first start, without that dialog: this writes the settings as confirmed
ones, in the format and with the defaults of Home Assistant's own schema.

Home Assistant serves https: Bosch (here the simulated eBike cloud) posts its
notifications only to an https URL, as to a real installation behind Home
Assistant Cloud or a reverse proxy. The certificate for ``localhost`` and
127.0.0.1 is issued by a demo CA made once in ``<config>/tls/`` (``ca.pem``:
the CA a browser or a client may trust; nothing of it is committed).

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

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from simulator.pki import issue  # noqa: E402  (the repository's own PKI helper)


def tls_files(config_dir: Path) -> tuple[Path, Path, Path]:
    """(CA, certificate, key) for Home Assistant; made on the first call."""
    folder = config_dir / "tls"
    ca_path = folder / "ca.pem"
    cert_path, key_path = (
        folder / "home-assistant.pem",
        folder / "home-assistant.key.pem",
    )
    if not (ca_path.exists() and cert_path.exists() and key_path.exists()):
        ca = issue("Bosch Connect demo CA", ca=True, path_length=0)
        server = issue("localhost", issuer=ca, server=True, dns_names=("localhost",))
        folder.mkdir(parents=True, exist_ok=True)
        ca_path.write_text(ca.cert_pem)
        server.write(folder, "home-assistant")
    return ca_path, cert_path, key_path


def write_http_settings(config_dir: Path, port: int, host: str = "127.0.0.1") -> None:
    """Store https on ``host:port`` as Home Assistant's confirmed HTTP settings."""
    _, cert_path, key_path = tls_files(config_dir)
    stable = dict(
        HTTP_STORAGE_SCHEMA(
            {
                "server_host": [host],
                "server_port": port,
                "ssl_certificate": str(cert_path),
                "ssl_key": str(key_path),
            }
        )
    )
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
    write_http_settings(Path(sys.argv[1]).resolve(), int(sys.argv[2]))
