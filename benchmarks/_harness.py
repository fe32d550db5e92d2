"""Timing on a shared, noisy machine: interleaved runs, ratios per run, medians and spreads.

Every figure is a ratio against a baseline measured in the same run: in each
run every path is timed once, back to back, in an order that rotates from run to
run, so that noise from other tenants lands on all paths alike. A figure is the
median of the per-run ratios, reported with its interquartile range.
"""

from __future__ import annotations

import platform
import statistics
import time
from typing import TYPE_CHECKING

import attrs

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence

__all__ = [
    "Budget",
    "Detail",
    "Row",
    "Section",
    "Spread",
    "Timing",
    "calibrate",
    "interleave",
    "interleave_by_group",
    "python_version",
    "ratios",
    "summary",
]


def python_version() -> str:
    """The interpreter, as the method column names it."""
    return f"{platform.python_implementation()} {platform.python_version()}"


@attrs.frozen(kw_only=True)
class Spread:
    """The median of some samples and their interquartile range."""

    median: float
    q1: float
    q3: float
    n: int

    @classmethod
    def of(cls, samples: Sequence[float]) -> Spread:
        """Summarise *samples* (at least one)."""
        if len(samples) == 1:
            [only] = samples
            return cls(median=only, q1=only, q3=only, n=1)
        q1, median, q3 = statistics.quantiles(samples, n=4, method="inclusive")
        return cls(median=median, q1=q1, q3=q3, n=len(samples))

    def text(self, fmt: str = "{:.2f}") -> str:
        """``1.02 (IQR 0.98-1.05)``; a single sample is shown alone."""
        if self.n == 1:
            return fmt.format(self.median)
        return f"{fmt.format(self.median)} (IQR {fmt.format(self.q1)}-{fmt.format(self.q3)})"


@attrs.frozen(kw_only=True)
class Timing:
    """Seconds per call of every path, one sample per run, and the calls per sample."""

    samples: Mapping[str, Sequence[float]]
    batch: Mapping[str, int]

    @classmethod
    def joined(cls, timings: Sequence[Timing]) -> Timing:
        """The paths of *timings*, timed apart, as one timing."""
        return cls(
            samples={name: t.samples[name] for t in timings for name in t.samples},
            batch={name: t.batch[name] for t in timings for name in t.batch},
        )

    def rate(self, name: str) -> Spread:
        """Calls per second of path *name*."""
        return Spread.of([1 / s for s in self.samples[name]])

    def speedup(self, name: str, baseline: str) -> Spread:
        """How many times faster *name* is than *baseline*, run by run."""
        return Spread.of(ratios(self.samples[baseline], self.samples[name]))

    def slowdown(self, name: str, baseline: str) -> Spread:
        """Time of *name* over time of *baseline*, run by run."""
        return Spread.of(ratios(self.samples[name], self.samples[baseline]))


def interleave(
    paths: Mapping[str, Callable[[], object]],
    *,
    runs: int,
    seconds: float = 0.08,
    warmup: int = 50,
) -> Timing:
    """Time every path once per run, the paths taking turns in a rotating order.

    Args:
        paths: What to time, by name; each call is one operation.
        runs: How many samples each path gets.
        seconds: About how long one sample takes (sets the calls per sample).
        warmup: Untimed calls per path first (caches, lazily built codecs).
    """
    names = list(paths)
    for name in names:
        for _ in range(warmup):
            paths[name]()
    batch = calibrate(paths, seconds=seconds)
    samples: dict[str, list[float]] = {name: [] for name in names}
    for run in range(runs):
        shift = run % len(names)
        for name in names[shift:] + names[:shift]:
            fn, count = paths[name], batch[name]
            started = time.perf_counter()
            for _ in range(count):
                fn()
            samples[name].append((time.perf_counter() - started) / count)
    return Timing(samples=samples, batch=batch)


