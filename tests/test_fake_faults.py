"""Fault injection, latency, rate limits, and botocore's retries on virtual time."""

# pyright: reportUnknownMemberType=false, reportTypedDictNotRequiredAccess=false
# (boto3-stubs type `Session.client` per service, most not installed; and a test may
# index what it asserts is present.)

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError, EndpointConnectionError, ReadTimeoutError

if TYPE_CHECKING:
    from mypy_boto3_customer_profiles.client import CustomerProfilesClient
    from mypy_boto3_iam.client import IAMClient

    from slrkit.testing import FakeAWS

REGION = "eu-west-2"


@pytest.mark.parametrize(
    ("operation", "code", "status"),
    [("GetDomain", "ThrottlingException", 429), ("iam:ListRoles", "Throttling", 400)],
)
def test_two_throttles_then_success_takes_no_wall_time(
    fake: FakeAWS, operation: str, code: str, status: int
) -> None:
    """botocore retries injected throttles; the back-off is virtual and RetryAttempts is 2."""
    session = fake.session(REGION)
    cp, iam = session.client("customer-profiles"), session.client("iam")
    cp.create_domain(DomainName="acme", DefaultExpirationDays=1)
    fake.clear_calls()
    fake.fail(operation, code=code, times=2)
    started, virtual = time.perf_counter(), fake.clock.monotonic()
    if operation == "GetDomain":
        response = cp.get_domain(DomainName="acme")["ResponseMetadata"]
    else:
        response = iam.list_roles()["ResponseMetadata"]
    assert time.perf_counter() - started < 0.5
    assert response["RetryAttempts"] == 2
    assert [(c.status, c.error_code) for c in fake.calls] == [
        (status, code),
        (status, code),
        (200, None),
    ]
    assert len(fake.retry_sleeps) == 2
    assert fake.clock.monotonic() - virtual == pytest.approx(sum(fake.retry_sleeps))


def test_persistent_throttling_ends_after_max_attempts(
    fake: FakeAWS, cp: CustomerProfilesClient
) -> None:
    """Standard mode gives up after 3 attempts with the throttling error."""
    fake.fail("GetDomain", code="ThrottlingException", times=10)
    with pytest.raises(cp.exceptions.ThrottlingException):
        cp.get_domain(DomainName="acme")
    assert len(fake.calls_to("GetDomain")) == 3


def test_client_config_chooses_max_attempts(fake: FakeAWS) -> None:
    """A client's own retry config is honoured: 5 total attempts."""
    iam = fake.session().client("iam", config=Config(retries={"total_max_attempts": 5}))
    fake.fail("GetRole", code="Throttling", times=10)
    with pytest.raises(ClientError):
        iam.get_role(RoleName="x")
    assert len(fake.calls_to("GetRole")) == 5


@pytest.mark.parametrize("mode", ["legacy", "adaptive"])
def test_other_retry_modes_also_back_off_on_virtual_time(fake: FakeAWS, mode: str) -> None:
    """Legacy and adaptive modes retry throttles too, without real sleeps."""
    iam = fake.session(retry_mode=mode).client("iam")  # type: ignore[arg-type]
    fake.fail("GetRole", code="Throttling", times=2)
    started = time.perf_counter()
    with pytest.raises(iam.exceptions.NoSuchEntityException) as caught:
        iam.get_role(RoleName="x")
    assert caught.value.response["ResponseMetadata"]["RetryAttempts"] == 2
    assert time.perf_counter() - started < 0.5
    assert fake.retry_sleeps


def test_adaptive_mode_waits_even_late_in_virtual_time(fake: FakeAWS) -> None:
    """A year into virtual time, the adaptive limiter's short waits still move the clock."""
    fake.advance(365 * 86_400)
    iam = fake.session(retry_mode="adaptive").client("iam")
    for _ in range(10):
        fake.fail("GetRole", code="Throttling", times=2)
        with pytest.raises(iam.exceptions.NoSuchEntityException):
            iam.get_role(RoleName="x")
    assert len(fake.retry_sleeps) < 200


def test_fail_uses_the_models_status_and_modeled_exception(
    fake: FakeAWS, cp: CustomerProfilesClient
) -> None:
    """An injected modeled error parses to its exception class with the model's status."""
    fake.fail("GetDomain", code="AccessDeniedException", message="no")
    with pytest.raises(cp.exceptions.AccessDeniedException, match="no") as caught:
        cp.get_domain(DomainName="acme")
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


