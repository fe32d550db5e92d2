"""AWS verbs bound to one operation: what the kit, the fleet and their rooms ask of AWS.

An `Account` is what the sites of one account share: its id (looked up once),
the regions where it may have domains, and what this process created there. A
`Site` is where operations run: one region of an account, with its clients,
retry policy, clock and pacing, and the gate its creations pass one at a time.
Both are shared between threads. Each operation asks its site for fresh
`Verbs`, which keep that operation's calls and waits (for its report) and its
deadline; `Verbs` are not shared between threads. Every verb goes through
`slrkit._aws.Calls`, the one door to AWS, and returns slrkit's typed values
where one exists.
"""

from __future__ import annotations

import collections
import contextlib
import threading
from typing import TYPE_CHECKING, Final, cast

import attrs

from slrkit._aws import Calls
from slrkit._models import Domain, LinkedRole, RoleUsage
from slrkit._validate import ROLE_PATH, is_profile_role
from slrkit.exceptions import (
    AccessDeniedError,
    AWSError,
    DomainNotFoundError,
    UnreadableRegionsError,
)

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Callable, Generator, Mapping, Sequence

    from mypy_boto3_customer_profiles.client import CustomerProfilesClient
    from mypy_boto3_iam.type_defs import RoleTypeDef
    from mypy_boto3_sts.client import STSClient

    from slrkit._clients import Clients
    from slrkit._clock import Clock
    from slrkit._models import Evidence
    from slrkit._ratelimit import RateLimiter
    from slrkit._retry import Deadline, RetryPolicy

__all__ = [
    "NO_SUCH_ENTITY",
    "Account",
    "AccountId",
    "CreationGate",
    "Creations",
    "DeletionStatus",
    "Site",
    "Verbs",
]

NO_SUCH_ENTITY = "NoSuchEntity"
"""IAM's error code for a role or deletion task that does not exist."""


class AccountId:
    """The account id of a site's clients, looked up once; safe to share between threads.

    Args:
        known: The id, when the caller gave it; then nothing is looked up.
        sts: The STS client to ask otherwise, with the same credentials as the
            other clients: the account is never learnt from anyone else's.

    Raises:
        ValueError: Neither is given.
    """

    def __init__(self, known: str | None, *, sts: STSClient | None) -> None:
        if known is None and sts is None:
            raise ValueError("an account id needs the id itself or an STS client to ask")
        self._value = known
        self._sts = sts
        self._lock = threading.Lock()

    def get(self, calls: Calls) -> str:
        """The account id, asking STS GetCallerIdentity the first time.

        Raises:
            AWSError: The call failed.
        """
        # Once set, the value never changes: reading it needs no lock. The lock guards
        # setting it only: a call made under it could wait on the retry policy while
        # every other thread of the site waits on the lock.
        known = self._value
        if known is not None:
            return known
        sts = cast("STSClient", self._sts)
        account = calls.call("GetCallerIdentity", sts.get_caller_identity)["Account"]
        with self._lock:
            if self._value is None:
                self._value = account
            return self._value


# An account whose opt-in region is not enabled answers there as if the credentials
# were unknown: such a region holds no domain.
_REGION_NOT_ENABLED: Final = frozenset({"UnrecognizedClientException", "InvalidClientTokenId"})


@attrs.frozen(kw_only=True)
class _Created:
    created_at: dt.datetime
    role: str | None


