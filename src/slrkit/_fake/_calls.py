"""The record of every HTTP attempt a fake answered."""

from __future__ import annotations

import types
from typing import TYPE_CHECKING, TypeAlias, cast

import attrs

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["CallLog", "RecordedCall"]


@attrs.frozen(kw_only=True)
class RecordedCall:
    """One HTTP attempt as the fake received it; retries are attempts of their own.

    Attributes:
        service: ``"customer-profiles"``, ``"iam"`` or ``"sts"``.
        operation: The operation name, e.g. ``"GetDomain"``.
        region: The region the request was signed for (``us-east-1`` for IAM's
            global endpoint).
        account_id: The account the calling session belongs to.
        params: The request parameters as the service parsed them from the wire.
        status: The HTTP status answered; 0 when an injected connection fault
            meant no answer at all.
        error_code: The AWS error code answered (or the connection fault's kind),
            None on success.
        at: Virtual monotonic seconds when the attempt was answered.
    """

    service: str
    operation: str
    region: str
    account_id: str
    params: Mapping[str, object]
    status: int
    error_code: str | None
    at: float

    @property
    def ok(self) -> bool:
        """Whether the attempt succeeded (a 2xx answer)."""
        return 200 <= self.status < 300  # noqa: PLR2004


_Entry: TypeAlias = "tuple[str, str, str, str, Mapping[str, object], int, str | None, float]"


class CallLog:
    """Every attempt a fake answered, oldest first: cheap to add to, read as `RecordedCall`s.

    Every request adds an entry, and a long test (or a benchmark) adds hundreds of
    thousands. Each is kept as a tuple of strings, numbers and the parameters,
    which the garbage collector soon stops tracking, and replaced by its
    `RecordedCall` when first read. Not locked: the engine's lock guards it.
    """

    def __init__(self) -> None:
        self._entries: list[_Entry | RecordedCall] = []
        self._read = 0
        """How many entries, from the oldest, are `RecordedCall`s already."""

    def __len__(self) -> int:
        return len(self._entries)

    def add(
        self,
        *,
        service: str,
        operation: str,
        region: str,
        account_id: str,
        params: Mapping[str, object],
        status: int,
        error_code: str | None,
        at: float,
    ) -> None:
        """Note one attempt (see `RecordedCall` for the fields)."""
        self._entries.append(
            (service, operation, region, account_id, params, status, error_code, at)
        )

    def records(self) -> tuple[RecordedCall, ...]:
        """Every attempt noted, oldest first."""
        entries = self._entries
        for index in range(self._read, len(entries)):
            service, operation, region, account, params, status, code, at = cast(
                "_Entry", entries[index]
            )
            entries[index] = RecordedCall(
                service=service,
                operation=operation,
                region=region,
                account_id=account,
                params=types.MappingProxyType(params),
                status=status,
                error_code=code,
                at=at,
            )
        self._read = len(entries)
        return cast("tuple[RecordedCall, ...]", tuple(entries))

    def clear(self) -> None:
        """Forget every attempt."""
        self._entries.clear()
        self._read = 0

    def keep_newest(self, keep: int) -> None:
        """Forget all but the newest *keep* attempts."""
        dropped = max(len(self._entries) - keep, 0)
        del self._entries[:dropped]
        self._read = max(self._read - dropped, 0)
