"""What can go wrong on purpose: injected errors, dropped connections, latency, rate limits."""

from __future__ import annotations

import collections
from typing import TypeVar

import attrs

__all__ = ["ErrorFault", "Faults", "RateLimit"]


@attrs.frozen(kw_only=True)
class ErrorFault:
    """An error answer to give instead of running the operation."""

    code: str
    status: int
    sender_fault: bool
    message: str


_Buckets = dict[tuple[str, str], tuple[float, float]]  # (account, region) -> (tokens, when)
_T = TypeVar("_T")
_Queues = dict[str, collections.deque[_T]]  # qualified operation -> what is pending for it


@attrs.define(kw_only=True)
class RateLimit:
    """A token bucket on virtual time: *per_second* refill, *burst* capacity."""

    per_second: float
    burst: float
    buckets: dict[tuple[str, str], tuple[float, float]] = attrs.field(
        factory=dict[tuple[str, str], tuple[float, float]]
    )

    def admit(self, scope: tuple[str, str], now: float) -> bool:
        """Take one token for *scope* (account, region) at *now*; False when none is left."""
        tokens, last = self.buckets.get(scope, (self.burst, now))
        tokens = min(self.burst, tokens + (now - last) * self.per_second)
        if tokens < 1:
            self.buckets[scope] = (tokens, now)
            return False
        self.buckets[scope] = (tokens - 1, now)
        return True


@attrs.define
class Faults:
    """Faults by qualified operation (`"iam:GetRole"`). Guarded by the engine's lock."""

    # A None in a queue lets that call through: it is how `after=` skips calls.
    errors: dict[str, collections.deque[ErrorFault | None]] = attrs.field(
        factory=dict[str, collections.deque[ErrorFault | None]]
    )
    connections: dict[str, collections.deque[str | None]] = attrs.field(
        factory=dict[str, collections.deque[str | None]]
    )
    latency: dict[str, float] = attrs.field(factory=dict[str, float])
    limits: dict[str, RateLimit] = attrs.field(factory=dict[str, RateLimit])

    def add_error(self, key: str, fault: ErrorFault, times: int, after: int = 0) -> None:
        """Let *after* calls of *key* through, then answer *times* calls with *fault*."""
        queue = self.errors.setdefault(key, collections.deque())
        queue.extend([None] * after + [fault] * times)

    def add_connection(self, key: str, kind: str, times: int, after: int = 0) -> None:
        """Let *after* calls of *key* through, then fail *times* at the connection."""
        queue = self.connections.setdefault(key, collections.deque())
        queue.extend([None] * after + [kind] * times)

    def take_connection(self, key: str) -> str | None:
        """The connection fault for this call of *key*, if one is queued."""
        queue = self.connections.get(key)
        return queue.popleft() if queue else None

    def take_error(self, key: str) -> ErrorFault | None:
        """The error for this call of *key*, if one is queued."""
        queue = self.errors.get(key)
        return queue.popleft() if queue else None
