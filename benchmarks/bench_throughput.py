"""Figure 1: the fake's throughput through real boto3 clients, against the pipeline limit and moto.

The pipeline limit is a client of the same fake session whose first ``before-send``
handler returns a response captured from the fake for the same request: botocore
does everything it does for the fake (validation, serialization, signing,
parsing, retry checks) and the fake does nothing. moto runs under ``mock_aws``
in the same process, on a client with the same retry mode.

botocore calls *every* ``before-send`` handler, not only up to the first answer,
so while ``mock_aws`` is active moto also handles each request a fake client
sends. The fake's clients here are detached from moto's handler (as in a process
that does not use moto); one extra path keeps it attached, to measure what that costs.
"""

from __future__ import annotations

import itertools
import json
from typing import TYPE_CHECKING, Any, cast

import boto3
from benchmarks._harness import Row, Section, Timing, interleave_by_group, python_version
from botocore.awsrequest import AWSResponse
from botocore.config import Config
from moto import mock_aws
from moto.core.models import botocore_stubber

from slrkit._fake._boto import SEND_HANDLER_ID
from slrkit.testing import FakeAWS

if TYPE_CHECKING:
    from collections.abc import Callable

    from botocore.client import BaseClient
    from botocore.compat import HTTPHeaders
    from mypy_boto3_iam.client import IAMClient

__all__ = ["run"]

REGION = "eu-west-2"
ROLE_PATH = "/aws-service-role/profile.amazonaws.com/"
ROLES = 10  # Customer Profiles roles listed by ListRoles, on the fake and on moto
ROTATING = 300  # roles asked for in turn, more than the fake keeps parsed requests of
OTHER_ACCOUNT = "210987654321"
DESCRIPTION = "Service-linked role for Amazon Connect Customer Profiles"
TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "profile.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
)


class _Raw:
    """The `raw` of a canned `AWSResponse`: botocore only streams it."""

    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **kwargs: object) -> list[bytes]:
        del kwargs
        return [self._body]


def _detach_moto(client: BaseClient) -> BaseClient:
    """Stop moto's global ``before-send`` handler from also handling this client's requests."""
    client.meta.events.unregister("before-send", cast("Callable[..., None]", botocore_stubber))
    return client


def _canned(client: BaseClient, call: Callable[[BaseClient], object]) -> BaseClient:
    """Make *client* answer every request with the response the fake gave to ``call(client)``."""
    seen: list[dict[str, Any]] = []

    def grab(response_dict: dict[str, Any], **kwargs: object) -> None:
        del kwargs
        seen.append(response_dict)

    events = client.meta.events
    events.register("before-parse", grab, unique_id="bench-capture")
    call(client)
    events.unregister("before-parse", unique_id="bench-capture")
    [captured] = seen
    status = int(captured["status_code"])
    headers = cast("HTTPHeaders", dict(captured["headers"]))
    body = bytes(captured["body"])

    def answer(request: Any, **kwargs: object) -> AWSResponse:  # noqa: ANN401  # botocore's
        del kwargs
        return AWSResponse(request.url, status, headers, _Raw(body))

    # botocore calls every before-send handler, so the fake's own must go, or it
    # would still do all its work behind the canned answer.
    events.unregister("before-send", unique_id=SEND_HANDLER_ID)
    events.register_first("before-send", cast("Callable[..., None]", answer))
    return client


def _moto_iam() -> IAMClient:
    session = boto3.Session(
        aws_access_key_id="testing",
        aws_secret_access_key="testing",  # noqa: S106  # moto's dummy credentials
        region_name="us-east-1",
    )
    # boto3-stubs type `client` per service name, most of them not installed.
    make = cast("Callable[..., IAMClient]", session.client)  # pyright: ignore[reportUnknownMemberType]
    return make("iam", config=Config(retries={"mode": "standard"}))


