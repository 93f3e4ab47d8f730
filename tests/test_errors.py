"""The one way from an API error to what the user sees (``errors.py``).

The errors come from the real clients talking to the simulators (refused
credentials, a rate limit, a clock that Bosma rejects, a client without
permissions); the tables are the services' own.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import aiohttp
from homeassistant.exceptions import (
    ConfigEntryAuthFailed,
    ConfigEntryNotReady,
    HomeAssistantError,
    ServiceValidationError,
)
from homeassistant.helpers.update_coordinator import UpdateFailed
import pytest

from custom_components.bosch_connect.bosma.api import BosmaClient
from custom_components.bosch_connect.bosma.errors import (
    BosmaError,
    BosmaSignatureError,
    BosmaTimestampError,
)
from custom_components.bosch_connect.bosma.failures import BOSMA_ERRORS
from custom_components.bosch_connect.bosma.flow import account_from
from custom_components.bosch_connect.const import DOMAIN
from custom_components.bosch_connect.ebike.errors import EbikeError
from custom_components.bosch_connect.ebike.failures import (
    EBIKE_ACTION_ERRORS,
    EBIKE_FLOW_ERRORS,
    EBIKE_REFRESH_ERRORS,
)
from custom_components.bosch_connect.errors import (
    Choice,
    ErrorMap,
    Failure,
    action_failed,
    failure_of,
    failures_in,
    flow_errors,
    not_ready,
    update_failed,
)
from custom_components.bosch_connect.homecomfort.api import HomeComfortClient
from custom_components.bosch_connect.homecomfort.errors import (
    HomeComfortError,
    NotFoundError,
)
from custom_components.bosch_connect.homecomfort.failures import (
    ACCESS_DENIED,
    HOMECOMFORT_ERRORS,
)
from custom_components.bosch_connect.rollouts.errors import (
    RolloutsClientRegisteredError,
    RolloutsError,
    RolloutsInvalidClientError,
)
from custom_components.bosch_connect.rollouts.failures import ROLLOUTS_ERRORS
from custom_components.bosch_connect.rollouts.flow import management_client
from simulator.bosma import BosmaCloud
from simulator.homecomfort import HomeComfortService
from simulator.rollouts import RolloutsCloud
from tests.bosma.conftest import bosma_cloud, form_input
from tests.homecomfort.conftest import hc_sim
from tests.rollouts.conftest import basic_data, oauth_data, rollouts

__all__ = ["bosma_cloud", "hc_sim", "rollouts"]

TABLES: dict[str, ErrorMap] = {
    "homecomfort": HOMECOMFORT_ERRORS,
    "rollouts": ROLLOUTS_ERRORS,
    "bosma": BOSMA_ERRORS,
    "ebike_flow": EBIKE_FLOW_ERRORS,
    "ebike_refresh": EBIKE_REFRESH_ERRORS,
    "ebike_action": EBIKE_ACTION_ERRORS,
}
TRANSLATIONS = (
    Path(__file__).parent.parent / "custom_components/bosch_connect/translations"
)


async def _raised(call: Any) -> Exception:
    with pytest.raises(Exception) as caught:
        await call
    assert isinstance(caught.value, Exception)
    return caught.value


def _translation(err: HomeAssistantError) -> tuple[str | None, dict[str, str] | None]:
    assert err.translation_domain == DOMAIN
    return err.translation_key, err.translation_placeholders


async def test_refused_credentials_mean_reauth(
    session: aiohttp.ClientSession, rollouts: RolloutsCloud
) -> None:
    """A refused password: the form says so at the form; the entry re-authenticates."""
    client = management_client(session, basic_data(rollouts, password="wrong"))
    err = await _raised(client.check())
    assert flow_errors(err, ROLLOUTS_ERRORS) == ({"base": "rollouts_invalid_auth"}, {})
    failed = update_failed(err, ROLLOUTS_ERRORS, client_id="demo")
    assert isinstance(failed, ConfigEntryAuthFailed)
    assert _translation(failed) == ("rollouts_invalid_auth", {"client_id": "demo"})
    assert isinstance(not_ready(err, ROLLOUTS_ERRORS), ConfigEntryAuthFailed)
    # An action never starts re-authentication.
    action = action_failed(err, ROLLOUTS_ERRORS)
    assert type(action) is HomeAssistantError
    assert _translation(action) == ("rollouts_invalid_auth", None)


async def test_most_specific_class_wins_and_brings_its_placeholders(
    session: aiohttp.ClientSession, rollouts: RolloutsCloud
) -> None:
    """A new OAuth2 client (403 until granted) is not just "forbidden"."""
    err = await _raised(management_client(session, oauth_data(rollouts)).check())
    assert isinstance(err, RolloutsClientRegisteredError)
    failure = failure_of(err, ROLLOUTS_ERRORS)
    assert failure.key == "rollouts_client_registered"
    assert failure.repair == "rollouts_permissions"
    assert not failure.reauth
    assert flow_errors(err, ROLLOUTS_ERRORS) == (
        {"base": "rollouts_client_registered"},
        {"client_id": err.client_id},
    )
    failed = update_failed(err, ROLLOUTS_ERRORS)
    assert type(failed) is UpdateFailed
    assert _translation(failed) == (
        "rollouts_client_registered",
        {"client_id": err.client_id},
    )
    # Wrong secret: the subclass of the refused credentials, its own key.
    wrong = oauth_data(rollouts, client_secret="wrong")
    err = await _raised(management_client(session, wrong).check())
    assert isinstance(err, RolloutsInvalidClientError)
    assert flow_errors(err, ROLLOUTS_ERRORS)[0] == {"base": "rollouts_invalid_client"}
    assert isinstance(update_failed(err, ROLLOUTS_ERRORS), ConfigEntryAuthFailed)


async def test_rate_limit_is_unavailable_with_the_wait(
    session: aiohttp.ClientSession, hc_sim: HomeComfortService
) -> None:
    """A 429 becomes an unavailable entity whose message says how long to wait."""
    client = HomeComfortClient(session, hc_sim.url, hc_sim.key, user_id=hc_sim.user_id)
    hc_sim.inject_rate_limit(1, 900)
    err = await _raised(client.contracts())
    failed = update_failed(err, HOMECOMFORT_ERRORS)
    assert type(failed) is UpdateFailed
    assert _translation(failed) == ("homecomfort_rate_limited", {"seconds": "900"})
    assert flow_errors(err, HOMECOMFORT_ERRORS)[0] == {
        "base": "homecomfort_rate_limited"
    }


async def test_setup_retries_or_reauthenticates(
    session: aiohttp.ClientSession, hc_sim: HomeComfortService
) -> None:
    """Set-up: a refused address is retried later, a refused key re-authenticates."""
    client = HomeComfortClient(session, hc_sim.url, hc_sim.key, user_id=hc_sim.user_id)
    hc_sim.allow_list = set()
    err = await _raised(client.contracts())
    not_yet = not_ready(err, HOMECOMFORT_ERRORS)
    assert type(not_yet) is ConfigEntryNotReady
    assert _translation(not_yet) == ("homecomfort_ip_not_allowed", None)
    hc_sim.allow_list = {"127.0.0.1"}

    stranger = "xHCSAPI.k1.20990101T000000Z.secret"
    client = HomeComfortClient(session, hc_sim.url, stranger, user_id=hc_sim.user_id)
    err = await _raised(client.contracts())
    refused = not_ready(err, HOMECOMFORT_ERRORS)
    assert isinstance(refused, ConfigEntryAuthFailed)
    assert _translation(refused) == ("homecomfort_key_rejected", None)
    # In a form, the refused key is shown at the key's field.
    assert flow_errors(err, HOMECOMFORT_ERRORS)[0] == {
        "api_key": "homecomfort_key_rejected"
    }


async def test_bosma_refusals(
    session: aiohttp.ClientSession, bosma_cloud: BosmaCloud
) -> None:
    """Bosma's answer codes: the skew for 501, re-authentication for 502."""
    bosma_cloud.skew = 600
    client = BosmaClient(session, account_from(form_input(bosma_cloud)))
    err = await _raised(client.apply_token())
    assert isinstance(err, BosmaTimestampError)
    errors, placeholders = flow_errors(err, BOSMA_ERRORS)
    assert errors == {"base": "bosma_timestamp_rejected"}
    # Measured from the answer's Date header, which counts whole seconds.
    assert placeholders["skew"] in ("+599", "+600", "+601")
    assert failure_of(err, BOSMA_ERRORS).repair == "bosma_clock_skew"
    bosma_cloud.skew = 0

    wrong = account_from(form_input(bosma_cloud, api_secret="0" * 32))
    err = await _raised(BosmaClient(session, wrong).apply_token())
    assert isinstance(err, BosmaSignatureError)
    assert isinstance(update_failed(err, BOSMA_ERRORS), ConfigEntryAuthFailed)
    action = action_failed(err, BOSMA_ERRORS)
    assert type(action) is HomeAssistantError
    assert _translation(action) == ("bosma_signature_rejected", None)


