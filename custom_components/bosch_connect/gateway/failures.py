"""What the user sees for each error of the gateway Local API client.

One base table for the partner channel's forms (``GATEWAY_ERRORS``); the
other forms override only the entries that they show differently (the owner
channel names its own refusals; a pasted token is refused at its field).
Refresh, set-up, writes and the signals have their own tables of
``exceptions`` keys. Where the error decides (which device answered, the
status of a refused token request) an entry is a :class:`Choice`.
"""

from __future__ import annotations

from collections.abc import Mapping
import logging
from operator import attrgetter
from typing import Final, Literal

from homeassistant.const import CONF_TOKEN

from ..errors import Choice, ErrorMap, Failure, flow_errors
from .const import CONF_CLIENT_CERT, CONF_CLIENT_KEY, CONF_PASSWORD, CONF_ROOT_CERT
from .errors import (
    AnswerTooLargeError,
    CertificateError,
    CertificateExpiredError,
    GatewayAuthError,
    GatewayConnectionError,
    GatewayError,
    GatewayForbiddenError,
    GatewayIdentityError,
    GatewayTlsError,
    InvalidClientError,
    InvalidGrantError,
    InvalidValueError,
    KeyMismatchError,
    ProximityCheckRequiredError,
    ServerCertificateRefusedError,
    TokenForbiddenError,
    TokenRequestRejectedError,
    ValueFormatError,
)

_LOGGER = logging.getLogger(__name__)

# Repair issues (``issues``) that a failed refresh raises.
ISSUE_OTHER_DEVICE: Final = "gateway_identity_other_device"
ISSUE_UNTRUSTED: Final = "gateway_identity_untrusted"
ISSUE_CERTIFICATE_CHANGED: Final = "gateway_owner_certificate_changed"

type Seen = Literal["certificate_changed", "no_device", "other_device"]


def identity_seen(err: GatewayIdentityError) -> Seen:
    """What a refused certificate showed.

    The paired device with another certificate than the one pinned at
    pairing (owner channel), a certificate that names no device, or one
    that names another device.
    """
    if err.certificate_changed:
        return "certificate_changed"
    return "no_device" if err.seen is None else "other_device"


def _error_text(err: GatewayError) -> Mapping[str, str]:
    return {"error": str(err)}


def _at_field(key: str) -> Choice:
    """A pasted certificate or key that is refused, shown at its own field."""
    fields = (CONF_CLIENT_CERT, CONF_CLIENT_KEY, CONF_ROOT_CERT)
    return Choice(
        by=attrgetter("field"),
        failures={field: Failure(key=key, field=field) for field in fields},
        default=Failure(key=key),
    )


# -- forms (``config.error``) ------------------------------------------------

# The form says to look at the log: the error is logged (``form_errors``).
UNKNOWN: Final = Failure(key="gateway_unknown")
_NO_DEVICE_ID = Failure(key="gateway_no_device_id")
_REJECTED_415 = Failure(key="gateway_token_rejected_415")
_OTHER_DEVICE = Failure(key="gateway_other_device")

GATEWAY_ERRORS: ErrorMap = {
    # The credentials step checks the pasted PEMs before any connection.
    CertificateError: _at_field("gateway_malformed_pem"),
    KeyMismatchError: _at_field("gateway_key_mismatch"),
    CertificateExpiredError: _at_field("gateway_certificate_expired"),
    # Reaching and trusting the gateway.
    GatewayIdentityError: Choice(
        by=identity_seen,
        failures={"no_device": _NO_DEVICE_ID},
        default=_OTHER_DEVICE,
    ),
    GatewayTlsError: Failure(key="gateway_tls_failed"),
    GatewayConnectionError: Failure(key="gateway_cannot_connect"),
    AnswerTooLargeError: Failure(key="gateway_answer_too_large"),
    # The token request (a 507 aborts the flow before any form shows it).
    ProximityCheckRequiredError: Failure(key="gateway_proximity_required"),
    InvalidClientError: Failure(key="gateway_invalid_client"),
    TokenRequestRejectedError: Choice(
        by=attrgetter("status"),
        failures={
            400: Failure(key="gateway_token_rejected_400"),
            415: _REJECTED_415,
            500: Failure(key="gateway_token_rejected_500"),
        },
        default=UNKNOWN,
    ),
    # The stored token, read with at another address (reconfiguration).
    GatewayAuthError: Failure(key="gateway_token_not_accepted"),
    GatewayError: UNKNOWN,
}

# Building the context from the pasted PEMs: the key does not fit the
# certificate (no connection was made yet).
GATEWAY_CREDENTIALS_ERRORS: ErrorMap = {
    **GATEWAY_ERRORS,
    GatewayTlsError: Failure(key="gateway_key_mismatch", field=CONF_CLIENT_KEY),
}

# Reconfiguration reads with the entry's token: another device answering
# there is another gateway.
GATEWAY_RECONFIGURE_ERRORS: ErrorMap = {
    **GATEWAY_ERRORS,
    GatewayIdentityError: Choice(
        by=identity_seen,
        failures={"no_device": _NO_DEVICE_ID},
        default=Failure(key="gateway_other_gateway"),
    ),
}

