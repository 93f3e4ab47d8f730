"""Form fields that the services' config flows share."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from homeassistant.helpers.selector import (
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)
import probatio

TEXT = TextSelector()
URL = TextSelector(TextSelectorConfig(type=TextSelectorType.URL))
SECRET = TextSelector(TextSelectorConfig(type=TextSelectorType.PASSWORD))


def secrets_optional(
    schema: probatio.Schema, secrets: Collection[str]
) -> dict[Any, Any]:
    """The fields of ``schema``, the ``secrets`` optional (empty keeps the stored one)."""
    return {
        (probatio.Optional(str(key)) if str(key) in secrets else key): value
        for key, value in schema.schema.items()
    }


def without_secrets(
    values: Mapping[str, Any], secrets: Collection[str]
) -> dict[str, Any]:
    """Suggested values for a form: a secret is never sent back to the browser."""
    return {key: value for key, value in values.items() if key not in secrets}
