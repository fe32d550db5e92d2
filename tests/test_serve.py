"""slrkit serve in-process: real boto3 clients and raw HTTP against a `FakeServer` on loopback."""

# pyright: reportUnknownMemberType=false, reportTypedDictNotRequiredAccess=false
# (boto3-stubs type `Session.client` per service, most not installed; and a test may
# index what it asserts is present.)

from __future__ import annotations

import contextlib
import errno
import gc
import http.client
import json
import logging
import os
import selectors
import socket
import threading
import time
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, NamedTuple

import boto3
import botocore.session
import pytest
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError
from botocore.loaders import create_loader

from hostile_aws_env import is_aws_setting
from slrkit._fake import _server
from slrkit._fake._admin import AdminApi
from slrkit._fake._server import ScaledRealTime, is_loopback
from slrkit.testing import FakeAWS, FakeServer

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping
    from pathlib import Path

    from mypy_boto3_customer_profiles.client import CustomerProfilesClient
    from mypy_boto3_iam.client import IAMClient
    from mypy_boto3_sts.client import STSClient

REGION = "eu-west-2"
ROLE_PATH = "/aws-service-role/profile.amazonaws.com/"
ACCESS_KEY = "AKIASLRKITSERVETEST1"
SECRET_KEY = "slrkit-serve-test-secret"  # noqa: S105  # a dummy
NO_RETRIES = Config(retries={"total_max_attempts": 1})


@pytest.fixture(autouse=True)
def no_real_aws(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Keep every test away from the machine's AWS credentials, config and endpoints."""
    for name in [name for name in os.environ if is_aws_setting(name)]:
        monkeypatch.delenv(name)
    for name in ("config", "credentials"):
        (tmp_path / name).write_text("")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))


@pytest.fixture
def server(fake: FakeAWS) -> Iterator[FakeServer]:
    """The test's fake served on a free loopback port, its time moving only when told."""
    with FakeServer(fake, time_scale=0) as served:
        yield served


class Clients(NamedTuple):
    """Plain boto3 clients pointed at the server."""

    cp: CustomerProfilesClient
    iam: IAMClient
    sts: STSClient


# One loader of botocore's model files for the whole module: a new session then costs
# milliseconds, not the ~100 ms of reading the models again.
LOADER = create_loader()


def session_of(access_key: str = ACCESS_KEY) -> boto3.Session:
    core = botocore.session.Session()
    core.register_component("data_loader", LOADER)
    return boto3.Session(
        aws_access_key_id=access_key,
        aws_secret_access_key=SECRET_KEY,
        region_name=REGION,
        botocore_session=core,
    )


def clients_of(
    server: FakeServer, *, access_key: str = ACCESS_KEY, config: Config | None = None
) -> Clients:
    session = session_of(access_key)
    url = server.endpoint_url
    return Clients(
        session.client("customer-profiles", endpoint_url=url, config=config),
        session.client("iam", endpoint_url=url, config=config),
        session.client("sts", endpoint_url=url, config=config),
    )


@pytest.fixture
def clients(server: FakeServer) -> Iterator[Clients]:
    """Clients of the server, closed (with their pooled sockets) at the end."""
    made = clients_of(server)
    yield made
    for client in made:
        client.close()


class Answer(NamedTuple):
    """A raw HTTP answer."""

    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def scope(service: str, region: str = REGION) -> str:
    return (
        f"AWS4-HMAC-SHA256 Credential={ACCESS_KEY}/20260101/{region}/{service}/aws4_request, "
        "SignedHeaders=host;x-amz-date, Signature=0123456789abcdef"
    )


def send(
    server: FakeServer,
    method: str,
    path: str,
    body: bytes | str = b"",
    headers: dict[str, str] | None = None,
) -> Answer:
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return Answer(response.status, dict(response.getheaders()), response.read())
    finally:
        connection.close()


JSON = {"Content-Type": "application/json"}


def admin(server: FakeServer, name: str, arguments: Mapping[str, object] | None = None) -> Any:
    method = "GET" if arguments is None else "POST"
    body = b"" if arguments is None else json.dumps(arguments).encode()
    answer = send(server, method, f"/_slrkit/{name}", body, JSON if arguments is not None else {})
    assert answer.status == 200, answer.body
    return answer.json()


FORM = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}


# -- the lifecycle through plain clients --------------------------------------------------


