"""Time as a dependency: every wait in slrkit goes through a `Clock`.

Production code uses `SystemClock`. Tests hand in a virtual clock (the fake's
`slrkit.testing.VirtualClock`), so no test ever sleeps for real.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Protocol, runtime_checkable

__all__ = ["Clock", "SystemClock"]


@runtime_checkable
class Clock(Protocol):
    """What slrkit needs from time: a monotonic reading, a sleep and a wall-clock now."""

    def monotonic(self) -> float:
        """Seconds on a clock that never goes back; only differences matter."""
        ...

    def sleep(self, seconds: float) -> None:
        """Wait for *seconds*."""
        ...

    def now(self) -> dt.datetime:
        """The current time, timezone-aware, in UTC."""
        ...


class SystemClock:
    """The real clock: `time.monotonic`, `time.sleep` and `datetime.now(UTC)`."""

    def monotonic(self) -> float:
        """Return `time.monotonic()`."""
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        """Sleep for real."""
        time.sleep(seconds)

    def now(self) -> dt.datetime:
        """Return the current UTC time."""
        return dt.datetime.now(dt.timezone.utc)

    def __repr__(self) -> str:
        return "SystemClock()"
