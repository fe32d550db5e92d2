"""Virtual time: the one clock every part of a fake shares."""

from __future__ import annotations

import contextlib
import datetime as dt
import heapq
import threading
from typing import TYPE_CHECKING, Final

from slrkit._fake import _arguments
from slrkit.exceptions import InvalidInputError

if TYPE_CHECKING:
    from collections.abc import Generator

__all__ = ["DEFAULT_START", "END", "VirtualClock"]

DEFAULT_START: Final = dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc)
"""Where virtual time starts unless told otherwise: fixed, so runs are reproducible."""

END: Final = dt.datetime(9999, 12, 31, tzinfo=dt.timezone.utc)
"""Virtual time never passes this: `datetime` ends a day later, and so would every timestamp."""


class VirtualClock:
    """A clock that moves only when told to; it satisfies `slrkit._clock.Clock`.

    `sleep` and `advance` both move time forward at once, so code that waits on
    this clock never waits for real. `monotonic()` counts seconds from zero at
    *start*; `now()` is *start* plus that many seconds. Safe to share between
    threads. Inside `crew`, concurrent sleeps overlap as they would in real time
    instead of adding up.

    Args:
        start: The wall-clock time at monotonic zero; must be timezone-aware.

    Raises:
        ValueError: If *start* is naive or not before `END`.
    """

    def __init__(self, start: dt.datetime = DEFAULT_START) -> None:
        start = _arguments.aware("start", start)
        if start >= END:
            raise InvalidInputError("start", start, f"must be before {END:%Y-%m-%d}")
        self._start = start.astimezone(dt.timezone.utc)
        self._limit = (END - self._start).total_seconds()
        self._elapsed = 0.0
        self._changed = threading.Condition()
        self._crew = 0
        self._wakeups: list[float] = []

    @property
    def start(self) -> dt.datetime:
        """The wall-clock time at monotonic zero (UTC)."""
        return self._start

    def monotonic(self) -> float:
        """Seconds of virtual time since *start*."""
        return self._elapsed

    def remaining(self) -> float:
        """Virtual seconds left until `END`: the most `advance` takes now."""
        return self._limit - self._elapsed

    def now(self) -> dt.datetime:
        """The current virtual time, timezone-aware, in UTC."""
        return self._start + dt.timedelta(seconds=self._elapsed)

    def sleep(self, seconds: float) -> None:
        """Advance virtual time by *seconds* instead of waiting.

        Inside `crew`, the caller waits (for real, briefly) until every worker of
        the crew is asleep or gone; then time jumps to the earliest wake-up.

        Raises:
            ValueError: If *seconds* is negative, not finite, or would pass `END`.
        """
        with self._changed:
            self._check_move(seconds)
            if not self._crew:
                self._elapsed += seconds
                return
            wake = self._elapsed + seconds
            heapq.heappush(self._wakeups, wake)
            self._changed.notify_all()
            while self._elapsed < wake:
                if len(self._wakeups) >= self._crew and self._wakeups[0] == wake:
                    self._elapsed = wake
                    break
                self._changed.wait()
            self._wakeups.remove(wake)
            heapq.heapify(self._wakeups)
            self._changed.notify_all()

    @contextlib.contextmanager
    def crew(self, size: int) -> Generator[_Crew, None, None]:
        """Simulate *size* threads sharing this clock while the block runs.

        Time then moves only when every worker is asleep (or has left), and only
        to the earliest wake-up: ten threads each sleeping one second take one
        virtual second, not ten. Each worker calls ``leave()`` when it is done;
        only workers should sleep on the clock meanwhile. `slrkit.Fleet` uses
        this through `slrkit._clock.crew`.

        Raises:
            ValueError: If *size* < 1, or a crew is already running.
        """
        if size < 1:
            raise ValueError(f"size must be >= 1, got {size}")
        with self._changed:
            if self._crew:
                raise ValueError("a crew is already running on this clock")
            self._crew = size
        try:
            yield _Crew(self)
        finally:
            with self._changed:
                self._crew = 0
                self._changed.notify_all()

    def _leave(self) -> None:
        with self._changed:
            self._crew = max(0, self._crew - 1)
            self._changed.notify_all()

    def advance(self, seconds: float) -> None:
        """Move virtual time forward by *seconds*.

        Raises:
            ValueError: If *seconds* is negative, not finite, or would pass `END`.
        """
        with self._changed:
            self._check_move(seconds)
            self._elapsed += seconds
            self._changed.notify_all()

    def _check_move(self, seconds: float) -> None:
        """Refuse a move by *seconds* that is not a number >= 0, or ends past `END`."""
        _arguments.number("seconds", seconds)
        if seconds > self.remaining():
            raise InvalidInputError(
                "seconds", seconds, f"virtual time may not pass {END:%Y-%m-%d} (see VirtualClock)"
            )

    def reset(self) -> None:
        """Put the clock back at *start* (monotonic zero)."""
        with self._changed:
            self._elapsed = 0.0

    def __repr__(self) -> str:
        return f"VirtualClock(start={self._start.isoformat()}, monotonic={self._elapsed:g})"


class _Crew:
    """One `VirtualClock.crew`; its workers call `leave` when they finish."""

    def __init__(self, clock: VirtualClock) -> None:
        self._clock = clock

    def leave(self) -> None:
        """The calling worker is done and will not sleep again."""
        self._clock._leave()
