"""Figure 5: a fleet converging under the service's rate limits, in virtual time.

10 regions x 20 domains; the fake throttles every operation the fleet uses
beyond 5 calls a second (per region for Customer Profiles, per account for IAM).
The lower bound is the busiest rate-limit bucket: the successful calls it
served, at 5 a second (as `tests/test_fleet.py` counts it). The fake's clock runs
the fleet's threads as a crew (`VirtualClock.crew`): virtual time moves only when
every worker sleeps, so it is the time the fleet would take, not the sum of its
threads' sleeps.
"""

from __future__ import annotations

import random
import statistics
import time
from collections import Counter
from typing import TYPE_CHECKING

import attrs
from benchmarks._harness import Detail, Row, Section, Spread, python_version

from slrkit import SUPPORTED_REGIONS, DomainSpec, Fleet, RetryPolicy
from slrkit.testing import FakeAWS

if TYPE_CHECKING:
    from collections.abc import Sequence

    from slrkit.testing import RecordedCall

__all__ = ["run"]

RATE = 5.0
PER_REGION = 20
OPERATIONS = (
    "GetDomain",
    "CreateDomain",
    "ListDomains",
    "ListRoles",
    "GetRole",
    "ListAttachedRolePolicies",
)


def _throttled() -> FakeAWS:
    fake = FakeAWS()
    for operation in OPERATIONS:
        fake.rate_limit(operation, RATE)
    return fake


def _specs() -> list[DomainSpec]:
    return [
        DomainSpec(name=f"d{n:02}", region=region, default_expiration_days=30)
        for region in SUPPORTED_REGIONS
        for n in range(PER_REGION)
    ]


def _bound(calls: Sequence[RecordedCall]) -> float:
    """Seconds the busiest throttled bucket needs for the calls it answered, at RATE.

    The fake's buckets start full, so a client that bursts could finish up to one
    second sooner; slrkit's limiter paces from the first call (burst 1).
    """
    buckets = Counter(
        (c.operation, "global" if c.service == "iam" else c.region)
        for c in calls
        if c.error_code is None and c.operation in OPERATIONS
    )
    return max(buckets.values(), default=0) / RATE


def _fleet(fake: FakeAWS, *, limiter: bool) -> Fleet:
    extra: dict[str, object] = {}
    if not limiter:
        extra = {"rate_limits": None, "retry": RetryPolicy(throttle_retries=0)}
    return Fleet(
        {"main": fake.session("eu-west-2")},
        clock=fake.clock,
        rand=random.Random(3).random,
        **extra,  # type: ignore[arg-type]
    )


@attrs.frozen(kw_only=True)
class _Outcome:
    """One part of one run: virtual time, its bound, failures, calls and throttles."""

    elapsed: float
    bound: float
    failed: int
    calls: int
    throttled: int


def _outcome(elapsed: float, calls: Sequence[RecordedCall], failed: int) -> _Outcome:
    return _Outcome(
        elapsed=elapsed,
        bound=_bound(calls),
        failed=failed,
        calls=len(calls),
        throttled=sum(1 for c in calls if c.error_code in ("Throttling", "ThrottlingException")),
    )


def _once(*, limiter: bool) -> tuple[_Outcome, _Outcome]:
    fake = _throttled()
    fleet = _fleet(fake, limiter=limiter)
    result = fleet.ensure_all(_specs())
    ensure = _outcome(result.elapsed, fake.calls, len(result.failed))
    fake.clear_calls()
    fake.advance(86_400)  # every role is past the orphan grace
    report = fleet.audit()
    return ensure, _outcome(report.elapsed, fake.calls, len(report.errors))


def _span(values: Sequence[float], fmt: str) -> str:
    low, mid, high = min(values), statistics.median(values), max(values)
    if low == high:
        return fmt.format(mid)
    return f"{fmt.format(mid)} ({fmt.format(low)}-{fmt.format(high)})"


def run(*, runs: int = 3) -> Section:
    """Figure 5 rows and details."""
    rows: list[Row] = []
    details: list[list[str]] = []
    for limiter, label in (
        (True, "slrkit's limiter, `RateLimits()`"),
        (False, "botocore's standard retries alone"),
    ):
        wall = time.perf_counter()
        outcomes = [_once(limiter=limiter) for _ in range(runs)]
        wall = (time.perf_counter() - wall) / runs
        for index, (part, unit) in enumerate(
            (("`ensure_all`", "items failed"), ("`audit`", "parts failed"))
        ):
            done = [pair[index] for pair in outcomes]
            elapsed = [o.elapsed for o in done]
            failed = [float(o.failed) for o in done]
            rows.append(
                Row(
                    figure=f"5. Fleet {part}, {label}",
                    measured=f"{_span(elapsed, '{:.1f}')} virtual s; "
                    f"{_span(failed, '{:.0f}')} {unit}",
                    baseline=f"rate-limit bound {_span([o.bound for o in done], '{:.1f}')} s",
                    ratio=Spread.of([o.elapsed / o.bound for o in done if o.bound]),
                    at_most=1.3 if limiter else None,  # tests/test_fleet.py's bound
                    method=(
                        f"{python_version()}; 10 regions x {PER_REGION} domains, every "
                        f"operation throttled at {RATE:g}/s; {runs} runs (thread order varies); "
                        "virtual time; median (IQR)"
                    ),
                )
            )
            details.append(
                [
                    part,
                    label,
                    _span(elapsed, "{:.1f}"),
                    _span([o.bound for o in done], "{:.1f}"),
                    _span(failed, "{:.0f}"),
                    _span([float(o.calls) for o in done], "{:.0f}"),
                    _span([float(o.throttled) for o in done], "{:.0f}"),
                    f"{wall:.1f}",
                ]
            )
    detail = Detail(
        title="5. Fleet convergence",
        header=(
            "Part",
            "Pacing",
            "Virtual s",
            "Bound s",
            "Failed",
            "Calls",
            "Throttled",
            "Wall s per run (both parts)",
        ),
        rows=details,
        note=(
            f"Median (min-max) of {runs} runs. Calls count every HTTP attempt, botocore's "
            "retries included. The bound is n calls at 5/s, n/5 s; a paced client's first "
            "call needs no slot, so it can finish 0.2 s under it, and the fake's buckets "
            "start full (5 calls), so a bursting one up to 1 s under it."
        ),
    )
    return Section(rows=rows, details=[detail])