def test_boto3_client_runs_the_domain_lifecycle(server: FakeServer, clients: Clients) -> None:
    """Create, read and delete a domain; its SLR shows after propagation, goes after cleanup."""
    cp, iam, _ = clients
    created = cp.create_domain(DomainName="acme", DefaultExpirationDays=365, Tags={"team": "cx"})
    assert created["DomainName"] == "acme"
    assert cp.get_domain(DomainName="acme")["DefaultExpirationDays"] == 365
    assert iam.list_roles(PathPrefix=ROLE_PATH)["Roles"] == []  # not propagated yet

    assert admin(server, "advance", {"seconds": 5})["monotonic"] == 5
    [role] = iam.list_roles(PathPrefix=ROLE_PATH)["Roles"]
    assert role["RoleName"].startswith("AWSServiceRoleForProfile_")
    trust: Any = iam.get_role(RoleName=role["RoleName"])["Role"]["AssumeRolePolicyDocument"]
    assert trust["Statement"][0]["Principal"] == {"Service": "profile.amazonaws.com"}

    cp.delete_domain(DomainName="acme")
    with pytest.raises(cp.exceptions.ResourceNotFoundException):
        cp.get_domain(DomainName="acme")
    # The service's cleanup, then IAM's reads catching up with it.
    admin(server, "advance", {"seconds": 20 + server.fake.behaviour.read_lag})
    assert iam.list_roles(PathPrefix=ROLE_PATH)["Roles"] == []
    assert [c.operation for c in server.fake.calls] == [
        "CreateDomain",
        "GetDomain",
        "ListRoles",
        "ListRoles",
        "GetRole",
        "DeleteDomain",
        "GetDomain",
        "ListRoles",
    ]


def test_endpoint_environment_variables_route_a_plain_session(
    server: FakeServer, fake: FakeAWS, monkeypatch: pytest.MonkeyPatch
) -> None:
    """AWS_ENDPOINT_URL_<SERVICE> sends a session that names no endpoint to the server."""
    for service in ("CUSTOMER_PROFILES", "IAM", "STS"):
        monkeypatch.setenv(f"AWS_ENDPOINT_URL_{service}", server.endpoint_url)
    session = boto3.Session(
        aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY, region_name=REGION
    )
    cp = session.client("customer-profiles")
    iam = session.client("iam")
    sts = session.client("sts")
    try:
        cp.create_domain(DomainName="env", DefaultExpirationDays=7)
        fake.advance(fake.propagation_delay)
        assert [r["RoleName"] for r in iam.list_roles(PathPrefix=ROLE_PATH)["Roles"]] == list(
            fake.linked_roles()
        )
        assert sts.get_caller_identity()["Account"] == fake.account_id
    finally:
        for client in (cp, iam, sts):
            client.close()
    assert fake.domains(REGION) == ("env",)


def test_a_twelve_digit_access_key_is_the_account(server: FakeServer, fake: FakeAWS) -> None:
    """An access key id of 12 digits works in that account; any other key in the default one."""
    other = clients_of(server, access_key="210987654321")
    try:
        assert other.sts.get_caller_identity()["Account"] == "210987654321"
        other.cp.create_domain(DomainName="theirs", DefaultExpirationDays=7)
    finally:
        for client in other:
            client.close()
    assert fake.domains(REGION, account_id="210987654321") == ("theirs",)
    assert fake.domains(REGION) == ()


def test_the_signed_region_is_the_domain_region(server: FakeServer, fake: FakeAWS) -> None:
    """Customer Profiles state is per region: the credential scope's region picks it."""
    for region in ("us-east-1", "ap-southeast-2"):
        answer = send(
            server,
            "POST",
            f"/domains/in-{region}",
            json.dumps({"DefaultExpirationDays": 3}),
            {"Authorization": scope("profile", region)},
        )
        assert answer.status == 200
    assert fake.domains("us-east-1") == ("in-us-east-1",)
    assert fake.domains("ap-southeast-2") == ("in-ap-southeast-2",)


def test_a_region_without_customer_profiles_gets_no_answer(
    server: FakeServer, fake: FakeAWS
) -> None:
    """As against AWS, where no profile.<region> host exists: a connection error, no domain."""
    session = session_of()
    cp = session.client(
        "customer-profiles",
        region_name="eu-west-1",
        endpoint_url=server.endpoint_url,
        config=NO_RETRIES,
    )
    try:
        with pytest.raises(BotoCoreError, match="Connection was closed"):
            cp.create_domain(DomainName="nowhere", DefaultExpirationDays=7)
    finally:
        cp.close()
    assert fake.domains("eu-west-1") == ()
    assert fake.calls == ()
    with pytest.raises(http.client.RemoteDisconnected):
        send(server, "GET", "/domains/x", headers={"Authorization": scope("profile", "cn-north-1")})
    answer = send(server, "GET", "/domains/x", headers={"Authorization": scope("profile")})
    assert answer.headers["x-amzn-ErrorType"] == "ResourceNotFoundException"  # eu-west-2 answers


def test_a_presigned_credential_routes_like_the_header(server: FakeServer) -> None:
    """X-Amz-Credential in the query string (a presigned URL) is read like the header."""
    credential = f"{ACCESS_KEY}%2F20260101%2Fus-east-1%2Fsts%2Faws4_request"
    answer = send(server, "GET", f"/?Action=GetCallerIdentity&X-Amz-Credential={credential}")
    assert answer.status == 200
    assert b"<Account>123456789012</Account>" in answer.body


