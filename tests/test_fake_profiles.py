"""The fake's Customer Profiles domains, through real boto3 clients."""

# pyright: reportUnknownMemberType=false, reportTypedDictNotRequiredAccess=false
# (boto3-stubs type `Session.client` per service, most not installed; and a test may
# index what it asserts is present.)

from __future__ import annotations

import datetime as dt
import uuid
from typing import TYPE_CHECKING

import pytest
from botocore.exceptions import ClientError
from hypothesis import given, settings
from hypothesis import strategies as st

from slrkit._fake import _world
from slrkit.testing import FakeAWS

if TYPE_CHECKING:
    from collections.abc import Callable

    from mypy_boto3_customer_profiles.client import CustomerProfilesClient

REGION = "eu-west-2"
ARN = f"arn:aws:profile:{REGION}:123456789012:domains/acme"


def test_create_domain_answers_its_settings(cp: CustomerProfilesClient) -> None:
    """CreateDomain returns the settings it was given, timestamps and tags, and no Stats."""
    created = cp.create_domain(
        DomainName="acme",
        DefaultExpirationDays=365,
        DefaultEncryptionKey="arn:aws:kms:eu-west-2:123456789012:key/k",
        DeadLetterQueueUrl="https://sqs.eu-west-2.amazonaws.com/123456789012/dlq",
        Matching={"Enabled": True, "JobSchedule": {"DayOfTheWeek": "MONDAY", "Time": "3:00"}},
        DataStore={"Enabled": True},
        Tags={"team": "cx"},
    )
    assert created["DomainName"] == "acme"
    assert created["DefaultExpirationDays"] == 365
    assert created["DefaultEncryptionKey"].endswith("key/k")
    assert created["Matching"]["JobSchedule"] == {"DayOfTheWeek": "MONDAY", "Time": "3:00"}
    assert created["DataStore"] == {"Enabled": True}
    assert created["Tags"] == {"team": "cx"}
    assert created["CreatedAt"] == dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc)
    assert "Stats" not in created


def test_get_domain_has_zero_stats_until_data_is_loaded(
    fake: FakeAWS, cp: CustomerProfilesClient
) -> None:
    """GetDomain reports Stats; load_data and clear_data change them."""
    cp.create_domain(DomainName="acme", DefaultExpirationDays=365)
    assert cp.get_domain(DomainName="acme")["Stats"] == {
        "ProfileCount": 0,
        "MeteringProfileCount": 0,
        "ObjectCount": 0,
        "TotalSize": 0,
    }
    fake.load_data("acme", region=REGION, profiles=10, objects=3)
    stats = cp.get_domain(DomainName="acme")["Stats"]
    assert (stats["ProfileCount"], stats["ObjectCount"]) == (10, 3)
    assert stats["TotalSize"] > 0
    fake.clear_data("acme", region=REGION)
    assert cp.get_domain(DomainName="acme")["Stats"]["ProfileCount"] == 0


def test_fakes_share_nothing_through_identical_requests() -> None:
    """Two fakes sent the same request keep their own parameters, state and answers."""
    fakes = [FakeAWS() for _ in range(3)]
    for fake in fakes[:2]:
        fake.client("customer-profiles", REGION).create_domain(
            DomainName="acme", DefaultExpirationDays=1, Matching={"Enabled": True}
        )
    first = fakes[0].calls_to("CreateDomain")[0].params
    second = fakes[1].calls_to("CreateDomain")[0].params
    assert first == second
    assert first["Matching"] is not second["Matching"]
    second_cp = fakes[1].client("customer-profiles", REGION)
    assert second_cp.get_domain(DomainName="acme")["Matching"] == {"Enabled": True}
    matching = first["Matching"]
    assert isinstance(matching, dict)
    matching["Enabled"] = False  # a test changing what its own fake logged
    assert second_cp.get_domain(DomainName="acme")["Matching"] == {"Enabled": True}
    third_cp = fakes[2].client("customer-profiles", REGION)
    third_cp.create_domain(DomainName="acme", DefaultExpirationDays=1, Matching={"Enabled": True})
    assert third_cp.get_domain(DomainName="acme")["Matching"] == {"Enabled": True}


def test_answers_stay_right_when_the_view_cache_starts_afresh(
    monkeypatch: pytest.MonkeyPatch, fake: FakeAWS, cp: CustomerProfilesClient
) -> None:
    """The cache of built responses is bounded; past the bound it is emptied, not wrong."""
    monkeypatch.setattr(_world, "_MAX_VIEWS", 3)
    names = [f"d{n}" for n in range(5)]
    for days, name in enumerate(names, start=1):
        cp.create_domain(DomainName=name, DefaultExpirationDays=days)
    for _ in range(2):
        answered = [cp.get_domain(DomainName=n)["DefaultExpirationDays"] for n in names]
        assert answered == [1, 2, 3, 4, 5]
    with fake._backend.state() as world:
        assert len(world._views) <= 3  # the bound itself is the point


