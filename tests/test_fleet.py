"""Fleet: concurrent ensure, an audit that classifies every role, and cleanup of orphans."""

from __future__ import annotations

import datetime as dt
import random
from typing import TYPE_CHECKING

import pytest

from slrkit import (
    SUPPORTED_REGIONS,
    DomainSpec,
    Evidence,
    Fleet,
    InvalidInputError,
    RateLimits,
    RetryPolicy,
    RoleStatus,
)
from slrkit.testing import FakeAWS

if TYPE_CHECKING:
    from mypy_boto3_customer_profiles.client import CustomerProfilesClient

ACCOUNT = "123456789012"
OTHER_ACCOUNT = "210987654321"
REGION = "eu-west-2"
DAY = 86_400


def make_fleet(fake: FakeAWS, **kwargs: object) -> Fleet:
    return Fleet(
        {"main": fake.session(REGION)},
        clock=fake.clock,
        rand=random.Random(3).random,
        **kwargs,  # type: ignore[arg-type]
    )


def profiles(fake: FakeAWS, region: str) -> CustomerProfilesClient:
    return fake.client("customer-profiles", region)


@pytest.fixture
def estate() -> tuple[FakeAWS, dict[str, str]]:
    """An account with healthy, untagged, ambiguous and orphaned roles, ready to audit.

    - ``tagged`` (eu-west-2): created through slrkit, its role recorded in the tag;
    - ``legacy`` (us-east-1): created by other tools, its role found by creation time;
    - ``twins`` (ca-central-1): a second role created with it: both are unexplained;
    - an orphan: a role from a domain deleted long ago, whose role the service kept;
    - a broken role: tagged on ``broken`` (af-south-1), trusting the wrong principal.
    """
    fake = FakeAWS(account_id=ACCOUNT)
    names: dict[str, str] = {}
    tagged = fake.kit(REGION).ensure_domain("tagged", default_expiration_days=30)
    assert tagged.linked_role is not None
    names["tagged"] = tagged.linked_role.name
    names["orphan"] = fake.add_linked_role(
        region="ap-southeast-2",
        created_at=fake.clock.now() - dt.timedelta(days=30),
        last_used_region="ap-southeast-2",
    )
    before = set(fake.linked_roles(include_pending=True))
    profiles(fake, "us-east-1").create_domain(DomainName="legacy", DefaultExpirationDays=30)
    [names["legacy"]] = set(fake.linked_roles(include_pending=True)) - before
    fake.advance(3600)
    before = set(fake.linked_roles(include_pending=True))
    profiles(fake, "ca-central-1").create_domain(DomainName="twins", DefaultExpirationDays=30)
    [names["twins"]] = set(fake.linked_roles(include_pending=True)) - before
    created = profiles(fake, "ca-central-1").get_domain(DomainName="twins")["CreatedAt"]
    names["twin"] = fake.add_linked_role(
        region="ca-central-1", created_at=created, last_used_region="ca-central-1"
    )
    fake.advance(3600)
    names["broken"] = fake.add_role(
        "AWSServiceRoleForProfile_broken",
        path="/aws-service-role/profile.amazonaws.com/",
        trust_principal="ec2.amazonaws.com",
    )
    profiles(fake, "af-south-1").create_domain(
        DomainName="broken", DefaultExpirationDays=30, Tags={"slrkit:linked-role": names["broken"]}
    )
    fake.advance(DAY)
    fake.clear_calls()
    return fake, names


def test_audit_classifies_every_domain_and_role(estate: tuple[FakeAWS, dict[str, str]]) -> None:
    """Linked, orphaned and unexplained roles are each told apart, with their evidence."""
    fake, names = estate
    report = make_fleet(fake).audit()
    assert report.errors == ()
    status = {r.role.name: r.status for r in report.roles}
    assert status[names["tagged"]] is RoleStatus.LINKED
    assert status[names["legacy"]] is RoleStatus.LINKED
    assert status[names["broken"]] is RoleStatus.LINKED
    assert status[names["orphan"]] is RoleStatus.ORPHANED
    assert status[names["twins"]] is RoleStatus.UNEXPLAINED
    assert status[names["twin"]] is RoleStatus.UNEXPLAINED
    by_domain = {d.domain.name: d for d in report.domains}
    assert by_domain["tagged"].evidence is Evidence.TAG
    assert by_domain["legacy"].role_name == names["legacy"]
    assert by_domain["legacy"].evidence in (
        Evidence.CREATION_TIME,
        Evidence.CREATION_TIME_AND_LAST_USE,
    )
    assert by_domain["twins"].role_name is None
    assert "ambiguous" in by_domain["twins"].note
    assert by_domain["tagged"].domain.stats is not None
    assert [r.role.name for r in report.problems] == [names["broken"]]


def test_audit_lists_iam_once_per_account(estate: tuple[FakeAWS, dict[str, str]]) -> None:
    """ListRoles runs once per account, ListDomains once per region."""
    fake, _ = estate
    make_fleet(fake).audit()
    assert len(fake.calls_to("ListRoles")) == 1
    assert len(fake.calls_to("ListDomains")) == len(SUPPORTED_REGIONS)
    assert {c.region for c in fake.calls_to("ListDomains")} == set(SUPPORTED_REGIONS)


