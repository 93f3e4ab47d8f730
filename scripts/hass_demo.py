"""Home Assistant for the demo and the e2e suite, with the simulator as Bosch.

    SIMULATOR_EBIKE_URL=https://localhost:8446 \\
    REQUESTS_CA_BUNDLE=.simulator/ca-bundle.pem \\
        python scripts/hass_demo.py -c config [other arguments of hass]

Two things stand between a Home Assistant on this machine and the simulated
Bosch services; neither is a setting of the integration:

- Trust: the simulator's https certificates come from its own CA. Home
  Assistant trusts the CAs of the bundle that ``REQUESTS_CA_BUNDLE`` names
  (``homeassistant.util.ssl``), which is how a user makes it trust a CA; the
  simulator writes that bundle (certifi's CAs and its own).
- The eBike cloud has one address, Bosch's, and the integration knows no
  other. Here, and only here (as the tests do at their boundary), its two
  addresses are pointed at the simulated eBike cloud that
  ``SIMULATOR_EBIKE_URL`` names, before Home Assistant loads the integration.

Then this is ``hass`` itself: its exit code (100: restart) is ours.
"""

from __future__ import annotations

import os
from pathlib import Path
import sys

REPO = Path(__file__).resolve().parent.parent


def point_ebike_at(url: str) -> None:
    """Bosch's eBike addresses name the simulated eBike cloud at ``url``."""
    sys.path.insert(0, str(REPO))
    from custom_components.bosch_connect.ebike import connection  # noqa: PLC0415
    from simulator.ebike.service import TOKEN_PATH  # noqa: PLC0415

    base = url.rstrip("/")
    vars(connection).update(
        PRODUCTION_API_URL=base, PRODUCTION_TOKEN_URL=base + TOKEN_PATH
    )


def main() -> int:
    """Run Home Assistant with the arguments given."""
    if url := os.environ.get("SIMULATOR_EBIKE_URL"):
        point_ebike_at(url)
    from homeassistant.__main__ import main as hass  # noqa: PLC0415

    sys.argv = ["hass", *sys.argv[1:]]
    return hass()


if __name__ == "__main__":
    sys.exit(main())
