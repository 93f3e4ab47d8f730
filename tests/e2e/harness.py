"""Real processes for the end-to-end tests: the simulator and Home Assistant.

Both run as subprocesses on free loopback ports (never the demo's 8123/8440),
with their state in a temporary folder. Home Assistant gets a copy of the
repository's ``config/configuration.yaml`` and our integration linked in.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
import json
import os
from pathlib import Path
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time
from typing import Any
import urllib.error
import urllib.parse
import urllib.request

REPO = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
SCREENSHOTS = REPO / "docs" / "screenshots"
USERNAME = "demo"
PASSWORD = "demo-password-1"


def free_port() -> int:
    """A port that is free on 127.0.0.1 right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until(
    what: str, check: Callable[[], bool], timeout: float, proc: Process | None = None
) -> None:
    """Poll ``check`` until it is true; fail with the process log otherwise."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.popen.poll() is not None:
            raise RuntimeError(
                f"{proc.name} exited while waiting for {what}:\n{proc.tail()}"
            )
        try:
            if check():
                return
        except OSError, urllib.error.URLError, ValueError:
            pass
        time.sleep(0.5)
    tail = proc.tail() if proc is not None else ""
    raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {what}\n{tail}")


def http(
    method: str,
    url: str,
    body: dict[str, Any] | None = None,
    *,
    token: str | None = None,
    form: dict[str, str] | None = None,
    timeout: float = 30,
    context: ssl.SSLContext | None = None,
) -> Any:
    """A JSON request over loopback http(s); returns the decoded answer."""
    headers = {}
    data = None
    if form is not None:
        data = urllib.parse.urlencode(form).encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    elif body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(  # noqa: S310
        url, data=data, method=method, headers=headers
    )
    with urllib.request.urlopen(  # noqa: S310
        request, timeout=timeout, context=context
    ) as response:
        raw = response.read()
    return json.loads(raw) if raw else None


@dataclass
class Process:
    """A subprocess with its output in a log file."""

    name: str
    popen: subprocess.Popen[bytes]
    log: Path

    def tail(self, lines: int = 60) -> str:
        """The end of the process's output."""
        try:
            text = self.log.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def stop(self, timeout: float = 30) -> None:
        """SIGTERM, then SIGKILL if it does not end in time."""
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(10)


