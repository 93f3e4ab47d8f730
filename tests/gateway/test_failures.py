"""The gateway's error tables (``gateway/failures.py``).

What each form, refresh, set-up and write shows for an error of the Local
API client; the flows' and the coordinator's tests show the same keys end
to end against the simulator.
"""

from __future__ import annotations

import inspect
import json
import logging
from pathlib import Path
from typing import Any

from homeassistant.exceptions import (
    ConfigEntryAuthFailed,
    ConfigEntryNotReady,
    HomeAssistantError,
    ServiceValidationError,
)
from homeassistant.helpers.update_coordinator import UpdateFailed
import pytest

from custom_components.bosch_connect.errors import (
    ErrorMap,
    action_failed,
    failure_of,
    failures_in,
    flow_errors,
    not_ready,
    update_failed,
)
from custom_components.bosch_connect.gateway import errors
from custom_components.bosch_connect.gateway.failures import (
    GATEWAY_CREDENTIALS_ERRORS,
    GATEWAY_ERRORS,
    GATEWAY_OWNER_ERRORS,
    GATEWAY_OWNER_PASTE_ERRORS,
    GATEWAY_OWNER_REVOKE_ERRORS,
    GATEWAY_OWNER_TOKEN_ERRORS,
    GATEWAY_RECONFIGURE_ERRORS,
    GATEWAY_REFRESH_ERRORS,
    GATEWAY_SETUP_ERRORS,
    GATEWAY_SIGNALS_ERRORS,
    GATEWAY_WRITE_ERRORS,
    ISSUE_CERTIFICATE_CHANGED,
    ISSUE_OTHER_DEVICE,
    ISSUE_UNTRUSTED,
    form_errors,
)

TRANSLATIONS = (
    Path(__file__).parents[2] / "custom_components/bosch_connect/translations"
)
# Tables of forms (``config.error``) and of everything else (``exceptions``).
FORMS: dict[str, ErrorMap] = {
    "partner": GATEWAY_ERRORS,
    "credentials": GATEWAY_CREDENTIALS_ERRORS,
    "reconfigure": GATEWAY_RECONFIGURE_ERRORS,
    "owner": GATEWAY_OWNER_ERRORS,
    "owner_token": GATEWAY_OWNER_TOKEN_ERRORS,
    "owner_paste": GATEWAY_OWNER_PASTE_ERRORS,
    "owner_revoke": GATEWAY_OWNER_REVOKE_ERRORS,
}
MESSAGES: dict[str, ErrorMap] = {
    "refresh": GATEWAY_REFRESH_ERRORS,
    "setup": GATEWAY_SETUP_ERRORS,
    "write": GATEWAY_WRITE_ERRORS,
    "signals": GATEWAY_SIGNALS_ERRORS,
}
# Error classes that no table names: each shares its parent's failure, or
# never reaches one.
SHARED = {
    errors.GatewayServerError,  # unreachable, like any connection failure
    errors.UncheckedServerError,  # a TLS failure (nothing was sent)
    errors.MalformedPemError,  # CertificateError's
    errors.ResourceNotFoundError,  # a read makes it "absent"; else unexpected
    errors.TokenError,  # only its subclasses are raised
    errors.TokenLimitReachedError,  # the flow aborts or asks to revoke a token
    errors.AnnouncementError,  # the discovery aborts
}


def _error_classes() -> set[type[errors.GatewayError]]:
    return {
        cls
        for _, cls in inspect.getmembers(errors, inspect.isclass)
        if issubclass(cls, errors.GatewayError) and cls.__module__ == errors.__name__
    }


def _identity(
    seen: str | None, *, changed: bool = False
) -> errors.GatewayIdentityError:
    err = errors.GatewayIdentityError("101042019", seen)
    err.certificate_changed = changed
    return err


def _form(err: Exception, table: ErrorMap) -> dict[str, str]:
    return flow_errors(err, table)[0]


def test_every_error_class_has_a_failure() -> None:
    """Each class is named by a table (or knowingly shares its parent's).

    Every table names the base class, so no error of the client goes unmapped.
    """
    classes = _error_classes()
    assert errors.GatewayError in classes
    named = {cls for table in (*FORMS.values(), *MESSAGES.values()) for cls in table}
    assert named <= classes
    assert classes - named == SHARED
    for table in (*FORMS.values(), *MESSAGES.values()):
        assert errors.GatewayError in table
        for cls in classes:
            assert any(base in table for base in cls.__mro__), cls


