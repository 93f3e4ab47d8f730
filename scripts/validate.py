#!/usr/bin/env python3
"""Checks of HACS's action and of hassfest that apply to a custom integration.

Run by scripts/test (and importable by tests). Exit code 1 lists every problem.
"""

from __future__ import annotations

import json
from pathlib import Path
import re
import sys
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
INTEGRATION = ROOT / "custom_components" / "bosch_connect"

MANIFEST_REQUIRED = {
    "domain",
    "name",
    "codeowners",
    "config_flow",
    "dependencies",
    "documentation",
    "integration_type",
    "iot_class",
    "issue_tracker",
    "loggers",
    "requirements",
    "version",
}
MANIFEST_ALLOWED = MANIFEST_REQUIRED | {
    "after_dependencies",
    "bluetooth",
    "dhcp",
    "homekit",
    "mqtt",
    "single_config_entry",
    "ssdp",
    "usb",
    "zeroconf",
}
IOT_CLASSES = {
    "assumed_state",
    "calculated",
    "cloud_polling",
    "cloud_push",
    "local_polling",
    "local_push",
}
INTEGRATION_TYPES = {
    "device",
    "entity",
    "hardware",
    "helper",
    "hub",
    "service",
    "system",
    "virtual",
}
HACS_ALLOWED = {
    "name",
    "content_in_root",
    "zip_release",
    "filename",
    "hide_default_branch",
    "country",
    "homeassistant",
    "persistent_directory",
    "render_readme",
    "hacs",
}
VERSION = re.compile(r"^\d+\.\d+(\.\d+)?([ab.-]\w+)?$")


def check_manifest(manifest: dict[str, Any]) -> list[str]:
    """Problems hassfest would report in a custom integration's manifest."""
    problems = [
        f"manifest: missing key '{k}'"
        for k in sorted(MANIFEST_REQUIRED - manifest.keys())
    ]
    problems += [
        f"manifest: unknown key '{k}'"
        for k in sorted(manifest.keys() - MANIFEST_ALLOWED)
    ]
    keys = list(manifest)
    wanted = ["domain", "name", *sorted(k for k in keys if k not in ("domain", "name"))]
    if keys != wanted:
        problems.append(f"manifest: keys must be domain, name, then sorted: {wanted}")
    if manifest.get("iot_class") not in IOT_CLASSES:
        problems.append("manifest: invalid iot_class")
    if manifest.get("integration_type") not in INTEGRATION_TYPES:
        problems.append("manifest: invalid integration_type")
    if not VERSION.match(str(manifest.get("version", ""))):
        problems.append("manifest: version must be a valid version string")
    for key in ("documentation", "issue_tracker"):
        if not str(manifest.get(key, "")).startswith("https://"):
            problems.append(f"manifest: {key} must be an https URL")
    for owner in manifest.get("codeowners", []):
        if not str(owner).startswith("@"):
            problems.append(f"manifest: codeowner {owner!r} must start with @")
    for entry in manifest.get("zeroconf", []):
        service_type = entry if isinstance(entry, str) else entry.get("type", "")
        if not service_type.endswith(".local."):
            problems.append(
                f"manifest: zeroconf type {service_type!r} must end with .local."
            )
    if manifest.get("config_flow") and not (INTEGRATION / "config_flow.py").exists():
        problems.append("manifest: config_flow is true but config_flow.py is missing")
    return problems


def check_hacs(hacs: dict[str, Any], manifest: dict[str, Any]) -> list[str]:
    """Problems HACS's action would report in hacs.json."""
    problems = [
        f"hacs.json: unknown key '{k}'" for k in sorted(hacs.keys() - HACS_ALLOWED)
    ]
    if not hacs.get("name"):
        problems.append("hacs.json: 'name' is required")
    if hacs.get("homeassistant") != "2025.4.0":
        problems.append(
            "hacs.json: 'homeassistant' must be the minimum version 2025.4.0"
        )
    if hacs.get("name") != manifest.get("name"):
        problems.append("hacs.json: name differs from the manifest's name")
    return problems


