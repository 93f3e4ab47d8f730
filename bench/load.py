"""Load generator: posts prepared requests with bounded concurrency.

Runs as its own process (``python -m bench.load``) so that the client's CPU
time is not charged to the Home Assistant under test. Protocol with the
parent on stdin/stdout, once per run: the parent writes a line
``SPEC_PATH RESULT_PATH``; the generator posts the warm-up requests, prints
``WARM`` and waits for a line on stdin; then it posts the measured requests,
writes the result file and prints ``DONE``. End of input ends the process.

Every request carries ``X-Bench-Seq`` so that Home Assistant-side timestamps
(state written) can be joined with the send time. ``time.monotonic`` is
``CLOCK_MONOTONIC``, one clock for every process on the machine.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
import json
from pathlib import Path
import sys
import time
from typing import Any, TypedDict

import aiohttp

SEQ_HEADER = "X-Bench-Seq"


class PreparedRequest(TypedDict):
    """One request as the parent prepared it (body already signed)."""

    seq: int
    path: str
    headers: dict[str, str]
    body: str


class Spec(TypedDict):
    """What to send where."""

    url: str
    concurrency: int
    warmup: list[PreparedRequest]
    requests: list[PreparedRequest]


async def _post_all(
    session: aiohttp.ClientSession,
    url: str,
    requests: list[PreparedRequest],
    concurrency: int,
) -> list[tuple[int, float, float, int]]:
    results: list[tuple[int, float, float, int]] = []
    todo: Iterator[PreparedRequest] = iter(requests)

    async def worker() -> None:
        for request in todo:
            headers = dict(request["headers"])
            headers[SEQ_HEADER] = str(request["seq"])
            body = request["body"].encode()
            sent = time.monotonic()
            async with session.post(
                url + request["path"], data=body, headers=headers
            ) as response:
                await response.read()
                status = response.status
            results.append((request["seq"], sent, time.monotonic(), status))

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return results


async def run(spec: Spec, result_path: Path) -> None:
    """Warm up, wait for the go, post the measured requests, write the result."""
    loop = asyncio.get_running_loop()
    connector = aiohttp.TCPConnector(limit=spec["concurrency"])
    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        warm = await _post_all(
            session, spec["url"], spec["warmup"], spec["concurrency"]
        )
        print("WARM", flush=True)
        await loop.run_in_executor(None, sys.stdin.readline)
        start = time.monotonic()
        done = await _post_all(
            session, spec["url"], spec["requests"], spec["concurrency"]
        )
        end = time.monotonic()
    result: dict[str, Any] = {
        "start": start,
        "end": end,
        "warmup_status": sorted({status for *_, status in warm}),
        "requests": done,
    }
    await asyncio.to_thread(result_path.write_text, json.dumps(result))
    print("DONE", flush=True)


async def serve() -> None:
    """Runs, one per ``SPEC_PATH RESULT_PATH`` line, until end of input."""
    loop = asyncio.get_running_loop()
    while line := await loop.run_in_executor(None, sys.stdin.readline):
        spec_path, result_path = line.split()
        spec: Spec = json.loads(await asyncio.to_thread(Path(spec_path).read_text))
        await run(spec, Path(result_path))


if __name__ == "__main__":
    asyncio.run(serve())
