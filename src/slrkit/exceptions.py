"""Every error slrkit raises, in one tree.

    SlrkitError
    ├── InvalidInputError (also ValueError)    input rejected before any API call
    │   └── UnsupportedRegionError             region not in the Customer Profiles table
    ├── AWSError                               an AWS call failed: code, message, request id
    │   ├── DomainNotFoundError                the domain does not exist (ResourceNotFoundException)
    │   ├── AccessDeniedError                  the caller lacks a permission
    │   ├── ThrottledError                     throttling outlasted botocore's and slrkit's retries
    │   └── EndpointError                      no answer: connection refused, read timeout, DNS
    ├── LinkedRoleError                        the domain's service-linked role cannot be settled
    │   ├── LinkedRoleNotFoundError            no role can be tied to the domain (yet)
    │   ├── AmbiguousLinkedRoleError           another domain could own it too (also RefusedError)
    │   └── UnreadableRegionsError             a region the evidence needs could not be read
    ├── RefusedError                           slrkit refused, for safety, to do what was asked
    │   ├── ConfirmationMismatchError          ``confirm`` is not the domain's name
    │   ├── UnknownRoleError                   the role cannot be told (also LinkedRoleError)
    │   ├── DomainNotEmptyError                the domain holds profiles or objects
    │   ├── RoleInUseError                     IAM says another resource still uses the role
    │   └── UnsafeRoleError                    the role is outside the Customer Profiles SLR path
    └── RetryDeadlineError (also TimeoutError) a wait would have crossed the operation's deadline

Errors from botocore are translated into this tree in exactly one place
(`slrkit._aws.translate`), and keep the AWS error code, the request id and the
operation. No error carries credentials.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence

    from slrkit._models import DeletionReport, RoleUsage

__all__ = [
    "AWSError",
    "AccessDeniedError",
    "AmbiguousLinkedRoleError",
    "ConfirmationMismatchError",
    "DomainNotEmptyError",
    "DomainNotFoundError",
    "EndpointError",
    "InvalidInputError",
    "LinkedRoleError",
    "LinkedRoleNotFoundError",
    "RefusedError",
    "RetryDeadlineError",
    "RoleInUseError",
    "SlrkitError",
    "ThrottledError",
    "UnknownRoleError",
    "UnreadableRegionsError",
    "UnsafeRoleError",
    "UnsupportedRegionError",
]


class SlrkitError(Exception):
    """The root of every error slrkit raises.

    Attributes:
        report: Set when `ProfilesKit.safe_delete_domain` fails after it deleted the
            domain: what it did so far, and the ``role_name`` that a rerun needs to
            finish (pass it as ``role_name=``). None otherwise.
    """

    report: DeletionReport | None = None


class InvalidInputError(SlrkitError, ValueError):
    """An input broke a rule of the API; raised before any API call.

    Attributes:
        field: The parameter at fault, e.g. ``"default_expiration_days"``.
        value: The rejected value.
        rule: The rule it broke, in words.
    """

    field: str
    value: object
    rule: str

    def __init__(self, field: str, value: object, rule: str) -> None:
        self.field = field
        self.value = value
        self.rule = rule
        super().__init__(f"{field}={value!r} is invalid: {rule}")


class UnsupportedRegionError(InvalidInputError):
    """The region is not one where Customer Profiles runs.

    Attributes:
        suggestion: The closest supported region for a near miss, else None.
    """

    suggestion: str | None

    def __init__(self, value: object, rule: str, suggestion: str | None = None) -> None:
        self.suggestion = suggestion
        super().__init__("region", value, rule)


class AWSError(SlrkitError):
    """An AWS API call failed.

    Attributes:
        code: The AWS error code, e.g. ``"ResourceNotFoundException"``.
        message: The service's message.
        request_id: The request id to quote to AWS Support, if there was a response.
        operation: The API operation, e.g. ``"GetDomain"``.
        service: ``"customer-profiles"``, ``"iam"`` or ``"sts"``.
        retry_attempts: How many times botocore retried before giving up.
    """

    code: str
    message: str
    request_id: str | None
    operation: str
    service: str
    retry_attempts: int

    def __init__(
        self,
        message: str,
        *,
        code: str,
        operation: str,
        service: str,
        request_id: str | None = None,
        retry_attempts: int = 0,
    ) -> None:
        self.code = code
        self.message = message
        self.request_id = request_id
        self.operation = operation
        self.service = service
        self.retry_attempts = retry_attempts
        where = f" (request id {request_id})" if request_id else ""
        super().__init__(f"{operation} failed with {code}: {message}{where}")


class DomainNotFoundError(AWSError):
    """The Customer Profiles domain does not exist (or access to it was denied)."""


class AccessDeniedError(AWSError):
    """The credentials in use lack a permission; `slrkit policy` prints the ones needed."""


class ThrottledError(AWSError):
    """AWS kept throttling after botocore's and slrkit's retries were spent."""


class EndpointError(AWSError):
    """No usable answer came back: the connection failed or the read timed out."""


class LinkedRoleError(SlrkitError):
    """The service-linked role of a domain cannot be settled.

    Attributes:
        domain_name: The domain in question.
        candidates: The roles that might be its, if any.
    """

    domain_name: str
    candidates: tuple[str, ...]

    def __init__(self, domain_name: str, message: str, *, candidates: Sequence[str] = ()) -> None:
        self.domain_name = domain_name
        self.candidates = tuple(candidates)
        super().__init__(message)


class LinkedRoleNotFoundError(LinkedRoleError):
    """No role can be tied to the domain: none fits, or the domain is too young to tell."""


class UnreadableRegionsError(LinkedRoleError):
    """A region where another domain could own the role could not be read.

    Without it, no role can be proven to be the domain's. Give the kit the regions
    where the account has domains (``account_regions=``) if others are denied.

    Attributes:
        regions: The regions that could not be read, each with why.
    """

    regions: tuple[tuple[str, str], ...]

    def __init__(self, domain_name: str, regions: Sequence[tuple[str, str]]) -> None:
        self.regions = tuple(regions)
        where = "; ".join(f"{region}: {why}" for region, why in self.regions)
        super().__init__(
            domain_name,
            f"cannot tell which role belongs to domain {domain_name!r}: another domain "
            f"could own it in a region that could not be read ({where}); if the account "
            "has no domains there, say so with account_regions",
        )


class RefusedError(SlrkitError):
    """slrkit refused, for safety, to do what was asked. Nothing was written."""


class AmbiguousLinkedRoleError(LinkedRoleError, RefusedError):
    """The evidence cannot tell the domain's role: slrkit never guesses.

    Several roles fit, or a role that fits could also be another domain's.

    Attributes:
        candidates: The names of the roles that fit.
        rivals: The other domains (``region/name``) that could own one of them.
    """

    rivals: tuple[str, ...]

    def __init__(
        self, domain_name: str, candidates: Sequence[str], *, rivals: Sequence[str] = ()
    ) -> None:
        self.rivals = tuple(rivals)
        fits = ", ".join(candidates) or "no role"
        also = f", and {', '.join(self.rivals)} could own it too" if self.rivals else ""
        super().__init__(
            domain_name,
            f"cannot tell which role belongs to domain {domain_name!r}: {fits} "
            f"{'fits' if len(candidates) == 1 else 'fit'}{also}; tag the domain with "
            "slrkit:linked-role=<role name> to settle it",
            candidates=candidates,
        )


class UnknownRoleError(LinkedRoleError, RefusedError):
    """A deletion refused because the domain's role cannot be told.

    Nothing was written. Name the role (``role_name=``, ``--role``) or accept
    leaving it to Customer Profiles (``allow_unknown_role=True``,
    ``--allow-unknown-role``). The error that the evidence raised is the cause.
    """

    def __init__(self, domain_name: str, why: str, *, candidates: Sequence[str] = ()) -> None:
        super().__init__(
            domain_name,
            f"refusing to delete domain {domain_name!r}: its service-linked role cannot be "
            f"told ({why}); name the role, or accept leaving it to Customer Profiles",
            candidates=candidates,
        )


class ConfirmationMismatchError(RefusedError):
    """The ``confirm`` argument does not equal the domain's name."""

    domain_name: str
    confirm: object

    def __init__(self, domain_name: str, confirm: object) -> None:
        self.domain_name = domain_name
        self.confirm = confirm
        super().__init__(
            f"refusing to delete domain {domain_name!r}: confirm={confirm!r} "
            "must equal the domain name"
        )


