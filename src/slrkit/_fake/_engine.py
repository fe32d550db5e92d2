"""The fake's core: one entry point from an HTTP request to an HTTP response.

`Engine.handle` knows nothing of boto3: it takes what a service receives
(service, method, URL, headers, body, and who is calling from where) and
returns what the service sends back. The boto3 glue (`_boto`) calls it from
botocore's `before-send` event; a listener on a socket could call it just the same.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Final

from slrkit._fake import _iam, _profiles, _sts
from slrkit._fake._calls import CallLog
from slrkit._fake._faults import ErrorFault, Faults
from slrkit._fake._ops import Operation, Request, ServiceError
from slrkit._fake._partitions import partition_of
from slrkit._fake._wire import (
    ErrorInfo,
    HttpRequest,
    OperationCodec,
    ServiceCodec,
    UnknownOperationError,
    WireResponse,
    codec_for,
)
from slrkit._fake._world import World

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from slrkit._fake._behaviour import Behaviour
    from slrkit._fake._virtual_clock import VirtualClock

__all__ = [
    "GLOBAL_REGION",
    "OPERATIONS",
    "ConnectionFault",
    "Engine",
    "FidelityError",
    "UnsupportedOperationError",
]

OPERATIONS: Final[Mapping[str, Mapping[str, Operation]]] = {
    "customer-profiles": _profiles.OPERATIONS,
    "iam": _iam.OPERATIONS,
    "sts": _sts.OPERATIONS,
}
"""Every operation the fake serves, by service id and operation name."""

GLOBAL_REGION: Final = "aws-global"
"""The region IAM's (global) rate limits are counted in."""

_GLOBAL_SERVICES: Final = frozenset({"iam"})
_REGIONAL_ENDPOINTS: Final = "customer-profiles"  # the one served service with regional hosts


class FidelityError(AssertionError):
    """The fake produced a response that breaks the service model: a bug in the fake.

    Raised only in strict mode, in place of a response botocore would parse
    without complaint (it checks neither max, enum nor pattern).
    """


class UnsupportedOperationError(NotImplementedError):
    """A client of a fake session called a service or operation the fake does not serve.

    Raised instead of letting the request go to AWS.
    """


class ConnectionFault(Exception):  # noqa: N818  # a signal to the transport, not an error
    """No answer: the transport must fail the way *kind* says (``connect``, ``read-timeout``).

    Injected by a test, or the fate of a call to a region where the service has
    no endpoint; *reason* says which.
    """

    def __init__(self, kind: str, reason: str = "injected") -> None:
        super().__init__(f"{kind}: {reason}")
        self.kind = kind
        self.reason = reason


