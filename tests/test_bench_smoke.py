"""The benchmark's smallest configuration still runs (no assertion on speed)."""

from __future__ import annotations

from pathlib import Path
import shutil
import subprocess
import sys

REPO = Path(__file__).resolve().parent.parent


def _rows(output: str, first_cell: str) -> list[list[str]]:
    """The cells of the Markdown table rows that start with ``first_cell``."""
    return [
        [cell.strip() for cell in line.strip().strip("|").split("|")]
        for line in output.splitlines()
        if line.startswith(f"| {first_cell}")
    ]


def test_bench_quick_run() -> None:
    """``python -m bench --quick`` measures every section without failing."""
    result = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--no-write"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=480,
        check=False,
    )
    output = result.stdout
    assert result.returncode == 0, output + result.stderr
    assert "FAILED" not in output
    # Nothing of ours warned: every entry the bench made ended cleanly.
    assert " custom_components.bosch_connect" not in result.stderr, result.stderr
    # The largest fleet's first setup, again in a fresh process.
    assert "First setup of 8 bikes, 2 times, each in a fresh process" in output
    # Section 1 and, where valgrind is installed, section 5 (the same peers
    # counted in instructions) have one row per peer.
    counted = shutil.which("valgrind") is not None
    assert ("Ingestion counted in instructions (callgrind)" in output) is counted
    for peer in ("no-op webhook", "gpslogger (core)", "bosch_connect eBike"):
        rows = _rows(output, peer)
        assert len(rows) == (2 if counted else 1), output
        for row in rows:
            # every request answered 2xx and wrote its state
            assert row[-2:] == ["0", "0"], rows