@pytest.mark.parametrize("language", ["en", "de"])
def test_every_key_is_translated(language: str) -> None:
    """Form keys are form errors, the others exceptions, repairs issues."""
    strings: dict[str, Any] = json.loads(
        (TRANSLATIONS / f"{language}.json").read_text()
    )
    for name, table in FORMS.items():
        for failure in failures_in(table):
            assert strings["config"]["error"].get(failure.key), (name, failure.key)
            assert not failure.reauth
            assert failure.repair is None
    for name, table in MESSAGES.items():
        for failure in failures_in(table):
            assert strings["exceptions"][failure.key]["message"], (name, failure.key)
            if failure.repair is not None:
                assert failure.repair in strings["issues"], (name, failure.repair)


def test_what_answered_decides() -> None:
    """Identity: no device, another device, the pinned device re-keyed."""
    assert _form(_identity(None), GATEWAY_ERRORS) == {"base": "gateway_no_device_id"}
    assert _form(_identity("42"), GATEWAY_ERRORS) == {"base": "gateway_other_device"}
    # Reconfiguring with the token: another device is another gateway.
    assert _form(_identity("42"), GATEWAY_RECONFIGURE_ERRORS) == {
        "base": "gateway_other_gateway"
    }
    assert _form(_identity(None), GATEWAY_RECONFIGURE_ERRORS) == {
        "base": "gateway_no_device_id"
    }
    changed = _identity("101042019", changed=True)
    assert _form(changed, GATEWAY_OWNER_ERRORS) == {
        "base": "gateway_owner_certificate_changed"
    }
    assert _form(_identity("42"), GATEWAY_OWNER_ERRORS) == {
        "base": "gateway_other_device"
    }


def test_token_refusals() -> None:
    """The partner channel names 400, 415 and 500; the owner channel only 415."""
    for status in (400, 415, 500):
        assert _form(errors.TokenRequestRejectedError(status), GATEWAY_ERRORS) == {
            "base": f"gateway_token_rejected_{status}"
        }
    assert _form(errors.TokenRequestRejectedError(418), GATEWAY_ERRORS) == {
        "base": "gateway_unknown"
    }
    assert _form(errors.TokenRequestRejectedError(415), GATEWAY_OWNER_ERRORS) == {
        "base": "gateway_token_rejected_415"
    }
    assert _form(errors.TokenRequestRejectedError(400), GATEWAY_OWNER_ERRORS) == {
        "base": "gateway_unknown"
    }
    # Listing tokens: no request's refusal, so no cause to name.
    assert _form(errors.TokenRequestRejectedError(415), GATEWAY_OWNER_TOKEN_ERRORS) == {
        "base": "gateway_unknown"
    }
    # The owner's own refusals; the wrong password at its field.
    assert _form(errors.InvalidGrantError(), GATEWAY_OWNER_ERRORS) == {
        "password": "gateway_owner_invalid_grant"
    }
    assert _form(errors.ProximityCheckRequiredError(), GATEWAY_ERRORS) == {
        "base": "gateway_proximity_required"
    }
    assert _form(errors.ProximityCheckRequiredError(), GATEWAY_OWNER_ERRORS) == {
        "base": "gateway_owner_proximity"
    }


def test_a_typed_token_is_refused_at_its_field() -> None:
    """Pasted or typed: at the token field; revoking: for the whole form."""
    refused = errors.GatewayAuthError("no")
    forbidden = errors.GatewayForbiddenError("no")
    for table in (GATEWAY_OWNER_TOKEN_ERRORS, GATEWAY_OWNER_PASTE_ERRORS):
        assert _form(refused, table) == {"token": "gateway_owner_token_not_accepted"}
        assert _form(forbidden, table) == {"token": "gateway_owner_token_not_accepted"}
    assert _form(refused, GATEWAY_OWNER_REVOKE_ERRORS) == {
        "base": "gateway_owner_token_not_accepted"
    }
    # Reconfiguration (either channel) with the stored token.
    assert _form(refused, GATEWAY_OWNER_ERRORS) == {
        "base": "gateway_token_not_accepted"
    }
    # A pasted token is tried at the resource port.
    for err in (errors.GatewayConnectionError("down"), errors.GatewayServerError(503)):
        assert _form(err, GATEWAY_OWNER_PASTE_ERRORS) == {
            "base": "gateway_owner_resource_port"
        }
        assert _form(err, GATEWAY_OWNER_TOKEN_ERRORS) == {
            "base": "gateway_cannot_connect"
        }
    assert _form(errors.ValueFormatError("x"), GATEWAY_OWNER_TOKEN_ERRORS) == {
        "base": "gateway_owner_bad_answer"
    }
    assert _form(errors.ValueFormatError("x"), GATEWAY_ERRORS) == {
        "base": "gateway_unknown"
    }


