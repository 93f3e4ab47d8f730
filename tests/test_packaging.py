"""scripts/validate.py: hassfest's and HACS's checks, each failing and passing."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
import sys
from types import ModuleType
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
INTEGRATION = ROOT / "custom_components/bosch_connect"


@pytest.fixture(scope="module")
def validate() -> ModuleType:
    """scripts/validate.py as a module."""
    spec = importlib.util.spec_from_file_location(
        "validate", ROOT / "scripts" / "validate.py"
    )
    assert spec
    assert spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["validate"] = module
    spec.loader.exec_module(module)
    return module


def _json(path: Path) -> Any:
    return json.loads(path.read_text())


def _manifest() -> dict[str, Any]:
    return _json(INTEGRATION / "manifest.json")


def test_repository_passes(validate: ModuleType) -> None:
    assert validate.main() == 0


# --- manifest.json -----------------------------------------------------------

MINIMAL_MANIFEST = {
    "domain": "demo",
    "name": "Demo",
    "codeowners": ["@someone"],
    "documentation": "https://example.com/demo",
    "iot_class": "local_push",
    "issue_tracker": "https://example.com/demo/issues",
    "version": "1.0.0",
}


def _ordered(manifest: dict[str, Any]) -> dict[str, Any]:
    """Keys in hassfest's order: domain, name, then alphabetical."""
    return dict(
        sorted(manifest.items(), key=lambda i: (i[0] != "domain", i[0] != "name", i[0]))
    )


def test_manifest_is_complete(validate: ModuleType) -> None:
    manifest = _manifest()
    assert validate.check_manifest(manifest) == []
    assert manifest["zeroconf"] == [
        "_gateway-tt-local-api._tcp.local.",
        "_hvac-open-api._tcp.local.",
    ]


def test_manifest_needs_only_what_hassfest_and_hacs_need(
    validate: ModuleType, tmp_path: Path
) -> None:
    # No config_flow, dependencies, loggers, requirements or integration_type.
    assert validate.check_manifest(MINIMAL_MANIFEST, tmp_path / "demo") == []


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"bogus": 1}, "manifest: bogus: not a valid option"),
        ({"iot_class": "cloudy"}, "manifest: iot_class: value must be one of"),
        ({"integration_type": "virtual"}, "manifest: integration_type:"),
        ({"version": "soon"}, "manifest: version: 'soon' is not a valid version"),
        ({"codeowners": ["someone"]}, "manifest: code owner 'someone' is not"),
        ({"documentation": "http://example.com"}, "manifest: documentation: Doc"),
        (
            {"documentation": "https://www.home-assistant.io/integrations/demo"},
            "manifest: documentation: Documentation URL should point",
        ),
        ({"domain": "other"}, "manifest: domain does not match the folder name"),
        ({"config_flow": True}, "manifest: config flows need to be defined"),
    ],
)
def test_manifest_rules(
    validate: ModuleType, tmp_path: Path, change: dict[str, Any], problem: str
) -> None:
    manifest = _ordered({**MINIMAL_MANIFEST, **change})
    problems = validate.check_manifest(manifest, tmp_path / "demo")
    assert any(p.startswith(problem) for p in problems), problems


@pytest.mark.parametrize("key", ["domain", "name", "codeowners", "documentation"])
def test_manifest_keys_hassfest_requires(validate: ModuleType, key: str) -> None:
    manifest = {k: v for k, v in MINIMAL_MANIFEST.items() if k != key}
    problems = validate.check_manifest(manifest)
    assert f"manifest: {key}: required key not provided" in problems


@pytest.mark.parametrize("key", ["issue_tracker", "version"])
def test_manifest_keys_hacs_requires(validate: ModuleType, key: str) -> None:
    manifest = {k: v for k, v in MINIMAL_MANIFEST.items() if k != key}
    problems = validate.check_manifest(manifest)
    assert f"manifest: {key}: required key not provided" in problems


def test_manifest_needs_iot_class_and_sorted_keys(
    validate: ModuleType, tmp_path: Path
) -> None:
    no_class = {k: v for k, v in MINIMAL_MANIFEST.items() if k != "iot_class"}
    assert validate.check_manifest(no_class, tmp_path / "demo") == [
        "manifest: domain is missing an iot_class"
    ]
    unsorted = {"name": "Demo", **MINIMAL_MANIFEST}
    assert validate.check_manifest(unsorted, tmp_path / "demo") == [
        "manifest: keys must be domain, name, then alphabetical"
    ]
    (tmp_path / "demo").mkdir()
    (tmp_path / "demo" / "config_flow.py").write_text("")
    flow = _ordered({**MINIMAL_MANIFEST, "config_flow": True})
    assert validate.check_manifest(flow, tmp_path / "demo") == []


