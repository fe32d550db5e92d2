"""ProfilesKit on the fake: ensure, describe, plan and safe delete, with exact API calls."""

from __future__ import annotations

import gc
import logging
import random
from typing import TYPE_CHECKING

import pytest

import slrkit
from slrkit import (
    Action,
    AmbiguousLinkedRoleError,
    ApiCall,
    ConfirmationMismatchError,
    DataStore,
    DomainNotEmptyError,
    DomainNotFoundError,
    Evidence,
    InvalidInputError,
    JobSchedule,
    LinkedRoleNotFoundError,
    Matching,
    ProfilesKit,
    RetryDeadlineError,
    RetryPolicy,
    RoleInUseError,
    ThrottledError,
    UnknownRoleError,
    UnsafeRoleError,
    UnsupportedRegionError,
)
from slrkit._evidence import SETTLE_AFTER
from slrkit.testing import FakeAWS
from writes import FORBIDDEN, WRITES

if TYPE_CHECKING:
    from mypy_boto3_customer_profiles.client import CustomerProfilesClient

REGION = "eu-west-2"
ACCOUNT = "123456789012"


@pytest.fixture
def fake() -> FakeAWS:
    return FakeAWS(account_id=ACCOUNT)


def make_kit(fake: FakeAWS, region: str = REGION, **kwargs: object) -> ProfilesKit:
    return ProfilesKit(
        region,
        session=fake.session(region),
        clock=fake.clock,
        account_id=ACCOUNT,
        rand=random.Random(7).random,
        **kwargs,  # type: ignore[arg-type]
    )


@pytest.fixture
def kit(fake: FakeAWS) -> ProfilesKit:
    return make_kit(fake)


def ops(fake: FakeAWS) -> list[str]:
    """The operations the fake received, retries included, in order."""
    return [c.operation for c in fake.calls]


def writes(fake: FakeAWS) -> list[str]:
    return [op for op in ops(fake) if op in WRITES | FORBIDDEN]


def raw_profiles(fake: FakeAWS, region: str = REGION) -> CustomerProfilesClient:
    return fake.client("customer-profiles", region)


def create_untagged(fake: FakeAWS, name: str, region: str = REGION) -> None:
    """Create a domain the way a user's own code would, so it carries no slrkit tag, and let
    it settle: from SETTLE_AFTER on, the evidence may tell its role."""
    raw_profiles(fake, region).create_domain(DomainName=name, DefaultExpirationDays=30)
    fake.advance(SETTLE_AFTER.total_seconds())


@pytest.fixture
def acme(fake: FakeAWS, kit: ProfilesKit) -> str:
    """A domain created by slrkit, with its role recorded; the call log starts empty."""
    result = kit.ensure_domain("acme", default_expiration_days=365, tags={"team": "cx"})
    assert result.linked_role is not None
    fake.clear_calls()
    return result.linked_role.name


# -- construction ------------------------------------------------------------------------------


def test_kit_validates_the_region_before_anything(fake: FakeAWS) -> None:
    """An unsupported region fails at construction, with no API call."""
    with pytest.raises(UnsupportedRegionError, match="eu-west-2"):
        make_kit(fake, region="eu-west-1")
    assert fake.calls == ()


def test_kit_takes_the_region_from_explicit_clients(fake: FakeAWS) -> None:
    """With both clients given, the region comes from them and must agree."""
    cp = fake.client("customer-profiles", REGION)
    iam = fake.client("iam", REGION)
    kit = ProfilesKit(None, profiles_client=cp, iam_client=iam, account_id=ACCOUNT)
    assert kit.region_name == REGION
    with pytest.raises(InvalidInputError, match="must match the region of profiles_client"):
        ProfilesKit("us-east-1", profiles_client=cp, iam_client=iam)


@pytest.mark.parametrize("account", ["12345", "abcdefghijkl", ""])
def test_kit_rejects_a_malformed_account_id(fake: FakeAWS, account: str) -> None:
    """account_id must be twelve digits."""
    with pytest.raises(InvalidInputError, match="12 digits"):
        ProfilesKit(REGION, session=fake.session(REGION), account_id=account)


def test_account_id_is_looked_up_once_per_kit(fake: FakeAWS) -> None:
    """Without account_id the kit asks STS once, then remembers."""
    kit = ProfilesKit(REGION, session=fake.session(REGION), clock=fake.clock)
    create_untagged(fake, "one")
    [role] = fake.roles_in_use()
    raw_profiles(fake).tag_resource(
        resourceArn=f"arn:aws:profile:{REGION}:{ACCOUNT}:domains/one",
        tags={"slrkit:linked-role": role},
    )
    fake.clear_calls()
    kit.ensure_domain("one", default_expiration_days=30)
    kit.ensure_domain("one", default_expiration_days=30)
    assert ops(fake) == ["GetDomain", "GetCallerIdentity", "GetDomain"]


