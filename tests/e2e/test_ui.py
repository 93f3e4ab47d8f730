"""A newcomer's path in a real browser, one ordered scenario.

Home Assistant and the simulator run as real processes (see ``harness.py``);
Debian's Chromium, driven by Playwright, logs in, finds the discovered
gateway, pairs it through the credential and proximity steps, adds the eBike
account and checks the climate entity (and a temperature change through the
thermostat card reaching the gateway) and the bike on the map, adds the Home
Comfort cloud and opens the simulator's control page. Every step
leaves a screenshot in ``tests/e2e/artifacts/`` (and, with
``BOSCH_E2E_SCREENSHOTS=1``, in ``docs/screenshots/`` for the README).

Each test builds on the one before it (same processes, same tab).
"""

from __future__ import annotations

import os
from pathlib import Path
import re
import time
from typing import Any

from playwright.sync_api import Error as PlaywrightError, Locator, Page, expect
import pytest

from simulator.bosma.service import (
    DEMO_APP_PACKAGE as BOSMA_APP_PACKAGE,
    DEMO_CORP as BOSMA_CORP,
    DEMO_COUNTRY as BOSMA_COUNTRY,
    DEMO_OPENID as BOSMA_OPENID,
    DEMO_SECRET as BOSMA_SECRET,
)
from simulator.rollouts.service import (
    DEMO_PASSWORD as ROLLOUTS_PASSWORD,
    DEMO_TENANT as ROLLOUTS_TENANT,
    DEMO_USER as ROLLOUTS_USER,
)

from .harness import (
    PASSWORD,
    SCREENSHOTS,
    USERNAME,
    HomeAssistant,
    Simulator,
    wait_until,
)

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(240)]

ARTIFACTS = Path(__file__).parent / "artifacts"


