"""The owner channel of the K 40 RF document (September 2026).

What an owner has: the sticker on the gateway (``Login`` = the device id,
``Pass`` = four groups of four characters, and a QR code
``V:1;L:<login>;P:<pass>;MAC:<mac>;N:K40RF``) and physical access for the
button press. What the gateway does, as the document says:

- zeroconf ``_hvac-open-api._tcp.local.``, instance ``K40RF-<device id>``,
  TXT ``model``, ``brand``, ``uuid``, ``authport``;
- port 9442: ``POST /auth/token`` (form: ``grant_type=password``,
  ``username``, ``password`` without hyphens, ``client_name``), within five
  minutes after the press (WLAN + Wireless 1 s) and only from the gateway's
  subnet (else 412 ``physical_proximity_unproven``); ``GET /auth/token`` lists
  the tokens, ``POST /auth/revoke`` (form ``token_id``, ``usage_type=private``)
  revokes one, both with a token as bearer;
- port 9443: the resources, read-only, with a token as bearer; it does not
  listen until a token exists;
- errors: 400 ``invalid_grant``, 401, 403 (a path outside the tree, ``/auth``
  on 9443, any write), 412, 415, 507 ``Token database full``.

The certificate: self-signed, its Common Name the device id, no host name
(``owner-server.pem`` in the state folder). ``renew_certificate`` makes a new
one (as a firmware update or a factory reset could): a client that pinned the
old one must notice.

Tokens do not expire; they survive simulator restarts (``owner-tokens.json``).
The real capacity of the token database is not documented: the simulator
holds ``OWNER_MAX_TOKENS`` so that "database full" can be reached.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
import json
from pathlib import Path
import secrets
import string

from simulator.clock import Clock

from .tokens import PressWindow, load_tokens, save_tokens

OWNER_SERVICE_TYPE = "_hvac-open-api._tcp.local."
DEFAULT_OWNER_AUTH_PORT = 9442
DEFAULT_OWNER_API_PORT = 9443
OWNER_WINDOW_SECONDS = 300.0
OWNER_MAX_TOKENS = 8
OWNER_SCOPE = "open_api.read"
FORM = "application/x-www-form-urlencoded"

_PASS_ALPHABET = string.ascii_letters + string.digits


@dataclass(frozen=True, slots=True)
class Sticker:
    """What is printed on the gateway's label."""

    login: str
    password: str  # as printed: aaaa-bbbb-cccc-dddd
    mac: str
    model: str = "K40RF"

    @property
    def qr(self) -> str:
        """The text of the label's QR code."""
        return f"V:1;L:{self.login};P:{self.password};MAC:{self.mac};N:{self.model}"

    @property
    def password_plain(self) -> str:
        """The password as the gateway wants it (hyphens removed)."""
        return self.password.replace("-", "")


def load_sticker(folder: Path, device_id: str) -> Sticker:
    """The sticker of this gateway (made once, then kept in ``sticker.json``)."""
    path = folder / "sticker.json"
    if path.exists():
        try:
            data = json.loads(path.read_text())
            sticker = Sticker(**data)
        except ValueError, TypeError:
            sticker = None
        if sticker is not None and sticker.login == device_id:
            return sticker
    groups = [
        "".join(secrets.choice(_PASS_ALPHABET) for _ in range(4)) for _ in range(4)
    ]
    mac = ":".join(f"{secrets.randbelow(256):02X}" for _ in range(6))
    sticker = Sticker(login=device_id, password="-".join(groups), mac=mac)
    folder.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(asdict(sticker)))
    return sticker


@dataclass(frozen=True, slots=True)
class OwnerToken:
    """A token of the owner channel."""

    token_id: str
    access_token: str
    client_name: str
    created_at: int

    def listed(self) -> dict[str, object]:
        """How ``GET /auth/token`` shows it (never the token itself)."""
        return {
            "token_type": "Bearer",
            "token_id": self.token_id,
            "client_name": self.client_name,
            "created_at": self.created_at,
        }


type Answer = tuple[int, object]


@dataclass
class OwnerAuthority(PressWindow):
    """The owner channel's token database and proximity window."""

    clock: Clock
    sticker: Sticker
    store: Path | None = None
    max_tokens: int = OWNER_MAX_TOKENS
    window_seconds: float = OWNER_WINDOW_SECONDS
    pressed_at: float | None = None
    # False: requests come from outside the gateway's subnet (always 412).
    same_subnet: bool = True
    tokens: list[OwnerToken] = field(default_factory=list)
    requests: int = 0
    next_id: int = 1

    def __post_init__(self) -> None:
        """Load the tokens issued in an earlier run."""
        self.tokens = load_tokens(self.store, OwnerToken) or self.tokens
        self.next_id = 1 + max((int(t.token_id) for t in self.tokens), default=0)

    def _save(self) -> None:
        save_tokens(self.store, self.tokens)

    def factory_reset(self) -> None:
        """Forget every token."""
        self.tokens.clear()
        self.pressed_at = None
        self._save()

    def find(self, authorization: str) -> OwnerToken | None:
        """The token an ``Authorization`` header carries (None: none valid)."""
        scheme, _, value = authorization.partition(" ")
        if scheme != "Bearer" or not value.strip():
            return None
        for token in self.tokens:
            if secrets.compare_digest(token.access_token, value.strip()):
                return token
        return None

    def request(self, content_type: str, form: dict[str, str]) -> Answer:
        """``POST /auth/token``: (HTTP status, JSON body)."""
        self.requests += 1
        if content_type != FORM:
            return 415, {"error": "Unsupported Media Type"}
        if not self.same_subnet or not self.window_open:
            return 412, {"error": "physical_proximity_unproven"}
        if (
            form.get("grant_type") != "password"
            or form.get("username") != self.sticker.login
            or not secrets.compare_digest(
                form.get("password", ""), self.sticker.password_plain
            )
        ):
            return 400, {"error": "invalid_grant"}
        if not form.get("client_name"):
            return 400, {"error": "invalid_request"}
        if len(self.tokens) >= self.max_tokens:
            return 507, {"error": "Token database full"}
        token = OwnerToken(
            token_id=str(self.next_id),
            access_token=secrets.token_urlsafe(32),
            client_name=form["client_name"][:64],
            created_at=int(self.clock.time()),
        )
        self.next_id += 1
        self.tokens.append(token)
        self._save()
        return 200, {
            "access_token": token.access_token,
            "token_type": "Bearer",
            "scope": OWNER_SCOPE,
        }

    def listing(self, authorization: str) -> Answer:
        """``GET /auth/token``."""
        if self.find(authorization) is None:
            return 401, {"error": "Unauthorized"}
        return 200, [token.listed() for token in self.tokens]

    def revoke(
        self, authorization: str, content_type: str, form: dict[str, str]
    ) -> Answer:
        """``POST /auth/revoke``."""
        if self.find(authorization) is None:
            return 401, {"error": "Unauthorized"}
        if content_type != FORM:
            return 415, {"error": "Unsupported Media Type"}
        token_id = form.get("token_id", "")
        if form.get("usage_type") != "private":
            return 400, {"error": "invalid_request"}
        revoked = next((t for t in self.tokens if t.token_id == token_id), None)
        if revoked is None:
            return 400, {"error": "invalid_token_id"}
        self.tokens.remove(revoked)
        self._save()
        return 200, {}