def flatten(data: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Dotted keys of a nested translation file."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(value, dict):
            out |= flatten(value, f"{prefix}{key}.")
        else:
            out[f"{prefix}{key}"] = value
    return out


def check_translations(en: dict[str, Any], de: dict[str, Any]) -> list[str]:
    """Both languages hold the same keys, with the same placeholders."""
    flat_en, flat_de = flatten(en), flatten(de)
    problems = [
        f"translations: de.json lacks {k}"
        for k in sorted(flat_en.keys() - flat_de.keys())
    ]
    problems += [
        f"translations: de.json has extra {k}"
        for k in sorted(flat_de.keys() - flat_en.keys())
    ]
    problems += [
        f"translations: {lang}.json {key} holds a reference ({value}); Home Assistant "
        "resolves [%key:...] only for core integrations, write the text"
        for lang, flat in (("en", flat_en), ("de", flat_de))
        for key, value in sorted(flat.items())
        if "[%key:" in str(value)
    ]
    placeholder = re.compile(r"\{(\w+)\}")
    for key in sorted(flat_en.keys() & flat_de.keys()):
        if set(placeholder.findall(str(flat_en[key]))) != set(
            placeholder.findall(str(flat_de[key]))
        ):
            problems.append(f"translations: placeholders differ in {key}")
    return problems


def check_files(root: Path = ROOT) -> list[str]:
    """Files HACS and the README rules expect, not empty."""
    problems = [
        f"missing {name}"
        for name in ("README.md", "info.md", "LICENSE", "hacs.json")
        if not (root / name).is_file() or not (root / name).read_text().strip()
    ]
    license_file = root / "LICENSE"
    if license_file.is_file() and "Apache License" not in license_file.read_text():
        problems.append("LICENSE: not the Apache-2.0 text that pyproject.toml names")
    return problems


def check_services(services: dict[str, Any], en: dict[str, Any]) -> list[str]:
    """hassfest's services rule: every action and field has a name and description."""
    problems = []
    translated = en.get("services", {})
    for service, spec in (services or {}).items():
        strings = translated.get(service, {})
        problems += [
            f"services: {service} has no translated {key}"
            for key in ("name", "description")
            if not strings.get(key)
        ]
        for field in (spec or {}).get("fields", {}) or {}:
            field_strings = strings.get("fields", {}).get(field, {})
            problems += [
                f"services: field {service}.{field} has no translated {key}"
                for key in ("name", "description")
                if not field_strings.get(key)
            ]
    problems += [
        f"services: translations for unknown action {service}"
        for service in sorted(translated.keys() - (services or {}).keys())
    ]
    return problems


PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_size(path: Path) -> tuple[int, int] | None:
    """Width and height from a PNG's IHDR chunk; None if it is no PNG."""
    head = path.read_bytes()[:24]
    if len(head) < 24 or not head.startswith(PNG_SIGNATURE) or head[12:16] != b"IHDR":
        return None
    return int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")


def check_brand(brand: Path = INTEGRATION / "brand") -> list[str]:
    """The brand images Home Assistant's brands rules ask for.

    icon.png 256x256 and icon@2x.png 512x512 (square); logo.png with its
    shortest side 128..256 and logo@2x.png 256..512; every ``dark_`` variant
    present follows the same rules and has a light counterpart.
    """
    if not brand.is_dir():
        return [f"brand: folder {brand.name}/ missing"]
    problems = [
        f"brand: missing {name}"
        for name in ("icon.png", "icon@2x.png", "logo.png", "logo@2x.png")
        if not (brand / name).is_file()
    ]
    rules: dict[str, tuple[int, int, bool]] = {
        "icon.png": (256, 256, True),
        "icon@2x.png": (512, 512, True),
        "logo.png": (128, 256, False),
        "logo@2x.png": (256, 512, False),
    }
    for path in sorted(brand.iterdir()):
        name = path.name.removeprefix("dark_")
        if name not in rules:
            problems.append(f"brand: unexpected file {path.name}")
            continue
        if path.name.startswith("dark_") and not (brand / name).is_file():
            problems.append(f"brand: {path.name} without {name}")
        size = png_size(path)
        if size is None:
            problems.append(f"brand: {path.name} is not a PNG")
            continue
        low, high, square = rules[name]
        width, height = size
        if square and width != height:
            problems.append(f"brand: {path.name} must be square, is {width}x{height}")
        if not low <= min(width, height) <= high:
            problems.append(
                f"brand: {path.name} shortest side must be {low}..{high}, is {width}x{height}"
            )
    return problems


def _services_yaml() -> dict[str, Any]:
    path = INTEGRATION / "services.yaml"
    if not path.is_file():
        return {}
    import yaml  # noqa: PLC0415 (PyYAML comes with Home Assistant)

    data = yaml.safe_load(path.read_text())
    return data if isinstance(data, dict) else {}


def main() -> int:
    """Run every check; print problems."""
    manifest = json.loads((INTEGRATION / "manifest.json").read_text())
    hacs = json.loads((ROOT / "hacs.json").read_text())
    en = json.loads((INTEGRATION / "translations" / "en.json").read_text())
    de = json.loads((INTEGRATION / "translations" / "de.json").read_text())
    problems = (
        check_manifest(manifest)
        + check_hacs(hacs, manifest)
        + check_translations(en, de)
        + check_files()
        + check_brand()
        + check_services(_services_yaml(), en)
    )
    for problem in problems:
        print(problem)
    if not problems:
        print(
            "validate: manifest, hacs.json, translations, services, files and brand are fine"
        )
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
