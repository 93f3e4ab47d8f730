#!/usr/bin/env python3
"""Deep-merge JSON fragments into a JSON file (translations, icons).

    python scripts/merge_json.py TARGET.json FRAGMENT.json [FRAGMENT.json ...]

A ``null`` in a fragment deletes that key. The target is locked while it is
rewritten, so that several people (or helpers) can merge at once.
"""

from __future__ import annotations

import fcntl
import json
from pathlib import Path
import sys
from typing import Any


def merge(target: dict[str, Any], fragment: dict[str, Any]) -> dict[str, Any]:
    """Merge ``fragment`` into ``target`` in place and return it."""
    for key, value in fragment.items():
        if value is None:
            target.pop(key, None)
        elif isinstance(value, dict) and isinstance(target.get(key), dict):
            merge(target[key], value)
        else:
            target[key] = value
    return target


def main(argv: list[str]) -> int:
    """Merge every fragment into the target."""
    if len(argv) < 2:
        print(__doc__)
        return 2
    target = Path(argv[0])
    with open(target.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        data = json.loads(target.read_text()) if target.exists() else {}
        for fragment in argv[1:]:
            merge(data, json.loads(Path(fragment).read_text()))
        target.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    target.with_suffix(".lock").unlink(missing_ok=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