def interleave_by_group(
    paths: Mapping[str, Callable[[], object]],
    *,
    runs: int,
    seconds: float = 0.08,
    warmup: int = 50,
) -> Timing:
    """`interleave` each group of paths on its own, a group being the first word of a name.

    The paths a ratio compares belong to one group (``"ListRoles fake"`` and
    ``"ListRoles moto"``), so that they run within a group's run of each other
    rather than a run of every path: the machine's load moves faster than that.
    """
    groups: dict[str, dict[str, Callable[[], object]]] = {}
    for name, path in paths.items():
        groups.setdefault(name.split(" ", 1)[0], {})[name] = path
    return Timing.joined(
        [interleave(group, runs=runs, seconds=seconds, warmup=warmup) for group in groups.values()]
    )


def calibrate(
    paths: Mapping[str, Callable[[], object]], *, seconds: float, probe: int = 20
) -> dict[str, int]:
    """Calls per sample so that each sample of each path takes about *seconds*."""
    batch: dict[str, int] = {}
    for name, fn in paths.items():
        started = time.perf_counter()
        for _ in range(probe):
            fn()
        per_call = (time.perf_counter() - started) / probe
        batch[name] = max(5, round(seconds / per_call))
    return batch


def ratios(numerator: Sequence[float], denominator: Sequence[float]) -> list[float]:
    """The per-run ratios of two paths timed in the same runs."""
    return [a / b for a, b in zip(numerator, denominator, strict=True)]


@attrs.frozen(kw_only=True)
class Row:
    """One figure of the summary table.

    ``at_least``/``at_most`` make the target; the median ratio decides whether it is met.
    """

    figure: str
    measured: str
    baseline: str
    ratio: Spread | None
    method: str
    at_least: float | None = None
    at_most: float | None = None
    ratio_format: str = "{:.2f}"

    @property
    def target(self) -> str:
        """The target as the table shows it."""
        if self.at_least is not None:
            return f"≥ {self.at_least:g}"
        if self.at_most is not None:
            return f"≤ {self.at_most:g}"
        return "—"

    @property
    def met(self) -> bool | None:
        """Whether the median ratio meets the target (None: no target, or nothing measured)."""
        if self.ratio is None or (self.at_least is None and self.at_most is None):
            return None
        if self.at_least is not None and self.ratio.median < self.at_least:
            return False
        return not (self.at_most is not None and self.ratio.median > self.at_most)

    def cells(self) -> list[str]:
        """The row's markdown cells."""
        verdict = {True: "met", False: "**missed**", None: "—"}[self.met]
        ratio = self.ratio.text(self.ratio_format) if self.ratio is not None else "—"
        return [
            self.figure,
            self.measured,
            self.baseline,
            ratio,
            self.target,
            verdict,
            self.method,
        ]


@attrs.frozen(kw_only=True)
class Detail:
    """A table of details under the summary, with a heading and a note."""

    title: str
    header: Sequence[str]
    rows: Sequence[Sequence[str]]
    note: str = ""

    def markdown(self) -> str:
        """The table in markdown."""
        lines = [f"### {self.title}", ""]
        if self.note:
            lines += [self.note, ""]
        lines.append(_line(self.header))
        lines.append(_line(["---"] * len(self.header)))
        lines += [_line(row) for row in self.rows]
        return "\n".join(lines)


@attrs.frozen(kw_only=True)
class Section:
    """What one benchmark returns: summary rows and detail tables."""

    rows: Sequence[Row] = ()
    details: Sequence[Detail] = ()


SUMMARY_HEADER = ("Figure", "Measured", "Baseline", "Ratio", "Target", "Verdict", "How")


def _line(cells: Sequence[str]) -> str:
    return "| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |"


def summary(rows: Sequence[Row]) -> str:
    """The summary table in markdown."""
    lines = [_line(SUMMARY_HEADER), _line(["---"] * len(SUMMARY_HEADER))]
    lines += [_line(row.cells()) for row in rows]
    return "\n".join(lines)


class Budget:
    """Wall-clock seconds left for optional work, so the whole run stays bounded."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._deadline = time.monotonic() + seconds

    def left(self) -> float:
        """Seconds left (may be negative)."""
        return self._deadline - time.monotonic()
