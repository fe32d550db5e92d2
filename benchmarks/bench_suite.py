"""Figure 6: the test suite's wall time, per Python version.

The current interpreter is always measured. The other versions are measured
with the environments ``nox -s tests`` leaves in ``.nox/tests-3-1X``, when they
exist and the benchmark's time budget still holds the target: a suite that meets
it ends in time, and one stopped when the budget runs out has missed it.
"""

from __future__ import annotations

import os
import platform
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

import attrs
from benchmarks._harness import Row, Section, Spread

if TYPE_CHECKING:
    from benchmarks._harness import Budget

__all__ = ["run"]

ROOT = Path(__file__).resolve().parent.parent
TARGET = 60.0
_AS_CI = ("--numprocesses", "auto")
"""How `nox -s tests` runs the suite: on every core (pytest-xdist)."""
_SUMMARY = re.compile(r"^=*\s*(\d+ (?:passed|failed|error).*?) in [\d.]+s", re.MULTILINE)


def _time(python: str, timeout: float) -> tuple[float, str]:
    started = time.perf_counter()
    try:
        done = subprocess.run(  # noqa: S603  # a Python of our own environments
            [python, "-m", "pytest", "-q", "-p", "no:cacheprovider", *_AS_CI],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
            timeout=timeout,
            # As `nox -s tests` runs it: pytest may keep the modules it rewrites.
            env={**os.environ, "PYTHONDONTWRITEBYTECODE": ""},
        )
    except subprocess.TimeoutExpired:
        return time.perf_counter() - started, f"stopped after {timeout:.0f} s"
    elapsed = time.perf_counter() - started
    found = _SUMMARY.findall(done.stdout)
    return elapsed, found[-1] if found else f"exit {done.returncode}"


def _version(python: str) -> str:
    done = subprocess.run(  # noqa: S603  # a Python of our own environments
        [python, "-c", "import platform; print(platform.python_version())"],
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


def _others() -> list[str]:
    current = "-".join(platform.python_version_tuple()[:2])
    found = sorted(ROOT.glob(".nox/tests-3-*/bin/python"))
    return [str(p) for p in found if not p.parent.parent.name.endswith(current)]


def _row(version: str, elapsed: float | None, outcome: str, how: str) -> Row:
    return Row(
        figure=f"6. Test suite, Python {version}",
        measured="not measured" if elapsed is None else f"{elapsed:.1f} s ({outcome})",
        baseline=f"target {TARGET:.0f} s",
        ratio=None if elapsed is None else Spread.of([elapsed / TARGET]),
        at_most=1.0,
        method=how,
    )


def run(budget: Budget) -> Section:
    """Figure 6 rows: the current interpreter, then others while the budget lasts."""
    how = "`python -m pytest -q --numprocesses auto`, as `nox -s tests` runs it; wall time, 1 run"
    # A suite that overruns its target twice over is stopped: the figure is a miss anyway.
    elapsed, outcome = _time(sys.executable, 2 * TARGET)
    rows = [_row(platform.python_version(), elapsed, outcome, how)]
    for python in _others():
        version = _version(python)
        if budget.left() < TARGET:
            spent = f"skipped: the run's {budget.seconds:.0f}-second budget was spent"
            rows.append(_row(version, None, "", spent))
            continue
        other, outcome = _time(python, min(2 * TARGET, budget.left()))
        rows.append(_row(version, other, outcome, how + "; the `nox -s tests` environment"))
    if len(rows) == 1:
        note = "; only this interpreter (`nox -s tests` makes the others' environments)"
        rows[0] = attrs.evolve(rows[0], method=rows[0].method + note)
    return Section(rows=rows)