def shot(page: Page, name: str) -> None:
    """Screenshot of the current page, kept as an artifact (and for the docs)."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.wait_for_timeout(400)  # let animations settle
    page.screenshot(path=ARTIFACTS / f"{name}.png")
    if os.environ.get("BOSCH_E2E_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=SCREENSHOTS / f"{name}.png")


def goto(page: Page, url: str) -> None:
    """Open ``url`` in the tab, unless it is open already.

    The frontend routes inside the page; a navigation that starts while it
    rewrites the address can be aborted (net::ERR_ABORTED): try once more.
    """
    if page.url == url:
        return
    try:
        page.goto(url)
    except PlaywrightError as err:
        if "ERR_ABORTED" not in str(err):
            raise
        page.wait_for_timeout(500)
        if page.url != url:
            page.goto(url)


def test_login(page: Page, home_assistant: HomeAssistant) -> None:
    """The real login form with the user made during onboarding."""
    goto(page, home_assistant.url)
    username = page.locator("input[name=username]")
    expect(username).to_be_visible()
    username.fill(USERNAME)
    page.locator("input[name=password]").fill(PASSWORD)
    shot(page, "01-login")
    page.get_by_role("button", name="Log in").click()
    # Home Assistant 2026 opens its "Home" dashboard after the login.
    page.wait_for_url(f"{home_assistant.url}/home/**", timeout=60_000)


def test_gateway_is_discovered(
    page: Page, home_assistant: HomeAssistant, simulator: Simulator
) -> None:
    """Zeroconf discovery: the gateway waits under Devices & services.

    The simulator announced itself before Home Assistant started; it
    announces again now, as a gateway does, so that discovery does not wait
    for Home Assistant's next query.
    """
    assert simulator.control("POST", "/gateway/announce") == {"announced": True}
    goto(page, f"{home_assistant.url}/config/integrations/dashboard")
    discovered = page.locator("ha-config-flow-card").filter(has_text="Bosch Connect")
    expect(discovered.first).to_be_visible(timeout=60_000)
    shot(page, "02-discovered")


def test_add_integration_menu(page: Page, home_assistant: HomeAssistant) -> None:
    """Add integration -> Bosch Connect shows the menu of services."""
    # With a discovered gateway waiting, Home Assistant asks first.
    dialog = _open_service_menu(page, home_assistant)
    expect(dialog.get_by_text("Home Comfort gateway").first).to_be_visible()
    shot(page, "03-service-menu")
    dialog.get_by_label("Close").filter(visible=True).first.click()
    expect(dialog).to_be_hidden()


def _pem(value: object) -> str:
    """A PEM text, or the text of the PEM file the simulator names."""
    text = str(value)
    return text if "-----BEGIN" in text else Path(text).read_text()


def _expect_created(dialog: Locator) -> None:
    """The entry was created: Home Assistant's last step of a flow is shown.

    Since 2026 it is "Name and assign" where the entry brought devices, and
    "Success" where it did not.
    """
    done = dialog.get_by_text("Name and assign").or_(dialog.get_by_text("Success"))
    expect(done.first).to_be_visible(timeout=30_000)


def _finish(dialog: Locator) -> None:
    """Close the last step of a flow, keeping the names it proposes."""
    dialog.get_by_role("button", name=re.compile(r"^(Skip and finish|Finish)$")).click()


def _field(dialog: Locator, label: str) -> Locator:
    """A form's text field by its label (the field's accessible name)."""
    return dialog.get_by_role("textbox", name=label)


def _submit(page: Page) -> None:
    page.locator("dialog-data-entry-flow").get_by_role("button", name="Submit").click()


def _open_discovered_gateway(page: Page, device: str) -> Locator:
    """Open the discovered gateway with this device number.

    Another simulated gateway (a demo running beside the tests) may be
    discovered too: each card's first step names the device number.
    """
    dialog = page.locator("dialog-data-entry-flow")
    cards = page.locator("ha-config-flow-card").filter(has_text="Bosch Connect")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        for index in range(cards.count()):
            cards.nth(index).get_by_role("button", name="Add").click()
            expect(dialog.get_by_text("Gateway found")).to_be_visible()
            if dialog.get_by_text(device).is_visible():
                return dialog
            dialog.get_by_label("Close").filter(visible=True).first.click()
            expect(dialog).to_be_hidden()
        page.wait_for_timeout(1000)
    raise AssertionError(f"no discovered gateway with device number {device}")


def test_gateway_pairing(
    page: Page, home_assistant: HomeAssistant, simulator: Simulator
) -> None:
    """Discovered gateway -> credentials -> proximity (buttons) -> entry."""
    info = simulator.control("GET", "/gateway/info")
    goto(page, f"{home_assistant.url}/config/integrations/dashboard")
    dialog = _open_discovered_gateway(page, str(info["uuid"]))
    shot(page, "04-gateway-found")
    _submit(page)

    # One discovered gateway, two channels: the owner's (the label) comes first.
    expect(dialog.get_by_text("With the label (owner)")).to_be_visible()
    shot(page, "04-gateway-channel")
    dialog.get_by_text("With partner credentials", exact=True).click()
    expect(dialog.get_by_text("Partner credentials")).to_be_visible()
    _field(dialog, "Client ID").fill(str(info["client_id"]))
    _field(dialog, "Client certificate").fill(_pem(info["client_cert_path"]))
    _field(dialog, "Bosch root certificate").fill(_pem(info["root_cert_path"]))
    _field(dialog, "Client ID").scroll_into_view_if_needed()
    shot(page, "05-gateway-credentials")  # before the private key goes in
    _field(dialog, "Client private key").fill(_pem(info["client_key_path"]))
    _submit(page)

    expect(dialog.get_by_text("Press the gateway's buttons")).to_be_visible()
    shot(page, "06-gateway-proximity")
    # Submitting before the press: the gateway refuses (412), the step explains.
    _submit(page)
    expect(dialog.get_by_text("did not see the button press")).to_be_visible()
    shot(page, "06-gateway-proximity-error")
    # A way back from the press step: the credentials as typed (the key again).
    expect(dialog.get_by_text("Correct the entries first").first).to_be_visible()
    dialog.get_by_role("switch").first.click(force=True)
    _submit(page)
    expect(dialog.get_by_text("Partner credentials")).to_be_visible()
    expect(_field(dialog, "Client ID")).to_have_value(str(info["client_id"]))
    shot(page, "06-gateway-back-to-credentials")
    _field(dialog, "Client private key").fill(_pem(info["client_key_path"]))
    _submit(page)
    expect(dialog.get_by_text("Press the gateway's buttons")).to_be_visible()
    simulator.control("POST", "/gateway/press", {})
    _submit(page)

    _expect_created(dialog)
    shot(page, "07-gateway-created")
    _finish(dialog)
    expect(dialog).to_be_hidden()


def _climates(home_assistant: HomeAssistant) -> list[dict[str, Any]]:
    return [
        state
        for state in home_assistant.api("GET", "/api/states")
        if state["entity_id"].startswith("climate.")
    ]


def _open_climate_summary(page: Page, home_assistant: HomeAssistant) -> None:
    """The Overview dashboard's climate summary (Home Assistant 2026's Home)."""
    goto(page, f"{home_assistant.url}/home/overview")
    expect(page.locator("#ha-launch-screen")).to_have_count(0)
    page.locator("ha-tile-container").filter(
        has=page.get_by_text("Climate", exact=True)
    ).filter(visible=True).first.click()


def test_climate_entity(page: Page, home_assistant: HomeAssistant) -> None:
    """The heating circuit is a climate entity with a temperature."""
    climates = _climates(home_assistant)
    assert climates, "no climate entity after pairing the gateway"
    climate = climates[0]
    assert climate["state"] not in ("unavailable", "unknown")
    name = climate["attributes"]["friendly_name"]
    _open_climate_summary(page, home_assistant)
    expect(page.get_by_text(name).first).to_be_visible()
    shot(page, "08-overview-climate")


def test_climate_set_temperature(page: Page, home_assistant: HomeAssistant) -> None:
    """The climate tile's + writes to the gateway; the state follows its answer."""
    climate = next(
        state
        for state in _climates(home_assistant)
        if state["entity_id"].endswith("heating_circuit_1")
    )
    wanted = climate["attributes"]["temperature"] + climate["attributes"].get(
        "target_temp_step", 0.5
    )
    _open_climate_summary(page, home_assistant)
    # A tile with the target temperature feature: its last button is "+".
    card = page.locator("hui-tile-card").filter(has_text="Heating circuit 1")
    card.get_by_role("button").last.click()

    def written() -> bool:
        state = home_assistant.api("GET", f"/api/states/{climate['entity_id']}")
        return bool(state["attributes"]["temperature"] == wanted)

    wait_until(f"the target temperature {wanted} confirmed by the gateway", written, 30)
    expect(card.get_by_text(f"{wanted:g}").first).to_be_visible()