def test_errors_arrive_as_modeled_exceptions(clients: Clients) -> None:
    """botocore reads the server's errors: modeled ones as their exceptions, 501 for the rest."""
    cp, iam, _ = clients
    with pytest.raises(cp.exceptions.ResourceNotFoundException):
        cp.get_domain(DomainName="missing")
    with pytest.raises(iam.exceptions.NoSuchEntityException):
        iam.get_role(RoleName="missing")
    with pytest.raises(ClientError) as raised:
        iam.create_user(UserName="someone")
    error = raised.value.response
    assert error["Error"]["Code"] == "NotImplemented"
    assert error["Error"]["Message"] == "slrkit serve: the fake does not serve iam:CreateUser"
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 501


# -- time --------------------------------------------------------------------------------


def test_scaled_real_time_moves_the_virtual_clock() -> None:
    """Each sync adds the real seconds since the last one times the scale; 0 stops time."""
    fake = FakeAWS()
    real = [100.0]
    time_ = ScaledRealTime(fake.clock, 60, monotonic=lambda: real[0])
    real[0] += 1.5
    time_.sync()
    assert fake.clock.monotonic() == 90
    fake.advance(10)  # explicit advances add on top
    real[0] += 0.5
    time_.sync()
    time_.sync()
    assert fake.clock.monotonic() == 130
    stopped = ScaledRealTime(fake.clock, 0, monotonic=lambda: real[0])
    real[0] += 1000
    stopped.sync()
    assert fake.clock.monotonic() == 130
    with pytest.raises(ValueError, match="time_scale=-1 is invalid"):
        ScaledRealTime(fake.clock, -1)


def test_state_follows_the_wall_clock_at_a_time_scale(fake: FakeAWS) -> None:
    """At 20000x, a few real milliseconds are enough for propagation and the role cleanup."""
    with FakeServer(fake, time_scale=20_000) as server:
        cp, iam, sts = clients_of(server)
        try:
            cp.create_domain(DomainName="fast", DefaultExpirationDays=3)
            time.sleep(0.001)  # 20 virtual seconds, more than the 5 s propagation
            [role] = iam.list_roles(PathPrefix=ROLE_PATH)["Roles"]
            cp.delete_domain(DomainName="fast")
            time.sleep(0.002)  # 40 virtual seconds, more than the 20 s cleanup
            assert iam.list_roles(PathPrefix=ROLE_PATH)["Roles"] == []
        finally:
            for client in (cp, iam, sts):
                client.close()
    assert role["RoleName"] not in fake.roles(include_pending=True)
    assert fake.clock.monotonic() > 25


# -- faults ------------------------------------------------------------------------------


def test_admin_fault_injection_reaches_the_client(server: FakeServer) -> None:
    """POST /_slrkit/fail throttles the next call, which the client sees as the modeled error."""
    cp, iam, sts = clients_of(server, config=NO_RETRIES)
    try:
        cp.create_domain(DomainName="acme", DefaultExpirationDays=3)
        admin(server, "fail", {"operation": "GetDomain", "code": "ThrottlingException"})
        with pytest.raises(ClientError) as raised:
            cp.get_domain(DomainName="acme")
        assert raised.value.response["Error"]["Code"] == "ThrottlingException"
        assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 429
        assert cp.get_domain(DomainName="acme")["DomainName"] == "acme"
    finally:
        for client in (cp, iam, sts):
            client.close()


def test_injected_connection_fault_closes_the_connection_unanswered(
    server: FakeServer, fake: FakeAWS
) -> None:
    """fail_connection drops the connection without an answer; the next call is answered."""
    fake.fail_connection("GetCallerIdentity")
    headers = {"Authorization": scope("sts", "us-east-1"), **FORM}
    body = "Action=GetCallerIdentity&Version=2011-06-15"
    with pytest.raises(http.client.RemoteDisconnected):
        send(server, "POST", "/", body, headers)
    assert send(server, "POST", "/", body, headers).status == 200
    assert [c.status for c in fake.calls] == [0, 200]


def test_a_bug_in_the_fake_is_a_500_without_a_traceback(
    server: FakeServer, fake: FakeAWS, monkeypatch: pytest.MonkeyPatch, caplog: Any
) -> None:
    """An exception in the engine answers InternalFailure; the traceback stays in the log."""

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("secret internals")

    monkeypatch.setattr(fake._backend, "handle", broken)
    with caplog.at_level(logging.ERROR, "slrkit.serve"):
        answer = send(server, "GET", "/domains/acme", headers={"Authorization": scope("profile")})
    assert (answer.status, answer.headers["x-amzn-ErrorType"]) == (500, "InternalFailure")
    assert b"secret internals" not in answer.body
    assert "Traceback" not in answer.body.decode()
    assert "RuntimeError: secret internals" in caplog.text


# -- bad requests --------------------------------------------------------------------------

