"""Client-side rate limits: token buckets shared by every thread of a fleet.

botocore retries throttling after the fact. Across hundreds of calls from many
threads that is slow and, past its few attempts, fails; pacing the calls below
the service's limit in the first place makes a large fleet converge. A bucket
hands out reservations: a caller takes the next free slot under the lock and
sleeps (on the injected clock) outside it, so threads never spin.
"""

from __future__ import annotations

import math
import threading
from typing import TYPE_CHECKING, Any

import attrs

from slrkit.exceptions import InvalidInputError

if TYPE_CHECKING:
    from slrkit._clock import Clock

__all__ = ["RateLimiter", "RateLimits", "TokenBucket"]


def _rate(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    del instance
    number = not isinstance(value, bool) and isinstance(value, (int, float))
    if not number or not math.isfinite(value) or value <= 0:  # type: ignore[arg-type, operator]
        rule = "must be a finite number of calls per second above 0"
        raise InvalidInputError(attribute.name, value, rule)


@attrs.frozen(kw_only=True)
class RateLimits:
    """Calls per second slrkit allows itself, per operation.

    Customer Profiles limits apply per account, region and operation; IAM's per
    account and operation, since IAM is global. The defaults stay below the
    rates at which both services are known to start throttling control-plane
    calls; lower them when other tools share the account.

    Attributes:
        profiles_per_second: Calls per second per region and operation.
        iam_per_second: Calls per second per operation, for the whole account.
        burst: How many calls may go at once after a quiet spell.
    """

    profiles_per_second: float = attrs.field(default=5.0, validator=_rate)
    iam_per_second: float = attrs.field(default=5.0, validator=_rate)
    burst: float = attrs.field(default=1.0, validator=_rate)


class TokenBucket:
    """*rate* calls a second, up to *burst* at once, on *clock*; safe between threads.

    It is the generic cell-rate algorithm: each call reserves the next slot, one
    interval after the last, and may run up to ``burst - 1`` intervals early.
    """

    def __init__(self, rate: float, burst: float, clock: Clock) -> None:
        self._interval = 1.0 / rate
        self._tolerance = (burst - 1) * self._interval
        self._clock = clock
        self._lock = threading.Lock()
        self._next = clock.monotonic()

    def acquire(self) -> float:
        """Wait for a slot and return how long that took (seconds)."""
        with self._lock:
            now = self._clock.monotonic()
            slot = max(self._next, now)
            self._next = slot + self._interval
            wait = max(0.0, slot - self._tolerance - now)
        if wait > 0:
            self._clock.sleep(wait)
        return wait


class RateLimiter:
    """Client-side pacing for one account: a token bucket per operation, shared by threads.

    Pass one to every `slrkit.ProfilesKit` of an account (``rate_limiter=``) so that
    their calls together stay under *limits*; `slrkit.Fleet` makes one per account.
    Buckets are created on first use; Customer Profiles' count per region,
    IAM's for the whole account.

    Args:
        limits: The calls per second allowed.
        clock: Where the waits are spent (a kit's or a fake's clock).
    """

    def __init__(self, limits: RateLimits, clock: Clock) -> None:
        self._limits = limits
        self._clock = clock
        self._buckets: dict[tuple[str, str], TokenBucket] = {}
        self._lock = threading.Lock()

    def acquire(self, service: str, region: str, operation: str) -> float:
        """Wait until *operation* may be called; returns the wait in seconds."""
        key = (f"{service}:{operation}", "global" if service != "customer-profiles" else region)
        with self._lock:
            bucket = self._buckets.get(key)
            if bucket is None:
                rate = (
                    self._limits.profiles_per_second
                    if service == "customer-profiles"
                    else self._limits.iam_per_second
                )
                bucket = self._buckets[key] = TokenBucket(rate, self._limits.burst, self._clock)
        return bucket.acquire()
