"""slrkit: a typed, safe lifecycle for Amazon Connect Customer Profiles domains and their roles.

Every Customer Profiles domain gets its own IAM service-linked role,
``AWSServiceRoleForProfile_<unique-id>``, and AWS never says which role belongs to
which domain. `ProfilesKit` creates, inspects and safely deletes domains together
with their roles; `slrkit.testing` runs all of it offline.
"""

from __future__ import annotations

from slrkit._clock import Clock, SystemClock
from slrkit._fleet import (
    AuditError,
    AuditReport,
    CleanupItem,
    CleanupReport,
    DomainAudit,
    DomainSpec,
    Fleet,
    FleetItem,
    FleetResult,
    RoleAudit,
    RoleStatus,
)
from slrkit._kit import ProfilesKit
from slrkit._models import (
    Action,
    ApiCall,
    Blocker,
    DeletionPlan,
    DeletionReport,
    Domain,
    DomainStats,
    EnsureResult,
    Evidence,
    FieldChange,
    LinkedRole,
    RoleProblem,
    RoleUsage,
    Step,
    Wait,
)
from slrkit._ratelimit import RateLimits
from slrkit._regions import REGION_NAMES, SUPPORTED_REGIONS, validate_region
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
    UnsafeRoleError,
    UnsupportedRegionError,
)

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
    "ProfilesKit",
    "RateLimits",
    "RefusedError",
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
    "SystemClock",
    "ThrottledError",
    "UnsafeRoleError",
    "UnsupportedRegionError",
    "Wait",
    "validate_region",
]


def __getattr__(name: str) -> str:
    if name == "__version__":
        from importlib.metadata import version  # noqa: PLC0415 - only when asked

        return version("slrkit")
    raise AttributeError(f"module 'slrkit' has no attribute {name!r}")
