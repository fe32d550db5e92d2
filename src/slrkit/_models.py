"""The values slrkit returns: frozen, typed, and built from API responses in one place.

No boto3 dict leaves the package: every response is turned into one of these
classes by its ``_from_api`` classmethod.
"""

from __future__ import annotations

import enum
import functools
import json
from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Final, Literal, cast
from urllib.parse import unquote

import attrs

from slrkit._settings import DataStore, Matching, RuleBasedMatching
from slrkit._validate import LINKED_ROLE_TAG, ROLE_NAME_PREFIX, ROLE_PATH

if TYPE_CHECKING:
    import datetime as dt

    from mypy_boto3_iam.type_defs import RoleTypeDef

__all__ = [
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
    "domain_arn",
]

SERVICE_PRINCIPAL = "profile.amazonaws.com"
MANAGED_POLICY_ARN = (
    "arn:aws:iam::aws:policy/aws-service-role/CustomerProfilesServiceLinkedRolePolicy"
)


def _frozen_tags(value: Mapping[str, str] | None) -> Mapping[str, str]:
    return MappingProxyType(dict(value or {}))


def _no_tags() -> Mapping[str, str]:
    return MappingProxyType({})


def domain_arn(*, partition: str, region: str, account_id: str, name: str) -> str:
    """The ARN of a domain; no domain operation returns it, so it is built.

    Terraform builds it the same way: ``arn:{partition}:profile:{region}:{account}:domains/{name}``.
    """
    return f"arn:{partition}:profile:{region}:{account_id}:domains/{name}"


@attrs.frozen(kw_only=True)
class DomainStats:
    """How much a domain holds (``Stats`` in GetDomain)."""

    profile_count: int = 0
    metering_profile_count: int = 0
    object_count: int = 0
    total_size: int = 0

    @property
    def is_empty(self) -> bool:
        """True when the domain holds no profiles and no objects."""
        return self.profile_count == 0 and self.object_count == 0

    @classmethod
    def _from_api(cls, data: Mapping[str, Any]) -> DomainStats:
        return _stats(
            data.get("ProfileCount", 0),
            data.get("MeteringProfileCount", 0),
            data.get("ObjectCount", 0),
            data.get("TotalSize", 0),
        )


# A domain's stats read the same from one read to the next, and the value is frozen:
# one object serves every equal read (of equal types: 1 and 1.0 are converted apart),
# and `ensure_domain` on a matching domain (one GetDomain) builds one value fewer.
@functools.lru_cache(maxsize=256, typed=True)
def _stats(profiles: int, metering: int, objects: int, size: int) -> DomainStats:
    return DomainStats(
        profile_count=int(profiles),
        metering_profile_count=int(metering),
        object_count=int(objects),
        total_size=int(size),
    )


@attrs.frozen(kw_only=True)
class Domain:
    """A Customer Profiles domain as the service reports it.

    ``stats`` is None when the response carried none (CreateDomain and UpdateDomain
    return no stats; GetDomain does).
    """

    name: str
    arn: str
    region: str
    default_expiration_days: int | None
    default_encryption_key: str | None = None
    dead_letter_queue_url: str | None = None
    matching: Matching | None = None
    rule_based_matching: RuleBasedMatching | None = None
    data_store: DataStore | None = None
    tags: Mapping[str, str] = attrs.field(factory=_no_tags, converter=_frozen_tags)
    created_at: dt.datetime
    last_updated_at: dt.datetime
    stats: DomainStats | None = None

    @property
    def linked_role_name(self) -> str | None:
        """The role recorded in the ``slrkit:linked-role`` tag, if any."""
        return self.tags.get(LINKED_ROLE_TAG)

    @classmethod
    def _from_api(
        cls, data: Mapping[str, Any], *, region: str, account_id: str, partition: str = "aws"
    ) -> Domain:
        name = str(data["DomainName"])
        return cls(
            name=name,
            arn=domain_arn(partition=partition, region=region, account_id=account_id, name=name),
            region=region,
            default_expiration_days=data.get("DefaultExpirationDays"),
            default_encryption_key=data.get("DefaultEncryptionKey") or None,
            dead_letter_queue_url=data.get("DeadLetterQueueUrl") or None,
            matching=Matching._from_api(data["Matching"]) if data.get("Matching") else None,
            rule_based_matching=(
                RuleBasedMatching._from_api(data["RuleBasedMatching"])
                if data.get("RuleBasedMatching")
                else None
            ),
            data_store=DataStore._from_api(data["DataStore"]) if data.get("DataStore") else None,
            tags=data.get("Tags") or {},
            created_at=data["CreatedAt"],
            last_updated_at=data["LastUpdatedAt"],
            stats=DomainStats._from_api(data["Stats"]) if "Stats" in data else None,
        )


