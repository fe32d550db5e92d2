"""The record of every HTTP attempt a fake answered."""

from __future__ import annotations

from typing import TYPE_CHECKING

import attrs

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["RecordedCall"]


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
