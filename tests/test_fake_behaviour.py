"""The fake is no kinder than AWS: each `Behaviour` knob, its default, and the harsh preset.

Each section answers one thing seen through real boto3 clients (issue 18), where
the fake let code pass that fails on AWS.
"""

# pyright: reportUnknownMemberType=false, reportTypedDictNotRequiredAccess=false
# (boto3-stubs type `Session.client` per service, most not installed; and a test may
# index what it asserts is present.)

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import attrs
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError, EndpointConnectionError

from slrkit import SUPPORTED_REGIONS
from slrkit.testing import Behaviour, FakeAWS

if TYPE_CHECKING:
    from pathlib import Path

    from mypy_boto3_customer_profiles.client import CustomerProfilesClient
    from mypy_boto3_customer_profiles.type_defs import RuleBasedMatchingRequestTypeDef
    from mypy_boto3_iam.client import IAMClient

REGION = "eu-west-2"
PATH = "/aws-service-role/profile.amazonaws.com/"
PRINCIPAL = "profile.amazonaws.com"
DAY = 86_400.0


def _orphan(fake: FakeAWS, iam: IAMClient, suffix: str = "orphan") -> str:
    """A Customer Profiles SLR no domain uses, visible to IAM reads."""
    name = iam.create_service_linked_role(AWSServiceName=PRINCIPAL, CustomSuffix=suffix)["Role"][
        "RoleName"
    ]
    fake.advance(fake.behaviour.read_lag)
    return name


# -- 1. regions: no endpoint, no service ---------------------------------------------------


@pytest.mark.parametrize(
    "region", ["eu-west-1", "us-east-2", "cn-north-1", "us-gov-west-1", "xx-fake-1"]
)
def test_customer_profiles_outside_its_regions_fails_to_connect(fake: FakeAWS, region: str) -> None:
    """No profile.<region> host exists there: a connection error, retried, and no domain."""
    cp = fake.client("customer-profiles", region)
    with pytest.raises(
        EndpointConnectionError, match=rf"https://profile\.{region}\.amazonaws\.com"
    ):
        cp.create_domain(DomainName="acme", DefaultExpirationDays=1)
    assert fake.domains(region) == ()
    assert fake.calls == ()  # no service ever saw it
    assert len(fake.retry_sleeps) == 2  # botocore retried it like any network failure


def test_profile_regions_is_the_ten_and_can_grow(fake: FakeAWS) -> None:
    """By default the ten regions answer; a region AWS adds can be added to the knob."""
    assert fake.behaviour.profile_regions == frozenset(SUPPORTED_REGIONS)
    for region in SUPPORTED_REGIONS:
        fake.client("customer-profiles", region).list_domains()
    grown = FakeAWS(behaviour=Behaviour(profile_regions={*SUPPORTED_REGIONS, "eu-west-1"}))
    grown.client("customer-profiles", "eu-west-1").create_domain(
        DomainName="acme", DefaultExpirationDays=1
    )
    assert grown.domains("eu-west-1") == ("acme",)


def test_iam_and_sts_answer_in_any_partition(fake: FakeAWS) -> None:
    """IAM and STS exist in every partition: only Customer Profiles is regional here."""
    for region in ("cn-north-1", "us-gov-west-1"):
        assert fake.client("sts", region).get_caller_identity()["Account"] == fake.account_id


# -- 2. finished deletion tasks are purged -------------------------------------------------


def test_a_succeeded_task_is_forgotten_after_its_retention(fake: FakeAWS, iam: IAMClient) -> None:
    """SUCCEEDED is readable for task_retention; then, and 30 days later, NoSuchEntity."""
    task = iam.delete_service_linked_role(RoleName=_orphan(fake, iam))["DeletionTaskId"]
    status = iam.get_service_linked_role_deletion_status
    fake.advance(fake.behaviour.deletion_task_duration)
    assert status(DeletionTaskId=task)["Status"] == "SUCCEEDED"
    retention = fake.behaviour.task_retention
    assert retention is not None
    fake.advance(retention)
    with pytest.raises(iam.exceptions.NoSuchEntityException):
        status(DeletionTaskId=task)
    fake.advance(30 * DAY)
    with pytest.raises(iam.exceptions.NoSuchEntityException):
        status(DeletionTaskId=task)


