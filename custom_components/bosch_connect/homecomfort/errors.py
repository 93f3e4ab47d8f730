"""The errors of the Home Comfort Partner API client (no Home Assistant)."""

from __future__ import annotations


class HomeComfortError(Exception):
    """Base of every error of the Partner API client."""


class ApiKeyFormatError(HomeComfortError):
    """The text is not a Partner API key (no ``xHCSAPI`` prefix, bad characters)."""


class ApiKeyExpiredError(HomeComfortError):
    """The key's embedded expiry has passed."""


class HomeComfortConnectionError(HomeComfortError):
    """The API could not be reached, timed out or answered with a server error."""


class HomeComfortResponseError(HomeComfortError):
    """The API answered something this client does not understand."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class InvalidApiKeyError(HomeComfortError):
    """401: the key is missing, unknown or expired at Bosch."""


class IpNotAllowedError(HomeComfortError):
    """403: this client's address is not on the partner's IP allow list."""


class GatewayAccessError(HomeComfortError):
    """A gateway-specific refusal; ``gateway_id`` names the gateway."""

    def __init__(self, message: str, gateway_id: str) -> None:
        super().__init__(message)
        self.gateway_id = gateway_id


class ConsentMissingError(GatewayAccessError):
    """403: the appliance owner has not granted access to the gateway."""


class ConsentOutdatedError(GatewayAccessError):
    """451: the owner must accept the latest consent version."""


class UserIdMismatchError(GatewayAccessError):
    """403: the ``x-user-id`` does not match the gateway's contract."""


class ContractNotActiveError(GatewayAccessError):
    """403: the gateway's contract is not active."""


class RateLimitedError(HomeComfortError):
    """429: too many requests; ``retry_after`` seconds to wait."""

    def __init__(self, retry_after: float) -> None:
        super().__init__(f"rate limited, retry after {retry_after:g} s")
        self.retry_after = retry_after


class KeyLimitReachedError(HomeComfortError):
    """The partner already holds the maximum of 10 valid API keys."""


class CannotDeleteOwnKeyError(HomeComfortError):
    """A key cannot delete itself (``DELETE /api-keys/{keyId}``)."""


class NotFoundError(HomeComfortError):
    """404: no such resource (gateway, circuit, key)."""


class RequestRejectedError(HomeComfortError):
    """400: the API refused the request (value out of range, mode not allowed)."""

    def __init__(self, message: str, code: str | None) -> None:
        super().__init__(message)
        self.code = code


class InvalidDomainError(HomeComfortError):
    """The API domain is not a host name or an http(s) URL."""


class HttpsRequiredError(HomeComfortError):
    """Plain http was given: the Partner API is reached over https only."""