@pytest.mark.parametrize(("account_id", "made"), [(None, ["sts"]), (ACCOUNT, [])])
def test_a_kit_makes_an_sts_client_only_to_learn_its_account(
    fake: FakeAWS, account_id: str | None, made: list[str]
) -> None:
    """From a session, the kit builds its Customer Profiles and IAM clients, and STS only
    when it has no account id to begin with."""
    session = fake.session(REGION)
    services: list[str] = []

    def creating(event_name: str, **kwargs: object) -> None:
        del kwargs
        services.append(event_name.removeprefix("creating-client-class."))

    session.events.register("creating-client-class", creating)
    ProfilesKit(REGION, session=session, account_id=account_id)
    assert sorted(services) == sorted(["customer-profiles", "iam", *made])


def test_repr_shows_no_credentials(fake: FakeAWS, kit: ProfilesKit) -> None:
    """The kit's repr names its region and nothing secret."""
    assert repr(kit) == "ProfilesKit(region_name='eu-west-2')"


def test_a_subclass_keeps_its_own_private_names(fake: FakeAWS) -> None:
    """A subclass may name its own attributes and helpers as it likes: the kit's rooms live
    under names of the kit's own."""

    class Configured(ProfilesKit):
        def __init__(self, days: int) -> None:
            super().__init__(REGION, session=fake.session(REGION), clock=fake.clock)
            self._settings = days
            self._ensure = "mine"

        def _plan(self) -> str:
            return "mine"

    kit = Configured(7)
    assert kit.ensure_domain("acme", default_expiration_days=kit._settings).domain is not None
    assert kit._plan() == kit._ensure == "mine"
    assert kit.plan_domain_deletion("acme").blockers == ()


# -- ensure_domain -------------------------------------------------------------------------


def test_ensure_creates_the_domain_and_records_its_role(fake: FakeAWS) -> None:
    """A new domain is created, its role is observed and recorded in the slrkit tag."""
    fake_now = FakeAWS(account_id=ACCOUNT, propagation_delay=0)
    kit = make_kit(fake_now)
    result = kit.ensure_domain("acme", default_expiration_days=365, tags={"team": "cx"})
    assert result.action is Action.CREATED
    assert result.changed
    assert result.domain is not None
    assert result.domain.arn == f"arn:aws:profile:{REGION}:{ACCOUNT}:domains/acme"
    assert [c.field for c in result.changes] == ["default_expiration_days", "tags[team]"]
    role = result.linked_role
    assert role is not None
    assert role.evidence is Evidence.OBSERVED_AT_CREATION
    assert role.is_healthy
    assert role.name in fake_now.linked_roles()
    assert result.domain.tags == {"team": "cx", "slrkit:linked-role": role.name}
    assert ops(fake_now) == [
        "GetDomain",
        "ListRoles",
        "CreateDomain",
        "ListRoles",
        "GetRole",
        "ListDomains",
        "TagResource",
        "ListAttachedRolePolicies",
    ]


def test_ensure_waits_out_iam_propagation(fake: FakeAWS, kit: ProfilesKit) -> None:
    """The new role shows up only after the propagation delay; the kit polls for it."""
    result = kit.ensure_domain("acme", default_expiration_days=365)
    assert result.linked_role is not None
    assert ops(fake).count("ListRoles") >= 3
    assert fake.clock.monotonic() >= fake.propagation_delay
    tag = raw_profiles(fake).get_domain(DomainName="acme")["Tags"]["slrkit:linked-role"]
    assert tag == result.linked_role.name


def test_ensure_without_waiting_for_the_role(fake: FakeAWS, kit: ProfilesKit) -> None:
    """wait_for_role=False creates the domain with one write and no role lookup."""
    result = kit.ensure_domain("acme", default_expiration_days=365, wait_for_role=False)
    assert result.action is Action.CREATED
    assert result.linked_role is None
    assert ops(fake) == ["GetDomain", "CreateDomain"]


def test_ensure_on_a_matching_domain_costs_one_call(
    fake: FakeAWS, kit: ProfilesKit, acme: str
) -> None:
    """A domain that already matches costs exactly one API call and writes nothing."""
    result = kit.ensure_domain("acme", default_expiration_days=365, tags={"team": "cx"})
    assert result.action is Action.UNCHANGED
    assert result.changes == ()
    assert ops(fake) == ["GetDomain"]


def test_a_read_leaves_nothing_of_the_kits_for_the_garbage_collector(
    kit: ProfilesKit, acme: str
) -> None:
    """An operation's calls, waits and values are freed when it ends: no reference cycle."""
    del acme
    gc.collect()
    gc.disable()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        kit.ensure_domain("acme", default_expiration_days=365, tags={"team": "cx"})
        kit.describe_linked_role("acme")
        gc.collect()
        kits = sorted(
            type(o).__qualname__
            for o in gc.garbage
            if type(o).__module__.startswith("slrkit")
            and not type(o).__module__.startswith("slrkit._fake")
        )
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()
    assert kits == []


