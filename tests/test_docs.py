"""The documentation stays true.

docs/security.md maps every threat to tests: those tests must exist. The README
documents every device trigger.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path
import re
from typing import Any

from homeassistant.util.yaml import parse_yaml

from custom_components.bosch_connect.ebike.const import TRIGGER_TYPES

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = re.compile(r"`(tests/[\w/]+\.py)::(\w+)")


def _test_functions(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    return {
        node.name
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    }


def test_security_doc_names_existing_tests() -> None:
    text = (ROOT / "docs" / "security.md").read_text()
    references = REFERENCE.findall(text)
    assert len(references) > 50
    missing = [
        f"{file}::{name}"
        for file, name in references
        if not (ROOT / file).is_file() or name not in _test_functions(ROOT / file)
    ]
    assert missing == []
    assert "TODO" not in text


def _readme_section(title: str) -> str:
    """The text of the README section headed ``title``, up to the next heading."""
    text = (ROOT / "README.md").read_text()
    match = re.search(
        rf"^(#+) {re.escape(title)}\n(.*?)(?=^#{{1,6}} |\Z)", text, re.M | re.S
    )
    assert match is not None, f"README has no section {title!r}"
    return match.group(2)


def test_readme_documents_every_device_trigger() -> None:
    """Each eBike trigger type: its editor name, its type and an example."""
    section = _readme_section("Device triggers")
    names = json.loads(
        (
            ROOT / "custom_components" / "bosch_connect" / "translations" / "en.json"
        ).read_text()
    )["device_automation"]["trigger_type"]
    assert set(names) == set(TRIGGER_TYPES)
    rows = {
        row[1].strip("`"): row[0].strip("*")
        for row in (
            [cell.strip() for cell in line.strip("|").split("|")]
            for line in section.splitlines()
            if line.startswith("| **")
        )
    }
    assert rows == names
    for field in ("device_id", "type", "domain: bosch_connect", "trigger: device"):
        assert f"`{field}`" in section
    example = re.search(r"```yaml\n(.*?)```", section, re.S)
    assert example is not None
    config = parse_yaml(example.group(1))
    assert isinstance(config, dict)
    trigger: dict[str, Any] = config["automation"][0]["triggers"][0]
    assert trigger["trigger"] == "device"
    assert trigger["domain"] == "bosch_connect"
    assert trigger["device_id"]
    assert trigger["type"] in TRIGGER_TYPES
