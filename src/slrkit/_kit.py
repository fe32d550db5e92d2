"""`ProfilesKit`: the typed facade over one region's domains and their roles."""

from __future__ import annotations

import logging
import re
import threading
from typing import TYPE_CHECKING, Any, Final, cast

import attrs
import boto3

from slrkit import _roles
from slrkit._aws import Calls
from slrkit._clients import Clients, make_client
from slrkit._clock import Clock, SystemClock
from slrkit._models import (
    Action,
    Blocker,
    DeletionPlan,
    DeletionReport,
    Domain,
    EnsureResult,
    Evidence,
    FieldChange,
    LinkedRole,
    RoleUsage,
    Step,
    domain_arn,
)
from slrkit._regions import validate_region
from slrkit._retry import RetryPolicy, system_random
from slrkit._settings import DataStore, Matching, RuleBasedMatching, validate_settings
from slrkit._validate import (
    LINKED_ROLE_TAG,
    MAX_TAGS,
    ROLE_PATH,
    validate_account_id,
    validate_confirm,
    validate_dead_letter_queue_url,
    validate_default_encryption_key,
    validate_domain_name,
    validate_expiration_days,
    validate_linked_role_name,
    validate_tags,
)
from slrkit.exceptions import (
    AmbiguousLinkedRoleError,
    AWSError,
    DomainNotEmptyError,
    DomainNotFoundError,
    InvalidInputError,
    LinkedRoleError,
    LinkedRoleNotFoundError,
    RoleInUseError,
    SlrkitError,
    UnsafeRoleError,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from mypy_boto3_customer_profiles.client import CustomerProfilesClient
    from mypy_boto3_iam.client import IAMClient
    from mypy_boto3_iam.type_defs import RoleTypeDef
    from mypy_boto3_sts.client import STSClient

    from slrkit._ratelimit import RateLimiter

__all__ = ["ProfilesKit", "check_spec"]

_log = logging.getLogger("slrkit")

_ALREADY_EXISTS: Final = re.compile(r"already exists", re.IGNORECASE)
_NO_SUCH_ENTITY: Final = "NoSuchEntity"
_NOT_FOUND: Final = "ResourceNotFoundException"
_DEFAULT_CLEANUP_GRACE: Final = 60.0


@attrs.frozen(kw_only=True)
class _Spec:
    """The wanted state of a domain, validated."""

    default_expiration_days: int
    default_encryption_key: str | None
    dead_letter_queue_url: str | None
    matching: Matching | None
    rule_based_matching: RuleBasedMatching | None
    data_store: DataStore | None
    tags: Mapping[str, str] | None

    def settings(self) -> dict[str, object]:
        """The domain settings this spec manages, by field name (tags excluded)."""
        wanted: dict[str, object] = {"default_expiration_days": self.default_expiration_days}
        for name in (
            "default_encryption_key",
            "dead_letter_queue_url",
            "matching",
            "rule_based_matching",
            "data_store",
        ):
            value = getattr(self, name)
            if value is not None:
                wanted[name] = value
        return wanted

    def as_new(self) -> tuple[FieldChange, ...]:
        """The changes of creating a domain with this spec: every managed field, from None."""
        settings = [FieldChange(field=f, old=None, new=v) for f, v in self.settings().items()]
        tags = [
            FieldChange(field=f"tags[{k}]", old=None, new=v) for k, v in (self.tags or {}).items()
        ]
        return (*settings, *tags)


_API_NAMES: Final = {
    "default_expiration_days": "DefaultExpirationDays",
    "default_encryption_key": "DefaultEncryptionKey",
    "dead_letter_queue_url": "DeadLetterQueueUrl",
    "matching": "Matching",
    "rule_based_matching": "RuleBasedMatching",
    "data_store": "DataStore",
}


def check_spec(
    *,
    default_expiration_days: int,
    default_encryption_key: str | None,
    dead_letter_queue_url: str | None,
    matching: Matching | None,
    rule_based_matching: RuleBasedMatching | None,
    data_store: DataStore | None,
    tags: Mapping[str, str] | None,
) -> _Spec:
    """The settings of `ProfilesKit.ensure_domain`, validated; raises InvalidInputError.

    The types are those of the public signature; the values are checked all the
    same, for callers that are not type-checked.
    """
    validate_expiration_days(default_expiration_days)
    if default_encryption_key is not None:
        validate_default_encryption_key(default_encryption_key)
    if dead_letter_queue_url is not None:
        validate_dead_letter_queue_url(dead_letter_queue_url)
    settings: tuple[tuple[str, object, type], ...] = (
        ("matching", matching, Matching),
        ("rule_based_matching", rule_based_matching, RuleBasedMatching),
        ("data_store", data_store, DataStore),
    )
    for field, value, kind in settings:
        if value is not None:
            if not isinstance(value, kind):
                raise InvalidInputError(field, value, f"must be a slrkit.{kind.__name__}")
            validate_settings(value, field)
    checked_tags = None
    if tags is not None:
        checked_tags = validate_tags(tags)
        if len(checked_tags) > MAX_TAGS - 1:
            raise InvalidInputError(
                "tags",
                f"<{len(checked_tags)} tags>",
                f"at most {MAX_TAGS - 1}: slrkit keeps one tag for the linked role",
            )
    return _Spec(
        default_expiration_days=default_expiration_days,
        default_encryption_key=default_encryption_key,
        dead_letter_queue_url=dead_letter_queue_url,
        matching=matching,
        rule_based_matching=rule_based_matching,
        data_store=data_store,
        tags=checked_tags,
    )


def _candidate(role: RoleTypeDef) -> _roles.Candidate:
    last = role.get("RoleLastUsed") or {}
    return _roles.Candidate(
        name=role["RoleName"], created_at=role["CreateDate"], last_used_region=last.get("Region")
    )


def _check_seconds(field: str, value: object, *, allow_zero: bool) -> None:
    ok = not isinstance(value, bool) and isinstance(value, (int, float))
    if not ok or value < 0 or (value == 0 and not allow_zero):  # type: ignore[operator]
        rule = "must be a number of seconds, 0 or more" if allow_zero else "must be seconds above 0"
        raise InvalidInputError(field, value, rule)


def _to_api(value: object) -> object:
    to_api: Callable[[], object] | None = getattr(value, "_to_api", None)
    return to_api() if to_api is not None else value


class ProfilesKit:
    """Customer Profiles domains and their service-linked roles, in one region.

    A kit is safe to share between threads: it holds its clients (built once) and
    the account id (looked up once), and each operation keeps its own state.

    Args:
        region_name: A supported region (see `slrkit.SUPPORTED_REGIONS`). With both
            clients given it may be None, and is then taken from them.
        session: The boto3 session to build clients from (default: a new one).
        profiles_client: A ``customer-profiles`` client to use instead.
        iam_client: An ``iam`` client to use instead.
        sts_client: An ``sts`` client, used once to learn the account id.
        account_id: The account id, to save that call.
        retry: How to wait and for how long (default `RetryPolicy()`).
        clock: Where time comes from (default: the system clock).
        rand: The jitter source, a function returning floats in [0, 1).
        rate_limiter: Client-side pacing shared with other kits of the account
            (`slrkit.Fleet` passes one); None sends calls as fast as they come.

    Raises:
        UnsupportedRegionError: The region is not supported, or differs from the
            clients' region.
        InvalidInputError: ``account_id`` is not 12 digits.
    """

    def __init__(
        self,
        region_name: str | None,
        *,
        session: boto3.Session | None = None,
        profiles_client: CustomerProfilesClient | None = None,
        iam_client: IAMClient | None = None,
        sts_client: STSClient | None = None,
        account_id: str | None = None,
        retry: RetryPolicy | None = None,
        clock: Clock | None = None,
        rand: Callable[[], float] | None = None,
        rate_limiter: RateLimiter | None = None,
    ) -> None:
        client_region = profiles_client.meta.region_name if profiles_client is not None else None
        if region_name is None and client_region is not None and iam_client is not None:
            region_name = client_region
        self._region = validate_region(region_name)
        if client_region is not None and client_region != self._region:
            raise InvalidInputError(
                "region_name",
                region_name,
                f"must match the region of profiles_client ({client_region!r})",
            )
        if account_id is not None:
            validate_account_id(account_id)
        if retry is not None and not isinstance(retry, RetryPolicy):
            raise InvalidInputError("retry", retry, "must be a slrkit.RetryPolicy")
        self._clients = Clients.build(
            self._region, session=session, profiles=profiles_client, iam=iam_client, sts=sts_client
        )
        self._account_id = account_id
        self._account_lock = threading.Lock()
        self._retry = retry if retry is not None else RetryPolicy()
        self._clock: Clock = clock if clock is not None else SystemClock()
        self._rand = rand if rand is not None else system_random()
        self._limiter = rate_limiter

    def __repr__(self) -> str:
        return f"ProfilesKit(region_name={self._region!r})"

    @property
    def region_name(self) -> str:
        """The kit's region."""
        return self._region

    @property
    def retry(self) -> RetryPolicy:
        """The kit's retry policy."""
        return self._retry

    # -- ensure -----------------------------------------------------------------------------

    def ensure_domain(
        self,
        name: str,
        *,
        default_expiration_days: int,
        default_encryption_key: str | None = None,
        dead_letter_queue_url: str | None = None,
        matching: Matching | None = None,
        rule_based_matching: RuleBasedMatching | None = None,
        data_store: DataStore | None = None,
        tags: Mapping[str, str] | None = None,
        dry_run: bool = False,
        wait_for_role: bool = True,
    ) -> EnsureResult:
        """Create the domain, or bring it to these settings; a no-op when it matches.

        It reads first and writes only what differs: a matching domain costs one
        API call. Settings left as None are not managed; for the key and the queue
        an empty string clears them. Tags are added or changed, never removed.
        When it creates the domain it waits for the new service-linked role to
        appear and records it in the domain tag ``slrkit:linked-role``.

        Args:
            name: The domain name.
            default_expiration_days: Days a profile is kept (1 to 1098).
            default_encryption_key: A KMS key ARN; ``""`` clears it.
            dead_letter_queue_url: An SQS queue URL; ``""`` clears it.
            matching: Identity-resolution settings.
            rule_based_matching: Rule-based matching settings.
            data_store: Data store settings.
            tags: Tags to add or change.
            dry_run: Compute the result, write nothing.
            wait_for_role: On creation, wait for the role and tag the domain with it.

        Raises:
            InvalidInputError: A bad argument, before any API call.
            RetryDeadlineError: The new role did not appear before the deadline; the
                domain exists, and `describe_linked_role` can find the role later.
            AWSError: An API call failed.
        """
        validate_domain_name(name)
        spec = check_spec(
            default_expiration_days=default_expiration_days,
            default_encryption_key=default_encryption_key,
            dead_letter_queue_url=dead_letter_queue_url,
            matching=matching,
            rule_based_matching=rule_based_matching,
            data_store=data_store,
            tags=tags,
        )
        return self._ensure(name, spec, dry_run=dry_run, wait_for_role=wait_for_role)

    def _ensure(
        self, name: str, spec: _Spec, *, dry_run: bool, wait_for_role: bool
    ) -> EnsureResult:
        """`ensure_domain` once its arguments are validated (`Fleet` validates first)."""
        calls = self._calls()
        current = self._find_domain(calls, name)
        if current is None:
            if dry_run:
                return EnsureResult(
                    action=Action.CREATED, domain=None, changes=spec.as_new(), dry_run=True
                )
            created = self._create(calls, name, spec, wait_for_role=wait_for_role)
            if created is not None:
                return created
            current = self._get_domain(calls, name)
        return self._update(calls, current, spec, dry_run=dry_run)

    def _create(
        self, calls: Calls, name: str, spec: _Spec, *, wait_for_role: bool
    ) -> EnsureResult | None:
        before = list(self._list_roles(calls)) if wait_for_role else []
        request: dict[str, Any] = {"DomainName": name}
        request.update({_API_NAMES[k]: _to_api(v) for k, v in spec.settings().items()})
        if spec.tags:
            request["Tags"] = dict(spec.tags)
        try:
            response = calls.call("CreateDomain", self._clients.profiles.create_domain, **request)
        except AWSError as exc:
            if exc.code == "BadRequestException" and _ALREADY_EXISTS.search(exc.message):
                _log.info("domain %s appeared concurrently; updating it instead", name)
                return None
            raise
        domain = Domain._from_api(response, region=self._region, account_id=self._account(calls))
        changes = spec.as_new()
        role = None
        if wait_for_role:
            role = self._await_new_role(calls, domain, before)
            if role is not None:
                calls.call(
                    "TagResource",
                    self._clients.profiles.tag_resource,
                    resourceArn=domain.arn,
                    tags={LINKED_ROLE_TAG: role.name},
                )
                domain = attrs.evolve(domain, tags={**domain.tags, LINKED_ROLE_TAG: role.name})
        return EnsureResult(action=Action.CREATED, domain=domain, changes=changes, linked_role=role)

    def _await_new_role(self, calls: Calls, domain: Domain, before: list[str]) -> LinkedRole | None:
        waits = calls.deadline.waits(f"the service-linked role of domain {domain.name!r} to appear")
        while True:
            listed = self._list_roles(calls)
            seen = [_candidate(r) for r in listed.values()]
            # A role created before the domain belongs to another domain, even if it was
            # still propagating when the snapshot was taken.
            fresh = _roles.new_roles(before, seen, not_before=domain.created_at)
            if fresh:
                break
            waits.wait(last_state="no new role yet")
        try:
            chosen, _ = _roles.choose(domain, _roles.near_in_time(domain, fresh))
        except LinkedRoleError as exc:
            _log.warning("not tagging domain %s: %s", domain.name, exc)
            return None
        # ListRoles already returned the role; only its attached policies are missing.
        role = self._linked(calls, listed[chosen])
        return _roles.with_evidence(role, Evidence.OBSERVED_AT_CREATION)

    def _update(self, calls: Calls, current: Domain, spec: _Spec, *, dry_run: bool) -> EnsureResult:
        changes: list[FieldChange] = []
        request: dict[str, Any] = {}
        for field, value in spec.settings().items():
            have = getattr(current, field)
            clears = field in ("default_encryption_key", "dead_letter_queue_url") and value == ""
            wanted = None if clears else value
            if have != wanted:
                changes.append(FieldChange(field=field, old=have, new=wanted))
                request[_API_NAMES[field]] = "" if wanted is None else _to_api(wanted)
        new_tags = {k: v for k, v in (spec.tags or {}).items() if current.tags.get(k) != v}
        changes.extend(
            FieldChange(field=f"tags[{k}]", old=current.tags.get(k), new=v)
            for k, v in new_tags.items()
        )
        if not changes:
            return EnsureResult(action=Action.UNCHANGED, domain=current, changes=())
        if dry_run:
            return EnsureResult(
                action=Action.UPDATED, domain=current, changes=tuple(changes), dry_run=True
            )
        domain = current
        if request:
            response = calls.call(
                "UpdateDomain",
                self._clients.profiles.update_domain,
                DomainName=current.name,
                **request,
            )
            updated = Domain._from_api(
                response, region=self._region, account_id=self._account(calls)
            )
            domain = attrs.evolve(updated, tags=current.tags, stats=current.stats)
        if new_tags:
            calls.call(
                "TagResource",
                self._clients.profiles.tag_resource,
                resourceArn=domain.arn,
                tags=new_tags,
            )
            domain = attrs.evolve(domain, tags={**domain.tags, **new_tags})
        return EnsureResult(action=Action.UPDATED, domain=domain, changes=tuple(changes))

    # -- roles ------------------------------------------------------------------------------

    def describe_linked_role(self, name: str) -> LinkedRole:
        """The domain's service-linked role, the evidence for it, and what is wrong with it.

        It trusts the ``slrkit:linked-role`` tag once the role it names exists (3 API
        calls). Without it, it weighs the creation times and last-use regions of the
        Customer Profiles roles (see `slrkit._roles`).

        Raises:
            InvalidInputError: A bad domain name, before any API call.
            DomainNotFoundError: The domain does not exist.
            LinkedRoleNotFoundError: No role fits.
            AmbiguousLinkedRoleError: Several roles fit equally well.
            AWSError: An API call failed.
        """
        validate_domain_name(name)
        calls = self._calls()
        return self._identify(calls, self._get_domain(calls, name))

    def _identify(self, calls: Calls, domain: Domain) -> LinkedRole:
        tagged = domain.linked_role_name
        if tagged:
            role = self._find_role(calls, tagged)
            if role is None:
                _log.warning("role %s named by domain %s's tag is gone", tagged, domain.name)
            elif role.last_used_region in (None, domain.region):
                return _roles.with_evidence(role, Evidence.TAG)
            else:
                # A domain's role is used in the domain's region only: the tag is wrong,
                # and trusting it would point a deletion at another domain's role.
                _log.warning(
                    "role %s named by domain %s's tag was last used in %s: not its role",
                    tagged,
                    domain.name,
                    role.last_used_region,
                )
        listed = self._list_roles(calls)
        near = _roles.near_in_time(domain, [_candidate(r) for r in listed.values()])
        # ListRoles omits RoleLastUsed: GetRole tells the region each candidate was used in.
        full: dict[str, RoleTypeDef] = {}
        for candidate in near:
            role_data = self._get_role(calls, candidate.name)
            if role_data is not None:
                full[candidate.name] = role_data
        candidates = [_candidate(r) for r in full.values()]
        # A candidate may belong to another domain of the region: its tag or creation time says so.
        others = self._list_domains(calls) if candidates else []
        chosen, evidence = _roles.choose(domain, candidates, others=others)
        return _roles.with_evidence(self._linked(calls, full[chosen]), evidence)

    def _find_role(self, calls: Calls, name: str) -> LinkedRole | None:
        data = self._get_role(calls, name)
        return None if data is None else self._linked(calls, data)

    def _linked(self, calls: Calls, data: RoleTypeDef) -> LinkedRole:
        """The role with its attached managed policies, which no role read includes."""
        policies = calls.call(
            "ListAttachedRolePolicies",
            self._clients.iam.list_attached_role_policies,
            RoleName=data["RoleName"],
        )
        arns = [p["PolicyArn"] for p in policies.get("AttachedPolicies", []) if "PolicyArn" in p]
        return LinkedRole._from_api(data, arns)

    def _get_role(self, calls: Calls, name: str) -> RoleTypeDef | None:
        try:
            return calls.call("GetRole", self._clients.iam.get_role, RoleName=name)["Role"]
        except AWSError as exc:
            if exc.code == _NO_SUCH_ENTITY:
                return None
            raise

    def _list_roles(self, calls: Calls) -> dict[str, RoleTypeDef]:
        """Every Customer Profiles SLR in the account, by name, in IAM's order."""
        found: dict[str, RoleTypeDef] = {}
        marker: str | None = None
        while True:
            list_roles = self._clients.iam.list_roles
            page = (
                calls.call("ListRoles", list_roles, PathPrefix=ROLE_PATH, Marker=marker)
                if marker
                else calls.call("ListRoles", list_roles, PathPrefix=ROLE_PATH)
            )
            found.update(
                (r["RoleName"], r)
                for r in page["Roles"]
                if _roles.is_profile_role(r["RoleName"], r["Path"])
            )
            marker = page.get("Marker")
            if not page.get("IsTruncated") or not marker:
                return found

    # -- deletion ---------------------------------------------------------------------------

    def plan_domain_deletion(self, name: str, *, role_name: str | None = None) -> DeletionPlan:
        """What `safe_delete_domain` would do, with no writes.

        Args:
            name: The domain name.
            role_name: The role, when the domain is already gone (from an earlier plan).

        Raises:
            InvalidInputError: A bad name, before any API call.
            AWSError: An API call failed.
        """
        validate_domain_name(name)
        if role_name is not None:
            validate_linked_role_name(role_name)
        return self._plan(self._calls(), name, role_name)

    def _plan(self, calls: Calls, name: str, role_name: str | None) -> DeletionPlan:
        domain = self._find_domain(calls, name)
        blockers: list[Blocker] = []
        role: LinkedRole | None = None
        if domain is None:
            if role_name is not None:
                found = self._find_role(calls, role_name)
                role = _roles.with_evidence(found, Evidence.PLAN) if found else None
        else:
            if domain.stats is not None and not domain.stats.is_empty:
                blockers.append(
                    Blocker(
                        code="data",
                        message=f"the domain holds {domain.stats.profile_count} profiles and "
                        f"{domain.stats.object_count} objects (allow_data_loss=True deletes them)",
                    )
                )
            try:
                role = self._identify(calls, domain)
            except LinkedRoleNotFoundError as exc:
                _log.info("%s", exc)
            except AmbiguousLinkedRoleError as exc:
                blockers.append(
                    Blocker(code="ambiguous-role", message=str(exc), roles=exc.candidates)
                )
        if role is not None and not _roles.is_profile_role(role.name, role.path):
            blockers.append(
                Blocker(
                    code="unsafe-role",
                    message=f"role {role.name!r} at {role.path!r} is not a Customer Profiles "
                    "service-linked role; slrkit will not touch it",
                )
            )
        steps: list[str] = []
        if domain is not None:
            steps.append(f"delete domain {name!r} in {self._region}")
        if role is not None:
            steps += [
                f"wait for Customer Profiles to remove role {role.name!r}",
                f"if it does not, DeleteServiceLinkedRole {role.name!r} and poll the task",
            ]
        return DeletionPlan(
            domain_name=name,
            region=self._region,
            domain=domain,
            role=role,
            blockers=tuple(blockers),
            steps=tuple(steps),
        )

    def safe_delete_domain(
        self,
        name: str,
        *,
        confirm: str,
        allow_data_loss: bool = False,
        wait: bool = True,
        missing_ok: bool = False,
        timeout: float | None = None,
        role_name: str | None = None,
        cleanup_grace: float = _DEFAULT_CLEANUP_GRACE,
    ) -> DeletionReport:
        """Delete a domain and make sure its service-linked role goes with it.

        It plans first (no writes), refuses when the plan has a blocker, deletes the
        domain, waits up to *cleanup_grace* seconds for Customer Profiles to remove
        the role, then falls back to DeleteServiceLinkedRole and polls the task. It
        never touches a role outside the Customer Profiles SLR path, and never
        forces a role that IAM says is in use. Running it again after any failure
        finishes the remaining work; when the domain is already gone, pass the
        *role_name* from the earlier plan or report.

        Args:
            name: The domain name.
            confirm: Must equal *name*.
            allow_data_loss: Delete a domain that holds profiles or objects.
            wait: Wait for the role to be removed.
            missing_ok: A missing domain (and no *role_name*) is not an error.
            timeout: The operation's deadline in seconds (default: the policy's).
            role_name: The role of a domain that is already gone.
            cleanup_grace: How long to let the service remove the role itself.

        Raises:
            InvalidInputError: A bad argument, before any API call.
            ConfirmationMismatchError: *confirm* differs from *name*; no API call made.
            DomainNotEmptyError: The domain holds data; nothing was written.
            AmbiguousLinkedRoleError: The role cannot be told; nothing was written.
            UnsafeRoleError: The role is outside the SLR path; nothing was written.
            DomainNotFoundError: The domain is gone and no *role_name* was given.
            RoleInUseError: IAM's deletion task failed because other resources use it.
            RetryDeadlineError: The deadline passed; a rerun resumes.
            AWSError: An API call failed; a rerun resumes.
        """
        validate_domain_name(name)
        validate_confirm(name, confirm)
        if role_name is not None:
            validate_linked_role_name(role_name)
        if timeout is not None:
            _check_seconds("timeout", timeout, allow_zero=False)
        _check_seconds("cleanup_grace", cleanup_grace, allow_zero=True)
        calls = self._calls(budget=timeout)
        plan = self._plan(calls, name, role_name)
        steps: list[Step] = []
        if plan.domain is None and plan.role is None:
            if role_name is not None:
                steps.append(Step(name="remove role", outcome="already-done", detail=role_name))
            elif not missing_ok:
                raise DomainNotFoundError(
                    f"domain {name!r} does not exist in {self._region}; if an earlier run "
                    "deleted it, give the role name from that run's plan or report to finish "
                    "removing the role",
                    code=_NOT_FOUND,
                    operation="GetDomain",
                    service="customer-profiles",
                )
            return self._report(plan, calls, steps, domain_deleted=False, removed_by=None)
        self._refuse_if_blocked(plan, allow_data_loss=allow_data_loss)
        domain_deleted = False
        if plan.domain is not None:
            domain_deleted = self._delete_domain(calls, name)
            steps.append(
                Step(name="delete domain", outcome="done" if domain_deleted else "already-done")
            )
        else:
            steps.append(Step(name="delete domain", outcome="already-done"))
        removed_by: str | None = None
        if plan.role is None:
            steps.append(Step(name="remove role", outcome="skipped", detail="no role identified"))
        elif not wait:
            steps.append(Step(name="remove role", outcome="skipped", detail="wait=False"))
        else:
            try:
                removed_by = self._remove_role(calls, plan, plan.role, steps, grace=cleanup_grace)
            except SlrkitError as exc:
                # The domain may be gone now, and with it the evidence: the error carries
                # what was done and the role a rerun must be given.
                exc.report = self._report(
                    plan, calls, steps, domain_deleted=domain_deleted, removed_by=None
                )
                raise
        return self._report(
            plan, calls, steps, domain_deleted=domain_deleted, removed_by=removed_by
        )

    def _refuse_if_blocked(self, plan: DeletionPlan, *, allow_data_loss: bool) -> None:
        for blocker in plan.blockers:
            if blocker.code == "data" and not allow_data_loss:
                stats = plan.domain.stats if plan.domain is not None else None
                raise DomainNotEmptyError(
                    plan.domain_name,
                    profile_count=stats.profile_count if stats else 0,
                    object_count=stats.object_count if stats else 0,
                )
            if blocker.code == "ambiguous-role":
                raise AmbiguousLinkedRoleError(plan.domain_name, blocker.roles)
            if blocker.code == "unsafe-role" and plan.role is not None:
                raise UnsafeRoleError(plan.role.name, plan.role.path)

    def _delete_domain(self, calls: Calls, name: str) -> bool:
        try:
            calls.call("DeleteDomain", self._clients.profiles.delete_domain, DomainName=name)
        except DomainNotFoundError:
            return False
        return True

    def _remove_role(
        self,
        calls: Calls,
        plan: DeletionPlan,
        role: LinkedRole,
        steps: list[Step],
        *,
        grace: float,
    ) -> str:
        if not _roles.is_profile_role(role.name, role.path):
            raise UnsafeRoleError(role.name, role.path)
        started = calls.deadline.elapsed
        waits = calls.deadline.waits(f"Customer Profiles to remove role {role.name!r}")
        while self._get_role(calls, role.name) is not None:
            if calls.deadline.elapsed - started >= grace:
                break
            waits.wait(last_state="role still exists")
        else:
            outcome = "done" if plan.domain is not None else "already-done"
            steps.append(Step(name="remove role", outcome=outcome, detail="removed by the service"))
            return "service" if plan.domain is not None else "already-gone"
        own_arn = domain_arn(
            partition="aws",
            region=self._region,
            account_id=self._account(calls),
            name=plan.domain_name,
        )
        self._delete_role(calls, role.name, own_arn=own_arn)
        steps.append(
            Step(name="remove role", outcome="done", detail="DeleteServiceLinkedRole succeeded")
        )
        return "slrkit"

    def _delete_role(self, calls: Calls, role_name: str, *, own_arn: str | None) -> None:
        """DeleteServiceLinkedRole and poll its task to the end.

        A FAILED task whose only user is *own_arn* (the domain just deleted, which
        the service has not caught up with) is resubmitted after a wait; any other
        user means the role is in use, and slrkit stops there.
        """
        polls = calls.deadline.waits(f"the deletion task of role {role_name!r}")
        while True:
            try:
                task = calls.call(
                    "DeleteServiceLinkedRole",
                    self._clients.iam.delete_service_linked_role,
                    RoleName=role_name,
                )["DeletionTaskId"]
            except AWSError as exc:
                if exc.code == _NO_SUCH_ENTITY:
                    return
                raise
            while True:
                try:
                    status = calls.call(
                        "GetServiceLinkedRoleDeletionStatus",
                        self._clients.iam.get_service_linked_role_deletion_status,
                        DeletionTaskId=task,
                    )
                except AWSError as exc:
                    if exc.code == _NO_SUCH_ENTITY and self._get_role(calls, role_name) is None:
                        return
                    raise
                state = status["Status"]
                if state == "SUCCEEDED":
                    return
                if state == "FAILED":
                    reason = status.get("Reason", {})
                    usages = tuple(RoleUsage._from_api(u) for u in reason.get("RoleUsageList", []))
                    users = {r for u in usages for r in u.resources}
                    if users != {own_arn}:
                        raise RoleInUseError(role_name, usages, reason.get("Reason", ""))
                    polls.wait(last_state="FAILED: the service still uses the role")
                    break
                polls.wait(last_state=state)

    def _report(
        self,
        plan: DeletionPlan,
        calls: Calls,
        steps: list[Step],
        *,
        domain_deleted: bool,
        removed_by: str | None,
    ) -> DeletionReport:
        return DeletionReport(
            domain_name=plan.domain_name,
            region=self._region,
            role_name=plan.role.name if plan.role else None,
            domain_deleted=domain_deleted,
            role_removed_by=removed_by,
            steps=tuple(steps),
            calls=tuple(calls.calls),
            waits=tuple(calls.waits),
            elapsed=calls.deadline.elapsed,
        )

    # -- shared reads -----------------------------------------------------------------------

    def list_domains(self) -> list[Domain]:
        """Every domain in the kit's region (without stats; ListDomains returns none).

        Raises:
            AWSError: An API call failed.
        """
        return self._list_domains(self._calls())

    def _list_domains(self, calls: Calls) -> list[Domain]:
        domains: list[Domain] = []
        token: str | None = None
        account = self._account(calls)
        while True:
            list_domains = self._clients.profiles.list_domains
            page = (
                calls.call("ListDomains", list_domains, MaxResults=100, NextToken=token)
                if token
                else calls.call("ListDomains", list_domains, MaxResults=100)
            )
            domains.extend(
                Domain._from_api(item, region=self._region, account_id=account)
                for item in page.get("Items", [])
            )
            token = page.get("NextToken")
            if not token:
                return domains

    def _calls(self, *, budget: float | None = None) -> Calls:
        return Calls(
            self._retry,
            self._clock,
            self._rand,
            budget=budget,
            limiter=self._limiter,
            region=self._region,
        )

    def _get_domain(self, calls: Calls, name: str) -> Domain:
        response = calls.call("GetDomain", self._clients.profiles.get_domain, DomainName=name)
        return Domain._from_api(response, region=self._region, account_id=self._account(calls))

    def _find_domain(self, calls: Calls, name: str) -> Domain | None:
        try:
            return self._get_domain(calls, name)
        except DomainNotFoundError:
            return None

    def _account(self, calls: Calls) -> str:
        # The lock guards the value only: a call made under it could wait on the
        # retry policy while every other thread of the kit waits on the lock.
        with self._account_lock:
            if self._account_id is not None:
                return self._account_id
        sts = self._clients.sts
        if sts is None:
            sts = cast("STSClient", make_client(boto3.Session(), "sts", self._region))
        account = calls.call("GetCallerIdentity", sts.get_caller_identity)["Account"]
        with self._account_lock:
            if self._account_id is None:
                self._account_id = account
            return self._account_id
