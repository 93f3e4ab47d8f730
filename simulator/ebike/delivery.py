"""Signed webhook deliveries with the Bosch retry schedule, and their log."""

from __future__ import annotations

import asyncio
import base64
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

# Retries after 1, 2, 5, 180 and 480 simulated seconds, then the event is dropped.
RETRY_DELAYS = (1.0, 2.0, 5.0, 180.0, 480.0)
ALGORITHM = "SHA256withRSA"

PENDING = "pending"
DELIVERED = "delivered"
DROPPED = "dropped"
HELD = "held"  # reorder fault: waits for the next delivery


def sign(key: rsa.RSAPrivateKey, body: bytes) -> str:
    """Standard base64 of RSA PKCS#1 v1.5 over SHA-256 of the raw body."""
    signature = key.sign(body, padding.PKCS1v15(), hashes.SHA256())
    return base64.b64encode(signature).decode()


@dataclass(slots=True)
class DeliveryFaults:
    """Switches that make deliveries misbehave (for rejection and fuzz tests)."""

    duplicate: bool = False  # every notification is delivered twice
    reorder: bool = False  # a notification is held back until the next one went
    invalid_signature: bool = False  # a signature that does not match the body
    missing_signature: bool = False  # no X-Bosch-Sig header
    wrong_algorithm: bool = False  # X-Bosch-Sig-Algo: SHA1withRSA
    foreign_cert_url: bool = False  # X-Bosch-Cert-Url on a path we never announced
    http_cert_url: bool = False  # X-Bosch-Cert-Url with http://
    malformed_body: bool = False  # a correctly signed body that is not JSON
    wrong_secret: bool = False  # static authentication with a wrong secret

    def to_json(self) -> dict[str, bool]:
        """The switches as JSON."""
        return {name: getattr(self, name) for name in self.__slots__}

    def update(self, values: dict[str, Any]) -> None:
        """Set switches from JSON (unknown names raise KeyError)."""
        for name, value in values.items():
            if name not in self.__slots__:
                raise KeyError(name)
            setattr(self, name, bool(value))

    def clear(self) -> None:
        """Every switch off."""
        self.update(dict.fromkeys(self.__slots__, False))


@dataclass(slots=True)
class Attempt:
    """One POST of a delivery."""

    number: int  # 0 = first try, 1..5 = retries
    at: float  # simulated time
    status: int | None  # HTTP status, None on a connection error
    error: str | None = None

    @property
    def ok(self) -> bool:
        """A 2xx answer."""
        return self.status is not None and 200 <= self.status < 300

    def to_json(self) -> dict[str, Any]:
        """As JSON."""
        return {
            "number": self.number,
            "at": self.at,
            "status": self.status,
            "error": self.error,
        }


@dataclass(slots=True)
class Delivery:
    """One notification to one webhook, with every attempt."""

    id: int
    webhook_id: str | None
    url: str
    event_type: str
    bike_id: str | None
    body: bytes
    headers: dict[str, str]
    created: float
    retry: bool = True
    state: str = PENDING
    attempts: list[Attempt] = field(default_factory=list)
    _first: asyncio.Event = field(default_factory=asyncio.Event)
    _done: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def status(self) -> int | None:
        """HTTP status of the last attempt."""
        return self.attempts[-1].status if self.attempts else None

    @property
    def done(self) -> bool:
        """Delivered or dropped."""
        return self._done.is_set()

    def record(self, attempt: Attempt) -> None:
        """Add an attempt."""
        self.attempts.append(attempt)
        self._first.set()

    def finish(self, state: str) -> None:
        """Delivered or dropped."""
        self.state = state
        self._first.set()
        self._done.set()

    async def first_attempt(self) -> None:
        """Wait until the first POST was answered (or failed)."""
        await self._first.wait()

    async def wait(self) -> Delivery:
        """Wait until delivered or dropped."""
        await self._done.wait()
        return self

    def to_json(self) -> dict[str, Any]:
        """Summary as JSON (without body or headers)."""
        return {
            "id": self.id,
            "webhookId": self.webhook_id,
            "url": self.url,
            "type": self.event_type,
            "bikeId": self.bike_id,
            "state": self.state,
            "attempts": [a.to_json() for a in self.attempts],
        }
