"""The contract suite's engine: the domain and role lifecycle, run and watched with boto3.

`run_contract` creates two domains named ``slrkit-contract-<random>``, watches
their service-linked roles appear, tries what slrkit relies on (errors, pages,
a deletion task that FAILS while a domain exists, one that SUCCEEDS after),
watches what AWS does and when, and removes everything it created, also when a
step fails. It returns a `Run`: the facts the tests assert, and the
`Observations` written to JSON.

A run against a real account starts only through `live_target`, which refuses,
before any call, unless the account id is given twice and matches the
credentials' own.
"""

# pyright: reportUnknownMemberType=false, reportTypedDictNotRequiredAccess=false
# (boto3-stubs type `Session.client` per service, most not installed; and a probe reads
# members that AWS documents as present: a missing one fails the run.)

from __future__ import annotations

import contextlib
import datetime as dt
import re
import secrets
import time
from typing import TYPE_CHECKING, Final, Protocol, cast

import attrs
import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from slrkit import SUPPORTED_REGIONS
from slrkit._fake._observations import ErrorSeen, Failure, Observations, RoleUsageSeen

if TYPE_CHECKING:
    from collections.abc import Callable, Generator, Mapping

    from mypy_boto3_customer_profiles.client import CustomerProfilesClient
    from mypy_boto3_customer_profiles.type_defs import CreateDomainResponseTypeDef
    from mypy_boto3_iam.client import IAMClient
    from mypy_boto3_iam.type_defs import RoleTypeDef
    from mypy_boto3_sts.client import STSClient

    from slrkit.testing import FakeAWS

__all__ = [
    "ACCOUNT_VARIABLE",
    "AWS_PACE",
    "FAKE_PACE",
    "Pace",
    "Refused",
    "Run",
    "Target",
    "live_target",
    "run_contract",
]

ACCOUNT_VARIABLE: Final = "SLRKIT_CONTRACT_ACCOUNT"
"""The environment variable that must name the account, as ``--aws-account`` does."""

NAME_PREFIX: Final = "slrkit-contract-"
ROLE_PATH: Final = "/aws-service-role/profile.amazonaws.com/"
ROLE_PREFIX: Final = "AWSServiceRoleForProfile_"
UNSUPPORTED_REGION: Final = "eu-west-1"  # Customer Profiles has no endpoint there
_ONE_ATTEMPT: Final = Config(retries={"total_max_attempts": 1})
_MAX_PAGES: Final = 1000
_RUNNING: Final = ("NOT_STARTED", "IN_PROGRESS")


class Clock(Protocol):
    """What a run needs of time: a monotonic reading and a sleep."""

    def monotonic(self) -> float:
        """Seconds on a clock that never goes back."""
        ...

    def sleep(self, seconds: float) -> None:
        """Wait for *seconds*."""
        ...


class RealTime:
    """The real clock, for runs against AWS."""

    def monotonic(self) -> float:
        """Return `time.monotonic()`."""
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        """Sleep for real."""
        time.sleep(seconds)


@attrs.frozen(kw_only=True)
class Pace:
    """How often a run polls, and how long it waits for each thing (seconds)."""

    poll: float
    appear: float
    remove: float
    task: float
    retention: float


FAKE_PACE: Final = Pace(poll=1.0, appear=120.0, remove=120.0, task=120.0, retention=10.0)
"""Virtual seconds: one-second polls make every fake timing come back exactly."""

AWS_PACE: Final = Pace(poll=5.0, appear=600.0, remove=900.0, task=900.0, retention=180.0)


@attrs.frozen(kw_only=True)
class Target:
    """Where a run goes: a session, its region, its clock and pace.

    `fake` is set only where the suite may use the fake's own hooks (fault
    injection); a live target never has one.
    """

    name: str
    session: boto3.Session
    region: str
    clock: Clock
    pace: Pace
    fake: FakeAWS | None = None
    # Clients are made once: each costs milliseconds, and a run polls hundreds of times.
    _clients: dict[str, object] = attrs.field(factory=dict[str, object], init=False, eq=False)

    def _client(self, service: str) -> object:
        client = self._clients.get(service)
        if client is None:
            make = cast("Callable[..., object]", self.session.client)
            client = self._clients[service] = make(service, region_name=self.region)
        return client

    def profiles(
        self, region: str | None = None, config: Config | None = None
    ) -> CustomerProfilesClient:
        """A Customer Profiles client of the target (a new one, if in another *region*)."""
        if region is None and config is None:
            return cast("CustomerProfilesClient", self._client("customer-profiles"))
        make = cast("Callable[..., CustomerProfilesClient]", self.session.client)
        return make("customer-profiles", region_name=region or self.region, config=config)

    def iam(self) -> IAMClient:
        """The IAM client of the target."""
        return cast("IAMClient", self._client("iam"))

    def sts(self) -> STSClient:
        """The STS client of the target."""
        return cast("STSClient", self._client("sts"))