class Evidence(str, enum.Enum):
    """Why slrkit believes a role belongs to a domain; AWS itself never says.

    `description` says what each value means, in words; `slrkit._evidence` holds
    the rules behind them.
    """

    TAG = "tag"
    OBSERVED_AT_CREATION = "observed-at-creation"
    CREATION_TIME = "creation-time"
    CREATION_TIME_AND_LAST_USE = "creation-time-and-last-use"
    NAMED = "named"
    PLAN = "plan"

    def __str__(self) -> str:
        return self.value

    @property
    def description(self) -> str:
        """What this evidence means, in a sentence for people."""
        return _EVIDENCE_WORDS[self]


_EVIDENCE_WORDS: Final = MappingProxyType(
    {
        Evidence.TAG: "the domain's slrkit:linked-role tag names it, the role exists, "
        "and no other domain claims it",
        Evidence.OBSERVED_AT_CREATION: "slrkit created the domain and saw this role appear, "
        "and no other domain could have made it",
        Evidence.CREATION_TIME: "the only role that could be the domain's once every other "
        "domain's role is accounted for, by creation time",
        Evidence.CREATION_TIME_AND_LAST_USE: "as creation-time, and last used in the "
        "domain's region",
        Evidence.NAMED: "named by the caller, and no other domain's evidence contradicts it",
        Evidence.PLAN: "named by an earlier plan or report, because the domain is gone",
    }
)


ProblemCode = Literal["path", "name", "trust", "policy"]
"""What is wrong with a linked role: its path, its name, its trust policy's principals,
or its managed policy (`RoleProblem.code`)."""


@attrs.frozen(kw_only=True)
class RoleProblem:
    """Something wrong with a linked role: ``code`` is stable, ``message`` is for people."""

    code: ProblemCode
    message: str


@attrs.frozen(kw_only=True)
class RoleUsage:
    """One entry of IAM's RoleUsageList: resources in a region that still use a role."""

    region: str
    resources: tuple[str, ...]

    @classmethod
    def _from_api(cls, data: Mapping[str, Any]) -> RoleUsage:
        return cls(region=str(data.get("Region", "")), resources=tuple(data.get("Resources", ())))


def _as_list(value: object) -> list[object]:
    if isinstance(value, list):
        return cast("list[object]", value)
    return [] if value is None else [value]


def _policy_principals(document: object) -> tuple[str, ...]:
    """The service principals a trust policy names (botocore hands it over decoded)."""
    if isinstance(document, str):
        document = json.loads(unquote(document))
    if not isinstance(document, Mapping):
        return ()
    found: set[str] = set()
    for statement in _as_list(cast("Mapping[str, object]", document).get("Statement")):
        if not isinstance(statement, Mapping):
            continue
        principal = cast("Mapping[str, object]", statement).get("Principal")
        if isinstance(principal, Mapping):
            services = cast("Mapping[str, object]", principal).get("Service")
            found.update(str(s) for s in _as_list(services))
    return tuple(sorted(found))


@attrs.frozen(kw_only=True)
class LinkedRole:
    """A Customer Profiles service-linked role, with the evidence that ties it to a domain.

    ``evidence`` is None for a role read on its own (an audit of all roles);
    ``problems`` lists what is wrong with it: an unexpected trust principal, the
    managed policy missing, or a wrong path or name.
    """

    name: str
    arn: str
    path: str
    role_id: str
    created_at: dt.datetime
    last_used_at: dt.datetime | None = None
    last_used_region: str | None = None
    trust_principals: tuple[str, ...] = ()
    managed_policies: tuple[str, ...] = ()
    description: str | None = None
    evidence: Evidence | None = None
    problems: tuple[RoleProblem, ...] = ()

    @property
    def is_healthy(self) -> bool:
        """True when no problem was found."""
        return not self.problems

    @classmethod
    def _from_api(
        cls,
        role: RoleTypeDef | Mapping[str, Any],
        managed_policies: Sequence[str] = (),
        evidence: Evidence | None = None,
    ) -> LinkedRole:
        last = role.get("RoleLastUsed") or {}
        name, path = role["RoleName"], role["Path"]
        trust = _policy_principals(role.get("AssumeRolePolicyDocument"))
        policies = tuple(sorted(managed_policies))
        return cls(
            name=name,
            arn=role["Arn"],
            path=path,
            role_id=role["RoleId"],
            created_at=role["CreateDate"],
            last_used_at=last.get("LastUsedDate"),
            last_used_region=last.get("Region"),
            trust_principals=trust,
            managed_policies=policies,
            description=role.get("Description"),
            evidence=evidence,
            problems=_role_problems(name=name, path=path, trust=trust, policies=policies),
        )


