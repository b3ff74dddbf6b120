"""The lowest-direct job's own check: every direct dependency (the project's and dev's)
is installed at exactly the lower bound pyproject.toml declares. A bound that no longer
resolves (uv then picks a higher release) is one line here, not a silent pass.

    python .ci/lower_bounds.py   (in the environment .ci/lowest made)
"""

from __future__ import annotations

import re
import sys
import tomllib
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"
# A requirement as the file writes them: a name, then comma-separated `op version`.
REQUIREMENT = re.compile(r"^([A-Za-z0-9._-]+)\s*(.*)$")


def direct_requirements() -> list[str]:
    project = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["project"]
    return [*project["dependencies"], *project["optional-dependencies"]["dev"]]


def _release(text: str) -> tuple[int, ...]:
    """6.139 and 6.139.0 alike; a bound or a release with anything but digits is refused."""
    if not re.fullmatch(r"\d+(\.\d+)*", text):
        raise ValueError(f"{text!r} is not a plain release number")
    parts = [int(p) for p in text.split(".")]
    while len(parts) > 1 and parts[-1] == 0:
        parts.pop()
    return tuple(parts)


def check(requirement: str) -> str | None:
    """None when installed at its lower bound, else what is wrong, in one line."""
    match = REQUIREMENT.match(requirement.strip())
    if match is None:
        return f"{requirement!r}: not a requirement this check reads"
    name, rest = match.groups()
    lows = [s.strip()[2:].strip() for s in rest.split(",") if s.strip().startswith(">=")]
    if len(lows) != 1:
        return f"{name}: no single lower bound (>=) in pyproject.toml"
    try:
        installed = version(name)
    except PackageNotFoundError:
        return f"{name}: not installed"
    if _release(installed) != _release(lows[0]):
        return f"{name}: {installed} installed, the lower bound is {lows[0]}"
    return None


def main() -> int:
    requirements = direct_requirements()
    wrong = [line for line in map(check, requirements) if line]
    for line in wrong:
        print(f"lower bounds: {line}", file=sys.stderr)
    if not wrong:
        print(f"lower bounds: all {len(requirements)} direct dependencies at their lower bound")
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())