def test_failed_tasks_are_kept_unless_told() -> None:
    """A FAILED task's reason stays readable by default; failed_task_retention purges it."""
    for fake in (FakeAWS(), FakeAWS(behaviour=Behaviour(failed_task_retention=60))):
        session = fake.session(REGION)
        session.client("customer-profiles").create_domain(
            DomainName="acme", DefaultExpirationDays=1
        )
        fake.advance(fake.propagation_delay)
        [role] = fake.linked_roles()
        client = session.client("iam")
        task = client.delete_service_linked_role(RoleName=role)["DeletionTaskId"]
        fake.advance(fake.deletion_task_duration + 60)
        if fake.behaviour.failed_task_retention is None:
            status = client.get_service_linked_role_deletion_status(DeletionTaskId=task)
            assert status["Status"] == "FAILED"
        else:
            with pytest.raises(client.exceptions.NoSuchEntityException):
                client.get_service_linked_role_deletion_status(DeletionTaskId=task)


# -- 3. reads lag writes -------------------------------------------------------------------


def test_a_deleted_role_stays_visible_for_the_read_lag(fake: FakeAWS, iam: IAMClient) -> None:
    """After its task SUCCEEDED, GetRole and ListRoles still show the role for read_lag."""
    name = _orphan(fake, iam)
    iam.delete_service_linked_role(RoleName=name)
    fake.advance(fake.behaviour.deletion_task_duration)
    assert fake.linked_roles() == ()  # the role is gone...
    assert iam.get_role(RoleName=name)["Role"]["RoleName"] == name  # ...IAM's reads lag
    assert [r["RoleName"] for r in iam.list_roles(PathPrefix=PATH)["Roles"]] == [name]
    with pytest.raises(iam.exceptions.NoSuchEntityException):  # writes see the truth
        iam.delete_service_linked_role(RoleName=name)
    fake.advance(fake.behaviour.read_lag)
    with pytest.raises(iam.exceptions.NoSuchEntityException):
        iam.get_role(RoleName=name)
    assert iam.list_roles(PathPrefix=PATH)["Roles"] == []


def test_a_new_role_is_unseen_for_the_read_lag(fake: FakeAWS, iam: IAMClient) -> None:
    """CreateServiceLinkedRole answers the role; reads find it only after read_lag."""
    name = iam.create_service_linked_role(AWSServiceName=PRINCIPAL, CustomSuffix="new")["Role"][
        "RoleName"
    ]
    with pytest.raises(iam.exceptions.NoSuchEntityException):
        iam.get_role(RoleName=name)
    fake.advance(fake.behaviour.read_lag)
    assert iam.get_role(RoleName=name)["Role"]["RoleName"] == name


# -- 4. short pages --------------------------------------------------------------------------


def test_short_pages_return_fewer_items_while_more_remain() -> None:
    """With short_pages, a page may hold fewer than MaxItems while IsTruncated; none is lost."""
    fake = FakeAWS(behaviour=Behaviour(short_pages=True))
    for n in range(12):
        fake.add_role(f"r{n:02}", path="/apps/")
    iam = fake.client("iam", REGION)
    sizes: list[int] = []
    names: list[str] = []
    marker: str | None = None
    while True:
        page = (
            iam.list_roles(PathPrefix="/apps/", MaxItems=4, Marker=marker)
            if marker
            else iam.list_roles(PathPrefix="/apps/", MaxItems=4)
        )
        sizes.append(len(page["Roles"]))
        names += [r["RoleName"] for r in page["Roles"]]
        if not page["IsTruncated"]:
            break
        marker = page["Marker"]
    assert names == [f"r{n:02}" for n in range(12)]
    assert min(sizes[:-1]) < 4  # a short page that was not the last
    cp = fake.client("customer-profiles", REGION)
    for n in range(6):
        cp.create_domain(DomainName=f"d{n}", DefaultExpirationDays=1)
    seen: list[str] = []
    token: str | None = None
    short = False
    while True:
        listed = (
            cp.list_domains(MaxResults=3, NextToken=token)
            if token
            else cp.list_domains(MaxResults=3)
        )
        seen += [d["DomainName"] for d in listed["Items"]]
        token = listed.get("NextToken")
        short = short or (token is not None and len(listed["Items"]) < 3)
        if token is None:
            break
    assert seen == [f"d{n}" for n in range(6)]
    assert short


