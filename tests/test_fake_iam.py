"""The fake's IAM service-linked roles and their lifecycle, through real boto3 clients."""

# pyright: reportUnknownMemberType=false, reportTypedDictNotRequiredAccess=false
# (boto3-stubs type `Session.client` per service, most not installed; and a test may
# index what it asserts is present.)

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING, cast

import pytest
from botocore.exceptions import ClientError

from slrkit._fake._world import World
from slrkit.testing import Behaviour, FakeAWS, VirtualClock

if TYPE_CHECKING:
    from collections.abc import Mapping

    from mypy_boto3_customer_profiles.client import CustomerProfilesClient
    from mypy_boto3_iam.client import IAMClient
    from mypy_boto3_sts.client import STSClient

REGION = "eu-west-2"
PATH = "/aws-service-role/profile.amazonaws.com/"
POLICY = "arn:aws:iam::aws:policy/aws-service-role/CustomerProfilesServiceLinkedRolePolicy"


def _cleanup_delay(fake: FakeAWS) -> float:
    delay = fake.role_cleanup_delay
    assert delay is not None
    return delay


def _trusted_service(document: object) -> object:
    """The service a trust policy names (botocore decoded it; the stubs do not type Principal)."""
    assert isinstance(document, dict)
    statements = cast("list[dict[str, dict[str, object]]]", document["Statement"])
    return statements[0]["Principal"]["Service"]


def _domain_role(fake: FakeAWS, cp: CustomerProfilesClient, name: str = "acme") -> str:
    cp.create_domain(DomainName=name, DefaultExpirationDays=1)
    fake.advance(fake.propagation_delay)
    [role] = [r for r, arns in fake.roles_in_use().items() if arns[0].endswith(f"/{name}")]
    return role


def test_create_domain_makes_a_role_visible_after_propagation(
    fake: FakeAWS, cp: CustomerProfilesClient, iam: IAMClient
) -> None:
    """The domain's SLR is hidden from IAM reads until the propagation delay has passed."""
    cp.create_domain(DomainName="acme", DefaultExpirationDays=1)
    [pending] = fake.linked_roles(include_pending=True)
    assert iam.list_roles(PathPrefix=PATH)["Roles"] == []
    with pytest.raises(iam.exceptions.NoSuchEntityException):
        iam.get_role(RoleName=pending)
    fake.advance(fake.propagation_delay)
    assert [r["RoleName"] for r in iam.list_roles(PathPrefix=PATH)["Roles"]] == [pending]


def test_domain_role_looks_like_the_services(
    fake: FakeAWS, cp: CustomerProfilesClient, iam: IAMClient
) -> None:
    """Name, path, trust, policy, CreateDate and RoleLastUsed are those of the real SLR."""
    created = cp.create_domain(DomainName="acme", DefaultExpirationDays=1)["CreatedAt"]
    fake.advance(fake.propagation_delay)
    [name] = fake.linked_roles()
    role = iam.get_role(RoleName=name)["Role"]
    assert re.fullmatch(r"AWSServiceRoleForProfile_[0-9a-f]{12}", role["RoleName"])
    assert role["Path"] == PATH
    assert role["Arn"] == f"arn:aws:iam::123456789012:role{PATH}{name}"
    assert _trusted_service(role["AssumeRolePolicyDocument"]) == "profile.amazonaws.com"
    assert abs(role["CreateDate"] - created) <= dt.timedelta(seconds=2)
    assert role["RoleLastUsed"]["Region"] == REGION
    attached = iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]
    assert attached == [{"PolicyName": POLICY.rsplit("/", 1)[1], "PolicyArn": POLICY}]


