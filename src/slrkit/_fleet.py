"""`Fleet`: many domains across regions and accounts, an audit of orphaned roles, and cleanup.

Work runs in a bounded pool of threads, paced by the account's rate limits. A
fleet ensures existing domains concurrently, then creates the missing ones one
site (an account's region) at a time per site, so that each new domain's role
can be proven before the next domain exists (`slrkit._evidence`). An audit
lists IAM once per account and every region's domains, and `slrkit._audit`
classifies them.
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import logging
import threading
from typing import TYPE_CHECKING, TypeVar

import attrs
import boto3

from slrkit import _audit, _deletion, _ensure
from slrkit._audit import (
    AuditError,
    AuditReport,
    CleanupItem,
    CleanupReport,
    DomainAudit,
    RoleAudit,
    RoleStatus,
)
from slrkit._clients import Clients, make_client
from slrkit._clock import Clock, SystemClock, clock_of
from slrkit._pool import run
from slrkit._ratelimit import RateLimiter, RateLimits
from slrkit._regions import SUPPORTED_REGIONS, validate_region
from slrkit._retry import RetryPolicy, system_random
from slrkit._spec import DomainSettings, SettingsFields
from slrkit._validate import check_flag, check_seconds, is_profile_role, validate_domain_name
from slrkit._verbs import Account, AccountId, Site
from slrkit.exceptions import InvalidInputError, SlrkitError, UnsafeRoleError

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence

    from mypy_boto3_customer_profiles.client import CustomerProfilesClient
    from mypy_boto3_iam.client import IAMClient
    from mypy_boto3_sts.client import STSClient

    from slrkit._models import Domain, EnsureResult, LinkedRole

__all__ = [
    "DomainSpec",
    "Fleet",
    "FleetItem",
    "FleetResult",
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

    @property
    def unlinked(self) -> tuple[FleetItem, ...]:
        """The items whose domain was created but whose role could not be proven (yet)."""
        return tuple(
            item for item in self.items if item.result is not None and item.result.link_problem
        )


@attrs.frozen
class _Account:
    label: str
    session: boto3.Session
    limiter: RateLimiter | None


@attrs.frozen(kw_only=True)
class _Missing:
    """A spec whose domain did not exist when the fleet first looked."""

    spec: DomainSpec
    wanted: DomainSettings


@attrs.frozen(kw_only=True)
class _Part:
    account: str
    domains: tuple[Domain, ...] = ()
    roles: tuple[LinkedRole, ...] = ()
    error: AuditError | None = None


class Fleet:
    """Domains across regions and accounts, worked on concurrently in a bounded pool.

    Args:
        accounts: One boto3 session, or sessions by label (for example one per
            assumed role). Labels name accounts in specs and reports.
        regions: The regions to work in (default: every supported one). The
            evidence for a role still reads every supported region where it must.
        max_workers: Threads working at once.
        rate_limits: Client-side pacing per account; None turns it off and leaves
            throttling to botocore's retries alone.
        retry: The retry policy of every operation.
        clock: Where time comes from (default: the fake's virtual clock when the
            sessions are `slrkit.testing`'s, else the system clock).
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
        if rate_limits is not None and not isinstance(rate_limits, RateLimits):
            raise InvalidInputError("rate_limits", rate_limits, "must be a slrkit.RateLimits")
        self._workers = max_workers
        self._clock: Clock = clock if clock is not None else _clock_of(sessions)
        self._retry = retry if retry is not None else RetryPolicy()
        self._rand = rand if rand is not None else system_random()
        self._grace = dt.timedelta(seconds=check_seconds("orphan_grace", orphan_grace))
        self._progress = progress
        self._accounts = {
            label: _Account(
                label, session, RateLimiter(rate_limits, self._clock) if rate_limits else None
            )
            for label, session in sessions.items()
        }
        self._lock = threading.Lock()
        self._shared: dict[str, tuple[IAMClient, Account]] = {}
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
        """`ProfilesKit.ensure_domain` for every spec; one failure stops no other.

        Existing domains are brought to their specs concurrently. Missing ones are
        then created one at a time per account and region, each awaiting its new
        role, which is recorded in its tag when the evidence proves it (see
        `FleetResult.unlinked` for those it could not prove). Regions and accounts
        work in parallel.

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
        first = self._run([functools.partial(self._ensure_existing, specs[i]) for i in order])
        outcome: dict[int, FleetItem] = {}
        lanes: dict[tuple[str, str], list[tuple[int, _Missing]]] = {}
        for index, done in zip(order, first, strict=True):
            if isinstance(done, _Missing):
                key = (self._account_of(done.spec), done.spec.region)
                lanes.setdefault(key, []).append((index, done))
            else:
                outcome[index] = done
        for lane in self._run(
            [functools.partial(self._create_lane, lane) for lane in lanes.values()]
        ):
            outcome.update(lane)
        items = tuple(outcome[index] for index in range(len(specs)))
        return FleetResult(items=items, elapsed=self._clock.monotonic() - started)

    def _ensure_existing(self, spec: DomainSpec) -> FleetItem | _Missing:
        """Bring an existing domain to its spec, or say that it is missing."""
        account = self._account_of(spec)
        try:
            validate_domain_name(spec.name)
            # Bad settings fail their item before any call is made for it.
            wanted = DomainSettings.of(spec)
            verbs = self._site(account, spec.region).verbs()
            current = verbs.find_domain(spec.name)
            if current is None:
                return _Missing(spec=spec, wanted=wanted)
            result = _ensure.update(verbs, current, wanted, dry_run=False)
        except SlrkitError as exc:
            return self._failed(account, spec, exc)
        return self._done(account, spec, result)

    def _create_lane(self, lane: Sequence[tuple[int, _Missing]]) -> dict[int, FleetItem]:
        """Create the missing domains of one account and region, one after the other."""
        done: dict[int, FleetItem] = {}
        for index, missing in lane:
            spec = missing.spec
            account = self._account_of(spec)
            try:
                verbs = self._site(account, spec.region).verbs()
                result = _ensure.ensure(
                    verbs, spec.name, missing.wanted, dry_run=False, wait_for_role=True
                )
            except SlrkitError as exc:
                done[index] = self._failed(account, spec, exc)
            else:
                done[index] = self._done(account, spec, result)
        return done

    def _done(self, account: str, spec: DomainSpec, result: EnsureResult) -> FleetItem:
        unlinked = f" (role not recorded: {result.link_problem})" if result.link_problem else ""
        self._say(f"{account} {spec.region} {spec.name}: {result.action}{unlinked}")
        return FleetItem(account=account, region=spec.region, name=spec.name, result=result)

    def _failed(self, account: str, spec: DomainSpec, exc: SlrkitError) -> FleetItem:
        self._say(f"{account} {spec.region} {spec.name}: failed: {exc}")
        return FleetItem(account=account, region=spec.region, name=spec.name, error=exc)

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
        now = self._clock.now()
        for account in self._accounts:
            mine = [p for p in parts if p.account == account]
            creations = self._account_wide(self._accounts[account])[1].creations
            account_domains, account_roles = _audit.classify(
                account,
                [(d, creations.observed(d)) for p in mine for d in p.domains],
                [r for p in mine for r in p.roles],
                complete=all(p.error is None for p in mine),
                every_region=set(self._regions) == set(SUPPORTED_REGIONS),
                now=now,
                grace=self._grace,
            )
            domains += account_domains
            roles += account_roles
        return AuditReport(
            domains=tuple(domains),
            roles=tuple(roles),
            errors=tuple(p.error for p in parts if p.error is not None),
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

    # -- cleanup ----------------------------------------------------------------------------

    def cleanup_orphans(self, *, dry_run: bool = True) -> CleanupReport:
        """Delete the roles an audit finds orphaned, and nothing else.

        Each goes through DeleteServiceLinkedRole and its task is polled to the
        end, with the same guards as `ProfilesKit.safe_delete_domain`: a role
        outside the Customer Profiles SLR path is never touched, and a role IAM
        says is in use is reported, never forced.

        Args:
            dry_run: Only report what would be deleted (the default).

        Raises:
            InvalidInputError: *dry_run* is not a bool.
        """
        check_flag("dry_run", dry_run)
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
            _deletion.delete_role(verbs, role.name, own=None)
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
        iam, shared = self._account_wide(acct)
        profiles: CustomerProfilesClient = make_client(acct.session, "customer-profiles", region)  # type: ignore[assignment]
        site = Site(
            region=region,
            clients=Clients(profiles=profiles, iam=iam, sts=None),
            account=shared,
            retry=self._retry,
            clock=self._clock,
            rand=self._rand,
            limiter=acct.limiter,
        )
        with self._lock:
            return self._sites.setdefault((account, region), site)

    def _account_wide(self, acct: _Account) -> tuple[IAMClient, Account]:
        """The IAM client and the `Account` that an account's regions share."""
        with self._lock:
            shared = self._shared.get(acct.label)
        if shared is not None:
            return shared
        region = self._regions[0]
        sts: STSClient = make_client(acct.session, "sts", region)  # type: ignore[assignment]
        iam: IAMClient = make_client(acct.session, "iam", region)  # type: ignore[assignment]
        account = Account(
            id=AccountId(None, sts=sts),
            regions=SUPPORTED_REGIONS,
            site_for=functools.partial(self._site, acct.label),
        )
        with self._lock:
            return self._shared.setdefault(acct.label, (iam, account))

    def _run(self, tasks: Sequence[Callable[[], _T]]) -> list[_T]:
        return run(tasks, workers=self._workers, clock=self._clock)

    def _say(self, line: str) -> None:
        _log.info("%s", line)
        if self._progress is not None:
            self._progress(line)


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


def _clock_of(sessions: Mapping[str, boto3.Session]) -> Clock:
    """The clock the sessions' AWS runs on: one fake's, or the system's.

    Raises:
        InvalidInputError: The sessions run on different clocks (several fakes, or a
            fake and AWS); say which with ``clock=``.
    """
    found = [clock_of(session) for session in sessions.values()]
    distinct = {id(clock): clock for clock in found if clock is not None}
    if len(distinct) > 1 or (distinct and None in found):
        raise InvalidInputError(
            "clock", None, "the sessions run on different clocks (fakes, or AWS): pass clock="
        )
    return next(iter(distinct.values()), None) or SystemClock()


def _check_workers(value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidInputError("max_workers", value, "must be an integer of at least 1")
