"""Every public FakeAWS method checks its arguments, and the fake's model checks the whole string.

A bool is not a number, a float must be finite, a count is a non-negative integer,
an account id is a string of twelve ASCII digits, time ends in the year 9999. A
bad argument raises `ValueError` naming the argument, the value and the rule, and
changes nothing.
"""

# pyright: reportUnknownMemberType=false, reportTypedDictNotRequiredAccess=false
# (boto3-stubs type `Session.client` per service, most not installed; and a test may
# index what it asserts is present.)

from __future__ import annotations

import datetime as dt
import math
from typing import TYPE_CHECKING, Any

import pytest
from botocore.exceptions import ClientError

from slrkit._fake._shapes import compile_pattern
from slrkit._fake._wire import HttpRequest
from slrkit.testing import FakeAWS

if TYPE_CHECKING:
    from collections.abc import Callable

REGION = "eu-west-2"
NAN = math.nan
ARABIC_ACCOUNT = "١٢٣٤٥٦٧٨٩٠١٢"  # twelve digits, but not 0-9


def with_domain() -> FakeAWS:
    fake = FakeAWS()
    fake.client("customer-profiles", REGION).create_domain(
        DomainName="acme", DefaultExpirationDays=3
    )
    return fake


# The calls take the fake as `Any`: they stand for untyped callers, which is the point.
BAD_CALLS: list[tuple[str, Callable[[Any], object], str]] = [
    ("advance", lambda f: f.advance(seconds=True), "seconds=True is invalid: must be a finite"),
    ("advance", lambda f: f.advance(NAN), "seconds=nan is invalid"),
    ("advance", lambda f: f.advance(-1), "seconds=-1 is invalid: must be a finite number >= 0"),
    ("advance", lambda f: f.advance(1e308), "virtual time may not pass 9999-12-31"),
    ("advance", lambda f: f.advance(300e9), "virtual time may not pass 9999-12-31"),
    ("fail", lambda f: f.fail("GetDomain", code="X", times=True), "times=True is invalid"),
    ("fail", lambda f: f.fail("GetDomain", code="X", times=0), "times=0 is invalid"),
    ("fail", lambda f: f.fail("GetDomain", code="X", after=-1), "after=-1 is invalid"),
    ("fail", lambda f: f.fail("GetDomain", code="X", after=2.5), "after=2.5 is invalid"),
    ("fail", lambda f: f.fail("GetDomain", code="X", status=0), "status=0 is invalid: must be"),
    ("fail", lambda f: f.fail("GetDomain", code="X", status=99), "status=99 is invalid"),
    ("fail", lambda f: f.fail("GetDomain", code="X", status=1000), "from 400 to 599"),
    ("fail", lambda f: f.fail("GetDomain", code="X\r\nSet-Cookie: a"), r"code='X\r\nSet"),
    ("fail", lambda f: f.fail("GetDomain", code=5), "code=5 is invalid"),
    ("fail", lambda f: f.fail(5, code="X"), "operation=5 is invalid"),
    ("fail_connection", lambda f: f.fail_connection("GetRole", times=1.0), "times=1.0"),
    ("fail_connection", lambda f: f.fail_connection("GetRole", kind="dns"), "kind='dns'"),
    ("set_latency", lambda f: f.set_latency("GetRole", 1e308), "from 0 to 86400"),
    ("set_latency", lambda f: f.set_latency("GetRole", NAN), "seconds=nan is invalid"),
    ("set_latency", lambda f: f.set_latency("GetRole", seconds=False), "seconds=False is invalid"),
    ("rate_limit", lambda f: f.rate_limit("GetRole", math.inf), "per_second=inf is invalid"),
    ("rate_limit", lambda f: f.rate_limit("GetRole", per_second=True), "per_second=True is"),
    ("rate_limit", lambda f: f.rate_limit("GetRole", 1, burst=NAN), "burst=nan is invalid"),
    ("load_data", lambda f: f.load_data("acme", region=REGION, profiles=True), "profiles=True"),
    ("load_data", lambda f: f.load_data("acme", region=REGION, profiles=-1), "profiles=-1"),
    ("load_data", lambda f: f.load_data("acme", region=REGION, profiles=1.5), "profiles=1.5"),
    ("load_data", lambda f: f.load_data("acme", region=REGION, profiles=10**13),
     "profiles=10000000000000 is invalid: must be from 0 to 1000000000000"),
    ("load_data", lambda f: f.load_data("acme", region=REGION, profiles=1, objects=-2),
     "objects=-2"),
    ("load_data", lambda f: f.load_data("acme", region=REGION, profiles=1,
                                        account_id=123456789012), "account_id=123456789012"),
    ("clear_data", lambda f: f.clear_data("acme", region=5), "region=5 is invalid"),
    ("domains", lambda f: f.domains(REGION, account_id=ARABIC_ACCOUNT), "12 digits 0-9"),
    ("add_linked_role", lambda f: f.add_linked_role(region=REGION, unique_id="a/b"),
     "unique_id='a/b' is invalid"),
    ("add_linked_role", lambda f: f.add_linked_role(region=REGION, unique_id="x" * 40),
     "must be 1 to 39 characters"),
    ("add_linked_role", lambda f: f.add_linked_role(
        region=REGION, created_at=dt.datetime(2025, 1, 1)),  # noqa: DTZ001  # the point
     "must be a timezone-aware datetime"),
    ("add_role", lambda f: f.add_role("bad name!"), "name='bad name!' is invalid"),
    ("add_role", lambda f: f.add_role("r", path="no-slashes"), "path='no-slashes'"),
    ("add_role", lambda f: f.add_role("r", policies="arn:aws:iam::aws:policy/X"),
     "must be a list of policy ARNs"),
    ("add_role", lambda f: f.add_role("r", policies=["not-an-arn"]), "policies='not-an-arn'"),
    ("roles", lambda f: f.roles(include_pending="yes"), "include_pending='yes'"),
    ("session", lambda f: f.session("eu west 2"), "region_name='eu west 2' is invalid"),
    ("session", lambda f: f.session(retry_mode="fast"), "retry_mode='fast' is invalid"),
    ("client", lambda f: f.client("s3"), "service_name='s3' is invalid"),
    ("account_id", lambda f: setattr(f, "account_id", 12), "account_id=12 is invalid"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("method", "call", "message"),
    BAD_CALLS,
    ids=[f"{m}-{n}" for n, (m, _, _) in enumerate(BAD_CALLS)],
)
def test_bad_arguments_raise_value_error_and_change_nothing(
    method: str, call: Callable[[Any], object], message: str
) -> None:
    """Each bad argument raises ValueError naming the argument, its value and the rule; the
    fake's state, faults, clock and account stay as they were."""
    del method
    fake = with_domain()
    before = (fake.clock.monotonic(), fake.roles(include_pending=True), fake.account_id)
    with pytest.raises(ValueError, match="is invalid") as raised:
        call(fake)
    assert message in str(raised.value)
    assert (fake.clock.monotonic(), fake.roles(include_pending=True), fake.account_id) == before
    assert fake.calls_to("GetDomain") == ()
    fake.client("customer-profiles", REGION).get_domain(DomainName="acme")  # no fault queued


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"account_id": 123456789012}, "account_id=123456789012 is invalid"),
        ({"account_id": ARABIC_ACCOUNT}, "must be a string of 12 digits 0-9"),
        ({"propagation_delay": True}, "propagation_delay=True is invalid"),
        ({"role_cleanup_delay": math.inf}, "role_cleanup_delay=inf is invalid"),
        ({"deletion_task_duration": -1}, "deletion_task_duration=-1 is invalid"),
        ({"seed": 1.5}, "seed=1.5 is invalid"),
        ({"seed": True}, "seed=True is invalid"),
        ({"strict": 1}, "strict=1 is invalid: must be True or False"),
        ({"start": dt.datetime(2025, 1, 1)}, "start="),  # noqa: DTZ001  # the point
        ({"start": dt.datetime(9999, 12, 31, 12, tzinfo=dt.timezone.utc)}, "before 9999-12-31"),
        ({"default_region": ""}, "default_region='' is invalid"),
    ],
)
def test_a_fake_is_made_only_from_valid_settings(arguments: dict[str, Any], message: str) -> None:
    """FakeAWS() checks its settings as strictly as its methods' arguments."""
    with pytest.raises(ValueError, match="is invalid") as raised:
        FakeAWS(**arguments)
    assert message in str(raised.value)


