"""The errors of the gateway Local API client: one small hierarchy.

Messages never contain a token, a key or a certificate.
"""

from __future__ import annotations

from typing import Final, Literal

type CertificateField = Literal["client_cert", "client_key", "root_cert"]


class GatewayError(Exception):
    """Anything that went wrong talking to a gateway."""


class GatewayConnectionError(GatewayError):
    """The gateway is unreachable, timed out or dropped the connection."""


class GatewayServerError(GatewayConnectionError):
    """The gateway answered with a server error (5xx): try again later."""

    def __init__(self, status: int) -> None:
        """Remember the HTTP status."""
        super().__init__(f"gateway answered HTTP {status}")
        self.status = status


class GatewayTlsError(GatewayError):
    """The TLS handshake failed.

    Either the gateway refused us (client certificate not issued by a root it
    trusts, chain too deep, cipher or TLS version not accepted) or we refused
    the gateway (its certificate is not issued by the configured Bosch root).
    """


class ServerCertificateRefusedError(GatewayTlsError):
    """We refused the server's certificate, so nothing was sent to it.

    Not issued by the configured Bosch root (a self-signed impostor, another
    root), not valid now, or (``GatewayIdentityError``) not naming the paired
    device. ``reason`` is OpenSSL's (or our) short explanation.
    """

    def __init__(self, message: str, reason: str | None = None) -> None:
        """Remember why the certificate was refused."""
        super().__init__(message)
        self.reason = reason or message


class GatewayIdentityError(ServerCertificateRefusedError):
    """The server's certificate does not name the expected device.

    ``expected`` is the paired device id (None while it is being learned),
    ``seen`` the device id the certificate names (None: it names none).
    """

    def __init__(
        self,
        expected: str | None,
        seen: str | None,
        reason: str | None = None,
        *,
        message: str | None = None,
    ) -> None:
        """Remember which device was expected and which one answered.

        ``message``: instead of the one made from the two ids (a pinned
        fingerprint that does not match names the right device).
        """
        if message is None:
            if seen is None:
                message = "the server's certificate names no gateway device"
            elif expected is None:
                message = f"the server's certificate names device {seen}"
            else:
                message = (
                    f"the server's certificate names device {seen}, not {expected}"
                )
        super().__init__(message, reason)
        self.expected = expected
        self.seen = seen
        # The right device, but not the certificate pinned at pairing.
        self.certificate_changed = False


class UncheckedServerError(GatewayTlsError):
    """A secret was about to go over a context that checks no device: refused."""


class AnswerTooLargeError(GatewayError):
    """An answer larger than any the gateway really sends: refused unread.

    At most ``limit`` + 1 bytes of it were read (none when its Content-Length
    already said it was too large).
    """

    def __init__(self, what: str, limit: int) -> None:
        """Remember the request and the limit."""
        super().__init__(f"{what}: the answer is larger than {limit} bytes")
        self.limit = limit


class GatewayAuthError(GatewayError):
    """The API answered 401: the token is missing or no longer valid."""


class GatewayForbiddenError(GatewayError):
    """The API answered 403: the token's scope does not allow this request."""


class ResourceNotFoundError(GatewayError):
    """The API answered 404: this gateway does not have the resource."""

    def __init__(self, path: str) -> None:
        """Remember the path."""
        super().__init__(f"no resource {path}")
        self.path = path


class InvalidValueError(GatewayError):
    """A value was refused for a write (by us before sending, or a 400)."""


class ValueFormatError(GatewayError):
    """A response does not have the Local API resource format."""


class TokenError(GatewayError):
    """The token request was refused with an HTTP status."""

    def __init__(self, status: int, message: str | None = None) -> None:
        """Remember the HTTP status."""
        super().__init__(message or f"token request refused with HTTP {status}")
        self.status = status


class ProximityCheckRequiredError(TokenError):
    """412: press both buttons on the gateway, then request within a minute."""

    def __init__(self) -> None:
        """Status 412."""
        super().__init__(412, "proximity check missing (press both buttons)")


class InvalidClientError(TokenError):
    """401: unknown client id, or a scope the client is not allowed."""

    def __init__(self) -> None:
        """Status 401."""
        super().__init__(401, "client id unknown or scope not allowed")


class TokenLimitReachedError(TokenError):
    """507: the gateway has issued its 32 tokens; only a factory reset helps."""

    def __init__(self) -> None:
        """Status 507."""
        super().__init__(507, "maximum number of tokens reached")


TOKEN_REJECTION_CAUSES: Final = {
    400: "client_name or grant_type wrong or missing",
    415: "wrong content type",
    500: "client_id missing or wrong auth method",
}


class InvalidGrantError(TokenError):
    """Owner channel, 400 ``invalid_grant``: login or password is wrong."""

    def __init__(self) -> None:
        """HTTP 400."""
        super().__init__(400, "the gateway refused the login and password")


class TokenForbiddenError(TokenError):
    """Owner channel, 403 on the token port: wrong port or not allowed."""

    def __init__(self) -> None:
        """HTTP 403."""
        super().__init__(403, "the gateway refused the token request (403)")


class TokenRequestRejectedError(TokenError):
    """400 (client name or grant type), 415 (content type), 500 (client id)."""

    def __init__(self, status: int) -> None:
        """Any refusal not covered by the other token errors."""
        cause = TOKEN_REJECTION_CAUSES.get(status, "unexpected answer")
        super().__init__(status, f"token request refused with HTTP {status}: {cause}")


class CertificateError(GatewayError):
    """A pasted certificate or key cannot be used."""

    def __init__(self, field: CertificateField, message: str) -> None:
        """Remember which input field is wrong."""
        super().__init__(f"{field}: {message}")
        self.field: CertificateField = field


class MalformedPemError(CertificateError):
    """The text is not a PEM certificate / an unencrypted PEM private key."""


class KeyMismatchError(CertificateError):
    """The private key does not belong to the client certificate."""


class CertificateExpiredError(CertificateError):
    """The certificate is expired or not yet valid."""


class AnnouncementError(GatewayError):
    """A zeroconf TXT record lacks a field or has an invalid one."""