def test_pasted_certificates_at_their_field() -> None:
    """A refused PEM is shown at the field it was pasted into."""
    assert _form(
        errors.MalformedPemError("root_cert", "no PEM"), GATEWAY_CREDENTIALS_ERRORS
    ) == {"root_cert": "gateway_malformed_pem"}
    assert _form(errors.KeyMismatchError("client_key", "x"), GATEWAY_ERRORS) == {
        "client_key": "gateway_key_mismatch"
    }
    assert _form(
        errors.CertificateExpiredError("client_cert", "x"), GATEWAY_ERRORS
    ) == {"client_cert": "gateway_certificate_expired"}
    # Loading certificate and key together failed: before any connection.
    tls = errors.GatewayTlsError("cannot load")
    assert _form(tls, GATEWAY_CREDENTIALS_ERRORS) == {
        "client_key": "gateway_key_mismatch"
    }
    assert _form(tls, GATEWAY_ERRORS) == {"base": "gateway_tls_failed"}


def test_an_unexpected_answer_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    """The form says "see the log": the log has it, once, without a traceback."""
    caplog.set_level(logging.DEBUG)
    assert form_errors(
        errors.GatewayError("GET /x: HTTP 418"), GATEWAY_OWNER_ERRORS
    ) == {"base": "gateway_unknown"}
    logged = [r for r in caplog.records if "HTTP 418" in r.getMessage()]
    assert len(logged) == 1
    assert logged[0].levelno == logging.WARNING
    assert logged[0].exc_info is None
    caplog.clear()
    assert form_errors(errors.UncheckedServerError("x"), GATEWAY_ERRORS) == {
        "base": "gateway_tls_failed"
    }
    assert not caplog.records


def test_refresh_failures() -> None:
    """Unavailable with host and cause; re-authentication; the repair to raise."""
    failed = update_failed(
        errors.GatewayConnectionError("timed out"), GATEWAY_REFRESH_ERRORS, host="gw"
    )
    assert type(failed) is UpdateFailed
    assert failed.translation_key == "gateway_unreachable"
    assert failed.translation_placeholders == {"host": "gw", "error": "timed out"}

    refused = update_failed(errors.GatewayAuthError("401"), GATEWAY_REFRESH_ERRORS)
    assert isinstance(refused, ConfigEntryAuthFailed)
    assert refused.translation_key == "gateway_token_rejected"
    assert refused.translation_placeholders is None

    changed = failure_of(_identity("101042019", changed=True), GATEWAY_REFRESH_ERRORS)
    assert changed.reauth
    assert changed.repair == ISSUE_CERTIFICATE_CHANGED
    other = failure_of(_identity("42"), GATEWAY_REFRESH_ERRORS)
    assert (other.key, other.repair, other.reauth) == (
        "gateway_identity_failed",
        ISSUE_OTHER_DEVICE,
        False,
    )
    untrusted = failure_of(
        errors.ServerCertificateRefusedError("self-signed"), GATEWAY_REFRESH_ERRORS
    )
    assert (untrusted.key, untrusted.repair) == ("gateway_tls_failed", ISSUE_UNTRUSTED)
    # A TLS failure that is no refused certificate raises no issue.
    assert (
        failure_of(errors.UncheckedServerError("x"), GATEWAY_REFRESH_ERRORS).repair
        is None
    )

    # Set-up of an entry without a device id: retried later, whatever failed.
    later = not_ready(_identity("42"), GATEWAY_SETUP_ERRORS, host="gw")
    assert type(later) is ConfigEntryNotReady
    assert later.translation_key == "gateway_unreachable"


def test_write_failures() -> None:
    """A refused value is the user's; the others are failed actions."""
    refused = action_failed(
        errors.InvalidValueError("too high"),
        GATEWAY_WRITE_ERRORS,
        value="99",
        path="/p",
    )
    assert isinstance(refused, ServiceValidationError)
    assert refused.translation_key == "gateway_value_refused"
    assert refused.translation_placeholders == {"value": "99", "path": "/p"}
    forbidden = action_failed(
        errors.GatewayForbiddenError("scope"), GATEWAY_WRITE_ERRORS
    )
    assert type(forbidden) is HomeAssistantError
    assert forbidden.translation_key == "gateway_write_forbidden"
    assert failure_of(errors.GatewayAuthError("401"), GATEWAY_WRITE_ERRORS).reauth
    failed = action_failed(errors.GatewayServerError(503), GATEWAY_WRITE_ERRORS)
    assert type(failed) is HomeAssistantError
    assert failed.translation_placeholders == {"error": "gateway answered HTTP 503"}