class DomainNotEmptyError(RefusedError):
    """The domain holds profiles or objects and ``allow_data_loss`` was not set.

    Attributes:
        domain_name: The domain.
        profile_count: Profiles in the domain.
        object_count: Profile objects in the domain.
    """

    domain_name: str
    profile_count: int
    object_count: int

    def __init__(self, domain_name: str, *, profile_count: int, object_count: int) -> None:
        self.domain_name = domain_name
        self.profile_count = profile_count
        self.object_count = object_count
        super().__init__(
            f"refusing to delete domain {domain_name!r}: it holds {profile_count} profiles "
            f"and {object_count} objects; pass allow_data_loss=True to delete them too"
        )


class RoleInUseError(RefusedError):
    """IAM refused to delete the role because other resources use it; slrkit never forces.

    Attributes:
        role_name: The role.
        usages: What IAM said still uses it.
        reason: IAM's reason text.
    """

    role_name: str
    usages: tuple[RoleUsage, ...]
    reason: str

    def __init__(self, role_name: str, usages: Sequence[RoleUsage], reason: str = "") -> None:
        self.role_name = role_name
        self.usages = tuple(usages)
        self.reason = reason
        users = "; ".join(f"{u.region}: {', '.join(u.resources)}" for u in self.usages)
        super().__init__(
            f"role {role_name!r} is still in use ({users or reason or 'no details'}); "
            "remove those resources first, then run the deletion again"
        )


class UnsafeRoleError(RefusedError):
    """A role outside ``/aws-service-role/profile.amazonaws.com/AWSServiceRoleForProfile_*``."""

    role_name: str
    path: str

    def __init__(self, role_name: str, path: str) -> None:
        self.role_name = role_name
        self.path = path
        super().__init__(
            f"refusing to touch role {role_name!r} at path {path!r}: slrkit only deletes "
            "roles named AWSServiceRoleForProfile_* under /aws-service-role/profile.amazonaws.com/"
        )


class RetryDeadlineError(SlrkitError, TimeoutError):
    """The next wait would cross the operation's deadline, so it was not started.

    Attributes:
        waiting_for: What slrkit was waiting for, in words.
        elapsed: Seconds spent so far.
        deadline: The budget in seconds.
        last_state: The last state observed (e.g. a deletion task's status), if any.
    """

    waiting_for: str
    elapsed: float
    deadline: float
    last_state: str | None

    def __init__(
        self,
        waiting_for: str,
        *,
        elapsed: float,
        deadline: float,
        last_state: str | None = None,
    ) -> None:
        self.waiting_for = waiting_for
        self.elapsed = elapsed
        self.deadline = deadline
        self.last_state = last_state
        seen = f"; last seen: {last_state}" if last_state else ""
        super().__init__(
            f"gave up waiting for {waiting_for} after {elapsed:.1f}s "
            f"(deadline {deadline:.1f}s){seen}; run the operation again to resume"
        )