IAM = {"Authorization": scope("iam", "us-east-1"), **FORM}
PROFILE = {"Authorization": scope("profile"), "Content-Type": "application/json"}
GARBLED = "AWS4-HMAC-SHA256 Signature=0123"


@pytest.mark.parametrize(
    ("method", "path", "body", "headers", "status", "code"),
    [
        pytest.param("GET", "/no/such/path", b"", PROFILE, 404, "UnknownOperationException",
                     id="rest-json unknown operation"),
        pytest.param("PATCH", "/domains/acme", b"{}", PROFILE, 404, "UnknownOperationException",
                     id="rest-json wrong method"),
        pytest.param("POST", "/domains/acme", b"{oops", PROFILE, 400, "BadRequestException",
                     id="rest-json malformed body"),
        pytest.param("GET", "/domains/acme", b"", {}, 403, "MissingAuthenticationTokenException",
                     id="rest-json no Authorization"),
        pytest.param("GET", "/domains/acme", b"", {"Authorization": GARBLED}, 403,
                     "IncompleteSignatureException", id="rest-json garbled Authorization"),
        pytest.param("GET", "/bucket", b"", {"Authorization": scope("s3")}, 501, "NotImplemented",
                     id="unknown service"),
        pytest.param("POST", "/", b"Action=Nope&Version=2010-05-08", IAM, 400, "InvalidAction",
                     id="query unknown action"),
        pytest.param("POST", "/", b"Version=2010-05-08", IAM, 400, "MissingAction",
                     id="query missing action"),
        pytest.param("PUT", "/", b"Action=ListRoles&Version=2010-05-08", IAM, 400,
                     "InvalidAction", id="query wrong method"),
        pytest.param("POST", "/", b"Action=\xff\xfe", IAM, 400, "MalformedQueryString",
                     id="query body not a form"),
        pytest.param("POST", "/", b"Action=ListRoles&Version=2010-05-08&MaxItems=lots", IAM,
                     400, "ValidationError", id="query malformed parameter"),
        pytest.param("POST", "/", b"Action=ListRoles&Version=2010-05-08", FORM, 403,
                     "MissingAuthenticationToken", id="query no Authorization"),
        pytest.param("POST", "/", b"Action=ListRoles", {**FORM, "Authorization": GARBLED}, 400,
                     "IncompleteSignature", id="query garbled Authorization"),
        pytest.param("POST", "/", b"Action=CreateUser&Version=2010-05-08&UserName=x", IAM, 501,
                     "NotImplemented", id="operation the fake does not serve"),
        pytest.param("GET", "/domains/acme/segment-estimates/e", b"", PROFILE, 501,
                     "NotImplemented", id="operation the codecs could not compile"),
    ],
)  # fmt: skip
def test_bad_requests_get_the_protocols_error_shape(
    server: FakeServer,
    *,
    method: str,
    path: str,
    body: bytes,
    headers: dict[str, str],
    status: int,
    code: str,
) -> None:
    """Each bad request gets its AWS error, in the protocol's shape, and the server carries on."""
    answer = send(server, method, path, body, headers)
    assert answer.status == status
    assert answer.headers["x-amzn-RequestId"]
    if answer.headers["Content-Type"] == "text/xml":
        error = ET.fromstring(answer.body)  # noqa: S314  # our own server's answer
        namespace = error.tag.partition("}")[0] + "}"
        assert error.tag == f"{namespace}ErrorResponse"
        assert error.findtext(f"{namespace}Error/{namespace}Code") == code
        assert error.findtext(f"{namespace}Error/{namespace}Message")
        assert error.findtext(f"{namespace}RequestId")
    else:
        assert answer.headers["x-amzn-ErrorType"] == code
        assert set(answer.json()) == {"Message"}
    assert b"Traceback" not in answer.body
    assert admin(server, "health")["status"] == "ok"


def test_bodies_the_server_will_not_read_close_the_connection(server: FakeServer) -> None:
    """A chunked or oversized body is refused (411, 413) and the connection closed, no hang."""
    for header, value, status in (
        ("Transfer-Encoding", "chunked", 411),
        ("Content-Length", str(2 << 20), 413),
    ):
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
        try:
            connection.putrequest("POST", "/domains/acme")
            connection.putheader("Authorization", scope("profile"))
            connection.putheader(header, value)
            connection.endheaders()
            response = connection.getresponse()
            assert (response.status, response.getheader("Connection")) == (status, "close")
            assert response.getheader("x-amzn-ErrorType")
            response.read()
        finally:
            connection.close()


# -- admin endpoints -------------------------------------------------------------------------


