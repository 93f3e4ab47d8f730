"""Verify the signature of eBike notifications (``X-Bosch-Sig``).

Bosch signs the raw request body with RSA PKCS#1 v1.5 over SHA-256 and sends
the standard base64 signature in ``X-Bosch-Sig``, the algorithm name in
``X-Bosch-Sig-Algo`` and the certificate location in ``X-Bosch-Cert-Url``.

A certificate is fetched only over https and only from a URL that we trust
beforehand: the ``X-Bosch-Cert-Url`` values the API returned when our
webhooks were created, and ``https://<API host>/notification/v1/certs/...``.
A URL that merely arrives in a request is never fetched (SSRF). Certificates
are cached by URL (at most ``MAX_CACHED``; so are the URLs that failed).

Who may sign (checked once, when a certificate is fetched):

* the chain ends in a CA that Home Assistant trusts (its client context's:
  certifi's, or the bundle that ``REQUESTS_CA_BUNDLE`` names);
* every certificate of the chain is valid now, and no certificate carries a
  critical extension that is not understood here (``_UNDERSTOOD``);
* every issuer is a CA (basicConstraints CA=true), its pathLenConstraint
  holds, and its key usage (if given) allows keyCertSign;
* the signer is no CA, its key usage (if given) allows digitalSignature, its
  extended key usage (if given) is not TLS alone (serverAuth and/or
  clientAuth), and its subject names Bosch: an organizationName or
  commonName that contains "bosch" as a word of its own (``Robert Bosch
  GmbH``, ``notifications.bosch-ebike.com``; not ``Boschung``).

After the first fetch, verification is synchronous and takes well under a
millisecond (RSA-2048 verify), so it runs on the event loop.
"""

from __future__ import annotations

import asyncio
import binascii
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
import functools
import logging
import re
from ssl import SSLContext
import time

import aiohttp
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, ExtensionOID, NameOID
from yarl import URL

from ..protocol.answers import AnswerTooLargeError, read_answer
from .errors import (
    BadSignatureError,
    CertificateError,
    CertificateUrlNotAllowedError,
    MissingSignatureError,
    SignerNotAllowedError,
    UnsupportedAlgorithmError,
)

_LOGGER = logging.getLogger(__name__)

HEADER_SIGNATURE = "X-Bosch-Sig"
HEADER_ALGORITHM = "X-Bosch-Sig-Algo"
HEADER_CERT_URL = "X-Bosch-Cert-Url"
CERTS_PATH = "/notification/v1/certs/"

# Spellings of "RSA PKCS#1 v1.5 with SHA-256", compared after removing case,
# blanks, hyphens and underscores.
_ALGORITHMS = frozenset({"sha256withrsa", "sha256withrsaencryption", "rs256"})
MAX_CERT_BYTES = 64 * 1024
MAX_CHAIN_DEPTH = 5
MAX_CACHED = 16  # certificates, failed URLs, known URL spellings, allowed URLs
FAILURE_BACKOFF = 60.0  # seconds before a failed URL is fetched again
REFRESH_AFTER = 3600.0  # a cached certificate may be refetched after a bad signature
FETCH_TIMEOUT = aiohttp.ClientTimeout(total=15)
# Stateless; made once instead of for every notification.
_PKCS1V15 = padding.PKCS1v15()
_SHA256 = hashes.SHA256()
# Critical extensions that are understood: enforced here (basic constraints,
# key usages), or without a constraint to enforce for this use (names, key
# identifiers; certificate policies, since any policy is acceptable).
# Any other critical extension (name or policy constraints, private ones)
# makes a certificate unusable (RFC 5280, 4.2).
_UNDERSTOOD = frozenset(
    {
        ExtensionOID.BASIC_CONSTRAINTS,
        ExtensionOID.KEY_USAGE,
        ExtensionOID.EXTENDED_KEY_USAGE,
        ExtensionOID.SUBJECT_ALTERNATIVE_NAME,
        ExtensionOID.SUBJECT_KEY_IDENTIFIER,
        ExtensionOID.AUTHORITY_KEY_IDENTIFIER,
        ExtensionOID.CERTIFICATE_POLICIES,
    }
)
_TLS_ONLY = frozenset(
    {ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH}
)
# "bosch" as a word of its own: not inside another word or host label.
_NAMES_BOSCH = re.compile(r"(?<![a-z0-9])bosch(?![a-z0-9])", re.IGNORECASE)


