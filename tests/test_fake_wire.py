"""The fake's wire layer against botocore's own parsers and models."""

# pyright: reportUnknownMemberType=false, reportTypedDictNotRequiredAccess=false
# (boto3-stubs type `Session.client` per service, most not installed; and a test may
# index what it asserts is present.)

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final, cast

import botocore.parsers
import dateutil.parser
import pytest
from botocore.awsrequest import HeadersDict
from botocore.handlers import json_decode_policies
from botocore.parsers import create_parser
from botocore.utils import parse_timestamp

from slrkit._fake import _sts
from slrkit._fake._boto import read_timestamp
from slrkit._fake._engine import OPERATIONS
from slrkit._fake._shapes import View
from slrkit._fake._wire import (
    HttpRequest,
    ServiceCodec,
    UnknownOperationError,
    WireResponse,
    codec_for,
)
from slrkit._fake._world import trust_policy
from slrkit.testing import FakeAWS, FidelityError, UnsupportedOperationError

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from botocore.model import OperationModel, Shape

T = dt.datetime(2025, 1, 1, 12, 30, 5, 250000, tzinfo=dt.timezone.utc)
ROLE = {
    "Path": "/aws-service-role/profile.amazonaws.com/",
    "RoleName": "AWSServiceRoleForProfile_0123456789ab",
    "RoleId": "AROAABCDEFGHIJKLMNOPQ",
    "Arn": "arn:aws:iam::123456789012:role/aws-service-role/profile.amazonaws.com/x",
    "CreateDate": T,
    "AssumeRolePolicyDocument": trust_policy("profile.amazonaws.com"),
    "Description": "a <role> & more",
    "MaxSessionDuration": 3600,
    "Tags": [{"Key": "k", "Value": "v"}],
    "RoleLastUsed": {"LastUsedDate": T, "Region": "eu-west-2"},
}
DOMAIN = {
    "DomainName": "acme",
    "DefaultExpirationDays": 365,
    "DefaultEncryptionKey": "key",
    "DeadLetterQueueUrl": "https://sqs",
    "Matching": {"Enabled": True, "JobSchedule": {"DayOfTheWeek": "MONDAY", "Time": "3:00"}},
    "RuleBasedMatching": {"Enabled": True, "Status": "ACTIVE", "MatchingRules": [{"Rule": ["a"]}]},
    "DataStore": {"Enabled": True},
    "CreatedAt": T,
    "LastUpdatedAt": T,
    "Tags": {"team": "cx"},
}
# One realistic output per operation the fake serves: every member kind the fake emits.
OUTPUTS: Mapping[tuple[str, str], Mapping[str, object]] = {
    ("customer-profiles", "CreateDomain"): DOMAIN,
    ("customer-profiles", "GetDomain"): {
        **DOMAIN,
        "Stats": {"ProfileCount": 1, "MeteringProfileCount": 1, "ObjectCount": 2, "TotalSize": 3},
    },
    ("customer-profiles", "UpdateDomain"): DOMAIN,
    ("customer-profiles", "DeleteDomain"): {"Message": "gone"},
    ("customer-profiles", "ListDomains"): {
        "Items": [{"DomainName": "acme", "CreatedAt": T, "LastUpdatedAt": T, "Tags": {"a": "b"}}],
        "NextToken": "t",
    },
    ("customer-profiles", "TagResource"): {},
    ("customer-profiles", "UntagResource"): {},
    ("customer-profiles", "ListTagsForResource"): {"tags": {"a": "b"}},
    ("iam", "GetRole"): {"Role": ROLE},
    ("iam", "ListRoles"): {"Roles": [ROLE, ROLE], "IsTruncated": True, "Marker": "m"},
    ("iam", "ListAttachedRolePolicies"): {
        "AttachedPolicies": [{"PolicyName": "P", "PolicyArn": "arn:aws:iam::aws:policy/P"}],
        "IsTruncated": False,
    },
    ("iam", "CreateServiceLinkedRole"): {"Role": ROLE},
    ("iam", "DeleteServiceLinkedRole"): {"DeletionTaskId": "task/aws-service-role/p/r/u"},
    ("iam", "GetServiceLinkedRoleDeletionStatus"): {
        "Status": "FAILED",
        "Reason": {
            "Reason": "in use",
            "RoleUsageList": [
                {"Region": "eu-west-2", "Resources": ["arn:aws:profile:eu-west-2:1:domains/a"]}
            ],
        },
    },
    ("iam", "DeleteRole"): {},
    ("sts", "GetCallerIdentity"): {
        "UserId": "AIDA",
        "Account": "123456789012",
        "Arn": "arn:aws:iam::123456789012:user/x",
    },
}


