"""The fault matrix: every ProfilesKit operation, every API call it makes, every kind of fault.

The (operation, call) pairs are not written by hand: each scenario is first run
clean on the fake, and the calls it made become the matrix's rows, so a call the
kit starts making tomorrow is covered tomorrow. A fault is injected at the n-th
call of an operation (a botocore ``before-parameter-build`` hook on the kit's
session counts them and arms the fake just in time). Each case then checks:

- the outcome: success within the deadline, or a typed slrkit error naming the
  operation and the AWS code;
- safety: bystander domains, their data and every role outside the scenario
  survive, and no forbidden call (DeleteRole, UntagResource, a write on another
  domain or role) is ever made;
- recovery: with the faults gone, running the operation again reaches its goal.

``SLRKIT_FAULT_MATRIX=full`` (the soak session) fault every occurrence of a
repeated call; by default only the first, the second and the last occurrence.
"""

from __future__ import annotations

import functools
import os
import random
import tempfile
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Final, cast

import attrs
import pytest
from botocore import xform_name
from botocore.exceptions import ClientError

from slrkit import (
    Action,
    AWSError,
    DeletionPlan,
    DeletionReport,
    Domain,
    EndpointError,
    EnsureResult,
    LinkedRole,
    ProfilesKit,
    RetryDeadlineError,
    SlrkitError,
    ThrottledError,
)
from slrkit._aws import OPERATIONS
from slrkit._cli import main
from slrkit._clients import make_client
from slrkit._evidence import SETTLE_AFTER
from slrkit.exceptions import AccessDeniedError
from slrkit.testing import FakeAWS
from writes import FORBIDDEN, WRITES

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from mypy_boto3_customer_profiles.client import CustomerProfilesClient
    from mypy_boto3_iam.client import IAMClient

REGION: Final = "eu-west-2"
OTHER_REGION: Final = "us-east-1"
ACCOUNT: Final = "123456789012"
DOMAIN: Final = "acme"
BYSTANDER: Final = "beta"
DAYS: Final = 365
TAGS: Final = {"team": "cx"}
# slrkit._clients.client_config: botocore's standard mode, 3 attempts per call.
BOTOCORE_ATTEMPTS: Final = 3
THROTTLE_RETRIES: Final = 3  # RetryPolicy().throttle_retries
FULL_MATRIX: Final = os.environ.get("SLRKIT_FAULT_MATRIX") == "full"

SERVICES: Final = {name: op.service for name, op in OPERATIONS.items()}
"""The service of every operation the kit calls, from slrkit's own registry."""
THROTTLE_CODE: Final = {"customer-profiles": "ThrottlingException", "iam": "Throttling"}
SERVER_CODE: Final = {"customer-profiles": "InternalServerException"}
DENIED_CODE: Final = {"customer-profiles": "AccessDeniedException"}
NOT_FOUND_CODE: Final = {"customer-profiles": "ResourceNotFoundException", "iam": "NoSuchEntity"}
# Roles that slrkit must never touch, whatever happens.
OUTSIDERS: Final = {
    "ops-admin": "/",
    "AWSServiceRoleForProfile_lookalike": "/",
    "AWSServiceRoleForSupport": "/aws-service-role/support.amazonaws.com/",
}


def make_kit(fake: FakeAWS, region: str = REGION) -> ProfilesKit:
    """A kit on the fake with seeded jitter, as a user's would be (no account id given)."""
    return ProfilesKit(
        region, session=fake.session(region), clock=fake.clock, rand=random.Random(0).random
    )


def domain_arn(name: str, region: str = REGION) -> str:
    return f"arn:aws:profile:{region}:{ACCOUNT}:domains/{name}"


# -- the bench: a fake, a kit, and the hook that injects faults at the n-th call -----------


@attrs.frozen
class Armed:
    """A fault waiting for the n-th call of an operation."""

    operation: str
    nth: int
    inject: Callable[[Bench, str, dict[str, object]], None]