def test_admin_reads_health_state_and_calls(
    server: FakeServer, fake: FakeAWS, clients: Clients, tmp_path: Path
) -> None:
    """health shows the virtual time, state the document save writes, calls the call log."""
    clients.cp.create_domain(DomainName="acme", DefaultExpirationDays=3)
    health = admin(server, "health")
    assert health == {
        "status": "ok",
        "account_id": "123456789012",
        "now": "2025-01-01T00:00:00+00:00",
        "monotonic": 0.0,
        "time_scale": 0.0,
    }
    fake.save(tmp_path / "saved.json")
    assert admin(server, "state") == json.loads((tmp_path / "saved.json").read_text())
    [call] = admin(server, "calls")["calls"]
    assert call == {
        "service": "customer-profiles",
        "operation": "CreateDomain",
        "region": REGION,
        "account_id": "123456789012",
        "params": {"DomainName": "acme", "DefaultExpirationDays": 3},
        "status": 200,
        "error_code": None,
        "at": 0.0,
    }


def test_admin_loads_data_advances_and_resets(server: FakeServer, clients: Clients) -> None:
    """load-data and clear-data set a domain's stats; advance moves time; reset forgets all."""
    cp = clients.cp
    cp.create_domain(DomainName="acme", DefaultExpirationDays=3)
    args = {"domain_name": "acme", "region": REGION}
    admin(server, "load-data", {**args, "profiles": 12, "objects": 3})
    stats = cp.get_domain(DomainName="acme")["Stats"]
    assert (stats["ProfileCount"], stats["ObjectCount"]) == (12, 3)
    admin(server, "clear-data", args)
    assert cp.get_domain(DomainName="acme")["Stats"]["ProfileCount"] == 0
    assert admin(server, "advance", {"seconds": 90})["now"] == "2025-01-01T00:01:30+00:00"
    assert admin(server, "reset", {})["monotonic"] == 0
    assert cp.list_domains()["Items"] == []


def test_admin_sets_latency_and_rate_limits_and_clears_them(
    server: FakeServer, fake: FakeAWS, clients: Clients
) -> None:
    """set-latency costs virtual time per call, rate-limit throttles, clear-faults undoes both."""
    iam = clients_of(server, config=NO_RETRIES).iam
    try:
        admin(server, "set-latency", {"operation": "iam:ListRoles", "seconds": 2.5})
        iam.list_roles()
        assert fake.clock.monotonic() == 2.5
        admin(server, "rate-limit", {"operation": "ListRoles", "per_second": 0.001, "burst": 1})
        iam.list_roles()
        with pytest.raises(ClientError, match="Throttling"):
            iam.list_roles()
        admin(server, "clear-faults", {})
        iam.list_roles()
        assert fake.clock.monotonic() == 7.5
        admin(server, "fail-connection", {"operation": "ListRoles", "kind": "read-timeout"})
        with pytest.raises(BotoCoreError):
            iam.list_roles()
        assert fake.calls_to("ListRoles")[-1].error_code == "read-timeout"
    finally:
        iam.close()


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "message"),
    [
        ("GET", "/_slrkit/nothing", b"", 404, "no admin endpoint /_slrkit/nothing; there are:"),
        ("GET", "/_slrkit/advance", b"", 405, "/_slrkit/advance takes POST, not GET"),
        ("POST", "/_slrkit/state", b"", 405, "/_slrkit/state takes GET, not POST"),
        ("POST", "/_slrkit/advance", b"{", 400, "the body of advance is not JSON"),
        ("POST", "/_slrkit/advance", b"[1]", 400, "the body of advance must be a JSON object"),
        ("POST", "/_slrkit/advance", b"{}", 400, "advance takes seconds; missing: seconds"),
        ("POST", "/_slrkit/reset", b'{"hard": true}', 400, "reset takes no arguments; unknown"),
        ("POST", "/_slrkit/advance", b'{"seconds": "5"}', 400,
         "seconds='5' is invalid: must be a finite number >= 0"),
        ("POST", "/_slrkit/fail", b'{"operation": "GetDomain", "code": "X", "times": true}',
         400, "times=True is invalid: must be an integer from 1 to 1000000000000"),
        ("POST", "/_slrkit/advance", b'{"seconds": -1}', 400,
         "seconds=-1 is invalid: must be a finite number >= 0"),
        ("POST", "/_slrkit/fail", b'{"operation": "Nope", "code": "X"}', 400,
         "operation='Nope' is invalid: is not an operation the fake serves"),
        ("POST", "/_slrkit/load-data",
         b'{"domain_name": "gone", "region": "eu-west-2", "profiles": 1}', 404, "no domain"),
        ("POST", "/_slrkit/fail", b'{"operation": "GetDomain", "code": "X", "status": 0}', 400,
         "status=0 is invalid: must be from 400 to 599"),
        ("POST", "/_slrkit/fail", b'{"operation": "GetDomain", "code": "X", "status": 99}', 400,
         "status=99 is invalid: must be from 400 to 599"),
        ("POST", "/_slrkit/fail", b'{"operation": "GetDomain", "code": "X", "status": 1000}',
         400, "status=1000 is invalid: must be from 400 to 599"),
        ("POST", "/_slrkit/advance", b'{"seconds": 1e308}', 400,
         "virtual time may not pass 9999-12-31"),
        ("POST", "/_slrkit/advance", b'{"seconds": 300000000000}', 400,
         "virtual time may not pass 9999-12-31"),
        ("POST", "/_slrkit/set-latency", b'{"operation": "GetRole", "seconds": 1e308}', 400,
         "seconds=1e+308 is invalid: must be a finite number from 0 to 86400"),
        ("POST", "/_slrkit/advance", b'{"seconds": NaN}', 400, "seconds=nan is invalid"),
    ],
)  # fmt: skip
def test_admin_errors_name_the_problem(
    server: FakeServer, *, method: str, path: str, body: bytes, status: int, message: str
) -> None:
    """Bad admin requests answer a JSON error with the right status and the rule, change
    nothing, and the server carries on (no dropped connection, no malformed status line)."""
    answer = send(server, method, path, body, JSON if method == "POST" else {})
    assert answer.status == status
    assert message in answer.json()["error"]
    assert admin(server, "health")["monotonic"] == 0
    assert send(server, "GET", "/domains/x", headers={"Authorization": scope("profile")}).status
    assert server.fake.calls_to("GetDomain")[-1].error_code == "ResourceNotFoundException"