def _paths(fake: FakeAWS, moto: IAMClient) -> dict[str, Callable[[], object]]:
    profiles = fake.client("customer-profiles", REGION)
    for n in range(ROLES):
        profiles.create_domain(DomainName=f"d{n}", DefaultExpirationDays=365, Tags={"team": "cx"})
    fake.advance(fake.propagation_delay)
    role = fake.linked_roles()[0]
    # The roles a domain makes carry no description, so moto's carry none either: both
    # sides list the same ROLES roles, of the same shape.
    for n in range(ROLES):
        moto.create_role(
            RoleName=f"AWSServiceRoleForProfile_{n:012x}",
            Path=ROLE_PATH,
            AssumeRolePolicyDocument=TRUST,
        )
    moto_role = f"AWSServiceRoleForProfile_{0:012x}"

    def iam(account_id: str | None = None) -> IAMClient:
        client = fake.client("iam", REGION, account_id=account_id)
        return cast("IAMClient", _detach_moto(cast("BaseClient", client)))

    # moto's role was never used: it has one timestamp (CreateDate) where a domain's role
    # also has RoleLastUsed.LastUsedDate, which botocore parses at a cost. The comparison
    # with moto uses a role of the same shape on both sides, made in an account of its
    # own so that ListRoles below lists only the domains' roles.
    other = iam(OTHER_ACCOUNT)
    unused = other.create_service_linked_role(
        AWSServiceName="profile.amazonaws.com", CustomSuffix="bench"
    )["Role"]["RoleName"]

    # More names than an operation's parse cache keeps, asked in turn: every request is
    # read and checked anew (each role's response is still built once). They live in the
    # other account too.
    rotating = [
        other.create_service_linked_role(
            AWSServiceName="profile.amazonaws.com",
            CustomSuffix=f"rotating{n}",
            Description=DESCRIPTION,
        )["Role"]["RoleName"]
        for n in range(ROTATING)
    ]
    fake.advance(fake.behaviour.read_lag)  # IAM's reads catch up with the roles just made
    turn = itertools.cycle(rotating)

    def get_role(client: BaseClient) -> object:
        return cast("IAMClient", client).get_role(RoleName=role)

    def list_roles(client: BaseClient) -> object:
        return cast("IAMClient", client).list_roles(PathPrefix=ROLE_PATH)

    fake_iam = iam()
    limit_get_role = cast("IAMClient", _canned(cast("BaseClient", iam()), get_role))
    limit_list_roles = cast("IAMClient", _canned(cast("BaseClient", iam()), list_roles))
    cp = _detach_moto(cast("BaseClient", fake.client("customer-profiles", REGION)))
    fake_cp = cast("Any", cp)
    limit_cp = cast(
        "Any",
        _canned(
            _detach_moto(cast("BaseClient", fake.client("customer-profiles", REGION))),
            lambda c: cast("Any", c).get_domain(DomainName="d0"),
        ),
    )
    shipped = fake.client("iam", REGION)  # still attached to moto's handler
    return {
        "GetRole fake": lambda: fake_iam.get_role(RoleName=role),
        "GetRole limit": lambda: limit_get_role.get_role(RoleName=role),
        "GetRole moto": lambda: moto.get_role(RoleName=moto_role),
        "GetRole fake, unused role": lambda: other.get_role(RoleName=unused),
        "GetRole fake, names in turn": lambda: other.get_role(RoleName=next(turn)),
        "GetRole fake, one name": lambda: other.get_role(RoleName=rotating[0]),
        "GetRole fake, moto attached": lambda: shipped.get_role(RoleName=role),
        "ListRoles fake": lambda: fake_iam.list_roles(PathPrefix=ROLE_PATH),
        "ListRoles limit": lambda: limit_list_roles.list_roles(PathPrefix=ROLE_PATH),
        "ListRoles moto": lambda: moto.list_roles(PathPrefix=ROLE_PATH),
        "GetDomain fake": lambda: fake_cp.get_domain(DomainName="d0"),
        "GetDomain limit": lambda: limit_cp.get_domain(DomainName="d0"),
    }


def measure(runs: int, seconds: float) -> Timing:
    """Time every path, by operation, with moto active throughout."""
    mock = mock_aws()
    mock.start()
    try:
        return interleave_by_group(_paths(FakeAWS(), _moto_iam()), runs=runs, seconds=seconds)
    finally:
        mock.stop()


def run(*, runs: int = 21, seconds: float = 0.12) -> Section:
    """Figure 1 rows."""
    timing = measure(runs, seconds)

    def method(*names: str) -> str:
        calls = ", ".join(f"{timing.batch[n]}" for n in names)
        return (
            f"{python_version()}; {runs} interleaved runs of {calls} calls; "
            "median (IQR) of per-run ratios"
        )

    def rate(name: str) -> str:
        return f"{timing.rate(name).median:,.0f} calls/s"

    rows: list[Row] = []
    for op, label in (
        ("GetRole", "IAM GetRole"),
        ("ListRoles", f"IAM ListRoles ({ROLES} roles)"),
        ("GetDomain", "CP GetDomain"),
    ):
        rows.append(
            Row(
                figure=f"1. Fake throughput: {label}",
                measured=f"fake {rate(f'{op} fake')}",
                baseline=f"pipeline limit {rate(f'{op} limit')}",
                ratio=timing.speedup(f"{op} fake", f"{op} limit"),
                at_least=0.85,
                method=method(f"{op} fake", f"{op} limit"),
            )
        )
    for fake_path, moto_path, label, shape, target in (
        (
            "GetRole fake, unused role",
            "GetRole moto",
            "IAM GetRole",
            "the same shape on both sides: a never-used role (one timestamp)",
            2.5,
        ),
        (
            "GetRole fake",
            "GetRole moto",
            "IAM GetRole, a domain's role vs moto's unused one",
            "the fake's role was used, so it has a second timestamp to parse; no target",
            None,
        ),
        (
            "ListRoles fake",
            "ListRoles moto",
            f"IAM ListRoles ({ROLES} roles)",
            "the same roles listed on both sides",
            2.5,
        ),
    ):
        rows.append(
            Row(
                figure=f"1. Fake vs moto: {label}",
                measured=f"fake {rate(fake_path)}",
                baseline=f"moto `mock_aws` {rate(moto_path)}",
                ratio=timing.speedup(fake_path, moto_path),
                at_least=target,
                method=f"{method(fake_path, moto_path)}; {shape}",
            )
        )
    rows.append(
        Row(
            figure="1. Fake, every request new: IAM GetRole",
            measured=f"fake, {ROTATING} roles in turn {rate('GetRole fake, names in turn')}",
            baseline=f"fake, one of them repeated {rate('GetRole fake, one name')}",
            ratio=timing.speedup("GetRole fake, names in turn", "GetRole fake, one name"),
            method=method("GetRole fake, names in turn", "GetRole fake, one name")
            + f"; {ROTATING} never-used roles, more than the parse cache keeps",
        )
    )
    rows.append(
        Row(
            figure="1. Fake under an active `mock_aws` (as shipped): IAM GetRole",
            measured=f"fake, moto attached {rate('GetRole fake, moto attached')}",
            baseline=f"fake {rate('GetRole fake')}",
            ratio=timing.speedup("GetRole fake, moto attached", "GetRole fake"),
            method=method("GetRole fake, moto attached", "GetRole fake") + "; see How to read it",
        )
    )
    return Section(rows=rows)