def _output_shape(model: OperationModel) -> Shape:
    # botocore parses shape-less responses (DeleteRole) too; its stubs ask for a Shape.
    return cast("Shape", model.output_shape)


def _parse(service_id: str, operation: str, response: WireResponse) -> dict[str, object]:
    codec = codec_for(service_id)
    model = codec.model.operation_model(operation)
    parser = create_parser(codec.protocol)
    parsed: dict[str, object] = parser.parse(
        {
            "status_code": response.status,
            "headers": HeadersDict(response.headers),
            "body": response.body,
        },
        _output_shape(model),
    )
    if service_id == "iam":
        json_decode_policies(parsed, model)
    parsed.pop("ResponseMetadata", None)
    return parsed


def _expected(value: object) -> object:
    """What botocore's parser gives back for *value* (policy documents come back as dicts)."""
    if isinstance(value, Mapping):
        return {k: _expected(v) for k, v in cast("Mapping[str, object]", value).items()}
    if isinstance(value, list):
        return [_expected(v) for v in cast("list[object]", value)]
    if isinstance(value, str) and value.startswith('{"Version"'):
        return json.loads(value)
    return value


def test_every_served_operation_has_a_round_trip_case() -> None:
    """The round-trip table below covers exactly the operations the fake serves."""
    served = {(s, o) for s, ops in OPERATIONS.items() for o in ops}
    assert served == set(OUTPUTS)


@pytest.mark.parametrize(("service_id", "operation"), sorted(OUTPUTS))
def test_round_trip_through_botocore_parser(service_id: str, operation: str) -> None:
    """Each output passes the strict check, and botocore's parser reads back the same values."""
    output = OUTPUTS[(service_id, operation)]
    codec = codec_for(service_id).operation(operation)
    if codec.output_check is not None:
        problems: list[str] = []
        codec.output_check(output, "", problems)
        assert problems == []
    parsed = _parse(service_id, operation, codec.write(output, "req-1"))
    assert parsed == _expected(output)


@pytest.mark.parametrize(
    ("service_id", "operation", "code", "status"),
    [
        ("customer-profiles", "GetDomain", "ResourceNotFoundException", 404),
        ("customer-profiles", "GetDomain", "ThrottlingException", 429),
        ("customer-profiles", "TagResource", "InternalServerException", 500),
        ("iam", "GetRole", "NoSuchEntity", 404),
        ("iam", "DeleteRole", "UnmodifiableEntity", 400),
        ("iam", "CreateServiceLinkedRole", "InvalidInput", 400),
        ("iam", "GetRole", "Throttling", 400),
        ("iam", "GetRole", "ServiceFailure", 500),
        ("sts", "GetCallerIdentity", "AccessDenied", 403),
    ],
)
def test_errors_take_status_from_the_model_and_parse(
    service_id: str, operation: str, code: str, status: int
) -> None:
    """Error codes get the model's (or the common) status and parse back to the same code."""
    codec = codec_for(service_id)
    info = codec.error_info(operation, code)
    assert info is not None
    assert info.status == status
    response = codec.error(code, "why <not>", info, "req-9")
    parser = create_parser(codec.protocol)
    parsed = parser.parse(
        {
            "status_code": response.status,
            "headers": HeadersDict(response.headers),
            "body": response.body,
        },
        _output_shape(codec.model.operation_model(operation)),
    )
    assert parsed["Error"]["Code"] == code
    assert parsed["Error"]["Message"] == "why <not>"
    assert parsed["ResponseMetadata"]["RequestId"] == "req-9"


@pytest.mark.parametrize(
    ("service_id", "method", "url", "body", "operation"),
    [
        ("customer-profiles", "GET", "https://h/domains/d%2F1%20x", None, "GetDomain"),
        ("customer-profiles", "POST", "https://h/domains/acme", b"{}", "CreateDomain"),
        ("customer-profiles", "GET", "https://h/domains?max-results=2", None, "ListDomains"),
        ("customer-profiles", "DELETE", "https://h/tags/arn%3Ax?tagKeys=a", None, "UntagResource"),
        ("iam", "POST", "https://iam/", "Action=GetRole&Version=2010-05-08&RoleName=r", "GetRole"),
        (
            "sts",
            "GET",
            "https://sts/?Action=GetCallerIdentity&Version=2011-06-15",
            None,
            "GetCallerIdentity",
        ),
    ],
)
def test_operation_resolves_from_a_raw_request(
    service_id: str, method: str, url: str, body: bytes | str | None, operation: str
) -> None:
    """A listener without botocore's event name finds the operation from method, path or Action."""
    request = HttpRequest(method=method, url=url, headers={}, body=body)
    assert codec_for(service_id).resolve(request) == operation


