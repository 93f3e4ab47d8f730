"""The Bosma cloud authorization interface as the source document describes it.

``POST /sdk/globalcorpuser/applyToken`` (under the base path
``/bosma-smart-global``) with the headers ``corp``, ``nonce`` (32 characters),
``timestamp`` (seconds) and ``sign`` (MD5 of ``nonce=..&timestamp=..`` plus
the company's apiSecret), and the query ``appPackage``, ``platform`` (1 iOS,
2 Android), ``openid``, ``country``. Always HTTP 200 with ``{code, msg, data}``:
0 success, 499 missing parameter, 501 timestamp off by more than 5 minutes,
502 signature error, 500 other failures.
"""

from __future__ import annotations

from dataclasses import dataclass, field
import datetime as dt
from email.utils import format_datetime
import hashlib
import hmac
import secrets
from typing import Any, ClassVar

from aiohttp import web

from simulator.options import Options
from simulator.server import ControlAction, LoopbackService, make_app

BASE_PATH = "/bosma-smart-global"
APPLY_TOKEN = "/sdk/globalcorpuser/applyToken"
DEFAULT_PORT = 8480
MAX_SKEW = 300
TICKET_LIFETIME = 7200

DEMO_CORP = "BC100042"
DEMO_SECRET = "ytuaf6411b24c1c2990746d2a91d8c52"  # the source document's example
DEMO_APP_PACKAGE = "com.example.boschconnect"
DEMO_OPENID = "demo-user-0001"
DEMO_COUNTRY = "DE"

REQUIRED_HEADERS = ("corp", "nonce", "timestamp", "sign")
REQUIRED_QUERY = ("appPackage", "platform", "openid", "country")


def expected_sign(nonce: str, timestamp: str, api_secret: str) -> str:
    """The signature as Bosma computes it (independent of the client's code)."""
    text = f"nonce={nonce}&timestamp={timestamp}{api_secret}"
    return hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()


@dataclass(slots=True)
class IssuedTicket:
    """A ticket handed out, for assertions."""

    ticket: str
    corp: str
    openid: str
    app_package: str
    platform: int
    country: str
    issued_at: float