def test_ensure_updates_only_what_differs(fake: FakeAWS, kit: ProfilesKit, acme: str) -> None:
    """Changed settings go in one UpdateDomain; unmanaged settings are not sent."""
    result = kit.ensure_domain(
        "acme",
        default_expiration_days=30,
        dead_letter_queue_url="https://sqs.eu-west-2.amazonaws.com/123456789012/dlq",
        matching=Matching(
            enabled=True, job_schedule=JobSchedule(day_of_the_week="MONDAY", time="3:00")
        ),
        data_store=DataStore(enabled=True),
    )
    assert result.action is Action.UPDATED
    assert [c.field for c in result.changes] == [
        "default_expiration_days",
        "dead_letter_queue_url",
        "matching",
        "data_store",
    ]
    assert ops(fake) == ["GetDomain", "UpdateDomain"]
    update = fake.calls[1]
    assert set(update.params) == {
        "DomainName",
        "DefaultExpirationDays",
        "DeadLetterQueueUrl",
        "Matching",
        "DataStore",
    }
    again = kit.ensure_domain(
        "acme",
        default_expiration_days=30,
        matching=Matching(
            enabled=True, job_schedule=JobSchedule(day_of_the_week="MONDAY", time="3:00")
        ),
    )
    assert again.action is Action.UNCHANGED


def test_ensure_clears_the_queue_with_an_empty_string(fake: FakeAWS, kit: ProfilesKit) -> None:
    """An empty string clears the dead-letter queue, as the API documents."""
    url = "https://sqs.eu-west-2.amazonaws.com/123456789012/dlq"
    kit.ensure_domain("acme", default_expiration_days=30, dead_letter_queue_url=url)
    result = kit.ensure_domain("acme", default_expiration_days=30, dead_letter_queue_url="")
    assert result.action is Action.UPDATED
    assert result.changes[0].old == url
    assert result.domain is not None
    assert result.domain.dead_letter_queue_url is None
    assert "DeadLetterQueueUrl" not in raw_profiles(fake).get_domain(DomainName="acme")


def test_a_new_domain_is_not_sent_the_empty_strings_that_clear(
    fake: FakeAWS, kit: ProfilesKit
) -> None:
    """Creating with "" for the key and queue (as a program that left them out does) sends
    CreateDomain neither, and the result lists only the settings the domain took."""
    result = kit.ensure_domain(
        "acme", default_expiration_days=30, default_encryption_key="", dead_letter_queue_url=""
    )
    assert result.action is Action.CREATED
    create = next(call for call in fake.calls if call.operation == "CreateDomain")
    assert set(create.params) == {"DomainName", "DefaultExpirationDays"}
    assert [change.field for change in result.changes] == ["default_expiration_days"]
    assert result.domain is not None
    assert result.domain.default_encryption_key is None
    assert result.domain.dead_letter_queue_url is None


def test_ensure_never_removes_tags_it_was_not_given(
    fake: FakeAWS, kit: ProfilesKit, acme: str
) -> None:
    """Changing one tag sends only that tag; others, slrkit's own included, stay."""
    raw_profiles(fake).tag_resource(
        resourceArn=f"arn:aws:profile:{REGION}:{ACCOUNT}:domains/acme", tags={"owner": "ops"}
    )
    fake.clear_calls()
    result = kit.ensure_domain("acme", default_expiration_days=365, tags={"team": "data"})
    assert ops(fake) == ["GetDomain", "TagResource"]
    assert fake.calls[1].params["tags"] == {"team": "data"}
    tags = raw_profiles(fake).get_domain(DomainName="acme")["Tags"]
    assert tags == {"team": "data", "owner": "ops", "slrkit:linked-role": acme}
    assert result.domain is not None
    assert dict(result.domain.tags) == tags


@pytest.mark.parametrize("exists", [False, True])
def test_dry_run_writes_nothing(fake: FakeAWS, kit: ProfilesKit, exists: bool) -> None:
    """dry_run reports the action and the changes with one read and no write."""
    if exists:
        kit.ensure_domain("acme", default_expiration_days=365)
        fake.clear_calls()
    result = kit.ensure_domain("acme", default_expiration_days=90, dry_run=True)
    assert result.dry_run
    assert result.action is (Action.UPDATED if exists else Action.CREATED)
    assert [(c.field, c.new) for c in result.changes] == [("default_expiration_days", 90)]
    assert ops(fake) == ["GetDomain"]


def test_ensure_turns_a_create_race_into_an_update(fake: FakeAWS, kit: ProfilesKit) -> None:
    """If another writer creates the domain between read and create, ensure updates it, and
    records the link the other writer did not."""
    create_untagged(fake, "acme")
    fake.fail("GetDomain", code="ResourceNotFoundException", times=1)
    fake.clear_calls()
    result = kit.ensure_domain("acme", default_expiration_days=365)
    assert result.action is Action.UPDATED
    assert ops(fake)[:4] == ["GetDomain", "ListRoles", "CreateDomain", "GetDomain"]
    assert fake.calls[2].error_code == "BadRequestException"
    assert writes(fake) == ["CreateDomain", "UpdateDomain", "TagResource"]
    assert [c.field for c in result.changes] == [
        "default_expiration_days",
        "tags[slrkit:linked-role]",
    ]
    assert fake.domains(REGION) == ("acme",)


def test_ensure_records_the_link_a_domain_lacks(fake: FakeAWS, kit: ProfilesKit) -> None:
    """An existing domain without a link tag (made by other tools, or by a creation cut short)
    gets one when the evidence tells its role; the repair is reported as a change."""
    create_untagged(fake, "acme")
    [role] = fake.roles_in_use()
    result = kit.ensure_domain("acme", default_expiration_days=30)
    assert result.action is Action.UPDATED
    assert [(c.field, c.old, c.new) for c in result.changes] == [
        ("tags[slrkit:linked-role]", None, role)
    ]
    assert result.linked_role is not None
    assert result.linked_role.name == role
    assert raw_profiles(fake).get_domain(DomainName="acme")["Tags"] == {"slrkit:linked-role": role}
    again = kit.ensure_domain("acme", default_expiration_days=30)
    assert again.action is Action.UNCHANGED


