"""Feature profiles: request, pending, confirmed - the one surface for all three.

A profile select asks for a profile of a feature (``NONE`` switches the
feature off). Bosch stores the request and answers with the feature; the
module's configuration is then pending until the bike is powered on and
applies it. A bike that reports is powered on: when its module is pending,
the fleet is read again soon, and the read shows the applied profile and the
module's new sync status (or, when it still is pending, the next report asks
again). Asking never happens inside the webhook handler: the handler only
tells this surface that the bike reported.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Final

from homeassistant.core import callback

from ..errors import action_failed, failure_of
from .api import Feature
from .connection import scrub
from .errors import EbikeError
from .failures import EBIKE_ACTION_ERRORS

if TYPE_CHECKING:
    from .fleet import EbikeFleetCoordinator

PENDING: Final = "PENDING"


class Profiles:
    """The profile transitions of the bikes of one entry."""

    def __init__(self, fleet: EbikeFleetCoordinator) -> None:
        """Profiles of the bikes in ``fleet``."""
        self._fleet = fleet

    def is_pending(self, bike_id: str) -> bool:
        """Whether the bike has not applied its requested configuration yet."""
        module = self._fleet.data.get(bike_id)
        return module is not None and module.sync_status == PENDING

    async def async_request(
        self, bike_id: str, feature_type: str, profile: str
    ) -> None:
        """Request ``profile`` for a feature; pending until the bike is powered on.

        Raises HomeAssistantError (translated) when Bosch refuses it or cannot
        be reached; a refused client also starts the reauthentication.
        """
        fleet = self._fleet
        module = fleet.data.get(bike_id)
        if module is None:  # pragma: no cover - unavailable entities are not called
            return
        try:
            feature = await fleet.client.set_feature_profile(
                module.id, feature_type, profile.upper()
            )
        except EbikeError as err:
            if failure_of(err, EBIKE_ACTION_ERRORS).reauth:
                fleet.config_entry.async_start_reauth(fleet.hass)
            raise action_failed(
                err, EBIKE_ACTION_ERRORS, error=scrub(err, fleet.config_entry.data)
            ) from err
        self._set_pending(bike_id, feature)

    @callback
    def _set_pending(self, bike_id: str, feature: Feature) -> None:
        """Show the feature that Bosch returned; the module is now pending."""
        module = self._fleet.data.get(bike_id)
        if module is None:
            return  # the bike left the account meanwhile
        features = tuple(
            feature if f.type == feature.type else f for f in module.features
        )
        if all(f.type != feature.type for f in module.features):
            features += (feature,)
        updated = dict(self._fleet.data)
        updated[bike_id] = replace(module, features=features, sync_status=PENDING)
        self._fleet.async_set_updated_data(updated)

    @callback
    def async_bike_reported(self, bike_id: str) -> None:
        """A bike reported, so it is powered on: confirm a pending configuration.

        Called from the webhook handler: nothing is awaited here, the fleet
        is read once the handler is done (debounced).
        """
        if self.is_pending(bike_id):
            self._fleet.async_refresh_soon()
