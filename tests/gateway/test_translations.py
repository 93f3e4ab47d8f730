"""Every translation key the gateway and heating code uses exists in en and de."""

from __future__ import annotations

import json
from pathlib import Path
import re
from typing import Any

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "custom_components" / "bosch_connect"
CODE = sorted([*PACKAGE.glob("gateway/*.py"), *PACKAGE.glob("heating/*.py")])
# String literals that name a translation: gateway_* / heating_* keys.
KEY = re.compile(r"""["'](?P<key>(?:gateway|heating)_[a-z0-9_]+)["']""")
# Names that are not translation keys.
NOT_KEYS = {
    "heating_circuits",  # a diagnostics field
    "gateway_reauth",  # the step that starts re-authentication (Room.reauth_step)
    # Values of a circuit's overallStatus (layout._STATUS_MODES)
    "heating_auto",
    "heating_manual_on",
    "heating_manual_off",
}


def _keys(tree: Any, found: set[str] | None = None) -> set[str]:
    found = set() if found is None else found
    if isinstance(tree, dict):
        for key, value in tree.items():
            found.add(key)
            _keys(value, found)
    return found


def _used() -> set[str]:
    used: set[str] = set()
    for path in CODE:
        used |= {m.group("key") for m in KEY.finditer(path.read_text())}
    return used - NOT_KEYS


@pytest.mark.parametrize("language", ["en", "de"])
def test_every_key_is_translated(language: str) -> None:
    """Flow steps, errors, aborts, exceptions, issues and entity keys."""
    translations = json.loads(
        (PACKAGE / "translations" / f"{language}.json").read_text()
    )
    keys = _keys(translations)
    used = _used()
    assert "gateway_proximity_required" in used  # the scan finds keys
    assert used <= keys, sorted(used - keys)
    for key in [k for k in used if k in translations.get("exceptions", {})]:
        assert translations["exceptions"][key]["message"]


def test_sensor_keys_are_translated() -> None:
    """Entity names of every sensor description."""
    from custom_components.bosch_connect.gateway.sensor import SENSORS

    for language in ("en", "de"):
        translations = json.loads(
            (PACKAGE / "translations" / f"{language}.json").read_text()
        )
        for description in SENSORS:
            entry = translations["entity"]["sensor"][description.translation_key]
            assert entry["name"]
