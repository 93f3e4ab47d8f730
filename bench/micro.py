"""Micro-measurements that explain the ingestion figures."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
import time

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

PKCS1V15 = padding.PKCS1v15()
SHA256 = hashes.SHA256()


@dataclass(slots=True)
class VerifyCost:
    """CPU per call (µs): RSA-2048 verify inline, an executor hop, both."""

    inline_us: float
    executor_hop_us: float
    executor_verify_us: float


def signed_sample() -> tuple[rsa.RSAPublicKey, bytes, bytes]:
    """(public key, body, signature): RSA-2048 over a notification-sized body."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    body = b'{"type": "BIKE_STATUS"}' * 30
    return key.public_key(), body, key.sign(body, PKCS1V15, SHA256)


async def verify_cost(calls: int) -> VerifyCost:
    """CPU of a signature check on the loop, in an executor, and of the hop."""
    public, body, signature = signed_sample()

    def verify() -> None:
        public.verify(signature, body, PKCS1V15, SHA256)

    def nothing() -> None:
        return None

    loop = asyncio.get_running_loop()
    cpu = time.process_time()
    for _ in range(calls):
        verify()
    inline = time.process_time() - cpu
    cpu = time.process_time()
    for _ in range(calls):
        await loop.run_in_executor(None, nothing)
    hop = time.process_time() - cpu
    cpu = time.process_time()
    for _ in range(calls):
        await loop.run_in_executor(None, verify)
    both = time.process_time() - cpu
    return VerifyCost(
        inline_us=inline / calls * 1e6,
        executor_hop_us=hop / calls * 1e6,
        executor_verify_us=both / calls * 1e6,
    )