def test_reads_show_each_new_version_of_a_role(
    fake: FakeAWS, cp: CustomerProfilesClient, iam: IAMClient
) -> None:
    """GetRole, ListRoles and GetDomain answer from current state, not from an earlier answer."""
    role = _domain_role(fake, cp)
    created = cp.get_domain(DomainName="acme")["CreatedAt"]
    used = iam.get_role(RoleName=role)["Role"]["RoleLastUsed"]["LastUsedDate"]
    assert cp.get_domain(DomainName="acme")["DefaultExpirationDays"] == 1
    fake.advance(3600)
    cp.update_domain(DomainName="acme", DefaultExpirationDays=2)
    assert cp.get_domain(DomainName="acme")["DefaultExpirationDays"] == 2
    last_used = iam.get_role(RoleName=role)["Role"]["RoleLastUsed"]["LastUsedDate"]
    assert used == created + dt.timedelta(seconds=1)  # made, and used, a second after
    assert last_used == created + dt.timedelta(seconds=fake.propagation_delay + 3600)

    name = iam.create_service_linked_role(
        AWSServiceName="profile.amazonaws.com", CustomSuffix="again"
    )["Role"]["RoleName"]
    fake.advance(fake.behaviour.read_lag)
    first = iam.get_role(RoleName=name)["Role"]["RoleId"]
    listed = {r["RoleName"]: r["RoleId"] for r in iam.list_roles(PathPrefix=PATH)["Roles"]}
    assert listed[name] == first
    task = iam.delete_service_linked_role(RoleName=name)["DeletionTaskId"]
    fake.advance(fake.deletion_task_duration)
    status = iam.get_service_linked_role_deletion_status(DeletionTaskId=task)["Status"]
    assert status == "SUCCEEDED"
    second = iam.create_service_linked_role(
        AWSServiceName="profile.amazonaws.com", CustomSuffix="again"
    )["Role"]["RoleId"]
    fake.advance(fake.behaviour.read_lag)
    assert second != first
    assert iam.get_role(RoleName=name)["Role"]["RoleId"] == second
    listed = {r["RoleName"]: r["RoleId"] for r in iam.list_roles(PathPrefix=PATH)["Roles"]}
    assert listed[name] == second


def test_role_names_repeat_with_the_seed() -> None:
    """The same seed gives the same role names; another seed gives others."""

    def names(seed: int) -> tuple[str, ...]:
        fake = FakeAWS(seed=seed)
        fake.session(REGION).client("customer-profiles").create_domain(
            DomainName="acme", DefaultExpirationDays=1
        )
        return fake.linked_roles(include_pending=True)

    assert names(1) == names(1)
    assert names(1) != names(2)


def test_list_roles_leaves_out_last_used_and_tags(
    fake: FakeAWS, cp: CustomerProfilesClient, iam: IAMClient
) -> None:
    """ListRoles, like AWS, omits RoleLastUsed, Tags and PermissionsBoundary."""
    _domain_role(fake, cp)
    [listed] = iam.list_roles(PathPrefix=PATH)["Roles"]
    assert {"RoleLastUsed", "Tags", "PermissionsBoundary"}.isdisjoint(listed)


def test_list_roles_filters_by_path_and_pages_by_marker(fake: FakeAWS, iam: IAMClient) -> None:
    """PathPrefix filters; Marker and MaxItems page through roles in name order."""
    for name in ("c", "a", "b"):
        fake.add_role(name, path="/apps/")
    fake.add_role("elsewhere")
    first = iam.list_roles(PathPrefix="/apps/", MaxItems=2)
    assert [r["RoleName"] for r in first["Roles"]] == ["a", "b"]
    assert first["IsTruncated"] is True
    rest = iam.list_roles(PathPrefix="/apps/", Marker=first["Marker"])
    assert [r["RoleName"] for r in rest["Roles"]] == ["c"]
    assert rest["IsTruncated"] is False
    pages = iam.get_paginator("list_roles").paginate(PaginationConfig={"PageSize": 1})
    assert [r["RoleName"] for page in pages for r in page["Roles"]] == ["a", "b", "c", "elsewhere"]


