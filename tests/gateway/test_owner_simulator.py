"""The simulator's owner channel answers as the K 40 RF document says.

Through the integration's own client (real TLS to the self-signed owner
certificate, pinned) and, for what the client never sends, plain aiohttp.
"""

from __future__ import annotations

import ssl

import aiohttp
import pytest

from custom_components.bosch_connect.gateway.errors import (
    GatewayAuthError,
    GatewayConnectionError,
    GatewayForbiddenError,
    GatewayIdentityError,
    InvalidGrantError,
    ProximityCheckRequiredError,
    ResourceNotFoundError,
    TokenLimitReachedError,
    TokenRequestRejectedError,
)
from simulator.gateway import GatewaySimulator
from simulator.gateway.owner import Sticker, load_sticker
from tests.gateway.conftest import owner_client


async def test_pairing_list_revoke(
    gateway_sim: GatewaySimulator, gateway_session: aiohttp.ClientSession
) -> None:
    """Token after the press; 9443 opens; list and revoke with a token."""
    client = await owner_client(gateway_sim, gateway_session)
    # 9443 does not listen before the first token.
    client.set_token("x")
    with pytest.raises(GatewayConnectionError):
        await client.get("/gateway/brand")
    client.set_token(None)
    sticker = gateway_sim.sticker
    with pytest.raises(ProximityCheckRequiredError):
        await client.request_owner_token(sticker.login, sticker.password_plain, "HA")
    gateway_sim.press()
    with pytest.raises(InvalidGrantError):
        await client.request_owner_token(sticker.login, "wrongwrongwrong1", "HA")
    with pytest.raises(InvalidGrantError):
        # The password as printed, with hyphens: the gateway wants it without.
        await client.request_owner_token(sticker.login, sticker.password, "HA")
    first = await client.request_owner_token(
        sticker.login, sticker.password_plain, "HA"
    )
    assert first.scope == "open_api.read"
    second = await client.request_owner_token(
        sticker.login, sticker.password_plain, "Tablet"
    )
    client.set_token(first.access_token)
    brand = await client.get("/gateway/brand")
    assert brand.value == "Bosch"
    # Read-only, and 403 outside the tree (absent for a reader).
    with pytest.raises(ResourceNotFoundError):
        await client.get("/auth/token")
    with pytest.raises(GatewayForbiddenError):
        await client.put("/dhwCircuits/dhw1/operationMode", "eco")
    listed = await client.list_tokens()
    assert [(t.token_id, t.client_name) for t in listed] == [
        ("1", "HA"),
        ("2", "Tablet"),
    ]
    assert all(t.created_at is not None for t in listed)
    await client.revoke_token("2")
    with pytest.raises(TokenRequestRejectedError):
        await client.revoke_token("2")
    client.set_token(second.access_token)
    with pytest.raises(GatewayAuthError):
        await client.list_tokens()
    with pytest.raises(GatewayAuthError):
        await client.get("/gateway/brand")


async def test_database_full(
    gateway_sim: GatewaySimulator, gateway_session: aiohttp.ClientSession
) -> None:
    """507 when full; the tokens survive a restart of the simulator."""
    gateway_sim.owner.max_tokens = 1
    client = await owner_client(gateway_sim, gateway_session)
    sticker = gateway_sim.sticker
    gateway_sim.press()
    await client.request_owner_token(sticker.login, sticker.password_plain, "A")
    with pytest.raises(TokenLimitReachedError):
        await client.request_owner_token(sticker.login, sticker.password_plain, "B")
    await gateway_sim.stop()
    await gateway_sim.start()
    assert gateway_sim.state()["owner_api_listening"] is True
    assert len(gateway_sim.owner.tokens) == 1


async def test_form_only_and_bearer_checked(
    gateway_sim: GatewaySimulator, gateway_session: aiohttp.ClientSession
) -> None:
    """415 for JSON; 401 for list/revoke without a valid token."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    url = f"https://{gateway_sim.host}:{gateway_sim.owner_auth_port}"
    gateway_sim.press()
    async with gateway_session.post(
        f"{url}/auth/token", json={"grant_type": "password"}, ssl=context
    ) as response:
        assert response.status == 415
    async with gateway_session.get(f"{url}/auth/token", ssl=context) as response:
        assert response.status == 401
    async with gateway_session.post(
        f"{url}/auth/revoke",
        data={"token_id": "1", "usage_type": "private"},
        ssl=context,
    ) as response:
        assert response.status == 401
    async with gateway_session.get(f"{url}/gateway/brand", ssl=context) as response:
        assert response.status == 403


async def test_renewed_certificate_is_refused_by_the_pin(
    gateway_sim: GatewaySimulator, gateway_session: aiohttp.ClientSession
) -> None:
    """A new certificate of the same device fails the pinned handshake."""
    client = await owner_client(gateway_sim, gateway_session)
    gateway_sim.renew_owner_certificate()
    gateway_sim.press()
    with pytest.raises(GatewayIdentityError) as caught:
        await client.request_owner_token("x", "y", "z")
    assert caught.value.certificate_changed
    assert gateway_sim.owner.requests == 0


def test_sticker_kept_and_remade(tmp_path: object) -> None:
    """The sticker is made once per device and kept; another device gets another."""
    from pathlib import Path

    assert isinstance(tmp_path, Path)
    first = load_sticker(tmp_path, "101042019")
    assert load_sticker(tmp_path, "101042019") == first
    assert first.qr == (f"V:1;L:101042019;P:{first.password};MAC:{first.mac};N:K40RF")
    assert len(first.password_plain) == 16
    other = load_sticker(tmp_path, "42")
    assert other.login == "42"
    (tmp_path / "sticker.json").write_text("{broken")
    assert isinstance(load_sticker(tmp_path, "42"), Sticker)
