"""Reading a cloud answer with a size limit (no Home Assistant).

Each client decides a limit per kind of answer (a token, one object, a list)
from what the real API returns. :func:`read_answer` refuses a
``Content-Length`` above the limit before reading a byte, and otherwise reads
at most ``limit + 1`` bytes, so that a chunked body, one without a length or a
compressed one (aiohttp decompresses in bounded steps) cannot grow past it.
The client turns :class:`AnswerTooLargeError` into its own "unexpected answer"
error.
"""

from __future__ import annotations

import json
from typing import Any

import aiohttp

KIB = 1024
MIB = 1024 * KIB


class AnswerTooLargeError(Exception):
    """The answer is larger than the limit of its kind; it was not read whole."""

    def __init__(self, limit: int, declared: int | None = None) -> None:
        self.limit = limit
        self.declared = declared  # the Content-Length, when that was too large
        super().__init__(f"answer larger than {limit} bytes")


async def read_answer(response: aiohttp.ClientResponse, limit: int) -> bytes:
    """The body of ``response``: at most ``limit`` bytes, or AnswerTooLargeError."""
    declared = response.content_length
    if declared is not None and declared > limit:
        raise AnswerTooLargeError(limit, declared)
    body = bytearray()
    # read(n) returns what has arrived (up to n): loop until the end or limit + 1.
    while chunk := await response.content.read(limit + 1 - len(body)):
        body += chunk
        if len(body) > limit:
            raise AnswerTooLargeError(limit)
    return bytes(body)


def parse_json(body: bytes) -> Any:
    """The JSON value of ``body``; None for an empty body (as aiohttp's ``json()``).

    ValueError when it is not JSON (also for nesting too deep to parse).
    """
    if not body.strip():
        return None
    try:
        return json.loads(body)
    except RecursionError as err:
        raise ValueError("JSON nested too deeply") from err


def json_or_none(body: bytes) -> Any:
    """The JSON value of ``body``; None when it is empty or not JSON.

    For an API whose errors the status tells: the caller checks the shape.
    """
    try:
        return parse_json(body)
    except ValueError:
        return None
