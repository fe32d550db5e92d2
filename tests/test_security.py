"""Security: no credential ever shows, the policy is least privilege for the kit and Fleet,
and no web page can steer a running ``slrkit serve``.

``tests/test_cli_policy.py`` checks the policy's shape and that a kit lifecycle
needs exactly its actions; here an IAM-style evaluator checks what the policy
denies (roles outside the path, other services), and that every call Fleet makes
(ensure_all, audit, cleanup of orphans) is allowed with its real resource.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import http.client
import json
import logging
import random
from typing import TYPE_CHECKING, Final, cast

import pytest

from iam_oracle import ACCOUNT, ROLE_PATH, request
from slrkit import (
    SUPPORTED_REGIONS,
    AWSError,
    DomainSpec,
    Fleet,
    ProfilesKit,
    RetryPolicy,
    RoleStatus,
    SlrkitError,
)
from slrkit._aws import OPERATIONS
from slrkit._cli import main
from slrkit._policy import least_privilege_policy
from slrkit.testing import FakeAWS, FakeServer, RecordedCall

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Mapping

    import boto3

REGION: Final = "eu-west-2"
# Known dummy credentials, distinctive enough that any leak is found by a substring search.
ACCESS_KEY: Final = "AKIADUMMYSLRKITLEAK7"
SECRET_KEY: Final = "dummySecret/Slrkit+Leak0123456789abcdefXYZ"  # noqa: S105 - a dummy on purpose
SESSION_TOKEN: Final = "DummySessionTokenSlrkitLeak//////ABCDEFGHIJ0123456789=="  # noqa: S105
SECRETS: Final = (ACCESS_KEY, SECRET_KEY, SESSION_TOKEN)


def leaky_session(fake: FakeAWS, region: str = REGION) -> boto3.Session:
    """A session on the fake signing with the known dummy credentials (and a token)."""
    session = fake.session(region)
    session._session.set_credentials(ACCESS_KEY, SECRET_KEY, SESSION_TOKEN)
    return session


def assert_clean(text: str, *, secrets: tuple[str, ...] = SECRETS) -> None:
    for secret in secrets:
        assert secret not in text, f"credential {secret[:8]}... leaked"


def caught(call: Callable[[], object]) -> SlrkitError:
    """The slrkit error *call* raises (it must raise one)."""
    with pytest.raises(SlrkitError) as error:
        call()
    return error.value


# -- credentials --------------------------------------------------------------------------------


def test_no_credential_in_debug_logs_reprs_or_errors(caplog: pytest.LogCaptureFixture) -> None:
    """A whole lifecycle at DEBUG, with faults on every path, shows the credentials nowhere:
    not in slrkit's log records, results, reprs, error messages or error attributes; and the
    secret key not even in botocore's own DEBUG logs."""
    caplog.set_level(logging.DEBUG)
    fake = FakeAWS(ACCOUNT, role_cleanup_delay=None)
    session = leaky_session(fake)
    kit = ProfilesKit(REGION, session=session, clock=fake.clock, rand=random.Random(0).random)
    shown: list[object] = [kit, kit.retry, kit._site.clients]
    shown.append(kit.ensure_domain("acme", default_expiration_days=365, tags={"team": "cx"}))
    shown.append(kit.ensure_domain("acme", default_expiration_days=30))
    shown.append(kit.describe_linked_role("acme"))
    shown.append(kit.plan_domain_deletion("acme"))
    shown.append(kit.list_domains())
    errors: list[SlrkitError] = []
    fake.fail("GetDomain", code="AccessDeniedException", status=403)
    errors.append(caught(lambda: kit.describe_linked_role("acme")))
    fake.fail_connection("GetRole", times=3)
    errors.append(caught(lambda: kit.describe_linked_role("acme")))
    fake.fail("ListDomains", code="ThrottlingException", times=12)
    errors.append(caught(kit.list_domains))
    fake.fail_connection("GetDomain", times=3, kind="read-timeout")
    errors.append(caught(lambda: kit.describe_linked_role("acme")))
    fake.load_data("acme", region=REGION, profiles=3)
    errors += [
        caught(lambda: kit.safe_delete_domain("acme", confirm="acme")),
        caught(lambda: kit.safe_delete_domain("acme", confirm="nope")),
        caught(lambda: kit.ensure_domain("a/b", default_expiration_days=1)),
    ]
    fake.clear_data("acme", region=REGION)
    shown.append(kit.safe_delete_domain("acme", confirm="acme", cleanup_grace=0))
    assert {type(e).__name__ for e in errors} >= {
        "AccessDeniedError",
        "EndpointError",
        "ThrottledError",
        "DomainNotEmptyError",
        "ConfirmationMismatchError",
        "InvalidInputError",
    }
    shown += errors
    for thing in shown:
        assert_clean(repr(thing))
        assert_clean(str(thing))
    for error in errors:
        assert_clean(repr(vars(error)))
        if isinstance(error, AWSError):
            assert error.request_id is None or error.request_id not in SECRETS
    slrkit_records = [r for r in caplog.records if r.name.startswith("slrkit")]
    assert any(r.levelno == logging.DEBUG for r in slrkit_records)
    for record in slrkit_records:
        assert_clean(record.getMessage())
    # botocore logs request headers at DEBUG, with the access key id (in the Authorization
    # header) and the session token: botocore's behaviour, under its own loggers, which
    # slrkit's command line never enables. The secret key is never sent, so never logged.
    everything = "\n".join(r.getMessage() for r in caplog.records)
    assert_clean(everything, secrets=(SECRET_KEY,))