def test_ensure_waits_for_a_young_untagged_domain_to_settle(
    fake: FakeAWS, kit: ProfilesKit
) -> None:
    """A domain a minute old without a link tag is waited for until the evidence can tell its
    role (SETTLE_AFTER), within the deadline; a dry run does not wait, and says why."""
    raw_profiles(fake).create_domain(DomainName="acme", DefaultExpirationDays=30)
    fake.advance(60)
    dry = kit.ensure_domain("acme", default_expiration_days=30, dry_run=True)
    assert dry.action is Action.UNCHANGED
    assert dry.link_problem is not None
    assert "may still be propagating" in dry.link_problem
    started = fake.clock.monotonic()
    result = kit.ensure_domain("acme", default_expiration_days=30)
    assert fake.clock.monotonic() - started >= SETTLE_AFTER.total_seconds() - 60
    assert result.linked_role is not None
    assert result.linked_role.name == next(iter(fake.roles_in_use()))


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"default_expiration_days": 0}, "default_expiration_days"),
        ({"default_expiration_days": 1099}, "default_expiration_days"),
        ({"default_expiration_days": True}, "default_expiration_days"),
        (
            {"default_expiration_days": 5, "default_encryption_key": "k" * 256},
            "default_encryption_key",
        ),
        ({"default_expiration_days": 5, "tags": {"aws:x": "1"}}, "tags"),
        ({"default_expiration_days": 5, "tags": {f"k{i}": "v" for i in range(50)}}, "tags"),
        ({"default_expiration_days": 5, "tags": {"slrkit:linked-role": "x"}}, "tags"),
        ({"default_expiration_days": 5, "matching": {"Enabled": True}}, "matching"),
    ],
)
def test_ensure_rejects_bad_input_before_any_call(
    fake: FakeAWS, kit: ProfilesKit, kwargs: dict[str, object], field: str
) -> None:
    """Bad input raises InvalidInputError naming the field, with zero API calls."""
    with pytest.raises(InvalidInputError) as caught:
        kit.ensure_domain("acme", **kwargs)  # type: ignore[arg-type]
    assert caught.value.field == field
    assert fake.calls == ()


# -- describe_linked_role ------------------------------------------------------------------


def test_describe_trusts_the_tag_once_the_role_exists(
    fake: FakeAWS, kit: ProfilesKit, acme: str
) -> None:
    """With the tag, describing costs four calls (the domain, its role, the region's other
    domains, which must not claim the role, and the role's policies) and says the evidence
    is the tag."""
    role = kit.describe_linked_role("acme")
    assert role.name == acme
    assert role.evidence is Evidence.TAG
    assert role.is_healthy
    assert role.path == "/aws-service-role/profile.amazonaws.com/"
    assert ops(fake) == ["GetDomain", "GetRole", "ListDomains", "ListAttachedRolePolicies"]


def test_describe_without_a_tag_uses_creation_time(fake: FakeAWS, kit: ProfilesKit) -> None:
    """Without the tag, the one role created with the domain is found by creation time."""
    create_untagged(fake, "legacy")
    [expected] = fake.linked_roles()
    fake.clear_calls()
    role = kit.describe_linked_role("legacy")
    assert role.name == expected
    assert role.evidence in (Evidence.CREATION_TIME, Evidence.CREATION_TIME_AND_LAST_USE)
    assert ops(fake) == [
        "GetDomain",
        "ListRoles",
        "GetRole",
        "ListDomains",
        "GetRole",
        "ListAttachedRolePolicies",
    ]


def test_describe_prefers_a_role_last_used_in_the_domain_region(
    fake: FakeAWS, kit: ProfilesKit
) -> None:
    """A role last used in another region is not this domain's, even if created at the same time."""
    create_untagged(fake, "legacy")
    [own] = fake.linked_roles()
    created = raw_profiles(fake).get_domain(DomainName="legacy")["CreatedAt"]
    fake.add_linked_role(region="us-east-1", created_at=created, last_used_region="us-east-1")
    role = kit.describe_linked_role("legacy")
    assert role.name == own


def test_describe_refuses_to_guess_between_equal_candidates(
    fake: FakeAWS, kit: ProfilesKit
) -> None:
    """Two roles created with the domain and never used elsewhere: an error listing both."""
    create_untagged(fake, "legacy")
    [own] = fake.linked_roles()
    created = raw_profiles(fake).get_domain(DomainName="legacy")["CreatedAt"]
    twin = fake.add_linked_role(region=REGION, created_at=created, last_used_region=REGION)
    with pytest.raises(AmbiguousLinkedRoleError) as caught:
        kit.describe_linked_role("legacy")
    assert set(caught.value.candidates) == {own, twin}
    assert own in str(caught.value)
    assert twin in str(caught.value)