def normalise_algorithm(name: str) -> str:
    """Lower case, without blanks, hyphens and underscores."""
    return "".join(ch for ch in name.lower() if ch not in " -_\t")


@functools.lru_cache(maxsize=32)
def is_supported_algorithm(name: str) -> bool:
    """True for the spellings of SHA256withRSA that we accept.

    Cached: Bosch sends the same spelling with every notification.
    """
    return normalise_algorithm(name) in _ALGORITHMS


@dataclass(frozen=True, slots=True)
class TrustStore:
    """The CA certificates a signing certificate must chain to (its anchors)."""

    anchors: tuple[x509.Certificate, ...] = ()

    def issuers_of(self, cert: x509.Certificate) -> list[x509.Certificate]:
        """Anchors whose subject is the issuer of ``cert``."""
        return [a for a in self.anchors if a.subject == cert.issuer]


def load_trust_store(certificates: Iterable[str | bytes]) -> TrustStore:
    """The trust anchors: each item PEM (one or more certificates) or DER.

    Blocking for a large bundle (parses every certificate): run it in an
    executor. A certificate that cannot be loaded is left out (real bundles
    hold a few that RFC 5280 does not allow).
    """
    anchors: list[x509.Certificate] = []
    for item in certificates:
        data = item.encode() if isinstance(item, str) else item
        anchors += _load_certs(data, skip_bad=True)
    return TrustStore(tuple(anchors))


_PEM_CERTIFICATE = re.compile(
    rb"-----BEGIN CERTIFICATE-----(.+?)-----END CERTIFICATE-----", re.DOTALL
)


def _load_certs(data: bytes, *, skip_bad: bool = False) -> list[x509.Certificate]:
    """Certificates from PEM (one or more) or DER; [] if one is unparsable.

    ``skip_bad`` (for the trust anchors) drops the certificates that cannot
    be loaded instead of all of them. A certificate whose serial number is not positive (RFC 5280 forbids it,
    some old roots in real bundles have 0) is unparsable here: cryptography
    deprecates loading it and will refuse it, so it is checked before
    cryptography sees it.
    """
    if b"-----BEGIN" in data:
        blocks = []
        for match in _PEM_CERTIFICATE.finditer(data):
            try:
                blocks.append(binascii.a2b_base64(match.group(1)))
            except binascii.Error:
                blocks.append(b"")
    else:
        blocks = [data]
    certs = []
    for der in blocks:
        cert = _load_der(der)
        if cert is not None:
            certs.append(cert)
        elif not skip_bad:
            return []
    return certs


def _load_der(der: bytes) -> x509.Certificate | None:
    if not _serial_is_positive(der):
        return None
    try:
        return x509.load_der_x509_certificate(der)
    except ValueError:
        return None


def _der_item(der: bytes, pos: int) -> tuple[int, int, int]:
    """(tag, start of content, content length) of the DER item at ``pos``."""
    tag, first = der[pos], der[pos + 1]
    if first < 0x80:
        return tag, pos + 2, first
    count = first & 0x7F
    if not 1 <= count <= 4:
        raise IndexError("unsupported DER length")
    length = int.from_bytes(der[pos + 2 : pos + 2 + count], "big")
    return tag, pos + 2 + count, length


def _serial_is_positive(der: bytes) -> bool:
    """Whether a DER certificate's serial number (tbsCertificate) is above 0."""
    try:
        tag, pos, _ = _der_item(der, 0)  # Certificate ::= SEQUENCE
        if tag != 0x30:
            return False
        tag, pos, _ = _der_item(der, pos)  # tbsCertificate SEQUENCE
        if tag != 0x30:
            return False
        tag, start, length = _der_item(der, pos)
        if tag == 0xA0:  # [0] EXPLICIT version
            tag, start, length = _der_item(der, start + length)
        serial = der[start : start + length]
    except IndexError:
        return False
    return (
        tag == 0x02
        and len(serial) == length > 0
        and not serial[0] & 0x80
        and any(serial)
    )


def _header(headers: Mapping[str, str], name: str) -> str | None:
    value = headers.get(name)
    if value is not None:
        return value
    lowered = name.lower()
    for key, candidate in headers.items():
        if key.lower() == lowered:
            return candidate
    return None


