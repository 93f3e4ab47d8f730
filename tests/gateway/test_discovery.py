"""From a real zeroconf announcement to a loaded entry.

The simulator advertises ``_gateway-tt-local-api._tcp.local.`` on loopback; a
real python-zeroconf browser resolves it; Home Assistant's own conversion
(``info_from_service``, what its zeroconf integration hands to config flows)
starts the discovery flow, which ends with a token and entities.
"""

from __future__ import annotations

from pathlib import Path
import random
import shutil

from homeassistant import config_entries
from homeassistant.components.zeroconf import info_from_service
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType

from custom_components.bosch_connect.const import DOMAIN
from simulator.gateway import GatewaySimulator, Identity
from simulator.gateway.tokens import DEMO_CLIENT_ID
from simulator.options import Options

from .conftest import resolve_announcement
from .test_zeroconf import manifest_service_type, manifest_service_types


async def test_announced_gateway_is_set_up(
    hass: HomeAssistant,
    sim_options: Options,
    socket_enabled: None,
    gateway_pki_folder: Path,
) -> None:
    """Announcement -> discovery confirm (model, brand, serial) -> entry loaded."""
    uuid = str(random.randint(10**8, 10**9 - 1))  # other runs may advertise too
    shutil.copytree(gateway_pki_folder, sim_options.state_dir / "gateway")
    sim_options.zeroconf = True
    sim = GatewaySimulator(sim_options, identity=Identity(uuid=uuid))
    await sim.start()
    try:
        resolved = await resolve_announcement(manifest_service_type(), uuid)
        discovery = info_from_service(resolved)
        assert discovery is not None

        result = await hass.config_entries.flow.async_init(
            DOMAIN,
            context={"source": config_entries.SOURCE_ZEROCONF},
            data=discovery,
        )
        assert result["step_id"] == "gateway_discovery_confirm"
        assert result["description_placeholders"] == {
            "model": "K40RF",
            "brand": "Bosch",
            "serial": sim.identity.serial,
            "device": uuid,
            "host": "127.0.0.1",
        }
        result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {"next_step_id": "gateway_partner"}
        )
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"],
            {
                "client_id": DEMO_CLIENT_ID,
                "client_name": "Home Assistant",
                "client_cert": sim.pki.client.cert_pem,
                "client_key": sim.pki.client.key_pem,
                "root_cert": sim.pki.bosch_root.cert_pem,
            },
        )
        assert result["step_id"] == "gateway_proximity"
        sim.press()
        result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
        await hass.async_block_till_done()
        assert result["type"] is FlowResultType.CREATE_ENTRY
        entry = result["result"]
        assert entry.unique_id == uuid
        assert entry.data["api_port"] == sim.api_port
        assert entry.data["auth_port"] == sim.auth_port
        assert entry.state is ConfigEntryState.LOADED
        assert (
            hass.states.get(f"climate.bosch_k40rf_{uuid}_heating_circuit_1") is not None
        )

        # The same announcement again: nothing new, no second entry.
        result = await hass.config_entries.flow.async_init(
            DOMAIN,
            context={"source": config_entries.SOURCE_ZEROCONF},
            data=discovery,
        )
        assert result["type"] is FlowResultType.ABORT
        assert result["reason"] == "already_configured"
        assert sim.token_count == 1
        assert await hass.config_entries.async_unload(entry.entry_id)
    finally:
        await sim.stop()


async def test_announced_owner_channel_is_set_up(
    hass: HomeAssistant,
    sim_options: Options,
    socket_enabled: None,
    gateway_pki_folder: Path,
) -> None:
    """The owner announcement, resolved by zeroconf, leads to an owner entry."""
    uuid = str(random.randint(10**8, 10**9 - 1))
    shutil.copytree(gateway_pki_folder, sim_options.state_dir / "gateway")
    sim_options.zeroconf = True
    sim = GatewaySimulator(sim_options, identity=Identity(uuid=uuid))
    await sim.start()
    try:
        resolved = await resolve_announcement(manifest_service_types()[1], uuid)
        discovery = info_from_service(resolved)
        assert discovery is not None
        result = await hass.config_entries.flow.async_init(
            DOMAIN,
            context={"source": config_entries.SOURCE_ZEROCONF},
            data=discovery,
        )
        assert result["step_id"] == "gateway_discovery_confirm"
        result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {"next_step_id": "gateway_owner"}
        )
        assert result["step_id"] == "gateway_owner_auth"
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {"next_step_id": "gateway_owner_sticker"}
        )
        sim.press()
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {"sticker_qr": sim.sticker.qr}
        )
        await hass.async_block_till_done()
        assert result["type"] is FlowResultType.CREATE_ENTRY
        entry = result["result"]
        assert entry.unique_id == f"{uuid}-owner"
        assert entry.data["auth_port"] == sim.owner_auth_port
        assert entry.data["api_port"] == sim.owner_api_port
        assert entry.state is ConfigEntryState.LOADED
        assert await hass.config_entries.async_unload(entry.entry_id)
    finally:
        await sim.stop()
