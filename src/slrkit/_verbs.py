"""AWS verbs bound to one operation: what the kit, the fleet and their rooms ask of AWS.

A `Site` is where operations run: one region of one account, with its clients,
its account id, its retry policy, clock and pacing. It is shared between threads.
Each operation asks it for fresh `Verbs`, which keep that operation's calls and
waits (for its report) and its deadline; `Verbs` are not shared between threads.
Every verb goes through `slrkit._aws.Calls`, the one door to AWS, and returns
slrkit's typed values where one exists.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, cast

import attrs
import boto3

from slrkit._aws import Calls
from slrkit._clients import make_client
from slrkit._models import Domain, LinkedRole, RoleUsage
from slrkit._validate import ROLE_PATH, is_profile_role
from slrkit.exceptions import AWSError, DomainNotFoundError

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from mypy_boto3_iam.type_defs import RoleTypeDef
    from mypy_boto3_sts.client import STSClient

    from slrkit._clients import Clients
    from slrkit._clock import Clock
    from slrkit._ratelimit import RateLimiter
    from slrkit._retry import Deadline, RetryPolicy

__all__ = ["NO_SUCH_ENTITY", "AccountId", "DeletionStatus", "Site", "Verbs"]

NO_SUCH_ENTITY = "NoSuchEntity"
"""IAM's error code for a role or deletion task that does not exist."""


class AccountId:
    """The account id of a site's clients, looked up once; safe to share between threads.

    Args:
        known: The id, when the caller gave it; then nothing is looked up.
        sts: The STS client to ask; None builds one from the default session.
        region: The region of that STS client.
    """

    def __init__(self, known: str | None, *, sts: STSClient | None, region: str) -> None:
        self._value = known
        self._sts = sts
        self._region = region
        self._lock = threading.Lock()

    def get(self, calls: Calls) -> str:
        """The account id, asking STS GetCallerIdentity the first time.

        Raises:
            AWSError: The call failed.
        """
        # The lock guards the value only: a call made under it could wait on the
        # retry policy while every other thread of the site waits on the lock.
        with self._lock:
            if self._value is not None:
                return self._value
        sts = self._sts
        if sts is None:
            sts = cast("STSClient", make_client(boto3.Session(), "sts", self._region))
        account = calls.call("GetCallerIdentity", sts.get_caller_identity)["Account"]
        with self._lock:
            if self._value is None:
                self._value = account
            return self._value


@attrs.frozen(kw_only=True)
class Site:
    """Where operations run: one region of an account, its clients, and how they wait."""

    region: str
    clients: Clients
    account: AccountId
    retry: RetryPolicy
    clock: Clock
    rand: Callable[[], float]
    limiter: RateLimiter | None = None

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
        """The account id (one STS call, once per site)."""
        return self.site.account.get(self.calls)

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
            page = (
                self.calls.call("ListRoles", list_roles, PathPrefix=ROLE_PATH, Marker=marker)
                if marker
                else self.calls.call("ListRoles", list_roles, PathPrefix=ROLE_PATH)
            )
            found.update(
                (r["RoleName"], r)
                for r in page["Roles"]
                if is_profile_role(r["RoleName"], r["Path"])
            )
            marker = page.get("Marker")
            if not page.get("IsTruncated") or not marker:
                return found

    def linked(self, data: RoleTypeDef) -> LinkedRole:
        """The role with its attached managed policies, which no role read includes."""
        policies = self.calls.call(
            "ListAttachedRolePolicies",
            self.site.clients.iam.list_attached_role_policies,
            RoleName=data["RoleName"],
        )
        arns = [p["PolicyArn"] for p in policies.get("AttachedPolicies", []) if "PolicyArn" in p]
        return LinkedRole._from_api(data, arns)

    def find_role(self, name: str) -> LinkedRole | None:
        """The role with its policies, or None when IAM does not know it."""
        data = self.get_role(name)
        return None if data is None else self.linked(data)

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