class Bench:
    """One case's world: a fake loaded from a scenario's snapshot, and a fresh kit on it."""

    def __init__(self, fake: FakeAWS, *, knows_account: bool) -> None:
        self.fake = fake
        self.session = fake.session(REGION)
        self.trace: list[str] = []
        self.counts: Counter[str] = Counter()
        self.armed: Armed | None = None
        self.session.events.register("before-parameter-build", self._before_call)
        jitter = random.Random(0).random
        if knows_account:
            # The kit of a caller who gives the account id: no STS client, no STS call.
            self.kit = ProfilesKit(
                REGION,
                profiles_client=cast(
                    "CustomerProfilesClient",
                    make_client(self.session, "customer-profiles", REGION),
                ),
                iam_client=cast("IAMClient", make_client(self.session, "iam", REGION)),
                account_id=ACCOUNT,
                clock=fake.clock,
                rand=jitter,
            )
        else:
            self.kit = ProfilesKit(REGION, session=self.session, clock=fake.clock, rand=jitter)
        bystander_role = _role_of(fake, domain_arn(BYSTANDER, OTHER_REGION))
        assert bystander_role is not None
        self.bystander_role = bystander_role
        self.start_role = self.role

    def _before_call(self, event_name: str, params: dict[str, object], **_: object) -> None:
        operation = event_name.rsplit(".", 1)[-1]
        self.trace.append(operation)
        self.counts[operation] += 1
        armed = self.armed
        if (
            armed is not None
            and armed.operation == operation
            and self.counts[operation] == armed.nth
        ):
            self.armed = None
            armed.inject(self, operation, dict(params))

    @property
    def fired(self) -> bool:
        """Whether the armed fault went off."""
        return self.armed is None

    @functools.cached_property
    def other_profiles(self) -> CustomerProfilesClient:
        """Another caller's client (not the kit's session: its calls are not counted)."""
        return self.fake.client("customer-profiles", REGION)

    @functools.cached_property
    def other_iam(self) -> IAMClient:
        """Another caller's IAM client."""
        return self.fake.client("iam", REGION)

    def replay(self, operation: str, params: dict[str, object]) -> None:
        """Make *operation* happen as another caller would, with the same parameters."""
        client = self.other_iam if SERVICES[operation] == "iam" else self.other_profiles
        getattr(client, xform_name(operation))(**params)

    @property
    def role(self) -> str | None:
        """The role the fake says the scenario's domain uses, if it exists."""
        return _role_of(self.fake, domain_arn(DOMAIN))


def _role_of(fake: FakeAWS, arn: str) -> str | None:
    return next((role for role, arns in fake.roles_in_use().items() if arn in arns), None)


# -- scenarios: an operation, the state it starts from, and the goal it must reach ---------


def _bystanders(fake: FakeAWS) -> None:
    """Roles outside the path, and a domain with data (and its role) in the other region."""
    for name, path in OUTSIDERS.items():
        fake.add_role(name, path=path)
    other = fake.client("customer-profiles", OTHER_REGION)
    other.create_domain(DomainName=BYSTANDER, DefaultExpirationDays=30)
    fake.load_data(BYSTANDER, region=OTHER_REGION, profiles=5, objects=7)
    # An hour later: the scenario's domain is far from the bystander in time.
    fake.advance(3600)


def _ensure(kit: ProfilesKit, days: int = DAYS, tags: dict[str, str] = TAGS) -> EnsureResult:
    """Ensure the spec, which also removes the tag ``cost`` (the old domain carries one)."""
    return kit.ensure_domain(DOMAIN, default_expiration_days=days, tags=tags, remove_tags=["cost"])


def _tagged_domain(fake: FakeAWS) -> None:
    kit = make_kit(fake)
    _ensure(kit)


def _untagged_domain(fake: FakeAWS) -> None:
    fake.client("customer-profiles", REGION).create_domain(
        DomainName=DOMAIN, DefaultExpirationDays=DAYS, Tags=TAGS
    )
    # Past the age at which the evidence can tell a domain's role (SETTLE_AFTER).
    fake.advance(SETTLE_AFTER.total_seconds())