def test_a_repeated_listing_follows_every_change(fake: FakeAWS, iam: IAMClient) -> None:
    """A page answered again while its roles are unchanged is never kept past a change."""

    def names(max_items: int = 100) -> tuple[list[str], bool]:
        page = iam.list_roles(PathPrefix="/apps/", MaxItems=max_items)
        return [r["RoleName"] for r in page["Roles"]], page["IsTruncated"]

    fake.add_role("b", path="/apps/")
    assert names() == names() == (["b"], False)
    fake.add_role("a", path="/apps/")
    assert names() == (["a", "b"], False)
    assert names(1) == (["a"], True)
    fake.add_role("c", path="/apps/", policies=["arn:aws:iam::aws:policy/ReadOnlyAccess"])
    assert names(2) == (["a", "b"], True)
    assert names() == (["a", "b", "c"], False)
    other = fake.client("iam", REGION, account_id="210987654321")
    assert other.list_roles(PathPrefix="/apps/")["Roles"] == []


def test_the_pages_kept_for_repeated_listings_are_bounded_by_their_items() -> None:
    """Pages are kept to answer repeated listings, 4096 items in all: past that, afresh."""
    world = World(clock=VirtualClock(), behaviour=Behaviour(), seed=0)
    items = tuple({"RoleName": f"role{n:04d}"} for n in range(1000))
    builds: list[str] = []

    def page(marker: str) -> None:
        def build() -> dict[str, object]:
            builds.append(marker)
            return {"Roles": list(items), "IsTruncated": False}

        world.listing(("Roles", "123456789012", "aws", marker), items, (False, None), build)

    for _ in range(3):
        page("a")
    assert builds == ["a"]
    for marker in ("b", "c", "d", "e"):  # the fifth page of 1000 items starts afresh
        page(marker)
    page("e")
    page("a")
    assert builds == ["a", "b", "c", "d", "e", "a"]


def test_delete_domain_lets_the_service_delete_the_role(
    fake: FakeAWS, cp: CustomerProfilesClient, iam: IAMClient
) -> None:
    """After DeleteDomain the role goes after role_cleanup_delay; reads see it read_lag longer."""
    name = _domain_role(fake, cp)
    cp.delete_domain(DomainName="acme")
    seen_for = _cleanup_delay(fake) + fake.behaviour.read_lag
    fake.advance(seen_for - 1)
    assert iam.get_role(RoleName=name)["Role"]["RoleName"] == name
    assert fake.linked_roles() == ()  # gone already; IAM's reads have not caught up
    fake.advance(1)
    with pytest.raises(iam.exceptions.NoSuchEntityException):
        iam.get_role(RoleName=name)


def test_service_never_cleans_up_when_told_so() -> None:
    """role_cleanup_delay=None leaves the role behind, for the fallback path."""
    fake = FakeAWS(role_cleanup_delay=None)
    cp = fake.session(REGION).client("customer-profiles")
    name = _domain_role(fake, cp)
    cp.delete_domain(DomainName="acme")
    fake.advance(3600)
    assert fake.linked_roles() == (name,)
    assert fake.roles_in_use() == {}


def test_delete_role_on_an_slr_is_unmodifiable(
    fake: FakeAWS, cp: CustomerProfilesClient, iam: IAMClient
) -> None:
    """DeleteRole refuses a service-linked role with UnmodifiableEntity 400."""
    name = _domain_role(fake, cp)
    with pytest.raises(iam.exceptions.UnmodifiableEntityException) as caught:
        iam.delete_role(RoleName=name)
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_delete_role_deletes_an_ordinary_role(fake: FakeAWS, iam: IAMClient) -> None:
    """DeleteRole removes a role without policies, refuses one with policies."""
    fake.add_role("plain")
    fake.add_role("busy", policies=["arn:aws:iam::aws:policy/ReadOnlyAccess"])
    iam.delete_role(RoleName="plain")
    with pytest.raises(iam.exceptions.DeleteConflictException):
        iam.delete_role(RoleName="busy")
    assert fake.roles() == ("busy",)