class Engine:
    """State, faults and the call log of one fake, behind one re-entrant lock.

    Args:
        clock: The virtual clock everything on this fake shares.
        behaviour: How the fake behaves where AWS leaves room.
        seed: Seeds every random choice (role ids, task ids, request ids).
        strict: Check every success response against the output shape.
    """

    def __init__(
        self, *, clock: VirtualClock, behaviour: Behaviour, seed: int, strict: bool
    ) -> None:
        self.lock = threading.RLock()
        self.clock = clock
        self.strict = strict
        self.seed = seed
        self.world = World(clock=clock, behaviour=behaviour, seed=seed)
        self.faults = Faults()
        self.calls = CallLog()
        self.retry_sleeps: list[float] = []

    def reset(self) -> None:
        """Forget all state, faults, calls and sleeps, and put the clock back at its start."""
        with self.lock:
            self.clock.reset()
            self.world = World(clock=self.clock, behaviour=self.world.behaviour, seed=self.seed)
            self.faults = Faults()
            self.calls.clear()
            self.retry_sleeps.clear()

    def record_sleep(self, seconds: float) -> None:
        """Spend a delay botocore asked for on the virtual clock instead of sleeping.

        It is the calling thread's sleep (outside the lock): under a crew, other
        threads keep working meanwhile, as they would against AWS.
        """
        with self.lock:
            self.retry_sleeps.append(seconds)
        self.clock.sleep(seconds)

    def handle(
        self,
        service_id: str,
        operation: str | None,
        request: HttpRequest,
        *,
        account_id: str,
        region: str,
    ) -> WireResponse:
        """Answer one HTTP request as the service would.

        Args:
            service_id: The botocore service id, hyphenized (``"customer-profiles"``).
            operation: The operation name, or None to find it from the request.
            request: The HTTP request (its method, URL and body are read).
            account_id: The calling account.
            region: The region the request was signed for.

        Returns:
            The response: status, headers and body.

        Raises:
            UnsupportedOperationError: The fake does not serve this operation.
            ConnectionFault: A connection fault was injected for this call, or the
                service has no endpoint in *region* (`Behaviour.profile_regions`);
                such a call reaches no service, so it is not recorded.
            FidelityError: In strict mode, the fake's response breaks the output shape.
        """
        if service_id == _REGIONAL_ENDPOINTS and region not in self.world.behaviour.profile_regions:
            # botocore builds profile.<region>.amazonaws.com for any region; no such host
            # exists, so the call fails to connect, before any service sees it.
            raise ConnectionFault("connect", f"Customer Profiles has no endpoint in {region}")
        try:
            codec = codec_for(service_id)
            name = operation if operation is not None else codec.resolve(request)
        except UnknownOperationError as exc:
            raise UnsupportedOperationError(str(exc)) from exc
        implementation = OPERATIONS[service_id].get(name)
        if implementation is None:
            # Before compiling: the codecs refuse some operations the fake does not serve.
            raise UnsupportedOperationError(f"the fake does not serve {service_id}:{name}")
        op_codec = codec.operation(name)
        # Reading and validating touch no state, so they run outside the lock.
        params, violations = op_codec.parse(request)
        call = Request(
            account_id=account_id, region=region, partition=partition_of(region), params=params
        )
        if self.faults.latency:  # read unlocked: most fakes never set a latency
            with self.lock:
                delay = self.faults.latency.get(op_codec.qualified_name)
            if delay:
                self.clock.sleep(delay)
        with self.lock:
            return self._answer(codec, op_codec, implementation, call, violations)

    def _answer(
        self,
        codec: ServiceCodec,
        op_codec: OperationCodec,
        implementation: Operation,
        call: Request,
        violations: Sequence[str],
    ) -> WireResponse:
        """The response to one call, its parameters read (under the lock)."""
        key = op_codec.qualified_name
        kind = self.faults.take_connection(key)
        if kind is not None:
            self._record(op_codec, call, status=0, error_code=kind)
            raise ConnectionFault(kind)
        request_id = self.world.request_id()
        outcome = self._run(codec, op_codec, implementation, call, violations)
        if isinstance(outcome, ErrorFault):
            self._record(op_codec, call, status=outcome.status, error_code=outcome.code)
            info = ErrorInfo(status=outcome.status, sender_fault=outcome.sender_fault)
            return codec.error(outcome.code, outcome.message, info, request_id)
        if self.strict and op_codec.output_check is not None:
            problems: list[str] = []
            op_codec.output_check(outcome, "", problems)
            if problems:
                raise FidelityError(
                    f"{key} answered outside its output shape: " + "; ".join(problems)
                )
        response = op_codec.write(outcome, request_id)
        self._record(op_codec, call, status=response.status, error_code=None)
        return response

    def _run(
        self,
        codec: ServiceCodec,
        op_codec: OperationCodec,
        implementation: Operation,
        call: Request,
        violations: Sequence[str],
    ) -> ErrorFault | Mapping[str, object]:
        """The outcome: an injected fault, a throttle, a validation error, or the operation's."""
        key = op_codec.qualified_name
        fault = self.faults.take_error(key)
        if fault is not None:
            return fault
        operation = op_codec.name
        limit = self.faults.limits.get(key)
        if limit is not None:
            scope = (
                call.account_id,
                GLOBAL_REGION if codec.service_id in _GLOBAL_SERVICES else call.region,
            )
            if not limit.admit(scope, self.clock.monotonic()):
                return _error(codec, operation, codec.throttling_code, "Rate exceeded")
        if violations:
            return _error(codec, operation, codec.validation_code, _validation_message(violations))
        self.world.settle()
        try:
            return implementation(self.world, call)
        except ServiceError as exc:
            return _error(codec, operation, exc.code, exc.message)

    def _record(
        self, op_codec: OperationCodec, call: Request, *, status: int, error_code: str | None
    ) -> None:
        self.calls.add(
            service=op_codec.service_id,
            operation=op_codec.name,
            region=call.region,
            account_id=call.account_id,
            params=call.params,
            status=status,
            error_code=error_code,
            at=self.clock.monotonic(),
        )


def _error(codec: ServiceCodec, operation: str, code: str, message: str) -> ErrorFault:
    info = codec.error_info(operation, code)
    if info is None:
        raise FidelityError(f"{codec.service_id}:{operation} has no error code {code!r}")
    return ErrorFault(
        code=code, status=info.status, sender_fault=info.sender_fault, message=message
    )


def _validation_message(violations: Sequence[str]) -> str:
    count = len(violations)
    noun = "error" if count == 1 else "errors"
    return f"{count} validation {noun} detected: " + "; ".join(violations)
