"""``python -m simulator``: run every simulated Bosch service, or control them.

python -m simulator                 start all services (demo ports)
                 [--gateway-installation boiler|heat-pump]
python -m simulator press           press the gateway's two buttons
python -m simulator fault SERVICE PREFIX [--status N] [--latency S] [--drop]
                                  [--oversize BYTES [--chunked]]
python -m simulator clear SERVICE
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
from pathlib import Path
import signal
import sys
from typing import Any
import urllib.request

from .clock import Clock
from .control import DEFAULT_CONTROL_PORT, control_listener
from .gateway import INSTALLATION_ENV
from .options import Options
from .pki import load_or_make_ca
from .server import SimulatedService
from .trust import BUNDLE_ENV, write_bundle


def build_services(options: Options) -> list[SimulatedService]:
    """Every simulated service, in the order they start."""
    from .bosma import create as create_bosma  # noqa: PLC0415
    from .ebike import create as create_ebike  # noqa: PLC0415
    from .gateway import create as create_gateway  # noqa: PLC0415
    from .homecomfort import create as create_homecomfort  # noqa: PLC0415
    from .rollouts import create as create_rollouts  # noqa: PLC0415

    return [
        create_gateway(options),
        create_homecomfort(options),
        create_ebike(options),
        create_bosma(options),
        create_rollouts(options),
    ]


async def serve(options: Options, control_port: int) -> None:
    """Start everything, print what to type where, run until interrupted."""
    services = build_services(options)
    for service in services:
        await service.start()
    # Before the control server answers: the demo starts Home Assistant, which
    # reads the bundle, once the control port is open.
    bundle = write_bundle(options.ca_pem, options.state_dir / "ca-bundle.pem")
    control = control_listener(services, port=control_port)
    await control.start()
    print(f"Simulator control: {control.url}/  (state in {options.state_dir})")
    print(f"Home Assistant trusts the simulator with {BUNDLE_ENV}={bundle}")
    for service in services:
        print()
        for line in service.describe():
            print(line)
    sys.stdout.flush()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    await control.stop()
    for service in reversed(services):
        await service.stop()


def control(
    port: int, method: str, path: str, body: dict[str, Any] | None = None
) -> Any:
    """Call the running simulator's control server."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(  # loopback http by design
        f"http://127.0.0.1:{port}{path}",
        data=data,
        method=method,
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        return json.loads(response.read() or b"null")


def serve_options(args: argparse.Namespace) -> Options:
    """The options of ``serve``: ``--time-scale`` speeds the eBike clock only."""
    state_dir = getattr(args, "state_dir", Path(".simulator")).resolve()
    return Options(
        state_dir=state_dir,
        # Kept: a Home Assistant started with the bundle of an earlier run
        # trusts the simulator after a restart of the simulator.
        ca=load_or_make_ca(state_dir / "ca"),
        clocks={"ebike": Clock(getattr(args, "time_scale", 1.0))},
        fixed_ports=not getattr(args, "ephemeral_ports", False),
        zeroconf=not getattr(args, "no_zeroconf", False),
        hostname=getattr(args, "hostname", "localhost"),
    )


def main(argv: list[str] | None = None) -> int:
    """Entry point."""
    parser = argparse.ArgumentParser(prog="python -m simulator")
    parser.add_argument("--control-port", type=int, default=DEFAULT_CONTROL_PORT)
    sub = parser.add_subparsers(dest="command")
    run = sub.add_parser("serve", help="start every service (the default)")
    run.add_argument("--state-dir", type=Path, default=Path(".simulator"))
    run.add_argument(
        "--time-scale", type=float, default=1.0, help="speed of the eBike clock"
    )
    run.add_argument("--no-zeroconf", action="store_true")
    run.add_argument(
        "--hostname",
        default="localhost",
        help="the host name in the URLs it prints (every service binds 127.0.0.1)",
    )
    run.add_argument(
        "--gateway-installation",
        choices=("boiler", "heat-pump"),
        default=None,
        help="what the simulated gateway is connected to (default: boiler, or"
        " $SIMULATOR_GATEWAY_INSTALLATION)",
    )
    run.add_argument(
        "--ephemeral-ports",
        action="store_true",
        help="bind free ports instead of the documented ones (tests)",
    )
    sub.add_parser("press", help="press the gateway's two buttons (proximity check)")
    sub.add_parser("announce", help="announce the gateway on the network again")
    fault = sub.add_parser("fault", help="inject a fault into a service")
    fault.add_argument("service")
    fault.add_argument("prefix")
    fault.add_argument("--status", type=int)
    fault.add_argument("--latency", type=float, default=0.0)
    fault.add_argument("--drop", action="store_true")
    fault.add_argument("--count", type=int)
    fault.add_argument(
        "--oversize", type=int, help="answer with this many bytes of JSON instead"
    )
    fault.add_argument(
        "--chunked", action="store_true", help="the oversized answer without a length"
    )
    clear = sub.add_parser("clear", help="remove the faults of a service")
    clear.add_argument("service")
    args = parser.parse_args(argv)

    if args.command == "press":
        print(json.dumps(control(args.control_port, "POST", "/gateway/press", {})))
        return 0
    if args.command == "announce":
        print(json.dumps(control(args.control_port, "POST", "/gateway/announce", {})))
        return 0
    if args.command == "fault":
        body = {
            "prefix": args.prefix,
            "status": args.status,
            "latency": args.latency,
            "drop": args.drop,
            "count": args.count,
            "oversize": args.oversize,
            "chunked": args.chunked,
        }
        print(
            json.dumps(
                control(args.control_port, "POST", f"/{args.service}/faults", body)
            )
        )
        return 0
    if args.command == "clear":
        print(
            json.dumps(control(args.control_port, "DELETE", f"/{args.service}/faults"))
        )
        return 0

    options = serve_options(args)
    if getattr(args, "gateway_installation", None):
        os.environ[INSTALLATION_ENV] = args.gateway_installation
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(options, args.control_port))
    return 0


if __name__ == "__main__":
    sys.exit(main())
