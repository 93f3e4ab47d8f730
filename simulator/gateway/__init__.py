"""The simulated Home Comfort gateway (Local API over mutual TLS)."""

from __future__ import annotations

import os

from simulator.options import Options

from .service import GatewaySimulator, Identity

UUID_ENV = "SIMULATOR_GATEWAY_UUID"
SERIAL_ENV = "SIMULATOR_GATEWAY_SERIAL"
# "boiler" (default) or "heat-pump": which installation the gateway plays.
INSTALLATION_ENV = "SIMULATOR_GATEWAY_INSTALLATION"


def identity_from_env() -> Identity:
    """The default identity, or uuid/serial from the environment.

    A second simulator next to a running demo (the e2e) sets another uuid so
    that Home Assistant does not take one gateway for the other.
    """
    default = Identity()
    return Identity(
        uuid=os.environ.get(UUID_ENV) or default.uuid,
        serial=os.environ.get(SERIAL_ENV) or default.serial,
    )


def create(options: Options) -> GatewaySimulator:
    """The gateway simulator for ``python -m simulator`` and the tests."""
    return GatewaySimulator(
        options,
        identity=identity_from_env(),
        installation=os.environ.get(INSTALLATION_ENV) or "boiler",
    )


__all__ = [
    "INSTALLATION_ENV",
    "GatewaySimulator",
    "Identity",
    "create",
    "identity_from_env",
]
