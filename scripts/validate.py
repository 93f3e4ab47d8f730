#!/usr/bin/env python3
"""hassfest's and HACS's checks that apply to this custom integration, offline.

Run by scripts/test as ``python scripts/validate.py`` and importable by the
tests: exit code 1 and one line for every problem found. Each rule mirrors an
upstream check, named below and beside the rule; a rule that neither upstream
has does not belong here.

check_manifest      hassfest manifest.py (CUSTOM_INTEGRATION_MANIFEST_SCHEMA,
                    domain = folder name, iot_class present, key order),
                    codeowners.py (GitHub handles), config_flow.py
                    (config_flow.py exists); HACS integration_manifest
                    (issue_tracker and version are required).
check_translations  hassfest translations.py (gen_strings_schema: sections,
                    keys, no HTML-like tags, placeholders, no URLs), which
                    hassfest runs on translations/en.json and this script on
                    de.json too; Home Assistant helpers/translation.py (a
                    localized string whose placeholders differ from English's
                    is dropped; [%key:...%] references are resolved for core
                    integrations only); de.json holds the keys of en.json.
check_services      hassfest services.py (CUSTOM_INTEGRATION_SERVICES_SCHEMA
                    with Home Assistant's selectors; names and descriptions
                    from en.json).
check_icons         hassfest icons.py (sections, translation keys, mdi: icons).
check_brand         HACS brands.py (brand/icon.png); Home Assistant's brands
                    integration (ALLOWED_IMAGES) and home-assistant/brands'
                    image validation (PNG, sizes, hDPI beside its normal
                    image, no identical copies).
check_hacs          HACS hacsjson.py (HACS_MANIFEST_JSON_SCHEMA, zip_release).
check_files         HACS information.py (a README or info file) and
                    license.py (a recognised open source license).

HACS's checks of the GitHub repository itself (description, topics, issues,
archived) need GitHub and are not run here.
"""

from __future__ import annotations

from collections.abc import Callable
import json
from pathlib import Path
import re
import string
import sys
from typing import Any

from awesomeversion import (
    AwesomeVersion,
    AwesomeVersionException,
    AwesomeVersionStrategy,
)
from homeassistant.exceptions import HomeAssistantError
from homeassistant.generated.countries import COUNTRIES
from homeassistant.helpers import config_validation as cv, selector, service
from homeassistant.util.yaml import load_yaml_dict
import probatio
from probatio import ALLOW_EXTRA, All, Exclusive, Optional, Required

ROOT = Path(__file__).resolve().parent.parent
INTEGRATION = ROOT / "custom_components" / "bosch_connect"

Validator = Callable[[Any], Any]


def schema_problems(label: str, schema: Validator, data: Any) -> list[str]:
    """Every error a schema finds in data, as 'label: path: message'."""
    errors: list[probatio.Invalid]
    try:
        schema(data)
    except probatio.MultipleInvalid as err:
        errors = err.errors
    except probatio.Invalid as err:
        errors = [err]
    else:
        return []
    return [
        f"{label}: {'.'.join(map(str, error.path)) or '(top level)'}: {error.msg}"
        for error in errors
    ]


def keyed(value_schema: Any, key: Validator | None = None) -> Validator:
    """A mapping whose keys are translation keys (or what key accepts)."""
    return cv.schema_with_slug_keys(value_schema, slug_validator=key or translation_key)


# --- Versions --------------------------------------------------------------

VERSION_STRATEGIES = [
    AwesomeVersionStrategy.CALVER,
    AwesomeVersionStrategy.SEMVER,
    AwesomeVersionStrategy.SIMPLEVER,
    AwesomeVersionStrategy.BUILDVER,
    AwesomeVersionStrategy.PEP440,
]


def version(value: Any) -> str:
    """A version string AwesomeVersion recognises.

    Mirrors hassfest manifest.py verify_version (manifest 'version'); HACS
    reads manifest 'version' and hacs.json 'homeassistant' and 'hacs' as an
    AwesomeVersion too (a minimum version, never a pinned one).
    """
    if not isinstance(value, str):
        raise probatio.Invalid("expected a version string")
    try:
        AwesomeVersion(value, ensure_strategy=VERSION_STRATEGIES)
    except AwesomeVersionException as err:
        raise probatio.Invalid(f"'{value}' is not a valid version") from err
    return value


