"""Data of the hawkBit Management and DDI APIs, as Bosch IoT Rollouts serves them."""

from __future__ import annotations

from dataclasses import dataclass, field
import datetime as dt
from typing import Any, Final

# Known regions of Bosch IoT Rollouts (Management API hosts).
REGIONS: Final = {
    "https://api.eu1.bosch-iot-rollouts.com": "EU-1",
    "https://api.us1.bosch-iot-rollouts.com": "US-1",
}
DEFAULT_TOKEN_URL: Final = "https://access.bosch-iot-suite.com/token"  # noqa: S105

# TargetUpdateStatus of hawkBit, lower-cased as the Management API sends it.
UPDATE_STATUSES: Final = ("in_sync", "pending", "error", "registered", "unknown")

TOKEN_TYPE_TARGET: Final = "TargetToken"  # noqa: S105
TOKEN_TYPE_GATEWAY: Final = "GatewayToken"  # noqa: S105


def parse_sleep(value: str) -> dt.timedelta:
    """Parse DDI's ``HH:MM:SS`` polling interval."""
    hours, minutes, seconds = (int(part) for part in value.split(":"))
    if not (0 <= minutes < 60 and 0 <= seconds < 60 and hours >= 0):
        raise ValueError(value)
    return dt.timedelta(hours=hours, minutes=minutes, seconds=seconds)


def from_millis(value: Any) -> dt.datetime | None:
    """HawkBit's epoch milliseconds as an aware datetime."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return dt.datetime.fromtimestamp(value / 1000, dt.UTC)
    return None


@dataclass(frozen=True, slots=True, kw_only=True)
class Target:
    """A target (device) of the Management API (MgmtTarget, the fields we use)."""

    controller_id: str
    name: str
    update_status: str
    last_request_at: dt.datetime | None
    next_expected_request_at: dt.datetime | None
    overdue: bool

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Target:
        """Parse one MgmtTarget."""
        poll = data.get("pollStatus")
        poll = poll if isinstance(poll, dict) else {}
        status = str(data.get("updateStatus") or "unknown").lower()
        return cls(
            controller_id=str(data["controllerId"]),
            name=str(data.get("name") or data["controllerId"]),
            update_status=status if status in UPDATE_STATUSES else "unknown",
            last_request_at=from_millis(poll.get("lastRequestAt")),
            next_expected_request_at=from_millis(poll.get("nextExpectedRequestAt")),
            overdue=poll.get("overdue") is True,
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class DistributionSet:
    """A distribution set of the Management API (the fields we use)."""

    id: int
    name: str
    version: str

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> DistributionSet:
        """Parse one MgmtDistributionSet."""
        return cls(
            id=int(data["id"]),
            name=str(data.get("name", "")),
            version=str(data.get("version", "")),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class Page[T]:
    """A PagedList: ``content``, ``total`` (all matches) and ``size`` (this page)."""

    content: tuple[T, ...]
    total: int
    size: int


@dataclass(frozen=True, slots=True, kw_only=True)
class TenantSummary:
    """What the diagnostic entities of a tenant show."""

    targets: int
    by_status: dict[str, int]
    overdue: int
    distribution_sets: int
    # False when the tenant has more targets than were paged for ``overdue``.
    overdue_complete: bool = True


@dataclass(frozen=True, slots=True, kw_only=True)
class Chunk:
    """One software module of a deployment."""

    part: str
    name: str
    version: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Deployment:
    """A deploymentBase: the action and the software it installs."""

    action_id: str
    download: str
    update: str
    chunks: tuple[Chunk, ...]

    @property
    def versions(self) -> list[str]:
        """``name version`` of every chunk."""
        return [f"{chunk.name} {chunk.version}".strip() for chunk in self.chunks]

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Deployment:
        """Parse a DdiDeploymentBase."""
        deployment = data.get("deployment")
        deployment = deployment if isinstance(deployment, dict) else {}
        chunks = deployment.get("chunks")
        return cls(
            action_id=str(data["id"]),
            download=str(deployment.get("download", "")),
            update=str(deployment.get("update", "")),
            chunks=tuple(
                Chunk(
                    part=str(chunk.get("part", "")),
                    name=str(chunk.get("name", "")),
                    version=str(chunk.get("version", "")),
                )
                for chunk in (chunks if isinstance(chunks, list) else [])
                if isinstance(chunk, dict)
            ),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class Poll:
    """The answer to a DDI poll (DdiControllerBase)."""

    sleep: dt.timedelta
    deployment_action_id: str | None = None
    deployment_href: str | None = None
    cancel_action_id: str | None = None
    config_data_requested: bool = False
    links: tuple[str, ...] = field(default=())

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Poll:
        """Parse a DdiControllerBase."""
        config = data.get("config")
        polling = config.get("polling") if isinstance(config, dict) else None
        sleep = polling.get("sleep") if isinstance(polling, dict) else None
        links = data.get("_links")
        links = links if isinstance(links, dict) else {}
        deployment = _href(links, "deploymentBase")
        cancel = _href(links, "cancelAction")
        return cls(
            sleep=parse_sleep(str(sleep)),
            deployment_action_id=_action_id(deployment, "deploymentBase"),
            deployment_href=deployment,
            cancel_action_id=_action_id(cancel, "cancelAction"),
            config_data_requested="configData" in links,
            links=tuple(sorted(links)),
        )


def _href(links: dict[str, Any], name: str) -> str | None:
    link = links.get(name)
    href = link.get("href") if isinstance(link, dict) else None
    return href if isinstance(href, str) else None


def _action_id(href: str | None, kind: str) -> str | None:
    """The action id in ``…/<kind>/<id>?c=…``."""
    if href is None:
        return None
    path = href.split("?", 1)[0].rstrip("/")
    head, _, action = path.rpartition("/")
    return action if head.endswith("/" + kind) and action else None