def test_load_data_needs_a_domain(fake: FakeAWS) -> None:
    """load_data on a missing domain is a LookupError, not a silent no-op."""
    with pytest.raises(LookupError, match="nope"):
        fake.load_data("nope", region=REGION, profiles=1)


def test_duplicate_domain_is_a_bad_request(cp: CustomerProfilesClient) -> None:
    """Creating an existing domain gives BadRequestException 'Domain X already exists'."""
    cp.create_domain(DomainName="acme", DefaultExpirationDays=365)
    with pytest.raises(cp.exceptions.BadRequestException, match="Domain acme already exists"):
        cp.create_domain(DomainName="acme", DefaultExpirationDays=30)


_ON_MISSING: dict[str, Callable[[CustomerProfilesClient], object]] = {
    "get": lambda cp: cp.get_domain(DomainName="nope"),
    "update": lambda cp: cp.update_domain(DomainName="nope", DefaultExpirationDays=3),
    "delete": lambda cp: cp.delete_domain(DomainName="nope"),
    "list-tags": lambda cp: cp.list_tags_for_resource(resourceArn=ARN.replace("acme", "nope")),
}


@pytest.mark.parametrize("call", sorted(_ON_MISSING))
def test_missing_domain_is_resource_not_found_404(cp: CustomerProfilesClient, call: str) -> None:
    """Every domain operation on a missing domain raises the modeled 404."""
    with pytest.raises(cp.exceptions.ResourceNotFoundException) as caught:
        _ON_MISSING[call](cp)
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404


def test_domains_are_kept_per_region_and_account(fake: FakeAWS) -> None:
    """A domain exists only in the account and region that created it."""
    fake.session("eu-west-2").client("customer-profiles").create_domain(
        DomainName="acme", DefaultExpirationDays=1
    )
    other_region = fake.session("us-east-1").client("customer-profiles")
    other_account = fake.session("eu-west-2", account_id="210987654321").client("customer-profiles")
    for client in (other_region, other_account):
        with pytest.raises(client.exceptions.ResourceNotFoundException):
            client.get_domain(DomainName="acme")
    assert fake.domains("eu-west-2") == ("acme",)


def test_update_domain_changes_only_what_is_given(
    fake: FakeAWS, cp: CustomerProfilesClient
) -> None:
    """UpdateDomain keeps unnamed settings, merges tags and moves LastUpdatedAt."""
    cp.create_domain(
        DomainName="acme", DefaultExpirationDays=365, DefaultEncryptionKey="k", Tags={"a": "1"}
    )
    fake.advance(60)
    updated = cp.update_domain(DomainName="acme", DefaultExpirationDays=30, Tags={"b": "2"})
    assert updated["DefaultExpirationDays"] == 30
    assert updated["DefaultEncryptionKey"] == "k"
    assert updated["Tags"] == {"a": "1", "b": "2"}
    assert updated["LastUpdatedAt"] - updated["CreatedAt"] == dt.timedelta(seconds=60)


@pytest.mark.parametrize("member", ["DefaultEncryptionKey", "DeadLetterQueueUrl"])
def test_update_domain_empty_string_clears(cp: CustomerProfilesClient, member: str) -> None:
    """An empty key or queue URL on UpdateDomain removes the setting."""
    cp.create_domain(DomainName="acme", DefaultExpirationDays=1, **{member: "x"})  # type: ignore[arg-type]
    cp.update_domain(DomainName="acme", **{member: ""})  # type: ignore[arg-type]
    assert member not in cp.get_domain(DomainName="acme")


def test_delete_domain_removes_it(cp: CustomerProfilesClient) -> None:
    """DeleteDomain answers a message and the domain is gone."""
    cp.create_domain(DomainName="acme", DefaultExpirationDays=1)
    assert "acme" in cp.delete_domain(DomainName="acme")["Message"]
    assert cp.list_domains()["Items"] == []


def test_tags_by_arn(cp: CustomerProfilesClient) -> None:
    """TagResource, UntagResource and ListTagsForResource work on the domain's ARN."""
    cp.create_domain(DomainName="acme", DefaultExpirationDays=1)
    assert "tags" not in cp.list_tags_for_resource(resourceArn=ARN)
    cp.tag_resource(resourceArn=ARN, tags={"a": "1", "b": "2"})
    cp.untag_resource(resourceArn=ARN, tagKeys=["a", "missing"])
    assert cp.list_tags_for_resource(resourceArn=ARN)["tags"] == {"b": "2"}
    assert cp.get_domain(DomainName="acme")["Tags"] == {"b": "2"}


def test_tag_arn_of_another_region_is_not_found(cp: CustomerProfilesClient) -> None:
    """A well-formed ARN naming another region does not reach this region's domain."""
    cp.create_domain(DomainName="acme", DefaultExpirationDays=1)
    with pytest.raises(cp.exceptions.ResourceNotFoundException):
        cp.tag_resource(resourceArn=ARN.replace(REGION, "us-east-1"), tags={"a": "1"})