def test_catch_all_names_the_error() -> None:
    """An error the table does not name falls to the service's catch-all."""
    failed = update_failed(NotFoundError("gone"), HOMECOMFORT_ERRORS)
    assert _translation(failed) == (
        "homecomfort_unexpected_response",
        {"error": "NotFoundError"},
    )


def test_an_error_of_another_service_is_a_bug() -> None:
    """A table answers only for its own service's errors: no silent guess."""
    with pytest.raises(LookupError, match="ValueError"):
        failure_of(ValueError("not an API error"), ROLLOUTS_ERRORS)
    with pytest.raises(LookupError):
        failure_of(BosmaError("x"), HOMECOMFORT_ERRORS)


@pytest.mark.parametrize(
    ("service", "root"),
    [
        ("homecomfort", HomeComfortError),
        ("rollouts", RolloutsError),
        ("bosma", BosmaError),
        ("ebike_flow", EbikeError),
        ("ebike_refresh", EbikeError),
        ("ebike_action", EbikeError),
    ],
)
def test_every_table_has_a_catch_all(service: str, root: type[Exception]) -> None:
    """The service's base error is in its table, so every API error maps."""
    assert root in TABLES[service]
    assert all(issubclass(cls, root) for cls in TABLES[service])


@pytest.mark.parametrize("language", ["en", "de"])
@pytest.mark.parametrize("service", sorted(TABLES))
def test_what_the_user_sees_is_translated(service: str, language: str) -> None:
    """Every key is a message (of a form or an exception), every repair an issue.

    The one exception: a Home Comfort gateway that refuses access without a
    consent issue only makes its entities unavailable (one log line).
    """
    strings = json.loads((TRANSLATIONS / f"{language}.json").read_text())
    messages = {*strings["exceptions"], *strings["config"]["error"]}
    for cls, failure in TABLES[service].items():
        assert isinstance(failure, Failure)
        if failure.repair is not None:
            assert failure.repair in strings["issues"], cls
        elif failure.key != ACCESS_DENIED:
            assert failure.key in messages, cls


