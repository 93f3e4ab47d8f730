"""The gateway's token endpoint: proximity window, clients, 32 tokens.

``POST /auth/token`` answers as the Local API document's table says. Every
request to it closes an open proximity window, successful or not. Checks
run in this order: content type (415), proximity (412), ``client_id``
missing (500), ``client_name``/``grant_type`` (400), unknown client or scope
not allowed (401), token limit (507).
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
import json
from pathlib import Path
import secrets
from typing import Any

from simulator.clock import Clock

WINDOW_SECONDS = 60.0
MAX_TOKENS = 32
READ = "service.read"
WRITE = "service.level1.write"
DEMO_CLIENT_ID = "bosch-connect-demo"
READ_ONLY_CLIENT_ID = "bosch-connect-readonly"
DEFAULT_CLIENTS: dict[str, tuple[str, ...]] = {
    DEMO_CLIENT_ID: (READ, WRITE),
    READ_ONLY_CLIENT_ID: (READ,),
}


@dataclass(frozen=True, slots=True)
class IssuedToken:
    """A token the gateway issued (kept across simulator restarts)."""

    access_token: str
    client_id: str
    client_name: str
    scope: str
    issued_at: float

    @property
    def scopes(self) -> frozenset[str]:
        """The granted scopes."""
        return frozenset(self.scope.split())


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def make_jwt_like(claims: dict[str, object]) -> str:
    """A JWT-shaped opaque token: header.claims.random."""
    header = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    body = _b64(json.dumps(claims, separators=(",", ":")).encode())
    return f"{header}.{body}.{_b64(secrets.token_bytes(32))}"


def load_tokens[T](store: Path | None, kind: Callable[..., T]) -> list[T]:
    """The tokens kept in ``store`` by an earlier run (none without one)."""
    if store is None or not store.exists():
        return []
    return [kind(**item) for item in json.loads(store.read_text())]


def save_tokens(store: Path | None, tokens: list[Any]) -> None:
    """Keep ``tokens`` (dataclasses) in ``store`` for the next run."""
    if store is not None:
        store.parent.mkdir(parents=True, exist_ok=True)
        store.write_text(json.dumps([asdict(t) for t in tokens]))


class PressWindow:
    """The proximity window that a button press opens (``window_seconds`` long)."""

    clock: Clock
    pressed_at: float | None
    window_seconds: float

    def press(self) -> None:
        """The buttons were pressed: the window opens now."""
        self.pressed_at = self.clock.time()

    @property
    def window_open(self) -> bool:
        """True while a token may be requested."""
        return (
            self.pressed_at is not None
            and self.clock.time() - self.pressed_at <= self.window_seconds
        )


@dataclass
class TokenAuthority(PressWindow):
    """Who may get a token, the proximity window and the issued tokens."""

    clock: Clock
    store: Path | None = None
    clients: dict[str, tuple[str, ...]] = field(
        default_factory=lambda: dict(DEFAULT_CLIENTS)
    )
    max_tokens: int = MAX_TOKENS
    window_seconds: float = WINDOW_SECONDS
    pressed_at: float | None = None
    tokens: list[IssuedToken] = field(default_factory=list)
    requests: int = 0

    def __post_init__(self) -> None:
        """Load the tokens issued in an earlier run."""
        self.tokens = load_tokens(self.store, IssuedToken) or self.tokens

    def _save(self) -> None:
        save_tokens(self.store, self.tokens)

    @property
    def window_remaining(self) -> float:
        """Seconds left in the window (0 when closed)."""
        if not self.window_open or self.pressed_at is None:
            return 0.0
        return self.window_seconds - (self.clock.time() - self.pressed_at)

    def factory_reset(self) -> None:
        """Forget every token."""
        self.tokens.clear()
        self.pressed_at = None
        self._save()

    def find(self, access_token: str) -> IssuedToken | None:
        """The issued token with this value."""
        for token in self.tokens:
            if secrets.compare_digest(token.access_token, access_token):
                return token
        return None

    def request(
        self, content_type: str, form: dict[str, str]
    ) -> tuple[int, dict[str, str]]:
        """Answer one token request: (HTTP status, JSON body)."""
        self.requests += 1
        was_open = self.window_open
        self.pressed_at = None  # one request per proximity check
        if content_type != "application/x-www-form-urlencoded":
            return 415, {"error": "Unsupported Media Type"}
        if not was_open:
            return 412, {"error": "physical_proximity_unproven"}
        client_id = form.get("client_id")
        if not client_id:
            return 500, {"error": "server_error"}
        if not form.get("client_name") or form.get("grant_type") != (
            "client_credentials"
        ):
            return 400, {"error": "invalid_request"}
        allowed = self.clients.get(client_id)
        if allowed is None:
            return 401, {"error": "invalid_client"}
        requested = form.get("scope", "").replace('"', "").split()
        if any(scope not in allowed for scope in requested):
            return 401, {"error": "invalid_scope"}
        if len(self.tokens) >= self.max_tokens:
            return 507, {"error": "Token database full"}
        scope = " ".join(requested or allowed)
        now = self.clock.time()
        token = IssuedToken(
            access_token=make_jwt_like(
                {
                    "sub": client_id,
                    "scope": scope,
                    "iat": int(now),
                    "jti": secrets.token_hex(8),
                }
            ),
            client_id=client_id,
            client_name=form["client_name"],
            scope=scope,
            issued_at=now,
        )
        self.tokens.append(token)
        self._save()
        return 200, {
            "access_token": token.access_token,
            "token_type": "Bearer",
            "scope": scope,
        }