# --- hacs.json -----------------------------------------------------------------


@pytest.mark.parametrize(
    "hacs",
    [
        {"name": "Bosch Connect"},
        {"name": "Bosch Connect", "homeassistant": "2026.10.0"},
        {"name": "Bosch Connect", "homeassistant": "2024.1.0"},  # any minimum
        {"name": "Other name", "render_readme": True, "country": ["DE", "at"]},
        {"name": "X", "zip_release": True, "filename": "x.zip", "hacs": "2.0.0"},
    ],
)
def test_hacs_json_passes(validate: ModuleType, hacs: dict[str, Any]) -> None:
    assert validate.check_hacs(hacs) == []


@pytest.mark.parametrize(
    ("hacs", "problem"),
    [
        ({}, "hacs.json: name: required key not provided"),
        ({"name": "X", "bogus": 1}, "hacs.json: bogus: not a valid option"),
        ({"name": "X", "homeassistant": "latest"}, "hacs.json: homeassistant: 'l"),
        ({"name": "X", "homeassistant": 2026.1}, "hacs.json: homeassistant: exp"),
        ({"name": "X", "render_readme": "yes"}, "hacs.json: render_readme: exp"),
        ({"name": "X", "country": "XX"}, "hacs.json: country: ['XX'] are not"),
        ({"name": "X", "zip_release": True}, "hacs.json: (top level): zip_rel"),
    ],
)
def test_hacs_json_rules(
    validate: ModuleType, hacs: dict[str, Any], problem: str
) -> None:
    problems = validate.check_hacs(hacs)
    assert any(p.startswith(problem) for p in problems), problems


def test_the_repository_hacs_json(validate: ModuleType) -> None:
    assert validate.check_hacs(_json(ROOT / "hacs.json")) == []


# --- translations ----------------------------------------------------------------

EN = {
    "config": {
        "step": {
            "user": {
                "title": "Connect",
                "data": {"host": "Host"},
                "data_description": {"host": "The address of {device}."},
            }
        },
        "error": {"cannot_connect": "Failed to connect"},
    },
    "entity": {"sensor": {"mode": {"name": "Mode", "state": {"eco": "Eco"}}}},
    "issues": {"stale": {"title": "Stale", "description": "Renew {title}."}},
    "exceptions": {"failed": {"message": "Failed: {error}"}},
}


def _with(strings: dict[str, Any], dotted: str, value: Any) -> dict[str, Any]:
    """A deep copy of strings with one dotted key set."""
    copy: dict[str, Any] = json.loads(json.dumps(strings))
    *parents, last = dotted.split(".")
    node = copy
    for parent in parents:
        node = node.setdefault(parent, {})
    node[last] = value
    return copy


def test_translations_pass(validate: ModuleType) -> None:
    assert validate.check_translations(EN, EN) == []
    en = _json(INTEGRATION / "translations/en.json")
    de = _json(INTEGRATION / "translations/de.json")
    assert validate.check_translations(en, de) == []


@pytest.mark.parametrize(
    ("key", "value", "problem"),
    [
        (
            "issues.stale.description",
            "Delete /api-keys/<keyId> first.",
            "issues.stale.description: the string should not contain HTML",
        ),
        (
            "config.step.user.data_description.host",
            "For example https://example.com.",
            "the string should not contain URLs",
        ),
        ("issues.stale.description", "Renew '{title}'.", "inside single quotes"),
        ("issues.stale.description", " Renew.", "leading or trailing spaces"),
        ("issues.stale.description", "Renew {0}.", "valid identifiers"),
        ("issues.stale.description", "Renew {title.", "unbalanced braces"),
        (
            "entity.sensor.mode.state.eco",
            "Eco {level}",
            "entity.sensor.mode.state.eco: placeholders are not supported",
        ),
        ("entity.sensor.Mode", {"name": "Mode"}, "Invalid translation key 'Mode'"),
        ("services", {"x": {"name": "X"}}, "services.x.description: required"),
        ("bogus", {"a": "b"}, "bogus: not a valid option"),
        ("options.title", "Options", "options.title: not a valid option"),
        ("config.step.user.data_description.port", "Port", "key port is not in"),
        ("issues.stale", {"title": "Stale"}, "issues.stale: at least one of"),
        ("issues.stale.fix_flow", {"step": {}}, "same group of exclusion 'fixable'"),
        (
            "exceptions.failed.message",
            "see [%key:common::x%] too",
            "should not contain combined translations",
        ),
    ],
)
def test_translations_schema(
    validate: ModuleType, key: str, value: Any, problem: str
) -> None:
    en = _with(EN, key, value)
    problems = validate.check_translations(en, en)
    assert any(problem in p for p in problems if "en.json" in p), problems
    assert any(problem in p for p in problems if "de.json" in p), problems


