"""The owner channel's client against hostile answers of the token port.

The simulator serves the answers over its real TLS owner port; only the body
of the token list is replaced (a real gateway never sends these).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import aiohttp
import pytest

from custom_components.bosch_connect.gateway.api import (
    MAX_LISTED_TOKENS,
)
from custom_components.bosch_connect.gateway.errors import (
    AnswerTooLargeError,
    ValueFormatError,
)
from simulator.gateway import GatewaySimulator
from tests.gateway.conftest import owner_client


def _serve(sim: GatewaySimulator, body: Any) -> None:
    sim.owner.listing = lambda authorization: (200, body)  # type: ignore[method-assign]


async def test_hostile_token_lists(
    gateway_sim: GatewaySimulator, gateway_session: aiohttp.ClientSession
) -> None:
    """Only well-formed entries, cut to size; impossible dates are no dates."""
    client = await owner_client(gateway_sim, gateway_session, "anything")
    _serve(
        gateway_sim,
        [
            "not an entry",
            None,
            {"client_name": "no id"},
            {"token_id": True, "client_name": "bool id"},
            {"token_id": 7, "client_name": "x" * 500, "created_at": 1775134322},
            {"token_id": "8", "client_name": "evil\x1b[31m\nname", "created_at": -5},
            {"token_id": "9", "client_name": ["list"], "created_at": 10**20},
            {"token_id": "10", "created_at": "yesterday"},
        ],
    )
    listed = await client.list_tokens()
    assert [t.token_id for t in listed] == ["7", "8", "9", "10"]
    assert listed[0].client_name == "x" * 64
    assert listed[0].created_at == dt.datetime.fromtimestamp(1775134322, dt.UTC)
    assert listed[1].client_name == "evil[31mname"
    assert listed[1].created_at is None
    assert listed[2].client_name == ""
    assert listed[2].created_at is None
    assert listed[3].created_at is None


async def test_many_tokens_listed(
    gateway_sim: GatewaySimulator, gateway_session: aiohttp.ClientSession
) -> None:
    """More entries than can be shown: the first MAX_LISTED_TOKENS."""
    client = await owner_client(gateway_sim, gateway_session, "anything")
    _serve(gateway_sim, [{"token_id": str(i)} for i in range(500)])
    listed = await client.list_tokens()
    assert len(listed) == MAX_LISTED_TOKENS


@pytest.mark.parametrize("body", [{"tokens": []}, "[]", 42])
async def test_token_list_not_a_list(
    gateway_sim: GatewaySimulator,
    gateway_session: aiohttp.ClientSession,
    body: Any,
) -> None:
    """Anything but a JSON list is a format error."""
    client = await owner_client(gateway_sim, gateway_session, "anything")
    _serve(gateway_sim, body)
    with pytest.raises(ValueFormatError):
        await client.list_tokens()


async def test_token_list_too_large(
    gateway_sim: GatewaySimulator, gateway_session: aiohttp.ClientSession
) -> None:
    """A list answer over 64 KiB is refused after at most 64 KiB + 1 bytes."""
    client = await owner_client(gateway_sim, gateway_session, "anything")
    _serve(
        gateway_sim,
        [{"token_id": str(i), "client_name": "y" * 60} for i in range(2000)],
    )
    with pytest.raises(AnswerTooLargeError):
        await client.list_tokens()