def test_deletion_task_fails_while_the_domain_uses_the_role(
    fake: FakeAWS, cp: CustomerProfilesClient, iam: IAMClient
) -> None:
    """A task started while the domain exists goes NOT_STARTED, IN_PROGRESS, FAILED with usage."""
    name = _domain_role(fake, cp)
    task = iam.delete_service_linked_role(RoleName=name)["DeletionTaskId"]
    assert re.fullmatch(
        rf"task/aws-service-role/profile\.amazonaws\.com/{name}/[0-9a-f-]{{36}}", task
    )
    status = iam.get_service_linked_role_deletion_status
    assert status(DeletionTaskId=task)["Status"] == "NOT_STARTED"
    fake.advance(fake.deletion_task_duration / 2)
    assert status(DeletionTaskId=task)["Status"] == "IN_PROGRESS"
    assert iam.delete_service_linked_role(RoleName=name)["DeletionTaskId"] == task
    fake.advance(fake.deletion_task_duration)
    failed = status(DeletionTaskId=task)
    assert failed["Status"] == "FAILED"
    assert failed["Reason"]["RoleUsageList"] == [
        {"Region": REGION, "Resources": [f"arn:aws:profile:{REGION}:123456789012:domains/acme"]}
    ]
    assert iam.get_role(RoleName=name)["Role"]["RoleName"] == name


def test_deletion_task_succeeds_once_the_domain_is_gone() -> None:
    """With the domain gone (and no service cleanup) the task SUCCEEDS and the role goes."""
    fake = FakeAWS(role_cleanup_delay=None)
    session = fake.session(REGION)
    cp, iam = session.client("customer-profiles"), session.client("iam")
    name = _domain_role(fake, cp)
    cp.delete_domain(DomainName="acme")
    task = iam.delete_service_linked_role(RoleName=name)["DeletionTaskId"]
    fake.advance(fake.deletion_task_duration)
    assert iam.get_service_linked_role_deletion_status(DeletionTaskId=task)["Status"] == "SUCCEEDED"
    with pytest.raises(iam.exceptions.NoSuchEntityException):
        iam.delete_service_linked_role(RoleName=name)


def test_unknown_deletion_task_is_no_such_entity(iam: IAMClient) -> None:
    """An unknown task id is NoSuchEntity 404 (moto answers SUCCEEDED)."""
    with pytest.raises(iam.exceptions.NoSuchEntityException) as caught:
        iam.get_service_linked_role_deletion_status(
            DeletionTaskId="task/aws-service-role/profile.amazonaws.com/x/0"
        )
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404


def test_create_service_linked_role_names_and_refuses_duplicates(iam: IAMClient) -> None:
    """CreateServiceLinkedRole uses the suffix; taking it twice is InvalidInput 400."""
    role = iam.create_service_linked_role(
        AWSServiceName="profile.amazonaws.com", CustomSuffix="demo", Description="mine"
    )["Role"]
    assert role["RoleName"] == "AWSServiceRoleForProfile_demo"
    assert role["Description"] == "mine"
    with pytest.raises(iam.exceptions.InvalidInputException, match="has been taken") as caught:
        iam.create_service_linked_role(AWSServiceName="profile.amazonaws.com", CustomSuffix="demo")
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    generated = iam.create_service_linked_role(AWSServiceName="profile.amazonaws.com")["Role"]
    assert generated["RoleName"].startswith("AWSServiceRoleForProfile_")


def test_create_service_linked_role_refuses_other_services(iam: IAMClient) -> None:
    """Only profile.amazonaws.com is modeled; others are InvalidInput, not made-up names."""
    with pytest.raises(iam.exceptions.InvalidInputException):
        iam.create_service_linked_role(AWSServiceName="elasticbeanstalk.amazonaws.com")


