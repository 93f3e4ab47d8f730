"""water heater platform: each Bosch service adds its own entities."""

from homeassistant.const import Platform

from .registry import platform_setup

PARALLEL_UPDATES = 1

async_setup_entry = platform_setup(Platform.WATER_HEATER)