def test_pages_are_full_by_default(fake: FakeAWS, iam: IAMClient) -> None:
    """Short pages are switched on only when asked for: AWS does not say when it sends them."""
    for n in range(5):
        fake.add_role(f"r{n}", path="/apps/")
    assert not fake.behaviour.short_pages
    page = iam.list_roles(PathPrefix="/apps/", MaxItems=2)
    assert (len(page["Roles"]), page["IsTruncated"]) == (2, True)


# -- 5. rule-based matching goes PENDING, IN_PROGRESS, ACTIVE, and locks changes ------------

RULES: RuleBasedMatchingRequestTypeDef = {
    "Enabled": True,
    "MatchingRules": [{"Rule": ["EmailAddress"]}],
}
OTHER_RULES: RuleBasedMatchingRequestTypeDef = {
    "Enabled": True,
    "MatchingRules": [{"Rule": ["PhoneNumber"]}],
}


def _status(cp: CustomerProfilesClient) -> str:
    return cp.get_domain(DomainName="acme")["RuleBasedMatching"]["Status"]


def test_rule_based_matching_runs_its_status_machine(
    fake: FakeAWS, cp: CustomerProfilesClient
) -> None:
    """A new domain's rules go IN_PROGRESS, then ACTIVE; a change goes PENDING an hour first."""
    behaviour = fake.behaviour
    created = cp.create_domain(DomainName="acme", DefaultExpirationDays=1, RuleBasedMatching=RULES)
    assert created["RuleBasedMatching"]["Status"] == "IN_PROGRESS"  # a new domain skips PENDING
    fake.advance(behaviour.rule_based_matching_duration)
    assert _status(cp) == "ACTIVE"
    fake.advance(behaviour.rule_based_matching_lock)
    updated = cp.update_domain(DomainName="acme", RuleBasedMatching=OTHER_RULES)
    assert updated["RuleBasedMatching"]["Status"] == "PENDING"  # an existing domain waits
    assert behaviour.rule_based_matching_pending == 3600
    fake.advance(3600)
    assert _status(cp) == "IN_PROGRESS"


def test_rule_based_matching_refuses_changes_while_locked(
    fake: FakeAWS, cp: CustomerProfilesClient
) -> None:
    """No change while IN_PROGRESS, nor for a day after ACTIVE: BadRequestException 400."""
    cp.create_domain(DomainName="acme", DefaultExpirationDays=1, RuleBasedMatching=RULES)
    with pytest.raises(cp.exceptions.BadRequestException, match="IN_PROGRESS") as caught:
        cp.update_domain(DomainName="acme", RuleBasedMatching=OTHER_RULES)
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    cp.update_domain(DomainName="acme", RuleBasedMatching=RULES)  # the same rules: no change
    fake.advance(fake.behaviour.rule_based_matching_duration)
    with pytest.raises(cp.exceptions.BadRequestException, match="a day after"):
        cp.update_domain(DomainName="acme", RuleBasedMatching=OTHER_RULES)
    assert cp.get_domain(DomainName="acme")["RuleBasedMatching"]["MatchingRules"] == [
        {"Rule": ["EmailAddress"]}
    ]
    fake.advance(DAY)
    cp.update_domain(DomainName="acme", RuleBasedMatching=OTHER_RULES)


def test_rules_set_on_an_existing_domain_start_pending(
    fake: FakeAWS, cp: CustomerProfilesClient
) -> None:
    """Turning rule-based matching on for an existing domain waits an hour, PENDING."""
    cp.create_domain(DomainName="acme", DefaultExpirationDays=1)
    fake.advance(60)
    assert (
        cp.update_domain(DomainName="acme", RuleBasedMatching=RULES)["RuleBasedMatching"]["Status"]
        == "PENDING"
    )
    cp.update_domain(DomainName="acme", RuleBasedMatching=OTHER_RULES)  # PENDING: still open
    fake.advance(3600 + fake.behaviour.rule_based_matching_duration)
    assert _status(cp) == "ACTIVE"


# -- 6. values as AWS writes them ----------------------------------------------------------


def test_a_new_roles_last_use_is_not_before_its_creation(
    fake: FakeAWS, cp: CustomerProfilesClient, iam: IAMClient
) -> None:
    """RoleLastUsed.LastUsedDate is never before CreateDate, even after a quick update."""
    cp.create_domain(DomainName="acme", DefaultExpirationDays=1)
    cp.update_domain(DomainName="acme", DefaultExpirationDays=2)  # within the same second
    fake.advance(fake.propagation_delay)
    [name] = fake.linked_roles()
    role = iam.get_role(RoleName=name)["Role"]
    assert role["RoleLastUsed"]["LastUsedDate"] >= role["CreateDate"]