def _old_domain(fake: FakeAWS) -> None:
    kit = make_kit(fake)
    kit.ensure_domain(DOMAIN, default_expiration_days=30, tags={"team": "ops", "cost": "42"})


def _ensure_promise(bench: Bench, result: object) -> None:
    """An ensure that names a role names the domain's own role, and the domain has the spec."""
    assert isinstance(result, EnsureResult)
    if result.linked_role is not None:
        assert result.linked_role.name == bench.role, "tagged with another domain's role"
    check = bench.kit.ensure_domain(
        DOMAIN, default_expiration_days=DAYS, tags=TAGS, remove_tags=["cost"], dry_run=True
    )
    assert check.action is Action.UNCHANGED, check.changes


def _ensure_goal(bench: Bench, result: object) -> None:
    """Converged, and the kit ties the domain to the role the fake says it uses."""
    _ensure_promise(bench, result)
    assert bench.role is not None
    # A domain made by a CreateDomain whose answer was lost has no tag: describe weighs the
    # evidence, which can tell once the domain is old enough for its role to show in IAM.
    bench.fake.advance(SETTLE_AFTER.total_seconds())
    assert bench.kit.describe_linked_role(DOMAIN).name == bench.role


def _describe_promise(bench: Bench, result: object) -> None:
    """A role named is the domain's own, whatever went wrong on the way."""
    assert isinstance(result, LinkedRole)
    assert result.name == bench.role


def _plan_promise(bench: Bench, result: object) -> None:
    """A plan names the domain's own role or none; never another."""
    assert isinstance(result, DeletionPlan)
    assert result.role is None or result.role.name == bench.role


def _plan_goal(bench: Bench, result: object) -> None:
    assert isinstance(result, DeletionPlan)
    assert result.safe
    assert result.role is not None
    assert result.role.name == bench.role


def _list_goal(bench: Bench, result: object) -> None:
    del bench
    assert isinstance(result, list)
    names = [d.name for d in cast("list[Domain]", result)]
    assert names == [DOMAIN]


def _deleted(bench: Bench, result: object) -> None:
    """A successful deletion leaves neither the domain nor its role."""
    assert isinstance(result, DeletionReport)
    assert DOMAIN not in bench.fake.domains(REGION)
    assert bench.start_role not in bench.fake.roles(include_pending=True)


def _nothing(bench: Bench, result: object) -> None:
    del bench, result


@attrs.frozen
class Scenario:
    """An operation of the kit from a given state.

    ``promise`` holds after any success, even one built on a wrong answer from AWS;
    ``goal`` holds after a success the fault must not prevent, and after the rerun.
    """

    name: str
    setup: Callable[[FakeAWS], None] | None
    work: Callable[[Bench], object]
    promise: Callable[[Bench, object], None]
    goal: Callable[[Bench, object], None]
    role_cleanup_delay: float | None = 20.0
    knows_account: bool = True
    in_full_matrix_only: bool = False

    def rerun(self, bench: Bench) -> object:
        """The operation again, as a user would run it; a deletion names the planned role."""
        if self.name.startswith("delete"):
            return bench.kit.safe_delete_domain(
                DOMAIN, confirm=DOMAIN, role_name=bench.start_role, missing_ok=True
            )
        return self.work(bench)


def _delete(grace: float) -> Callable[[Bench], object]:
    def work(bench: Bench) -> object:
        return bench.kit.safe_delete_domain(DOMAIN, confirm=DOMAIN, cleanup_grace=grace)

    return work


def _ensure_work(bench: Bench) -> object:
    return _ensure(bench.kit)


def _describe_work(bench: Bench) -> object:
    return bench.kit.describe_linked_role(DOMAIN)


def _plan_work(bench: Bench) -> object:
    return bench.kit.plan_domain_deletion(DOMAIN)


