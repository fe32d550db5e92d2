"""The fake's virtual clock: immediate sleeps, and overlapping sleeps inside a crew."""

from __future__ import annotations

import threading

import pytest

from slrkit._clock import crew
from slrkit.testing import FakeAWS, VirtualClock


def test_sleep_outside_a_crew_advances_at_once() -> None:
    """Without a crew, each sleep adds to virtual time immediately."""
    clock = VirtualClock()
    clock.sleep(2.5)
    clock.sleep(0.5)
    assert clock.monotonic() == 3.0


def test_crew_sleeps_overlap_like_real_threads() -> None:
    """Ten workers sleeping five times take as long as the slowest worker, not the sum."""
    clock = VirtualClock()
    with crew(clock, 10) as members:

        def worker(n: int) -> None:
            try:
                for _ in range(5):
                    clock.sleep(1.0 + n / 100)
            finally:
                members.leave()

        threads = [threading.Thread(target=worker, args=(n,)) for n in range(10)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=10)
    assert abs(clock.monotonic() - 5 * 1.09) < 1e-9
    clock.sleep(1)
    assert abs(clock.monotonic() - (5 * 1.09 + 1)) < 1e-9


def test_only_one_crew_at_a_time() -> None:
    """A second crew on the same clock is refused; a crew needs at least one worker."""
    clock = VirtualClock()
    with clock.crew(1) as members:
        with pytest.raises(ValueError, match="already running"), clock.crew(1):
            pass
        members.leave()
    with pytest.raises(ValueError, match="size"), clock.crew(0):
        pass


def test_fail_after_lets_the_first_calls_through() -> None:
    """fail(after=2) lets two calls succeed and fails the third."""
    fake = FakeAWS()
    iam = fake.client("iam", "us-east-1")
    role = fake.add_role("plain")
    fake.fail("GetRole", code="NoSuchEntity", after=2)
    iam.get_role(RoleName=role)
    iam.get_role(RoleName=role)
    with pytest.raises(iam.exceptions.NoSuchEntityException):
        iam.get_role(RoleName=role)
    iam.get_role(RoleName=role)
    assert [c.error_code for c in fake.calls] == [None, None, "NoSuchEntity", None]