def test_de_has_the_keys_and_placeholders_of_en(validate: ModuleType) -> None:
    missing = json.loads(json.dumps(EN))
    del missing["config"]["error"]
    assert validate.check_translations(EN, missing) == [
        "translations: de.json lacks config.error.cannot_connect"
    ]
    extra = _with(EN, "config.error.unknown", "Unbekannt")
    assert validate.check_translations(EN, extra) == [
        "translations: de.json has config.error.unknown, en.json does not"
    ]
    other = _with(EN, "issues.stale.description", "Erneuere {titel}.")
    assert validate.check_translations(EN, other) == [
        "translations: placeholders differ in issues.stale.description"
    ]
    reordered = _with(EN, "exceptions.failed.message", "{error} ist fehlgeschlagen")
    assert validate.check_translations(EN, reordered) == []


def test_translation_references_are_refused(validate: ModuleType) -> None:
    reference = _with(EN, "config.abort.done", "[%key:common::config_flow::abort%]")
    problems = validate.check_translations(reference, reference)
    assert len(problems) == 2
    assert all("holds a reference" in p for p in problems)


def test_helper_user_step_needs_a_description(validate: ModuleType) -> None:
    assert validate.check_translations(EN, EN, "hub") == []
    problems = validate.check_translations(EN, EN, "helper")
    assert any("Step user needs a description" in p for p in problems)


# --- services.yaml -----------------------------------------------------------------

SERVICE_STRINGS = {
    "services": {
        "ping": {
            "name": "Ping",
            "description": "Pings.",
            "fields": {"target": {"name": "Target", "description": "Whom."}},
            "sections": {"advanced": {"name": "Advanced"}},
        }
    },
    "selector": {"mode": {"options": {"a": "A"}}},
}


def _services(tmp_path: Path, yaml: str) -> Path:
    (tmp_path / "services.yaml").write_text(yaml)
    return tmp_path


PING = """
ping:
  fields:
    target:
      required: true
      selector:
        select:
          options: [a]
          translation_key: mode
    advanced:
      collapsed: true
      fields:
        note:
          name: Note
          description: Anything.
          selector:
            text:
"""


def test_services_pass(validate: ModuleType, tmp_path: Path) -> None:
    assert validate.check_services(_services(tmp_path, PING), SERVICE_STRINGS) == []
    en = _json(INTEGRATION / "translations/en.json")
    assert validate.check_services(INTEGRATION, en) == []
    assert validate.check_services(tmp_path / "nothing", {}) == []


def test_services_need_names_and_descriptions(
    validate: ModuleType, tmp_path: Path
) -> None:
    problems = validate.check_services(_services(tmp_path, PING), {})
    missing = "is in neither services.yaml nor en.json"
    assert problems == [
        f"services: ping name {missing}",
        f"services: ping description {missing}",
        f"services: ping field target name {missing}",
        f"services: ping field target description {missing}",
        "services: ping field target selector translation key mode is not in en.json",
        f"services: ping section advanced name {missing}",
    ]
    no_selector = {**SERVICE_STRINGS, "selector": {}}
    assert validate.check_services(tmp_path, no_selector) == [
        "services: ping field target selector translation key mode is not in en.json"
    ]


@pytest.mark.parametrize(
    ("yaml", "problem"),
    [
        ("ping:\n  fields:\n    target:\n      selector:\n        nope:\n", "Unknown"),
        ("ping:\n  fields:\n    target:\n      example:\n", "Value cannot be None"),
        ("ping:\n  bogus: 1\n", "not a valid option"),
        ("Ping Me:\n", "services.yaml: Ping Me"),
        ("ping: [\n", "services: invalid services.yaml"),
        (
            "ping:\n  fields:\n    a:\n      fields:\n        b: {}\n"
            "    c:\n      fields:\n        b: {}\n",
            "Duplicate use of field b",
        ),
    ],
)
def test_services_schema(
    validate: ModuleType, tmp_path: Path, yaml: str, problem: str
) -> None:
    problems = validate.check_services(_services(tmp_path, yaml), SERVICE_STRINGS)
    assert any(problem in p for p in problems), problems


def test_registered_actions_need_services_yaml(
    validate: ModuleType, tmp_path: Path
) -> None:
    (tmp_path / "__init__.py").write_text("hass.services.async_register(DOMAIN, x)\n")
    assert validate.check_services(tmp_path, {}) == [
        "services: registers actions but has no services.yaml"
    ]


# --- icons.json ----------------------------------------------------------------------


def test_icons_pass(validate: ModuleType) -> None:
    assert validate.check_icons(_json(INTEGRATION / "icons.json")) == []
    component = {"entity_component": {"_": {"default": "mdi:fan"}}}
    assert validate.check_icons(component, "entity") == []