def _list_work(bench: Bench) -> object:
    return bench.kit.list_domains()


SCENARIOS: Final = {
    s.name: s
    for s in (
        Scenario(
            "ensure-create", None, _ensure_work, _ensure_promise, _ensure_goal, knows_account=False
        ),
        Scenario("ensure-update", _old_domain, _ensure_work, _ensure_promise, _ensure_goal),
        Scenario(
            "describe-tagged",
            _tagged_domain,
            _describe_work,
            _describe_promise,
            _describe_promise,
            # The same calls as "plan"; the full matrix runs both.
            in_full_matrix_only=True,
        ),
        Scenario(
            "describe-untagged",
            _untagged_domain,
            _describe_work,
            _describe_promise,
            _describe_promise,
        ),
        Scenario("plan", _tagged_domain, _plan_work, _plan_promise, _plan_goal),
        Scenario(
            "list-domains", _tagged_domain, _list_work, _nothing, _list_goal, knows_account=False
        ),
        Scenario("delete-service-removes-role", _tagged_domain, _delete(60.0), _deleted, _deleted),
        Scenario(
            "delete-slrkit-removes-role",
            _tagged_domain,
            _delete(4.0),
            _deleted,
            _deleted,
            role_cleanup_delay=None,
        ),
    )
}

_SNAPSHOTS = tempfile.TemporaryDirectory(prefix="slrkit-fault-matrix-")


@functools.cache
def snapshot(scenario: str) -> Path:
    """The scenario's starting state, built once and saved (a load is much cheaper)."""
    spec = SCENARIOS[scenario]
    fake = FakeAWS(ACCOUNT, role_cleanup_delay=spec.role_cleanup_delay)
    _bystanders(fake)
    if spec.setup is not None:
        spec.setup(fake)
    path = Path(_SNAPSHOTS.name) / f"{scenario}.json"
    fake.save(path)
    return path


def bench(scenario: str) -> Bench:
    """A fresh bench at the scenario's start, with the domain's role noted."""
    return Bench(FakeAWS.load(snapshot(scenario)), knows_account=SCENARIOS[scenario].knows_account)


@functools.cache
def clean_trace(scenario: str) -> tuple[str, ...]:
    """The calls the kit makes for the scenario when nothing goes wrong."""
    run = bench(scenario)
    SCENARIOS[scenario].work(run)
    return tuple(run.trace)


# -- fault kinds ------------------------------------------------------------------------------


def _fail(code: dict[str, str], default: str, status: int, times: int) -> Callable[..., None]:
    def inject(bench: Bench, operation: str, params: dict[str, object]) -> None:
        del params
        service = SERVICES[operation]
        bench.fake.fail(operation, code=code.get(service, default), status=status, times=times)

    return inject


def _drop(kind: str, times: int) -> Callable[..., None]:
    def inject(bench: Bench, operation: str, params: dict[str, object]) -> None:
        del params
        bench.fake.fail_connection(operation, times=times, kind=kind)  # type: ignore[arg-type]

    return inject


def _lose_response(times: int) -> Callable[..., None]:
    """The write happens, but its answer never arrives (*times* read timeouts)."""

    def inject(bench: Bench, operation: str, params: dict[str, object]) -> None:
        bench.replay(operation, params)
        bench.fake.fail_connection(operation, times=times, kind="read-timeout")

    return inject


def _role_vanishes(bench: Bench, operation: str, params: dict[str, object]) -> None:
    """Someone else deletes the (unused) role right before this call."""
    del operation, params
    assert bench.start_role is not None
    try:
        bench.other_iam.delete_service_linked_role(RoleName=bench.start_role)
    except ClientError:
        return  # already gone
    bench.fake.advance(bench.fake.deletion_task_duration + 1)