def test_time_runs_to_the_last_day_of_9999_and_stops_there() -> None:
    """The clock advances to the end of time exactly, and no further; dates still print."""
    fake = FakeAWS()
    fake.advance(fake.clock.remaining())
    assert fake.clock.now() == dt.datetime(9999, 12, 31, tzinfo=dt.timezone.utc)
    with pytest.raises(ValueError, match="may not pass 9999-12-31"):
        fake.advance(1)
    assert fake.clock.now().year == 9999


def test_a_domain_name_with_a_final_newline_is_refused_like_aws_does(fake: FakeAWS) -> None:
    """The model's `^[a-zA-Z0-9_-]+$` is matched against the whole name: 'acme\\n' is a
    BadRequestException, as AWS answers, not a new domain."""
    cp = fake.client("customer-profiles", REGION)
    with pytest.raises(ClientError) as raised:
        cp.create_domain(DomainName="acme\n", DefaultExpirationDays=3)
    assert raised.value.response["Error"]["Code"] == "BadRequestException"
    assert "acme" not in fake.domains(REGION)


@pytest.mark.parametrize(
    ("pattern", "value", "matches"),
    [
        (r"^[a-zA-Z0-9_-]+$", "acme", True),
        (r"^[a-zA-Z0-9_-]+$", "acme\n", False),
        (r"^[a-z]+$|^[0-9]+$", "42\n", False),
        (r"[a-z]+\$", "ab$", True),
        (r"[$a-z]+", "a$", True),
        (r"^arn:[a-z0-9]{1,10}:profile", "arn:aws:profile:x", True),
        (r"\d{12}", ARABIC_ACCOUNT, False),
        (r"[\p{Z}\d]+", "١٢", False),
        (r"[\p{Z}\d]+", "1 2", True),
        (r"[\p{L}\p{Z}\p{N}_.:/=+\-@]+", "équipe 1", True),
    ],
)
def test_model_patterns_match_the_whole_value_and_ascii_digits(
    pattern: str, value: str, matches: bool
) -> None:
    """A model pattern's `$` does not accept a final newline, and `\\d` means 0-9 even in a
    pattern with Unicode classes, as in the services' own regex engines."""
    assert bool(compile_pattern(pattern)(value)) is matches


@pytest.mark.parametrize(("score", "status"), [("0.5", 200), ("NaN", 400), ("Infinity", 400)])
def test_a_number_that_is_not_finite_breaks_the_model(score: str, status: int) -> None:
    """JSON's NaN or Infinity in a double member is a validation error, not a stored value
    (botocore's parser would read it back, and no AWS service sends one)."""
    fake = FakeAWS()
    body = (
        '{"DefaultExpirationDays": 3, "Matching": {"Enabled": true, "AutoMerging": '
        f'{{"Enabled": true, "MinAllowedConfidenceScoreForMerging": {score}}}}}}}'
    )
    response = fake._backend.handle(
        "customer-profiles",
        None,
        HttpRequest(
            method="POST",
            url=f"https://profile.{REGION}.amazonaws.com/domains/scored",
            headers={"Content-Type": "application/json"},
            body=body.encode(),
        ),
        account_id=fake.account_id,
        region=REGION,
    )
    assert response.status == status
    assert fake.domains(REGION) == (("scored",) if status == 200 else ())