@dataclass(slots=True)
class _Cached:
    cert: x509.Certificate
    key: rsa.RSAPublicKey
    # When every certificate of the chain is valid, as POSIX times (read once:
    # a certificate makes new datetime objects at every access).
    not_before: float
    not_after: float
    fetched_at: float = 0.0


@dataclass(slots=True)
class SignatureVerifier:
    """Verifies notifications; holds the allowed URLs and cached certificates."""

    session: aiohttp.ClientSession
    api_url: str
    trust: TrustStore
    ssl: SSLContext | None = None
    allowed_cert_urls: Iterable[str] = ()
    clock: Callable[[], float] = time.time
    _allowed: dict[str, None] = field(default_factory=dict, init=False)
    _cache: dict[str, _Cached] = field(default_factory=dict, init=False)
    _failed: dict[str, float] = field(default_factory=dict, init=False)
    _known: dict[str, str] = field(default_factory=dict, init=False)
    _locks: dict[str, asyncio.Lock] = field(default_factory=dict, init=False)

    def __post_init__(self) -> None:
        """Register the initial allowed URLs."""
        for url in self.allowed_cert_urls:
            self.allow_cert_url(url)

    def allow_cert_url(self, url: str) -> None:
        """Trust a certificate URL returned by the API (must be https)."""
        try:
            parsed = URL(url)
        except (ValueError, TypeError) as err:
            raise CertificateUrlNotAllowedError("certificate URL is invalid") from err
        if parsed.scheme != "https" or not parsed.host:
            raise CertificateUrlNotAllowedError("certificate URL is not https")
        _remember(self._allowed, str(parsed), None)

    @property
    def allowed(self) -> frozenset[str]:
        """The exact certificate URLs registered so far."""
        return frozenset(self._allowed)

    def is_allowed(self, url: str) -> bool:
        """May ``url`` be fetched? (https, and registered or under the API prefix)."""
        if not url.isascii():
            return False  # not a URL (yarl would drop what is not text)
        try:
            parsed = URL(url)
        except ValueError, TypeError:
            return False
        if parsed.scheme != "https" or not parsed.host or parsed.user is not None:
            return False
        if str(parsed) in self._allowed:
            return True
        api = URL(self.api_url)
        return (
            api.scheme == "https"
            and parsed.host == api.host
            and parsed.port == api.port
            and not parsed.query_string
            and not parsed.fragment
            and parsed.raw_path.startswith(CERTS_PATH)
            and len(parsed.raw_path) > len(CERTS_PATH)
            and "/" not in parsed.raw_path[len(CERTS_PATH) :]
            and "%" not in parsed.raw_path
        )

    def _read_headers(self, headers: Mapping[str, str]) -> tuple[bytes, str]:
        """Check the headers (no network); return (signature, cert URL)."""
        signature = _header(headers, HEADER_SIGNATURE)
        algorithm = _header(headers, HEADER_ALGORITHM)
        cert_url = _header(headers, HEADER_CERT_URL)
        if not signature or not algorithm or not cert_url:
            raise MissingSignatureError("signature headers missing")
        if not is_supported_algorithm(algorithm):
            raise UnsupportedAlgorithmError(
                f"unsupported signature algorithm {algorithm[:40]!r}"
            )
        try:
            # Strict: only the base64 alphabet, correct padding, nothing after
            # it (what b64decode(validate=True) checks, without its regex).
            raw = binascii.a2b_base64(signature.strip(), strict_mode=True)
        except (binascii.Error, ValueError) as err:
            raise MissingSignatureError("signature is not base64") from err
        if not raw:
            raise MissingSignatureError("signature is empty")
        url = self._known.get(cert_url)
        if url is None:
            if not self.is_allowed(cert_url):
                raise CertificateUrlNotAllowedError("certificate URL is not allowed")
            url = str(URL(cert_url))
            if len(self._known) < MAX_CACHED:  # the hot path parses no URL
                self._known[cert_url] = url
        return raw, url

    def verify_cached(self, body: bytes, headers: Mapping[str, str]) -> bool:
        """Verify without network; False when the certificate is not cached yet.

        Raises a SignatureError subclass when the notification is refused.
        """
        raw, url = self._read_headers(headers)
        cached = self._cache.get(url)
        if cached is None:
            return False
        try:
            self._check(cached, raw, body)
        except BadSignatureError:
            if self._may_refresh(cached):
                return False  # perhaps rotated behind the same URL: async_verify
            raise
        return True

    async def async_verify(
        self, body: bytes, headers: Mapping[str, str]
    ) -> x509.Certificate:
        """Verify a notification; fetch its certificate first if needed.

        Returns the signing certificate. Raises a SignatureError subclass.
        """
        raw, url = self._read_headers(headers)
        cached = self._cache.get(url) or await self._fetch(url)
        try:
            self._check(cached, raw, body)
        except BadSignatureError:
            if not self._may_refresh(cached):
                raise
            # The certificate may have been replaced behind the same URL.
            if self._cache.get(url) is cached:
                del self._cache[url]
            cached = self._cache.get(url) or await self._fetch(url)
            self._check(cached, raw, body)
        return cached.cert

    def _may_refresh(self, cached: _Cached) -> bool:
        """Refetch a certificate after a bad signature at most once an hour."""
        return self.clock() - cached.fetched_at >= REFRESH_AFTER

    def _check(self, cached: _Cached, raw: bytes, body: bytes) -> None:
        _check_validity(cached.not_before, cached.not_after, self.clock())
        try:
            cached.key.verify(raw, body, _PKCS1V15, _SHA256)
        except InvalidSignature as err:
            raise BadSignatureError("signature does not match the body") from err

    async def _fetch(self, url: str) -> _Cached:
        lock = self._locks.setdefault(url, asyncio.Lock())
        async with lock:
            if (cached := self._cache.get(url)) is not None:
                return cached
            failed_at = self._failed.get(url)
            if failed_at is not None and self.clock() - failed_at < FAILURE_BACKOFF:
                raise CertificateError("certificate fetch failed recently")
            try:
                data = await self._download(url)
                cached = self._validate(data)
            except CertificateError:
                _remember(self._failed, url, self.clock())
                raise
            finally:
                self._locks.pop(url, None)
            self._failed.pop(url, None)
            _remember(self._cache, url, cached)
            return cached

    async def _download(self, url: str) -> bytes:
        kwargs: dict[str, object] = {}
        if self.ssl is not None:
            kwargs["ssl"] = self.ssl
        try:
            async with self.session.get(
                URL(url, encoded=True),
                allow_redirects=False,
                timeout=FETCH_TIMEOUT,
                **kwargs,  # type: ignore[arg-type]
            ) as response:
                if response.status != 200:
                    raise CertificateError(
                        f"certificate download answered HTTP {response.status}"
                    )
                # The whole chain, however it arrives (one read() returns
                # only what has arrived), and never more than the limit.
                data = await read_answer(response, MAX_CERT_BYTES)
        except AnswerTooLargeError as err:
            raise CertificateError("certificate download too large") from err
        except (aiohttp.ClientError, TimeoutError) as err:
            raise CertificateError("certificate download failed") from err
        _LOGGER.debug("Fetched the notification signing certificate from %s", url)
        return data

    def _validate(self, data: bytes) -> _Cached:
        # No strip(): DER is binary, and its last byte may be a "whitespace" one.
        certs = _load_certs(data)
        if not certs:
            raise CertificateError("certificate is not parsable")
        leaf, intermediates = certs[0], certs[1:]
        key = leaf.public_key()
        if not isinstance(key, rsa.RSAPublicKey):
            raise CertificateError("certificate key is not RSA")
        path = _verify_chain(leaf, intermediates, self.trust, self.clock())
        _check_signer(leaf)
        return _Cached(
            cert=leaf,
            key=key,
            not_before=max(c.not_valid_before_utc.timestamp() for c in path),
            not_after=min(c.not_valid_after_utc.timestamp() for c in path),
            fetched_at=self.clock(),
        )


