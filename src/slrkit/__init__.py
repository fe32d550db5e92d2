"""slrkit: a typed, safe lifecycle for Amazon Connect Customer Profiles domains and their roles.

Every Customer Profiles domain gets its own IAM service-linked role,
``AWSServiceRoleForProfile_<unique-id>``, and AWS never says which role belongs to
which domain. `ProfilesKit` creates, inspects and safely deletes domains together
with their roles; `slrkit.testing` runs all of it offline.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Final

from slrkit._clock import Clock, SystemClock
from slrkit._regions import REGION_NAMES, SUPPORTED_REGIONS, validate_region
from slrkit.exceptions import (
    AccessDeniedError,
    AmbiguousLinkedRoleError,
    AWSError,
    ConfirmationMismatchError,
    DomainNotEmptyError,
    DomainNotFoundError,
    EndpointError,
    InvalidInputError,
    LinkedRoleError,
    LinkedRoleNotFoundError,
    RefusedError,
    RetryDeadlineError,
    RoleInUseError,
    SlrkitError,
    ThrottledError,
    UnknownRoleError,
    UnreadableRegionsError,
    UnsafeRoleError,
    UnsupportedRegionError,
)

if TYPE_CHECKING:
    from slrkit._audit import (
        AuditError,
        AuditReport,
        CleanupAction,
        CleanupItem,
        CleanupReport,
        DomainAudit,
        RoleAudit,
        RoleStatus,
    )
    from slrkit._fleet import DomainSpec, Fleet, FleetItem, FleetResult
    from slrkit._kit import ProfilesKit
    from slrkit._models import (
        Action,
        ApiCall,
        Blocker,
        BlockerCode,
        DeletionPlan,
        DeletionReport,
        Domain,
        DomainStats,
        EnsureResult,
        Evidence,
        FieldChange,
        LinkedRole,
        ProblemCode,
        RemovedBy,
        RoleProblem,
        RoleUsage,
        Step,
        StepOutcome,
        Wait,
    )
    from slrkit._ratelimit import RateLimiter, RateLimits
    from slrkit._retry import RetryPolicy
    from slrkit._settings import (
        AttributeTypesSelector,
        AutoMerging,
        ConflictResolution,
        Consolidation,
        DataStore,
        ExportingConfig,
        JobSchedule,
        Matching,
        MatchingRule,
        RuleBasedMatching,
    )

    __version__: str

# The values (built on attrs), the kit, the fleet and the audit load on first use: the
# kit and the fleet import boto3, about 150 ms, and attrs builds each class as its module
# loads. So `import slrkit`, the pytest plugin and `slrkit regions` stay cheap, and
# `from slrkit import ProfilesKit` costs little more than boto3 (BENCHMARKS.md, figure 4).
_LAZY: Final = {
    name: module
    for module, names in {
        "slrkit._models": (
            "Action",
            "ApiCall",
            "Blocker",
            "BlockerCode",
            "DeletionPlan",
            "DeletionReport",
            "Domain",
            "DomainStats",
            "EnsureResult",
            "Evidence",
            "FieldChange",
            "LinkedRole",
            "ProblemCode",
            "RemovedBy",
            "RoleProblem",
            "RoleUsage",
            "Step",
            "StepOutcome",
            "Wait",
        ),
        "slrkit._ratelimit": ("RateLimiter", "RateLimits"),
        "slrkit._retry": ("RetryPolicy",),
        "slrkit._settings": (
            "AttributeTypesSelector",
            "AutoMerging",
            "ConflictResolution",
            "Consolidation",
            "DataStore",
            "ExportingConfig",
            "JobSchedule",
            "Matching",
            "MatchingRule",
            "RuleBasedMatching",
        ),
        "slrkit._kit": ("ProfilesKit",),
        "slrkit._fleet": ("DomainSpec", "Fleet", "FleetItem", "FleetResult"),
        "slrkit._audit": (
            "AuditError",
            "AuditReport",
            "CleanupAction",
            "CleanupItem",
            "CleanupReport",
            "DomainAudit",
            "RoleAudit",
            "RoleStatus",
        ),
    }.items()
    for name in names
}

__all__ = [
    "REGION_NAMES",
    "SUPPORTED_REGIONS",
    "AWSError",
    "AccessDeniedError",
    "Action",
    "AmbiguousLinkedRoleError",
    "ApiCall",
    "AttributeTypesSelector",
    "AuditError",
    "AuditReport",
    "AutoMerging",
    "Blocker",
    "BlockerCode",
    "CleanupAction",
    "CleanupItem",
    "CleanupReport",
    "Clock",
    "ConfirmationMismatchError",
    "ConflictResolution",
    "Consolidation",
    "DataStore",
    "DeletionPlan",
    "DeletionReport",
    "Domain",
    "DomainAudit",
    "DomainNotEmptyError",
    "DomainNotFoundError",
    "DomainSpec",
    "DomainStats",
    "EndpointError",
    "EnsureResult",
    "Evidence",
    "ExportingConfig",
    "FieldChange",
    "Fleet",
    "FleetItem",
    "FleetResult",
    "InvalidInputError",
    "JobSchedule",
    "LinkedRole",
    "LinkedRoleError",
    "LinkedRoleNotFoundError",
    "Matching",
    "MatchingRule",
    "ProblemCode",
    "ProfilesKit",
    "RateLimiter",
    "RateLimits",
    "RefusedError",
    "RemovedBy",
    "RetryDeadlineError",
    "RetryPolicy",
    "RoleAudit",
    "RoleInUseError",
    "RoleProblem",
    "RoleStatus",
    "RoleUsage",
    "RuleBasedMatching",
    "SlrkitError",
    "Step",
    "StepOutcome",
    "SystemClock",
    "ThrottledError",
    "UnknownRoleError",
    "UnreadableRegionsError",
    "UnsafeRoleError",
    "UnsupportedRegionError",
    "Wait",
    "validate_region",
]


if not TYPE_CHECKING:  # type checkers see the imports above, and no catch-all

    def __getattr__(name: str) -> object:
        if name == "__version__":
            from slrkit._metadata import installed_version  # noqa: PLC0415 - only when asked

            return installed_version()
        module = _LAZY.get(name)
        if module is None:
            raise AttributeError(f"module 'slrkit' has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        globals()[name] = value
        return value


def __dir__() -> list[str]:
    return sorted([*__all__, "__version__"])
