r"""Bosch IoT Rollouts as far as Bosch Connect needs it (an Eclipse hawkBit subset).

Management API (tenant in the path, JSON, paged lists ``content/total/size``
with ``offset``, ``limit`` (at most 500) and a small FIQL ``q``):
``GET /{tenant}/rest/v1/targets``, ``/targets/{controllerId}``,
``/distributionsets``. Basic auth as ``TENANT\\USERNAME`` or a bearer token
from the token endpoint ``POST /oauth/token`` (client credentials). The first
call of an unknown OAuth2 client answers 403 and registers it with an empty
permission set; an operator grants permissions (control command).

DDI API: ``GET /{tenant}/controller/v1/{controllerId}`` with
``Authorization: TargetToken <32 chars>`` or ``GatewayToken <token>`` (each can
be disabled per tenant: 401), ``deploymentBase/{actionId}`` with chunks,
``deploymentBase/{actionId}/feedback``, ``cancelAction/{actionId}`` (+feedback)
and ``configData``.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from dataclasses import dataclass, field
import re
import secrets
import string
from typing import Any, ClassVar

from aiohttp import web

from simulator.options import Options
from simulator.server import (
    ControlAction,
    LoopbackService,
    client_credentials,
    make_app,
)

DEFAULT_PORT = 8470
TOKEN_PATH = "/oauth/token"
MAX_LIMIT = 500
TOKEN_LIFETIME = 3600

DEMO_TENANT = "DEMO"
DEMO_USER = "admin"
DEMO_PASSWORD = "rollouts-demo"
DEMO_CLIENT_ID = "home-assistant"
DEMO_CLIENT_SECRET = "ha-client-secret"
DEMO_CONTROLLER = "ha-demo-device"
DEMO_TARGET_TOKEN = "bH7XXAprK1ChnLfKSdtlsp7NOlPnZAYY"
DEMO_GATEWAY_TOKEN = "3nkswAZhX81oDtktq0FF9Pn0Tc0UGXPW"

READ_TARGET = "READ_TARGET"
READ_REPOSITORY = "READ_REPOSITORY"
ALL_PERMISSIONS = frozenset({READ_TARGET, READ_REPOSITORY, "UPDATE_TARGET"})

_ALNUM = string.ascii_letters + string.digits


def new_security_token() -> str:
    """A 32-character alphanumeric target security token."""
    return "".join(secrets.choice(_ALNUM) for _ in range(32))


def format_sleep(seconds: int) -> str:
    """``HH:MM:SS``."""
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


@dataclass
class Target:
    """A target of a tenant."""

    controller_id: str
    name: str
    security_token: str
    update_status: str = "registered"
    created_at: float = 0.0
    last_request_at: float | None = None
    overdue: bool | None = None  # None: computed from the poll times
    attributes: dict[str, str] = field(default_factory=dict)
    installed_ds: int | None = None
    assigned_ds: int | None = None


@dataclass
class DistributionSet:
    """A distribution set with its software modules."""

    id: int
    name: str
    version: str
    modules: list[dict[str, Any]]


@dataclass
class Action:
    """A deployment of a distribution set to a target."""

    id: int
    controller_id: str
    ds_id: int
    status: str = "running"  # running | canceling | canceled | finished | error
    feedback: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Principal:
    """A user or an OAuth2 client in User Management."""

    name: str
    permissions: set[str]


@dataclass
class Tenant:
    """One tenant (account) of Bosch IoT Rollouts."""

    name: str
    users: dict[str, str] = field(default_factory=dict)  # username -> password
    principals: dict[str, Principal] = field(default_factory=dict)
    targets: dict[str, Target] = field(default_factory=dict)
    distribution_sets: dict[int, DistributionSet] = field(default_factory=dict)
    actions: dict[int, Action] = field(default_factory=dict)
    target_token_enabled: bool = True
    gateway_token_enabled: bool = True
    gateway_token: str = DEMO_GATEWAY_TOKEN
    polling_seconds: int = 300
    overdue_seconds: int = 300
    next_action_id: int = 1


def demo_tenant(now: float) -> Tenant:
    """The demo tenant: a user, targets in every status, three distribution sets."""
    tenant = Tenant(name=DEMO_TENANT)
    tenant.users[DEMO_USER] = DEMO_PASSWORD
    tenant.principals[DEMO_USER] = Principal(DEMO_USER, set(ALL_PERMISSIONS))
    for ds_id, (name, version) in enumerate(
        [("Gateway firmware", "1.0.0"), ("Gateway firmware", "1.1.0"), ("Apps", "7")],
        start=1,
    ):
        tenant.distribution_sets[ds_id] = DistributionSet(
            id=ds_id,
            name=name,
            version=version,
            modules=[
                {"id": ds_id * 10, "type": "os", "name": name, "version": version}
            ],
        )
    statuses = ["in_sync", "in_sync", "in_sync", "pending", "error", "registered"]
    for number, status in enumerate(statuses, start=1):
        controller = f"device-{number:03d}"
        tenant.targets[controller] = Target(
            controller_id=controller,
            name=f"Device {number}",
            security_token=new_security_token(),
            update_status=status,
            created_at=now - 86400,
            last_request_at=None if status == "registered" else now - 60 * number,
            overdue=number == 5,
        )
    tenant.targets[DEMO_CONTROLLER] = Target(
        controller_id=DEMO_CONTROLLER,
        name="Home Assistant demo device",
        security_token=DEMO_TARGET_TOKEN,
        created_at=now - 3600,
    )
    return tenant


class FiqlError(ValueError):
    """A query the simulator does not understand (hawkBit answers 400)."""


_FIELDS: dict[str, Callable[[Target], str]] = {
    "updatestatus": lambda t: t.update_status,
    "controllerid": lambda t: t.controller_id,
    "name": lambda t: t.name,
    "id": lambda t: t.controller_id,
}


def fiql_filter(query: str) -> Callable[[Target], bool]:
    """A predicate for ``field==value`` / ``!=`` joined by ``;`` (and) / ``,`` (or)."""
    alternatives = []
    for part in query.split(","):
        conditions = []
        for condition in part.split(";"):
            match = re.fullmatch(r"\s*(\w+)\s*(==|!=)\s*(.+?)\s*", condition)
            if match is None or match.group(1).lower() not in _FIELDS:
                raise FiqlError(condition)
            getter = _FIELDS[match.group(1).lower()]
            pattern = re.compile(
                "^" + ".*".join(map(re.escape, match.group(3).split("*"))) + "$",
                re.IGNORECASE,
            )
            conditions.append((getter, match.group(2) == "==", pattern))
        alternatives.append(conditions)

    def predicate(target: Target) -> bool:
        return any(
            all(bool(p.match(str(g(target)))) == eq for g, eq, p in conditions)
            for conditions in alternatives
        )

    return predicate


def _error(status: int, code: str, message: str) -> web.Response:
    return web.json_response(
        {"exceptionClass": code, "errorCode": code, "message": message},
        status=status,
    )


@dataclass
class RolloutsCloud(LoopbackService):
    """The simulated Bosch IoT Rollouts."""

    default_port: ClassVar[int] = DEFAULT_PORT

    name: str = "rollouts"
    tenants: dict[str, Tenant] = field(default_factory=dict)
    # OAuth2 clients of the Bosch IoT Suite: client id -> secret
    oauth_clients: dict[str, str] = field(
        default_factory=lambda: {DEMO_CLIENT_ID: DEMO_CLIENT_SECRET}
    )
    # access token -> (client id, expiry)
    tokens: dict[str, tuple[str, float]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.tenants:
            self.tenants[DEMO_TENANT] = demo_tenant(self.now())

    def now(self) -> float:
        """Simulated time, seconds."""
        return self.options.clock_for(self.name).time()

    # -- server -------------------------------------------------------------

    def app(self) -> web.Application:
        """The aiohttp application with Management, DDI and token endpoints."""
        app = make_app(self.faults)
        app.router.add_post(TOKEN_PATH, self._token)
        mgmt = "/{tenant}/rest/v1"
        app.router.add_get(mgmt + "/targets", self._list_targets)
        app.router.add_get(mgmt + "/targets/{controller}", self._get_target)
        app.router.add_get(mgmt + "/distributionsets", self._list_sets)
        ddi = "/{tenant}/controller/v1/{controller}"
        app.router.add_get(ddi, self._poll)
        app.router.add_get(ddi + "/deploymentBase/{action}", self._deployment)
        app.router.add_post(ddi + "/deploymentBase/{action}/feedback", self._feedback)
        app.router.add_get(ddi + "/cancelAction/{action}", self._cancel)
        app.router.add_post(
            ddi + "/cancelAction/{action}/feedback", self._cancel_feedback
        )
        app.router.add_put(ddi + "/configData", self._config_data)
        return app

    @property
    def base_url(self) -> str:
        """The Management (and DDI) base URL."""
        return self.url

    @property
    def token_url(self) -> str:
        """The OAuth2 token endpoint."""
        return self.base_url + TOKEN_PATH

    # -- OAuth2 token endpoint ---------------------------------------------

    async def _token(self, request: web.Request) -> web.Response:
        client_id, client_secret, form = await client_credentials(request)
        if form.get("grant_type") != "client_credentials":
            return web.json_response({"error": "unsupported_grant_type"}, status=400)
        if self.oauth_clients.get(client_id) != client_secret or not client_id:
            return web.json_response({"error": "invalid_client"}, status=401)
        token = secrets.token_urlsafe(32)
        self.tokens[token] = (client_id, self.now() + TOKEN_LIFETIME)
        return web.json_response(
            {
                "access_token": token,
                "token_type": "Bearer",
                "expires_in": TOKEN_LIFETIME,
                "scope": form.get("scope", ""),
            }
        )

    # -- Management API -----------------------------------------------------

    def _tenant(self, request: web.Request) -> Tenant:
        tenant = self.tenants.get(request.match_info["tenant"].upper())
        if tenant is None:
            raise web.HTTPUnauthorized()
        return tenant

    def _principal(self, request: web.Request, tenant: Tenant) -> Principal:
        """Authenticate; register unknown OAuth clients (403 until granted)."""
        header = request.headers.get("Authorization", "")
        if header.startswith("Basic "):
            try:
                user, _, password = base64.b64decode(header[6:]).decode().partition(":")
            except (binascii.Error, UnicodeDecodeError) as err:
                raise web.HTTPUnauthorized() from err
            tenant_name, _, username = user.partition("\\")
            if (
                tenant_name.upper() != tenant.name
                or tenant.users.get(username) != password
            ):
                raise web.HTTPUnauthorized()
            return tenant.principals[username]
        if header.startswith("Bearer "):
            entry = self.tokens.get(header[7:])
            if entry is None or entry[1] < self.now():
                raise web.HTTPUnauthorized()
            client_id = entry[0]
            if client_id not in tenant.principals:
                tenant.principals[client_id] = Principal(client_id, set())
                raise web.HTTPForbidden(
                    text='{"errorCode":"hawkbit.server.error.insufficientpermission",'
                    '"message":"client registered; permissions required"}',
                    content_type="application/json",
                )
            return tenant.principals[client_id]
        raise web.HTTPUnauthorized()

    def _authorize(self, request: web.Request, permission: str) -> Tenant:
        tenant = self._tenant(request)
        principal = self._principal(request, tenant)
        if permission not in principal.permissions:
            raise web.HTTPForbidden(
                text='{"errorCode":"hawkbit.server.error.insufficientpermission",'
                f'"message":"{permission} required"}}',
                content_type="application/json",
            )
        return tenant

    @staticmethod
    def _paging(request: web.Request) -> tuple[int, int]:
        try:
            offset = int(request.query.get("offset", "0"))
            limit = int(request.query.get("limit", "50"))
        except ValueError as err:
            raise web.HTTPBadRequest() from err
        if offset < 0 or limit < 1:
            raise web.HTTPBadRequest()
        return offset, min(limit, MAX_LIMIT)

    def _poll_status(self, tenant: Tenant, target: Target) -> dict[str, Any] | None:
        if target.last_request_at is None:
            return None
        next_expected = target.last_request_at + tenant.polling_seconds
        overdue = (
            target.overdue
            if target.overdue is not None
            else self.now() > next_expected + tenant.overdue_seconds
        )
        return {
            "lastRequestAt": int(target.last_request_at * 1000),
            "nextExpectedRequestAt": int(next_expected * 1000),
            "overdue": overdue,
        }

    def target_json(self, tenant: Tenant, target: Target) -> dict[str, Any]:
        """A MgmtTarget."""
        base = f"{self.base_url}/{tenant.name}/rest/v1/targets/{target.controller_id}"
        body: dict[str, Any] = {
            "controllerId": target.controller_id,
            "name": target.name,
            "description": "",
            "updateStatus": target.update_status,
            "securityToken": target.security_token,
            "requestAttributes": True,
            "autoConfirmActive": False,
            "createdBy": DEMO_USER,
            "createdAt": int(target.created_at * 1000),
            "lastModifiedBy": DEMO_USER,
            "lastModifiedAt": int(target.created_at * 1000),
            "_links": {"self": {"href": base}},
        }
        poll = self._poll_status(tenant, target)
        if poll is not None:
            body["pollStatus"] = poll
            body["lastControllerRequestAt"] = poll["lastRequestAt"]
        return body

    async def _list_targets(self, request: web.Request) -> web.Response:
        tenant = self._authorize(request, READ_TARGET)
        offset, limit = self._paging(request)
        targets = sorted(tenant.targets.values(), key=lambda t: t.controller_id)
        if query := request.query.get("q"):
            try:
                predicate = fiql_filter(query)
            except FiqlError:
                return _error(
                    400, "hawkbit.server.error.rest.param.rsqlInvalidField", query
                )
            targets = [t for t in targets if predicate(t)]
        page = targets[offset : offset + limit]
        return web.json_response(
            {
                "content": [self.target_json(tenant, t) for t in page],
                "total": len(targets),
                "size": len(page),
            }
        )

    async def _get_target(self, request: web.Request) -> web.Response:
        tenant = self._authorize(request, READ_TARGET)
        target = tenant.targets.get(request.match_info["controller"])
        if target is None:
            return _error(404, "hawkbit.server.error.repo.entitiyNotFound", "target")
        return web.json_response(self.target_json(tenant, target))

    async def _list_sets(self, request: web.Request) -> web.Response:
        tenant = self._authorize(request, READ_REPOSITORY)
        offset, limit = self._paging(request)
        sets = sorted(tenant.distribution_sets.values(), key=lambda d: d.id)
        page = sets[offset : offset + limit]
        return web.json_response(
            {
                "content": [
                    {
                        "id": d.id,
                        "name": d.name,
                        "version": d.version,
                        "description": "",
                        "type": "os",
                        "typeName": "OS only",
                        "modules": d.modules,
                        "requiredMigrationStep": False,
                        "complete": True,
                        "deleted": False,
                        "valid": True,
                        "locked": True,
                    }
                    for d in page
                ],
                "total": len(sets),
                "size": len(page),
            }
        )

    # -- DDI API --------------------------------------------------------------

    def _ddi_target(self, request: web.Request) -> tuple[Tenant, Target]:
        """Authenticate a device; a GatewayToken may create the target."""
        tenant = self.tenants.get(request.match_info["tenant"].upper())
        if tenant is None:
            raise web.HTTPUnauthorized()
        controller = request.match_info["controller"]
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        target = tenant.targets.get(controller)
        if scheme == "TargetToken" and tenant.target_token_enabled:
            if target is not None and secrets.compare_digest(
                token.strip(), target.security_token
            ):
                return tenant, target
        elif (
            scheme == "GatewayToken"
            and tenant.gateway_token_enabled
            and secrets.compare_digest(token.strip(), tenant.gateway_token)
        ):
            if target is None:  # plug and play: the gateway registers it
                target = Target(
                    controller_id=controller,
                    name=controller,
                    security_token=new_security_token(),
                    created_at=self.now(),
                )
                tenant.targets[controller] = target
            return tenant, target
        raise web.HTTPUnauthorized()

    def _open_action(self, tenant: Tenant, target: Target) -> Action | None:
        for action in sorted(tenant.actions.values(), key=lambda a: a.id):
            if action.controller_id == target.controller_id and action.status in (
                "running",
                "canceling",
            ):
                return action
        return None

    async def _poll(self, request: web.Request) -> web.Response:
        tenant, target = self._ddi_target(request)
        target.last_request_at = self.now()
        base = f"{self.base_url}/{tenant.name}/controller/v1/{target.controller_id}"
        links: dict[str, Any] = {}
        action = self._open_action(tenant, target)
        if action is not None and action.status == "running":
            links["deploymentBase"] = {
                "href": f"{base}/deploymentBase/{action.id}?c={hash((action.id, action.ds_id)) & 0xFFFFFFF}"
            }
        elif action is not None:
            links["cancelAction"] = {"href": f"{base}/cancelAction/{action.id}"}
        if not target.attributes:
            links["configData"] = {"href": f"{base}/configData"}
        return web.json_response(
            {
                "config": {"polling": {"sleep": format_sleep(tenant.polling_seconds)}},
                "_links": links,
            },
            content_type="application/hal+json",
        )

    def _action(self, request: web.Request, tenant: Tenant, target: Target) -> Action:
        try:
            action = tenant.actions[int(request.match_info["action"])]
        except (KeyError, ValueError) as err:
            raise web.HTTPNotFound() from err
        if action.controller_id != target.controller_id:
            raise web.HTTPNotFound()
        return action

    async def _deployment(self, request: web.Request) -> web.Response:
        tenant, target = self._ddi_target(request)
        action = self._action(request, tenant, target)
        ds = tenant.distribution_sets[action.ds_id]
        base = f"{self.base_url}/{tenant.name}/controller/v1/{target.controller_id}"
        return web.json_response(
            {
                "id": str(action.id),
                "deployment": {
                    "download": "forced",
                    "update": "forced",
                    "chunks": [
                        {
                            "part": module["type"],
                            "name": module["name"],
                            "version": module["version"],
                            "artifacts": [
                                {
                                    "filename": "firmware.bin",
                                    "size": 13,
                                    "hashes": {"sha1": "0" * 40, "md5": "0" * 32},
                                    "_links": {
                                        "download-http": {
                                            "href": f"{base}/softwaremodules/{module['id']}/artifacts/firmware.bin"
                                        }
                                    },
                                }
                            ],
                        }
                        for module in ds.modules
                    ],
                },
            },
            content_type="application/hal+json",
        )

    async def _feedback(self, request: web.Request) -> web.Response:
        tenant, target = self._ddi_target(request)
        action = self._action(request, tenant, target)
        if action.status != "running":
            raise web.HTTPGone()
        body = await request.json()
        status = body.get("status", {}) if isinstance(body, dict) else {}
        execution = status.get("execution")
        finished = (status.get("result") or {}).get("finished")
        if execution not in {
            "closed",
            "proceeding",
            "canceled",
            "scheduled",
            "rejected",
            "resumed",
            "downloaded",
            "download",
        }:
            raise web.HTTPBadRequest()
        action.feedback.append(status)
        if execution == "closed":
            if finished == "failure":
                action.status, target.update_status = "error", "error"
            else:
                action.status, target.update_status = "finished", "in_sync"
                target.installed_ds = action.ds_id
        return web.Response(status=200)

    async def _cancel(self, request: web.Request) -> web.Response:
        tenant, target = self._ddi_target(request)
        action = self._action(request, tenant, target)
        return web.json_response(
            {"id": str(action.id), "cancelAction": {"stopId": str(action.id)}}
        )

    async def _cancel_feedback(self, request: web.Request) -> web.Response:
        tenant, target = self._ddi_target(request)
        action = self._action(request, tenant, target)
        body = await request.json()
        execution = (body.get("status") or {}).get("execution")
        if execution == "closed" and action.status == "canceling":
            action.status = "canceled"
            target.update_status = "in_sync" if target.installed_ds else "registered"
        return web.Response(status=200)

    async def _config_data(self, request: web.Request) -> web.Response:
        _tenant, target = self._ddi_target(request)
        body = await request.json()
        data = body.get("data") if isinstance(body, dict) else None
        if not isinstance(data, dict):
            raise web.HTTPBadRequest()
        mode = body.get("mode", "merge")
        if mode == "replace":
            target.attributes = {}
        if mode == "remove":
            for key in data:
                target.attributes.pop(key, None)
        else:
            target.attributes.update({str(k): str(v) for k, v in data.items()})
        return web.Response(status=200)

    # -- control --------------------------------------------------------------

    def assign(self, tenant_name: str, controller_id: str, ds_id: int) -> Action:
        """Assign a distribution set to a target: a running action."""
        tenant = self.tenants[tenant_name]
        target = tenant.targets[controller_id]
        for open_action in tenant.actions.values():
            if open_action.controller_id == controller_id and open_action.status in (
                "running",
                "canceling",
            ):
                open_action.status = "canceled"
        action = Action(
            id=tenant.next_action_id, controller_id=controller_id, ds_id=ds_id
        )
        tenant.next_action_id += 1
        tenant.actions[action.id] = action
        target.update_status = "pending"
        target.assigned_ds = ds_id
        return action

    def cancel(self, tenant_name: str, controller_id: str) -> Action | None:
        """Cancel the open action of a target (the device confirms via DDI)."""
        tenant = self.tenants[tenant_name]
        target = tenant.targets[controller_id]
        action = self._open_action(tenant, target)
        if action is not None:
            action.status = "canceling"
        return action

    def control_routes(self) -> list[web.RouteDef]:
        """Operator commands under ``/rollouts/``."""

        def tenant_of(body: dict[str, Any]) -> Tenant:
            return self.tenants[str(body.get("tenant", DEMO_TENANT)).upper()]

        async def grant(request: web.Request) -> web.Response:
            body = await request.json()
            tenant = tenant_of(body)
            principal = tenant.principals.get(str(body["clientId"]))
            if principal is None:
                return web.json_response({"error": "client not registered"}, status=404)
            principal.permissions = set(body.get("permissions", ALL_PERMISSIONS))
            return web.json_response(
                {
                    "clientId": principal.name,
                    "permissions": sorted(principal.permissions),
                }
            )

        async def assign(request: web.Request) -> web.Response:
            body = await request.json()
            action = self.assign(
                tenant_of(body).name,
                str(body.get("controllerId", DEMO_CONTROLLER)),
                int(body.get("distributionSetId", 2)),
            )
            return web.json_response({"actionId": action.id})

        async def cancel(request: web.Request) -> web.Response:
            body = await request.json()
            action = self.cancel(
                tenant_of(body).name, str(body.get("controllerId", DEMO_CONTROLLER))
            )
            return web.json_response({"actionId": action.id if action else None})

        async def auth(request: web.Request) -> web.Response:
            body = await request.json()
            tenant = tenant_of(body)
            if "targetToken" in body:
                tenant.target_token_enabled = bool(body["targetToken"])
            if "gatewayToken" in body:
                tenant.gateway_token_enabled = bool(body["gatewayToken"])
            return web.json_response(
                {
                    "targetToken": tenant.target_token_enabled,
                    "gatewayToken": tenant.gateway_token_enabled,
                }
            )

        async def set_target(request: web.Request) -> web.Response:
            body = await request.json()
            tenant = tenant_of(body)
            target = tenant.targets[str(body["controllerId"])]
            if "updateStatus" in body:
                target.update_status = str(body["updateStatus"])
            if "overdue" in body:
                target.overdue = (
                    None if body["overdue"] is None else bool(body["overdue"])
                )
                if target.last_request_at is None:
                    target.last_request_at = self.now()
            return web.json_response(self.target_json(tenant, target))

        async def polling(request: web.Request) -> web.Response:
            body = await request.json()
            tenant = tenant_of(body)
            hours, minutes, seconds = (int(p) for p in str(body["sleep"]).split(":"))
            tenant.polling_seconds = hours * 3600 + minutes * 60 + seconds
            return web.json_response({"sleep": format_sleep(tenant.polling_seconds)})

        async def state(request: web.Request) -> web.Response:
            tenant = self.tenants[request.query.get("tenant", DEMO_TENANT).upper()]
            return web.json_response(
                {
                    "principals": {
                        p.name: sorted(p.permissions)
                        for p in tenant.principals.values()
                    },
                    "targetToken": tenant.target_token_enabled,
                    "gatewayToken": tenant.gateway_token_enabled,
                    "actions": {
                        str(a.id): {"controllerId": a.controller_id, "status": a.status}
                        for a in tenant.actions.values()
                    },
                }
            )

        return [
            web.post("/grant", grant),
            web.post("/assign", assign),
            web.post("/cancel", cancel),
            web.post("/auth", auth),
            web.post("/target", set_target),
            web.post("/polling", polling),
            web.get("/state", state),
        ]

    def control_actions(self) -> list[ControlAction]:
        """Buttons on the control page."""
        return [
            ControlAction(
                "Grant the OAuth client its permissions",
                "POST",
                "/grant",
                {"clientId": DEMO_CLIENT_ID},
            ),
            ControlAction(
                "Assign firmware 1.1.0 to ha-demo-device",
                "POST",
                "/assign",
                {"controllerId": DEMO_CONTROLLER, "distributionSetId": 2},
            ),
            ControlAction(
                "Cancel the deployment of ha-demo-device",
                "POST",
                "/cancel",
                {"controllerId": DEMO_CONTROLLER},
            ),
            ControlAction(
                "Disable TargetToken", "POST", "/auth", {"targetToken": False}
            ),
            ControlAction(
                "Disable GatewayToken", "POST", "/auth", {"gatewayToken": False}
            ),
            ControlAction(
                "Enable both token types",
                "POST",
                "/auth",
                {"targetToken": True, "gatewayToken": True},
            ),
            ControlAction(
                "Mark device-001 overdue",
                "POST",
                "/target",
                {"controllerId": "device-001", "overdue": True},
            ),
        ]

    def describe(self) -> list[str]:
        """What to type into Home Assistant."""
        return [
            "Bosch IoT Rollouts (Bosch Connect -> Bosch IoT Rollouts):",
            f"  region URL   {self.base_url}   (custom)   tenant {DEMO_TENANT}",
            f"  Basic        user {DEMO_USER}   password {DEMO_PASSWORD}",
            f"  OAuth2       token URL {self.token_url}   client {DEMO_CLIENT_ID}"
            f"   secret {DEMO_CLIENT_SECRET}",
            "               (first try answers 403: grant on the control page, retry)",
            f"  DDI          URL {self.base_url}   controller {DEMO_CONTROLLER}",
            f"               TargetToken {DEMO_TARGET_TOKEN}",
            f"               GatewayToken {DEMO_GATEWAY_TOKEN}",
        ]


def create(options: Options) -> RolloutsCloud:
    """The simulated Bosch IoT Rollouts."""
    return RolloutsCloud(options)


__all__ = ["RolloutsCloud", "create"]
