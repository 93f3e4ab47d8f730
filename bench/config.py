"""How big a benchmark run is."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

SECTIONS = ("ingest", "fleet", "gateway", "coldstart", "instructions")
# Section 5 (about 4 minutes under valgrind) runs on request, with its own
# block in docs/performance.md: the default run stays under 10 minutes with a
# fresh clone's setup.
DEFAULT_SECTIONS = ("ingest", "fleet", "gateway", "coldstart")


@dataclass(frozen=True, slots=True)
class BenchConfig:
    """Sizes of one run. ``quick()`` is the smoke test's configuration."""

    events: int = 1500
    rounds: int = 7
    concurrency: int = 16
    bikes: int = 100
    fleet_sizes: tuple[int, ...] = (10, 100, 1000)
    fleet_events: int = 1000
    # First setups of the largest fleet, each in a fresh process; the least
    # is the target's figure (noise of a shared machine only adds).
    setup_samples: int = 3
    instr_events: int = 80  # per peer and round, under callgrind
    instr_rounds: int = 2  # the least of the rounds is reported
    instr_settle: bool = True  # registries written before counting (11 s)
    floor_entities: int = 2000
    latency: float = 0.02
    refreshes: int = 5
    parallel_limits: tuple[int | None, ...] = (1, 4, None)
    sections: tuple[str, ...] = DEFAULT_SECTIONS
    profile: Path | None = None

    @classmethod
    def quick(cls, sections: tuple[str, ...] | None = None) -> BenchConfig:
        """The smallest configuration that still runs every code path."""
        return cls(
            events=60,
            rounds=1,
            concurrency=4,
            bikes=8,
            fleet_sizes=(8,),
            fleet_events=30,
            setup_samples=2,
            instr_events=20,
            instr_rounds=1,
            instr_settle=False,
            floor_entities=50,
            latency=0.002,
            refreshes=1,
            parallel_limits=(1, None),
            sections=sections or SECTIONS,
        )