def start(
    name: str, args: list[str], log: Path, env: dict[str, str] | None = None
) -> Process:
    """Start a subprocess in the repository with its output in ``log``."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as out:
        popen = subprocess.Popen(  # noqa: S603
            args,
            cwd=REPO,
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})},
        )
    return Process(name, popen, log)


@dataclass
class Simulator:
    """``python -m simulator serve`` as a subprocess."""

    process: Process
    control_port: int
    state_dir: Path

    @property
    def control_url(self) -> str:
        """Base URL of the control server."""
        return f"http://127.0.0.1:{self.control_port}"

    def control(
        self, method: str, path: str, body: dict[str, Any] | None = None
    ) -> Any:
        """Call the control server."""
        return http(method, f"{self.control_url}{path}", body)


def start_simulator(workdir: Path, extra_args: list[str] | None = None) -> Simulator:
    """Start every simulated service; wait for the control server."""
    port = free_port()
    state_dir = workdir / "simulator"
    uuid = str(900_000_000 + os.getpid() % 99_999_999)
    process = start(
        "simulator",
        [
            sys.executable,
            "-m",
            "simulator",
            "--control-port",
            str(port),
            "serve",
            "--state-dir",
            str(state_dir),
            *(extra_args or []),
        ],
        workdir / "simulator.log",
        # Its own gateway identity: a demo's simulated gateway, advertised on
        # the same loopback, must not be mistaken for this one.
        env={
            "SIMULATOR_GATEWAY_UUID": uuid,
            "SIMULATOR_GATEWAY_SERIAL": f"99990000{uuid}000000",
        },
    )
    sim = Simulator(process, port, state_dir)
    try:
        wait_until(
            "the simulator's control server",
            lambda: http("GET", f"{sim.control_url}/") is not None,
            60,
            process,
        )
    except BaseException:
        process.stop()
        raise
    return sim


@dataclass
class HomeAssistant:
    """``hass -c <config>`` as a subprocess, on a free port."""

    process: Process
    config_dir: Path
    port: int
    tokens: dict[str, Any] = field(default_factory=dict)

    @property
    def url(self) -> str:
        """Base URL of Home Assistant's frontend and API."""
        return f"https://localhost:{self.port}"

    @property
    def ssl_context(self) -> ssl.SSLContext:
        """Trusts the demo CA that issued Home Assistant's certificate."""
        return ssl.create_default_context(cafile=self.config_dir / "tls" / "ca.pem")

    @property
    def client_id(self) -> str:
        """The OAuth client id the frontend uses for this URL."""
        return f"{self.url}/"

    def call(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | None = None,
        *,
        token: str | None = None,
        form: dict[str, str] | None = None,
    ) -> Any:
        """A request to Home Assistant (https, trusting the demo CA)."""
        return http(
            method,
            f"{self.url}{path}",
            body,
            token=token,
            form=form,
            context=self.ssl_context,
        )

    def api(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        """Call the REST API with the onboarded user's token."""
        return self.call(method, path, body, token=self.tokens["access_token"])

    def onboard(self, name: str = "Demo") -> None:
        """Onboarding through the API, as the frontend does it."""
        auth = self.call(
            "POST",
            "/api/onboarding/users",
            {
                "client_id": self.client_id,
                "name": name,
                "username": USERNAME,
                "password": PASSWORD,
                "language": "en",
            },
        )
        self.tokens = self.call(
            "POST",
            "/auth/token",
            form={
                "grant_type": "authorization_code",
                "code": auth["auth_code"],
                "client_id": self.client_id,
            },
        )
        token = self.tokens["access_token"]
        self.call("POST", "/api/onboarding/core_config", {}, token=token)
        self.call("POST", "/api/onboarding/analytics", {}, token=token)
        self.call(
            "POST",
            "/api/onboarding/integration",
            {
                "client_id": self.client_id,
                "redirect_uri": f"{self.url}/?auth_callback=1",
            },
            token=token,
        )
        self._remove_onboarding_extras()

    def _remove_onboarding_extras(self) -> None:
        """Remove what onboarding adds for a new home (weather, radio, ...).

        They need the internet or packages this demo does not install, and
        would only clutter the screenshots.
        """
        extras = {"google_translate", "met", "radio_browser", "shopping_list"}
        deadline = time.monotonic() + 10
        removed: set[str] = set()
        while time.monotonic() < deadline and removed != extras:
            for entry in self.api("GET", "/api/config/config_entries/entry"):
                if entry["domain"] in extras:
                    self.api(
                        "DELETE",
                        f"/api/config/config_entries/entry/{entry['entry_id']}",
                    )
                    removed.add(entry["domain"])
            time.sleep(0.5)


def start_home_assistant(workdir: Path, simulator: Simulator) -> HomeAssistant:
    """A real Home Assistant with the repository's configuration.yaml.

    Started as the demo starts it (``scripts/hass_demo.py``): it trusts the
    simulator's CA through ``REQUESTS_CA_BUNDLE``, and Bosch's eBike
    addresses name the simulated eBike cloud.
    """
    config = workdir / "config"
    config.mkdir(parents=True)
    shutil.copy(REPO / "config" / "configuration.yaml", config / "configuration.yaml")
    (config / "automations.yaml").write_text("[]\n")
    (config / "scripts.yaml").write_text("{}\n")
    (config / "custom_components").mkdir()
    (config / "custom_components" / "bosch_connect").symlink_to(
        REPO / "custom_components" / "bosch_connect"
    )
    port = free_port()
    subprocess.run(  # noqa: S603 - our own script, our own venv
        [
            str(VENV_BIN / "python"),
            str(REPO / "scripts" / "hass_http.py"),
            str(config),
            str(port),
        ],
        check=True,
    )
    ebike = simulator.control("GET", "/ebike/info")
    process = start(
        "Home Assistant",
        [
            str(VENV_BIN / "python"),
            str(REPO / "scripts" / "hass_demo.py"),
            "-c",
            str(config),
            "--skip-pip",
        ],
        workdir / "home-assistant.log",
        env={
            "HASS_URL": f"https://localhost:{port}",
            "REQUESTS_CA_BUNDLE": str(simulator.state_dir / "ca-bundle.pem"),
            "SIMULATOR_EBIKE_URL": ebike["api_url"],
        },
    )
    hass = HomeAssistant(process, config, port)
    try:
        wait_until(
            "Home Assistant's onboarding API",
            lambda: isinstance(hass.call("GET", "/api/onboarding"), list),
            180,
            process,
        )
    except BaseException:
        process.stop()
        raise
    return hass
