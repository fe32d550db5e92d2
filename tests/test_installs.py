"""How slrkit meets the world outside its tests: its name, the caller's identity and region.

Issue 16: each test is something a new user hit on a fresh install.
"""

from __future__ import annotations

import random
import time
from importlib.metadata import distribution
from pathlib import Path
from typing import TYPE_CHECKING, Final

import boto3
import pytest

import slrkit
from slrkit import InvalidInputError, ProfilesKit, RetryPolicy, UnsupportedRegionError
from slrkit.testing import FakeAWS

if TYPE_CHECKING:
    from mypy_boto3_sts.client import STSClient

REGION: Final = "eu-west-2"
ROOT: Final = Path(__file__).parent.parent


def test_the_distribution_has_a_name_of_its_own() -> None:
    """slrkit installs as slrkit-aws (``slrkit`` on PyPI is another project), and every install
    line and error text says so."""
    meta = distribution("slrkit-aws").metadata
    assert meta["Name"] == "slrkit-aws"
    assert meta["License-Expression"] == "MIT"
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "pip install slrkit-aws" in readme
    assert "'slrkit[" not in readme
    requirements = (ROOT / "examples" / "pulumi_program" / "requirements.txt").read_text()
    assert requirements.split() == ["slrkit-aws[pulumi]"]


def test_the_repository_ships_an_mit_licence() -> None:
    """LICENSE exists and is the MIT text the metadata declares (the package session checks
    that the sdist and the wheel carry it)."""
    assert (ROOT / "LICENSE").read_text(encoding="utf-8").startswith("MIT License")