# --- Manifest: hassfest manifest.py, codeowners.py, config_flow.py; HACS ----

IOT_CLASSES = [
    "assumed_state",
    "calculated",
    "cloud_polling",
    "cloud_push",
    "local_polling",
    "local_push",
]
# hassfest model.IntegrationType but "virtual" (which has a schema of its own).
INTEGRATION_TYPES = [
    "device",
    "entity",
    "hardware",
    "helper",
    "hub",
    "service",
    "system",
]
QUALITY_SCALES = [
    "bronze",
    "silver",
    "gold",
    "platinum",
    "custom",
    "no_score",
    "internal",
    "legacy",
]
CORE_DOCUMENTATION = "https://www.home-assistant.io/integrations"


def _same_case(fold: Callable[[str], str], name: str) -> Validator:
    def check(value: Any) -> str:
        if not isinstance(value, str) or fold(value) != value:
            raise probatio.Invalid(f"Value needs to be {name}")
        return value

    return check


LOWERCASE = _same_case(str.lower, "lowercase")
UPPERCASE = _same_case(str.upper, "uppercase")


def wildcard(value: str) -> str:
    """hassfest verify_wildcard: a MAC matcher holds a wildcard."""
    if "*" not in value:
        raise probatio.Invalid(f"'{value}' needs to contain a wildcard matcher")
    return value


def custom_documentation_url(value: str) -> str:
    """hassfest custom_documentation_url: https, not core's documentation."""
    if not value.startswith("https://"):
        raise probatio.Invalid("Documentation url is not prefixed with https")
    if value.startswith(CORE_DOCUMENTATION):
        raise probatio.Invalid(
            "Documentation URL should point to the custom integration documentation"
        )
    return value


MAC = All(str, UPPERCASE, wildcard)
MANIFEST_SCHEMA = probatio.Schema(
    {
        Required("domain"): str,
        Required("name"): str,
        Optional("integration_type"): probatio.In(INTEGRATION_TYPES),
        Optional("config_flow"): bool,
        Optional("mqtt"): [str],
        Optional("zeroconf"): [
            probatio.Any(
                str,
                {
                    Required("type"): str,
                    Optional("macaddress"): MAC,
                    Optional("manufacturer"): LOWERCASE,
                    Optional("model"): LOWERCASE,
                    Optional("name"): LOWERCASE,
                    Optional("properties"): {str: LOWERCASE},
                },
            )
        ],
        Optional("ssdp"): [
            All(probatio.Schema({}, extra=ALLOW_EXTRA), probatio.Length(min=1))
        ],
        Optional("bluetooth"): [
            {
                Optional("connectable"): bool,
                Optional("service_uuid"): LOWERCASE,
                Optional("service_data_uuid"): LOWERCASE,
                Optional("local_name"): str,
                Optional("manufacturer_id"): int,
                Optional("manufacturer_data_start"): [int],
            }
        ],
        Optional("homekit"): {Optional("models"): [str]},
        Optional("dhcp"): [
            {
                Optional("macaddress"): MAC,
                Optional("hostname"): LOWERCASE,
                Optional("registered_devices"): cv.boolean,
            }
        ],
        Optional("usb"): [
            {
                Optional("vid"): UPPERCASE,
                Optional("pid"): UPPERCASE,
                Optional("serial_number"): LOWERCASE,
                Optional("manufacturer"): LOWERCASE,
                Optional("description"): LOWERCASE,
                Optional("known_devices"): [str],
            }
        ],
        Required("documentation"): All(probatio.Url(), custom_documentation_url),
        Optional("quality_scale"): probatio.In(QUALITY_SCALES),
        Optional("requirements"): [str],
        Optional("dependencies"): [str],
        Optional("after_dependencies"): [str],
        Required("codeowners"): [str],
        Optional("loggers"): [str],
        Optional("disabled"): str,
        Optional("iot_class"): probatio.In(IOT_CLASSES),
        Optional("single_config_entry"): bool,
        Optional("preview_features"): {
            cv.slug: {
                Optional("feedback_url"): probatio.Url(),
                Optional("learn_more_url"): probatio.Url(),
                Optional("report_issue_url"): probatio.Url(),
            }
        },
        Optional("import_executor"): bool,
        # Optional for hassfest's schema (which then requires version on its
        # own); HACS's INTEGRATION_MANIFEST_JSON_SCHEMA requires both.
        Required("issue_tracker"): probatio.Url(),
        Required("version"): version,
    }
)


