"""Fail when a Python module outside migrations has more than 400 lines (the project's rule: split a module by
what it does before it grows past that; see docs/development.md). Run by ``make lint``."""

import subprocess
import sys
from pathlib import Path

LIMIT = 400


def main() -> int:
    root = Path(__file__).resolve().parent.parent
    files = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "*.py"],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    too_long = []
    for name in files:
        path = root / name
        if "/migrations/" in name or not path.is_file():
            continue
        lines = len(path.read_text(encoding="utf-8").splitlines())
        if lines > LIMIT:
            too_long.append((lines, name))
    for lines, name in sorted(too_long, reverse=True):
        print(f"{name}: {lines} lines (more than {LIMIT}); split it by what it does", file=sys.stderr)
    return 1 if too_long else 0


if __name__ == "__main__":
    sys.exit(main())