def test_describe_ignores_a_role_another_domain_claims(fake: FakeAWS, kit: ProfilesKit) -> None:
    """Of two domains made at the same moment, the one whose tag claims a role has it, and the
    other gets the role left."""
    profiles = raw_profiles(fake)
    profiles.create_domain(DomainName="legacy", DefaultExpirationDays=1)
    profiles.create_domain(DomainName="other", DefaultExpirationDays=1)
    fake.advance(SETTLE_AFTER.total_seconds())
    roles = fake.roles_in_use()
    own = next(r for r, arns in roles.items() if arns[0].endswith("/legacy"))
    theirs = next(r for r, arns in roles.items() if arns[0].endswith("/other"))
    with pytest.raises(AmbiguousLinkedRoleError):
        kit.describe_linked_role("legacy")
    profiles.tag_resource(
        resourceArn=f"arn:aws:profile:{REGION}:{ACCOUNT}:domains/other",
        tags={"slrkit:linked-role": theirs},
    )
    role = kit.describe_linked_role("legacy")
    assert role.name == own
    assert role.evidence is Evidence.CREATION_TIME_AND_LAST_USE


def test_describe_falls_back_when_the_tagged_role_is_gone(fake: FakeAWS, kit: ProfilesKit) -> None:
    """A tag naming a missing role is not trusted; the evidence decides instead."""
    create_untagged(fake, "legacy")
    [own] = fake.linked_roles()
    raw_profiles(fake).tag_resource(
        resourceArn=f"arn:aws:profile:{REGION}:{ACCOUNT}:domains/legacy",
        tags={"slrkit:linked-role": "AWSServiceRoleForProfile_gone"},
    )
    role = kit.describe_linked_role("legacy")
    assert role.name == own
    assert role.evidence is not Evidence.TAG


def test_describe_says_a_young_domain_may_still_be_propagating(
    fake: FakeAWS, kit: ProfilesKit
) -> None:
    """In its first minutes, an untagged domain's role may not show in IAM yet: describing it
    says so, and names the domain's age, instead of guessing or blaming an old domain."""
    raw_profiles(fake).create_domain(DomainName="young", DefaultExpirationDays=5)
    fake.advance(fake.propagation_delay + 1)
    with pytest.raises(LinkedRoleNotFoundError, match="may still be propagating") as caught:
        kit.describe_linked_role("young")
    assert caught.value.domain_name == "young"
    assert "June 8, 2023" not in str(caught.value)
    fake.advance(SETTLE_AFTER.total_seconds())
    assert kit.describe_linked_role("young").name in fake.roles_in_use()


def test_describe_reports_what_is_wrong_with_the_role(fake: FakeAWS, kit: ProfilesKit) -> None:
    """A tagged role with the wrong trust and no policy is returned with those problems."""
    broken = fake.add_role(
        "AWSServiceRoleForProfile_broken",
        path="/aws-service-role/profile.amazonaws.com/",
        trust_principal="ec2.amazonaws.com",
    )
    raw_profiles(fake).create_domain(
        DomainName="acme", DefaultExpirationDays=5, Tags={"slrkit:linked-role": broken}
    )
    role = kit.describe_linked_role("acme")
    assert role.name == broken
    assert {p.code for p in role.problems} == {"trust", "policy"}


def test_describe_a_missing_domain(fake: FakeAWS, kit: ProfilesKit) -> None:
    """A missing domain raises DomainNotFoundError with the AWS code and operation."""
    with pytest.raises(DomainNotFoundError) as caught:
        kit.describe_linked_role("nope")
    assert caught.value.code == "ResourceNotFoundException"
    assert caught.value.operation == "GetDomain"
    assert caught.value.request_id


# -- plan_domain_deletion ------------------------------------------------------------------


def test_plan_lists_steps_and_writes_nothing(fake: FakeAWS, kit: ProfilesKit, acme: str) -> None:
    """A plan of an empty domain is safe, names the role, and makes no write."""
    plan = kit.plan_domain_deletion("acme")
    assert plan.safe
    assert plan.role is not None
    assert plan.role.name == acme
    assert plan.domain is not None
    assert plan.domain.stats is not None
    assert len(plan.steps) == 3
    assert writes(fake) == []


def test_plan_reports_data_as_a_blocker(fake: FakeAWS, kit: ProfilesKit, acme: str) -> None:
    """A domain holding data has a 'data' blocker that names the counts."""
    fake.load_data("acme", region=REGION, profiles=12, objects=40)
    plan = kit.plan_domain_deletion("acme")
    assert not plan.safe
    [blocker] = plan.blockers
    assert blocker.code == "data"
    assert "12 profiles" in blocker.message
    assert "40 objects" in blocker.message


# -- safe_delete_domain --------------------------------------------------------------------


def test_safe_delete_lets_the_service_remove_the_role(
    fake: FakeAWS, kit: ProfilesKit, acme: str
) -> None:
    """The normal path: delete the domain, wait, and see the service remove the role."""
    report = kit.safe_delete_domain("acme", confirm="acme")
    assert report.domain_deleted
    assert report.role_name == acme
    assert report.role_removed_by == "service"
    assert [s.name for s in report.steps] == ["delete domain", "remove role"]
    assert fake.domains(REGION) == ()
    assert acme not in fake.roles()
    assert writes(fake) == ["DeleteDomain"]
    assert report.waits
    assert sum(w.seconds for w in report.waits) >= (fake.role_cleanup_delay or 0)
    assert [c.operation for c in report.calls] == ops(fake)