class Refused(Exception):  # noqa: N818  # a refusal, with the reason for the user
    """The contract suite will not run against this account; nothing was changed."""


def live_target(
    *,
    account: str,
    environ: Mapping[str, str],
    clock: Clock | None = None,
    pace: Pace = AWS_PACE,
) -> Target:
    """A target on the account the environment's credentials belong to, if asked twice.

    *account* comes from ``--aws-account``; ``SLRKIT_CONTRACT_ACCOUNT`` must name
    the same 12 digits, the session's region must be one of Customer Profiles',
    and STS must say the credentials are that account's. The session is an
    ordinary `boto3.Session`: endpoints, credentials and region come from the
    environment and the AWS files, as for any boto3 program.

    Raises:
        Refused: Before any call, if the account is not given twice alike or the
            region is not supported; after GetCallerIdentity alone, if the
            credentials belong to another account.
    """
    twice = environ.get(ACCOUNT_VARIABLE)
    if not re.fullmatch(r"[0-9]{12}", account) or twice != account:
        raise Refused(
            "the contract suite runs against a real account only when asked twice: "
            f"--aws-account=ID and {ACCOUNT_VARIABLE}=ID, the same 12 digits "
            f"(got --aws-account={account!r} and {ACCOUNT_VARIABLE}={twice!r}); "
            "no call was made"
        )
    session = boto3.Session()
    region = session.region_name
    if region not in SUPPORTED_REGIONS:
        raise Refused(
            f"region {region!r} has no Customer Profiles; set AWS_DEFAULT_REGION (or the "
            f"profile's region) to one of {', '.join(SUPPORTED_REGIONS)}; no call was made"
        )
    target = Target(
        name="live",
        session=session,
        region=region,
        clock=clock if clock is not None else RealTime(),
        pace=pace,
    )
    actual = target.sts().get_caller_identity()["Account"]
    if actual != account:
        raise Refused(
            f"the credentials belong to account {actual}, not {account}; "
            "nothing but GetCallerIdentity was called"
        )
    return target


# -- one run -----------------------------------------------------------------------------


@attrs.define
class Run:
    """What one run of the lifecycle saw; the tests assert on it."""

    target: str
    region: str
    account_id: str
    partition: str
    domain: CreateDomainResponseTypeDef | None = None
    role: RoleTypeDef | None = None
    listed_role: Mapping[str, object] | None = None
    policies: list[str] = attrs.field(factory=list[str])
    role_pages: list[list[str]] = attrs.field(factory=list[list[str]])
    all_roles: list[str] = attrs.field(factory=list[str])
    domain_pages: list[list[str]] = attrs.field(factory=list[list[str]])
    domains: tuple[str, str] = ("", "")
    failed_task_id: str | None = None
    failed_status: Mapping[str, object] | None = None
    unsupported_region_error: BaseException | None = None
    observations: Observations | None = None
    # what the run learns, in the order it learns it
    seen: dict[str, object] = attrs.field(factory=dict[str, object])
    ids: dict[str, str] = attrs.field(factory=dict[str, str])
    errors: dict[str, ErrorSeen] = attrs.field(factory=dict[str, ErrorSeen])


class _Watch:
    """Polls on the target's clock: `elapsed` since the start, `tick` between polls."""

    def __init__(self, target: Target, limit: float) -> None:
        self._clock = target.clock
        self._poll = target.pace.poll
        self._start = target.clock.monotonic()
        self.limit = limit

    @property
    def elapsed(self) -> float:
        return self._clock.monotonic() - self._start

    def tick(self) -> bool:
        """Sleep one poll interval; False once the limit is spent."""
        if self.elapsed + self._poll > self.limit:
            return False
        self._clock.sleep(self._poll)
        return True


def _error(exc: ClientError) -> ErrorSeen:
    error = exc.response.get("Error", {})
    meta = exc.response.get("ResponseMetadata", {})
    return ErrorSeen(
        code=str(error.get("Code", "")),
        status=int(meta.get("HTTPStatusCode", 0)),
        message=str(error.get("Message", "")),
    )


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def _linked_roles(iam: IAMClient) -> list[str]:
    names: list[str] = []
    for page in iam.get_paginator("list_roles").paginate(PathPrefix=ROLE_PATH):
        names += [r["RoleName"] for r in page["Roles"] if r["RoleName"].startswith(ROLE_PREFIX)]
    return names


