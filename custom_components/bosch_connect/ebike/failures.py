"""What the user sees for each error of the eBike Cloud API client.

One table per place an error reaches the user: the forms (``config.error``
keys), the fleet refresh (an unavailable account, or re-authentication) and
the profile action (``exceptions`` keys). The call sites add the error's text
(``error``) with the entry's secrets scrubbed from it.
"""

from __future__ import annotations

from ..errors import ErrorMap, Failure
from .errors import EbikeApiError, EbikeAuthError, EbikeConnectionError, EbikeError

# Bosch refuses the OAuth client: the same key in a form and in a message.
_INVALID_CLIENT = Failure(key="ebike_invalid_client", reauth=True)

EBIKE_FLOW_ERRORS: ErrorMap = {
    EbikeAuthError: _INVALID_CLIENT,
    EbikeConnectionError: Failure(key="ebike_cannot_connect"),
    EbikeApiError: Failure(
        key="ebike_api_error",
        placeholders=lambda err: {"detail": err.detail or str(err.status)},
    ),
    EbikeError: Failure(key="ebike_cannot_connect"),
}

EBIKE_REFRESH_ERRORS: ErrorMap = {
    EbikeAuthError: _INVALID_CLIENT,
    EbikeError: Failure(key="ebike_update_failed"),
}

# An action never re-authenticates by itself: the profiles' surface starts it.
EBIKE_ACTION_ERRORS: ErrorMap = {
    EbikeAuthError: _INVALID_CLIENT,
    EbikeError: Failure(key="ebike_profile_failed"),
}