@attrs.frozen
class Kind:
    """A kind of fault and what the kit must make of it.

    ``expect`` is None when success is required, a slrkit error class when that
    error is required (with ``code`` and the faulted operation), and
    `SlrkitError` when either a success or any typed error is fine.
    """

    name: str
    inject: Callable[[Bench, str, dict[str, object]], None]
    applies: Callable[[str, bool], bool]
    expect: type[SlrkitError] | None = None
    code: Callable[[str], str] | None = None


def _every(operation: str, after_delete: bool) -> bool:
    del operation, after_delete
    return True


def _domain_or_young_role_reads(operation: str, after_delete: bool) -> bool:
    # A ResourceNotFound the service should not have sent: domain calls, and IAM role reads
    # before any deletion (IAM's eventual consistency); after DeleteDomain the role really
    # goes (see "role-vanishes").
    if operation in {"GetDomain", "UpdateDomain", "TagResource", "DeleteDomain"}:
        return True
    return operation in {"GetRole", "ListAttachedRolePolicies"} and not after_delete


def _role_calls_after_delete(operation: str, after_delete: bool) -> bool:
    role_calls = {
        "GetRole",
        "ListAttachedRolePolicies",
        "DeleteServiceLinkedRole",
        "GetServiceLinkedRoleDeletionStatus",
    }
    return operation in role_calls and after_delete


def _writes(operation: str, after_delete: bool) -> bool:
    del after_delete
    return operation in WRITES


def _throttle_code(operation: str) -> str:
    return THROTTLE_CODE.get(SERVICES[operation], "Throttling")


def _code(value: str) -> Callable[[str], str]:
    return lambda _operation: value


BEYOND_ALL_RETRIES: Final = BOTOCORE_ATTEMPTS * (1 + THROTTLE_RETRIES)

KINDS: Final = (
    Kind(
        "throttled-past-botocore",
        _fail(THROTTLE_CODE, "Throttling", 400, BOTOCORE_ATTEMPTS),
        _every,
    ),
    Kind(
        "throttled-past-slrkit",
        _fail(THROTTLE_CODE, "Throttling", 400, BEYOND_ALL_RETRIES),
        _every,
        ThrottledError,
        _throttle_code,
    ),
    Kind("one-500", _fail(SERVER_CODE, "InternalFailure", 500, 1), _every),
    Kind(
        "500s",
        _fail(SERVER_CODE, "InternalFailure", 500, BOTOCORE_ATTEMPTS),
        _every,
        AWSError,
        lambda op: SERVER_CODE.get(SERVICES[op], "InternalFailure"),
    ),
    Kind(
        "connection-refused",
        _drop("connect", BOTOCORE_ATTEMPTS),
        _every,
        EndpointError,
        _code("EndpointConnectionError"),
    ),
    Kind(
        "read-timeout",
        _drop("read-timeout", BOTOCORE_ATTEMPTS),
        _every,
        EndpointError,
        _code("ReadTimeoutError"),
    ),
    Kind(
        "access-denied",
        _fail(DENIED_CODE, "AccessDenied", 403, 1),
        _every,
        AccessDeniedError,
        lambda op: DENIED_CODE.get(SERVICES[op], "AccessDenied"),
    ),
    Kind(
        "not-found",
        _fail(NOT_FOUND_CODE, "NoSuchEntity", 404, 1),
        _domain_or_young_role_reads,
        SlrkitError,
    ),
    Kind("role-vanishes", _role_vanishes, _role_calls_after_delete),
    Kind(
        "response-lost",
        _lose_response(BOTOCORE_ATTEMPTS),
        _writes,
        EndpointError,
        _code("ReadTimeoutError"),
    ),
    Kind("response-lost-once", _lose_response(1), _writes),
)


ROTATING: Final = (
    "throttled-past-botocore",
    "throttled-past-slrkit",
    "500s",
    "connection-refused",
    "read-timeout",
    "access-denied",
    "one-500",
)
"""Kinds that take turns over the calls, unless the full matrix runs."""


