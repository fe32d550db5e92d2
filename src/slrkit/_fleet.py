"""`Fleet`: many domains across regions and accounts, an audit of orphaned roles, and cleanup.

IAM is global: the roles of every domain of an account, in every region, sit
under one path, and nothing in AWS says which belongs to which. An audit
therefore lists IAM once per account and every region's domains, then weighs
the same evidence `ProfilesKit.describe_linked_role` does, for all of them at
once. A role is *orphaned* only when no domain in any region can own it, every
supported region was read, and it is older than the propagation grace;
otherwise it is *unexplained*, and cleanup never touches it.
"""

from __future__ import annotations

import datetime as dt
import enum
import functools
import itertools
import logging
import queue
import threading
from typing import TYPE_CHECKING, TypeVar

import attrs
import boto3

from slrkit import _deletion, _ensure, _evidence
from slrkit._clients import Clients, make_client
from slrkit._clock import Clock, Crew, SystemClock, crew
from slrkit._models import Domain, EnsureResult, Evidence, LinkedRole
from slrkit._ratelimit import RateLimiter, RateLimits
from slrkit._regions import SUPPORTED_REGIONS, validate_region
from slrkit._retry import RetryPolicy, system_random
from slrkit._spec import DomainSettings, SettingsFields
from slrkit._validate import is_profile_role, validate_domain_name
from slrkit._verbs import AccountId, Site
from slrkit.exceptions import (
    AmbiguousLinkedRoleError,
    InvalidInputError,
    LinkedRoleNotFoundError,
    SlrkitError,
    UnsafeRoleError,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence

    from mypy_boto3_customer_profiles.client import CustomerProfilesClient
    from mypy_boto3_iam.client import IAMClient
    from mypy_boto3_sts.client import STSClient

__all__ = [
    "AuditReport",
    "CleanupItem",
    "CleanupReport",
    "DomainAudit",
    "DomainSpec",
    "Fleet",
    "FleetItem",
    "FleetResult",
    "RoleAudit",
    "RoleStatus",
]

_log = logging.getLogger("slrkit.fleet")
_T = TypeVar("_T")


@attrs.frozen(kw_only=True)
class DomainSpec(SettingsFields):
    """One domain of `Fleet.ensure_all`: where it lives and the settings it should have.

    ``account`` names one of the fleet's accounts; it may be left out when the
    fleet has only one. The settings are those of `ProfilesKit.ensure_domain`;
    they are checked when the fleet runs the spec, so a bad one fails its own item.
    """

    name: str
    region: str
    account: str | None = None


@attrs.frozen(kw_only=True)
class FleetItem:
    """The outcome of one spec: a result, or the slrkit error that stopped it."""

    account: str
    region: str
    name: str
    result: EnsureResult | None = None
    error: SlrkitError | None = attrs.field(default=None, eq=False)

    @property
    def ok(self) -> bool:
        """True when the item succeeded."""
        return self.error is None


@attrs.frozen(kw_only=True)
class FleetResult:
    """Every item of `Fleet.ensure_all`, in the order of the specs, and the time taken."""

    items: tuple[FleetItem, ...]
    elapsed: float

    @property
    def failed(self) -> tuple[FleetItem, ...]:
        """The items that ended in an error."""
        return tuple(item for item in self.items if not item.ok)


class RoleStatus(str, enum.Enum):
    """How an audit classifies a Customer Profiles service-linked role."""

    LINKED = "linked"
    """Tied to an existing domain by the evidence."""
    ORPHANED = "orphaned"
    """No existing domain in any region can own it, and it is past the grace period."""
    UNEXPLAINED = "unexplained"
    """The evidence cannot decide; cleanup leaves it alone."""

    def __str__(self) -> str:
        return self.value


@attrs.frozen(kw_only=True)
class DomainAudit:
    """A domain found by an audit, with its role and the evidence for it (None if none)."""

    account: str
    region: str
    domain: Domain
    role_name: str | None
    evidence: Evidence | None
    note: str = ""


@attrs.frozen(kw_only=True)
class RoleAudit:
    """A role found by an audit: its status, its domain if linked, and why."""

    account: str
    role: LinkedRole
    status: RoleStatus
    region: str | None = None
    domain_name: str | None = None
    reason: str = ""


@attrs.frozen(kw_only=True)
class AuditError:
    """A part of the estate that could not be read."""

    account: str
    region: str | None
    message: str


@attrs.frozen(kw_only=True)
class AuditReport:
    """Everything `Fleet.audit` found."""

    domains: tuple[DomainAudit, ...]
    roles: tuple[RoleAudit, ...]
    errors: tuple[AuditError, ...]
    elapsed: float

    def with_status(self, status: RoleStatus) -> tuple[RoleAudit, ...]:
        """The roles with *status*."""
        return tuple(r for r in self.roles if r.status is status)

    @property
    def problems(self) -> tuple[RoleAudit, ...]:
        """The roles with something wrong (trust, policy, path)."""
        return tuple(r for r in self.roles if r.role.problems)


@attrs.frozen(kw_only=True)
class CleanupItem:
    """What `Fleet.cleanup_orphans` did with one orphan.

    ``action`` is ``would-delete`` (dry run), ``deleted`` or ``failed``.
    """

    account: str
    role_name: str
    action: str
    detail: str = ""


@attrs.frozen(kw_only=True)
class CleanupReport:
    """The orphans `Fleet.cleanup_orphans` found and what it did with each."""

    dry_run: bool
    items: tuple[CleanupItem, ...]
    audit: AuditReport


@attrs.frozen
class _Account:
    label: str
    session: boto3.Session
    limiter: RateLimiter | None


class Fleet:
    """Domains across regions and accounts, worked on concurrently in a bounded pool.

    Args:
        accounts: One boto3 session, or sessions by label (for example one per
            assumed role). Labels name accounts in specs and reports.
        regions: The regions to work in (default: every supported one).
        max_workers: Threads working at once.
        rate_limits: Client-side pacing per account; None turns it off and leaves
            throttling to botocore's retries alone.
        retry: The retry policy of every operation.
        clock: Where time comes from (default: the system clock).
        rand: The jitter source.
        orphan_grace: Seconds a role must have existed before it may be called an
            orphan: a domain being created has a role before it is listed.
        progress: Called with a short line as each part of the work finishes.

    Raises:
        InvalidInputError: No accounts, an unsupported region, or a bad number.
    """

    def __init__(
        self,
        accounts: boto3.Session | Mapping[str, boto3.Session],
        *,
        regions: Sequence[str] = SUPPORTED_REGIONS,
        max_workers: int = 16,
        rate_limits: RateLimits | None = RateLimits(),  # noqa: B008 - frozen, shared safely
        retry: RetryPolicy | None = None,
        clock: Clock | None = None,
        rand: Callable[[], float] | None = None,
        orphan_grace: float = 600.0,
        progress: Callable[[str], None] | None = None,
    ) -> None:
        sessions = (
            {accounts.profile_name or "default": accounts}
            if isinstance(accounts, boto3.Session)
            else dict(accounts)
        )
        if not sessions:
            raise InvalidInputError("accounts", accounts, "must name at least one account")
        if isinstance(regions, str) or not regions:
            raise InvalidInputError("regions", regions, "must be a non-empty list of regions")
        self._regions = tuple(dict.fromkeys(validate_region(r) for r in regions))
        _check_workers(max_workers)
        self._workers = max_workers
        self._clock: Clock = clock if clock is not None else SystemClock()
        self._retry = retry if retry is not None else RetryPolicy()
        self._rand = rand if rand is not None else system_random()
        self._grace = dt.timedelta(seconds=orphan_grace)
        self._progress = progress
        self._accounts = {
            label: _Account(
                label, session, RateLimiter(rate_limits, self._clock) if rate_limits else None
            )
            for label, session in sessions.items()
        }
        self._lock = threading.Lock()
        self._shared: dict[str, tuple[IAMClient, AccountId]] = {}
        self._sites: dict[tuple[str, str], Site] = {}

    @property
    def regions(self) -> tuple[str, ...]:
        """The regions this fleet works in."""
        return self._regions

    @property
    def accounts(self) -> tuple[str, ...]:
        """The account labels."""
        return tuple(self._accounts)

    # -- ensure_all -------------------------------------------------------------------------

    def ensure_all(self, specs: Sequence[DomainSpec]) -> FleetResult:
        """`ProfilesKit.ensure_domain` for every spec, concurrently; one failure stops no other.

        Domains are created without waiting for their roles: roles of domains
        created at the same moment cannot be told apart, so `audit` links them
        later by the evidence, as it does for domains made by other tools.

        Raises:
            InvalidInputError: A spec names an unknown account or a region outside
                the fleet, or leaves the account out in a fleet of several; raised
                before any call. Invalid settings fail their own item only.
        """
        specs = list(specs)
        for spec in specs:
            self._account_of(spec)
            if spec.region not in self._regions:
                raise InvalidInputError(
                    "region", spec.region, f"spec {spec.name!r}: not one of the fleet's regions"
                )
        started = self._clock.monotonic()
        order = _round_robin(specs, key=lambda s: (self._account_of(s), s.region))
        done = self._run([functools.partial(self._ensure_one, specs[i]) for i in order])
        items = [
            item for _, item in sorted(zip(order, done, strict=False), key=lambda pair: pair[0])
        ]
        return FleetResult(items=tuple(items), elapsed=self._clock.monotonic() - started)

    def _ensure_one(self, spec: DomainSpec) -> FleetItem:
        account = self._account_of(spec)
        where = functools.partial(FleetItem, account=account, region=spec.region, name=spec.name)
        try:
            validate_domain_name(spec.name)
            # Bad settings fail their item before any call is made for it.
            wanted = DomainSettings.of(spec)
            verbs = self._site(account, spec.region).verbs()
            result = _ensure.ensure(verbs, spec.name, wanted, dry_run=False, wait_for_role=False)
        except SlrkitError as exc:
            self._say(f"{account} {spec.region} {spec.name}: failed: {exc}")
            return where(error=exc)
        self._say(f"{account} {spec.region} {spec.name}: {result.action}")
        return where(result=result)

    def _account_of(self, spec: DomainSpec) -> str:
        if spec.account is None:
            if len(self._accounts) != 1:
                raise InvalidInputError(
                    "account", None, f"spec {spec.name!r}: name one of {', '.join(self._accounts)}"
                )
            return next(iter(self._accounts))
        if spec.account not in self._accounts:
            raise InvalidInputError(
                "account", spec.account, f"must be one of {', '.join(self._accounts)}"
            )
        return spec.account

    # -- audit ------------------------------------------------------------------------------

    def audit(self) -> AuditReport:
        """Every domain and every Customer Profiles role of every account, classified.

        IAM is read once per account (ListRoles, then GetRole and
        ListAttachedRolePolicies per role); each region's domains are listed and
        read with GetDomain for their stats. Parts that fail are reported in
        ``errors`` and make no role an orphan.

        Raises:
            InvalidInputError: Never for a valid fleet; errors of AWS calls are
                collected in the report instead.
        """
        started = self._clock.monotonic()
        tasks: list[Callable[[], _Part]] = []
        for account in self._accounts:
            tasks.append(functools.partial(self._read_roles, account))
            tasks.extend(
                functools.partial(self._read_domains, account, region) for region in self._regions
            )
        parts = self._run(tasks)
        domains: list[DomainAudit] = []
        roles: list[RoleAudit] = []
        errors = [p.error for p in parts if p.error is not None]
        for account in self._accounts:
            mine = [p for p in parts if p.account == account]
            found_domains = [d for p in mine for d in p.domains]
            found_roles = [r for p in mine for r in p.roles]
            failed = any(p.error is not None for p in mine)
            account_domains, account_roles = self._classify(
                account, found_domains, found_roles, complete=not failed
            )
            domains += account_domains
            roles += account_roles
        return AuditReport(
            domains=tuple(domains),
            roles=tuple(roles),
            errors=tuple(errors),
            elapsed=self._clock.monotonic() - started,
        )

    def _read_roles(self, account: str) -> _Part:
        try:
            verbs = self._site(account, self._regions[0]).verbs()
            roles = [
                verbs.linked(data)
                for name in verbs.list_roles()
                if (data := verbs.get_role(name)) is not None
            ]
        except SlrkitError as exc:
            return _Part(
                account=account, error=AuditError(account=account, region=None, message=str(exc))
            )
        self._say(f"{account} iam: {len(roles)} Customer Profiles roles")
        return _Part(account=account, roles=tuple(roles))

    def _read_domains(self, account: str, region: str) -> _Part:
        try:
            verbs = self._site(account, region).verbs()
            domains = [verbs.get_domain(d.name) for d in verbs.list_domains()]
        except SlrkitError as exc:
            return _Part(
                account=account, error=AuditError(account=account, region=region, message=str(exc))
            )
        self._say(f"{account} {region}: {len(domains)} domains")
        return _Part(account=account, domains=tuple(domains))

    def _classify(
        self, account: str, domains: list[Domain], roles: list[LinkedRole], *, complete: bool
    ) -> tuple[list[DomainAudit], list[RoleAudit]]:
        by_name = {r.name: r for r in roles}
        owner: dict[str, Domain] = {}
        evidence: dict[str, Evidence] = {}
        notes: dict[str, str] = {}
        contested: set[str] = set()
        for domain in domains:
            tagged = domain.linked_role_name
            if tagged in by_name and tagged not in owner:
                owner[tagged] = domain
                evidence[tagged] = Evidence.TAG
        linked_domains = {id(d) for d in owner.values()}
        for domain in domains:
            if id(domain) in linked_domains:
                continue
            free = [
                _evidence.Candidate(
                    name=r.name, created_at=r.created_at, last_used_region=r.last_used_region
                )
                for r in roles
                if r.name not in owner
            ]
            others = [d for d in domains if d.region == domain.region]
            try:
                name, found = _evidence.choose(
                    domain, _evidence.near_in_time(domain, free), others=others
                )
            except AmbiguousLinkedRoleError as exc:
                contested.update(exc.candidates)
                notes[_key(domain)] = f"ambiguous: {', '.join(exc.candidates)}"
                continue
            except LinkedRoleNotFoundError:
                notes[_key(domain)] = "no role fits"
                continue
            owner[name] = domain
            evidence[name] = found
        linked_by_domain = {_key(d): name for name, d in owner.items()}
        domain_rows = [
            DomainAudit(
                account=account,
                region=d.region,
                domain=d,
                role_name=linked_by_domain.get(_key(d)),
                evidence=evidence.get(linked_by_domain.get(_key(d), "")),
                note=notes.get(_key(d), ""),
            )
            for d in domains
        ]
        now = self._clock.now()
        role_rows: list[RoleAudit] = []
        for role in roles:
            if role.name in owner:
                d = owner[role.name]
                row = RoleAudit(
                    account=account,
                    role=role,
                    status=RoleStatus.LINKED,
                    region=d.region,
                    domain_name=d.name,
                    reason=f"{evidence[role.name]}",
                )
            else:
                status, reason = self._unlinked_status(role, domains, contested, now, complete)
                row = RoleAudit(account=account, role=role, status=status, reason=reason)
            role_rows.append(row)
        return domain_rows, role_rows

    def _unlinked_status(
        self,
        role: LinkedRole,
        domains: list[Domain],
        contested: set[str],
        now: dt.datetime,
        complete: bool,
    ) -> tuple[RoleStatus, str]:
        # Any existing domain created with the role might use it, even one whose tag
        # names another role: tags can be wrong, and deleting a role a live domain
        # uses would break it. Such a role is never an orphan.
        owners = [
            d
            for d in domains
            if abs(role.created_at - d.created_at) <= _evidence.CREATION_WINDOW
            and role.last_used_region in (None, d.region)
        ]
        if role.name in contested or owners:
            names = ", ".join(f"{d.region}/{d.name}" for d in owners) or "several domains"
            return RoleStatus.UNEXPLAINED, f"may belong to {names}"
        if not complete:
            return RoleStatus.UNEXPLAINED, "part of the account could not be read"
        if set(self._regions) != set(SUPPORTED_REGIONS):
            return RoleStatus.UNEXPLAINED, "not every supported region was audited"
        if now - role.created_at < self._grace:
            return RoleStatus.UNEXPLAINED, "younger than the orphan grace period"
        return RoleStatus.ORPHANED, "no domain in any region can own it"

    # -- cleanup ----------------------------------------------------------------------------

    def cleanup_orphans(self, *, dry_run: bool = True) -> CleanupReport:
        """Delete the roles an audit finds orphaned, and nothing else.

        Each goes through DeleteServiceLinkedRole and its task is polled to the
        end, with the same guards as `ProfilesKit.safe_delete_domain`: a role
        outside the Customer Profiles SLR path is never touched, and a role IAM
        says is in use is reported, never forced.

        Args:
            dry_run: Only report what would be deleted (the default).
        """
        report = self.audit()
        orphans = report.with_status(RoleStatus.ORPHANED)
        if dry_run:
            items = [
                CleanupItem(account=o.account, role_name=o.role.name, action="would-delete")
                for o in orphans
            ]
        else:
            items = self._run([functools.partial(self._delete_orphan, o) for o in orphans])
        return CleanupReport(dry_run=dry_run, items=tuple(items), audit=report)

    def _delete_orphan(self, orphan: RoleAudit) -> CleanupItem:
        role = orphan.role
        try:
            if not is_profile_role(role.name, role.path):
                raise UnsafeRoleError(role.name, role.path)
            verbs = self._site(orphan.account, self._regions[0]).verbs()
            _deletion.delete_role(verbs, role.name, own_arn=None)
        except SlrkitError as exc:
            self._say(f"{orphan.account} {role.name}: not deleted: {exc}")
            return CleanupItem(
                account=orphan.account, role_name=role.name, action="failed", detail=str(exc)
            )
        self._say(f"{orphan.account} {role.name}: deleted")
        return CleanupItem(account=orphan.account, role_name=role.name, action="deleted")

    # -- machinery --------------------------------------------------------------------------

    def _site(self, account: str, region: str) -> Site:
        """Where the fleet's work in *region* of *account* runs, built on first use."""
        with self._lock:
            site = self._sites.get((account, region))
        if site is not None:
            return site
        acct = self._accounts[account]
        iam, account_id = self._account_wide(acct)
        profiles: CustomerProfilesClient = make_client(acct.session, "customer-profiles", region)  # type: ignore[assignment]
        site = Site(
            region=region,
            clients=Clients(profiles=profiles, iam=iam, sts=None),
            account=account_id,
            retry=self._retry,
            clock=self._clock,
            rand=self._rand,
            limiter=acct.limiter,
        )
        with self._lock:
            return self._sites.setdefault((account, region), site)

    def _account_wide(self, acct: _Account) -> tuple[IAMClient, AccountId]:
        """The IAM client and the account id (looked up once) that an account's regions share."""
        with self._lock:
            shared = self._shared.get(acct.label)
        if shared is not None:
            return shared
        region = self._regions[0]
        sts: STSClient = make_client(acct.session, "sts", region)  # type: ignore[assignment]
        iam: IAMClient = make_client(acct.session, "iam", region)  # type: ignore[assignment]
        with self._lock:
            return self._shared.setdefault(
                acct.label, (iam, AccountId(None, sts=sts, region=region))
            )

    def _run(self, tasks: Sequence[Callable[[], _T]]) -> list[_T]:
        """Run *tasks* on at most ``max_workers`` threads; results in task order."""
        results: list[_T | None] = [None] * len(tasks)
        work: queue.SimpleQueue[int] = queue.SimpleQueue()
        for index in range(len(tasks)):
            work.put(index)
        failures: list[BaseException] = []
        size = min(self._workers, len(tasks))

        def worker(members: Crew) -> None:
            try:
                while True:
                    try:
                        index = work.get_nowait()
                    except queue.Empty:
                        return
                    results[index] = tasks[index]()
            except BaseException as exc:  # noqa: BLE001 - re-raised in the caller
                failures.append(exc)
            finally:
                members.leave()

        with crew(self._clock, size) as members:
            threads = [
                threading.Thread(target=worker, args=(members,), name=f"slrkit-fleet-{n}")
                for n in range(size)
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
        if failures:
            raise failures[0]
        return [r for r in results if r is not None]

    def _say(self, line: str) -> None:
        _log.info("%s", line)
        if self._progress is not None:
            self._progress(line)


@attrs.frozen(kw_only=True)
class _Part:
    account: str
    domains: tuple[Domain, ...] = ()
    roles: tuple[LinkedRole, ...] = ()
    error: AuditError | None = None


def _round_robin(specs: Sequence[DomainSpec], key: Callable[[DomainSpec], object]) -> list[int]:
    """Indices of *specs*, taking one per (account, region) in turn.

    Each region has its own rate limits: interleaving keeps every region's
    buckets busy at once instead of draining one region while the others idle.
    """
    lanes: dict[object, list[int]] = {}
    for index, spec in enumerate(specs):
        lanes.setdefault(key(spec), []).append(index)
    rows = itertools.zip_longest(*lanes.values())
    return [index for row in rows for index in row if index is not None]


def _check_workers(value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidInputError("max_workers", value, "must be an integer of at least 1")


def _key(domain: Domain) -> str:
    return f"{domain.region}/{domain.name}"