def test_add_linked_role_helpers(fake: FakeAWS, cp: CustomerProfilesClient, iam: IAMClient) -> None:
    """add_linked_role makes orphans or links a domain; roles_in_use tells them apart."""
    cp.create_domain(DomainName="acme", DefaultExpirationDays=1)
    orphan = fake.add_linked_role(region=REGION, unique_id="orphan")
    linked = fake.add_linked_role(
        region=REGION,
        domain_name="acme",
        created_at=dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc),
    )
    in_use = fake.roles_in_use()
    assert orphan not in in_use
    assert in_use[linked] == (f"arn:aws:profile:{REGION}:123456789012:domains/acme",)
    role = iam.get_role(RoleName=linked)["Role"]
    assert role["CreateDate"].year == 2024
    assert role["RoleLastUsed"]["Region"] == REGION
    assert iam.get_role(RoleName=orphan)["Role"]["RoleLastUsed"] == {}
    with pytest.raises(LookupError):
        fake.add_linked_role(region=REGION, domain_name="nope")
    with pytest.raises(ValueError, match="exists"):
        fake.add_linked_role(region=REGION, unique_id="orphan")


def test_add_role_makes_broken_roles_for_checks(fake: FakeAWS, iam: IAMClient) -> None:
    """add_role can put a role on the SLR path with the wrong trust and no policy."""
    fake.add_role("AWSServiceRoleForProfile_bad", path=PATH, trust_principal="ec2.amazonaws.com")
    role = iam.get_role(RoleName="AWSServiceRoleForProfile_bad")["Role"]
    assert _trusted_service(role["AssumeRolePolicyDocument"]) == "ec2.amazonaws.com"
    assert iam.list_attached_role_policies(RoleName=role["RoleName"])["AttachedPolicies"] == []


def test_iam_is_global_per_account(fake: FakeAWS, cp: CustomerProfilesClient) -> None:
    """Roles made for a domain in one region are seen from IAM clients of any region."""
    name = _domain_role(fake, cp)
    iam_elsewhere = fake.session("ap-southeast-2").client("iam")
    assert iam_elsewhere.get_role(RoleName=name)["Role"]["RoleName"] == name
    other_account = fake.session(REGION, account_id="210987654321").client("iam")
    with pytest.raises(other_account.exceptions.NoSuchEntityException):
        other_account.get_role(RoleName=name)


def test_iam_input_validation_is_validation_error(fake: FakeAWS, iam: IAMClient) -> None:
    """A role name outside the model's pattern is IAM's ValidationError 400, every time."""
    for _ in range(2):  # the second request is the first one's text: read once, refused twice
        with pytest.raises(iam.exceptions.ClientError) as caught:
            iam.get_role(RoleName="bad name!")
        error: Mapping[str, object] = caught.value.response["Error"]
        assert (error.get("Code"), error.get("Type")) == ("ValidationError", "Sender")
        assert "at 'roleName'" in str(error.get("Message"))
    calls = fake.calls_to("GetRole")
    assert [(c.status, c.error_code, c.params) for c in calls] == [
        (400, "ValidationError", {"RoleName": "bad name!"})
    ] * 2


def test_get_caller_identity_names_the_account(fake: FakeAWS, sts: STSClient) -> None:
    """STS GetCallerIdentity answers the session's account with a plausible ARN."""
    identity = sts.get_caller_identity()
    assert identity["Account"] == "123456789012"
    assert identity["Arn"].startswith("arn:aws:iam::123456789012:")
    other = fake.session(account_id="210987654321").client("sts")
    assert other.get_caller_identity()["Account"] == "210987654321"


def test_list_roles_refuses_a_forged_marker(iam: IAMClient) -> None:
    """A Marker the fake did not issue is a ValidationError, as IAM answers."""
    with pytest.raises(ClientError, match="Invalid Marker") as caught:
        iam.list_roles(Marker="not-a-marker")
    assert caught.value.response["Error"]["Code"] == "ValidationError"
