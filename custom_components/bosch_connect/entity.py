"""Base entity shared by every Bosch Connect service."""

from __future__ import annotations

from homeassistant.helpers.entity import Entity


class BoschConnectEntity(Entity):
    """An entity of Bosch Connect: named after its device, translated."""

    _attr_has_entity_name = True
