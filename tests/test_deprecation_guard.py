"""The guard in tests/conftest.py sees what Home Assistant reports as deprecated."""

from __future__ import annotations

import logging
import warnings

from homeassistant import loader
from homeassistant.core import HomeAssistant
from homeassistant.helpers import frame
from homeassistant.helpers.frame import ReportBehavior

from custom_components.bosch_connect.const import DOMAIN

from .conftest import REPO, DeprecationRecords, our_deprecation_warnings


def _records_of(logger_name: str) -> tuple[logging.Logger, DeprecationRecords]:
    """A guard handler on one logger that keeps its records from the test's guard."""
    logger = logging.getLogger(logger_name)
    handler = DeprecationRecords()
    logger.addHandler(handler)
    logger.propagate = False
    return logger, handler


async def test_frame_report_naming_the_integration_is_seen(hass: HomeAssistant) -> None:
    await loader.async_get_integration(hass, DOMAIN)
    logger, handler = _records_of(frame.__name__)
    try:
        frame.report_usage(
            "uses a thing that the guard test invents",
            core_behavior=ReportBehavior.LOG,
            breaks_in_ha_version="2099.1.0",
            integration_domain=DOMAIN,
        )
        # Another integration's report, as the frame helper words it.
        logger.warning(
            "Detected that custom integration 'other' uses a thing. This will "
            "stop working in Home Assistant 2099.1.0, please report it"
        )
    finally:
        logger.removeHandler(handler)
        logger.propagate = True
    assert len(handler.found) == 1
    assert "bosch_connect" in handler.found[0]
    assert "will stop working in Home Assistant 2099.1.0" in handler.found[0]


async def test_a_report_from_our_code_is_seen_without_our_name(
    hass: HomeAssistant,
) -> None:
    """A report that names no integration is ours when its stack passes our files."""
    logger, handler = _records_of(frame.__name__)
    try:
        frame.report_usage(
            "uses a thing that the guard test invents",
            core_behavior=ReportBehavior.LOG,
            breaks_in_ha_version="2099.1.0",
        )
    finally:
        logger.removeHandler(handler)
        logger.propagate = True
    assert len(handler.found) == 1
    assert "Detected code that uses a thing" in handler.found[0]


def test_our_own_log_lines_are_not_reports() -> None:
    logger, handler = _records_of("custom_components.bosch_connect.guard_test")
    try:
        logger.warning("bosch_connect: the key is deprecated by Bosch")
    finally:
        logger.removeHandler(handler)
        logger.propagate = True
    assert handler.found == []


def test_deprecation_warnings_of_our_files_only() -> None:
    ours = str(REPO / "custom_components" / "bosch_connect" / "ebike" / "api.py")
    with warnings.catch_warnings(record=True) as recorded:
        warnings.simplefilter("always")
        warnings.warn_explicit("old", DeprecationWarning, ours, 1)
        warnings.warn_explicit("not ours", DeprecationWarning, "/usr/lib/x.py", 1)
        warnings.warn_explicit("no deprecation", UserWarning, ours, 2)
    found = our_deprecation_warnings(recorded)
    assert found == [f"DeprecationWarning at {ours}:1: old"]