def _open_service_menu(page: Page, home_assistant: HomeAssistant) -> Locator:
    goto(page, f"{home_assistant.url}/config/integrations/dashboard")
    page.get_by_role("button", name="Add integration").click()
    brands = page.locator("dialog-add-integration")
    brands.get_by_placeholder("Search for a brand name").fill("Bosch Connect")
    brands.locator("ha-integration-list-item").filter(
        has=page.get_by_text("Bosch Connect", exact=True)
    ).first.click()
    another = page.get_by_text("Set up another instance of Bosch Connect")
    dialog = page.locator("dialog-data-entry-flow")
    menu = dialog.get_by_text("Add a Bosch service")
    expect(another.or_(menu).first).to_be_visible()
    if another.is_visible():
        another.click()
    expect(menu).to_be_visible()
    return dialog


def test_owner_gateway(
    page: Page, home_assistant: HomeAssistant, simulator: Simulator
) -> None:
    """By hand, the owner channel: address, certificate shown, label, press, entry.

    The same gateway already has the partner entry above: an owner entry may
    exist beside it.
    """
    info = simulator.control("GET", "/gateway/info")
    dialog = _open_service_menu(page, home_assistant)
    dialog.get_by_text("Home Comfort gateway", exact=True).click()
    dialog.get_by_text("With the label (owner)", exact=True).click()
    _field(dialog, "Host").fill(str(info["host"]))
    for label, port in (
        ("Token port", info["owner_auth_port"]),
        ("Resource port", info["owner_api_port"]),
    ):
        field = dialog.get_by_role("spinbutton", name=label)
        field.fill(str(port))
    _submit(page)

    expect(dialog.get_by_text(f"is device {info['uuid']}")).to_be_visible()
    shot(page, "07b-owner-certificate")
    dialog.get_by_text("Pair with the label", exact=True).click()
    _field(dialog, "Login").fill(str(info["sticker_login"]))
    _field(dialog, "Pass").fill(str(info["sticker_password"]))
    shot(page, "07c-owner-label")
    # (The press of the partner pairing above is still within its five
    # minutes for the owner channel; press again as a user would.)
    simulator.control("POST", "/gateway/press", {})
    _submit(page)
    _expect_created(dialog)
    shot(page, "07d-owner-created")
    _finish(dialog)
    expect(dialog).to_be_hidden()
    entries = home_assistant.api("GET", "/api/config/config_entries/entry")
    gateways = [
        e
        for e in entries
        if e["domain"] == "bosch_connect" and e["title"].startswith(str(info["brand"]))
    ]
    # The partner entry of the same gateway and the owner entry, both loaded.
    assert [e["state"] for e in gateways] == ["loaded", "loaded"]


