"""Parsing Partner API keys: examples and properties (hypothesis)."""

from __future__ import annotations

import datetime as dt
import string

from hypothesis import HealthCheck, given, settings, strategies as st
import pytest

from custom_components.bosch_connect.homecomfort.errors import (
    ApiKeyExpiredError,
    ApiKeyFormatError,
    HomeComfortResponseError,
)
from custom_components.bosch_connect.homecomfort.keys import (
    MAX_LENGTH,
    PREFIX,
    add_months,
    check_not_expired,
    effective_expiry,
    parse_api_key,
    useless_key,
)
from custom_components.bosch_connect.homecomfort.models import KeyInfo, NewKey

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


# Hostile input: any text at all (every Unicode category, lone surrogates,
# control characters), text that starts like a key, and huge strings. The
# parser either returns a key that is safe to send in a header or raises its
# own ApiKeyFormatError - never anything else.
ANY_CHARACTER = st.characters(exclude_categories=())  # surrogates included
HOSTILE = st.one_of(
    st.text(ANY_CHARACTER, max_size=200),
    st.text(ANY_CHARACTER, max_size=200).map(lambda t: PREFIX + t),
    st.text(ANY_CHARACTER, max_size=50).map(lambda t: f"{PREFIX}.{t}.{t}.{t}"),
    st.tuples(
        st.text(ANY_CHARACTER, max_size=5),
        st.integers(min_value=MAX_LENGTH - 10, max_value=1_000_000),
    ).map(lambda p: PREFIX + (p[0] or "A") * (p[1] // max(1, len(p[0] or "A")))),
    st.integers(min_value=0, max_value=100_000).map(
        lambda n: f"{PREFIX}.{'9' * n}.{'20270101T000000Z' * (n // 16)}.s"
    ),
)


def check_parsed_or_refused(text: str) -> None:
    try:
        key = parse_api_key(text)
    except ApiKeyFormatError:
        return
    # Accepted: exactly the stripped text, printable ASCII, bounded, prefixed.
    assert key.value == text.strip()
    assert key.value.startswith(PREFIX)
    assert len(key.value) <= MAX_LENGTH
    assert all("!" <= c <= "~" for c in key.value)
    assert key.expires is None or key.expires.tzinfo is UTC
    assert key.key_id is None or key.key_id in key.value
    assert key.value not in repr(key)  # the secret never shows


@settings(
    max_examples=300, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
@given(HOSTILE)
def test_hostile_text_raises_only_the_typed_error(text: str) -> None:
    check_parsed_or_refused(text)


@pytest.mark.parametrize(
    "text",
    [
        PREFIX + "\ud800",  # a lone surrogate
        PREFIX + ".k1.20270101T000000Z.\U0001f525",
        "\ufeff" + PREFIX + ".k1.20270101T000000Z.s",  # byte order mark
        PREFIX + ".k1.99991399T999999Z.s",  # an impossible date
        PREFIX + "." * (MAX_LENGTH - len(PREFIX)),
        PREFIX + "." * (MAX_LENGTH - len(PREFIX) + 1),
        PREFIX + "A" * 10_000_000,  # 10 MB
        PREFIX + "\x00" * 1000,
    ],
)
def test_hostile_examples(text: str) -> None:
    check_parsed_or_refused(text)


JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(ANY_CHARACTER, max_size=40),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=12,
)
KEY_FIELDS = st.fixed_dictionaries(
    {},
    optional={
        "apiKey": JSON | st.text(ANY_CHARACTER, max_size=60),
        "keyId": JSON,
        "companyId": JSON,
        "expiresAt": JSON | st.text("0123456789-:TZ+.", max_size=30),
        "createdAt": JSON,
    },
)


@settings(max_examples=120, derandomize=True)
@given(st.one_of(JSON, KEY_FIELDS))
def test_hostile_key_answers_raise_only_the_typed_error(body: object) -> None:
    """``POST /api-keys`` and ``GET /api-keys/me`` bodies, whatever they hold."""
    for model in (NewKey, KeyInfo):
        try:
            parsed = model.from_json(body)
        except HomeComfortResponseError:
            continue
        assert parsed.expires is None or parsed.expires.tzinfo is not None


@pytest.mark.parametrize(
    ("new_days", "current_days", "problem"),
    [
        (180, 10, None),  # a proper renewal
        (11, 10, None),  # later than the key in use: of use (however short)
        (None, 10, None),  # no known expiry: the benefit of the doubt
        (180, None, None),  # the key in use has no known expiry
        (0, 10, "expired"),  # expires now
        (-1, None, "expired"),
        (10, 10, "not_later"),
        (9, 10, "not_later"),
    ],
)
def test_useless_key(
    new_days: int | None, current_days: int | None, problem: str | None
) -> None:
    now = dt.datetime(2026, 12, 1, tzinfo=UTC)

    def at(days: int | None) -> dt.datetime | None:
        return None if days is None else now + dt.timedelta(days=days)

    assert useless_key(at(new_days), at(current_days), now) == problem
