"""event platform: each Bosch service adds its own entities."""

from homeassistant.const import Platform

from .registry import platform_setup

PARALLEL_UPDATES = 0

async_setup_entry = platform_setup(Platform.EVENT)