# The owner channel (sticker): its own refusals of the token request.
GATEWAY_OWNER_ERRORS: ErrorMap = {
    **GATEWAY_ERRORS,
    GatewayIdentityError: Choice(
        by=identity_seen,
        failures={
            "certificate_changed": Failure(key="gateway_owner_certificate_changed"),
            "no_device": _NO_DEVICE_ID,
        },
        default=_OTHER_DEVICE,
    ),
    ValueFormatError: Failure(key="gateway_owner_bad_answer"),
    InvalidGrantError: Failure(key="gateway_owner_invalid_grant", field=CONF_PASSWORD),
    ProximityCheckRequiredError: Failure(key="gateway_owner_proximity"),
    InvalidClientError: Failure(key="gateway_owner_unauthorized"),
    TokenForbiddenError: Failure(key="gateway_owner_forbidden"),
    TokenRequestRejectedError: Choice(
        by=attrgetter("status"),
        failures={415: _REJECTED_415},
        default=UNKNOWN,
    ),
}

_TOKEN_NOT_ACCEPTED = "gateway_owner_token_not_accepted"  # noqa: S105 - a key
_TOKEN_REFUSED = Failure(key=_TOKEN_NOT_ACCEPTED, field=CONF_TOKEN)

# A token the owner typed in lists the gateway's tokens (token database full).
GATEWAY_OWNER_TOKEN_ERRORS: ErrorMap = {
    **GATEWAY_OWNER_ERRORS,
    GatewayAuthError: _TOKEN_REFUSED,
    GatewayForbiddenError: _TOKEN_REFUSED,
    # Only a token request's refusal names its cause.
    TokenRequestRejectedError: UNKNOWN,
}

# A token the owner pasted is tried with one read of the resource port.
GATEWAY_OWNER_PASTE_ERRORS: ErrorMap = {
    **GATEWAY_OWNER_TOKEN_ERRORS,
    GatewayConnectionError: Failure(key="gateway_owner_resource_port"),
}

# Revoking the picked token (the form has no token field).
GATEWAY_OWNER_REVOKE_ERRORS: ErrorMap = {
    **GATEWAY_OWNER_TOKEN_ERRORS,
    GatewayAuthError: Failure(key=_TOKEN_NOT_ACCEPTED),
    GatewayForbiddenError: Failure(key=_TOKEN_NOT_ACCEPTED),
}


def form_errors(err: GatewayError, table: ErrorMap) -> dict[str, str]:
    """A form's errors for ``err``; an unexpected answer is logged once.

    The gateway's forms have no placeholders in their error messages.
    """
    errors = flow_errors(err, table)[0]
    if UNKNOWN.key in errors.values():
        _LOGGER.warning("Unexpected answer from the gateway: %s", err)
    return errors


# -- refresh, set-up, actions (``exceptions``) --------------------------------

_UNREACHABLE = Failure(key="gateway_unreachable", placeholders=_error_text)

# A refresh (the call site adds the host). A server whose certificate is
# refused was sent nothing; the repair issue says what answered.
GATEWAY_REFRESH_ERRORS: ErrorMap = {
    GatewayAuthError: Failure(key="gateway_token_rejected", reauth=True),
    GatewayIdentityError: Choice(
        by=identity_seen,
        failures={
            # Pairing again (the button press) accepts the new certificate.
            "certificate_changed": Failure(
                key="gateway_owner_certificate_changed",
                reauth=True,
                repair=ISSUE_CERTIFICATE_CHANGED,
            ),
        },
        default=Failure(
            key="gateway_identity_failed",
            repair=ISSUE_OTHER_DEVICE,
            placeholders=_error_text,
        ),
    ),
    ServerCertificateRefusedError: Failure(
        key="gateway_tls_failed", repair=ISSUE_UNTRUSTED, placeholders=_error_text
    ),
    GatewayTlsError: Failure(key="gateway_tls_failed", placeholders=_error_text),
    AnswerTooLargeError: Failure(
        key="gateway_answer_too_large", placeholders=_error_text
    ),
    GatewayError: _UNREACHABLE,
}

# Set-up learns the device of an entry from before it was named (one
# handshake): whatever fails is tried again later.
GATEWAY_SETUP_ERRORS: ErrorMap = {GatewayError: _UNREACHABLE}

# Writing a value (an entity's action; the call site adds value and path to
# a refused value).
GATEWAY_WRITE_ERRORS: ErrorMap = {
    InvalidValueError: Failure(key="gateway_value_refused", invalid_input=True),
    GatewayForbiddenError: Failure(key="gateway_write_forbidden"),
    GatewayAuthError: Failure(key="gateway_token_rejected", reauth=True),
    GatewayError: Failure(key="gateway_write_failed", placeholders=_error_text),
}

# The signals' own coordinator: the main one re-authenticates.
GATEWAY_SIGNALS_ERRORS: ErrorMap = {
    GatewayError: Failure(key="gateway_signals_failed", placeholders=_error_text),
}
