"""What the user sees for each error of the Bosch IoT Rollouts clients."""

from __future__ import annotations

from ..errors import ErrorMap, Failure
from .errors import (
    RolloutsAuthError,
    RolloutsClientRegisteredError,
    RolloutsDdiAuthError,
    RolloutsError,
    RolloutsForbiddenError,
    RolloutsInvalidClientError,
    RolloutsInvalidUrlError,
    RolloutsNotFoundError,
)

ROLLOUTS_PERMISSIONS = "rollouts_permissions"

ROLLOUTS_ERRORS: ErrorMap = {
    RolloutsInvalidUrlError: Failure(key="rollouts_invalid_url"),
    RolloutsInvalidClientError: Failure(key="rollouts_invalid_client", reauth=True),
    RolloutsAuthError: Failure(key="rollouts_invalid_auth", reauth=True),
    RolloutsClientRegisteredError: Failure(
        key="rollouts_client_registered",
        repair=ROLLOUTS_PERMISSIONS,
        placeholders=lambda err: {"client_id": err.client_id},
    ),
    RolloutsForbiddenError: Failure(
        key="rollouts_forbidden", repair=ROLLOUTS_PERMISSIONS
    ),
    # Fails only the DDI coordinator, which starts re-authentication itself:
    # the tenant's entities stay.
    RolloutsDdiAuthError: Failure(key="rollouts_ddi_unauthorized"),
    RolloutsNotFoundError: Failure(key="rollouts_not_found"),
    RolloutsError: Failure(key="rollouts_cannot_connect"),
}
