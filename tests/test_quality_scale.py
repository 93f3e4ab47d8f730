"""quality_scale.yaml lists exactly the current scale's rules; done rules hold.

The rules and tiers are those of the Integration Quality Scale checklist
(hassfest's ALL_RULES: 54 rules, Bronze 20 with docs-triggers and
docs-conditions from 2026, Silver 10, Gold 21, Platinum 3). The rules that
can be checked by reading the code are checked here whenever the file calls
them done; the others are proved by the tests its comments name.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
import importlib
from pathlib import Path
import re

from homeassistant.util.yaml import load_yaml_dict
import pytest

from .conftest import REPO

INTEGRATION = REPO / "custom_components" / "bosch_connect"
QUALITY_SCALE = INTEGRATION / "quality_scale.yaml"

TIERS: dict[str, tuple[str, ...]] = {
    "bronze": (
        "action-setup",
        "appropriate-polling",
        "brands",
        "common-modules",
        "config-flow-test-coverage",
        "config-flow",
        "dependency-transparency",
        "docs-actions",
        "docs-conditions",
        "docs-high-level-description",
        "docs-installation-instructions",
        "docs-removal-instructions",
        "docs-triggers",
        "entity-event-setup",
        "entity-unique-id",
        "has-entity-name",
        "runtime-data",
        "test-before-configure",
        "test-before-setup",
        "unique-config-entry",
    ),
    "silver": (
        "action-exceptions",
        "config-entry-unloading",
        "docs-configuration-parameters",
        "docs-installation-parameters",
        "entity-unavailable",
        "integration-owner",
        "log-when-unavailable",
        "parallel-updates",
        "reauthentication-flow",
        "test-coverage",
    ),
    "gold": (
        "devices",
        "diagnostics",
        "discovery-update-info",
        "discovery",
        "docs-data-update",
        "docs-examples",
        "docs-known-limitations",
        "docs-supported-devices",
        "docs-supported-functions",
        "docs-troubleshooting",
        "docs-use-cases",
        "dynamic-devices",
        "entity-category",
        "entity-device-class",
        "entity-disabled-by-default",
        "entity-translations",
        "exception-translations",
        "icon-translations",
        "reconfiguration-flow",
        "repair-issues",
        "stale-devices",
    ),
    "platinum": ("async-dependency", "inject-websession", "strict-typing"),
}
PLATFORMS = (
    "binary_sensor",
    "climate",
    "device_tracker",
    "event",
    "number",
    "select",
    "sensor",
    "water_heater",
)
# Home Assistant's exceptions that a user can see: each needs a translation.
TRANSLATED_EXCEPTIONS = {
    "HomeAssistantError",
    "ServiceValidationError",
    "ConfigEntryError",
    "ConfigEntryNotReady",
    "ConfigEntryAuthFailed",
    "UpdateFailed",
    "InvalidDeviceAutomationConfig",
}


def statuses() -> dict[str, str]:
    """Each rule's status, from either form (bare status or a mapping)."""
    rules = load_yaml_dict(QUALITY_SCALE)["rules"]
    return {
        name: value if isinstance(value, str) else value["status"]
        for name, value in rules.items()
    }


def done(rule: str) -> bool:
    """Whether the file calls ``rule`` done."""
    return statuses()[rule] == "done"


def sources() -> Iterator[tuple[Path, str]]:
    """Every Python module of the integration, with its text."""
    for path in sorted(INTEGRATION.rglob("*.py")):
        yield path, path.read_text()


def test_exactly_the_rules_of_the_scale() -> None:
    expected = [rule for rules in TIERS.values() for rule in rules]
    assert len(expected) == len(set(expected)) == 54
    assert sorted(statuses()) == sorted(expected)


def test_statuses_and_comments() -> None:
    rules = load_yaml_dict(QUALITY_SCALE)["rules"]
    for name, value in rules.items():
        status = value if isinstance(value, str) else value["status"]
        assert status in {"done", "todo", "exempt"}, name
        if status != "done":
            # An exemption or an open rule says why.
            assert isinstance(value, dict), name
            assert value.get("comment"), name


def test_tier_reached_is_the_one_the_readme_claims() -> None:
    reached = "no tier"
    for tier, rules in TIERS.items():
        if not all(statuses()[rule] in {"done", "exempt"} for rule in rules):
            break
        reached = tier
    readme = (REPO / "README.md").read_text()
    match = re.search(r"Quality scale tier reached: \*\*(.+?)\*\*", readme)
    assert match is not None, "README has no 'Quality scale tier reached' line"
    assert match.group(1).lower() == reached


@pytest.mark.parametrize("platform", PLATFORMS)
def test_parallel_updates(platform: str) -> None:
    if not done("parallel-updates"):
        pytest.skip("not claimed")
    module = importlib.import_module(f"custom_components.bosch_connect.{platform}")
    assert isinstance(module.PARALLEL_UPDATES, int)


def test_exception_translations() -> None:
    """Every user-visible Home Assistant exception we make has a translation key."""
    assert done("exception-translations")
    missing = []
    for path, text in sources():
        for node in ast.walk(ast.parse(text)):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
            if name in TRANSLATED_EXCEPTIONS and not any(
                keyword.arg == "translation_key" for keyword in node.keywords
            ):
                missing.append(f"{path.relative_to(REPO)}:{node.lineno} {name}")
    assert missing == []


def test_runtime_data_and_injected_session() -> None:
    assert done("runtime-data")
    assert done("inject-websession")
    for path, text in sources():
        assert "hass.data[DOMAIN]" not in text, path
        # Clients take Home Assistant's shared session from the caller.
        assert "aiohttp.ClientSession(" not in text, path


def test_no_polling_interval_option() -> None:
    """No polling interval that users set (only the 1.2 migration names it)."""
    assert done("appropriate-polling")
    for path, text in sources():
        if path != INTEGRATION / "__init__.py":
            assert "scan_interval" not in text, path
    translations = (INTEGRATION / "translations" / "en.json").read_text()
    assert "scan_interval" not in translations


def test_brand_images() -> None:
    assert done("brands")
    assert (INTEGRATION / "brand" / "icon.png").is_file()


def test_strict_typing() -> None:
    """No untyped config entries once the rule is claimed."""
    untyped = [
        f"{path.relative_to(REPO)}"
        for path, text in sources()
        if "ConfigEntry[Any]" in text
    ]
    if done("strict-typing"):
        assert untyped == []
    else:
        assert untyped, "strict-typing holds: mark it done in quality_scale.yaml"


def test_no_assert_in_production_code() -> None:
    """Type narrowing by assert is stripped under -O: none in the integration."""
    import ast

    asserts = [
        f"{path.relative_to(REPO)}:{node.lineno}"
        for path, text in sources()
        for node in ast.walk(ast.parse(text))
        if isinstance(node, ast.Assert)
    ]
    assert asserts == []
