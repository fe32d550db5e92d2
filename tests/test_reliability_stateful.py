"""Stateful property tests: random lifecycles across two regions, with faults, on the fake.

Hypothesis drives a `RuleBasedStateMachine` through ensure (create and update),
describe, plan, safe delete, data loads, clock advances and injected faults, and
checks the safety invariants after every step, from the fake's own state (never
through the kit under test):

- a domain with data is never deleted without ``allow_data_loss=True``, a real
  bool (``"false"``, ``0`` and None are refused before any call);
- no DeleteServiceLinkedRole ever names a role that a live domain uses, and no
  role outside the Customer Profiles path is ever touched (nor sent a write);
- no tag slrkit writes names another domain's role;
- every successful `safe_delete_domain` of an existing domain names its role and
  leaves neither the domain nor that role;
- every successful ensure converges to its spec, and any role slrkit names for a
  domain is the one the domain really uses (unless the machine itself wrote a
  wrong tag, which may fool the evidence but never the invariants above).

Other callers create domains too (untagged, at gaps of under a second to
minutes), and write wrong tags.

The ``ci`` profile runs 200 fixed examples and, beside them, 100 fresh ones whose
seed is printed on failure; ``SLRKIT_HYPOTHESIS_PROFILE=soak`` runs thousands,
``dev`` a few for quick iteration.
"""

from __future__ import annotations

import functools
import os
import random
from typing import TYPE_CHECKING, ClassVar, Final, cast

import attrs
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,  # pyright: ignore[reportUnknownVariableType]
)

from slrkit import (
    DomainNotEmptyError,
    InvalidInputError,
    ProfilesKit,
    RetryPolicy,
    SlrkitError,
)
from slrkit._aws import OPERATIONS
from slrkit._clients import make_client
from slrkit.testing import Behaviour, FakeAWS
from writes import FORBIDDEN, WRITES

if TYPE_CHECKING:
    from collections.abc import Callable

    from mypy_boto3_customer_profiles.client import CustomerProfilesClient
    from mypy_boto3_iam.client import IAMClient

REGIONS: Final = ("eu-west-2", "us-east-1")
NAMES: Final = ("alpha", "beta", "gamma")
ACCOUNT: Final = "123456789012"
OUTSIDERS: Final = {
    "ops-admin": "/",
    "AWSServiceRoleForProfile_lookalike": "/",
    "AWSServiceRoleForProfile_elsewhere": "/aws-service-role/other.amazonaws.com/",
    "AWSServiceRoleForSupport": "/aws-service-role/support.amazonaws.com/",
}
SERVICE_OF: Final = {name: op.service for name, op in OPERATIONS.items() if op.service != "sts"}
"""The operations worth a fault (STS is asked once, if at all), with their service."""

EXAMPLES: Final = {"ci": 200, "ci-fresh": 100, "soak": 5000, "dev": 30}
"""Each profile's lifecycles (the harsh test runs a quarter of them, each slower)."""