def test_fail_refuses_unknown_codes_without_status(fake: FakeAWS) -> None:
    """In strict mode a made-up code needs an explicit status; with one it is sent."""
    with pytest.raises(ValueError, match="TotallyMadeUp"):
        fake.fail("GetDomain", code="TotallyMadeUp")
    fake.fail("GetDomain", code="TotallyMadeUp", status=418)
    cp = fake.session(REGION).client("customer-profiles")
    with pytest.raises(ClientError) as caught:
        cp.get_domain(DomainName="acme")
    assert caught.value.response["Error"]["Code"] == "TotallyMadeUp"


@pytest.mark.parametrize("operation", ["Nope", "iam:GetDomain"])
def test_fault_helpers_refuse_unknown_operations(fake: FakeAWS, operation: str) -> None:
    """Typos in operation names fail loudly instead of injecting nothing."""
    with pytest.raises(ValueError, match="not an operation"):
        fake.fail(operation, code="Throttling")


@pytest.mark.parametrize(
    ("kind", "error"),
    [("connect", EndpointConnectionError), ("read-timeout", ReadTimeoutError)],
)
def test_connection_faults_are_retried_like_network_errors(
    fake: FakeAWS, kind: str, error: type[Exception]
) -> None:
    """One dropped connection is retried; three exhaust standard mode's attempts."""
    sts = fake.session().client("sts")
    fake.fail_connection("GetCallerIdentity", kind=kind)  # type: ignore[arg-type]
    assert sts.get_caller_identity()["ResponseMetadata"]["RetryAttempts"] == 1
    fake.fail_connection("GetCallerIdentity", kind=kind, times=3)  # type: ignore[arg-type]
    with pytest.raises(error):
        sts.get_caller_identity()
    assert [c.error_code for c in fake.calls][-3:] == [kind] * 3


def test_latency_advances_virtual_time_per_call(fake: FakeAWS, cp: CustomerProfilesClient) -> None:
    """set_latency makes every attempt take virtual seconds, visible in RecordedCall.at."""
    fake.set_latency("ListDomains", 1.5)
    cp.list_domains()
    cp.list_domains()
    assert [c.at for c in fake.calls] == [1.5, 3.0]


def test_rate_limit_throttles_without_changing_state(fake: FakeAWS) -> None:
    """Beyond the bucket, CreateDomain is throttled (429) and creates nothing."""
    cp = fake.session(REGION).client(
        "customer-profiles", config=Config(retries={"total_max_attempts": 1})
    )
    fake.rate_limit("CreateDomain", 1, burst=2)
    cp.create_domain(DomainName="a", DefaultExpirationDays=1)
    cp.create_domain(DomainName="b", DefaultExpirationDays=1)
    with pytest.raises(cp.exceptions.ThrottlingException) as caught:
        cp.create_domain(DomainName="c", DefaultExpirationDays=1)
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 429
    assert fake.domains(REGION) == ("a", "b")
    fake.advance(1)
    cp.create_domain(DomainName="c", DefaultExpirationDays=1)
    other_region = fake.session("us-east-1").client("customer-profiles")
    other_region.create_domain(DomainName="d", DefaultExpirationDays=1)


def test_iam_rate_limit_is_global_and_retried(fake: FakeAWS, iam: IAMClient) -> None:
    """IAM's bucket is shared by every region; botocore's virtual back-off refills it."""
    fake.add_role("r")
    # botocore's jitter is its own and unseeded: a fast refill and ten attempts leave no
    # realistic draw of back-offs too short to refill the bucket.
    fake.rate_limit("GetRole", 100, burst=1)
    config = Config(retries={"mode": "standard", "total_max_attempts": 10})
    other = fake.session("ap-southeast-2").client("iam", config=config)
    iam.get_role(RoleName="r")
    response = other.get_role(RoleName="r")
    assert response["ResponseMetadata"]["RetryAttempts"] >= 1
    assert [c.error_code for c in fake.calls].count("Throttling") >= 1


def test_clear_faults_and_reset(fake: FakeAWS, cp: CustomerProfilesClient) -> None:
    """clear_faults drops pending faults; reset forgets state, calls and time."""
    fake.fail("ListDomains", code="ThrottlingException", times=5)
    fake.clear_faults()
    cp.create_domain(DomainName="acme", DefaultExpirationDays=1)
    assert cp.list_domains()["ResponseMetadata"]["RetryAttempts"] == 0
    fake.advance(10)
    fake.reset()
    assert (fake.calls, fake.domains(REGION), fake.clock.monotonic()) == ((), (), 0.0)
