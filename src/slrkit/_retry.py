"""slrkit's own retry layer, above botocore's.

botocore (in ``standard`` mode) already retries throttling, 5xx and connection
errors a few times per call. slrkit retries only what botocore cannot know to
wait for: a new role that IAM has not propagated yet, a role the service has not
removed yet, a deletion task still running, and throttling that outlasted
botocore's attempts. Every wait has full jitter, a cap, and comes out of one
deadline per operation; a wait that would cross the deadline is not started.
"""

from __future__ import annotations

import logging
import random
from typing import TYPE_CHECKING, Any

import attrs

from slrkit._validate import check_seconds
from slrkit.exceptions import InvalidInputError, RetryDeadlineError

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from slrkit._clock import Clock

__all__ = ["Deadline", "RetryPolicy", "WaitLoop"]

_log = logging.getLogger("slrkit.retry")


def _positive(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    del instance
    check_seconds(attribute.name, value, allow_zero=False)


def _attempts(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    del instance
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
        raise InvalidInputError(attribute.name, value, "must be None or an integer of at least 1")


def _non_negative_int(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    del instance
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidInputError(attribute.name, value, "must be an integer of at least 0")


@attrs.frozen(kw_only=True)
class RetryPolicy:
    """How slrkit waits: full-jitter exponential backoff under one deadline.

    The n-th wait (from 0) is ``uniform(0, min(cap, base * 2**n))``, the "full
    jitter" that AWS recommends and that botocore's standard mode uses.

    Attributes:
        base: The first backoff ceiling, in seconds.
        cap: The largest backoff ceiling, in seconds.
        deadline: The budget of one operation (all its calls and waits), in seconds.
        max_attempts: The most polls of one condition; None bounds them by the deadline alone.
        throttle_retries: How many more times slrkit re-issues a call whose botocore
            attempts all ended in throttling. The total is bounded by
            ``botocore attempts * (1 + throttle_retries)``, never unbounded.

    Raises:
        InvalidInputError: A value is out of range.
    """

    base: float = attrs.field(default=1.0, validator=_positive)
    cap: float = attrs.field(default=10.0, validator=_positive)
    deadline: float = attrs.field(default=300.0, validator=_positive)
    max_attempts: int | None = attrs.field(default=None, validator=_attempts)
    throttle_retries: int = attrs.field(default=3, validator=_non_negative_int)

    def delays(self, rand: Callable[[], float]) -> Iterator[float]:
        """Yield the waits in order, forever; *rand* returns a float in [0, 1)."""
        # The ceiling doubles until it reaches the cap, then stays: `base * 2**n` itself
        # would overflow a float after about a thousand waits.
        ceiling = min(self.cap, self.base)
        while True:
            yield rand() * ceiling
            ceiling = min(self.cap, ceiling * 2)


class Deadline:
    """One operation's budget: it hands out waits until the next one would cross it.

    It runs from *start* on the clock's `monotonic` scale (by default, now). Not
    shared between threads: each operation makes its own.
    """

    def __init__(
        self,
        policy: RetryPolicy,
        clock: Clock,
        rand: Callable[[], float],
        *,
        budget: float | None = None,
        start: float | None = None,
        on_wait: Callable[[str, float], None] | None = None,
    ) -> None:
        self._policy = policy
        self._clock = clock
        self._rand = rand
        self._budget = policy.deadline if budget is None else budget
        self._start = clock.monotonic() if start is None else start
        self._on_wait = on_wait

    @property
    def elapsed(self) -> float:
        """Seconds since the operation started."""
        return self._clock.monotonic() - self._start

    @property
    def policy(self) -> RetryPolicy:
        """The policy the waits follow."""
        return self._policy

    @property
    def budget(self) -> float:
        """The operation's budget in seconds."""
        return self._budget

    def waits(self, waiting_for: str) -> WaitLoop:
        """A fresh backoff sequence for one condition, drawing on this deadline."""
        return WaitLoop(self, waiting_for)

    def wait_out(self, seconds: float, waiting_for: str) -> None:
        """Sleep *seconds* at once, for a condition known to hold only then.

        Raises:
            RetryDeadlineError: The sleep would cross the deadline; nothing was slept.
        """
        self._sleep(waiting_for, seconds, None)

    def _sleep(self, waiting_for: str, delay: float, last_state: str | None) -> None:
        if self.elapsed + delay > self._budget:
            raise RetryDeadlineError(
                waiting_for, elapsed=self.elapsed, deadline=self._budget, last_state=last_state
            )
        _log.info("waiting %.2fs for %s", delay, waiting_for)
        if self._on_wait is not None:
            self._on_wait(waiting_for, delay)
        self._clock.sleep(delay)


class WaitLoop:
    """The waits for one condition: call `wait` each time the condition is not met yet."""

    def __init__(self, deadline: Deadline, waiting_for: str) -> None:
        self._deadline = deadline
        self._waiting_for = waiting_for
        self._delays = deadline.policy.delays(deadline._rand)
        self._attempts = 0

    @property
    def attempts(self) -> int:
        """Waits taken so far."""
        return self._attempts

    def wait(self, last_state: str | None = None) -> None:
        """Sleep before the next poll.

        Raises:
            RetryDeadlineError: The wait would cross the deadline, or ``max_attempts``
                polls were made; nothing was slept.
        """
        limit = self._deadline.policy.max_attempts
        if limit is not None and self._attempts + 1 >= limit:
            raise RetryDeadlineError(
                self._waiting_for,
                elapsed=self._deadline.elapsed,
                deadline=self._deadline.budget,
                last_state=last_state,
            )
        self._attempts += 1
        self._deadline._sleep(self._waiting_for, next(self._delays), last_state)


def system_random() -> Callable[[], float]:
    """The default jitter source; tests inject a seeded one."""
    return random.SystemRandom().random
