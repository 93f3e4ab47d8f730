"""``python -m bench``: measure the integration against its peers (issue 7).

python -m bench                      sections 1-4; prints the report and writes
                                     it into docs/performance.md (between markers)
python -m bench --sections instructions
                                     section 5 (valgrind), its own block
python -m bench --quick --no-write   the smoke test's tiny run
python -m bench --sections ingest    only some sections
"""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path
import sys
import time

from .config import BenchConfig
from .hass import run_on_hass_loop
from .isolate import configure_logging
from .report import Report, write_into
from .suite import SECTIONS, run_sections

INSTRUCTIONS = "instructions"

DOC = Path(__file__).resolve().parent.parent / "docs" / "performance.md"


def parse(argv: list[str]) -> tuple[BenchConfig, argparse.Namespace]:
    """The configuration from the command line."""
    parser = argparse.ArgumentParser(prog="scripts/bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="tiny sizes (smoke)")
    parser.add_argument(
        "--sections",
        help="comma-separated subset of: " + ", ".join(SECTIONS),
    )
    parser.add_argument("--events", type=int, help="requests per peer and round")
    parser.add_argument("--rounds", type=int, help="interleaved rounds per peer")
    parser.add_argument("--concurrency", type=int, help="concurrent connections")
    parser.add_argument("--bikes", type=int, help="devices in the ingestion run")
    parser.add_argument(
        "--instr-events", type=int, help="requests per peer and round in section 5"
    )
    parser.add_argument("--instr-rounds", type=int, help="rounds in section 5")
    parser.add_argument(
        "--fleet", help="comma-separated fleet sizes (default 10,100,1000)"
    )
    parser.add_argument(
        "--no-write", action="store_true", help="do not update docs/performance.md"
    )
    parser.add_argument("--output", type=Path, default=DOC)
    parser.add_argument(
        "--profile",
        type=Path,
        metavar="DIR",
        help="write a cProfile of each ingestion run (Home Assistant's side) to DIR",
    )
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args(argv)
    sections = tuple(args.sections.split(",")) if args.sections else None
    cfg = BenchConfig.quick(sections) if args.quick else BenchConfig()
    if sections and not args.quick:
        cfg = dataclasses.replace(cfg, sections=sections)
    overrides: dict[str, object] = {
        name: value
        for name in (
            "events",
            "rounds",
            "concurrency",
            "bikes",
            "instr_events",
            "instr_rounds",
        )
        if (value := getattr(args, name)) is not None
    }
    if args.profile:
        overrides["profile"] = args.profile
    if args.fleet:
        overrides["fleet_sizes"] = tuple(int(x) for x in args.fleet.split(","))
    cfg = dataclasses.replace(cfg, **overrides)  # type: ignore[arg-type]
    if cfg.bikes < 2 * cfg.concurrency:
        # Two events of one bike in flight together could arrive out of order.
        parser.error("--bikes must be at least twice --concurrency")
    return cfg, args


def main(argv: list[str] | None = None) -> int:
    """Run, print, write."""
    cfg, args = parse(sys.argv[1:] if argv is None else argv)
    configure_logging(args.verbose)
    # Section 5 has its own report and its own block in the doc.
    groups = [
        ("", tuple(name for name in cfg.sections if name != INSTRUCTIONS)),
        (INSTRUCTIONS, tuple(name for name in cfg.sections if name == INSTRUCTIONS)),
    ]
    failed = False
    for block, names in groups:
        if not names:
            continue
        report = Report()
        started = time.monotonic()
        run_on_hass_loop(run_sections(dataclasses.replace(cfg, sections=names), report))
        report.seconds = time.monotonic() - started
        report.load_after = None
        markdown = report.markdown()
        print(markdown)
        if not args.no_write and not args.quick:
            write_into(args.output, markdown, block)
            print(f"(written into {args.output})")
        failed = failed or bool(report.failed)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
