"""The Home Assistant webhook that receives Bosch eBike notifications.

Checks, in this order, each answered at once when it fails:

1. body size (413) - the length header first, then while reading;
2. the static authentication secret that we gave Bosch when subscribing
   (constant-time compare; 401). Only a signed WEBHOOK_TEST may come without
   it (whether Bosch sends the credentials with its test is not documented);
3. the signature (``X-Bosch-Sig``; 401). The certificate comes only from an
   allowed URL and is cached, so after the first notification verifying is a
   local RSA check without network or executor;
4. JSON and shape (400);
5. dispatch on ``type``: WEBHOOK_TEST and unknown types are answered 200 and
   ignored; BIKE_STATUS and LOCATION_TRACKING update only the bike concerned.

Nothing of the body, the secrets or a position is ever logged.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
import hmac
from http import HTTPStatus
import logging

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError
from aiohttp.web_protocol import RequestPayloadError
from homeassistant.components import webhook
from homeassistant.core import HomeAssistant, callback
from homeassistant.util import dt as dt_util

from ..const import DOMAIN
from .const import AUTH_HEADER, MAX_BODY_BYTES
from .coordinator import EbikeConfigEntry, EbikeData
from .errors import PayloadError, SignatureError
from .payloads import BikeStatus, LocationTracking, WebhookTest, parse_events

_LOGGER = logging.getLogger(__name__)

_OK = HTTPStatus.OK
_TOO_LARGE = HTTPStatus.REQUEST_ENTITY_TOO_LARGE


async def _read_body(request: web.Request) -> bytes | None:
    """The body, or None when it is larger than MAX_BODY_BYTES.

    Home Assistant Cloud relays cloudhook calls as a ``MockRequest``, which has
    no ``content_length``: then the body is read in bounded steps.
    """
    length: int | None = getattr(request, "content_length", None)
    if length is not None and length > MAX_BODY_BYTES:
        return None
    content = request.content
    first = await content.read(MAX_BODY_BYTES + 1)
    if len(first) > MAX_BODY_BYTES:
        return None
    if length is not None and len(first) >= length:
        return first
    chunks = [first]
    size = len(first)
    while chunk := await content.read(MAX_BODY_BYTES + 1 - size):
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def _response(status: HTTPStatus) -> web.Response:
    return web.Response(status=status)


@callback
def async_register_webhook(
    hass: HomeAssistant, entry: EbikeConfigEntry, webhook_id: str
) -> None:
    """Register the entry's webhook with Home Assistant (POST, from anywhere)."""
    webhook.async_register(
        hass,
        DOMAIN,
        entry.title,
        webhook_id,
        _make_handler(entry.runtime_data),
        local_only=False,
        allowed_methods=["POST"],
    )


def _make_handler(
    data: EbikeData,
) -> Callable[[HomeAssistant, str, web.Request], Awaitable[web.Response]]:
    secret = data.webhook_secret
    verifier = data.verifier
    counters = data.counters

    async def handle(
        hass: HomeAssistant, webhook_id: str, request: web.Request
    ) -> web.Response:
        try:
            body = await _read_body(request)
        except HttpProcessingError, RequestPayloadError:
            # A body that cannot be decoded (bad gzip, wrong length, ...).
            counters.reject("unreadable")
            _LOGGER.debug("Refused a notification: body cannot be read")
            return _response(HTTPStatus.BAD_REQUEST)
        if body is None:
            counters.reject("too_large")
            _LOGGER.debug("Refused a notification: body too large")
            return _response(_TOO_LARGE)

        given = request.headers.get(AUTH_HEADER)
        if given is not None and not hmac.compare_digest(given.encode(), secret):
            counters.reject("secret")
            _LOGGER.debug("Refused a notification: wrong static secret")
            return _response(HTTPStatus.UNAUTHORIZED)

        try:
            if not verifier.verify_cached(body, request.headers):
                await verifier.async_verify(body, request.headers)
        except SignatureError as err:
            counters.reject(type(err).__name__)
            _LOGGER.debug("Refused a notification: %s", err)
            return _response(HTTPStatus.UNAUTHORIZED)

        try:
            events = parse_events(body)
        except PayloadError as err:
            counters.reject("payload")
            _LOGGER.debug("Refused a notification: %s", err)
            return _response(HTTPStatus.BAD_REQUEST)

        # Bosch's documents do not say whether the WebhookTest carries the
        # static credentials. A signed test changes nothing, so it is accepted
        # without them; everything else needs the secret.
        if given is None and (
            len(events) != 1 or not isinstance(events[0], WebhookTest)
        ):
            counters.reject("secret")
            _LOGGER.debug("Refused a notification: missing static secret")
            return _response(HTTPStatus.UNAUTHORIZED)

        counters.accepted += 1
        counters.last_received = dt_util.utcnow()
        for event in events:
            if isinstance(event, BikeStatus):
                data.apply_bike_status(event, body)
            elif isinstance(event, LocationTracking):
                data.apply_location(event, body)
            elif isinstance(event, WebhookTest):
                counters.webhook_tests += 1
            else:
                counters.unknown_types += 1
        return _response(_OK)

    return handle