def test_audit_of_some_regions_calls_nothing_an_orphan(
    estate: tuple[FakeAWS, dict[str, str]],
) -> None:
    """Without every region read, no role can be proven an orphan."""
    fake, names = estate
    report = make_fleet(fake, regions=["eu-west-2", "us-east-1"]).audit()
    orphan = next(r for r in report.roles if r.role.name == names["orphan"])
    assert orphan.status is RoleStatus.UNEXPLAINED
    assert "region" in orphan.reason


def test_a_young_role_is_not_an_orphan() -> None:
    """A role younger than the grace period may belong to a domain being created."""
    fake = FakeAWS(account_id=ACCOUNT)
    young = fake.add_linked_role(region=REGION, created_at=fake.clock.now())
    fake.advance(60)
    report = make_fleet(fake).audit()
    [row] = report.roles
    assert row.role.name == young
    assert row.status is RoleStatus.UNEXPLAINED
    assert "grace" in row.reason


def test_an_unreadable_region_makes_no_orphans(estate: tuple[FakeAWS, dict[str, str]]) -> None:
    """If a region cannot be listed, the error is reported and nothing is orphaned."""
    fake, _ = estate
    fake.fail("ListDomains", code="AccessDeniedException", times=1)
    report = make_fleet(fake).audit()
    [error] = report.errors
    assert error.region is not None
    assert "AccessDeniedException" in error.message
    assert report.with_status(RoleStatus.ORPHANED) == ()


def test_cleanup_dry_run_writes_nothing(estate: tuple[FakeAWS, dict[str, str]]) -> None:
    """The default dry run lists the orphans and makes no write."""
    fake, names = estate
    report = make_fleet(fake).cleanup_orphans()
    assert report.dry_run
    assert [(i.role_name, i.action) for i in report.items] == [(names["orphan"], "would-delete")]
    assert fake.calls_to("DeleteServiceLinkedRole") == ()


def test_cleanup_removes_the_orphans_and_nothing_else(
    estate: tuple[FakeAWS, dict[str, str]],
) -> None:
    """cleanup_orphans(dry_run=False) deletes exactly the orphans, through the deletion task."""
    fake, names = estate
    before = set(fake.roles())
    report = make_fleet(fake).cleanup_orphans(dry_run=False)
    assert [(i.role_name, i.action) for i in report.items] == [(names["orphan"], "deleted")]
    assert set(fake.roles()) == before - {names["orphan"]}
    deleted = [c.params["RoleName"] for c in fake.calls_to("DeleteServiceLinkedRole")]
    assert deleted == [names["orphan"]]
    assert fake.calls_to("GetServiceLinkedRoleDeletionStatus")


def test_ensure_all_reports_each_item_and_one_failure_stops_nothing() -> None:
    """A bad spec fails alone; the others are created, in spec order."""
    fake = FakeAWS(account_id=ACCOUNT)
    specs = [
        DomainSpec(name="good-1", region=REGION, default_expiration_days=30),
        DomainSpec(name="bad name", region=REGION, default_expiration_days=30),
        DomainSpec(name="good-2", region="us-east-1", default_expiration_days=5000),
        DomainSpec(name="good-3", region="us-east-1", default_expiration_days=30),
    ]
    result = make_fleet(fake).ensure_all(specs)
    assert [i.name for i in result.items] == ["good-1", "bad name", "good-2", "good-3"]
    assert [i.name for i in result.failed] == ["bad name", "good-2"]
    assert fake.domains(REGION) == ("good-1",)
    assert fake.domains("us-east-1") == ("good-3",)
    assert all(i.result is not None for i in result.items if i.ok)


def test_ensure_all_refuses_a_spec_outside_the_fleet_before_any_call() -> None:
    """An unknown account or a region the fleet does not cover fails up front."""
    fake = FakeAWS(account_id=ACCOUNT)
    fleet = make_fleet(fake, regions=[REGION])
    with pytest.raises(InvalidInputError, match="fleet's regions"):
        fleet.ensure_all([DomainSpec(name="a", region="us-east-1", default_expiration_days=1)])
    with pytest.raises(InvalidInputError, match="account"):
        fleet.ensure_all(
            [DomainSpec(name="a", region=REGION, default_expiration_days=1, account="nope")]
        )
    assert fake.calls == ()


def test_fleet_spans_accounts() -> None:
    """Two accounts are audited separately: each one's IAM once, each one's domains."""
    fake = FakeAWS(account_id=ACCOUNT)
    fleet = Fleet(
        {
            "main": fake.session(REGION),
            "other": fake.session(REGION, account_id=OTHER_ACCOUNT),
        },
        clock=fake.clock,
        regions=[REGION],
    )
    result = fleet.ensure_all(
        [
            DomainSpec(name="a", region=REGION, default_expiration_days=1, account="main"),
            DomainSpec(name="b", region=REGION, default_expiration_days=1, account="other"),
        ]
    )
    assert result.failed == ()
    assert fake.domains(REGION) == ("a",)
    assert fake.domains(REGION, account_id=OTHER_ACCOUNT) == ("b",)
    fake.advance(DAY)
    report = fleet.audit()
    assert {(d.account, d.domain.name, d.role_name is not None) for d in report.domains} == {
        ("main", "a", True),
        ("other", "b", True),
    }
    assert {c.account_id for c in fake.calls_to("ListRoles")} == {ACCOUNT, OTHER_ACCOUNT}