def _role_problems(
    *, name: str, path: str, trust: tuple[str, ...], policies: tuple[str, ...]
) -> tuple[RoleProblem, ...]:
    """What is wrong with a role of this name, path, trust and attached policies."""
    problems: list[RoleProblem] = []
    if path != ROLE_PATH:
        problems.append(
            RoleProblem(code="path", message=f"path is {path!r}, expected {ROLE_PATH!r}")
        )
    if not name.startswith(ROLE_NAME_PREFIX):
        problems.append(
            RoleProblem(code="name", message=f"name does not start with {ROLE_NAME_PREFIX}")
        )
    if trust != (SERVICE_PRINCIPAL,):
        got = ", ".join(trust) or "nobody"
        problems.append(
            RoleProblem(code="trust", message=f"trusts {got}, expected only {SERVICE_PRINCIPAL}")
        )
    if MANAGED_POLICY_ARN not in policies:
        problems.append(
            RoleProblem(
                code="policy",
                message="CustomerProfilesServiceLinkedRolePolicy is not attached",
            )
        )
    return tuple(problems)


class Action(str, enum.Enum):
    """What `ProfilesKit.ensure_domain` did, or would do on a dry run."""

    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"

    def __str__(self) -> str:
        return self.value


@attrs.frozen(kw_only=True)
class FieldChange:
    """One setting that differs: ``old`` is None for a field being set for the first time."""

    field: str
    old: object
    new: object


@attrs.frozen(kw_only=True)
class EnsureResult:
    """The outcome of `ProfilesKit.ensure_domain`.

    On a dry run ``domain`` is the domain as it is now (None if it does not exist
    yet) and nothing was written. When a domain was created but its role could not
    be proven and recorded, ``linked_role`` is None and ``link_problem`` says why
    (another domain created close to it could own the role, say); the evidence
    may settle later (`ProfilesKit.describe_linked_role`).
    """

    action: Action
    domain: Domain | None
    changes: tuple[FieldChange, ...]
    linked_role: LinkedRole | None = None
    link_problem: str | None = None
    dry_run: bool = False

    @property
    def changed(self) -> bool:
        """True when the domain was (or, on a dry run, would be) written."""
        return self.action is not Action.UNCHANGED


BlockerCode = Literal["data", "ambiguous-role", "unknown-role", "unsafe-role"]
"""Why a deletion would refuse (`Blocker.code`): the domain holds data; several roles fit;
the role cannot be told at all; or it lies outside the Customer Profiles SLR path."""


@attrs.frozen(kw_only=True)
class Blocker:
    """A reason `ProfilesKit.safe_delete_domain` would refuse.

    ``code`` is a `BlockerCode`; ``roles`` names the roles involved, if any.
    """

    code: BlockerCode
    message: str
    roles: tuple[str, ...] = ()


@attrs.frozen(kw_only=True)
class DeletionPlan:
    """What `ProfilesKit.safe_delete_domain` would do, computed with no writes.

    ``domain`` is None when the domain is already gone; ``role`` is None when no
    role could be tied to it (see ``blockers``).
    """

    domain_name: str
    region: str
    domain: Domain | None
    role: LinkedRole | None
    blockers: tuple[Blocker, ...]
    steps: tuple[str, ...]

    @property
    def safe(self) -> bool:
        """True when nothing blocks the deletion."""
        return not self.blockers


@attrs.frozen(kw_only=True)
class ApiCall:
    """One API call slrkit made; ``retries`` counts botocore's own attempts."""

    service: str
    operation: str
    error_code: str | None = None
    retries: int = 0

    @property
    def ok(self) -> bool:
        """True when the call succeeded."""
        return self.error_code is None


@attrs.frozen(kw_only=True)
class Wait:
    """One wait between attempts: what for, and for how long (seconds)."""

    reason: str
    seconds: float


StepOutcome = Literal["done", "skipped", "already-done"]
"""How a step of a deletion ended (`Step.outcome`)."""

RemovedBy = Literal["service", "slrkit", "already-gone"]
"""Who removed a deleted domain's role (`DeletionReport.role_removed_by`): Customer
Profiles, slrkit's DeleteServiceLinkedRole fallback, or nobody, as it was gone already."""


@attrs.frozen(kw_only=True)
class Step:
    """One step of a deletion and how it ended (a `StepOutcome`)."""

    name: str
    outcome: StepOutcome
    detail: str = ""


@attrs.frozen(kw_only=True)
class DeletionReport:
    """Everything `ProfilesKit.safe_delete_domain` did.

    ``role_removed_by`` (a `RemovedBy`) is None when the role's removal was not
    awaited (``wait=False``) or the role could not be told (``allow_unknown_role``);
    ``role_name`` is then the role that may remain, or None.
    """

    domain_name: str
    region: str
    role_name: str | None
    domain_deleted: bool
    role_removed_by: RemovedBy | None
    steps: tuple[Step, ...]
    calls: tuple[ApiCall, ...]
    waits: tuple[Wait, ...]
    elapsed: float