@attrs.frozen
class Case:
    """One cell of the matrix: a fault of one kind at the n-th call of an operation."""

    scenario: str
    operation: str
    nth: int
    kind: Kind

    @property
    def id(self) -> str:
        """The test id, e.g. ``plan:GetRole#1:access-denied``."""
        return f"{self.scenario}:{self.operation}#{self.nth}:{self.kind.name}"


def _occurrences(trace: tuple[str, ...]) -> Iterator[tuple[str, int, bool]]:
    """(operation, n, after DeleteDomain) for each call of *trace* the matrix faults."""
    totals = Counter(trace)
    seen: Counter[str] = Counter()
    deleted = False
    for operation in trace:
        seen[operation] += 1
        nth = seen[operation]
        if FULL_MATRIX or nth in {1, totals[operation]}:
            yield operation, nth, deleted
        deleted = deleted or operation == "DeleteDomain"


def cases() -> list[Case]:
    """Every (scenario, call, kind) the matrix runs.

    Every call gets every kind that applies to it, except that the hard failures
    of `ROTATING` (which take the same path through the kit: the call's error
    propagates) take turns over the calls; the full matrix runs them all.
    """
    found: list[Case] = []
    turn = 0
    for scenario, spec in SCENARIOS.items():
        if spec.in_full_matrix_only and not FULL_MATRIX:
            continue
        for operation, nth, after_delete in _occurrences(clean_trace(scenario)):
            for kind in KINDS:
                if not kind.applies(operation, after_delete):
                    continue
                rotating = kind.name in ROTATING and not FULL_MATRIX
                if rotating and ROTATING[turn % len(ROTATING)] != kind.name:
                    continue
                found.append(Case(scenario, operation, nth, kind))
            turn += 1
    return found


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Parametrize ``case`` with the matrix derived from the clean runs."""
    if "case" in metafunc.fixturenames:
        metafunc.parametrize(
            "case",
            [pytest.param(case, id=case.id) for case in cases()],
        )


# -- the checks -------------------------------------------------------------------------------


def assert_nothing_else_touched(bench: Bench, *, refused: frozenset[str] = frozenset()) -> None:
    """Bystanders survive, and no forbidden or foreign write was ever sent.

    *refused* names roles the kit may have asked IAM to delete, and IAM refused.
    """
    roles = bench.fake.roles(include_pending=True)
    assert set(OUTSIDERS) <= set(roles)
    assert bench.bystander_role in roles
    assert BYSTANDER in bench.fake.domains(OTHER_REGION)
    assert bench.fake.roles_in_use()[bench.bystander_role] == (domain_arn(BYSTANDER, OTHER_REGION),)
    for call in bench.fake.calls:
        assert call.operation not in FORBIDDEN, call
        if call.operation in WRITES:
            assert call.params.get("DomainName", DOMAIN) == DOMAIN, call
            mine = {bench.start_role, bench.role}
            assert call.params.get("RoleName", bench.start_role) in mine | refused, call
            assert call.params.get("resourceArn", domain_arn(DOMAIN)) == domain_arn(DOMAIN), call


def test_the_matrix_covers_every_operation_the_kit_calls() -> None:
    """The clean runs reach every API operation slrkit's code can call (`OPERATIONS`)."""

    made = {operation for scenario in SCENARIOS for operation in clean_trace(scenario)}
    assert made == set(OPERATIONS)
    kinds = {case.kind.name for case in cases()}
    assert kinds == {kind.name for kind in KINDS}


