"""A select per ConnectModule feature: the profile (NONE switches it off)."""

from __future__ import annotations

from typing import Any

from homeassistant.components.select import SelectEntity
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.entity import Entity
from homeassistant.helpers.entity_platform import AddEntitiesCallback

from ..const import DOMAIN
from .api import Feature
from .const import FEATURES, KNOWN_PROFILES
from .coordinator import EbikeConfigEntry, EbikeData
from .entity import EbikeEntity, async_setup_bike_platform
from .errors import EbikeAuthError, EbikeError


class EbikeProfileSelect(EbikeEntity, SelectEntity):
    """The requested profile of one feature; the bike applies it at power-on."""

    _listens_to_fleet = True
    _bike_topics = ()

    def __init__(self, runtime: EbikeData, bike_id: str, feature: str) -> None:
        super().__init__(runtime, bike_id, f"{feature.lower()}_profile")
        self._feature = feature
        self._attr_translation_key = f"ebike_{feature.lower()}_profile"

    @property
    def _current(self) -> Feature | None:
        module = self.module
        return module.feature(self._feature) if module else None

    @property
    def available(self) -> bool:
        """Only while the fleet could be read."""
        return super().available and self._runtime.coordinator.last_update_success

    @property
    def options(self) -> list[str]:
        """The known profiles and any other that the API reports."""
        options = [profile.lower() for profile in KNOWN_PROFILES]
        feature = self._current
        if feature is not None:
            for profile in (feature.requested_profile, feature.applied_profile):
                if profile and profile.lower() not in options:
                    options.append(profile.lower())
        return options

    @property
    def current_option(self) -> str | None:
        """The requested profile."""
        feature = self._current
        return feature.requested_profile.lower() if feature else None

    @property
    def extra_state_attributes(self) -> dict[str, Any]:
        """What the bike applies now, and the feature's status."""
        feature = self._current
        if feature is None:
            return {}
        return {
            "applied_profile": feature.applied_profile.lower(),
            "status": feature.status.lower(),
        }

    async def async_select_option(self, option: str) -> None:
        """Request the profile; it stays pending until the bike is powered on."""
        module = self.module
        if module is None:  # pragma: no cover - unavailable entities are not called
            return
        try:
            feature = await self._runtime.client.set_feature_profile(
                module.id, self._feature, option.upper()
            )
        except EbikeAuthError as err:
            self._runtime.entry.async_start_reauth(self.hass)
            raise HomeAssistantError(
                translation_domain=DOMAIN, translation_key="ebike_invalid_client"
            ) from err
        except EbikeError as err:
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="ebike_profile_failed",
                translation_placeholders={"error": str(err)},
            ) from err
        self._runtime.coordinator.async_set_feature(self._bike_id, feature)


def _build(runtime: EbikeData, bike_id: str) -> list[Entity]:
    return [EbikeProfileSelect(runtime, bike_id, feature) for feature in FEATURES]


async def async_setup_selects(
    hass: HomeAssistant,
    entry: EbikeConfigEntry,
    async_add_entities: AddEntitiesCallback,
) -> None:
    """Add the profile selects of every bike."""
    async_setup_bike_platform(hass, entry, async_add_entities, _build)
