"""Parsing Partner API keys: examples and properties (hypothesis)."""

from __future__ import annotations

import datetime as dt
import string

from hypothesis import given, strategies as st
import pytest

from custom_components.bosch_connect.homecomfort.errors import (
    ApiKeyExpiredError,
    ApiKeyFormatError,
)
from custom_components.bosch_connect.homecomfort.keys import (
    PREFIX,
    add_months,
    check_not_expired,
    effective_expiry,
    parse_api_key,
)

UTC = dt.UTC
KEY_ID = st.text(string.ascii_letters + string.digits + "_-", min_size=1, max_size=24)
SECRET = st.text(string.ascii_letters + string.digits + "_-", min_size=1, max_size=64)
EXPIRY = st.datetimes(
    min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2199, 12, 31)
).map(lambda d: d.replace(microsecond=0, tzinfo=UTC))


def simulator_key(key_id: str, expires: dt.datetime, secret: str) -> str:
    return f"{PREFIX}.{key_id}.{expires:%Y%m%dT%H%M%SZ}.{secret}"


@given(KEY_ID, EXPIRY, SECRET)
def test_simulator_layout_round_trips(
    key_id: str, expires: dt.datetime, secret: str
) -> None:
    key = parse_api_key(simulator_key(key_id, expires, secret))
    assert key.key_id == key_id
    assert key.expires == expires
    assert key.value not in repr(key)


@given(KEY_ID, EXPIRY, SECRET, st.sampled_from([" ", "\n", "\t", "  \n"]))
def test_surrounding_white_space_is_ignored(
    key_id: str, expires: dt.datetime, secret: str, space: str
) -> None:
    raw = simulator_key(key_id, expires, secret)
    assert parse_api_key(space + raw + space).value == raw


@given(
    st.text(string.ascii_letters, max_size=8),
    EXPIRY,
    st.text(string.ascii_letters + "_-", max_size=20),
    st.booleans(),
)
def test_other_layouts_still_yield_the_embedded_expiry(
    head: str, expires: dt.datetime, tail: str, iso_form: bool
) -> None:
    """Whatever the layout, an embedded UTC timestamp is found."""
    stamp = (
        expires.strftime("%Y-%m-%dT%H:%M:%SZ")
        if iso_form
        else expires.strftime("%Y%m%dT%H%M%SZ")
    )
    key = parse_api_key(f"{PREFIX}{head}{stamp}{tail}")
    assert key.expires == expires
    assert key.key_id is None


@given(st.text(string.ascii_letters + string.digits, min_size=1, max_size=40))
def test_a_key_without_expiry_parses_without_one(body: str) -> None:
    # No "T" between digit runs: cannot contain a timestamp.
    body = body.replace("T", "x")
    key = parse_api_key(PREFIX + body)
    assert key.expires is None


@given(
    st.text(min_size=0, max_size=40).filter(lambda t: not t.strip().startswith(PREFIX))
)
def test_text_without_the_prefix_is_malformed(text: str) -> None:
    with pytest.raises(ApiKeyFormatError):
        parse_api_key(text)


@given(
    SECRET,
    st.sampled_from([" ", "ä", "\x00", "€", "\u200b"]),
    SECRET,
)
def test_unsafe_characters_are_malformed(left: str, bad: str, right: str) -> None:
    with pytest.raises(ApiKeyFormatError):
        parse_api_key(f"{PREFIX}.{left}{bad}{right}")


@pytest.mark.parametrize(
    "text",
    [
        "",
        PREFIX,
        "xhcsapi.abc.20270101T000000Z.s",
        "Bearer xHCSAPI.a",
        PREFIX + "x" * 3000,
    ],
)
def test_malformed_examples(text: str) -> None:
    with pytest.raises(ApiKeyFormatError):
        parse_api_key(text)


def test_invalid_dates_are_not_expiries() -> None:
    # 13th month in the structured field, then a valid ISO stamp later on.
    key = parse_api_key(f"{PREFIX}.abc.20271301T000000Z.s-2027-02-03T04:05:06Z")
    assert key.key_id is None
    assert key.expires == dt.datetime(2027, 2, 3, 4, 5, 6, tzinfo=UTC)
    assert parse_api_key(f"{PREFIX}.abc.20271301T000000Z.s").expires is None


@given(EXPIRY, st.integers(min_value=-1000, max_value=1000))
def test_expired_check(expires: dt.datetime, seconds: int) -> None:
    key = parse_api_key(simulator_key("k", expires, "s"))
    now = expires + dt.timedelta(seconds=seconds)
    if seconds >= 0:
        with pytest.raises(ApiKeyExpiredError):
            check_not_expired(key, now)
    else:
        check_not_expired(key, now)


def test_effective_expiry_fallbacks() -> None:
    embedded = parse_api_key(
        simulator_key("k", dt.datetime(2027, 5, 1, tzinfo=UTC), "s")
    )
    bare = parse_api_key(PREFIX + "abc")
    reported = dt.datetime(2027, 6, 1, tzinfo=UTC)
    entered = dt.datetime(2026, 8, 31, 12, tzinfo=UTC)
    assert effective_expiry(embedded, reported, entered) == embedded.expires
    assert effective_expiry(bare, reported, entered) == reported
    assert effective_expiry(bare, None, entered) == dt.datetime(
        2027, 2, 28, 12, tzinfo=UTC
    )
    check_not_expired(bare, entered)  # no embedded expiry: nothing to check


@given(EXPIRY, st.integers(min_value=0, max_value=48))
def test_add_months(moment: dt.datetime, months: int) -> None:
    later = add_months(moment, months)
    assert (later.year - moment.year) * 12 + later.month - moment.month == months
    assert later.day <= moment.day
    assert later.time() == moment.time()