class _Refused(Exception):
    """An error whose status decides what the user sees."""

    def __init__(self, status: int) -> None:
        super().__init__(f"HTTP {status}")
        self.status = status


class _BadValue(Exception):
    """The user's own value is refused."""


_BY_STATUS = Failure(key="by_status")
_CHOOSING: ErrorMap = {
    _Refused: Choice(
        by=lambda err: err.status,
        failures={401: Failure(key="refused_401", reauth=True)},
        default=_BY_STATUS,
    ),
    _BadValue: Failure(key="bad_value", invalid_input=True),
    Exception: Failure(key="other"),
}


def test_a_choice_is_decided_by_the_error() -> None:
    """A ``Choice`` picks the failure by an attribute; the rest is its default."""
    assert failure_of(_Refused(401), _CHOOSING).key == "refused_401"
    assert isinstance(update_failed(_Refused(401), _CHOOSING), ConfigEntryAuthFailed)
    assert failure_of(_Refused(418), _CHOOSING) is _BY_STATUS
    assert flow_errors(_Refused(418), _CHOOSING) == ({"base": "by_status"}, {})
    # Every failure a table can give, a choice's default too.
    assert sorted(f.key for f in failures_in(_CHOOSING)) == [
        "bad_value",
        "by_status",
        "other",
        "refused_401",
    ]


def test_call_site_placeholders_and_refused_input() -> None:
    """Set-up and actions add the call site's placeholders; bad input is the user's."""
    later = not_ready(ValueError("down"), _CHOOSING, host="gw")
    assert type(later) is ConfigEntryNotReady
    assert _translation(later) == ("other", {"host": "gw"})
    refused = action_failed(_BadValue("9"), _CHOOSING, value="9")
    assert isinstance(refused, ServiceValidationError)
    assert _translation(refused) == ("bad_value", {"value": "9"})
    assert type(action_failed(ValueError("x"), _CHOOSING)) is HomeAssistantError