def test_more_than_50_tags_is_a_bad_request(cp: CustomerProfilesClient) -> None:
    """Tags beyond the model's 50 per resource are refused."""
    cp.create_domain(
        DomainName="acme", DefaultExpirationDays=1, Tags={f"k{i}": "v" for i in range(50)}
    )
    with pytest.raises(cp.exceptions.BadRequestException):
        cp.tag_resource(resourceArn=ARN, tags={"one-more": "v"})


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"DomainName": "bad name!", "DefaultExpirationDays": 1}, "regular expression"),
        ({"DomainName": "x" * 65, "DefaultExpirationDays": 1}, "length less than or equal to 64"),
        ({"DomainName": "ok", "DefaultExpirationDays": 5000}, "less than or equal to 1098"),
        ({"DomainName": "ok", "DefaultExpirationDays": 1, "Tags": {"aws:x": "v"}}, "pattern"),
        (
            {
                "DomainName": "ok",
                "DefaultExpirationDays": 1,
                "Matching": {
                    "Enabled": True,
                    "JobSchedule": {"DayOfTheWeek": "FUNDAY", "Time": "3:00"},
                },
            },
            "enum value set",
        ),
    ],
    ids=["pattern", "max-length", "max-value", "tag-key", "enum"],
)
def test_server_side_validation(
    cp: CustomerProfilesClient, kwargs: dict[str, object], fragment: str
) -> None:
    """What botocore lets through (max, pattern, enum) the service refuses as BadRequest."""
    with pytest.raises(cp.exceptions.BadRequestException, match=fragment):
        cp.create_domain(**kwargs)  # type: ignore[arg-type]
    assert cp.list_domains()["Items"] == []


def test_list_domains_pages_by_next_token(cp: CustomerProfilesClient) -> None:
    """ListDomains returns names in order, MaxResults at a time, with NextToken."""
    for name in ("c", "a", "b"):
        cp.create_domain(DomainName=name, DefaultExpirationDays=1)
    first = cp.list_domains(MaxResults=2)
    assert [d["DomainName"] for d in first["Items"]] == ["a", "b"]
    second = cp.list_domains(MaxResults=2, NextToken=first["NextToken"])
    assert [d["DomainName"] for d in second["Items"]] == ["c"]
    assert "NextToken" not in second


def test_list_domains_refuses_a_forged_token(cp: CustomerProfilesClient) -> None:
    """A NextToken the fake did not issue is a BadRequest."""
    with pytest.raises(cp.exceptions.BadRequestException, match="NextToken"):
        cp.list_domains(NextToken="not-a-token")


@settings(max_examples=15, deadline=None)
@given(
    names=st.sets(st.from_regex(r"[a-zA-Z0-9_-]{1,12}", fullmatch=True), max_size=12),
    page=st.integers(min_value=1, max_value=5),
)
def test_list_domains_pagination_sees_every_domain_once(names: set[str], page: int) -> None:
    """Following NextToken at any page size yields every domain exactly once, sorted."""
    cp = FakeAWS().session(REGION).client("customer-profiles")
    for name in names:
        cp.create_domain(DomainName=name, DefaultExpirationDays=1)
    seen: list[str] = []
    response = cp.list_domains(MaxResults=page)
    seen += [item["DomainName"] for item in response["Items"]]
    while "NextToken" in response:
        response = cp.list_domains(MaxResults=page, NextToken=response["NextToken"])
        seen += [item["DomainName"] for item in response["Items"]]
    assert seen == sorted(names)


def test_client_error_carries_request_id(cp: CustomerProfilesClient) -> None:
    """Errors carry a RequestId, as slrkit's error mapping expects."""
    with pytest.raises(ClientError) as caught:
        cp.get_domain(DomainName="nope")
    assert caught.value.response["ResponseMetadata"]["RequestId"]


@given(st.integers(min_value=0, max_value=2**128 - 1))
def test_the_fakes_ids_are_the_uuids_the_uuid_module_makes(bits: int) -> None:
    """Request and task ids are version-4 UUIDs, written exactly as `uuid.UUID` writes them."""
    assert _world._uuid4(bits) == str(uuid.UUID(int=bits, version=4))


def test_every_response_carries_a_new_version_4_request_id(cp: CustomerProfilesClient) -> None:
    """Each answer, success or error, has its own request id, a version-4 UUID."""
    ids = [cp.list_domains()["ResponseMetadata"]["RequestId"] for _ in range(20)]
    with pytest.raises(ClientError) as caught:
        cp.get_domain(DomainName="nope")
    ids.append(caught.value.response["ResponseMetadata"]["RequestId"])
    assert len(set(ids)) == len(ids)
    assert all(uuid.UUID(i).version == 4 and str(uuid.UUID(i)) == i for i in ids)