@pytest.mark.parametrize(
    ("icons", "integration_type", "problem"),
    [
        ({"services": {"ping": {"service": "fan"}}}, "hub", "start with `mdi:`"),
        ({"services": {"ping": "mdi:fan"}}, "hub", "services.ping: expected a"),
        ({"entity": {"sensor": {"Mode": {}}}}, "hub", "Invalid translation key"),
        ({"entity": {"sensor": {"m": {"x": "mdi:a"}}}}, "hub", "not a valid option"),
        ({"bogus": {}}, "hub", "bogus: not a valid option"),
        ({"entity_component": {}}, "hub", "entity_component: not a valid option"),
        ({}, "entity", "entity_component: required key not provided"),
        (
            {"entity_component": {"x": {"default": "mdi:a"}}},
            "entity",
            "needs to have a default icon",
        ),
        (
            {
                "entity": {
                    "sensor": {
                        "m": {
                            "state_attributes": {
                                "a": {"default": "mdi:a", "state": {"x": "mdi:a"}}
                            }
                        }
                    }
                }
            },
            "hub",
            "same as the default icon",
        ),
    ],
)
def test_icons_rules(
    validate: ModuleType, icons: dict[str, Any], integration_type: str, problem: str
) -> None:
    problems = validate.check_icons(icons, integration_type)
    assert any(problem in p for p in problems), problems


# --- brand images ------------------------------------------------------------------


def _png(width: int, height: int, variant: int = 0) -> bytes:
    """The start of a PNG (signature and IHDR), enough for png_size."""
    ihdr = width.to_bytes(4, "big") + height.to_bytes(4, "big") + bytes([8, 6, 0, 0, 0])
    return (
        b"\x89PNG\r\n\x1a\n"
        + (13).to_bytes(4, "big")
        + b"IHDR"
        + ihdr
        + bytes([variant])
    )


def _brand(tmp_path: Path, images: dict[str, bytes]) -> Path:
    brand = tmp_path / "brand"
    brand.mkdir()
    for name, data in images.items():
        (brand / name).write_bytes(data)
    return brand


def test_brand_images_pass(validate: ModuleType, tmp_path: Path) -> None:
    assert validate.check_brand() == []
    assert validate.png_size(INTEGRATION / "brand/icon@2x.png") == (512, 512)
    # icon.png alone is enough; a dark logo falls back to the light icon.
    brand = _brand(
        tmp_path, {"icon.png": _png(256, 256), "dark_logo.png": _png(512, 128)}
    )
    assert validate.check_brand(brand) == []


def test_brand_images_rules(validate: ModuleType, tmp_path: Path) -> None:
    assert validate.check_brand(tmp_path / "nothing") == ["brand: icon.png missing"]
    brand = _brand(
        tmp_path,
        {
            "icon@2x.png": _png(512, 500),
            "logo.png": _png(1000, 100),
            "dark_logo.png": _png(1000, 100),
            "logo@2x.png": b"not a png",
            "icon.svg": b"<svg/>",
        },
    )
    assert validate.check_brand(brand) == [
        "brand: icon.png missing",
        "brand: dark_logo.png is 1000x100, must be shortest side 128..256",
        "brand: dark_logo.png is identical to logo.png, remove it",
        "brand: icon.svg is not an image name Home Assistant serves",
        "brand: icon@2x.png is 512x500, must be 512x512",
        "brand: icon@2x.png without its normal image",
        "brand: logo.png is 1000x100, must be shortest side 128..256",
        "brand: logo@2x.png is not a PNG",
    ]


def test_brand_images_without_copies(validate: ModuleType, tmp_path: Path) -> None:
    icon = _png(256, 256)
    brand = _brand(tmp_path, {"icon.png": icon, "logo.png": icon})
    assert validate.check_brand(brand) == [
        "brand: logo.png is identical to icon.png, remove it"
    ]


# --- repository files ------------------------------------------------------------------

MIT = "MIT License\n\nPermission is hereby granted, free of charge, to any person"


@pytest.mark.parametrize("info", ["README.md", "readme", "info.md", "INFO"])
def test_files_pass(validate: ModuleType, tmp_path: Path, info: str) -> None:
    assert validate.check_files() == []
    (tmp_path / info).write_text("# Demo\n")
    (tmp_path / "LICENSE.md").write_text(MIT)
    assert validate.check_files(tmp_path) == []


def test_files_rules(validate: ModuleType, tmp_path: Path) -> None:
    assert validate.check_files(tmp_path) == [
        "files: the repository has no README or info file",
        "files: the repository has no license",
    ]
    (tmp_path / "README.md").write_text("# Demo\n")
    (tmp_path / "LICENSE").write_text("All rights reserved.\n")
    assert validate.check_files(tmp_path) == [
        "files: the license is no recognized open source license"
    ]