settings.register_profile(
    "ci",
    max_examples=EXAMPLES["ci"],
    stateful_step_count=10,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "ci-fresh",
    max_examples=EXAMPLES["ci-fresh"],
    stateful_step_count=10,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "soak",
    max_examples=EXAMPLES["soak"],
    stateful_step_count=40,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "dev",
    max_examples=EXAMPLES["dev"],
    stateful_step_count=10,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
PROFILE: Final = os.environ.get("SLRKIT_HYPOTHESIS_PROFILE", "ci")

# Some hypothesis releases annotate this function and some do not: a typed alias
# keeps the call checked under both.
run_machine = cast("Callable[..., None]", run_state_machine_as_test)


@attrs.frozen
class Fault:
    """An error for the n-th call of an operation within the next step (0 attempts: none)."""

    operation: str
    nth: int
    kind: str
    times: int


FAULTS: Final = st.one_of(
    st.none(),
    st.builds(
        Fault,
        operation=st.sampled_from(sorted(SERVICE_OF)),
        nth=st.integers(1, 3),
        kind=st.sampled_from(
            ["throttle", "server", "connect", "read-timeout", "denied", "not-found"]
        ),
        times=st.integers(1, 12),
    ),
)


def _arn(region: str, name: str) -> str:
    return f"arn:aws:profile:{region}:{ACCOUNT}:domains/{name}"


class World:
    """What the machine shares between examples: one fake, its sessions, and the kits.

    Building clients costs more than a whole example, so the fake is reset between
    examples instead, and the clients stay. Each example must still start alike:
    botocore's retry quota lives in each client, so after an example whose faults
    spent retries the kits get fresh clients, and the jitter is reseeded. A hook
    on each kit's session counts the calls of the current step, so that a fault
    lands on the n-th one.
    """

    def __init__(self, behaviour: Behaviour | None = None) -> None:
        self.fake = FakeAWS(ACCOUNT, behaviour=behaviour)
        self.fault: Fault | None = None
        self.counts: dict[str, int] = {}
        self.spent_retries = True
        self.deletes_of_used_roles: list[str] = []
        self.kit_tags: dict[str, str] = {}
        """The domain ARN and role of every link tag a kit wrote, the last one per domain."""
        self.jitter = random.Random(0)
        self.sessions = {region: self.fake.session(region) for region in REGIONS}
        for session in self.sessions.values():
            session.events.register("before-parameter-build", self._before_call)
        self.kits: dict[str, ProfilesKit] = {}
        self.iam: IAMClient
        self.profiles: dict[str, CustomerProfilesClient] = {}
        self.raw = {region: self.fake.client("customer-profiles", region) for region in REGIONS}

    def start_example(self) -> None:
        """Put the world back where every example starts.

        The kits are new each time (they remember what they created, and the reset fake
        repeats names, times and role ids); their clients are new only after an example
        spent botocore's retry quota.
        """
        self.fake.reset()
        self.deletes_of_used_roles.clear()
        self.kit_tags.clear()
        self.jitter.seed(0)
        if self.spent_retries:
            iam = self.sessions[REGIONS[0]]
            self.iam = cast("IAMClient", make_client(iam, "iam", REGIONS[0]))
            self.profiles = {
                region: cast(
                    "CustomerProfilesClient", make_client(session, "customer-profiles", region)
                )
                for region, session in self.sessions.items()
            }
            self.spent_retries = False
        self.kits = {
            region: ProfilesKit(
                region,
                session=session,
                account_regions=REGIONS,
                profiles_client=self.profiles[region],
                iam_client=self.iam,
                clock=self.fake.clock,
                account_id=ACCOUNT,
                # A long deadline: waits are virtual, and a step must be able to finish.
                retry=RetryPolicy(deadline=900.0),
                rand=self.jitter.random,
            )
            for region, session in self.sessions.items()
        }

    def _before_call(self, event_name: str, params: dict[str, object], **_: object) -> None:
        operation = event_name.rsplit(".", 1)[-1]
        count = self.counts[operation] = self.counts.get(operation, 0) + 1
        if operation == "DeleteServiceLinkedRole":
            role = str(params.get("RoleName"))
            if role in self.fake.roles_in_use():
                self.deletes_of_used_roles.append(role)
        if operation == "TagResource":
            tags = cast("dict[str, str]", params.get("tags", {}))
            if "slrkit:linked-role" in tags:
                self.kit_tags[str(params["resourceArn"])] = tags["slrkit:linked-role"]
        fault = self.fault
        if fault is None or fault.operation != operation or fault.nth != count:
            return
        self.fault = None
        # Throttles, 5xx and dropped connections are retried by botocore, at its quota's cost.
        self.spent_retries = self.spent_retries or fault.kind not in ("denied", "not-found")
        service = SERVICE_OF[operation]
        iam = service == "iam"
        if fault.kind == "connect":
            self.fake.fail_connection(operation, times=fault.times, kind="connect")
            return
        if fault.kind == "read-timeout":
            self.fake.fail_connection(operation, times=fault.times, kind="read-timeout")
            return
        code, status = {
            "throttle": ("Throttling" if iam else "ThrottlingException", 400 if iam else 429),
            "server": ("InternalFailure" if iam else "InternalServerException", 500),
            "denied": ("AccessDenied" if iam else "AccessDeniedException", 403),
            "not-found": ("NoSuchEntity" if iam else "ResourceNotFoundException", 404),
        }[fault.kind]
        self.fake.fail(operation, code=code, status=status, times=fault.times)

    def arm(self, fault: Fault | None) -> None:
        """Put *fault* on the next step's calls."""
        self.counts = {}
        self.fault = fault

    def disarm(self) -> None:
        """End the step: no fault is left for the checks or the next step."""
        self.fault = None
        self.fake.clear_faults()


@functools.cache
def world(*, harsh: bool = False) -> World:
    """The one world of this test process (or its harsh twin), built on first use."""
    return World(Behaviour.harsh() if harsh else None)


regions = st.sampled_from(REGIONS)
names = st.sampled_from(NAMES)
tag_maps = st.dictionaries(st.sampled_from(["team", "env", "cost"]), st.sampled_from(["a", "b"]))


class Lifecycle(RuleBasedStateMachine):
    """Random lifecycles of a few domains in two regions, with faults and other callers."""

    harsh: ClassVar[bool] = False
    """Whether the fake is `Behaviour.harsh()`: slow IAM, lagging reads, short pages..."""

    def __init__(self) -> None:
        super().__init__()
        self.w = world(harsh=self.harsh)
        self.w.start_example()
        self.fake = self.w.fake
        self.data: dict[tuple[str, str], int] = {}
        self.may_lose_data: set[tuple[str, str]] = set()
        self.calls_seen = 0
        self.wrong_tags = False
        """Whether the machine itself tagged a domain with another's role (the evidence may
        then be fooled; the safety invariants may not)."""

    @initialize()
    def seed_outsiders(self) -> None:
        """Roles slrkit must never touch, present from the start."""
        for name, path in OUTSIDERS.items():
            self.fake.add_role(name, path=path)

    def exists(self, region: str, name: str) -> bool:
        return name in self.fake.domains(region)

    def role_of(self, region: str, name: str) -> str | None:
        arn = _arn(region, name)
        return next((r for r, arns in self.fake.roles_in_use().items() if arn in arns), None)

    # -- rules --------------------------------------------------------------------------------

    @rule(
        region=regions,
        name=names,
        days=st.integers(1, 1098),
        tags=tag_maps,
        fault=FAULTS,
    )
    def ensure(
        self, region: str, name: str, days: int, tags: dict[str, str], fault: Fault | None
    ) -> None:
        """Create or update a domain; on success it has the spec and names its own role."""
        self.w.arm(fault)
        try:
            result = self.w.kits[region].ensure_domain(
                name, default_expiration_days=days, tags=tags
            )
        except SlrkitError:
            return
        finally:
            self.w.disarm()
        assert result.domain is not None
        assert result.domain.default_expiration_days == days
        seen = self.w.raw[region].get_domain(DomainName=name)
        assert seen["DefaultExpirationDays"] == days
        assert tags.items() <= seen.get("Tags", {}).items()
        if result.linked_role is not None and not self.wrong_tags:
            assert result.linked_role.name == self.role_of(region, name)

    @rule(region=regions, name=names)
    def another_caller_creates(self, region: str, name: str) -> None:
        """Someone else's code creates a domain, untagged (if the name is free)."""
        if not self.exists(region, name):
            self.w.raw[region].create_domain(DomainName=name, DefaultExpirationDays=7)

    @rule(region=regions, name=names, other_region=regions, other=names)
    def another_caller_copies_a_tag(
        self, region: str, name: str, other_region: str, other: str
    ) -> None:
        """Someone tags a domain with another domain's role (a copy-paste)."""
        theirs = self.role_of(other_region, other)
        if (
            theirs is None
            or not self.exists(region, name)
            or (region, name)
            == (
                other_region,
                other,
            )
        ):
            return
        self.w.raw[region].tag_resource(
            resourceArn=_arn(region, name), tags={"slrkit:linked-role": theirs}
        )
        self.wrong_tags = True

    @rule(region=regions, name=names, fault=FAULTS)
    def describe(self, region: str, name: str, fault: Fault | None) -> None:
        """A role described is the domain's own."""
        self.w.arm(fault)
        try:
            role = self.w.kits[region].describe_linked_role(name)
        except SlrkitError:
            return
        finally:
            self.w.disarm()
        if not self.wrong_tags:
            assert role.name == self.role_of(region, name)

    @rule(region=regions, name=names, fault=FAULTS)
    def plan(self, region: str, name: str, fault: Fault | None) -> None:
        """A plan names the domain's own role or none, and blocks a domain with data."""
        had_data = self.data.get((region, name), 0) > 0 and self.exists(region, name)
        self.w.arm(fault)
        try:
            plan = self.w.kits[region].plan_domain_deletion(name)
        except SlrkitError:
            return
        finally:
            self.w.disarm()
        if plan.role is not None and not self.wrong_tags:
            assert plan.role.name == self.role_of(region, name)
        if plan.domain is not None and had_data:
            assert "data" in {b.code for b in plan.blockers}

    @rule(
        region=regions,
        name=names,
        allow_data_loss=st.sampled_from([True, False, "false", "no", 0, 1, None]),
        grace=st.sampled_from([0.0, 5.0, 60.0]),
        fault=FAULTS,
    )
    def safe_delete(
        self,
        region: str,
        name: str,
        allow_data_loss: object,
        grace: float,
        fault: Fault | None,
    ) -> None:
        """A deletion refuses data without allow_data_loss=True (a real bool); a success leaves
        neither the domain nor its role, and names that role."""
        key = (region, name)
        existed = self.exists(region, name)
        had_data = existed and self.data.get(key, 0) > 0
        role = self.role_of(region, name)
        calls_before = len(self.fake.calls)
        if allow_data_loss is True:
            self.may_lose_data.add(key)
        self.w.arm(fault)
        try:
            report = self.w.kits[region].safe_delete_domain(
                name,
                confirm=name,
                allow_data_loss=allow_data_loss,  # type: ignore[arg-type]
                cleanup_grace=grace,
                missing_ok=True,
            )
        except InvalidInputError as exc:
            refused = exc.field
            assert not isinstance(allow_data_loss, bool)
            assert refused == "allow_data_loss"
            assert len(self.fake.calls) == calls_before, "a call before the consent was checked"
            return
        except DomainNotEmptyError:
            assert had_data
            assert allow_data_loss is not True
            assert self.exists(region, name)
            return
        except SlrkitError:
            # A deletion can fail after DeleteDomain (the role is still in use, say): the
            # domain's data went with it.
            if not self.exists(region, name):
                self.data.pop(key, None)
            return
        finally:
            self.w.disarm()
        assert isinstance(allow_data_loss, bool)
        assert not (had_data and allow_data_loss is not True), "deleted a domain holding data"
        assert not self.exists(region, name)
        if existed:
            assert report.role_name is not None, "a success that knew of no role"
        if role is not None:
            if not self.wrong_tags:
                assert report.role_name == role
            assert role not in self.fake.roles(include_pending=True)
        self.data.pop(key, None)

    @rule(region=regions, name=names, profiles=st.integers(1, 1000))
    def load_data(self, region: str, name: str, profiles: int) -> None:
        """Profiles arrive in a domain (if it exists)."""
        if not self.exists(region, name):
            return
        self.fake.load_data(name, region=region, profiles=profiles)
        self.data[(region, name)] = profiles
        self.may_lose_data.discard((region, name))

    @rule(region=regions, name=names)
    def clear_data(self, region: str, name: str) -> None:
        """A domain is emptied (if it exists)."""
        if self.exists(region, name):
            self.fake.clear_data(name, region=region)
            self.data.pop((region, name), None)

    @rule(seconds=st.sampled_from([0.5, 1.0, 2.0, 5.0, 30.0, 120.0, 300.0, 3600.0]))
    def advance(self, seconds: float) -> None:
        """Time passes: roles propagate, domains settle, the service cleans up, tasks end."""
        self.fake.advance(seconds)

    # -- invariants ---------------------------------------------------------------------------

    @invariant()
    def data_is_never_lost_without_consent(self) -> None:
        """Every domain holding data is still there, unless a deletion allowed its loss."""
        for (region, name), profiles in self.data.items():
            if profiles and (region, name) not in self.may_lose_data:
                assert self.exists(region, name), f"{region}/{name} was deleted with its data"

    @invariant()
    def every_domain_keeps_its_role(self) -> None:
        """No role a domain uses was deleted: each domain still has its role, and IAM was never
        asked to delete a role in use."""
        in_use = {arn for arns in self.fake.roles_in_use().values() for arn in arns}
        for region in REGIONS:
            for name in self.fake.domains(region):
                assert _arn(region, name) in in_use, f"{region}/{name} lost its role"
        assert self.w.deletes_of_used_roles == [], "asked IAM to delete a role in use"

    @invariant()
    def no_link_tag_slrkit_wrote_names_another_domains_role(self) -> None:
        """Each link tag a kit wrote on a live domain names that domain's own role."""
        used = self.fake.roles_in_use()
        for arn, role in self.w.kit_tags.items():
            region, name = arn.split(":")[3], arn.rsplit("/", 1)[1]
            if self.exists(region, name) and role in used:
                assert used[role] == (arn,), f"{arn} tagged with {role}, which {used[role]} uses"

    @invariant()
    def outsiders_are_untouched(self) -> None:
        """Roles outside the Customer Profiles path exist and were never sent a write."""
        assert set(OUTSIDERS) <= set(self.fake.roles(include_pending=True))
        calls = self.fake.calls
        for call in calls[self.calls_seen :]:
            if call.operation in WRITES | FORBIDDEN:
                assert call.params.get("RoleName") not in OUTSIDERS, call
                assert call.operation not in {"DeleteRole", "UntagResource"}, call
        self.calls_seen = len(calls)


def test_random_lifecycles_keep_every_safety_invariant() -> None:
    """Random lifecycles across two regions, with faults and other callers, keep every
    invariant listed in the module docstring after every step (the profile's examples; in
    CI, 200 fixed ones)."""
    run_machine(Lifecycle, settings=settings.get_profile(PROFILE))


class HarshLifecycle(Lifecycle):
    """The same lifecycles on the harshest fake AWS allows."""

    harsh = True


@pytest.mark.skipif(PROFILE != "ci", reason="the soak and dev profiles explore on their own")
def test_fresh_random_lifecycles_keep_every_safety_invariant() -> None:
    """The same, on 100 examples that are new on every run: hypothesis prints the seed that
    reproduces a failure (``@seed(...)``), so a path found once becomes a fixed test."""
    run_machine(Lifecycle, settings=settings.get_profile("ci-fresh"))


def test_random_lifecycles_on_the_harsh_fake_keep_every_safety_invariant() -> None:
    """The same on `Behaviour.harsh()`: lag, short pages, purged tasks and a slow service
    together (a quarter of the profile's examples, each slower)."""
    run_machine(
        HarshLifecycle,
        settings=settings(
            settings.get_profile(PROFILE), max_examples=max(10, EXAMPLES[PROFILE] // 4)
        ),
    )
