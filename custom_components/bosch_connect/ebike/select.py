"""A select per ConnectModule feature: the profile (NONE switches it off)."""

from __future__ import annotations

from homeassistant.components.select import SelectEntity

from .api import Feature
from .const import FEATURES, KNOWN_PROFILES
from .entity import EbikeEntity, bike_platform
from .runtime import EbikeData


def profile_options(feature: Feature | None) -> list[str]:
    """The known profiles (lower case) and any other that ``feature`` reports."""
    options = [profile.lower() for profile in KNOWN_PROFILES]
    if feature is not None:
        for profile in (feature.requested_profile, feature.applied_profile):
            if profile and profile.lower() not in options:
                options.append(profile.lower())
    return options


class EbikeProfileSelect(EbikeEntity, SelectEntity):
    """The requested profile of one feature; the bike applies it at power-on.

    What the bike applies now and the feature's status are sensors.
    """

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
        return profile_options(self._current)

    @property
    def current_option(self) -> str | None:
        """The requested profile."""
        feature = self._current
        return feature.requested_profile.lower() if feature else None

    async def async_select_option(self, option: str) -> None:
        """Request the profile; it stays pending until the bike is powered on."""
        await self._runtime.profiles.async_request(self._bike_id, self._feature, option)


# Adds the profile selects of every bike.
async_setup_selects = bike_platform(
    lambda runtime, bike_id: [
        EbikeProfileSelect(runtime, bike_id, feature) for feature in FEATURES
    ]
)