def test_unknown_raw_request_is_refused() -> None:
    """A path no operation of the model serves raises UnknownOperationError."""
    with pytest.raises(UnknownOperationError):
        codec_for("customer-profiles").resolve(
            HttpRequest(method="PATCH", url="https://h/nowhere", headers={}, body=None)
        )


def test_handle_serves_raw_requests() -> None:
    """handle() with operation=None answers a raw HTTP request like the service."""
    fake = FakeAWS()
    response = fake._backend.handle(
        "customer-profiles",
        None,
        HttpRequest(
            method="POST",
            url="https://profile.eu-west-2.amazonaws.com/domains/d%2D1",
            headers={"Content-Type": b"application/json"},
            body=b'{"DefaultExpirationDays": 3}',
        ),
        account_id="123456789012",
        region="eu-west-2",
    )
    assert response.status == 200
    assert json.loads(response.body)["DomainName"] == "d-1"
    assert fake.domains("eu-west-2") == ("d-1",)


def _form(body: str) -> HttpRequest:
    return HttpRequest(method="POST", url="https://iam.amazonaws.com/", headers={}, body=body)


def test_operations_with_header_members_are_refused() -> None:
    """The codecs read no headers (parse() relies on it): such an operation does not compile."""
    lambda_codec = ServiceCodec(
        "lambda",
        throttling_code="TooManyRequestsException",
        validation_code="InvalidParameterValueException",
    )
    assert lambda_codec.operation("GetFunction").name == "GetFunction"
    with pytest.raises(NotImplementedError, match="Invoke: header members are not served"):
        lambda_codec.operation("Invoke")


def test_query_requests_keep_blank_values_and_lists() -> None:
    """Query parameters keep empty values; `X.member.N` becomes a list."""
    parse = codec_for("iam").operation("ListRoles").parse
    params, _ = parse(_form("Action=ListRoles&PathPrefix=%2Fa%2F&MaxItems=5"))
    assert params == {"PathPrefix": "/a/", "MaxItems": 5}
    create = codec_for("iam").operation("CreateServiceLinkedRole").parse
    assert create(_form("AWSServiceName=p&Description="))[0]["Description"] == ""


def test_a_view_writes_what_the_same_dict_writes() -> None:
    """A view's remembered text is the dict's own; only the request id changes per answer."""
    for service_id, operation, result in (
        ("iam", "GetRole", {"Role": ROLE}),
        ("customer-profiles", "GetDomain", DOMAIN),
    ):
        write = codec_for(service_id).operation(operation).write
        view = View(result)
        first, second = write(view, "request-1"), write(view, "request-2")
        assert first == write(dict(result), "request-1")
        assert second == write(dict(result), "request-2")


def test_a_view_outside_the_model_fails_every_check() -> None:
    """Only a view that passed is remembered as passed: a bad one is reported each time."""
    check = codec_for("iam").operation("GetRole").output_check
    assert check is not None
    bad = View({"Role": {**ROLE, "MaxSessionDuration": 60}})  # the model's min is 3600
    for _ in range(2):
        problems: list[str] = []
        check(bad, "", problems)
        assert problems == [
            (
                "Value '60' at 'role.maxSessionDuration' failed to satisfy constraint: "
                "Member must have value greater than or equal to 3600"
            )
        ]
    good = View({"Role": ROLE})
    for _ in range(2):
        problems = []
        check(good, "", problems)
        assert problems == []


def test_strict_mode_catches_a_response_outside_the_model(monkeypatch: pytest.MonkeyPatch) -> None:
    """A fake bug (an out-of-enum status) raises FidelityError instead of reaching the caller."""

    def broken(world: object, request: object) -> Mapping[str, object]:
        del world, request
        return {"Account": "1", "Arn": "x"}  # Arn shorter than the model's min 20

    monkeypatch.setitem(_sts.OPERATIONS, "GetCallerIdentity", broken)
    sts = FakeAWS().session().client("sts")
    with pytest.raises(FidelityError, match="at 'arn'"):
        sts.get_caller_identity()
    lenient = FakeAWS(strict=False).session().client("sts")
    assert lenient.get_caller_identity()["Arn"] == "x"


