"""Fixtures of the end-to-end suite: real processes and a real browser.

Module-scoped: one simulator, one Home Assistant and one browser page serve
the whole ordered scenario in ``test_ui.py``.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator
import contextlib
from pathlib import Path
import shutil

from playwright.sync_api import Browser, Page, sync_playwright
import pytest

from .harness import (
    CHROMIUM,
    CHROMIUM_ARGS,
    HomeAssistant,
    Simulator,
    start_home_assistant,
    start_simulator,
)

E2E_COMMAND = "pytest -p no:homeassistant --confcutdir tests/e2e -m e2e tests/e2e"


def pytest_collection_modifyitems(
    config: pytest.Config, items: list[pytest.Item]
) -> None:
    """Under pytest-homeassistant-custom-component, say how to run this suite.

    That plugin's per-test event loop, socket guard and thread checks are for
    in-process Home Assistant tests; here Home Assistant is a subprocess and
    Playwright runs its own event loop, so the suite runs without the plugin
    (``scripts/test`` does so after the main run).
    """
    if not config.pluginmanager.has_plugin("homeassistant"):
        return
    here = Path(__file__).parent
    skip = pytest.mark.skip(
        reason=f"run the e2e suite as scripts/test does: {E2E_COMMAND}"
    )
    for item in items:
        if item.path.is_relative_to(here):
            item.add_marker(skip)


@pytest.fixture(scope="module")
def e2e_workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the processes keep their state and logs (old artifacts removed)."""
    artifacts = Path(__file__).parent / "artifacts"
    if artifacts.is_dir():
        shutil.rmtree(artifacts)
    return tmp_path_factory.mktemp("e2e")


@pytest.fixture(scope="module")
def simulator(e2e_workdir: Path) -> Iterator[Simulator]:
    """Every simulated service, on free ports, advertising the gateway."""
    sim = start_simulator(e2e_workdir, ["--ephemeral-ports"])
    yield sim
    sim.process.stop()


@pytest.fixture(scope="module")
def home_assistant(e2e_workdir: Path, simulator: Simulator) -> Iterator[HomeAssistant]:
    """A real, onboarded Home Assistant with our integration."""
    instance: HomeAssistant | None = None
    try:
        instance = start_home_assistant(e2e_workdir, simulator)
        instance.onboard()
        yield instance
    finally:
        if instance is not None:
            instance.process.stop()
        log = e2e_workdir / "home-assistant.log"
        artifacts = Path(__file__).parent / "artifacts"
        artifacts.mkdir(exist_ok=True)
        if log.exists():
            shutil.copy(log, artifacts / "home-assistant.log")
        sim_log = e2e_workdir / "simulator.log"
        if sim_log.exists():
            shutil.copy(sim_log, artifacts / "simulator.log")


@pytest.fixture(scope="module")
def browser() -> Generator[Browser]:
    """Debian's Chromium, headless, driven by Playwright."""
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: install Debian's chromium package "
            "(scripts/test does so when run as root)"
        )
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            # Playwright gives every launch a fresh, empty profile directory.
            args=CHROMIUM_ARGS,
        )
        yield instance
        instance.close()


@pytest.fixture(scope="module")
def page(browser: Browser, home_assistant: HomeAssistant) -> Iterator[Page]:
    """One browser tab for the whole scenario."""
    context = browser.new_context(
        viewport={"width": 1280, "height": 860},
        locale="en-US",
        color_scheme="light",
        # Home Assistant's certificate is issued by the demo CA (scripts/hass_http.py).
        ignore_https_errors=True,
    )
    context.set_default_timeout(30_000)
    context.set_default_navigation_timeout(60_000)
    yield context.new_page()
    context.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport]:
    """On a failed step, keep a screenshot of the tab in the artifacts."""
    outcome = yield
    report = outcome.get_result()
    if (
        report.when == "call"
        and report.failed
        and "page" in getattr(item, "funcargs", {})
    ):
        tab: Page = item.funcargs["page"]  # type: ignore[attr-defined]
        artifacts = Path(__file__).parent / "artifacts"
        artifacts.mkdir(exist_ok=True)
        with contextlib.suppress(Exception):
            tab.screenshot(path=artifacts / f"failed-{item.name}.png")
