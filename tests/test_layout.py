"""The layout rules of DESIGN.md section 3 that a test can check."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "custom_components" / "bosch_connect"
ROOMS = ("gateway", "ebike", "homecomfort", "rollouts", "bosma")

# Modules that speak a Bosch protocol. They are what would become a PyPI
# library: plain asyncio, aiohttp and cryptography, no Home Assistant.
PROTOCOL_NAMES = {
    "api",
    "signature",
    "keys",
    "models",
    "errors",
    "tls",
    "values",
    "payloads",
    "txt",
    "sign",
}


def protocol_modules() -> list[Path]:
    """Every protocol module of every room."""
    found = [
        path
        for room in ROOMS
        for path in sorted((PACKAGE / room).glob("*.py"))
        if path.stem in PROTOCOL_NAMES
    ]
    found += sorted(PACKAGE.glob("protocol/**/*.py"))
    return found


def imports_of(path: Path) -> list[tuple[str, int]]:
    """(module, relative level) of every import in a file."""
    tree = ast.parse(path.read_text(), filename=str(path))
    out: list[tuple[str, int]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(alias.name, 0) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            out.append((node.module or "", node.level))
    return out


def test_every_room_has_a_protocol_module() -> None:
    """Each room that exists talks to Bosch through an api.py."""
    for room in ROOMS:
        if (PACKAGE / room / "__init__.py").exists():
            assert (PACKAGE / room / "api.py").exists(), room


@pytest.mark.parametrize(
    "path", protocol_modules(), ids=lambda p: f"{p.parent.name}/{p.name}"
)
def test_protocol_module_is_home_assistant_free(path: Path) -> None:
    """Protocol modules import nothing from homeassistant, directly or through us."""
    for module, level in imports_of(path):
        assert module.split(".")[0] != "homeassistant", f"{path} imports {module}"
        if level:
            base = path.parent
            for _ in range(level - 1):
                base = base.parent
            target = base.joinpath(*module.split(".")) if module else base
            name = target.name if target.suffix != ".py" else target.stem
            is_protocol = name in PROTOCOL_NAMES or "protocol" in target.parts
            assert is_protocol, (
                f"{path} imports {'.' * level}{module}, not a protocol module"
            )


def test_the_check_catches_a_violation(tmp_path: Path) -> None:
    """The checker sees a homeassistant import (so the test above can fail)."""
    bad = tmp_path / "api.py"
    bad.write_text("from homeassistant.core import HomeAssistant\n")
    assert ("homeassistant.core", 0) in imports_of(bad)