def test_fault(case: Case) -> None:
    """The faulted run succeeds within the deadline or raises the typed error for the fault,
    touches nothing it should not, and a clean rerun then reaches the operation's goal."""
    scenario = SCENARIOS[case.scenario]
    run = bench(case.scenario)
    run.armed = Armed(case.operation, case.nth, case.kind.inject)
    started = run.fake.clock.monotonic()
    outcome: object
    try:
        outcome = scenario.work(run)
    except SlrkitError as exc:
        outcome = exc
    assert run.fired, "the fault was never injected: the kit's calls changed"
    elapsed = run.fake.clock.monotonic() - started

    expect = case.kind.expect
    if expect is None:
        assert not isinstance(outcome, SlrkitError), f"{type(outcome).__name__}: {outcome}"
        assert elapsed <= run.kit.retry.deadline
    elif expect is not SlrkitError:
        assert type(outcome) is expect, f"{type(outcome).__name__}: {outcome}"
        assert isinstance(outcome, AWSError)
        assert outcome.operation == case.operation
        assert case.kind.code is not None
        assert outcome.code == case.kind.code(case.operation)
        assert case.operation in str(outcome)
        assert outcome.code in str(outcome)
        # It stopped at the failure: the failed call is the last one the kit made.
        assert run.trace[-1] == case.operation
    assert_nothing_else_touched(run)
    if expect is None:
        scenario.goal(run, outcome)
    elif not isinstance(outcome, SlrkitError):
        scenario.promise(run, outcome)

    run.fake.clear_faults()
    again = scenario.rerun(run)
    scenario.goal(run, again)
    assert_nothing_else_touched(run)


# -- faults that are states, not calls ---------------------------------------------------------


@pytest.mark.parametrize(
    ("delay", "outcome"), [(120.0, None), (1000.0, RetryDeadlineError)], ids=["slow", "too-slow"]
)
def test_iam_propagation_delay(delay: float, outcome: type[SlrkitError] | None) -> None:
    """A role slow to show in IAM is awaited within the deadline; past it, the error says what
    it waited for, the domain exists, and a rerun plus a describe settle the role."""
    fake = FakeAWS(ACCOUNT, propagation_delay=delay)
    kit = make_kit(fake)
    if outcome is None:
        result = kit.ensure_domain(DOMAIN, default_expiration_days=DAYS)
        assert result.linked_role is not None
        assert fake.clock.monotonic() <= kit.retry.deadline
        return
    with pytest.raises(outcome) as caught:
        kit.ensure_domain(DOMAIN, default_expiration_days=DAYS)
    assert "service-linked role of domain 'acme'" in str(caught.value)
    assert fake.domains(REGION) == (DOMAIN,)
    fake.advance(delay)
    [role] = fake.roles_in_use()
    rerun = kit.ensure_domain(DOMAIN, default_expiration_days=DAYS)
    assert rerun.action is Action.UPDATED
    assert [c.field for c in rerun.changes] == ["tags[slrkit:linked-role]"]
    assert kit.describe_linked_role(DOMAIN).name == role


@pytest.mark.parametrize("cleanup", [20.0, None], ids=["service-cleans", "service-never-cleans"])
def test_a_copied_tag_is_not_trusted_and_never_leads_to_the_neighbours_role(
    cleanup: float | None,
) -> None:
    """A domain whose tag names a neighbour's role (a copy-paste) is not tied to that role: the
    neighbour was created long after it, so the evidence decides, the domain's own role goes
    with it, and the neighbour's role is never sent to IAM."""
    run = bench("delete-service-removes-role" if cleanup else "delete-slrkit-removes-role")
    own_role = run.start_role
    cp = run.fake.client("customer-profiles", REGION)
    run.fake.advance(SETTLE_AFTER.total_seconds())
    cp.create_domain(DomainName="gamma", DefaultExpirationDays=DAYS)
    run.fake.advance(run.fake.propagation_delay + 1)
    neighbour = _role_of(run.fake, domain_arn("gamma"))
    assert neighbour is not None
    cp.tag_resource(resourceArn=domain_arn(DOMAIN), tags={"slrkit:linked-role": neighbour})
    run.fake.clear_calls()
    report = run.kit.safe_delete_domain(DOMAIN, confirm=DOMAIN, cleanup_grace=5)
    assert report.role_name == own_role
    assert DOMAIN not in run.fake.domains(REGION)
    assert own_role not in run.fake.roles(include_pending=True)
    sent = [c.params["RoleName"] for c in run.fake.calls_to("DeleteServiceLinkedRole")]
    assert neighbour not in sent
    assert neighbour in run.fake.roles()
    assert "gamma" in run.fake.domains(REGION)


