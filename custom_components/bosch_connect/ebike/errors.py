"""The errors of the eBike protocol modules (one small hierarchy).

No message ever contains a client secret, a token or a webhook secret.
"""

from __future__ import annotations

from collections.abc import Iterable


class EbikeError(Exception):
    """Base of every error raised by the eBike protocol modules."""


class EbikeConnectionError(EbikeError):
    """The service could not be reached (network, TLS, timeout)."""


class EbikeAuthError(EbikeError):
    """The OAuth client was refused (invalid client id or secret)."""


class InsecureUrlError(EbikeError):
    """A token or API URL is not https: no secret or token is sent to it."""


class EbikeApiError(EbikeError):
    """The API answered with an unexpected HTTP status."""

    def __init__(self, status: int, detail: str = "") -> None:
        self.status = status
        self.detail = detail
        super().__init__(f"HTTP {status}: {detail}" if detail else f"HTTP {status}")


class WebhookConflictError(EbikeApiError):
    """409: an event type is already subscribed by another webhook."""

    def __init__(self, detail: str, event_types: Iterable[str]) -> None:
        self.event_types = tuple(event_types)
        super().__init__(409, detail)


class WebhookRejectedError(EbikeApiError):
    """The API refused the webhook (e.g. the WebhookTest failed, not https)."""


class SignatureError(EbikeError):
    """A notification's signature could not be verified."""


class MissingSignatureError(SignatureError):
    """A signature header is missing or unreadable."""


class UnsupportedAlgorithmError(SignatureError):
    """``X-Bosch-Sig-Algo`` names an algorithm that we do not accept."""


class CertificateUrlNotAllowedError(SignatureError):
    """``X-Bosch-Cert-Url`` is not one we may fetch (never fetched)."""


class CertificateError(SignatureError):
    """The certificate could not be fetched, parsed or trusted."""


class SignerNotAllowedError(CertificateError):
    """The certificate chains to a trusted root but may not sign notifications.

    A CA certificate, a TLS-only certificate (extended key usage serverAuth
    and/or clientAuth alone), a key usage without digitalSignature, or a
    subject that does not name Bosch.
    """


class BadSignatureError(SignatureError):
    """The signature does not match the body."""


class PayloadError(EbikeError):
    """A notification body is not valid JSON of a known shape."""
