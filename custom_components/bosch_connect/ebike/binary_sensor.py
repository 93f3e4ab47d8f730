"""Binary sensors of a bike: charger connected, charging, moving, light on."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from homeassistant.components.binary_sensor import (
    BinarySensorDeviceClass,
    BinarySensorEntity,
    BinarySensorEntityDescription,
)
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity import Entity
from homeassistant.helpers.entity_platform import AddEntitiesCallback

from .coordinator import (
    TOPIC_LOCATION,
    TOPIC_STATUS,
    BikeState,
    EbikeConfigEntry,
    EbikeData,
)
from .entity import EbikeEntity, async_setup_bike_platform


@dataclass(frozen=True, kw_only=True)
class EbikeBinarySensorDescription(BinarySensorEntityDescription):
    """A yes/no value from the bike's notifications."""

    value_fn: Callable[[BikeState], bool | None]
    topics: tuple[str, ...] = (TOPIC_STATUS,)


BINARY_SENSORS: tuple[EbikeBinarySensorDescription, ...] = (
    EbikeBinarySensorDescription(
        key="charger_connected",
        translation_key="ebike_charger_connected",
        device_class=BinarySensorDeviceClass.PLUG,
        value_fn=lambda bike: bike.status.is_charger_connected if bike.status else None,
    ),
    EbikeBinarySensorDescription(
        key="charging",
        translation_key="ebike_charging",
        device_class=BinarySensorDeviceClass.BATTERY_CHARGING,
        value_fn=lambda bike: bike.status.is_charging if bike.status else None,
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
        value_fn=lambda bike: bike.status.is_bike_light_on if bike.status else None,
    ),
)


class EbikeBinarySensor(EbikeEntity, BinarySensorEntity):
    """A yes/no value of the bike."""

    entity_description: EbikeBinarySensorDescription

    def __init__(
        self,
        runtime: EbikeData,
        bike_id: str,
        description: EbikeBinarySensorDescription,
    ) -> None:
        super().__init__(runtime, bike_id, description.key)
        self.entity_description = description
        self._bike_topics = description.topics
        self._watch = description.value_fn

    @property
    def is_on(self) -> bool | None:
        """The value from the newest notification."""
        return self.entity_description.value_fn(self._bike)

    def _shown(self) -> Any:
        return (self.available, self.is_on)


def _build(runtime: EbikeData, bike_id: str) -> list[Entity]:
    return [
        EbikeBinarySensor(runtime, bike_id, description)
        for description in BINARY_SENSORS
    ]


async def async_setup_binary_sensors(
    hass: HomeAssistant,
    entry: EbikeConfigEntry,
    async_add_entities: AddEntitiesCallback,
) -> None:
    """Add the binary sensors of every bike."""
    async_setup_bike_platform(hass, entry, async_add_entities, _build)
