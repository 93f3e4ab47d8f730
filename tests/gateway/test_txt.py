"""The zeroconf TXT record of the Local API announcement."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings, strategies as st
import pytest

from custom_components.bosch_connect.gateway.errors import AnnouncementError
from custom_components.bosch_connect.gateway.txt import GatewayAnnouncement, parse_txt

DOCUMENT = {
    "txtvers": "1",
    "authport": "8442",
    "model": "K40RF",
    "brand": "Bosch",
    "uuid": "101042019",
    "serial": "99994370000527738114013",
}
EXPECTED = GatewayAnnouncement(
    txtvers=1,
    authport=8442,
    model="K40RF",
    brand="Bosch",
    uuid="101042019",
    serial="99994370000527738114013",
)


def test_text_properties() -> None:
    """Home Assistant's ZeroconfServiceInfo.properties: text keys and values."""
    announcement = parse_txt(DOCUMENT)
    assert announcement == EXPECTED
    assert announcement.instance == "k40rf-101042019"


def test_bytes_properties() -> None:
    """python-zeroconf's ServiceInfo.properties: bytes keys and values."""
    raw = {k.encode(): v.encode() for k, v in DOCUMENT.items()}
    assert parse_txt(raw) == EXPECTED


def test_extra_keys_case_and_spaces() -> None:
    raw: dict[Any, Any] = {k.upper(): f" {v} " for k, v in DOCUMENT.items()}
    raw[b"future"] = None
    raw["other"] = "x"
    assert parse_txt(raw) == EXPECTED


@pytest.mark.parametrize("missing", list(DOCUMENT))
def test_missing_field(missing: str) -> None:
    with pytest.raises(AnnouncementError, match=missing):
        parse_txt({k: v for k, v in DOCUMENT.items() if k != missing})


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("authport", "eighty"),
        ("authport", "0"),
        ("authport", "70000"),
        ("authport", "-1"),
        ("authport", "\uff18\uff14\uff14\uff12"),  # full-width digits
        ("txtvers", "one"),
        ("txtvers", "0"),
        ("uuid", "10104/2019"),
        ("uuid", "1010 42019"),
        ("model", ""),
        ("serial", None),
        ("brand", b"\xff\xfe"),
        ("brand", 5),
    ],
)
def test_invalid_field(field: str, value: Any) -> None:
    with pytest.raises(AnnouncementError):
        parse_txt({**DOCUMENT, field: value})


def test_key_that_is_not_text() -> None:
    with pytest.raises(AnnouncementError):
        parse_txt({**DOCUMENT, 5: "x"})


TEXTISH = st.none() | st.text(max_size=12) | st.binary(max_size=12) | st.integers()


@settings(max_examples=100, deadline=None)
@given(
    overrides=st.dictionaries(
        st.sampled_from([*DOCUMENT, "other"]) | st.binary(max_size=6), TEXTISH
    )
)
def test_parser_raises_only_typed_errors(overrides: dict[Any, Any]) -> None:
    try:
        announcement = parse_txt({**DOCUMENT, **overrides})
    except AnnouncementError:
        return
    assert 0 < announcement.authport < 65536
    assert announcement.txtvers >= 1
    assert announcement.uuid