@dataclass
class BosmaCloud(LoopbackService):
    """The simulated Bosma cloud."""

    default_port: ClassVar[int] = DEFAULT_PORT

    name: str = "bosma"
    # company id -> apiSecret
    companies: dict[str, str] = field(default_factory=lambda: {DEMO_CORP: DEMO_SECRET})
    # Bosma's clock minus the real (simulated) one, in seconds.
    skew: float = 0.0
    ticket_lifetime: int = TICKET_LIFETIME
    # Forced answers: (code, remaining count) - control command.
    forced_code: int | None = None
    forced_count: int = 0
    tickets: list[IssuedTicket] = field(default_factory=list)

    # -- server -------------------------------------------------------------

    def app(self) -> web.Application:
        """The aiohttp application."""
        app = make_app(self.faults)
        app.router.add_post(BASE_PATH + APPLY_TOKEN, self._apply_token)
        return app

    @property
    def base_url(self) -> str:
        """What the user types as the base URL."""
        return self.url + BASE_PATH

    def now(self) -> float:
        """Bosma's clock (simulated time plus the configured skew)."""
        return self.options.clock_for(self.name).time() + self.skew

    def _answer(
        self, code: int, msg: str, data: dict[str, Any] | None = None
    ) -> web.Response:
        body: dict[str, Any] = {"code": code, "msg": msg}
        if data is not None:
            body["data"] = data
        response = web.json_response(body)
        response.headers["Date"] = format_datetime(
            dt.datetime.fromtimestamp(self.now(), dt.UTC), usegmt=True
        )
        return response

    async def _apply_token(self, request: web.Request) -> web.Response:
        headers = {name: request.headers.get(name, "") for name in REQUIRED_HEADERS}
        query = {name: request.query.get(name, "") for name in REQUIRED_QUERY}
        missing = [name for name, value in {**headers, **query}.items() if not value]
        if missing:
            return self._answer(499, f"missing parameter: {', '.join(missing)}")
        if len(headers["nonce"]) != 32:
            return self._answer(499, "nonce must be 32 characters")
        if not headers["timestamp"].isdigit():
            return self._answer(499, "timestamp must be seconds")
        if query["platform"] not in ("1", "2"):
            return self._answer(499, "platform must be 1 (iOS) or 2 (Android)")
        if self.forced_code is not None and self.forced_count > 0:
            self.forced_count -= 1
            return self._answer(self.forced_code, "simulated failure")
        if abs(int(headers["timestamp"]) - self.now()) > MAX_SKEW:
            return self._answer(
                501,
                "the timestamp differs from the current time by more than 5 minutes",
            )
        secret = self.companies.get(headers["corp"])
        if secret is None or not hmac.compare_digest(
            expected_sign(headers["nonce"], headers["timestamp"], secret),
            headers["sign"].lower(),
        ):
            return self._answer(502, "signature error")
        ticket = secrets.token_urlsafe(32)
        self.tickets.append(
            IssuedTicket(
                ticket=ticket,
                corp=headers["corp"],
                openid=query["openid"],
                app_package=query["appPackage"],
                platform=int(query["platform"]),
                country=query["country"],
                issued_at=self.now(),
            )
        )
        return self._answer(
            0, "success", {"ticket": ticket, "expiresIn": self.ticket_lifetime}
        )

    # -- control ------------------------------------------------------------

    def control_routes(self) -> list[web.RouteDef]:
        """``/bosma/clock``, ``/bosma/answer``, ``/bosma/companies``, ``/bosma/tickets``."""

        async def set_clock(request: web.Request) -> web.Response:
            body = await request.json()
            self.skew = float(body.get("skew", 0.0))
            return web.json_response({"skew": self.skew})

        async def force_answer(request: web.Request) -> web.Response:
            body = await request.json()
            self.forced_code = int(body.get("code", 500))
            self.forced_count = int(body.get("count", 1))
            return web.json_response(
                {"code": self.forced_code, "count": self.forced_count}
            )

        async def add_company(request: web.Request) -> web.Response:
            body = await request.json()
            self.companies[str(body["corp"])] = str(body["apiSecret"])
            return web.json_response({"companies": sorted(self.companies)})

        async def list_tickets(request: web.Request) -> web.Response:
            return web.json_response(
                {
                    "count": len(self.tickets),
                    "last": {
                        "corp": self.tickets[-1].corp,
                        "openid": self.tickets[-1].openid,
                    }
                    if self.tickets
                    else None,
                }
            )

        return [
            web.post("/clock", set_clock),
            web.post("/answer", force_answer),
            web.post("/companies", add_company),
            web.get("/tickets", list_tickets),
        ]

    def control_actions(self) -> list[ControlAction]:
        """Buttons on the control page."""
        return [
            ControlAction("Bosma clock +10 min (501)", "POST", "/clock", {"skew": 600}),
            ControlAction("Bosma clock in sync", "POST", "/clock", {"skew": 0}),
            ControlAction(
                "Next answer: 500", "POST", "/answer", {"code": 500, "count": 1}
            ),
            ControlAction(
                "Next answer: 499", "POST", "/answer", {"code": 499, "count": 1}
            ),
        ]

    def describe(self) -> list[str]:
        """What to type into Home Assistant."""
        corp, secret = next(iter(self.companies.items()))
        return [
            "Bosma cloud (Bosch Connect -> Bosma):",
            f"  base URL     {self.base_url}",
            f"  company id   {corp}",
            f"  apiSecret    {secret}",
            f"  app package  {DEMO_APP_PACKAGE}   platform Android   "
            f"openid {DEMO_OPENID}   country {DEMO_COUNTRY}",
            "  control: POST /bosma/clock {skew}, /bosma/answer {code, count}",
        ]


def create(options: Options) -> BosmaCloud:
    """The simulated Bosma cloud."""
    return BosmaCloud(options)