def _role(iam: IAMClient, name: str) -> RoleTypeDef | None:
    try:
        return iam.get_role(RoleName=name)["Role"]
    except ClientError as exc:
        if _code(exc) == "NoSuchEntity":
            return None
        raise


def _status(iam: IAMClient, task: str) -> Mapping[str, object] | None:
    """A task's status answer, or None when IAM does not know the task (any more)."""
    try:
        return cast(
            "Mapping[str, object]",
            iam.get_service_linked_role_deletion_status(DeletionTaskId=task),
        )
    except ClientError as exc:
        if _code(exc) == "NoSuchEntity":
            return None
        raise


class _Created:
    """What a run made, so that it can be removed whatever happens."""

    def __init__(self) -> None:
        self.domains: list[str] = []
        self.roles: list[str] = []


@contextlib.contextmanager
def _cleaning_up(target: Target) -> Generator[_Created, None, None]:
    """Remove every domain and role the run made, also after an error."""
    created = _Created()
    try:
        yield created
    finally:
        _remove(target, created)


def _remove(target: Target, created: _Created) -> None:
    cp = target.profiles()
    problems: list[str] = []
    for name in created.domains:
        try:
            cp.delete_domain(DomainName=name)
        except ClientError as exc:  # noqa: PERF203  # each domain is tried, whatever the last did
            if _code(exc) != "ResourceNotFoundException":
                problems.append(f"DeleteDomain {name}: {exc}")
    problems += [problem for name in created.roles if (problem := _remove_role(target, name))]
    if problems:
        raise RuntimeError("the contract run could not clean up: " + "; ".join(problems))


def _remove_role(target: Target, name: str) -> str | None:
    """Let the service remove the role, else DeleteServiceLinkedRole; what went wrong, if any."""
    iam = target.iam()
    if _gone_soon(target, iam, name, target.pace.remove):
        return None
    try:
        task = iam.delete_service_linked_role(RoleName=name)["DeletionTaskId"]
    except ClientError as exc:
        return None if _code(exc) == "NoSuchEntity" else f"DeleteServiceLinkedRole {name}: {exc}"
    watch = _Watch(target, target.pace.task)
    while (status := _status(iam, task)) is not None and status["Status"] in _RUNNING:
        if not watch.tick():
            break
    if _gone_soon(target, iam, name, target.pace.retention):
        return None
    return f"role {name} is still there; delete it by hand"


def _gone_soon(target: Target, iam: IAMClient, name: str, limit: float) -> bool:
    """Whether IAM's reads stop showing the role within *limit* seconds."""
    watch = _Watch(target, limit)
    while _role(iam, name) is not None:
        if not watch.tick():
            return False
    return True


def run_contract(target: Target) -> Run:
    """Run the lifecycle on *target* and return what it saw (see the module docstring)."""
    cp, iam, sts = target.profiles(), target.iam(), target.sts()
    identity = sts.get_caller_identity()
    run = Run(
        target=target.name,
        region=target.region,
        account_id=identity["Account"],
        partition=identity["Arn"].split(":")[1],
    )
    run.ids["user_id"] = identity["UserId"]
    suffix = secrets.token_hex(4)
    first, second = f"{NAME_PREFIX}{suffix}-a", f"{NAME_PREFIX}{suffix}-b"
    run.domains = (first, second)
    with _cleaning_up(target) as created:
        role_a = _create(target, run, created, first, record=True)
        role_b = _create(target, run, created, second, record=False)
        _pages(iam, cp, run)
        _errors(target, run, first, role_a)
        _failing_task(target, run, role_a)
        _service_removes_role(target, run, first, role_a)
        _deletion_task(target, run, second, role_b)
    run.observations = _observations(target, run)
    return run


