"""The fake's wire layer against botocore's own parsers and models."""

# pyright: reportUnknownMemberType=false, reportTypedDictNotRequiredAccess=false
# (boto3-stubs type `Session.client` per service, most not installed; and a test may
# index what it asserts is present.)

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, cast

import pytest
from botocore.awsrequest import HeadersDict
from botocore.handlers import json_decode_policies
from botocore.parsers import create_parser

from slrkit._fake import _sts
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