def test_role_names_are_not_told_apart_by_case(fake: FakeAWS, iam: IAMClient) -> None:
    """A suffix taken in another case is taken (InvalidInput); reads find any case."""
    name = _orphan(fake, iam, "Demo")
    with pytest.raises(iam.exceptions.InvalidInputException, match="has been taken"):
        iam.create_service_linked_role(AWSServiceName=PRINCIPAL, CustomSuffix="demo")
    assert iam.get_role(RoleName=name.lower())["Role"]["RoleName"] == name
    assert fake.linked_roles() == (name,)


def test_validation_messages_name_members_as_aws_does(iam: IAMClient) -> None:
    """IAM writes 'roleName', not 'RoleName', in its validation messages."""
    with pytest.raises(ClientError) as caught:
        iam.get_role(RoleName="x" * 65)
    assert caught.value.response["Error"]["Message"] == (
        f"1 validation error detected: Value '{'x' * 65}' at 'roleName' failed to satisfy "
        "constraint: Member must have length less than or equal to 64"
    )


@pytest.mark.parametrize(
    ("region", "partition"), [("cn-north-1", "aws-cn"), ("us-gov-west-1", "aws-us-gov")]
)
def test_arns_name_the_partition_of_the_region(fake: FakeAWS, region: str, partition: str) -> None:
    """In cn-north-1 and us-gov-west-1, IAM and STS ARNs say aws-cn and aws-us-gov."""
    iam = fake.client("iam", region)
    role = iam.create_service_linked_role(AWSServiceName=PRINCIPAL)["Role"]
    assert role["Arn"].startswith(f"arn:{partition}:iam::{fake.account_id}:role{PATH}")
    fake.advance(fake.behaviour.read_lag)
    [policy] = iam.list_attached_role_policies(RoleName=role["RoleName"])["AttachedPolicies"]
    assert policy["PolicyArn"].startswith(f"arn:{partition}:iam::aws:policy/")
    arn = fake.client("sts", region).get_caller_identity()["Arn"]
    assert arn.startswith(f"arn:{partition}:iam::{fake.account_id}:user/")


def test_tagging_an_object_type_names_no_made_up_domain(cp: CustomerProfilesClient) -> None:
    """An object type's ARN is a resource of its own: not found, and the domain keeps its tags."""
    cp.create_domain(DomainName="acme", DefaultExpirationDays=1, Tags={"team": "cx"})
    arn = f"arn:aws:profile:{REGION}:123456789012:domains/acme/object-types/foo"
    with pytest.raises(cp.exceptions.ResourceNotFoundException) as caught:
        cp.tag_resource(resourceArn=arn, tags={"x": "y"})
    message = caught.value.response["Error"]["Message"]
    assert "acme/object-types/foo does not exist" not in message.replace(arn, "")
    assert arn in message
    assert cp.get_domain(DomainName="acme")["Tags"] == {"team": "cx"}


def test_ids_have_the_length_and_alphabet_of_aws_ids(fake: FakeAWS, iam: IAMClient) -> None:
    """STS UserId and IAM RoleId: a four-letter prefix and 17 base32 characters (21 in all)."""
    user_id = fake.client("sts", REGION).get_caller_identity()["UserId"]
    assert re.fullmatch(r"AIDA[A-Z2-7]{17}", user_id)
    assert fake.client("sts", REGION).get_caller_identity()["UserId"] == user_id  # stable
    role = iam.create_service_linked_role(AWSServiceName=PRINCIPAL)["Role"]
    assert re.fullmatch(r"AROA[A-Z2-7]{17}", role["RoleId"])


# -- 7. a FAILED task's RoleUsageList and Reason --------------------------------------------


def _failed_reason(fake: FakeAWS) -> dict[str, object]:
    session = fake.session(REGION)
    session.client("customer-profiles").create_domain(DomainName="acme", DefaultExpirationDays=1)
    fake.advance(fake.propagation_delay)
    iam = session.client("iam")
    [role] = fake.linked_roles()
    task = iam.delete_service_linked_role(RoleName=role)["DeletionTaskId"]
    fake.advance(fake.deletion_task_duration)
    status = iam.get_service_linked_role_deletion_status(DeletionTaskId=task)
    assert status["Status"] == "FAILED"
    return dict(status["Reason"])


