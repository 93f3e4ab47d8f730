"""Micro-measurements that explain the ingestion figures."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
import time

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa


@dataclass(slots=True)
class VerifyCost:
    """CPU per call (µs): RSA-2048 verify inline, an executor hop, both."""

    inline_us: float
    executor_hop_us: float
    executor_verify_us: float


async def verify_cost(calls: int) -> VerifyCost:
    """CPU of a signature check on the loop, in an executor, and of the hop."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    body = b'{"type": "BIKE_STATUS"}' * 20
    signature = key.sign(body, padding.PKCS1v15(), hashes.SHA256())
    public = key.public_key()

    def verify() -> None:
        public.verify(signature, body, padding.PKCS1v15(), hashes.SHA256())

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
