"""RetryPolicy: full jitter, cap, and one deadline that no wait may cross."""

from __future__ import annotations

import datetime as dt
import itertools
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from slrkit import Clock, InvalidInputError, RetryDeadlineError, RetryPolicy
from slrkit._aws import Calls
from slrkit._retry import Deadline


class StepClock:
    """A clock that only moves when slept on."""

    def __init__(self) -> None:
        self.now_s = 0.0
        self.slept: list[float] = []

    def monotonic(self) -> float:
        return self.now_s

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now_s += seconds

    def now(self) -> dt.datetime:
        return dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc) + dt.timedelta(seconds=self.now_s)


def test_step_clock_is_a_clock() -> None:
    """The test clock satisfies slrkit's Clock protocol."""
    assert isinstance(StepClock(), Clock)


@given(
    base=st.floats(min_value=0.01, max_value=5),
    cap=st.floats(min_value=0.01, max_value=60),
    seed=st.integers(),
)
def test_delays_are_full_jitter_under_the_cap(base: float, cap: float, seed: int) -> None:
    """The n-th delay lies in [0, min(cap, base * 2**n)]."""
    policy = RetryPolicy(base=base, cap=cap)
    rand = random.Random(seed).random
    for n, delay in enumerate(itertools.islice(policy.delays(rand), 12)):
        assert 0 <= delay <= min(cap, base * 2**n)


def test_delays_use_the_injected_random_source() -> None:
    """With rand always 1, the delays are the ceilings: 1, 2, 4, then capped at 5."""
    policy = RetryPolicy(base=1, cap=5)
    assert list(itertools.islice(policy.delays(lambda: 1.0), 5)) == [1, 2, 4, 5, 5]


@given(budget=st.floats(min_value=0.5, max_value=500), seed=st.integers())
def test_waits_never_cross_the_deadline(budget: float, seed: int) -> None:
    """However the jitter falls, the sum of waits stays within the budget, then it raises."""
    clock = StepClock()
    deadline = Deadline(
        RetryPolicy(base=1, cap=10), clock, random.Random(seed).random, budget=budget
    )
    loop = deadline.waits("a condition")

    def wait_forever() -> None:
        for _ in range(10_000):
            loop.wait(last_state="pending")

    with pytest.raises(RetryDeadlineError) as caught:
        wait_forever()
    assert sum(clock.slept) <= budget
    assert caught.value.last_state == "pending"
    assert caught.value.deadline == budget
    assert caught.value.waiting_for == "a condition"


def test_max_attempts_bounds_polls() -> None:
    """max_attempts=3 allows two waits (three polls), then raises without sleeping."""
    clock = StepClock()
    deadline = Deadline(RetryPolicy(max_attempts=3), clock, lambda: 0.5)
    loop = deadline.waits("x")
    loop.wait()
    loop.wait()
    with pytest.raises(RetryDeadlineError):
        loop.wait()
    assert len(clock.slept) == 2


def test_waits_are_reported() -> None:
    """Each wait is passed to on_wait with its reason and length."""
    seen: list[tuple[str, float]] = []
    deadline = Deadline(
        RetryPolicy(base=2), StepClock(), lambda: 0.5, on_wait=lambda r, s: seen.append((r, s))
    )
    deadline.waits("role").wait()
    assert seen == [("role", 1.0)]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"base": 0}, "base"),
        ({"cap": -1}, "cap"),
        ({"deadline": 0}, "deadline"),
        ({"base": True}, "base"),
        ({"max_attempts": 0}, "max_attempts"),
        ({"throttle_retries": -1}, "throttle_retries"),
    ],
)
def test_policy_rejects_bad_values(kwargs: dict[str, object], field: str) -> None:
    """Out-of-range settings fail at construction, naming the field."""
    with pytest.raises(InvalidInputError) as caught:
        RetryPolicy(**kwargs)  # type: ignore[arg-type]
    assert caught.value.field == field


def test_an_operation_deadline_runs_from_its_start_though_made_on_first_use() -> None:
    """The deadline of an operation's calls counts the time before anything first asked for
    it, and the calls it reads in another region share it."""
    clock = StepClock()
    calls = Calls(RetryPolicy(deadline=10), clock, lambda: 0.5)
    clock.now_s = 4.0
    elsewhere = calls.in_region("us-east-1")
    assert elsewhere.deadline is calls.deadline
    assert calls.deadline.elapsed == 4.0
    with pytest.raises(RetryDeadlineError):
        calls.deadline.wait_out(7.0, "a wait past the budget")
    assert clock.slept == []
    calls.deadline.wait_out(6.0, "the rest of the budget")
    assert clock.slept == [6.0]
    assert [w.seconds for w in calls.waits] == [6.0]