def test_time_stops_at_its_end_while_the_server_runs(fake: FakeAWS) -> None:
    """A fast server near the end of virtual time keeps answering; time stops at 9999-12-31."""
    fake.advance(fake.clock.remaining() - 1)
    with FakeServer(fake, time_scale=1e6) as server:
        time.sleep(0.01)  # ten thousand virtual seconds, past the end
        assert admin(server, "health")["now"] == "9999-12-31T00:00:00+00:00"


# -- concurrency, logging, lifecycle --------------------------------------------------------


def test_parallel_clients_leave_exact_state(server: FakeServer, fake: FakeAWS) -> None:
    """Eight threads creating, reading and deleting domains at once leave exactly their state."""
    per_thread, threads = 10, 8
    session = session_of()
    made = [
        session.client("customer-profiles", endpoint_url=server.endpoint_url)
        for _ in range(threads)
    ]

    def work(index: int) -> None:
        cp = made[index]
        for n in range(per_thread):
            name = f"t{index}-{n}"
            cp.create_domain(DomainName=name, DefaultExpirationDays=1 + n)
            assert cp.get_domain(DomainName=name)["DefaultExpirationDays"] == 1 + n
            if n % 2:
                cp.delete_domain(DomainName=name)

    try:
        with ThreadPoolExecutor(threads) as pool:
            list(pool.map(work, range(threads)))
    finally:
        for client in made:
            client.close()
    kept = sorted(f"t{i}-{n}" for i in range(threads) for n in range(0, per_thread, 2))
    assert list(fake.domains(REGION)) == kept
    assert len(fake.roles_in_use()) == len(kept)
    fake.advance(60)
    assert set(fake.linked_roles()) == set(fake.roles_in_use())
    assert len(fake.calls) == threads * per_thread * 5 // 2
    assert all(call.ok for call in fake.calls)


def test_requests_are_logged_at_debug_without_credentials(
    server: FakeServer, clients: Clients, caplog: Any
) -> None:
    """One DEBUG line per request names method, path, service, operation and status only."""
    with caplog.at_level(logging.DEBUG, "slrkit.serve"):
        clients.cp.create_domain(DomainName="acme", DefaultExpirationDays=3)
        presigned = f"/?Action=GetCallerIdentity&X-Amz-Credential={ACCESS_KEY}%2F20260101%2F"
        send(server, "GET", presigned + "us-east-1%2Fsts%2Faws4_request&X-Amz-Signature=abc")
    assert [r.getMessage() for r in caplog.records if r.name == "slrkit.serve"] == [
        "POST /domains/acme -> customer-profiles CreateDomain: 200",
        "GET / -> sts GetCallerIdentity: 200",
    ]
    for secret in (ACCESS_KEY, SECRET_KEY, "Signature", "Credential"):
        assert secret not in caplog.text