def test_a_reports_calls_say_each_calls_service_error_and_retries(
    fake: FakeAWS, kit: ProfilesKit, acme: str
) -> None:
    """A deletion's report lists each call as it went: a throttle that outlasted botocore's
    attempts, then the call that succeeded on botocore's retry."""
    del acme
    before = len(fake.calls)
    fake.fail("GetDomain", code="ThrottlingException", times=4)
    report = kit.safe_delete_domain("acme", confirm="acme")
    assert report.calls[:2] == (
        ApiCall(
            service="customer-profiles",
            operation="GetDomain",
            error_code="ThrottlingException",
            retries=2,
        ),
        ApiCall(service="customer-profiles", operation="GetDomain", retries=1),
    )
    assert not report.calls[0].ok
    assert report.calls[1].ok
    assert {c.service for c in report.calls if c.operation == "GetRole"} == {"iam"}
    # Each call of the report is its first attempt and botocore's retries of it.
    attempts = [c.operation for c in report.calls for _ in range(1 + c.retries)]
    assert attempts == ops(fake)[before:]


def test_safe_delete_falls_back_to_delete_service_linked_role() -> None:
    """When the service never removes the role, slrkit deletes it and polls the task."""
    fake = FakeAWS(account_id=ACCOUNT, role_cleanup_delay=None)
    kit = make_kit(fake)
    role = kit.ensure_domain("acme", default_expiration_days=5).linked_role
    assert role is not None
    fake.clear_calls()
    report = kit.safe_delete_domain("acme", confirm="acme", cleanup_grace=30)
    assert report.role_removed_by == "slrkit"
    assert writes(fake) == ["DeleteDomain", "DeleteServiceLinkedRole"]
    assert "GetServiceLinkedRoleDeletionStatus" in ops(fake)
    assert role.name not in fake.roles()
    assert report.elapsed >= 30


def test_safe_delete_refuses_a_wrong_confirmation_with_no_call(
    fake: FakeAWS, kit: ProfilesKit, acme: str
) -> None:
    """confirm must equal the name; otherwise nothing at all is called."""
    with pytest.raises(ConfirmationMismatchError):
        kit.safe_delete_domain("acme", confirm="acne")
    assert fake.calls == ()


def test_safe_delete_refuses_a_domain_with_data(fake: FakeAWS, kit: ProfilesKit, acme: str) -> None:
    """Data in the domain means DomainNotEmptyError and no write call."""
    fake.load_data("acme", region=REGION, profiles=3)
    with pytest.raises(DomainNotEmptyError) as caught:
        kit.safe_delete_domain("acme", confirm="acme")
    assert caught.value.profile_count == 3
    assert writes(fake) == []
    assert fake.domains(REGION) == ("acme",)


def test_safe_delete_with_allow_data_loss(fake: FakeAWS, kit: ProfilesKit, acme: str) -> None:
    """allow_data_loss=True deletes a domain with data, and its role."""
    fake.load_data("acme", region=REGION, profiles=3)
    report = kit.safe_delete_domain("acme", confirm="acme", allow_data_loss=True)
    assert report.domain_deleted
    assert acme not in fake.roles()


def test_safe_delete_refuses_an_ambiguous_role(fake: FakeAWS, kit: ProfilesKit) -> None:
    """If the role cannot be told, nothing is deleted."""
    create_untagged(fake, "legacy")
    created = raw_profiles(fake).get_domain(DomainName="legacy")["CreatedAt"]
    fake.add_linked_role(region=REGION, created_at=created, last_used_region=REGION)
    fake.clear_calls()
    with pytest.raises(AmbiguousLinkedRoleError):
        kit.safe_delete_domain("legacy", confirm="legacy")
    assert writes(fake) == []


def test_safe_delete_never_touches_a_role_outside_the_path(fake: FakeAWS, kit: ProfilesKit) -> None:
    """A tag pointing at an ordinary role does not count, and naming that role is refused as
    unsafe: either way, nothing is written and the role is untouched."""
    admin = fake.add_role(
        "AWSServiceRoleForProfile_admin", path="/", trust_principal="ec2.amazonaws.com"
    )
    raw_profiles(fake).create_domain(
        DomainName="acme", DefaultExpirationDays=5, Tags={"slrkit:linked-role": admin}
    )
    fake.clear_calls()
    with pytest.raises(UnknownRoleError, match="cannot be told"):
        kit.safe_delete_domain("acme", confirm="acme")
    with pytest.raises(UnsafeRoleError, match="refusing to touch"):
        kit.safe_delete_domain("acme", confirm="acme", role_name=admin)
    assert writes(fake) == []
    assert admin in fake.roles()
    assert fake.domains(REGION) == ("acme",)