def _remember[V](cache: dict[str, V], key: str, value: V) -> None:
    """Insert as the newest entry; drop the oldest beyond MAX_CACHED."""
    cache.pop(key, None)
    cache[key] = value
    while len(cache) > MAX_CACHED:
        del cache[next(iter(cache))]


def _check_dates(cert: x509.Certificate, now: float) -> None:
    _check_validity(
        cert.not_valid_before_utc.timestamp(), cert.not_valid_after_utc.timestamp(), now
    )


def _check_validity(not_before: float, not_after: float, now: float) -> None:
    """Refuse a certificate outside its validity (POSIX times)."""
    if now < not_before:
        raise CertificateError("certificate is not yet valid")
    if now > not_after:
        raise CertificateError("certificate has expired")


def _extensions(cert: x509.Certificate) -> x509.Extensions:
    try:
        return cert.extensions
    except (ValueError, x509.DuplicateExtension) as err:
        raise CertificateError("certificate extensions are malformed") from err


def _extension[T: x509.ExtensionType](
    cert: x509.Certificate, kind: type[T]
) -> T | None:
    try:
        return _extensions(cert).get_extension_for_class(kind).value
    except x509.ExtensionNotFound:
        return None


def _check_critical(cert: x509.Certificate) -> None:
    """Refuse a certificate with a critical extension we do not understand."""
    for extension in _extensions(cert):
        if extension.critical and extension.oid not in _UNDERSTOOD:
            raise CertificateError("certificate has an unknown critical extension")


