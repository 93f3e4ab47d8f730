"""Errors of the Bosch IoT Rollouts (hawkBit) clients (one small hierarchy)."""

from __future__ import annotations


class RolloutsError(Exception):
    """Any failure talking to Bosch IoT Rollouts."""


class RolloutsInvalidUrlError(RolloutsError):
    """A URL is not https (http only on this machine) or malformed."""


class RolloutsConnectionError(RolloutsError):
    """Network failure, timeout, server error or an answer that is not hawkBit's."""


class RolloutsAuthError(RolloutsError):
    """401: the credentials (Basic user or OAuth2 token) were refused."""


class RolloutsInvalidClientError(RolloutsAuthError):
    """The token endpoint refused the OAuth2 client (id or secret wrong)."""


class RolloutsForbiddenError(RolloutsError):
    """403: authenticated, but without the permissions for this request."""


class RolloutsClientRegisteredError(RolloutsForbiddenError):
    """403 for an OAuth2 client: it is registered now, but has no permissions yet.

    The first call of a new client registers it in User Management with an
    empty permission set; until an administrator grants permissions, every
    call answers 403.
    """

    def __init__(self, client_id: str) -> None:
        super().__init__(f"OAuth2 client {client_id} has no permissions (yet)")
        self.client_id = client_id


class RolloutsNotFoundError(RolloutsError):
    """404: the tenant, target or action does not exist."""


class RolloutsDdiAuthError(RolloutsError):
    """401 from the DDI API: wrong token, or this token type is disabled."""
