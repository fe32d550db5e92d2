"""The one door to AWS: every call slrkit makes goes through `Calls.call`.

It logs one line per call, records the call for the operation's report,
re-issues a call whose botocore retries were all spent on throttling (under the
operation's deadline), and translates botocore's exceptions into slrkit's tree.
The registry `OPERATIONS` lists every call the code can make; `slrkit policy`
is derived from it.
"""

from __future__ import annotations

import copy
import functools
import logging
from typing import TYPE_CHECKING, Final, ParamSpec, TypeVar

import attrs
from botocore import exceptions as botocore_errors
from botocore.exceptions import BotoCoreError, ClientError

from slrkit._models import ApiCall, Wait
from slrkit._retry import Deadline, RetryPolicy, WaitLoop
from slrkit.exceptions import (
    AccessDeniedError,
    AWSError,
    DomainNotFoundError,
    EndpointError,
    ThrottledError,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from slrkit._clock import Clock
    from slrkit._ratelimit import RateLimiter

__all__ = ["OPERATIONS", "Calls", "Operation", "translate"]

_log = logging.getLogger("slrkit")

_P = ParamSpec("_P")
_R = TypeVar("_R")


@attrs.frozen
class Operation:
    """An API operation slrkit may call, and the IAM action and resource it needs."""

    service: str
    name: str
    resource: str

    @property
    def action(self) -> str:
        """The IAM action, e.g. ``profile:GetDomain``."""
        prefix = {"customer-profiles": "profile", "iam": "iam", "sts": "sts"}[self.service]
        return f"{prefix}:{self.name}"


_DOMAIN: Final = "domain"
_ROLE: Final = "role"
# Listing actions have no resource type in the Service Authorization Reference:
# a statement scoped to an ARN never matches them.
_LISTING: Final = "listing"
_ANY: Final = "any"

OPERATIONS: Final[dict[str, Operation]] = {
    op.name: op
    for op in (
        Operation("customer-profiles", "GetDomain", _DOMAIN),
        Operation("customer-profiles", "CreateDomain", _DOMAIN),
        Operation("customer-profiles", "UpdateDomain", _DOMAIN),
        Operation("customer-profiles", "DeleteDomain", _DOMAIN),
        Operation("customer-profiles", "ListDomains", _LISTING),
        Operation("customer-profiles", "TagResource", _DOMAIN),
        Operation("customer-profiles", "UntagResource", _DOMAIN),
        Operation("iam", "GetRole", _ROLE),
        Operation("iam", "ListRoles", _LISTING),
        Operation("iam", "ListAttachedRolePolicies", _ROLE),
        Operation("iam", "DeleteServiceLinkedRole", _ROLE),
        Operation("iam", "GetServiceLinkedRoleDeletionStatus", _ROLE),
        Operation("sts", "GetCallerIdentity", _ANY),
    )
}
"""Every API operation slrkit's code calls, keyed by name."""

_THROTTLING: Final = frozenset({"Throttling", "ThrottlingException", "TooManyRequestsException"})
_NOT_FOUND: Final = frozenset({"ResourceNotFoundException"})
_DENIED: Final = frozenset({"AccessDenied", "AccessDeniedException", "UnauthorizedOperation"})


def translate(exc: BotoCoreError | ClientError, *, operation: Operation) -> AWSError:
    """Translate a botocore exception into slrkit's tree; the only place that does.

    The result keeps the code, message, request id and retry count of the
    response. Credentials never appear: botocore's messages do not carry them.
    """
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        meta = exc.response.get("ResponseMetadata", {})
        code = str(error.get("Code", "Unknown"))
        cls: type[AWSError] = AWSError
        if code in _THROTTLING:
            cls = ThrottledError
        elif code in _DENIED:
            cls = AccessDeniedError
        elif code in _NOT_FOUND and operation.resource == _DOMAIN:
            cls = DomainNotFoundError
        return cls(
            str(error.get("Message", "")) or code,
            code=code,
            operation=operation.name,
            service=operation.service,
            request_id=meta.get("RequestId"),
            retry_attempts=int(meta.get("RetryAttempts", 0)),
        )
    cls = (
        EndpointError
        if isinstance(exc, (botocore_errors.ConnectionError, botocore_errors.HTTPClientError))
        else AWSError
    )
    return cls(
        str(exc), code=type(exc).__name__, operation=operation.name, service=operation.service
    )


class Calls:
    """The calls and waits of one operation, for its report; not shared between threads."""

    def __init__(
        self,
        policy: RetryPolicy,
        clock: Clock,
        rand: Callable[[], float],
        *,
        budget: float | None = None,
        limiter: RateLimiter | None = None,
        region: str = "",
    ) -> None:
        # Calls are hot and most operations never report them: each is kept as a plain
        # entry, and made an `ApiCall` only when the report reads it.
        self._made: list[tuple[Operation, str | None, int]] = []
        self.waits: list[Wait] = []
        # Most operations never wait: the deadline is made when first asked for, and
        # runs from the moment the operation began.
        self._deadline: Deadline | None = None
        self._of_deadline = (policy, clock, rand, budget, clock.monotonic())
        self._limiter = limiter
        self._region = region

    @property
    def deadline(self) -> Deadline:
        """The operation's deadline, which every wait draws on."""
        if self._deadline is None:
            policy, clock, rand, budget, start = self._of_deadline
            # The deadline notes its waits in the list, not through this object: a bound
            # method would make a cycle, and each operation's record would then be freed
            # only by the garbage collector instead of when the operation ends.
            self._deadline = Deadline(
                policy,
                clock,
                rand,
                budget=budget,
                start=start,
                on_wait=functools.partial(_note_wait, self.waits),
            )
        return self._deadline

    @property
    def calls(self) -> tuple[ApiCall, ...]:
        """Every call made so far, in order, with its outcome."""
        return tuple(
            ApiCall(service=op.service, operation=op.name, error_code=code, retries=retries)
            for op, code, retries in self._made
        )

    def record_wait(self, reason: str, seconds: float) -> None:
        """Note a wait in the report."""
        _note_wait(self.waits, reason, seconds)

    def in_region(self, region: str) -> Calls:
        """The same operation's calls, paced as calls to *region* (for reads of other regions).

        The call log, the waits and the deadline are shared with this one.
        """
        other = copy.copy(self)
        other._deadline = self.deadline
        other._region = region
        return other

    def call(
        self, operation: str, fn: Callable[_P, _R], /, *args: _P.args, **kwargs: _P.kwargs
    ) -> _R:
        """Call *fn* (a boto3 client method for *operation*) and return its response.

        Raises:
            AWSError: The call failed; a subclass says how. Throttling that outlasted
                botocore's attempts is re-issued after a wait first, as long as the
                policy and the deadline allow.
        """
        op = OPERATIONS[operation]
        throttle_waits: WaitLoop | None = None  # made on the first throttle: calls are hot
        while True:
            if self._limiter is not None:
                paced = self._limiter.acquire(op.service, self._region, operation)
                if paced:
                    self.record_wait(f"the rate limit of {operation}", paced)
            try:
                response = fn(*args, **kwargs)
            except (ClientError, BotoCoreError) as exc:
                error = translate(exc, operation=op)
                self._made.append((op, error.code, error.retry_attempts))
                _log.debug("%s %s -> %s", op.service, operation, error.code)
                if isinstance(error, ThrottledError):
                    if throttle_waits is None:
                        throttle_waits = self.deadline.waits(f"{operation} to stop being throttled")
                    if throttle_waits.attempts < self.deadline.policy.throttle_retries:
                        throttle_waits.wait(last_state=error.code)
                        continue
                raise error from exc
            retries = _retry_attempts(response)
            self._made.append((op, None, retries))
            _log.debug("%s %s -> ok (%d retries)", op.service, operation, retries)
            return response


def _note_wait(waits: list[Wait], reason: str, seconds: float) -> None:
    waits.append(Wait(reason=reason, seconds=seconds))


def _retry_attempts(response: object) -> int:
    if isinstance(response, dict):
        meta = response.get("ResponseMetadata")  # pyright: ignore[reportUnknownMemberType, reportUnknownVariableType]
        if isinstance(meta, dict):
            return int(meta.get("RetryAttempts", 0))  # pyright: ignore[reportUnknownMemberType, reportUnknownArgumentType]
    return 0