def _create(target: Target, run: Run, created: _Created, name: str, *, record: bool) -> str:
    """Create a domain; watch for the one new service-linked role; return its name."""
    cp, iam = target.profiles(), target.iam()
    before = set(_linked_roles(iam))
    response = cp.create_domain(DomainName=name, DefaultExpirationDays=1)
    created.domains.append(name)
    watch = _Watch(target, target.pace.appear)
    while not (new := set(_linked_roles(iam)) - before):
        if not watch.tick():
            raise AssertionError(f"no service-linked role appeared within {watch.limit:g} s")
    if len(new) != 1:
        raise AssertionError(f"several roles appeared at once, cannot tell them apart: {new}")
    [role] = new
    created.roles.append(role)
    if record:
        run.seen["role_visible_after"] = watch.elapsed
        run.domain = response
        run.role = iam.get_role(RoleName=role)["Role"]
        [run.listed_role] = [
            cast("Mapping[str, object]", r)
            for r in iam.list_roles(PathPrefix=ROLE_PATH, MaxItems=1000)["Roles"]
            if r["RoleName"] == role
        ]
        attached = iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"]
        run.policies = [p["PolicyArn"] for p in attached]
        run.ids["role_name"] = role
        run.ids["role_id"] = run.role["RoleId"]
    return role


def _pages(iam: IAMClient, cp: CustomerProfilesClient, run: Run) -> None:
    """Page ListRoles by Marker and ListDomains by NextToken, one item a page."""
    run.all_roles = [
        r["RoleName"] for r in iam.list_roles(PathPrefix=ROLE_PATH, MaxItems=1000)["Roles"]
    ]
    for size in (1, 2):
        marker: str | None = None
        pages: list[list[str]] = []
        for _ in range(_MAX_PAGES):
            page = (
                iam.list_roles(PathPrefix=ROLE_PATH, MaxItems=size, Marker=marker)
                if marker
                else iam.list_roles(PathPrefix=ROLE_PATH, MaxItems=size)
            )
            pages.append([r["RoleName"] for r in page["Roles"]])
            if page["IsTruncated"] != ("Marker" in page):
                raise AssertionError(f"IsTruncated and Marker disagree: {page}")
            if page["IsTruncated"] and len(page["Roles"]) < size:
                run.seen["short_page_seen"] = True
            if not page["IsTruncated"]:
                break
            marker = page["Marker"]
        if size == 1:
            run.role_pages = pages
    token: str | None = None
    for _ in range(_MAX_PAGES):
        listed = (
            cp.list_domains(MaxResults=1, NextToken=token)
            if token
            else cp.list_domains(MaxResults=1)
        )
        run.domain_pages.append([d["DomainName"] for d in listed["Items"]])
        token = listed.get("NextToken")
        if token is None:
            break


def _errors(target: Target, run: Run, domain: str, role: str) -> None:
    """The error answers slrkit branches on, and a region without Customer Profiles."""
    cp, iam = target.profiles(), target.iam()
    calls: dict[str, Callable[[], object]] = {
        "GetDomain missing": lambda: cp.get_domain(DomainName=f"{domain}-missing"),
        "CreateDomain existing": lambda: cp.create_domain(
            DomainName=domain, DefaultExpirationDays=1
        ),
        "GetRole missing": lambda: iam.get_role(RoleName=f"{ROLE_PREFIX}slrkitcontractmissing"),
        "DeleteRole service-linked": lambda: iam.delete_role(RoleName=role),
        "GetServiceLinkedRoleDeletionStatus unknown": lambda: (
            iam.get_service_linked_role_deletion_status(
                DeletionTaskId=f"task{ROLE_PATH}{role}/00000000-0000-4000-8000-000000000000"
            )
        ),
    }
    for name, call in calls.items():
        try:
            call()
        except ClientError as exc:  # noqa: PERF203  # each call is expected to fail
            run.errors[name] = _error(exc)
        else:
            raise AssertionError(f"{name} succeeded; AWS was expected to refuse it")
    try:
        target.profiles(UNSUPPORTED_REGION, _ONE_ATTEMPT).list_domains()
    except (BotoCoreError, ClientError) as exc:
        run.unsupported_region_error = exc
        run.errors[f"ListDomains in {UNSUPPORTED_REGION}"] = (
            _error(exc)
            if isinstance(exc, ClientError)
            else ErrorSeen(code=type(exc).__name__, status=0, message=str(exc))
        )