class Creations:
    """The domains this process created in one account, and the roles it saw appear.

    They count as evidence (`slrkit._evidence`) even before their tags can be read
    back, and after a tag write failed. Safe to share between threads.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._seen: dict[tuple[str, str], _Created] = {}

    def record(self, domain: Domain, role: str | None) -> None:
        """Remember that this process created *domain*, and the role it saw appear (if any)."""
        with self._lock:
            self._seen[(domain.region, domain.name)] = _Created(
                created_at=domain.created_at, role=role
            )

    def forget(self, domain: Domain) -> None:
        """This process deleted *domain*: it no longer counts as one of its creations."""
        with self._lock:
            seen = self._seen.get((domain.region, domain.name))
            if seen is not None and seen.created_at == domain.created_at:
                del self._seen[(domain.region, domain.name)]

    def snapshot(self) -> Creations:
        """What this process has seen so far, in a copy that later records and deletions leave."""
        copy = Creations()
        with self._lock:
            copy._seen = dict(self._seen)
        return copy

    def observed(self, domain: Domain) -> str | None:
        """The role seen appear for this very domain (same name, region and creation time)."""
        with self._lock:
            seen = self._seen.get((domain.region, domain.name))
        return seen.role if seen is not None and seen.created_at == domain.created_at else None

    def since(self, moment: dt.datetime) -> list[tuple[str, str, dt.datetime, str | None]]:
        """(region, name, created_at, role) of each domain created at *moment* or later."""
        with self._lock:
            return [
                (region, name, seen.created_at, seen.role)
                for (region, name), seen in self._seen.items()
                if seen.created_at >= moment
            ]


class CreationGate:
    """The creations of one site, one at a time and in arrival order; safe between threads.

    Roles of domains created at the same moment cannot be told apart, so a site
    creates a domain only once the previous one's role has been seen. Waiting for
    the gate is waiting on this process's own work, each part of which has its
    own deadline; it is therefore not part of any operation's deadline.
    """

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._busy = False
        self._queue: collections.deque[object] = collections.deque()

    @contextlib.contextmanager
    def turn(self) -> Generator[None, None, None]:
        """Wait for this caller's turn, hold it for the block, then pass it on."""
        ticket = object()
        with self._changed:
            self._queue.append(ticket)
            try:
                self._changed.wait_for(lambda: not self._busy and self._queue[0] is ticket)
            except BaseException:
                self._queue.remove(ticket)
                self._changed.notify_all()
                raise
            self._queue.popleft()
            self._busy = True
        try:
            yield
        finally:
            with self._changed:
                self._busy = False
                self._changed.notify_all()


@attrs.frozen(kw_only=True)
class Account:
    """What the sites of one account share.

    Attributes:
        id: The account id, looked up once.
        regions: The regions where the account may have domains; the evidence
            reads them when a role could belong to a domain of another region.
        site_for: The site of a region of this account, or None when this account
            cannot be read there (a kit built from clients has no session).
        creations: What this process created in the account.
    """

    id: AccountId
    regions: tuple[str, ...]
    site_for: Callable[[str], Site | None]
    creations: Creations = attrs.field(factory=Creations)


@attrs.frozen(kw_only=True)
class Site:
    """Where operations run: one region of an account, its clients, and how they wait."""

    region: str
    clients: Clients
    account: Account
    retry: RetryPolicy
    clock: Clock
    rand: Callable[[], float]
    limiter: RateLimiter | None = None
    gate: CreationGate = attrs.field(factory=CreationGate)

    def verbs(self, *, budget: float | None = None) -> Verbs:
        """Fresh verbs for one operation, with its own deadline (*budget*, else the policy's)."""
        calls = Calls(
            self.retry,
            self.clock,
            self.rand,
            budget=budget,
            limiter=self.limiter,
            region=self.region,
        )
        return Verbs(self, calls)

    def elsewhere(self, region: str, profiles: CustomerProfilesClient) -> Site:
        """This account's site in *region*, reached through *profiles*, with its own gate."""
        return attrs.evolve(
            self,
            region=region,
            clients=attrs.evolve(self.clients, profiles=profiles),
            gate=CreationGate(),
        )


@attrs.frozen(kw_only=True)
class DeletionStatus:
    """Where an IAM role-deletion task stands; ``usages`` says who uses the role on FAILED."""

    state: str
    reason: str = ""
    usages: tuple[RoleUsage, ...] = ()