def test_ebike_account(
    page: Page, home_assistant: HomeAssistant, simulator: Simulator
) -> None:
    """Menu -> eBike: the client credentials (Bosch's addresses are the simulator's)."""
    ebike = simulator.control("GET", "/ebike/info")
    dialog = _open_service_menu(page, home_assistant)
    dialog.get_by_text("eBike fleet", exact=True).click()
    expect(dialog.get_by_text("Bosch eBike Cloud API")).to_be_visible()
    _field(dialog, "Client ID").fill(ebike["client_id"])
    _field(dialog, "Client secret").fill(ebike["client_secret"])
    _field(dialog, "Client ID").scroll_into_view_if_needed()
    shot(page, "09-ebike-account")
    _submit(page)
    _expect_created(dialog)
    shot(page, "10-ebike-created")
    _finish(dialog)
    expect(dialog).to_be_hidden()


def test_bike_on_the_map(
    page: Page, home_assistant: HomeAssistant, simulator: Simulator
) -> None:
    """A ride of the simulated bike puts its tracker on the map."""
    simulator.control("POST", "/ebike/bikes/0/power", {"on": True})
    simulator.control("POST", "/ebike/bikes/0/ride", {})

    def sent() -> bool:
        # 409 until Home Assistant's webhook subscription exists at the simulator.
        simulator.control("POST", "/ebike/bikes/0/send", {"type": "LOCATION_TRACKING"})
        return True

    wait_until("the eBike webhook subscription", sent, 30)

    def located() -> list[dict[str, object]]:
        return [
            state
            for state in home_assistant.api("GET", "/api/states")
            if state["entity_id"].startswith("device_tracker.")
            and state["attributes"].get("latitude") is not None
        ]

    wait_until("a bike with a position", lambda: bool(located()), 45)
    name = str(located()[0]["attributes"]["friendly_name"])
    goto(page, f"{home_assistant.url}/map")
    # Home Assistant 2026's map lists people, devices and zones beside it. On a
    # busy machine the panel came up once without its list: load it again then.
    devices = page.get_by_text("Devices", exact=True).filter(visible=True).first
    try:
        devices.click(timeout=20_000)
    except PlaywrightError:
        page.reload()
        devices.click(timeout=30_000)
    expect(page.get_by_text(name).filter(visible=True).first).to_be_visible(
        timeout=30_000
    )
    expect(page.locator("ha-entity-marker").first).to_be_visible(timeout=30_000)
    shot(page, "11-map-bike")


def test_bike_device_triggers(page: Page, home_assistant: HomeAssistant) -> None:
    """The bike's device page offers its triggers by name ("Started moving")."""
    trackers = [
        state
        for state in home_assistant.api("GET", "/api/states")
        if state["entity_id"].startswith("device_tracker.")
    ]
    # "<bike> Location": the tracker is named after its device (the bike).
    name = str(trackers[0]["attributes"]["friendly_name"]).rsplit(" ", 1)[0]
    goto(page, f"{home_assistant.url}/config/devices/dashboard")
    expect(page.locator("#ha-launch-screen")).to_have_count(0)
    page.get_by_text(name, exact=True).filter(visible=True).first.click()
    # "Related: Add to ... Create as a new trigger" lists the device's triggers.
    page.get_by_text("Add to", exact=False).filter(visible=True).first.click()
    page.get_by_text("Create as a new trigger", exact=True).click()
    # Home Assistant 2026's trigger picker: by type, "Device"; the device is
    # the one the dialog came from; its triggers are the next choice.
    page.get_by_text("By type", exact=True).click()
    page.get_by_placeholder("Search").filter(visible=True).first.fill("device")
    page.get_by_text("Triggers when something happens to a device").click()
    page.get_by_text("Select a device", exact=True).click()
    page.keyboard.type(name)
    page.get_by_text(name, exact=True).filter(visible=True).last.click()
    picker = page.locator("ha-device-trigger-picker").filter(visible=True).first
    expect(picker).to_be_visible()
    picker.click()
    expect(page.get_by_text("Started moving").first).to_be_visible(timeout=10_000)
    assert page.get_by_text("unknown entity").count() == 0
    shot(page, "11b-bike-device-triggers")