def _check_issuer(cert: x509.Certificate, below: int) -> None:
    """Refuse ``cert`` as issuer of a chain with ``below`` CA certificates under it."""
    constraints = _extension(cert, x509.BasicConstraints)
    if constraints is None or not constraints.ca:
        raise CertificateError("certificate issuer is not a CA")
    if constraints.path_length is not None and below > constraints.path_length:
        raise CertificateError("certificate chain breaks its issuer's path length")
    usage = _extension(cert, x509.KeyUsage)
    if usage is not None and not usage.key_cert_sign:
        raise CertificateError("certificate issuer may not sign certificates")


def _signed_by(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    try:
        cert.verify_directly_issued_by(issuer)
    except ValueError, TypeError, InvalidSignature:
        return False
    return True


def _verify_chain(
    leaf: x509.Certificate,
    intermediates: list[x509.Certificate],
    trust: TrustStore,
    now: float,
) -> list[x509.Certificate]:
    """Walk from the leaf to a trust anchor; every link dated, signed, allowed.

    Returns the path, leaf first and anchor last.
    """
    _check_dates(leaf, now)
    _check_critical(leaf)
    current = leaf
    path = [leaf]
    for below in range(MAX_CHAIN_DEPTH):
        # ``below``: the CA certificates between the next issuer and the leaf.
        anchor = next(
            (a for a in trust.issuers_of(current) if _signed_by(current, a)), None
        )
        if anchor is not None:
            _check_issuer(anchor, below)
            _check_dates(anchor, now)
            _check_critical(anchor)
            path.append(anchor)
            return path
        if current.issuer == current.subject:
            raise CertificateError("certificate is self-signed and not trusted")
        parent = next(
            (
                c
                for c in intermediates
                if c.subject == current.issuer and _signed_by(current, c)
            ),
            None,
        )
        if parent is None:
            raise CertificateError("certificate issuer is not trusted")
        _check_issuer(parent, below)
        _check_dates(parent, now)
        _check_critical(parent)
        path.append(parent)
        current = parent
    raise CertificateError("certificate chain is too long")


def _check_signer(cert: x509.Certificate) -> None:
    """May this (trusted) certificate sign notifications? See the module doc."""
    constraints = _extension(cert, x509.BasicConstraints)
    if constraints is not None and constraints.ca:
        raise SignerNotAllowedError("a CA certificate may not sign notifications")
    usage = _extension(cert, x509.KeyUsage)
    if usage is not None and not usage.digital_signature:
        raise SignerNotAllowedError("key usage does not allow digital signatures")
    extended = _extension(cert, x509.ExtendedKeyUsage)
    if extended is not None and set(extended) <= _TLS_ONLY:
        raise SignerNotAllowedError("a TLS-only certificate may not sign notifications")
    if not names_bosch(cert.subject):
        raise SignerNotAllowedError("certificate subject does not name Bosch")


def names_bosch(subject: x509.Name) -> bool:
    """Whether an organizationName or commonName contains the word "bosch"."""
    try:
        values = [
            attribute.value
            for oid in (NameOID.ORGANIZATION_NAME, NameOID.COMMON_NAME)
            for attribute in subject.get_attributes_for_oid(oid)
        ]
    except ValueError:
        return False
    return any(isinstance(v, str) and _NAMES_BOSCH.search(v) for v in values)