def test_failed_task_names_the_domain_by_arn_and_invents_no_reason(fake: FakeAWS) -> None:
    """By default: the domain's ARN in its own region, and no made-up Reason text."""
    assert _failed_reason(fake) == {
        "RoleUsageList": [
            {"Region": REGION, "Resources": [f"arn:aws:profile:{REGION}:123456789012:domains/acme"]}
        ]
    }


def test_the_form_of_a_failed_task_is_a_knob() -> None:
    """usage_region, usage_resource and failure_reason shape what a FAILED task says."""
    behaviour = Behaviour(
        usage_region="eu-north-1",
        usage_resource="arn:{partition}:profile:{region}:{account_id}:domains/{domain}/",
        failure_reason="in use",
    )
    assert _failed_reason(FakeAWS(behaviour=behaviour)) == {
        "Reason": "in use",
        "RoleUsageList": [
            {
                "Region": "eu-north-1",
                "Resources": [f"arn:aws:profile:{REGION}:123456789012:domains/acme/"],
            }
        ],
    }


# -- the knobs themselves ------------------------------------------------------------------


def test_harsh_turns_every_hardship_on(tmp_path: Path) -> None:
    """Behaviour.harsh() is accepted by FakeAWS and kept by its state file."""
    harsh = Behaviour.harsh()
    assert harsh.short_pages
    assert harsh.task_retention == 0
    assert harsh.read_lag > Behaviour().read_lag
    assert harsh.usage_region not in SUPPORTED_REGIONS
    fake = FakeAWS(behaviour=harsh, propagation_delay=1)
    assert fake.behaviour == attrs.evolve(harsh, propagation_delay=1)
    fake.save(tmp_path / "state.json")
    assert FakeAWS.load(tmp_path / "state.json").behaviour == fake.behaviour


@pytest.mark.parametrize(
    ("knob", "value", "rule"),
    [
        ("read_lag", -1, "finite number >= 0"),
        ("task_retention", float("inf"), "finite number"),
        ("short_pages", 1, "True or False"),
        ("profile_regions", "eu-west-2", "set of region codes"),
        ("profile_regions", (), "at least one region"),
        ("usage_region", "Not A Region", "region"),
        ("usage_resource", "arn:{nope}", "template"),
        ("failure_reason", "x" * 1001, "1000"),
    ],
)
def test_knobs_refuse_what_breaks_their_rule(knob: str, value: object, rule: str) -> None:
    """Every knob is checked when the behaviour is made, naming the knob."""
    with pytest.raises(ValueError, match=knob) as caught:
        Behaviour(**{knob: value})  # type: ignore[arg-type]
    assert rule in str(caught.value)


def test_fake_timing_arguments_override_the_behaviour() -> None:
    """FakeAWS's timing arguments win over the behaviour's; None still means never."""
    fake = FakeAWS(behaviour=Behaviour.harsh(), role_cleanup_delay=None)
    assert fake.role_cleanup_delay is None
    assert fake.behaviour.read_lag == Behaviour.harsh().read_lag
    assert FakeAWS(deletion_task_duration=3).behaviour == Behaviour(deletion_task_duration=3)
    with pytest.raises(ValueError, match="behaviour"):
        FakeAWS(behaviour="harsh")  # type: ignore[arg-type]


def test_retries_do_not_hide_a_missing_endpoint(fake: FakeAWS) -> None:
    """Even with retries off, an unsupported region is a connection error, not a ClientError."""
    cp = fake.session("eu-west-1").client(
        "customer-profiles", config=Config(retries={"total_max_attempts": 1})
    )
    with pytest.raises(EndpointConnectionError):
        cp.get_domain(DomainName="acme")
    assert (fake.calls, fake.retry_sleeps) == ((), ())


def test_the_clock_of_a_deleted_role_is_the_events(fake: FakeAWS, iam: IAMClient) -> None:
    """A role deleted while nobody looked is seen for read_lag from its deletion, not the read."""
    name = _orphan(fake, iam)
    iam.delete_service_linked_role(RoleName=name)
    fake.advance(fake.behaviour.deletion_task_duration + fake.behaviour.read_lag)
    with pytest.raises(iam.exceptions.NoSuchEntityException):
        iam.get_role(RoleName=name)