def _describe(simulator: Simulator, service: str) -> dict[str, str]:
    """``Label: value`` lines of a service's description on the control server."""
    fields = {}
    for line in simulator.control("GET", "/")["describe"][service]:
        label, sep, value = line.strip().partition(":")
        if sep:
            fields[label.strip()] = value.strip()
    return fields


def test_home_comfort_cloud(
    page: Page, home_assistant: HomeAssistant, simulator: Simulator
) -> None:
    """Menu -> Home Comfort Partner API: the cloud's heating appears too."""
    cloud = _describe(simulator, "homecomfort")
    before = _climates(home_assistant)
    dialog = _open_service_menu(page, home_assistant)
    dialog.get_by_text("Home Comfort Partner API", exact=True).click()
    _field(dialog, "API domain").fill(cloud["API domain"])
    _field(dialog, "API key").fill(cloud["API key"])
    _field(dialog, "User ID").fill(cloud["User ID"])
    shot(page, "12-homecomfort-account")
    _submit(page)
    _expect_created(dialog)
    _finish(dialog)
    expect(dialog).to_be_hidden()
    wait_until(
        "the cloud's climate entity",
        lambda: len(_climates(home_assistant)) > len(before),
        30,
    )


def _url_in(simulator: Simulator, service: str, label: str) -> str:
    """The URL on the line of a service's description that starts with ``label``."""
    for line in simulator.control("GET", "/")["describe"][service]:
        if line.strip().startswith(label):
            match = re.search(r"https?://\S+", line)
            if match:
                return match.group(0)
    raise AssertionError(f"no {label} URL in the simulator's {service} description")


def test_bosma_account(
    page: Page, home_assistant: HomeAssistant, simulator: Simulator
) -> None:
    """Menu -> Bosma: the company account, at a host name."""
    base_url = _url_in(simulator, "bosma", "base URL")
    assert "//localhost:" in base_url
    dialog = _open_service_menu(page, home_assistant)
    dialog.get_by_text("Bosma account", exact=True).click()
    _field(dialog, "Base URL").fill(base_url)
    _field(dialog, "Company ID").fill(BOSMA_CORP)
    _field(dialog, "apiSecret").fill(BOSMA_SECRET)
    _field(dialog, "App package").fill(BOSMA_APP_PACKAGE)
    _field(dialog, "User ID").fill(BOSMA_OPENID)
    _field(dialog, "Country ID").fill(BOSMA_COUNTRY)
    _submit(page)
    _expect_created(dialog)
    _finish(dialog)
    expect(dialog).to_be_hidden()


def test_rollouts_tenant(
    page: Page, home_assistant: HomeAssistant, simulator: Simulator
) -> None:
    """Menu -> Rollouts: a tenant at a host name, Basic credentials, no DDI target."""
    base_url = _url_in(simulator, "rollouts", "region URL")
    assert "//localhost:" in base_url
    dialog = _open_service_menu(page, home_assistant)
    dialog.get_by_text("Bosch IoT Rollouts tenant", exact=True).click()
    # A list of regions that also takes another URL ("Add custom item").
    dialog.get_by_text("Region (Management API URL)").first.click()
    picker = dialog.get_by_role("dialog", name="Region (Management API URL)")
    picker.get_by_role("textbox").fill(base_url)
    picker.get_by_text(f'Add custom item "{base_url}"').click()
    expect(picker).to_be_hidden()
    tenant = _field(dialog, "Tenant")
    tenant.fill(ROLLOUTS_TENANT)
    expect(tenant).to_have_value(ROLLOUTS_TENANT)
    _submit(page)
    _field(dialog, "Username").fill(ROLLOUTS_USER)
    _field(dialog, "Password").fill(ROLLOUTS_PASSWORD)
    _submit(page)
    # The DDI target is optional: an empty controller ID adds the tenant alone.
    expect(_field(dialog, "Controller ID")).to_be_visible()
    _submit(page)
    _expect_created(dialog)
    _finish(dialog)
    expect(dialog).to_be_hidden()


def test_simulator_control_page(page: Page, simulator: Simulator) -> None:
    """The simulator's control page: buttons of every service, fault switches."""
    goto(page, f"{simulator.control_url}/")
    gateway = page.locator("#service-gateway")
    expect(gateway.get_by_role("button", name="Switch fault on")).to_be_visible()
    gateway.get_by_role("button").first.click()
    expect(page.locator("#log")).to_contain_text("POST /gateway/")
    shot(page, "13-simulator-control")