def _manifest_key(key: str) -> str:
    return {"domain": ".domain", "name": ".name"}.get(key, key)


def check_manifest(
    manifest: dict[str, Any], integration: Path = INTEGRATION
) -> list[str]:
    """Problems hassfest and HACS report in a custom integration's manifest."""
    problems = schema_problems("manifest", MANIFEST_SCHEMA, manifest)
    # hassfest manifest.py
    if manifest.get("domain") != integration.name:
        problems.append("manifest: domain does not match the folder name")
    if "iot_class" not in manifest:
        problems.append("manifest: domain is missing an iot_class")
    if list(manifest) != sorted(manifest, key=_manifest_key):
        problems.append("manifest: keys must be domain, name, then alphabetical")
    # hassfest codeowners.py
    owners = manifest.get("codeowners")
    problems += [
        f"manifest: code owner {owner!r} is not a GitHub handle (@...)"
        for owner in (owners if isinstance(owners, list) else [])
        if not str(owner).startswith("@")
    ]
    # hassfest config_flow.py
    if manifest.get("config_flow") and not (integration / "config_flow.py").is_file():
        problems.append("manifest: config flows need to be defined in config_flow.py")
    return problems


# --- hacs.json: HACS hacsjson.py --------------------------------------------


def countries(value: Any) -> list[str]:
    """HACS _country_validator: ISO 3166 country codes, one or a list."""
    codes = [value] if isinstance(value, str) else value
    if not isinstance(codes, list) or not all(isinstance(c, str) for c in codes):
        raise probatio.Invalid(f"Value '{value}' is not a string or list.")
    if unknown := [c for c in codes if c.upper() not in COUNTRIES]:
        raise probatio.Invalid(f"{unknown} are not ISO 3166 country codes")
    return codes


def zip_release_has_filename(hacs: dict[str, Any]) -> dict[str, Any]:
    """HACS hacsjson.py: zip_release needs filename."""
    if hacs.get("zip_release") and not hacs.get("filename"):
        raise probatio.Invalid("zip_release is True, but filename is not set")
    return hacs


HACS_SCHEMA = All(
    probatio.Schema(
        {
            Optional("content_in_root"): bool,
            Optional("country"): countries,
            Optional("filename"): str,
            Optional("hacs"): version,
            Optional("hide_default_branch"): bool,
            Optional("homeassistant"): version,
            Optional("persistent_directory"): str,
            Optional("render_readme"): bool,
            Optional("zip_release"): bool,
            Required("name"): str,
        }
    ),
    zip_release_has_filename,
)


def check_hacs(hacs: dict[str, Any]) -> list[str]:
    """Problems HACS's action reports in hacs.json."""
    return schema_problems("hacs.json", HACS_SCHEMA, hacs)


# --- Translations: hassfest translations.py ---------------------------------

RE_TRANSLATION_KEY = re.compile(r"^(?!.+[_-]{2})(?![_-])[a-z0-9-_]+(?<![_-])$")
RE_COMBINED_REFERENCE = re.compile(r"(.+\[%)|(%\].+)")
RE_PLACEHOLDER_IN_SINGLE_QUOTES = re.compile(r"'{\w+}'")
RE_URL = re.compile(
    r"(((ftp|ftps|scp|http|https|mqtt|mqtts|socket|socks5):\/\/|www\.)"
    r"[a-z0-9]+([\-\.]{1}[a-z0-9]+)*\.[a-z]{2,5}(:[0-9]{1,5})?(\/.*)?)",
    re.IGNORECASE,
)
RE_REFERENCE = re.compile(r"\[%key:.+%\]")