def test_fleet_results_and_errors_carry_no_credential(caplog: pytest.LogCaptureFixture) -> None:
    """Fleet's results, item errors, audit and progress lines never show the credentials."""
    caplog.set_level(logging.DEBUG, logger="slrkit")
    fake = FakeAWS(ACCOUNT)
    progress: list[str] = []
    fleet = Fleet(
        {"main": leaky_session(fake)},
        regions=[REGION],
        clock=fake.clock,
        rand=random.Random(0).random,
        progress=progress.append,
    )
    fake.fail("CreateDomain", code="AccessDeniedException", status=403)
    result = fleet.ensure_all(
        [
            DomainSpec(name="acme", region=REGION, default_expiration_days=30),
            DomainSpec(name="beta", region=REGION, default_expiration_days=30),
        ]
    )
    assert len(result.failed) == 1
    audit = fleet.audit()
    for thing in (fleet, result, *result.items, audit, *progress):
        assert_clean(repr(thing))
        assert_clean(str(thing))
    for record in caplog.records:
        assert_clean(record.getMessage())


@pytest.mark.parametrize(
    "argv",
    [
        pytest.param(
            ["ensure", "acme", "--region", REGION, "--expiration-days", "30"], id="ensure"
        ),
        pytest.param(["role", "acme", "--region", REGION], id="role"),
        pytest.param(["plan-delete", "acme", "--region", REGION], id="plan-delete"),
        pytest.param(["delete", "acme", "--region", REGION, "--confirm", "acme"], id="delete"),
        pytest.param(["role", "nope", "--region", REGION], id="error"),
        pytest.param(["--json", "role", "nope", "--region", REGION], id="json-error"),
        pytest.param(["policy"], id="policy"),
    ],
)
def test_cli_output_at_verbose_carries_no_credential(
    capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    """Every command at -v (a line per API call, tracebacks on error) prints neither the
    access key id nor the secret key of the session it signs with."""
    fake = FakeAWS(ACCOUNT)
    credentials = fake.session(REGION).get_credentials()
    assert credentials is not None
    frozen = credentials.get_frozen_credentials()
    assert frozen.access_key is not None
    assert frozen.secret_key is not None
    main(
        ["--fake", "-v", "ensure", "acme", "--region", REGION, "--expiration-days", "365"],
        fake=fake,
    )
    capsys.readouterr()
    main(["--fake", "-v", *argv], fake=fake)
    out, err = capsys.readouterr()
    assert err or out
    for text in (out, err):
        assert_clean(text, secrets=(frozen.access_key, frozen.secret_key))


# -- least privilege ----------------------------------------------------------------------------


def statements() -> list[Mapping[str, object]]:
    return least_privilege_policy()["Statement"]  # type: ignore[return-value]


def _matches(pattern: str, value: str, *, case: bool) -> bool:
    """IAM's wildcard match: ``*`` spans any characters (``/`` included), ``?`` one."""
    if not case:
        pattern, value = pattern.lower(), value.lower()
    return fnmatch.fnmatchcase(value, pattern.replace("[", "[[]"))


def allowed(action: str, resource: str, *, context: Mapping[str, str] | None = None) -> bool:
    """Whether the policy allows *action* on *resource* (no Deny exists; conditions honoured
    for StringEquals only, which is all the policy uses)."""
    for statement in statements():
        actions = statement["Action"]
        resources = statement["Resource"]
        assert isinstance(actions, list)
        assert isinstance(resources, str)
        if not any(_matches(str(a), action, case=False) for a in actions):  # pyright: ignore[reportUnknownVariableType, reportUnknownArgumentType]
            continue
        if not _matches(resources, resource, case=True):
            continue
        condition = cast("Mapping[str, Mapping[str, str]] | None", statement.get("Condition"))
        if condition is not None:
            wanted = condition["StringEquals"]
            if any((context or {}).get(key) != value for key, value in wanted.items()):
                continue
        return True
    return False


ROLE_ACTIONS: Final = sorted(op.action for op in OPERATIONS.values() if op.resource == "role")


@pytest.mark.parametrize(
    "arn",
    [
        "arn:aws:iam::123456789012:role/ops-admin",
        "arn:aws:iam::123456789012:role/AWSServiceRoleForProfile_lookalike",
        "arn:aws:iam::123456789012:role/aws-service-role/support.amazonaws.com/AWSServiceRoleForSupport",
        "arn:aws:iam::123456789012:role/aws-service-role/profile.amazonaws.com/OtherName",
        "arn:aws:iam::123456789012:role/x/aws-service-role/profile.amazonaws.com/AWSServiceRoleForProfile_a",
        "arn:aws:iam::123456789012:user/aws-service-role/profile.amazonaws.com/AWSServiceRoleForProfile_a",
        "arn:aws:iam::123456789012:policy/aws-service-role/profile.amazonaws.com/AWSServiceRoleForProfile_a",
    ],
)
def test_policy_allows_no_role_action_outside_the_customer_profiles_path(arn: str) -> None:
    """No IAM role action (read or delete) is allowed on a role outside the Customer Profiles
    service-linked path, on a look-alike name, or on a user or policy at that path."""
    for action in [*ROLE_ACTIONS, "iam:DeleteRole", "iam:CreateServiceLinkedRole"]:
        assert not allowed(action, arn, context={"iam:AWSServiceName": "profile.amazonaws.com"})


@pytest.mark.parametrize(
    ("action", "resource"),
    [
        ("iam:DeleteRole", f"arn:aws:iam::{ACCOUNT}:role{ROLE_PATH}AWSServiceRoleForProfile_a"),
        ("iam:PassRole", f"arn:aws:iam::{ACCOUNT}:role{ROLE_PATH}AWSServiceRoleForProfile_a"),
        (
            "iam:AttachRolePolicy",
            f"arn:aws:iam::{ACCOUNT}:role{ROLE_PATH}AWSServiceRoleForProfile_a",
        ),
        (
            "iam:UpdateAssumeRolePolicy",
            f"arn:aws:iam::{ACCOUNT}:role{ROLE_PATH}AWSServiceRoleForProfile_a",
        ),
        (
            "profile:DeleteDomain",
            f"arn:aws:iam::{ACCOUNT}:role{ROLE_PATH}AWSServiceRoleForProfile_a",
        ),
        ("profile:DeleteProfile", f"arn:aws:profile:{REGION}:{ACCOUNT}:domains/acme"),
        (
            "profile:UntagResource",
            f"arn:aws:iam::{ACCOUNT}:role{ROLE_PATH}AWSServiceRoleForProfile_a",
        ),
        ("profile:PutIntegration", f"arn:aws:profile:{REGION}:{ACCOUNT}:domains/acme"),
        (
            "iam:CreateServiceLinkedRole",
            f"arn:aws:iam::{ACCOUNT}:role{ROLE_PATH}AWSServiceRoleForProfile_a",
        ),
        ("sts:AssumeRole", "*"),
        ("s3:GetObject", "*"),
    ],
)
def test_policy_denies_what_slrkit_never_does(action: str, resource: str) -> None:
    """Actions slrkit never takes are denied, even on its own resources (and the one it may
    need for the service, CreateServiceLinkedRole, only for profile.amazonaws.com)."""
    assert not allowed(action, resource, context={"iam:AWSServiceName": "ec2.amazonaws.com"})


@pytest.fixture(scope="module")
def fleet_calls() -> tuple[RecordedCall, ...]:
    """Every call of a Fleet's whole job: ensure_all in two regions, an audit of every region,
    and a real cleanup of an orphaned role (and of nothing else)."""
    fake = FakeAWS(ACCOUNT)
    fake.add_role("ops-admin")
    fake.add_role("AWSServiceRoleForProfile_lookalike")
    long_ago = fake.clock.now() - dt.timedelta(days=30)
    orphan = fake.add_linked_role(region=REGION, created_at=long_ago)
    fleet = Fleet(
        {"main": fake.session(REGION)},
        clock=fake.clock,
        rand=random.Random(0).random,
        retry=RetryPolicy(deadline=3600.0),
        max_workers=4,
    )
    result = fleet.ensure_all(
        [
            DomainSpec(name="acme", region=REGION, default_expiration_days=30),
            DomainSpec(
                name="acme", region="us-east-1", default_expiration_days=30, tags={"a": "b"}
            ),
        ]
    )
    assert not result.failed
    fleet.ensure_all([DomainSpec(name="acme", region=REGION, default_expiration_days=60)])
    fake.advance(3600)
    cleanup = fleet.cleanup_orphans(dry_run=False)
    assert [(i.role_name, i.action) for i in cleanup.items] == [(orphan, "deleted")]
    assert {r.role.name for r in cleanup.audit.with_status(RoleStatus.LINKED)} == set(
        fake.roles_in_use()
    )
    assert set(fake.roles()) >= {"ops-admin", "AWSServiceRoleForProfile_lookalike"}
    assert orphan not in fake.roles()
    return fake.calls


def test_fleet_calls_only_what_the_policy_is_derived_from(
    fleet_calls: tuple[RecordedCall, ...],
) -> None:
    """Every operation Fleet calls is in `slrkit._aws.OPERATIONS`, the registry the policy is
    derived from, and the job reached the listing, audit and deletion calls."""
    made = {call.operation for call in fleet_calls}
    assert made <= set(OPERATIONS)
    assert {"ListDomains", "ListRoles", "DeleteServiceLinkedRole"} <= made
    regions = {c.region for c in fleet_calls if c.operation == "ListDomains"}
    assert regions == set(SUPPORTED_REGIONS)


def test_every_fleet_call_is_allowed_by_the_policy(fleet_calls: tuple[RecordedCall, ...]) -> None:
    """Each call of the Fleet job, with its real resource, is allowed by ``slrkit policy``."""
    denied = [request(call) for call in fleet_calls if not allowed(*request(call))]
    assert denied == []


def test_fleet_writes_only_customer_profiles_roles(fleet_calls: tuple[RecordedCall, ...]) -> None:
    """Fleet's only IAM write is DeleteServiceLinkedRole, on the Customer Profiles path."""
    iam_writes = [
        c for c in fleet_calls if c.service == "iam" and not c.operation.startswith(("Get", "List"))
    ]
    assert {c.operation for c in iam_writes} == {"DeleteServiceLinkedRole"}
    for call in iam_writes:
        assert str(call.params["RoleName"]).startswith("AWSServiceRoleForProfile_")
        assert allowed(*request(call))


# -- slrkit serve's admin endpoints ---------------------------------------------------------
# A web page open in the user's browser can send a "simple" cross-origin request (a POST
# with a text/plain body, no preflight) to any port on 127.0.0.1, or rebind its own name
# to 127.0.0.1 and be same-origin; the admin endpoints must refuse both.

EVIL = "evil.example"


@pytest.fixture
def served() -> Iterator[FakeServer]:
    """A served fake with one domain, its time standing still."""
    fake = FakeAWS()
    fake.client("customer-profiles", REGION).create_domain(
        DomainName="acme", DefaultExpirationDays=3
    )
    with FakeServer(fake, time_scale=0) as server:
        yield server


def admin_request(
    server: FakeServer, method: str, path: str, headers: Mapping[str, str], body: bytes = b""
) -> tuple[int, str]:
    """Send one request with exactly *headers* (``{port}`` filled in); its status and body."""
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        filled = {name: value.format(port=server.port) for name, value in headers.items()}
        connection.request(method, path, body=body, headers=filled)
        response = connection.getresponse()
        return response.status, response.read().decode()
    finally:
        connection.close()


REFUSED = [
    pytest.param({"Origin": f"http://{EVIL}", "Content-Type": "text/plain"}, 403,
                 "cross-origin", id="a page's simple POST"),
    pytest.param({"Content-Type": "text/plain"}, 415, "Content-Type: application/json",
                 id="text/plain"),
    pytest.param({"Content-Type": "application/x-www-form-urlencoded"}, 415,
                 "Content-Type: application/json", id="a form (curl -d without -H)"),
    pytest.param({}, 415, "Content-Type: application/json", id="no Content-Type"),
    pytest.param({"Origin": f"http://{EVIL}", "Content-Type": "application/json"}, 403,
                 "cross-origin", id="another origin"),
    pytest.param({"Origin": "null", "Content-Type": "application/json"}, 403,
                 "cross-origin", id="a sandboxed page"),
    pytest.param({"Host": EVIL + ":{port}", "Origin": f"http://{EVIL}:{{port}}",
                  "Content-Type": "application/json"}, 403, "Host", id="DNS rebinding"),
    pytest.param({"Host": "127.0.0.1.nip.io:{port}", "Content-Type": "application/json"}, 403,
                 "Host", id="a name that resolves to loopback"),
]  # fmt: skip


@pytest.mark.parametrize(("headers", "status", "problem"), REFUSED)
def test_admin_posts_a_browser_could_send_cross_origin_are_refused(
    served: FakeServer, headers: dict[str, str], status: int, problem: str
) -> None:
    """A POST that a web page could make is refused, and neither moves time nor resets."""
    for path, body in (("/_slrkit/advance", b'{"seconds": 60}'), ("/_slrkit/reset", b"{}")):
        answer, text = admin_request(served, "POST", path, headers, body)
        assert answer == status, text
        assert problem in json.loads(text)["error"]
    assert served.fake.clock.monotonic() == 0
    assert served.fake.domains(REGION) == ("acme",)


def test_admin_reads_need_this_servers_host(served: FakeServer) -> None:
    """A rebound name cannot read the state either; the server's own names can."""
    assert admin_request(served, "GET", "/_slrkit/state", {"Host": f"{EVIL}:{{port}}"})[0] == 403
    for host in ("127.0.0.1:{port}", "localhost:{port}", "[::1]:{port}", "LOCALHOST"):
        status, text = admin_request(served, "GET", "/_slrkit/state", {"Host": host})
        assert status == 200, (host, text)


@pytest.mark.parametrize(
    "headers",
    [
        {"Content-Type": "application/json"},
        {"Content-Type": "Application/JSON; charset=utf-8", "Host": "localhost:{port}"},
        {"Content-Type": "application/json", "Origin": "http://127.0.0.1:{port}"},
    ],
    ids=["curl -H", "with charset", "same origin"],
)
def test_admin_posts_from_scripts_still_work(served: FakeServer, headers: dict[str, str]) -> None:
    """curl, test harnesses and same-origin requests with a JSON body are answered."""
    status, text = admin_request(served, "POST", "/_slrkit/advance", headers, b'{"seconds": 60}')
    assert status == 200, text
    assert served.fake.clock.monotonic() == 60