def test_the_fallback_never_deletes_a_role_another_domain_holds() -> None:
    """Named for a domain already gone, another live domain's role is not sent to IAM:
    the fallback deletes orphans only, and says whose role it may be."""
    fake = FakeAWS(account_id=ACCOUNT, role_cleanup_delay=None)
    kit = make_kit(fake)
    other = kit.ensure_domain("other", default_expiration_days=5).linked_role
    assert other is not None
    fake.clear_calls()
    with pytest.raises(RoleInUseError) as caught:
        kit.safe_delete_domain("gone", confirm="gone", role_name=other.name, cleanup_grace=0)
    assert [u.resources for u in caught.value.usages] == [(f"{REGION}/other",)]
    assert writes(fake) == []
    assert other.name in fake.roles()


def test_a_wrong_tag_never_leads_the_fallback_to_a_live_domains_role() -> None:
    """Two domains made at the same moment, one wrongly tagged with the other's role: the
    evidence gives acme the role left over, but the fallback will not delete it, because the
    domain it was made with is alive; no DeleteServiceLinkedRole is sent."""
    fake = FakeAWS(account_id=ACCOUNT, role_cleanup_delay=None)
    kit = make_kit(fake)
    profiles = raw_profiles(fake)
    profiles.create_domain(DomainName="acme", DefaultExpirationDays=5)
    profiles.create_domain(DomainName="other", DefaultExpirationDays=5)
    fake.advance(SETTLE_AFTER.total_seconds())
    roles = fake.roles_in_use()
    acme_role = next(r for r, arns in roles.items() if arns[0].endswith("/acme"))
    other_role = next(r for r, arns in roles.items() if arns[0].endswith("/other"))
    profiles.tag_resource(
        resourceArn=f"arn:aws:profile:{REGION}:{ACCOUNT}:domains/other",
        tags={"slrkit:linked-role": acme_role},
    )
    with pytest.raises(RoleInUseError) as caught:
        kit.safe_delete_domain("acme", confirm="acme", cleanup_grace=0)
    assert [u.resources for u in caught.value.usages] == [(f"{REGION}/other",)]
    assert caught.value.report is not None
    assert caught.value.report.role_name == other_role
    assert fake.calls_to("DeleteServiceLinkedRole") == ()
    assert other_role in fake.roles()
    assert fake.domains(REGION) == ("other",)


def test_safe_delete_reports_a_role_in_use_and_never_forces() -> None:
    """When the evidence itself is wrong (a role's last use says another region), IAM's FAILED
    task is the last guard: RoleInUseError with IAM's usage list, and nothing forced."""
    fake = FakeAWS(account_id=ACCOUNT, role_cleanup_delay=None)
    kit = make_kit(fake)
    raw_profiles(fake).create_domain(DomainName="other", DefaultExpirationDays=5)
    fake.advance(SETTLE_AFTER.total_seconds())
    # "other" now uses a role whose last use reads us-east-1: no evidence ties it to "other".
    stray = fake.add_linked_role(region=REGION, domain_name="other", last_used_region="us-east-1")
    fake.clear_calls()
    with pytest.raises(RoleInUseError) as caught:
        kit.safe_delete_domain("gone", confirm="gone", role_name=stray, cleanup_grace=0)
    [usage] = caught.value.usages
    assert usage.resources == (f"arn:aws:profile:{REGION}:{ACCOUNT}:domains/other",)
    assert [c.params["RoleName"] for c in fake.calls_to("DeleteServiceLinkedRole")] == [stray]
    assert stray in fake.roles()
    assert fake.domains(REGION) == ("other",)


def test_safe_delete_of_a_missing_domain(fake: FakeAWS, kit: ProfilesKit) -> None:
    """A missing domain is an error that says how to resume, or nothing with missing_ok."""
    with pytest.raises(DomainNotFoundError, match="role name from that run"):
        kit.safe_delete_domain("gone", confirm="gone")
    report = kit.safe_delete_domain("gone", confirm="gone", missing_ok=True)
    assert not report.domain_deleted
    assert report.steps == ()
    assert writes(fake) == []


def test_safe_delete_without_waiting(fake: FakeAWS, kit: ProfilesKit, acme: str) -> None:
    """wait=False deletes the domain and leaves the role to the service."""
    report = kit.safe_delete_domain("acme", confirm="acme", wait=False)
    assert report.role_removed_by is None
    assert report.steps[-1].outcome == "skipped"
    assert ops(fake) == [
        "GetDomain",
        "GetRole",
        "ListDomains",
        "ListAttachedRolePolicies",
        "DeleteDomain",
    ]


def test_safe_delete_respects_its_deadline(fake: FakeAWS, acme: str) -> None:
    """A wait that would cross the timeout is not started; the error says what it awaited."""
    kit = make_kit(fake)
    with pytest.raises(RetryDeadlineError) as caught:
        kit.safe_delete_domain("acme", confirm="acme", timeout=5)
    assert acme in caught.value.waiting_for
    assert caught.value.elapsed <= 5
    report = kit.safe_delete_domain("acme", confirm="acme", role_name=acme)
    assert report.role_removed_by in ("service", "already-gone")
    assert acme not in fake.roles()


DELETE_STEPS = [
    ("GetDomain", "InternalServerException"),
    ("GetRole", "ServiceFailure"),
    ("ListAttachedRolePolicies", "ServiceFailure"),
    ("DeleteDomain", "InternalServerException"),
    ("DeleteServiceLinkedRole", "ServiceFailure"),
    ("GetServiceLinkedRoleDeletionStatus", "ServiceFailure"),
]


