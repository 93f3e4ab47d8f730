"""Polls the Partner API: contracts, then the heating of each active gateway.

The API is "not intended to be used for polling data continuously", so the
interval is five minutes. After the reads (whose ``Date``
headers tell the API's time) each refresh lets the
:class:`~.renewal.KeyManager` complete the last renewal (delete the key it
replaced once the new key is proven and on disk), then renew the key when it
is due. A renewed key that the API refuses is replaced by the old one again
(kept until then) before the reads are repeated. A gateway whose owner
has not granted access (403) or has not accepted the latest consent (451)
gets a repair issue and its entities become unavailable; the other gateways
keep working, and the issue is cleared when the gateway answers again. A 429
postpones the next refresh by what ``Retry-After`` asks.
"""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass, field, replace
import datetime as dt
import logging

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, issue_registry as ir
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator

from ..const import DOMAIN
from ..errors import failure_of, raise_repair, update_failed
from .api import HomeComfortClient
from .const import (
    CONF_USER_ID,
    ISSUE_CONSENT_MISSING,
    ISSUE_CONSENT_OUTDATED,
    SCAN_INTERVAL,
)
from .errors import (
    GatewayAccessError,
    HomeComfortError,
    InvalidApiKeyError,
    NotFoundError,
    RateLimitedError,
)
from .failures import HOMECOMFORT_ERRORS
from .models import Components, Contract, DhwCharge, DhwCircuit, HeatingCircuit
from .renewal import KeyManager

_LOGGER = logging.getLogger(__name__)

type HomeComfortConfigEntry = ConfigEntry[HomeComfortRuntimeData]

# Device identifiers (see .entity): a gateway's, and the account's.
GATEWAY_PREFIX = "homecomfort-"
ACCOUNT_PREFIX = "homecomfort-account-"


@dataclass(frozen=True, slots=True)
class GatewayData:
    """One gateway under an active contract, as last read."""

    contract: Contract
    components: Components | None = None
    heating: dict[str, HeatingCircuit] = field(default_factory=dict)
    dhw: dict[str, DhwCircuit] = field(default_factory=dict)
    charge: dict[str, DhwCharge] = field(default_factory=dict)
    # Why the gateway's entities are unavailable (a key of .failures).
    problem: str | None = None


@dataclass(frozen=True, slots=True)
class HomeComfortData:
    """Everything a refresh read."""

    gateways: dict[str, GatewayData]
    key_expires: dt.datetime


@dataclass(slots=True)
class HomeComfortRuntimeData:
    """What a loaded Home Comfort entry keeps."""

    client: HomeComfortClient
    keys: KeyManager
    coordinator: HomeComfortCoordinator


def gateway_of(device: dr.DeviceEntry) -> str | None:
    """The gateway ID of a gateway's device (None for the account device)."""
    for domain, identifier in device.identifiers:
        if (
            domain == DOMAIN
            and identifier.startswith(GATEWAY_PREFIX)
            and not identifier.startswith(ACCOUNT_PREFIX)
        ):
            return identifier.removeprefix(GATEWAY_PREFIX)
    return None