@pytest.mark.parametrize("bad", [0, -1, True, "8"])
def test_fleet_rejects_bad_worker_counts(bad: object) -> None:
    """max_workers must be a positive integer."""
    with pytest.raises(InvalidInputError, match="max_workers"):
        Fleet(FakeAWS().session(REGION), max_workers=bad)  # type: ignore[arg-type]


# -- convergence under rate limits ---------------------------------------------------------

RATE = 5.0
PER_REGION = 8


def throttled_estate(fake: FakeAWS | None = None) -> FakeAWS:
    """A fake that throttles every operation beyond 5 calls a second per region."""
    fake = fake if fake is not None else FakeAWS(account_id=ACCOUNT)
    for operation in (
        "GetDomain",
        "CreateDomain",
        "ListDomains",
        "ListRoles",
        "GetRole",
        "ListAttachedRolePolicies",
    ):
        fake.rate_limit(operation, RATE)
    return fake


def throttled(fake: FakeAWS) -> list[str]:
    return [
        c.operation for c in fake.calls if c.error_code in ("ThrottlingException", "Throttling")
    ]


def specs(per_region: int = PER_REGION, days: int = 30) -> list[DomainSpec]:
    return [
        DomainSpec(name=f"d{n:02}", region=region, default_expiration_days=days)
        for region in SUPPORTED_REGIONS
        for n in range(per_region)
    ]


def existing_estate(per_region: int = PER_REGION) -> FakeAWS:
    """The throttled fake holding every domain of `specs` already, each tagged with its role
    (as slrkit leaves an estate it made), but with settings to bring to the specs."""
    fake = FakeAWS(account_id=ACCOUNT)
    clients = {region: profiles(fake, region) for region in SUPPORTED_REGIONS}
    for client in clients.values():
        for n in range(per_region):
            client.create_domain(DomainName=f"d{n:02}", DefaultExpirationDays=1)
    for role, [arn] in fake.roles_in_use().items():
        region = arn.split(":")[3]
        clients[region].tag_resource(resourceArn=arn, tags={"slrkit:linked-role": role})
    fake.clear_calls()
    return throttled_estate(fake)


def test_ensure_all_and_audit_converge_under_the_rate_limit() -> None:
    """10 regions x 8 existing domains at 5 calls/s: no item fails, within 1.3x of the lower
    bound, for ensure_all and then for the audit (the benchmark runs 20 a region)."""
    fake = existing_estate()
    fleet = make_fleet(fake)
    result = fleet.ensure_all(specs())
    assert result.failed == ()
    assert {str(item.result.action) for item in result.items if item.result} == {"updated"}
    lower_bound = PER_REGION / RATE
    assert result.elapsed <= 1.3 * lower_bound
    assert throttled(fake) == []

    fake.advance(DAY)
    report = fleet.audit()
    assert report.errors == ()
    assert len(report.domains) == len(SUPPORTED_REGIONS) * PER_REGION
    roles = len(report.roles)
    assert roles == len(report.domains)
    audit_bound = roles / RATE
    assert report.elapsed <= 1.3 * audit_bound
    assert throttled(fake) == []


def test_ensure_all_creates_one_domain_at_a_time_per_region_and_links_each() -> None:
    """Missing domains are created one after the other in each region, all regions at once,
    each awaiting its role: every domain is tagged with its own role, with no throttling."""
    fake = throttled_estate()
    fleet = make_fleet(fake)
    result = fleet.ensure_all(specs(per_region=2))
    assert result.failed == ()
    assert result.unlinked == ()
    in_use = fake.roles_in_use()
    for item in result.items:
        assert item.result is not None
        assert item.result.linked_role is not None
        arn = f"arn:aws:profile:{item.region}:{ACCOUNT}:domains/{item.name}"
        assert in_use[item.result.linked_role.name] == (arn,)
    # A region's creations do not overlap: each waits for IAM to show its role.
    assert result.elapsed >= 2 * fake.propagation_delay
    assert throttled(fake) == []


def test_botocore_retries_alone_do_not_converge() -> None:
    """Without slrkit's limiter (and its throttle retries), the same run at 20 domains a
    region loses items (at 8, botocore's attempts sometimes suffice)."""
    fake = existing_estate(per_region=20)
    fleet = make_fleet(fake, rate_limits=None, retry=RetryPolicy(throttle_retries=0))
    result = fleet.ensure_all(specs(per_region=20))
    assert result.failed
    assert all(i.error is not None and "Throttl" in str(i.error) for i in result.failed)


def test_rate_limits_are_validated() -> None:
    """RateLimits refuses zero or negative rates, naming the field."""
    with pytest.raises(InvalidInputError, match="iam_per_second"):
        RateLimits(iam_per_second=0)
