"""The layout rules of DESIGN.md section 3 that a test can check."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "custom_components" / "bosch_connect"
PACKAGE_NAME = "custom_components.bosch_connect"
ROOMS = ("gateway", "ebike", "homecomfort", "rollouts", "bosma")

# What a room may import from outside itself: the shared packages and the
# top-level modules every room builds on. Another room, and the top-level
# glue that dispatches to the rooms (registry, config_flow, ...), it may not.
SHARED_PACKAGES = {"heating", "protocol"}
SHARED_MODULES = {"const", "entity", "errors", "flow_fields", "flow_guard", "room"}
# The one module outside the rooms that imports them (and hands out their Room).
REGISTRY = "registry.py"

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


def _under_integration(module: str) -> str | None:
    """``module`` relative to the integration ("" for itself), or None if outside it."""
    if module == PACKAGE_NAME:
        return ""
    if module.startswith(f"{PACKAGE_NAME}."):
        return module.removeprefix(f"{PACKAGE_NAME}.")
    return None


def integration_imports(path: Path, root: Path = PACKAGE) -> list[tuple[str, int]]:
    """(first name under the integration, line) of everything ``path`` imports from it.

    ``from ..gateway.api import X`` in ``ebike/x.py`` gives ``gateway``;
    ``from .. import errors`` gives ``errors``; ``from . import y`` in a room
    gives the room itself; imports from outside the integration are left out.
    """
    tree = ast.parse(path.read_text(), filename=str(path))
    package = list(path.relative_to(root).parent.parts)
    found: list[tuple[str, int]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                rest = _under_integration(alias.name)
                if rest:
                    found.append((rest.split(".")[0], node.lineno))
            continue
        if not isinstance(node, ast.ImportFrom):
            continue
        if node.level:
            if node.level - 1 > len(package):
                continue  # above the integration: not ours
            base = package[: len(package) - (node.level - 1)]
            rest = node.module or ""
        else:
            base = []
            under = _under_integration(node.module or "")
            if under is None:
                continue
            rest = under
        parts = base + (rest.split(".") if rest else [])
        if parts:
            found.append((parts[0], node.lineno))
        else:  # ``from .. import x, y`` at the top of the integration
            found += [(alias.name, node.lineno) for alias in node.names]
    return found


def layout_violations(root: Path = PACKAGE) -> list[str]:
    """Every import that crosses a room's wall other than through ``registry.py``."""
    problems: list[str] = []
    for path in sorted(root.rglob("*.py")):
        relative = path.relative_to(root)
        home = relative.parts[0] if len(relative.parts) > 1 else None
        for target, line in integration_imports(path, root):
            where = f"{relative}:{line} imports {target}"
            if home in ROOMS:
                allowed = {home} | SHARED_PACKAGES | SHARED_MODULES
                if target not in allowed:
                    problems.append(f"{where}: a room reaches only its own code")
            elif target in ROOMS and str(relative) != REGISTRY:
                problems.append(f"{where}: only {REGISTRY} imports the rooms")
    return problems


def test_the_rooms_and_shared_packages_are_all_the_packages() -> None:
    """A new sub-package is declared here, as a room or as shared code."""
    packages = {path.parent.name for path in PACKAGE.glob("*/__init__.py")}
    assert packages == set(ROOMS) | SHARED_PACKAGES
    assert all((PACKAGE / f"{name}.py").is_file() for name in SHARED_MODULES)


def test_no_module_imports_another_room_except_through_room() -> None:
    """A room imports only itself and shared code; only the registry imports rooms.

    Everything else reaches a room through its ``Room`` (``registry.ROOMS``).
    """
    assert layout_violations() == []


def test_the_room_check_catches_each_kind_of_crossing(tmp_path: Path) -> None:
    """Relative and absolute imports of another room, upward imports, top-level ones."""
    files = {
        "ebike/__init__.py": "",
        "ebike/a.py": "from ..gateway.api import GatewayClient\n",
        "ebike/b.py": "from .. import services, const\n",
        "ebike/c.py": "import custom_components.bosch_connect.bosma.api\n",
        "ebike/d.py": "from custom_components.bosch_connect import registry\n",
        "ebike/fine.py": (
            "from ..const import DOMAIN\nfrom ..heating.model import X\n"
            "from . import api\nfrom .api import Y\nimport aiohttp\n"
            "from custom_components.bosch_connect.room import Room\n"
        ),
        "config_flow.py": "from .gateway.flow import GatewayFlowMixin\n",
        "device_trigger.py": "from . import ebike\n",
        "heating/x.py": "from ..homecomfort import models\n",
        "registry.py": "from .gateway import ROOM\nfrom .room import Room\n",
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    found = layout_violations(tmp_path)
    assert [problem.split(" imports ")[0] for problem in found] == [
        "config_flow.py:1",
        "device_trigger.py:1",
        "ebike/a.py:1",
        "ebike/b.py:1",
        "ebike/c.py:1",
        "ebike/d.py:1",
        "heating/x.py:1",
    ]
    assert "ebike/b.py:1 imports services" in found[3]