def test_a_kit_built_from_clients_never_asks_the_default_credentials(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Clients for an assumed role, no sts_client and no account_id: the kit refuses at once,
    saying what to pass, instead of asking STS with the machine's default credentials."""
    fake = FakeAWS(account_id="210987654321")
    profiles = fake.client("customer-profiles", REGION)
    iam = fake.client("iam", REGION)
    default_chain: list[str] = []

    def default_session(*_: object, **__: object) -> None:
        default_chain.append("asked")

    monkeypatch.setattr(boto3, "Session", default_session)
    with pytest.raises(InvalidInputError, match="sts_client") as caught:
        ProfilesKit(REGION, profiles_client=profiles, iam_client=iam)
    assert caught.value.field == "sts_client"
    assert default_chain == []
    assert fake.calls == ()


def test_a_kit_learns_the_account_through_its_own_clients() -> None:
    """With the clients' own STS client, the account is theirs (account B), whatever the
    default credentials would say; the ARN the kit tags is account B's."""
    fake = FakeAWS(account_id="123456789012")
    other = "210987654321"
    sts: STSClient = fake.client("sts", REGION, account_id=other)
    kit = ProfilesKit(
        REGION,
        profiles_client=fake.client("customer-profiles", REGION, account_id=other),
        iam_client=fake.client("iam", REGION, account_id=other),
        sts_client=sts,
        clock=fake.clock,
    )
    result = kit.ensure_domain("acme", default_expiration_days=5)
    assert result.domain is not None
    assert result.domain.arn == f"arn:aws:profile:{REGION}:{other}:domains/acme"
    assert [c.account_id for c in fake.calls_to("GetCallerIdentity")] == [other]
    assert fake.domains(REGION, account_id=other) == ("acme",)


def test_half_a_pair_of_clients_without_a_session_is_refused() -> None:
    """One client and no session would mean building the other from the default credentials:
    refused, naming the client given."""
    fake = FakeAWS()
    with pytest.raises(InvalidInputError, match="together") as caught:
        ProfilesKit(REGION, profiles_client=fake.client("customer-profiles", REGION))
    assert caught.value.field == "profiles_client"


def test_the_region_comes_from_the_session() -> None:
    """``ProfilesKit(session=boto3.Session(region_name=...))`` needs no region of its own."""
    fake = FakeAWS()
    assert ProfilesKit(session=fake.session("ca-central-1")).region_name == "ca-central-1"


def test_the_region_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """With nothing else naming it, AWS_REGION (or AWS_DEFAULT_REGION) does, validated."""
    fake = FakeAWS()
    clients = {
        "profiles_client": fake.client("customer-profiles", "af-south-1"),
        "iam_client": fake.client("iam", "af-south-1"),
        "account_id": "123456789012",
    }
    assert ProfilesKit(**clients).region_name == "af-south-1"  # type: ignore[arg-type]
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    with pytest.raises(UnsupportedRegionError, match="closest supported region is 'eu-west-2'"):
        ProfilesKit()
    monkeypatch.setenv("AWS_REGION", "eu-west-2")
    assert ProfilesKit().region_name == "eu-west-2"


def test_a_retry_policy_yields_capped_delays_forever() -> None:
    """A policy of short waits under a long deadline reaches thousands of waits: each stays
    under the cap (``base * 2**n`` overflowed a float after about a thousand)."""
    delays = RetryPolicy(base=0.01, cap=0.05, deadline=1e6).delays(random.Random(1).random)
    waits = [next(delays) for _ in range(5000)]
    assert all(0 <= wait < 0.05 for wait in waits)
    assert max(waits[4000:]) > 0.04


def test_the_rate_limiter_is_public() -> None:
    """``ProfilesKit(rate_limiter=...)`` takes a `slrkit.RateLimiter`, which users can build."""
    fake = FakeAWS()
    limiter = slrkit.RateLimiter(slrkit.RateLimits(profiles_per_second=2), fake.clock)
    kit = ProfilesKit(REGION, session=fake.session(REGION), clock=fake.clock, rate_limiter=limiter)
    kit.list_domains()
    kit.list_domains()
    assert fake.clock.monotonic() >= 0.5
    assert "RateLimiter" in slrkit.__all__


def test_a_fleet_on_the_fake_waits_on_its_clock() -> None:
    """``FakeAWS.fleet()`` is a Fleet on the fake's clock; thirty domains are created and
    linked in virtual time, not in minutes of real sleep."""
    fake = FakeAWS()
    fleet = fake.fleet(regions=[REGION, "us-east-1", "ca-central-1"])
    specs = [
        slrkit.DomainSpec(name=f"d{n:02d}", region=region, default_expiration_days=5)
        for region in fleet.regions
        for n in range(10)
    ]
    started = time.monotonic()
    result = fleet.ensure_all(specs)
    assert result.failed == ()
    assert result.unlinked == ()
    assert fake.clock.monotonic() > 10 * fake.propagation_delay
    assert time.monotonic() - started < 30


@pytest.mark.parametrize("build", ["kit", "fleet"])
def test_a_kit_or_fleet_on_a_fake_session_uses_the_fakes_clock(build: str) -> None:
    """Given a session of the fake and no clock, a kit or a fleet waits on the fake's clock
    instead of sleeping for real while virtual time stands still."""
    fake = FakeAWS()
    session = fake.session(REGION)
    if build == "kit":
        result = ProfilesKit(REGION, session=session).ensure_domain(
            "acme", default_expiration_days=5
        )
        assert result.linked_role is not None
    else:
        fleet = slrkit.Fleet(session, regions=[REGION])
        [item] = fleet.ensure_all(
            [slrkit.DomainSpec(name="acme", region=REGION, default_expiration_days=5)]
        ).items
        assert item.ok
    assert fake.clock.monotonic() >= fake.propagation_delay


def test_a_fleet_over_two_fakes_must_be_told_its_clock() -> None:
    """Sessions of two fakes run on two clocks: the fleet says so instead of picking one."""
    with pytest.raises(InvalidInputError, match="different clocks") as caught:
        slrkit.Fleet({"a": FakeAWS().session(REGION), "b": FakeAWS().session(REGION)})
    assert caught.value.field == "clock"
