"""Virtual time: the one clock every part of a fake shares."""

from __future__ import annotations

import datetime as dt
import math
import threading

__all__ = ["DEFAULT_START", "VirtualClock"]

DEFAULT_START = dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc)
"""Where virtual time starts unless told otherwise: fixed, so runs are reproducible."""


class VirtualClock:
    """A clock that moves only when told to; it satisfies `slrkit._clock.Clock`.

    `sleep` and `advance` both move time forward at once, so code that waits on
    this clock never waits for real. `monotonic()` counts seconds from zero at
    *start*; `now()` is *start* plus that many seconds. Safe to share between
    threads.

    Args:
        start: The wall-clock time at monotonic zero; must be timezone-aware.

    Raises:
        ValueError: If *start* is naive.
    """

    def __init__(self, start: dt.datetime = DEFAULT_START) -> None:
        if start.tzinfo is None:
            raise ValueError(f"start must be timezone-aware, got {start!r}")
        self._start = start.astimezone(dt.timezone.utc)
        self._elapsed = 0.0
        self._lock = threading.Lock()

    @property
    def start(self) -> dt.datetime:
        """The wall-clock time at monotonic zero (UTC)."""
        return self._start

    def monotonic(self) -> float:
        """Seconds of virtual time since *start*."""
        return self._elapsed

    def now(self) -> dt.datetime:
        """The current virtual time, timezone-aware, in UTC."""
        return self._start + dt.timedelta(seconds=self._elapsed)

    def sleep(self, seconds: float) -> None:
        """Advance virtual time by *seconds* instead of waiting.

        Raises:
            ValueError: If *seconds* is negative or not finite.
        """
        self.advance(seconds)

    def advance(self, seconds: float) -> None:
        """Move virtual time forward by *seconds*.

        Raises:
            ValueError: If *seconds* is negative or not finite.
        """
        if not math.isfinite(seconds) or seconds < 0:
            raise ValueError(f"seconds must be a finite number >= 0, got {seconds!r}")
        with self._lock:
            self._elapsed += seconds

    def reset(self) -> None:
        """Put the clock back at *start* (monotonic zero)."""
        with self._lock:
            self._elapsed = 0.0

    def __repr__(self) -> str:
        return f"VirtualClock(start={self._start.isoformat()}, monotonic={self._elapsed:g})"