def test_unserved_operations_never_reach_aws(fake: FakeAWS) -> None:
    """An operation the fake does not serve raises UnsupportedOperationError, with no HTTP."""
    iam = fake.session().client("iam")
    with pytest.raises(UnsupportedOperationError, match="ListUsers"):
        iam.list_users()
    s3 = fake.session().client("s3")  # pyright: ignore[reportUnknownVariableType]
    with pytest.raises(UnsupportedOperationError, match="s3"):
        s3.list_buckets()
    # Its output has a `statusCode` member, which the codecs would refuse to compile.
    cp = fake.client("customer-profiles", "eu-west-2")
    with pytest.raises(UnsupportedOperationError, match="customer-profiles:GetSegmentEstimate"):
        cp.get_segment_estimate(DomainName="acme", EstimateId="e")
    assert fake.calls == ()


def test_a_large_request_body_is_read_like_any_other() -> None:
    """Bodies past the parse cache's size limit are read on every call, with the same result."""
    parse = codec_for("customer-profiles").operation("CreateDomain").parse
    padding = " " * 20_000
    body = f'{{"DefaultExpirationDays": 7,{padding}"Tags": {{"team": "cx"}}}}'
    request = HttpRequest(
        method="POST",
        url="https://profile.eu-west-2.amazonaws.com/domains/acme",
        headers={},
        body=body,
    )
    for _ in range(2):
        assert parse(request) == (
            {"DefaultExpirationDays": 7, "Tags": {"team": "cx"}, "DomainName": "acme"},
            (),
        )


# -- timestamps, as the fake's clients read them -------------------------------------------

TIMESTAMPS: Final[list[str | float]] = [
    "2026-12-01T12:00:00Z",
    "2028-02-29T23:59:59.999999Z",
    "0001-01-01T00:00:00.000001Z",
    "2026-12-01T12:00:00+00:00",
    "2026-12-01T12:00:00.123Z",
    "2026-12-01t12:00:00z",
    "2026-12-01T12:00:00",
    "Tue, 01 Dec 2026 12:00:00 GMT",
    "1764590400",
    1764590400,
    1764590400.5,
]
BAD_TIMESTAMPS: Final = ["2026-02-30T12:00:00Z", "2026-12-01T24:00:00Z", "not a time", ""]
PREFIX: Final = "/aws-service-role/profile.amazonaws.com/"


def _same_as_botocore(value: str | float) -> None:
    theirs = parse_timestamp(value)  # type: ignore[arg-type]  # it reads numbers too
    for _ in range(2):  # the second answer is the remembered one
        ours = read_timestamp(value)
        assert isinstance(ours, dt.datetime)
        assert (ours, type(ours.tzinfo), ours.utcoffset()) == (
            theirs,
            type(theirs.tzinfo),
            theirs.utcoffset(),
        ), value


@pytest.fixture
def zone() -> Iterator[Callable[[str], None]]:
    """Set the machine's time zone (``TZ``) for the test; the old one is back after it."""
    with pytest.MonkeyPatch.context() as patch:

        def set_zone(name: str) -> None:
            patch.setenv("TZ", name)
            time.tzset()

        yield set_zone
    time.tzset()


@pytest.mark.parametrize("name", ["UTC", "Europe/London", "America/New_York"])
def test_a_fake_client_reads_a_timestamp_as_botocores_parser_does(
    zone: Callable[[str], None], name: str
) -> None:
    """The same datetime and kind of tzinfo, in every time zone: dateutil gives a "Z" time
    the local zone on a machine whose zone is UTC, and UTC elsewhere."""
    zone(name)
    for value in TIMESTAMPS:
        _same_as_botocore(value)


def test_a_timestamp_read_in_one_time_zone_is_read_again_in_the_next(
    zone: Callable[[str], None],
) -> None:
    zone("UTC")
    in_utc = read_timestamp("2026-12-01T12:00:00Z")
    zone("America/New_York")
    in_new_york = read_timestamp("2026-12-01T12:00:00Z")
    assert type(in_new_york) is dt.datetime
    assert type(in_new_york.tzinfo) is type(parse_timestamp("2026-12-01T12:00:00Z").tzinfo)
    assert in_utc == in_new_york


@pytest.mark.parametrize("name", ["UTC", "Europe/London"])
def test_each_read_is_a_new_datetime_as_botocores_are(
    zone: Callable[[str], None], name: str
) -> None:
    """Never one object twice, and a local zone made at each read where dateutil makes one:
    an ambiguous local time read twice compares as botocore's two reads do."""
    zone(name)
    theirs = parse_timestamp("2026-12-01T12:00:00Z"), parse_timestamp("2026-12-01T12:00:00Z")
    ours = read_timestamp("2026-12-01T12:00:00Z"), read_timestamp("2026-12-01T12:00:00Z")
    assert isinstance(ours[0], dt.datetime)
    assert isinstance(ours[1], dt.datetime)
    assert ours[0] is not ours[1]
    assert (ours[0].tzinfo is ours[1].tzinfo) == (theirs[0].tzinfo is theirs[1].tzinfo)