def test_a_tag_naming_a_role_used_in_another_region_is_not_trusted() -> None:
    """A tag naming the role of a domain in another region is ignored: the evidence finds
    the domain's own role, which goes with it, and the other domain's role is untouched."""
    run = bench("delete-slrkit-removes-role")
    own_role = run.start_role
    cp = run.fake.client("customer-profiles", REGION)
    cp.tag_resource(resourceArn=domain_arn(DOMAIN), tags={"slrkit:linked-role": run.bystander_role})
    run.fake.advance(SETTLE_AFTER.total_seconds())
    assert run.kit.describe_linked_role(DOMAIN).name == own_role
    report = run.kit.safe_delete_domain(DOMAIN, confirm=DOMAIN, cleanup_grace=5)
    assert report.role_name == own_role
    assert own_role not in run.fake.roles(include_pending=True)
    assert_nothing_else_touched(run)


# -- bugs found on the way, each fixed; kept as regression tests ------------------------------


@pytest.mark.parametrize("other_region", [REGION, OTHER_REGION])
def test_ensure_never_tags_another_domains_role(other_region: str) -> None:
    """A domain created while another caller's new domain still has its role propagating is
    tagged with its own role, never with the other domain's."""
    fake = FakeAWS(ACCOUNT)
    session = fake.session(REGION)
    other = fake.client("customer-profiles", other_region)
    raced: list[str] = []

    def another_caller_creates_a_domain(**_: object) -> None:
        if not raced:
            raced.append("beta")
            other.create_domain(DomainName="beta", DefaultExpirationDays=5)
            fake.advance(4)

    session.events.register(
        "before-parameter-build.customer-profiles.CreateDomain", another_caller_creates_a_domain
    )
    kit = ProfilesKit(REGION, session=session, clock=fake.clock, rand=lambda: 0.99)
    result = kit.ensure_domain(DOMAIN, default_expiration_days=DAYS)
    own = _role_of(fake, domain_arn(DOMAIN))
    assert result.linked_role is None or result.linked_role.name == own
    fake.advance(SETTLE_AFTER.total_seconds())
    assert kit.describe_linked_role(DOMAIN).name == own


def test_a_tagged_role_missed_once_is_still_found_by_evidence() -> None:
    """When GetRole on the tagged role answers NoSuchEntity once, the evidence fallback still
    finds that role (instead of none, which lets safe_delete_domain orphan it)."""
    run = bench("describe-tagged")
    run.fake.fail("GetRole", code="NoSuchEntity", status=404)
    assert run.kit.describe_linked_role(DOMAIN).name == run.start_role


def test_an_error_after_the_domain_is_deleted_says_what_is_left(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """When removing the role fails after the domain is deleted, the error carries the report
    so far (domain deleted, role named), and the command line names the rerun that finishes
    the work, with --role."""
    run = bench("delete-slrkit-removes-role")
    run.fake.fail("DeleteServiceLinkedRole", code="AccessDenied", status=403)
    with pytest.raises(AccessDeniedError) as caught:
        run.kit.safe_delete_domain(DOMAIN, confirm=DOMAIN, cleanup_grace=0)
    assert DOMAIN not in run.fake.domains(REGION)
    report = getattr(caught.value, "report", None)
    assert isinstance(report, DeletionReport)
    assert report.domain_deleted
    assert report.role_name == run.start_role

    again = bench("delete-slrkit-removes-role")
    again.fake.fail("DeleteServiceLinkedRole", code="AccessDenied", status=403)
    argv = ["--fake", "delete", DOMAIN, "--region", REGION, "--confirm", DOMAIN]
    assert main(argv, fake=again.fake) == 1
    [line] = capsys.readouterr().err.splitlines()[-1:]
    assert f"--role {again.start_role}" in line
