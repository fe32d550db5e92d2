"""Figure 1, explained: where one IAM GetRole spends its time, on the fake and on moto (cProfile).

Each place's time is counted where calls enter it, so it includes what it calls
(the standard library, hashing, dateutil). cProfile slows everything down, small
functions most, so the shares matter more than the microseconds.
"""

from __future__ import annotations

import cProfile
import pstats
from typing import TYPE_CHECKING

from benchmarks._harness import Detail, Section
from benchmarks.bench_throughput import _moto_iam, _paths
from moto import mock_aws

from slrkit.testing import FakeAWS

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["run"]

# Where a call's time goes, each entered from outside it (cumulative time on entry),
# so that a place includes what it calls: (label, files of the place, files of callers
# that count; empty means any caller outside the place).
PLACES: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...] = (
    ("the fake (slrkit)", ("/slrkit/",), ()),
    ("moto and its dependencies", ("/moto/",), ()),
    ("SigV4 signing", ("botocore/signers.py",), ()),
    ("user agent", ("botocore/useragent.py",), ()),
    ("response parsing", ("botocore/parsers.py",), ()),
    ("… of which timestamps (dateutil)", ("botocore/utils.py",), ("botocore/parsers.py",)),
    ("validation and serialization", ("botocore/validate.py", "botocore/serialize.py"), ()),
    ("endpoint rules", ("botocore/endpoint_provider.py", "botocore/regions.py"), ()),
)
NESTED = "… of which"
REST = "the rest of botocore (events, requests, retries)"

# pstats: (file, line, name) -> (calls, primitive calls, own, cumulative, callers), where
# callers maps a caller's key to (calls, primitive calls, own, cumulative) on that edge.
_Key = tuple[str, int, str]
_Edge = tuple[int, int, float, float]
_Entry = tuple[int, int, float, float, dict[_Key, _Edge]]


def _entered(table: dict[_Key, _Entry], files: tuple[str, ...], via: tuple[str, ...]) -> float:
    """Seconds spent in *files*, counted where calls enter them from elsewhere."""

    def inside(filename: str) -> bool:
        return any(fragment in filename for fragment in files)

    total = 0.0
    for (filename, _, _), (_, _, _, _, callers) in table.items():
        if not inside(filename):
            continue
        for (caller_file, _, _), (_, _, _, cumulative) in callers.items():
            if inside(caller_file):
                continue
            if via and not any(fragment in caller_file for fragment in via):
                continue
            total += cumulative
    return total


def _profile(fn: Callable[[], object], calls: int) -> dict[str, float]:
    """Microseconds per call in each place, and in total."""
    for _ in range(100):
        fn()
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(calls):
        fn()
    profiler.disable()
    stats = pstats.Stats(profiler)
    table: dict[_Key, _Entry] = getattr(stats, "stats")  # noqa: B009  # untyped in typeshed
    spent = {label: _entered(table, files, via) for label, files, via in PLACES}
    total: float = getattr(stats, "total_tt")  # noqa: B009  # untyped in typeshed
    spent[REST] = total - sum(v for k, v in spent.items() if not k.startswith(NESTED))
    spent["total"] = total
    return {place: 1e6 * seconds / calls for place, seconds in spent.items()}


def run(*, calls: int = 600) -> Section:
    """A detail table: microseconds (under cProfile) and shares per place."""
    mock = mock_aws()
    mock.start()
    try:
        paths = _paths(FakeAWS(), _moto_iam())
        fake = _profile(paths["GetRole fake"], calls)
        moto = _profile(paths["GetRole moto"], calls)
    finally:
        mock.stop()
    rows = [
        [
            place,
            f"{fake[place]:.0f} ({fake[place] / fake['total']:.0%})",
            f"{moto[place]:.0f} ({moto[place] / moto['total']:.0%})",
        ]
        for place in [label for label, _, _ in PLACES] + [REST, "total"]
    ]
    return Section(
        details=[
            Detail(
                title="1. Where an IAM GetRole spends its time (cProfile)",
                header=("Where", "fake µs (share)", "moto µs (share)"),
                rows=rows,
                note=(
                    f"{calls} calls each, after 100 warm-up calls; µs per call under cProfile "
                    "(which inflates small functions: compare shares). Everything but the "
                    "fake's and moto's rows is botocore's pipeline, which both pay."
                ),
            )
        ]
    )