@pytest.mark.parametrize("epoch", [1773921600, 1773921600.0, "1773921600"])
def test_an_epoch_is_read_with_the_rules_of_the_zone_in_place(
    zone: Callable[[str], None], epoch: str | float
) -> None:
    """Two zones with the same names and offsets but other summer-time rules: 19 March 2026
    is summer in the first and winter in the second, and an epoch reads as botocore reads it
    in each."""
    zone("EST5EDT,M3.2.0,M11.1.0")
    summer = read_timestamp(epoch)
    assert isinstance(summer, dt.datetime)
    assert summer.utcoffset() == dt.timedelta(hours=-4)
    instant = summer.astimezone(dt.timezone.utc)  # a local zone reads the rules in place
    zone("EST5EDT,M4.1.0,M10.5.0")
    winter = read_timestamp(epoch)
    assert isinstance(winter, dt.datetime)
    assert winter.utcoffset() == dt.timedelta(hours=-5)
    assert winter.utcoffset() == parse_timestamp(epoch).utcoffset()  # type: ignore[arg-type]  # it reads numbers too
    assert winter.astimezone(dt.timezone.utc) == instant


@pytest.mark.parametrize("text", BAD_TIMESTAMPS)
def test_a_timestamp_botocore_cannot_read_fails_as_botocores_does(text: str) -> None:
    with pytest.raises(ValueError, match="Invalid timestamp") as theirs:
        parse_timestamp(text)
    for _ in range(2):
        with pytest.raises(ValueError, match="Invalid timestamp") as ours:
            read_timestamp(text)
        assert str(ours.value) == str(theirs.value)


def test_a_fake_client_reads_a_timestamp_it_has_read_before_without_dateutil(
    fake: FakeAWS, monkeypatch: pytest.MonkeyPatch
) -> None:
    """dateutil, most of the time of a fake IAM listing, runs once per timestamp: the polls
    that list the same roles again read them from memory, as botocore would read them."""
    profiles = fake.client("customer-profiles", "eu-west-2")
    for n in range(3):
        profiles.create_domain(DomainName=f"d{n}", DefaultExpirationDays=365)
        fake.advance(1)
    fake.advance(fake.propagation_delay)
    iam = fake.client("iam", "eu-west-2")
    first = iam.list_roles(PathPrefix=PREFIX)["Roles"]
    parse = dateutil.parser.parse
    texts: list[str] = []

    def counted(text: str, **kwargs: Any) -> dt.datetime:
        texts.append(text)
        return cast("dt.datetime", parse(text, **kwargs))

    monkeypatch.setattr(dateutil.parser, "parse", counted)
    again = fake.client("iam", "eu-west-2").list_roles(PathPrefix=PREFIX)["Roles"]
    assert texts == []
    assert again == first
    assert len({role["CreateDate"] for role in again}) == 3
    for role in again:
        text = role["CreateDate"].isoformat().replace("+00:00", "Z")
        assert role["CreateDate"] == parse_timestamp(text)
        assert type(role["CreateDate"].tzinfo) is type(parse_timestamp(text).tzinfo)


def test_a_timestamp_parser_the_user_chose_is_the_one_a_fake_client_uses(
    fake: FakeAWS, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A parser set on the session's factory, or botocore's default replaced, wins, as it does
    on any botocore client."""
    fake.client("customer-profiles", "eu-west-2").create_domain(
        DomainName="acme", DefaultExpirationDays=365
    )
    fake.advance(fake.propagation_delay)
    [role] = fake.client("iam", "eu-west-2").list_roles(PathPrefix=PREFIX)["Roles"]
    created = role["CreateDate"].isoformat().replace("+00:00", "Z")
    session = fake.session("eu-west-2")
    factory = session._session.get_component("response_parser_factory")  # botocore's own recipe

    def kept(text: str) -> str:
        return f"kept {text}"

    def raw(text: str) -> str:
        return f"raw {text}"

    factory.set_parser_defaults(timestamp_parser=kept)
    [mine] = session.client("iam").list_roles(PathPrefix=PREFIX)["Roles"]
    assert mine["CreateDate"] == f"kept {created}"
    monkeypatch.setattr(botocore.parsers, "DEFAULT_TIMESTAMP_PARSER", raw)
    [unparsed] = fake.client("iam", "eu-west-2").list_roles(PathPrefix=PREFIX)["Roles"]
    assert unparsed["CreateDate"] == f"raw {created}"