def test_call_log_of_a_long_running_server_stays_bounded(
    server: FakeServer, fake: FakeAWS, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past twice the limit, the server keeps only the newest calls in the fake's log."""
    monkeypatch.setattr(_server, "_MAX_CALLS", 2)
    headers = {"Authorization": scope("sts", "us-east-1"), **FORM}
    for _ in range(5):
        send(server, "POST", "/", "Action=GetCallerIdentity&Version=2011-06-15", headers)
    assert len(fake.calls) == 2


def test_stop_ends_keep_alive_connections_and_is_final(fake: FakeAWS) -> None:
    """stop closes open connections and the socket; stopping twice is fine, restarting is not."""
    server = FakeServer(fake, time_scale=0).start()
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        connection.request("GET", "/_slrkit/health")
        connection.getresponse().read()  # the connection stays open (HTTP/1.1 keep-alive)
        server.stop()
        server.stop()
        assert connection.sock is not None
        assert connection.sock.recv(1) == b""  # the server closed its end
    finally:
        connection.close()
    with pytest.raises(ConnectionRefusedError):
        send(server, "GET", "/_slrkit/health")
    with pytest.raises(RuntimeError, match="starts once"):
        server.start()
    assert not [t for t in threading.enumerate() if t.name == f"slrkit-serve-{server.port}"]


def test_the_server_waits_for_a_request_or_its_stop_without_polling(
    fake: FakeAWS, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Between requests the server thread sleeps with no timeout: it wakes for a request or
    for stop, so an idle server costs nothing and stop ends it at once, not at a next poll."""
    waits: list[float | None] = []

    class Recording(selectors.DefaultSelector):
        def select(self, timeout: float | None = None) -> list[tuple[selectors.SelectorKey, int]]:
            waits.append(timeout)
            return super().select(timeout)

    monkeypatch.setattr(selectors, "DefaultSelector", Recording)
    with FakeServer(fake, time_scale=0) as server:
        assert admin(server, "health")["status"] == "ok"
        assert admin(server, "health")["status"] == "ok"
    assert len(waits) >= 3  # a wait before each request, and one that the stop ended
    assert set(waits) == {None}
    assert not [t for t in threading.enumerate() if t.name == f"slrkit-serve-{server.port}"]


def test_a_client_accepted_as_the_server_stops_is_ended_unanswered(
    fake: FakeAWS, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A connection whose handler starts only after stop returned, with a request already
    waiting for it, gets no answer: nothing changes the fake after stop returns."""
    started, sent = threading.Event(), threading.Event()
    track = _server._HttpServer.track

    def late_track(http: _server._HttpServer, connection: socket.socket) -> None:
        started.set()
        assert sent.wait(10)
        track(http, connection)

    monkeypatch.setattr(_server._HttpServer, "track", late_track)
    server = FakeServer(fake, time_scale=0).start()
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        connection.connect()
        assert started.wait(10)  # accepted; its handler has not tracked it yet
        server.stop()
        body = json.dumps({"seconds": 3600})
        connection.request("POST", "/_slrkit/advance", body=body, headers=JSON)
        sent.set()
        with pytest.raises(ConnectionError):  # closed with no answer
            connection.getresponse()
    finally:
        connection.close()
    assert fake.clock.monotonic() == 0


class _HeldAnswer:
    """A server whose admin answers wait for `go_on`, a client asking it to advance 60 s, and
    stops that note the virtual time when they return.

    `answering` is set when the answer has begun, `ended` when a stop has ended the
    connections (and so waits for the answer).
    """

    def __init__(self, fake: FakeAWS, monkeypatch: pytest.MonkeyPatch) -> None:
        self.answering, self.ended, self.go_on = (threading.Event() for _ in range(3))
        self.when_stopped: list[float] = []
        answer, end = AdminApi.answer, _server._end

        def held_answer(admin: AdminApi, *args: Any) -> tuple[int, bytes]:
            self.answering.set()
            assert self.go_on.wait(10)
            return answer(admin, *args)

        def noted_end(connection: socket.socket) -> None:
            end(connection)
            self.ended.set()

        monkeypatch.setattr(AdminApi, "answer", held_answer)
        monkeypatch.setattr(_server, "_end", noted_end)
        self.fake = fake
        self.server = FakeServer(fake, time_scale=0).start()
        self.client = threading.Thread(target=self._advance)
        self.client.start()
        assert self.answering.wait(10)

    def _advance(self) -> None:
        with contextlib.suppress(ConnectionError):  # the answer may be cut off by the stop
            send(self.server, "POST", "/_slrkit/advance", b'{"seconds": 60}', JSON)

    def stopper(self) -> threading.Thread:
        """A started thread that stops the server, then notes the virtual time."""

        def stop() -> None:
            self.server.stop()
            self.when_stopped.append(self.fake.clock.monotonic())

        thread = threading.Thread(target=stop)
        thread.start()
        return thread


def test_stop_returns_once_the_request_being_answered_has_changed_the_fake(
    fake: FakeAWS, monkeypatch: pytest.MonkeyPatch
) -> None:
    """stop ends the connections, then waits for the requests being answered: what they change
    is in the fake when it returns (their clients may get no answer)."""
    held = _HeldAnswer(fake, monkeypatch)
    stopper = held.stopper()
    assert held.ended.wait(10)  # the connection is ended; stop now waits for the answer
    held.go_on.set()
    stopper.join(10)
    held.client.join(10)
    assert held.when_stopped == [60]


def test_a_second_stop_returns_when_the_first_is_done(
    fake: FakeAWS, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A stop called while another waits for an answer (a fixture's stop after the test's own)
    returns after it, with the answer's change in the fake."""
    held = _HeldAnswer(fake, monkeypatch)
    lock = _NotedLock()
    held.server._stop_lock = lock  # type: ignore[assignment]  # a lock that says when one waits
    first = held.stopper()
    assert held.ended.wait(10)  # the first stop waits for the answer
    second = held.stopper()
    assert lock.waiting.wait(10)  # the second waits for the first
    held.go_on.set()
    for thread in (first, second, held.client):
        thread.join(10)
    assert held.when_stopped == [60, 60]


class _NotedLock:
    """A lock whose `waiting` is set when a thread finds it held."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.waiting = threading.Event()

    def __enter__(self) -> None:
        if not self._lock.acquire(blocking=False):
            self.waiting.set()
            self._lock.acquire()

    def __exit__(self, *exc: object) -> None:
        self._lock.release()


def test_a_stop_cut_short_closes_the_socket_and_can_be_made_again(
    fake: FakeAWS, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C while stop waits for an answer: the socket is closed all the same, and the next
    stop finishes the job."""
    close_connections = _server._HttpServer.close_connections

    def interrupted(http: _server._HttpServer) -> None:
        close_connections(http)
        raise KeyboardInterrupt

    server = FakeServer(fake, time_scale=0).start()
    with monkeypatch.context() as patch:
        patch.setattr(_server._HttpServer, "close_connections", interrupted)
        with pytest.raises(KeyboardInterrupt):
            server.stop()
    with pytest.raises(ConnectionRefusedError):
        send(server, "GET", "/_slrkit/health")
    server.stop()
    with pytest.raises(RuntimeError, match="starts once"):
        server.start()
    gc.collect()  # an unclosed socket would warn here, and warnings fail the suite


def test_a_request_whose_body_ends_early_changes_nothing(fake: FakeAWS) -> None:
    """A client that leaves before its whole body is sent gets a 400 and the fake is
    unchanged, though the part sent would read as a whole request."""
    body = b'{"seconds": 60}' + b" " * 9
    with (
        FakeServer(fake, time_scale=0) as server,
        socket.create_connection(("127.0.0.1", server.port), timeout=10) as connection,
    ):
        connection.sendall(
            b"POST /_slrkit/advance HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            + f"Content-Length: {len(body)}\r\n\r\n".encode()
            + body[:-9]
        )
        connection.shutdown(socket.SHUT_WR)
        answer = connection.makefile("rb").read()
    assert answer.startswith(b"HTTP/1.1 400 ")
    assert b"the body ended before its Content-Length" in answer
    assert fake.clock.monotonic() == 0


def test_a_server_whose_thread_cannot_start_still_closes(
    fake: FakeAWS, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A thread the system refuses leaves a server that stop closes, socket and all."""

    def refuse(thread: threading.Thread) -> None:
        raise RuntimeError("can't start new thread")

    server = FakeServer(fake, time_scale=0)
    with monkeypatch.context() as patch:
        patch.setattr(threading.Thread, "start", refuse)
        with pytest.raises(RuntimeError, match="can't start new thread"):
            server.start()
    server.stop()
    with pytest.raises(ConnectionRefusedError):
        send(server, "GET", "/_slrkit/health")
    gc.collect()  # an unclosed socket would warn here, and warnings fail the suite


def test_a_server_that_cannot_make_its_socket_leaves_nothing_open(
    fake: FakeAWS, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No IPv6 on the machine: ``::1`` fails with the system's error, and no socket is left for
    the garbage collector to warn about."""
    real = socket.socket

    class NoIpv6(real):  # type: ignore[misc,valid-type]  # socket.socket, replaced for the test
        def __init__(self, family: int = -1, *args: Any, **kwargs: Any) -> None:
            if family == socket.AF_INET6:
                raise OSError(errno.EAFNOSUPPORT, "Address family not supported by protocol")
            super().__init__(family, *args, **kwargs)

    monkeypatch.setattr(socket, "socket", NoIpv6)
    with pytest.raises(OSError, match="Address family not supported"):
        FakeServer(fake, host="::1")
    gc.collect()


def test_only_loopback_unless_allowed() -> None:
    """A non-loopback host is refused before anything is bound, unless allow_remote."""
    assert all(is_loopback(host) for host in ("127.0.0.1", "127.0.0.2", "::1", "localhost"))
    assert not any(is_loopback(host) for host in ("0.0.0.0", "", "10.1.2.3", "::"))  # noqa: S104
    with pytest.raises(ValueError, match="allow_remote=True"):
        FakeServer(host="0.0.0.0")  # noqa: S104  # refused: the point of the test


def test_ipv6_loopback_endpoint_url_has_brackets(fake: FakeAWS) -> None:
    """Served on ::1, the endpoint URL brackets the address, and clients reach it."""
    with FakeServer(fake, host="::1", time_scale=0) as server:
        assert server.endpoint_url == f"http://[::1]:{server.port}"
        sts = clients_of(server).sts
        try:
            assert sts.get_caller_identity()["Account"] == fake.account_id
        finally:
            sts.close()