class Verbs:
    """The AWS calls of one operation, as typed verbs; not shared between threads."""

    def __init__(self, site: Site, calls: Calls) -> None:
        self.site = site
        self.calls = calls

    @property
    def region(self) -> str:
        """The region of the site's Customer Profiles client."""
        return self.site.region

    @property
    def deadline(self) -> Deadline:
        """The operation's deadline, which every wait draws on."""
        return self.calls.deadline

    def account_id(self) -> str:
        """The account id (one STS call, once per account)."""
        return self.site.account.id.get(self.calls)

    # -- Customer Profiles --------------------------------------------------------------------

    def get_domain(self, name: str) -> Domain:
        """GetDomain, with stats.

        Raises:
            DomainNotFoundError: No such domain.
        """
        profiles = self.site.clients.profiles
        response = self.calls.call("GetDomain", profiles.get_domain, DomainName=name)
        return Domain._from_api(response, region=self.region, account_id=self.account_id())

    def find_domain(self, name: str) -> Domain | None:
        """GetDomain, or None when the domain does not exist."""
        try:
            return self.get_domain(name)
        except DomainNotFoundError:
            return None

    def list_domains(self) -> list[Domain]:
        """Every domain of the region (without stats: ListDomains returns none)."""
        domains: list[Domain] = []
        token: str | None = None
        account = self.account_id()
        list_domains = self.site.clients.profiles.list_domains
        while True:
            page = (
                self.calls.call("ListDomains", list_domains, MaxResults=100, NextToken=token)
                if token
                else self.calls.call("ListDomains", list_domains, MaxResults=100)
            )
            domains.extend(
                Domain._from_api(item, region=self.region, account_id=account)
                for item in page.get("Items", [])
            )
            token = page.get("NextToken")
            if not token:
                return domains

    def domains_everywhere(self) -> dict[str, list[Domain]]:
        """Every domain of every region where the account may have domains, by region.

        Raises:
            UnreadableRegionsError: As `domains_in`.
        """
        return self.domains_in(self.site.account.regions)

    def domains_in(self, regions: Sequence[str]) -> dict[str, list[Domain]]:
        """Every domain of *regions*, by region.

        A region where the account is not enabled (an opt-in region) holds none.

        Raises:
            UnreadableRegionsError: A region is denied, or there is no session to reach
                it with; ``domain_name`` is empty.
            AWSError: A read failed for another reason (throttling, say).
        """
        found: dict[str, list[Domain]] = {}
        unread: list[tuple[str, str]] = []
        for region in regions:
            site = self.site if region == self.region else self.site.account.site_for(region)
            if site is None:
                unread.append((region, "the kit has no session to reach it"))
                continue
            try:
                found[region] = Verbs(site, self.calls.in_region(region)).list_domains()
            except AccessDeniedError as exc:
                # Denied elsewhere (by an SCP, say) is for good: the region cannot be read.
                # Denied in the site's own region is a missing permission, said as such;
                # throttling and the like propagate too: running again may well succeed.
                if region == self.region:
                    raise
                unread.append((region, f"{exc.code}: {exc.message}"))
            except AWSError as exc:
                if exc.code not in _REGION_NOT_ENABLED:
                    raise
                found[region] = []
        if unread:
            raise UnreadableRegionsError("", unread)
        return found

    def create_domain(self, request: Mapping[str, object]) -> Domain:
        """CreateDomain with the request's members (``DomainName`` included).

        Raises:
            AWSError: The call failed; a domain that exists already is a
                ``BadRequestException`` whose message says so.
        """
        profiles = self.site.clients.profiles
        create = cast("Callable[..., Mapping[str, object]]", profiles.create_domain)
        response = self.calls.call("CreateDomain", create, **request)
        return Domain._from_api(response, region=self.region, account_id=self.account_id())

    def update_domain(self, name: str, request: Mapping[str, object]) -> Domain:
        """UpdateDomain with the request's members; the result has no stats and no tags."""
        update = cast(
            "Callable[..., Mapping[str, object]]", self.site.clients.profiles.update_domain
        )
        response = self.calls.call("UpdateDomain", update, DomainName=name, **request)
        return Domain._from_api(response, region=self.region, account_id=self.account_id())

    def tag_domain(self, domain: Domain, tags: Mapping[str, str]) -> None:
        """TagResource on the domain's ARN: add or overwrite *tags*."""
        self.calls.call(
            "TagResource",
            self.site.clients.profiles.tag_resource,
            resourceArn=domain.arn,
            tags=dict(tags),
        )

    def untag_domain(self, domain: Domain, keys: Sequence[str]) -> None:
        """UntagResource on the domain's ARN: remove the tag *keys*."""
        self.calls.call(
            "UntagResource",
            self.site.clients.profiles.untag_resource,
            resourceArn=domain.arn,
            tagKeys=list(keys),
        )

    def delete_domain(self, name: str) -> bool:
        """DeleteDomain; False when the domain was already gone."""
        profiles = self.site.clients.profiles
        try:
            self.calls.call("DeleteDomain", profiles.delete_domain, DomainName=name)
        except DomainNotFoundError:
            return False
        return True

    # -- IAM ----------------------------------------------------------------------------------

    def get_role(self, name: str) -> RoleTypeDef | None:
        """GetRole, or None when IAM does not know the role (yet, or any more)."""
        try:
            return self.calls.call("GetRole", self.site.clients.iam.get_role, RoleName=name)["Role"]
        except AWSError as exc:
            if exc.code == NO_SUCH_ENTITY:
                return None
            raise

    def list_roles(self) -> dict[str, RoleTypeDef]:
        """Every Customer Profiles SLR in the account, by name, in IAM's order."""
        found: dict[str, RoleTypeDef] = {}
        marker: str | None = None
        list_roles = self.site.clients.iam.list_roles
        while True:
            # IAM's largest page: a call per thousand roles rather than per hundred.
            page = (
                self.calls.call(
                    "ListRoles", list_roles, PathPrefix=ROLE_PATH, MaxItems=1000, Marker=marker
                )
                if marker
                else self.calls.call("ListRoles", list_roles, PathPrefix=ROLE_PATH, MaxItems=1000)
            )
            found.update(
                (r["RoleName"], r)
                for r in page["Roles"]
                if is_profile_role(r["RoleName"], r["Path"])
            )
            marker = page.get("Marker")
            if not page.get("IsTruncated") or not marker:
                return found

    def linked(self, data: RoleTypeDef, evidence: Evidence | None = None) -> LinkedRole:
        """The role with its attached managed policies, which no role read includes.

        *evidence*, when given, is why it is a domain's role (`slrkit._evidence`).
        """
        policies = self.calls.call(
            "ListAttachedRolePolicies",
            self.site.clients.iam.list_attached_role_policies,
            RoleName=data["RoleName"],
        )
        arns = [p["PolicyArn"] for p in policies.get("AttachedPolicies", []) if "PolicyArn" in p]
        return LinkedRole._from_api(data, arns, evidence)

    def read_role(self, name: str) -> RoleTypeDef | None:
        """GetRole, else the role as ListRoles lists it (no last use); None once both miss it.

        One NoSuchEntity from GetRole does not make a role gone: the soak found it
        answering so for a role that was still there.
        """
        data = self.get_role(name)
        return data if data is not None else self.list_roles().get(name)

    def find_role(self, name: str, evidence: Evidence | None = None) -> LinkedRole | None:
        """The role with its policies and *evidence* (see `linked`); None once it is gone.

        Gone means that neither GetRole nor ListRoles shows it (see `read_role`).
        """
        data = self.read_role(name)
        return None if data is None else self.linked(data, evidence)

    def delete_service_linked_role(self, name: str) -> str | None:
        """DeleteServiceLinkedRole: the deletion task's id, or None when the role is gone."""
        iam = self.site.clients.iam
        try:
            response = self.calls.call(
                "DeleteServiceLinkedRole", iam.delete_service_linked_role, RoleName=name
            )
        except AWSError as exc:
            if exc.code == NO_SUCH_ENTITY:
                return None
            raise
        return response["DeletionTaskId"]

    def deletion_status(self, task: str) -> DeletionStatus:
        """GetServiceLinkedRoleDeletionStatus.

        Raises:
            AWSError: The call failed; ``NoSuchEntity`` when IAM no longer knows the task.
        """
        iam = self.site.clients.iam
        status = self.calls.call(
            "GetServiceLinkedRoleDeletionStatus",
            iam.get_service_linked_role_deletion_status,
            DeletionTaskId=task,
        )
        reason = status.get("Reason", {})
        return DeletionStatus(
            state=status["Status"],
            reason=reason.get("Reason", ""),
            usages=tuple(RoleUsage._from_api(u) for u in reason.get("RoleUsageList", [])),
        )
