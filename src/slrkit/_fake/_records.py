"""The fake's state, as frozen values: domains, roles and role-deletion tasks.

State changes by replacing a record (`attrs.evolve`), never by mutating one, so a
record handed out (to a response, a test or the JSON file) never changes under
its reader.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import attrs

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Mapping

    from slrkit._fake._behaviour import Behaviour

__all__ = [
    "PROFILE_POLICY_ARN",
    "PROFILE_PRINCIPAL",
    "PROFILE_ROLE_PATH",
    "PROFILE_ROLE_PREFIX",
    "AttachedPolicy",
    "DeletionTask",
    "Domain",
    "DomainStats",
    "Role",
    "RoleUsage",
]

PROFILE_PRINCIPAL = "profile.amazonaws.com"
PROFILE_ROLE_PATH = f"/aws-service-role/{PROFILE_PRINCIPAL}/"
PROFILE_ROLE_PREFIX = "AWSServiceRoleForProfile_"
PROFILE_POLICY_ARN = (
    "arn:aws:iam::aws:policy/aws-service-role/CustomerProfilesServiceLinkedRolePolicy"
)


@attrs.frozen(kw_only=True)
class DomainStats:
    """What GetDomain reports under `Stats`."""

    profile_count: int = 0
    metering_profile_count: int = 0
    object_count: int = 0
    total_size: int = 0


@attrs.frozen(kw_only=True)
class Domain:
    """One Customer Profiles domain; `role_name` is the SLR the service made for it."""

    name: str
    region: str
    created_at: dt.datetime
    last_updated_at: dt.datetime
    expiration_days: int
    encryption_key: str | None = None
    dead_letter_queue_url: str | None = None
    matching: Mapping[str, object] | None = None
    rule_based_matching: Mapping[str, object] | None = None
    data_store: Mapping[str, object] | None = None
    tags: Mapping[str, str] = attrs.field(factory=dict[str, str])
    stats: DomainStats = DomainStats()
    role_name: str | None = None
    rule_based_matching_since: float | None = None
    rule_based_matching_queued: bool = False

    def rule_based_matching_status(self, now: float, behaviour: Behaviour) -> str | None:
        """The matching job's status at virtual monotonic time *now* (None: no configuration)."""
        started = self._matching_started(behaviour)
        if started is None:
            return None
        if now < started:
            return "PENDING"
        if now < started + behaviour.rule_based_matching_duration:
            return "IN_PROGRESS"
        return "ACTIVE"

    def rule_based_matching_unlocked_at(self, behaviour: Behaviour) -> float | None:
        """When the configuration may change again, once ACTIVE (None: no configuration)."""
        started = self._matching_started(behaviour)
        if started is None:
            return None
        return started + behaviour.rule_based_matching_duration + behaviour.rule_based_matching_lock

    def _matching_started(self, behaviour: Behaviour) -> float | None:
        """When the matching job starts (None: no configuration).

        At once for a new domain's configuration; after the PENDING wait for one
        *queued* on an existing domain (see `Behaviour`).
        """
        since = self.rule_based_matching_since
        if since is None:
            return None
        return since + (
            behaviour.rule_based_matching_pending if self.rule_based_matching_queued else 0.0
        )


@attrs.frozen(kw_only=True)
class AttachedPolicy:
    """A managed policy attached to a role."""

    name: str
    arn: str

    @property
    def path(self) -> str:
        """The policy's path, from its ARN (`arn:aws:iam::aws:policy/<path><name>`)."""
        resource = self.arn.split(":", 5)[5]
        return resource[len("policy") : -len(self.name)]


@attrs.frozen(kw_only=True)
class Role:
    """An IAM role; `visible_at` (virtual monotonic seconds) models IAM propagation."""

    name: str
    path: str
    role_id: str
    create_date: dt.datetime
    trust_policy: str
    visible_at: float = 0.0
    description: str | None = None
    max_session_duration: int = 3600
    tags: Mapping[str, str] = attrs.field(factory=dict[str, str])
    policies: tuple[AttachedPolicy, ...] = ()
    last_used_date: dt.datetime | None = None
    last_used_region: str | None = None

    @property
    def service_linked(self) -> bool:
        """Whether AWS owns the role (it sits under `/aws-service-role/`)."""
        return self.path.startswith("/aws-service-role/")

    def arn(self, account_id: str, partition: str) -> str:
        """The role's ARN in *account_id* of *partition*."""
        return f"arn:{partition}:iam::{account_id}:role{self.path}{self.name}"


@attrs.frozen(kw_only=True)
class RoleUsage:
    """Resources in one region that keep a service-linked role in use."""

    region: str
    resources: tuple[str, ...]


@attrs.frozen(kw_only=True)
class DeletionTask:
    """A DeleteServiceLinkedRole task; `outcome` stays None until the task has finished."""

    task_id: str
    role_name: str
    started_at: float
    finishes_at: float
    outcome: str | None = None
    usage: tuple[RoleUsage, ...] = ()

    def purged(self, now: float, behaviour: Behaviour) -> bool:
        """Whether IAM has forgotten the task by *now* (see `Behaviour.task_retention`)."""
        if self.outcome is None:
            return False
        retention = (
            behaviour.task_retention
            if self.outcome == "SUCCEEDED"
            else behaviour.failed_task_retention
        )
        return retention is not None and now >= self.finishes_at + retention

    def status(self, now: float) -> str:
        """The task's status at virtual monotonic time *now*."""
        if self.outcome is not None:
            return self.outcome
        # The first fifth of the run is spent queued, as IAM reports NOT_STARTED briefly.
        if now < self.started_at + (self.finishes_at - self.started_at) / 5:
            return "NOT_STARTED"
        return "IN_PROGRESS"
