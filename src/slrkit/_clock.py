"""Time as a dependency: every wait in slrkit goes through a `Clock`.

Production code uses `SystemClock`. Tests hand in a virtual clock (the fake's
`slrkit.testing.VirtualClock`), so no test ever sleeps for real.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import time
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["Clock", "Crew", "SystemClock", "clock_of", "crew"]


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


class Crew(Protocol):
    """The threads of one concurrent job, as a clock that simulates time sees them."""

    def leave(self) -> None:
        """Say that the calling worker has finished and will not sleep again."""
        ...


class _NoCrew:
    def leave(self) -> None:
        """Nothing to tell a real clock."""


def crew(clock: Clock, size: int) -> AbstractContextManager[Crew]:
    """Announce *size* workers about to share *clock*; each calls ``leave()`` when done.

    A real clock needs no announcement. A virtual clock (`slrkit.testing.VirtualClock`)
    uses it to move time as concurrent threads would see it: only when every
    worker is asleep, and then to the earliest wake-up, instead of adding up the
    sleeps of all threads.
    """
    hook: Callable[[int], AbstractContextManager[Crew]] | None = getattr(clock, "crew", None)
    return hook(size) if hook is not None else contextlib.nullcontext(_NoCrew())


def clock_of(session: object) -> Clock | None:
    """The clock a boto3 session says its AWS runs on, if it says one.

    A session handed out by `slrkit.testing` carries its fake's virtual clock as
    ``slrkit_clock``: a kit or fleet built on it waits on that clock unless told
    otherwise, instead of really sleeping while virtual time stands still.
    """
    found: object = getattr(session, "slrkit_clock", None)
    return found if isinstance(found, Clock) else None
