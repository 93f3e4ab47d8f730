"""Repair issues for certificates that expire soon or have expired."""

from __future__ import annotations

import datetime as dt

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers import issue_registry as ir
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.bosch_connect.const import DOMAIN
from simulator.gateway import GatewaySimulator
from simulator.pki import issue


def _client(sim: GatewaySimulator, not_after: dt.datetime) -> tuple[str, str]:
    cert = issue(
        "short-lived client",
        issuer=sim.pki.partner_root,
        client=True,
        not_before=not_after - dt.timedelta(days=400),
        not_after=not_after,
    )
    return cert.cert_pem, cert.key_pem


async def _setup_with_client(
    hass: HomeAssistant, entry: MockConfigEntry, cert: str, key: str
) -> None:
    hass.config_entries.async_update_entry(
        entry, data={**entry.data, "client_cert": cert, "client_key": key}
    )
    await hass.config_entries.async_setup(entry.entry_id)
    await hass.async_block_till_done()


async def test_expiring_certificate_raises_warning(
    hass: HomeAssistant,
    issue_registry: ir.IssueRegistry,
    gateway_sim: GatewaySimulator,
    gateway_entry: MockConfigEntry,
) -> None:
    """Ten days left: the gateway still works, a warning says until when."""
    not_after = dt.datetime.now(dt.UTC) + dt.timedelta(days=10)
    await _setup_with_client(hass, gateway_entry, *_client(gateway_sim, not_after))
    assert gateway_entry.state is ConfigEntryState.LOADED
    found = issue_registry.async_get_issue(
        DOMAIN, f"gateway_certificate_expiring_{gateway_entry.entry_id}"
    )
    assert found is not None
    assert found.severity is ir.IssueSeverity.WARNING
    assert found.translation_placeholders == {
        "name": "Bosch K40RF",
        "date": not_after.date().isoformat(),
    }

    # Removing the entry removes its issue.
    await hass.config_entries.async_remove(gateway_entry.entry_id)
    await hass.async_block_till_done()
    assert not issue_registry.issues


async def test_expired_certificate_raises_error(
    hass: HomeAssistant,
    issue_registry: ir.IssueRegistry,
    gateway_sim: GatewaySimulator,
    gateway_entry: MockConfigEntry,
) -> None:
    """Expired: the gateway refuses the handshake; the issue explains why."""
    not_after = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
    await _setup_with_client(hass, gateway_entry, *_client(gateway_sim, not_after))
    assert gateway_entry.state is ConfigEntryState.SETUP_RETRY
    found = issue_registry.async_get_issue(
        DOMAIN, f"gateway_certificate_expired_{gateway_entry.entry_id}"
    )
    assert found is not None
    assert found.severity is ir.IssueSeverity.ERROR
    assert (
        issue_registry.async_get_issue(
            DOMAIN, f"gateway_certificate_expiring_{gateway_entry.entry_id}"
        )
        is None
    )


async def test_valid_certificates_raise_nothing(
    hass: HomeAssistant,
    issue_registry: ir.IssueRegistry,
    loaded_gateway_entry: MockConfigEntry,
) -> None:
    """A year of validity left: no issue."""
    assert loaded_gateway_entry.state is ConfigEntryState.LOADED
    assert not issue_registry.issues
