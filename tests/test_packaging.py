"""manifest.json, hacs.json and translations follow hassfest's and HACS's rules."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
import sys
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parent.parent


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


def _manifest() -> dict:
    return json.loads(
        (ROOT / "custom_components/bosch_connect/manifest.json").read_text()
    )


def test_repository_passes(validate: ModuleType) -> None:
    assert validate.main() == 0


def test_manifest_is_complete(validate: ModuleType) -> None:
    manifest = _manifest()
    assert validate.check_manifest(manifest) == []
    assert manifest["zeroconf"] == ["_gateway-tt-local-api._tcp.local."]


def test_manifest_rules_catch_mistakes(validate: ModuleType) -> None:
    manifest = _manifest()
    unsorted = {
        "name": manifest["name"],
        **{k: v for k, v in manifest.items() if k != "name"},
    }
    assert any("sorted" in p for p in validate.check_manifest(unsorted))
    missing = {k: v for k, v in manifest.items() if k != "version"}
    assert "manifest: missing key 'version'" in validate.check_manifest(missing)
    bad = {**manifest, "iot_class": "cloudy", "zeroconf": ["_x._tcp"]}
    problems = validate.check_manifest(bad)
    assert "manifest: invalid iot_class" in problems
    assert any("zeroconf" in p for p in problems)


def test_hacs_rules(validate: ModuleType) -> None:
    manifest = _manifest()
    hacs = json.loads((ROOT / "hacs.json").read_text())
    assert validate.check_hacs(hacs, manifest) == []
    assert validate.check_hacs({"homeassistant": "2024.1.0", "bogus": 1}, manifest)


def test_translation_rules(validate: ModuleType) -> None:
    en = {"a": {"b": "Hello {name}"}, "c": "x"}
    assert validate.check_translations(en, {"a": {"b": "Hallo {name}"}, "c": "y"}) == []
    problems = validate.check_translations(en, {"a": {"b": "Hallo {nom}"}})
    assert "translations: de.json lacks c" in problems
    assert "translations: placeholders differ in a.b" in problems


def test_brand_images(validate: ModuleType, tmp_path: Path) -> None:
    assert validate.check_brand() == []
    assert validate.png_size(
        ROOT / "custom_components/bosch_connect/brand/icon@2x.png"
    ) == (512, 512)
    assert validate.check_brand(tmp_path / "nothing") == [
        "brand: folder nothing/ missing"
    ]
    brand = tmp_path / "brand"
    brand.mkdir()
    source = ROOT / "custom_components/bosch_connect/brand"
    (brand / "icon.png").write_bytes((source / "icon@2x.png").read_bytes())
    (brand / "dark_logo.png").write_bytes((source / "logo.png").read_bytes())
    (brand / "logo.png").write_text("not a png")
    (brand / "extra.png").write_bytes(b"")
    problems = validate.check_brand(brand)
    assert "brand: missing icon@2x.png" in problems
    assert "brand: missing logo@2x.png" in problems
    assert "brand: logo.png is not a PNG" in problems
    assert "brand: unexpected file extra.png" in problems
    assert any(p.startswith("brand: icon.png shortest side") for p in problems)
    assert "brand: dark_logo.png without logo.png" not in problems
    (brand / "logo.png").unlink()
    assert "brand: dark_logo.png without logo.png" in validate.check_brand(brand)


def test_files_and_license(validate: ModuleType, tmp_path: Path) -> None:
    assert validate.check_files() == []
    (tmp_path / "README.md").write_text("# x\n")
    (tmp_path / "info.md").write_text("   \n")
    (tmp_path / "LICENSE").write_text("MIT License\n")
    problems = validate.check_files(tmp_path)
    assert "missing info.md" in problems
    assert "missing hacs.json" in problems
    assert "missing README.md" not in problems
    assert any(p.startswith("LICENSE:") for p in problems)


def test_services_rule(validate: ModuleType) -> None:
    services = {"ping": {"fields": {"target": {"required": True}}}}
    good = {
        "services": {
            "ping": {
                "name": "Ping",
                "description": "Pings.",
                "fields": {"target": {"name": "Target", "description": "Whom."}},
            }
        }
    }
    assert validate.check_services(services, good) == []
    bad = {"services": {"ping": {"name": "Ping"}, "gone": {"name": "Gone"}}}
    problems = validate.check_services(services, bad)
    assert "services: ping has no translated description" in problems
    assert "services: field ping.target has no translated name" in problems
    assert "services: translations for unknown action gone" in problems


def test_translation_references_are_refused(validate: ModuleType) -> None:
    reference = {"abort": {"done": "[%key:common::config_flow::abort::done%]"}}
    problems = validate.check_translations(reference, reference)
    assert len(problems) == 2
    assert all("reference" in p for p in problems)