class HomeComfortCoordinator(DataUpdateCoordinator[HomeComfortData]):
    """Reads every active gateway of the user; keeps the key fresh meanwhile."""

    config_entry: HomeComfortConfigEntry

    def __init__(
        self,
        hass: HomeAssistant,
        entry: HomeComfortConfigEntry,
        client: HomeComfortClient,
        keys: KeyManager,
    ) -> None:
        """Poll every SCAN_INTERVAL."""
        super().__init__(
            hass,
            _LOGGER,
            config_entry=entry,
            name=f"{DOMAIN} homecomfort",
            update_interval=SCAN_INTERVAL,
        )
        self.client = client
        self.keys = keys

    async def _async_update_data(self) -> HomeComfortData:
        failure: HomeComfortError | None = None
        gateways: dict[str, GatewayData] = {}
        try:
            gateways = await self._read_and_complete_renewal()
        except InvalidApiKeyError as err:
            # A renewed key that the API refuses while the old one is kept:
            # back to the old key, and read again with it.
            failure = err
            if await self.keys.async_restore_previous_key():
                failure = None
                try:
                    gateways = await self._read_and_complete_renewal()
                except HomeComfortError as again:
                    failure = again
        except HomeComfortError as err:
            failure = err
        if not isinstance(failure, InvalidApiKeyError):
            # Renew after the reads: their Date headers tell the API's time.
            # A renewal that fails is retried next time (and is not an error
            # of the data); only a key that the API refuses starts
            # re-authentication, never a clock.
            try:
                await self.keys.async_renew_if_due()
            except InvalidApiKeyError as err:
                failure = err
        if failure is not None:
            raise self._failed(failure) from failure
        self.update_interval = SCAN_INTERVAL
        self._clear_consent_issues_of_gone_gateways(gateways)
        self._remove_devices_of_gone_gateways(gateways)
        return HomeComfortData(gateways=gateways, key_expires=self.keys.expires)

    async def _read_and_complete_renewal(self) -> dict[str, GatewayData]:
        gateways = await self._read_gateways()
        # After the reads: they are the new key's first successful use.
        await self.keys.async_delete_replaced_key()
        return gateways

    async def _read_gateways(self) -> dict[str, GatewayData]:
        contracts = await self.client.contracts()
        user_id = self.config_entry.data[CONF_USER_ID]
        previous = self.data.gateways if self.data else {}
        gateways: dict[str, GatewayData] = {}
        for contract in contracts:
            if contract.user_id == user_id and contract.active:
                gateways[contract.gateway_id] = await self._read_gateway(
                    contract, previous.get(contract.gateway_id)
                )
        return gateways

    def _failed(self, err: HomeComfortError) -> Exception:
        """The Home Assistant error for a failed refresh."""
        if isinstance(err, RateLimitedError):
            # Back off as the API asks (at least the usual interval).
            wait = dt.timedelta(seconds=err.retry_after)
            self.update_interval = max(wait, SCAN_INTERVAL)
        return update_failed(err, HOMECOMFORT_ERRORS)

    async def _read_gateway(
        self, contract: Contract, previous: GatewayData | None
    ) -> GatewayData:
        gateway_id = contract.gateway_id
        try:
            components = await self.client.components(gateway_id)
            heating = {
                circuit: await self.client.heating_circuit(gateway_id, circuit)
                for circuit in components.heating_circuits
            }
            dhw: dict[str, DhwCircuit] = {}
            charge: dict[str, DhwCharge] = {}
            for circuit in components.dhw_circuits:
                dhw[circuit] = await self.client.dhw_circuit(gateway_id, circuit)
                # Not every installation reports its charge.
                with suppress(NotFoundError):
                    charge[circuit] = await self.client.dhw_charge(gateway_id, circuit)
        except GatewayAccessError as err:
            failure = failure_of(err, HOMECOMFORT_ERRORS)
            problem = failure.key
            self._consent_issue(gateway_id, failure.repair)
            if previous is None or previous.problem != problem:
                _LOGGER.warning(
                    "Home Comfort gateway %s refuses access (%s)", gateway_id, problem
                )
            # Keep what is known, so that the entities stay (unavailable).
            return GatewayData(
                contract=contract,
                components=previous.components if previous else None,
                heating=previous.heating if previous else {},
                dhw=previous.dhw if previous else {},
                charge=previous.charge if previous else {},
                problem=problem,
            )
        self._consent_issue(gateway_id, None)
        return GatewayData(
            contract=contract,
            components=components,
            heating=heating,
            dhw=dhw,
            charge=charge,
        )

    def _issue_id(self, issue: str, gateway_id: str) -> str:
        return f"{issue}_{self.config_entry.entry_id}_{gateway_id}"

    def _consent_issue(self, gateway_id: str, repair: str | None) -> None:
        """Raise the consent issue ``repair`` (if any), clear the others."""
        for issue in (ISSUE_CONSENT_MISSING, ISSUE_CONSENT_OUTDATED):
            issue_id = self._issue_id(issue, gateway_id)
            if issue == repair:
                raise_repair(self.hass, issue_id, issue, {"gateway_id": gateway_id})
            else:
                ir.async_delete_issue(self.hass, DOMAIN, issue_id)

    def _clear_consent_issues_of_gone_gateways(
        self, gateways: dict[str, GatewayData]
    ) -> None:
        for gateway_id in set(self.data.gateways if self.data else ()) - set(gateways):
            self._consent_issue(gateway_id, None)

    def _remove_devices_of_gone_gateways(
        self, gateways: dict[str, GatewayData]
    ) -> None:
        """Remove the device (and so the entities) of each ended contract."""
        registry = dr.async_get(self.hass)
        entry_id = self.config_entry.entry_id
        for device in dr.async_entries_for_config_entry(registry, entry_id):
            gateway_id = gateway_of(device)
            if gateway_id is not None and gateway_id not in gateways:
                _LOGGER.info(
                    "Home Comfort gateway %s has no active contract any more; "
                    "removing its device",
                    gateway_id,
                )
                registry.async_remove_device(device.id)

    def store_heating(self, gateway_id: str, circuit: HeatingCircuit) -> None:
        """Show a heating circuit as a write confirmed it."""
        gateway = self.data.gateways[gateway_id]
        heating = {**gateway.heating, circuit.id: circuit}
        self._store(gateway_id, replace(gateway, heating=heating))

    def store_dhw(self, gateway_id: str, circuit: DhwCircuit) -> None:
        """Show a hot-water circuit as a write confirmed it."""
        gateway = self.data.gateways[gateway_id]
        dhw = {**gateway.dhw, circuit.id: circuit}
        self._store(gateway_id, replace(gateway, dhw=dhw))

    def _store(self, gateway_id: str, gateway: GatewayData) -> None:
        gateways = {**self.data.gateways, gateway_id: gateway}
        self.async_set_updated_data(replace(self.data, gateways=gateways))
