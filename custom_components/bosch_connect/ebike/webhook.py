"""The Home Assistant webhook that receives Bosch eBike notifications.

Checks, in this order, each answered at once when it fails:

1. the method (405): only POST. Home Assistant would log the webhook id at
   WARNING for a method it was not told about, so every method is handed to
   us and refused here;
2. the static authentication secret that we gave Bosch when subscribing
   (constant-time compare of the raw header bytes; 401), before the body is
   read and before any signature work, so that a request without it costs
   no certificate fetch, no parse and no RSA. One exception, as narrow as
   Bosch's documents force: they do not say whether the WebhookTest (sent
   while Bosch creates or changes our webhook) carries the credentials, so
   while we create or change it a request without the secret is answered
   200 and nothing of it is looked at;
3. body size (413) - the length header first, then while reading;
4. the signature (``X-Bosch-Sig``; 401). The certificate comes only from an
   allowed URL and is cached, so after the first notification verifying is a
   local RSA check without network or executor;
5. JSON and shape (400);
6. apply (:mod:`.events`, answered 200): WEBHOOK_TEST and unknown types are
   counted and ignored; BIKE_STATUS and LOCATION_TRACKING update only the
   state of the bike concerned (not an event from the future, not a bike that
   is not on the account). Applying is synchronous: after the signature
   check (which fetches a certificate only the first time) the handler makes
   no network call and waits for nothing; what needs Bosch (reading the
   fleet again) runs after the answer.

Nothing of the body, the secrets, the webhook id or a position is ever
logged.
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

from ..const import DOMAIN
from .const import AUTH_HEADER, MAX_BODY_BYTES
from .errors import PayloadError, SignatureError
from .payloads import parse_events
from .runtime import EbikeConfigEntry, EbikeData

_LOGGER = logging.getLogger(__name__)

_OK = HTTPStatus.OK
_TOO_LARGE = HTTPStatus.REQUEST_ENTITY_TOO_LARGE
# The methods Home Assistant's webhook view routes (HEAD it answers itself):
# anything but POST is refused by the handler, without the warning (naming
# the webhook id) that Home Assistant logs for a method not registered.
_ROUTED_METHODS = ["GET", "POST", "PUT"]


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
        allowed_methods=_ROUTED_METHODS,
    )


def _make_handler(
    data: EbikeData,
) -> Callable[[HomeAssistant, str, web.Request], Awaitable[web.Response]]:
    secret = data.webhook_secret
    verifier = data.verifier
    counters = data.counters
    apply = data.events.async_apply

    async def handle(
        hass: HomeAssistant, webhook_id: str, request: web.Request
    ) -> web.Response:
        try:
            if request.method != "POST":
                return _response(HTTPStatus.METHOD_NOT_ALLOWED)
            given = request.headers.get(AUTH_HEADER)
            if given is None:
                if data.expects_webhook_test:
                    # Bosch tests our URL while it creates or changes our
                    # webhook; the test may come without the credentials.
                    counters.webhook_tests += 1
                    return _response(_OK)
                counters.reject("secret")
                _LOGGER.debug("Refused a notification: missing static secret")
                return _response(HTTPStatus.UNAUTHORIZED)
            # aiohttp gives bytes that are not UTF-8 as lone surrogates:
            # "surrogatepass" encodes any text, so bad bytes are a wrong secret.
            if not hmac.compare_digest(given.encode("utf-8", "surrogatepass"), secret):
                counters.reject("secret")
                _LOGGER.debug("Refused a notification: wrong static secret")
                return _response(HTTPStatus.UNAUTHORIZED)

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

            counters.accepted += 1
            apply(events, body)  # synchronous: no network call, nothing awaited
            return _response(_OK)
        except Exception:
            # Home Assistant would log this with the webhook id (and answer
            # 200): log it without, and let Bosch retry.
            _LOGGER.exception("Could not process an eBike notification")
            return _response(HTTPStatus.INTERNAL_SERVER_ERROR)

    return handle