def placeholders(text: str) -> set[str]:
    """The {placeholder} names in a string, parsed as Home Assistant parses them."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def translation_key(value: Any) -> str:
    """hassfest translation_key_validator."""
    if not isinstance(value, str) or not RE_TRANSLATION_KEY.match(value):
        raise probatio.Invalid(
            f"Invalid translation key '{value}', need to be [a-z0-9-_]+ and"
            " cannot start or end with a hyphen or underscore."
        )
    return value


def translation_value(*, allow_placeholders: bool = True) -> Validator:
    """hassfest validate_translation_value."""

    def check(value: Any) -> str:
        text = cv.string_with_no_html(value)  # "<keyId>" counts as HTML
        if RE_PLACEHOLDER_IN_SINGLE_QUOTES.search(text):
            raise probatio.Invalid(
                "the string should not contain placeholders inside single quotes"
            )
        try:
            names = placeholders(text)
        except ValueError as err:
            raise probatio.Invalid(f"the string has unbalanced braces: {err}") from err
        if names and not allow_placeholders:
            raise probatio.Invalid("placeholders are not supported in this value")
        if not all(name.isidentifier() for name in names):
            raise probatio.Invalid(
                "placeholders must be valid identifiers ([a-zA-Z_][a-zA-Z0-9_]*)"
            )
        if RE_COMBINED_REFERENCE.search(text):
            raise probatio.Invalid(
                "the string should not contain combined translations"
            )
        if text != text.strip():
            raise probatio.Invalid(
                "the string should not contain leading or trailing spaces"
            )
        if RE_URL.search(text):
            raise probatio.Invalid(
                "the string should not contain URLs, "
                "please use description placeholders instead"
            )
        return text

    return check


TEXT = translation_value()
STATE = translation_value(allow_placeholders=False)
TEXTS = {str: TEXT}


def data_descriptions_in_data(flow: dict[str, Any]) -> dict[str, Any]:
    """hassfest data_description_validator."""
    for step in flow["step"].values():
        for key in step.get("data_description", {}):
            if key not in step.get("data", {}):
                raise probatio.Invalid(f"data_description key {key} is not in data")
    return flow


def step_has_description(step_id: str) -> Validator:
    """hassfest validate_description_set (a helper's user step)."""

    def check(flow: dict[str, Any]) -> dict[str, Any]:
        if "description" not in flow["step"].get(step_id, {}):
            raise probatio.Invalid(f"Step {step_id} needs a description")
        return flow

    return check


def data_entry_schema(
    *, title: bool = False, subentry: bool = False, described_step: str | None = None
) -> Validator:
    """hassfest gen_data_entry_schema; title: the config flow's (a warning only)."""
    schema: dict[Any, Any] = {
        Optional("flow_title"): TEXT,
        Required("step"): {
            str: {
                Optional("title"): TEXT,
                Optional("description"): TEXT,
                Optional("data"): TEXTS,
                Optional("data_description"): TEXTS,
                Optional("menu_options"): TEXTS,
                Optional("menu_option_descriptions"): TEXTS,
                Optional("submit"): TEXT,
                Optional("sections"): {
                    str: {
                        Optional("data"): TEXTS,
                        Optional("data_description"): TEXTS,
                        Optional("description"): TEXT,
                        Optional("name"): TEXT,
                    }
                },
            }
        },
        Optional("error"): TEXTS,
        Optional("abort"): TEXTS,
        Optional("progress"): TEXTS,
        Optional("create_entry"): TEXTS,
    }
    if subentry:
        schema[Required("entry_type")] = TEXT
        schema[Required("initiate_flow")] = {Required("user"): TEXT, str: TEXT}
    else:
        schema[Optional("initiate_flow")] = {Required("user"): TEXT}
    if title:
        schema[Optional("title")] = TEXT
    validators = [probatio.Schema(schema), data_descriptions_in_data]
    if described_step:
        validators.append(step_has_description(described_step))
    return All(*validators)


def strings_schema(integration_type: str = "hub") -> probatio.Schema:
    """hassfest gen_strings_schema for a custom integration."""
    field = {
        Required("name"): str,
        Required("description"): TEXT,
        Optional("example"): TEXT,
    }
    automation = {
        Required("name"): TEXT,
        Required("description"): TEXT,
        Optional("fields"): keyed(field),
    }
    slug_or_default = probatio.Any("_", cv.slug)
    return probatio.Schema(
        {
            Optional("title"): TEXT,
            Optional("config"): data_entry_schema(
                title=True,
                described_step="user" if integration_type == "helper" else None,
            ),
            Optional("config_subentries"): keyed(
                data_entry_schema(title=True, subentry=True), slug_or_default
            ),
            Optional("options"): data_entry_schema(),
            Optional("preview_features"): keyed(
                {
                    Required("name"): TEXT,
                    Required("description"): TEXT,
                    Optional("enable_confirmation"): TEXT,
                    Optional("disable_confirmation"): TEXT,
                }
            ),
            Optional("selector"): keyed(
                {
                    Optional("choices"): keyed(TEXT),
                    Optional("options"): keyed(TEXT),
                    Optional("unit_of_measurement"): keyed(TEXT),
                    Optional("fields"): probatio.Any(
                        keyed(str, cv.slug),
                        keyed({Required("name"): str, Required("description"): TEXT}),
                    ),
                },
                slug_or_default,
            ),
            Optional("device_automation"): {
                Optional(section): TEXTS
                for section in (
                    "action_type",
                    "condition_type",
                    "trigger_type",
                    "trigger_subtype",
                    "extra_fields",
                    "extra_fields_descriptions",
                )
            },
            Optional("system_health"): {Optional("info"): keyed(TEXT)},
            Optional("config_panel"): probatio.Schema(
                probatio.Any({probatio.Any(translation_key, "_"): probatio.Self}, TEXT)
            ),
            Optional("application_credentials"): {Optional("description"): TEXT},
            Optional("issues"): {
                str: All(
                    cv.has_at_least_one_key("description", "fix_flow"),
                    probatio.Schema(
                        {
                            Required("title"): TEXT,
                            Exclusive("description", "fixable"): TEXT,
                            Exclusive("fix_flow", "fixable"): data_entry_schema(),
                        }
                    ),
                )
            },
            Optional("entity_component"): keyed(
                {
                    Optional("name"): str,
                    Optional("state"): keyed(STATE),
                    Optional("state_attributes"): keyed(
                        {Optional("name"): str, Optional("state"): keyed(STATE)}
                    ),
                },
                slug_or_default,
            ),
            Optional("device"): keyed({Optional("name"): TEXT}),
            Optional("entity"): keyed(
                keyed(
                    {
                        Optional("name"): TEXT,
                        Optional("state"): keyed(STATE),
                        Optional("state_attributes"): keyed(
                            {Optional("name"): STATE, Optional("state"): keyed(STATE)}
                        ),
                        Optional("unit_of_measurement"): STATE,
                    }
                ),
                cv.slug,
            ),
            Optional("exceptions"): keyed({Optional("message"): TEXT}, cv.slug),
            Optional("services"): keyed(
                {
                    Required("name"): TEXT,
                    Required("description"): TEXT,
                    Optional("fields"): keyed(field),
                    Optional("sections"): keyed(
                        {Required("name"): str, Optional("description"): TEXT}
                    ),
                }
            ),
            Optional("conditions"): keyed(automation, cv.underscore_slug),
            Optional("triggers"): keyed(automation, cv.underscore_slug),
            Optional("conversation"): {Required("agent"): {Required("done"): TEXT}},
            Optional("common"): {cv.slug: TEXT},
        }
    )


def flatten(data: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Dotted keys of a nested translation file."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(value, dict):
            out |= flatten(value, f"{prefix}{key}.")
        else:
            out[f"{prefix}{key}"] = value
    return out


def check_translations(
    en: dict[str, Any], de: dict[str, Any], integration_type: str = "hub"
) -> list[str]:
    """Problems in translations/en.json and de.json.

    - hassfest translations.py: the strings schema, on both files.
    - Home Assistant helpers/translation.py (_validate_placeholders): a German
      string whose placeholders differ from the English one is dropped.
    - de.json has the keys of en.json: Home Assistant would show English for
      a missing one (the project ships both languages complete).
    - No [%key:...%] references: only core's translation build resolves them;
      Home Assistant shows them verbatim in a custom integration.
    """
    schema = strings_schema(integration_type)
    problems = [
        problem
        for lang, strings in (("en", en), ("de", de))
        for problem in schema_problems(f"translations: {lang}.json", schema, strings)
    ]
    flat_en, flat_de = flatten(en), flatten(de)
    problems += [
        f"translations: de.json lacks {key}"
        for key in sorted(flat_en.keys() - flat_de.keys())
    ]
    problems += [
        f"translations: de.json has {key}, en.json does not"
        for key in sorted(flat_de.keys() - flat_en.keys())
    ]
    problems += [
        f"translations: {lang}.json {key} holds a reference ({value}); write the text"
        for lang, flat in (("en", flat_en), ("de", flat_de))
        for key, value in sorted(flat.items())
        if RE_REFERENCE.search(str(value))
    ]
    for key in sorted(flat_en.keys() & flat_de.keys()):
        try:
            same = placeholders(str(flat_en[key])) == placeholders(str(flat_de[key]))
        except ValueError:
            continue  # unbalanced braces: the schema reports them
        if not same:
            problems.append(f"translations: placeholders differ in {key}")
    return problems


# --- services.yaml: hassfest services.py ------------------------------------


def exists(value: Any) -> Any:
    """hassfest exists: the value is not None."""
    if value is None:
        raise probatio.Invalid("Value cannot be None")
    return value


def unique_fields(fields: dict[str, Any]) -> dict[str, Any]:
    """hassfest unique_field_validator: no field twice across sections."""
    seen: set[str] = set()
    for key, value in fields.items():
        for name in value["fields"] if value and "fields" in value else [key]:
            if name in seen:
                raise probatio.Invalid(f"Duplicate use of field {name} in service.")
            seen.add(name)
    return fields


FIELD_SCHEMA = probatio.Schema(
    {
        Optional("example"): exists,
        Optional("default"): exists,
        Optional("required"): bool,
        Optional("advanced"): bool,
        Optional("selector"): selector.validate_selector,
        Optional("filter"): {
            Exclusive("attribute", "field_filter"): {
                Required(str): [All(str, service.validate_attribute_option)],
            },
            Exclusive("supported_features", "field_filter"): [
                All(str, service.validate_supported_feature)
            ],
        },
        Optional("description"): str,
        Optional("name"): str,
    }
)
SECTION_SCHEMA = probatio.Schema(
    {
        Optional("description"): str,
        Optional("name"): str,
        Optional("collapsed"): bool,
        Required("fields"): {str: FIELD_SCHEMA},
    }
)
SERVICES_SCHEMA = probatio.Schema(
    {
        cv.slug: probatio.Any(
            {
                Optional("description"): str,
                Optional("name"): str,
                Optional("target"): probatio.Any(
                    selector.TargetSelector.CONFIG_SCHEMA, None
                ),
                Optional("fields"): All(
                    {str: probatio.Any(FIELD_SCHEMA, SECTION_SCHEMA)}, unique_fields
                ),
            },
            None,
        )
    }
)
REGISTERS_SERVICES = re.compile(
    r"(hass\.services\.(register|async_register))"
    r"|async_register_entity_service|async_register_admin_service"
)


def has(data: Any, *keys: str) -> bool:
    """Whether data[keys[0]][keys[1]]... exists."""
    for key in keys:
        if not isinstance(data, dict) or key not in data:
            return False
        data = data[key]
    return True


def check_services(integration: Path, en: dict[str, Any]) -> list[str]:
    """Problems hassfest reports in services.yaml, with names from en.json."""
    path = integration / "services.yaml"
    if not path.is_file():
        registers = any(
            REGISTERS_SERVICES.search(source.read_text())
            for source in integration.glob("**/*.py")
        )
        return (
            ["services: registers actions but has no services.yaml"]
            if registers
            else []
        )
    try:
        services = load_yaml_dict(str(path))
    except HomeAssistantError as err:
        return [f"services: invalid services.yaml ({' '.join(str(err).split())})"]
    if problems := schema_problems("services.yaml", SERVICES_SCHEMA, services):
        return problems
    missing = "is in neither services.yaml nor en.json"
    for name, spec in services.items():
        if spec is None:
            continue
        problems += [
            f"services: {name} {key} {missing}"
            for key in ("name", "description")
            if key not in spec and not has(en, "services", name, key)
        ]
        for field, field_spec in (spec.get("fields") or {}).items():
            if "fields" in field_spec:  # a section
                if not has(en, "services", name, "sections", field, "name"):
                    problems.append(f"services: {name} section {field} name {missing}")
                continue
            problems += [
                f"services: {name} field {field} {key} {missing}"
                for key in ("name", "description")
                if key not in field_spec
                and not has(en, "services", name, "fields", field, key)
            ]
            options = (field_spec.get("selector") or {}).get("select") or {}
            if (key := options.get("translation_key")) and not has(en, "selector", key):
                problems.append(
                    f"services: {name} field {field} selector translation key"
                    f" {key} is not in en.json"
                )
    return problems


# --- icons.json: hassfest icons.py ------------------------------------------


def icon(value: Any) -> str:
    """hassfest icon_value_validator."""
    text = cv.string_with_no_html(value)
    if not text.startswith("mdi:"):
        raise probatio.Invalid(
            "The icon needs to be a valid icon from Material Design Icons"
            " and start with `mdi:`"
        )
    return text


def default_icon(icons: dict[str, Any]) -> dict[str, Any]:
    """hassfest require_default_icon_validator."""
    if "_" not in icons:
        raise probatio.Invalid(
            "An entity component needs to have a default icon defined with `_`"
        )
    return icons


def not_same_as_default(icons: dict[str, Any]) -> dict[str, Any]:
    """hassfest ensure_not_same_as_default."""
    for key, section in icons.items():
        default, states = section.get("default"), section.get("state") or {}
        for state, state_icon in states.items():
            if default and state_icon == default:
                raise probatio.Invalid(
                    f"The icon for state `{key}.{state}` is the same as the"
                    " default icon and thus can be removed"
                )
    return icons


def icons_schema(integration_type: str = "hub") -> probatio.Schema:
    """hassfest icon_schema (services, triggers and conditions as in core)."""
    states = keyed(icon)
    flow = {"step": {str: {"sections": {str: icon}}}}

    def entity_icons(marker: type[probatio.Marker]) -> dict[Any, Any]:
        return {
            marker("default"): icon,
            Optional("state"): states,
            Optional("state_attributes"): All(
                keyed({marker("default"): icon, marker("state"): states}),
                not_same_as_default,
            ),
        }

    schema: dict[Any, Any] = {
        Optional("config"): flow,
        Optional("issues"): {str: {"fix_flow": flow}},
        Optional("options"): flow,
        Optional("services"): keyed(
            {Optional("service"): icon, Optional("sections"): states}
        ),
        Optional("triggers"): keyed({Optional("trigger"): icon}, cv.underscore_slug),
        Optional("conditions"): keyed(
            {Optional("condition"): icon}, cv.underscore_slug
        ),
    }
    if integration_type in ("entity", "helper", "system"):
        marker = Required if integration_type == "entity" else Optional
        schema[marker("entity_component")] = All(
            keyed(entity_icons(Required), probatio.Any("_", cv.slug)),
            default_icon,
            not_same_as_default,
        )
    if integration_type not in ("entity", "system"):
        schema[Optional("entity")] = keyed(keyed(entity_icons(Optional)), cv.slug)
    return probatio.Schema(schema)


def check_icons(icons: dict[str, Any], integration_type: str = "hub") -> list[str]:
    """Problems hassfest reports in icons.json."""
    return schema_problems("icons.json", icons_schema(integration_type), icons)


# --- Brand images -----------------------------------------------------------

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# Home Assistant's brands integration serves these names only (ALLOWED_IMAGES);
# home-assistant/brands' validation: (shortest side min, max, square).
BRAND_IMAGES: dict[str, tuple[int, int, bool]] = {
    f"{dark}{name}": rule
    for dark in ("", "dark_")
    for name, rule in {
        "icon.png": (256, 256, True),
        "icon@2x.png": (512, 512, True),
        "logo.png": (128, 256, False),
        "logo@2x.png": (256, 512, False),
    }.items()
}


def png_size(path: Path) -> tuple[int, int] | None:
    """Width and height from a PNG's IHDR chunk; None if it is no PNG."""
    head = path.read_bytes()[:24]
    if len(head) < 24 or not head.startswith(PNG_SIGNATURE) or head[12:16] != b"IHDR":
        return None
    return int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")


def check_brand(brand: Path = INTEGRATION / "brand") -> list[str]:
    """Problems in the brand/ images that Home Assistant 2026.3+ serves.

    - HACS brands.py: passes when brand/icon.png exists (otherwise it asks
      brands.home-assistant.io, which this offline check does not).
    - Home Assistant's brands integration: no other names than ALLOWED_IMAGES.
    - home-assistant/brands' validation: PNG; icon 256x256, icon@2x 512x512;
      a logo's shortest side 128..256, logo@2x 256..512; an @2x image beside
      its normal one; no image identical to the one it would fall back to.
    """
    problems = [] if (brand / "icon.png").is_file() else ["brand: icon.png missing"]
    images = sorted(brand.iterdir()) if brand.is_dir() else []
    for path in images:
        if path.name not in BRAND_IMAGES:
            problems.append(
                f"brand: {path.name} is not an image name Home Assistant serves"
            )
            continue
        size = png_size(path)
        if size is None:
            problems.append(f"brand: {path.name} is not a PNG")
            continue
        low, high, square = BRAND_IMAGES[path.name]
        width, height = size
        if (square and width != height) or not low <= min(size) <= high:
            wanted = f"{low}x{low}" if square else f"shortest side {low}..{high}"
            problems.append(f"brand: {path.name} is {width}x{height}, must be {wanted}")
        if "@2x" in path.name and not (brand / path.name.replace("@2x", "")).is_file():
            problems.append(f"brand: {path.name} without its normal image")
        fallbacks = {
            path.name.replace("logo", "icon"),
            path.name.removeprefix("dark_"),
            path.name.replace("@2x", ""),
        } - {path.name}
        problems += [
            f"brand: {path.name} is identical to {other}, remove it"
            for other in sorted(fallbacks)
            if (brand / other).is_file()
            and (brand / other).read_bytes() == path.read_bytes()
        ]
    return problems


# --- Repository files: HACS information.py, license.py ----------------------

INFO_FILES = {"readme", "readme.md", "info", "info.md"}
# A phrase of each license text HACS recognises (license.py OPEN_SOURCE_LICENSES:
# agpl-3.0, apache-2.0, bsd-2/3-clause, bsl-1.0, cc0-1.0, epl-2.0, gpl-2.0/3.0,
# lgpl-2.1, mit, mpl-2.0, unlicense), as GitHub detects it from the file.
OPEN_SOURCE_LICENSES = (
    "GNU AFFERO GENERAL PUBLIC LICENSE",
    "Apache License",
    "Redistribution and use in source and binary forms",
    "Boost Software License",
    "CC0 1.0 Universal",
    "Eclipse Public License",
    "GNU GENERAL PUBLIC LICENSE",
    "GNU LESSER GENERAL PUBLIC LICENSE",
    "Permission is hereby granted, free of charge",
    "Mozilla Public License",
    "This is free and unencumbered software released into the public domain",
)


def check_files(root: Path = ROOT) -> list[str]:
    """Problems HACS's information and license checks report."""
    files = [path for path in root.iterdir() if path.is_file()]
    problems = []
    if not any(path.name.lower() in INFO_FILES for path in files):
        problems.append("files: the repository has no README or info file")
    licenses = [
        path.read_text(errors="replace")
        for path in files
        if path.name.lower().startswith(("license", "licence", "copying"))
    ]
    if not licenses:
        problems.append("files: the repository has no license")
    elif not any(
        phrase in text for text in licenses for phrase in OPEN_SOURCE_LICENSES
    ):
        problems.append("files: the license is no recognized open source license")
    return problems


# --- Command line -----------------------------------------------------------


def read_json(path: Path) -> tuple[dict[str, Any], list[str]]:
    """A JSON object from path, or the problem reading it."""
    name = path.relative_to(ROOT)
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        return {}, [f"{name}: missing"]
    except ValueError as err:
        return {}, [f"{name}: invalid JSON ({err})"]
    if not isinstance(data, dict):
        return {}, [f"{name}: not a JSON object"]
    return data, []


def main() -> int:
    """Run every check; print problems."""
    manifest, problems = read_json(INTEGRATION / "manifest.json")
    hacs, unreadable = read_json(ROOT / "hacs.json")
    en, unreadable_en = read_json(INTEGRATION / "translations" / "en.json")
    de, unreadable_de = read_json(INTEGRATION / "translations" / "de.json")
    problems += unreadable + unreadable_en + unreadable_de
    integration_type = str(manifest.get("integration_type", "hub"))
    problems += check_manifest(manifest) + check_hacs(hacs)
    problems += check_translations(en, de, integration_type)
    problems += check_services(INTEGRATION, en)
    if (INTEGRATION / "icons.json").is_file():
        icons, unreadable = read_json(INTEGRATION / "icons.json")
        problems += unreadable + check_icons(icons, integration_type)
    problems += check_brand() + check_files()
    for problem in problems:
        print(problem)
    if not problems:
        print(
            "validate: manifest, hacs.json, translations, services, icons,"
            " brand and files are fine"
        )
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