def _failing_task(target: Target, run: Run, role: str) -> None:
    """DeleteServiceLinkedRole while the domain uses the role: the task should FAIL."""
    iam = target.iam()
    task = iam.delete_service_linked_role(RoleName=role)["DeletionTaskId"]
    run.failed_task_id = task
    run.ids["task_id"] = task
    states: list[str] = []
    watch = _Watch(target, target.pace.task)
    status = _status(iam, task)
    while status is not None and status["Status"] in _RUNNING:
        _note(states, str(status["Status"]))
        if not watch.tick():
            break
        status = _status(iam, task)
    if status is not None:
        _note(states, str(status["Status"]))
    run.seen["failed_task_states"] = tuple(states)
    run.failed_status = status
    if status is None or status["Status"] != "FAILED":
        return
    reason = cast("Mapping[str, object]", status.get("Reason", {}))
    usage = cast("list[Mapping[str, object]]", reason.get("RoleUsageList", []))
    run.seen["failure"] = Failure(
        domain_arn=f"arn:{run.partition}:profile:{run.region}:{run.account_id}:domains/{run.domains[0]}",
        domain_region=run.region,
        reason=cast("str | None", reason.get("Reason")),
        usage=tuple(
            RoleUsageSeen(
                region=str(u.get("Region", "")),
                resources=tuple(cast("list[str]", u.get("Resources", []))),
            )
            for u in usage
        ),
    )
    watch = _Watch(target, target.pace.retention)
    while _status(iam, task) is not None:
        if not watch.tick():
            run.seen["failed_task_watched"] = watch.elapsed
            return
    run.seen["failed_task_purged_after"] = watch.elapsed


def _service_removes_role(target: Target, run: Run, domain: str, role: str) -> None:
    """DeleteDomain, then watch for the service to delete the domain's role."""
    target.profiles().delete_domain(DomainName=domain)
    iam = target.iam()
    watch = _Watch(target, target.pace.remove)
    while _role(iam, role) is not None:
        if not watch.tick():
            run.seen["role_removal_watched"] = watch.elapsed
            return
    run.seen["role_removed_after"] = watch.elapsed
    run.seen["role_removal_watched"] = watch.elapsed


def _deletion_task(target: Target, run: Run, domain: str, role: str) -> None:
    """DeleteDomain and at once DeleteServiceLinkedRole: the task, its end, its purge."""
    target.profiles().delete_domain(DomainName=domain)
    iam = target.iam()
    try:
        task = iam.delete_service_linked_role(RoleName=role)["DeletionTaskId"]
    except ClientError as exc:
        if _code(exc) != "NoSuchEntity":
            raise
        run.seen["service_was_first"] = True
        return
    states: list[str] = []
    watch = _Watch(target, target.pace.task)
    while (status := _status(iam, task)) is not None and status["Status"] in _RUNNING:
        _note(states, str(status["Status"]))
        if not watch.tick():
            run.seen["task_states"] = tuple(states)
            return
    if status is not None:
        _note(states, str(status["Status"]))
    run.seen["task_states"] = tuple(states)
    run.seen["task_finished_after"] = watch.elapsed
    if status is None or status["Status"] == "SUCCEEDED":
        _after_the_task(target, run, task, role, purged=status is None)


def _after_the_task(target: Target, run: Run, task: str, role: str, *, purged: bool) -> None:
    """Watch, from a task's end, for IAM to forget it and for its role to leave the reads."""
    iam = target.iam()
    watch = _Watch(target, target.pace.retention)
    role_gone = False
    while True:
        if not purged and _status(iam, task) is None:
            purged = True
            run.seen["task_purged_after"] = watch.elapsed
        if not role_gone and _role(iam, role) is None:
            role_gone = True
            run.seen["deleted_role_visible_for"] = watch.elapsed
        if (purged and role_gone) or not watch.tick():
            break
    run.seen.setdefault("task_purged_after", 0.0 if purged else None)
    run.seen["task_watched"] = watch.elapsed


def _note(states: list[str], state: str) -> None:
    if not states or states[-1] != state:
        states.append(state)


def _observations(target: Target, run: Run) -> Observations:
    seen = run.seen

    def seconds(key: str) -> float | None:
        value = seen.get(key)
        return float(cast("float", value)) if value is not None else None

    return Observations(
        target=target.name,
        region=run.region,
        observed_at=dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        poll_interval=target.pace.poll,
        role_visible_after=seconds("role_visible_after"),
        role_removed_after=seconds("role_removed_after"),
        role_removal_watched=seconds("role_removal_watched") or 0.0,
        task_states=cast("tuple[str, ...]", seen.get("task_states", ())),
        task_finished_after=seconds("task_finished_after"),
        task_purged_after=seconds("task_purged_after"),
        task_watched=seconds("task_watched") or 0.0,
        deleted_role_visible_for=seconds("deleted_role_visible_for"),
        failed_task_states=cast("tuple[str, ...]", seen.get("failed_task_states", ())),
        failed_task_purged_after=seconds("failed_task_purged_after"),
        failed_task_watched=seconds("failed_task_watched") or 0.0,
        failure=cast("Failure | None", seen.get("failure")),
        short_page_seen=bool(seen.get("short_page_seen", False)),
        ids=dict(run.ids),
        errors=dict(run.errors),
    )
