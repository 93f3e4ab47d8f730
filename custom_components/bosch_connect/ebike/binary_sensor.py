"""Binary sensors of a bike: charger connected, charging, moving, light on."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from operator import attrgetter

from homeassistant.components.binary_sensor import (
    BinarySensorDeviceClass,
    BinarySensorEntity,
    BinarySensorEntityDescription,
)

from .entity import (
    EbikeValueDescription,
    EbikeValueEntity,
    bike_platform,
    status_value,
)
from .state import TOPIC_LOCATION, BikeState


@dataclass(frozen=True, kw_only=True)
class EbikeBinarySensorDescription(
    BinarySensorEntityDescription, EbikeValueDescription
):
    """A yes/no value from the bike's notifications."""

    value_fn: Callable[[BikeState], bool | None]


BINARY_SENSORS: tuple[EbikeBinarySensorDescription, ...] = (
    EbikeBinarySensorDescription(
        key="charger_connected",
        translation_key="ebike_charger_connected",
        device_class=BinarySensorDeviceClass.PLUG,
        value_fn=status_value(attrgetter("is_charger_connected")),
    ),
    EbikeBinarySensorDescription(
        key="charging",
        translation_key="ebike_charging",
        device_class=BinarySensorDeviceClass.BATTERY_CHARGING,
        value_fn=status_value(attrgetter("is_charging")),
    ),
    EbikeBinarySensorDescription(
        key="moving",
        translation_key="ebike_moving",
        device_class=BinarySensorDeviceClass.MOVING,
        value_fn=lambda bike: bike.moving,
        topics=(TOPIC_LOCATION,),
    ),
    EbikeBinarySensorDescription(
        key="light",
        translation_key="ebike_light",
        entity_registry_enabled_default=False,
        device_class=BinarySensorDeviceClass.LIGHT,
        value_fn=status_value(attrgetter("is_bike_light_on")),
    ),
)


class EbikeBinarySensor(EbikeValueEntity, BinarySensorEntity):
    """A yes/no value of the bike."""

    entity_description: EbikeBinarySensorDescription

    @property
    def is_on(self) -> bool | None:
        """The value from the newest notification."""
        return self.entity_description.value_fn(self._bike)


# Adds the binary sensors of every bike.
async_setup_binary_sensors = bike_platform(
    lambda runtime, bike_id: [
        EbikeBinarySensor(runtime, bike_id, description)
        for description in BINARY_SENSORS
    ]
)