@pytest.mark.parametrize(("operation", "code"), DELETE_STEPS)
def test_safe_delete_resumes_after_a_failure_at_any_step(operation: str, code: str) -> None:
    """A failure at any call (past botocore's retries) leaves a state a second run finishes."""
    fake = FakeAWS(account_id=ACCOUNT, role_cleanup_delay=None)
    kit = make_kit(fake)
    role = kit.ensure_domain("acme", default_expiration_days=5).linked_role
    assert role is not None
    fake.fail(operation, code=code, times=3)
    with pytest.raises(slrkit.AWSError) as caught:
        kit.safe_delete_domain("acme", confirm="acme", cleanup_grace=5)
    assert caught.value.operation == operation
    assert caught.value.retry_attempts == 2
    report = kit.safe_delete_domain("acme", confirm="acme", cleanup_grace=5, role_name=role.name)
    assert report.role_name == role.name
    assert fake.domains(REGION) == ()
    assert role.name not in fake.roles()


# -- reliability ---------------------------------------------------------------------------


def test_throttling_beyond_botocore_is_retried_by_the_kit(
    fake: FakeAWS, kit: ProfilesKit, acme: str
) -> None:
    """Four throttles outlast botocore's three attempts; the kit waits and succeeds."""
    fake.fail("GetDomain", code="ThrottlingException", times=4)
    result = kit.ensure_domain("acme", default_expiration_days=365, tags={"team": "cx"})
    assert result.action is Action.UNCHANGED
    assert ops(fake) == ["GetDomain"] * 5
    assert fake.retry_sleeps


def test_persistent_throttling_raises_throttled_error(
    fake: FakeAWS, kit: ProfilesKit, acme: str
) -> None:
    """Throttling that never stops ends in ThrottledError after a bounded number of calls."""
    fake.fail("GetDomain", code="ThrottlingException", times=1000)
    with pytest.raises(ThrottledError) as caught:
        kit.describe_linked_role("acme")
    assert caught.value.retry_attempts == 2
    policy = RetryPolicy()
    assert len(fake.calls) == 3 * (1 + policy.throttle_retries)


def test_logs_one_line_per_call_and_wait_without_credentials(
    fake: FakeAWS, kit: ProfilesKit, caplog: pytest.LogCaptureFixture
) -> None:
    """Every API call and wait is logged under 'slrkit'; no credential appears."""
    with caplog.at_level(logging.DEBUG, logger="slrkit"):
        kit.ensure_domain("acme", default_expiration_days=365)
    api_lines = [r for r in caplog.records if r.name == "slrkit" and " -> " in r.getMessage()]
    wait_lines = [r for r in caplog.records if r.name == "slrkit.retry"]
    assert len(api_lines) == len(fake.calls)
    assert wait_lines
    creds = fake.session(REGION).get_credentials()
    assert creds is not None
    text = caplog.text
    assert creds.access_key not in text
    assert creds.secret_key not in text


def test_ensure_removes_only_the_tags_it_is_told_to(
    fake: FakeAWS, kit: ProfilesKit, acme: str
) -> None:
    """remove_tags removes the named keys the domain has (absent ones are no change), each
    reported with new=None, in one UntagResource; the other tags and the link stay."""
    raw_profiles(fake).tag_resource(
        resourceArn=f"arn:aws:profile:{REGION}:{ACCOUNT}:domains/acme",
        tags={"cost": "42", "owner": "ops"},
    )
    fake.clear_calls()
    dry = kit.ensure_domain(
        "acme", default_expiration_days=365, remove_tags=["cost", "missing"], dry_run=True
    )
    assert [(c.field, c.old, c.new) for c in dry.changes] == [("tags[cost]", "42", None)]
    assert writes(fake) == []
    result = kit.ensure_domain("acme", default_expiration_days=365, remove_tags=["cost"])
    assert [(c.field, c.old, c.new) for c in result.changes] == [("tags[cost]", "42", None)]
    assert writes(fake) == ["UntagResource"]
    tags = raw_profiles(fake).get_domain(DomainName="acme")["Tags"]
    assert tags == {"team": "cx", "owner": "ops", "slrkit:linked-role": acme}
    again = kit.ensure_domain("acme", default_expiration_days=365, remove_tags=["cost"])
    assert again.action is Action.UNCHANGED


@pytest.mark.parametrize(
    ("remove", "tags", "rule"),
    [
        (["slrkit:linked-role"], None, "managed by slrkit"),
        (["team"], {"team": "cx"}, "both set"),
        ("team", None, "list of tag keys"),
        ("", None, "list of tag keys"),
        (["aws:x"], None, "reserves it"),
    ],
)
def test_ensure_refuses_a_removal_it_must_not_make(
    fake: FakeAWS, kit: ProfilesKit, remove: object, tags: dict[str, str] | None, rule: str
) -> None:
    """The link tag, a key also being set, a lone string and a reserved key are refused before
    any call, naming remove_tags."""
    with pytest.raises(InvalidInputError, match=rule) as caught:
        kit.ensure_domain("acme", default_expiration_days=5, tags=tags, remove_tags=remove)  # type: ignore[arg-type]
    assert caught.value.field == "remove_tags"
    assert fake.calls == ()
