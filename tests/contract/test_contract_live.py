"""The road to a real account: refused unless asked twice, and what a run teaches the fake."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import attrs
import pytest

from slrkit.testing import Behaviour, FakeAWS, FakeServer

from .probe import ACCOUNT_VARIABLE, FAKE_PACE, Refused, Target, live_target, run_contract
from .serving import REGION, environment_of

if TYPE_CHECKING:
    from pathlib import Path

OTHER_ACCOUNT = "210987654321"


@pytest.mark.parametrize(
    ("option", "variable"),
    [
        ("123456789012", None),  # asked once only
        ("123456789012", OTHER_ACCOUNT),  # asked for two accounts
        ("12345", "12345"),  # not an account id
    ],
)
def test_a_live_run_not_asked_twice_alike_is_refused_without_a_call(
    tmp_path: Path, option: str, variable: str | None
) -> None:
    """The account must come from --aws-account and SLRKIT_CONTRACT_ACCOUNT alike: zero calls."""
    fake = FakeAWS()
    with (
        FakeServer(fake, time_scale=0) as server,
        environment_of(server, tmp_path, account=variable),
        pytest.raises(Refused, match=f"{ACCOUNT_VARIABLE}=ID") as caught,
    ):
        live_target(account=option, environ=os.environ, clock=fake.clock, pace=FAKE_PACE)
    assert "no call was made" in str(caught.value)
    assert fake.calls == ()


def test_a_region_without_customer_profiles_is_refused_without_a_call(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The session's region must be one of the ten, checked before any call."""
    fake = FakeAWS()
    with (
        FakeServer(fake, time_scale=0) as server,
        environment_of(server, tmp_path, account=fake.account_id),
    ):
        monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
        with pytest.raises(Refused, match="'eu-west-1' has no Customer Profiles"):
            live_target(account=fake.account_id, environ=os.environ, clock=fake.clock)
    assert fake.calls == ()


def test_credentials_of_another_account_are_refused_after_one_call(tmp_path: Path) -> None:
    """Asked twice for one account, credentials of another: GetCallerIdentity, then no more."""
    fake = FakeAWS()
    refused = f"belong to account {fake.account_id}, not {OTHER_ACCOUNT}"
    with (
        FakeServer(fake, time_scale=0) as server,
        environment_of(server, tmp_path, account=OTHER_ACCOUNT),
        pytest.raises(Refused, match=refused),
    ):
        live_target(account=OTHER_ACCOUNT, environ=os.environ, clock=fake.clock)
    assert [call.operation for call in fake.calls] == ["GetCallerIdentity"]


def test_a_run_teaches_the_fake_what_it_saw(tmp_path: Path) -> None:
    """Observations of a fake with other timings and forms give back that fake's behaviour."""
    seen = Behaviour(
        propagation_delay=7,
        role_cleanup_delay=30,
        deletion_task_duration=12,
        read_lag=4,
        task_retention=3,
        failed_task_retention=6,
        usage_region="eu-north-1",
        usage_resource="arn:{partition}:profile:{region}:{account_id}:domains/{domain}/",
        failure_reason="the domain uses the role",
    )
    fake = FakeAWS(behaviour=seen)
    target = Target(
        name="fake", session=fake.session(REGION), region=REGION, clock=fake.clock, pace=FAKE_PACE
    )
    run = run_contract(target)
    assert run.observations is not None
    path = tmp_path / "observations.json"
    run.observations.write(path)
    assert Behaviour.from_observations(path) == seen
    assert Behaviour.from_observations(path, base=Behaviour(short_pages=True)) == attrs.evolve(
        seen, short_pages=True
    )
    assert fake.domains(REGION) == ()
    assert fake.linked_roles() == ()


def test_a_failing_run_still_removes_what_it_made() -> None:
    """A run that fails half-way (the role never appears in time) leaves no domain behind."""
    fake = FakeAWS(behaviour=Behaviour(propagation_delay=FAKE_PACE.appear + 60))
    target = Target(
        name="fake", session=fake.session(REGION), region=REGION, clock=fake.clock, pace=FAKE_PACE
    )
    with pytest.raises(AssertionError, match="no service-linked role appeared"):
        run_contract(target)
    assert fake.domains(REGION) == ()
    assert [c.operation for c in fake.calls_to("DeleteDomain")] == ["DeleteDomain"]


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"{}", "not a slrkit contract observations file"),
        (b'{"format": "slrkit.testing/observations", "version": 9}', "version 9"),
        (
            b'{"format": "slrkit.testing/observations", "version": 1}',
            "is malformed: the document has no",
        ),
        (b"NaN", "not JSON"),
    ],
)
def test_a_file_that_is_not_observations_is_refused(
    tmp_path: Path, content: bytes, problem: str
) -> None:
    """from_observations reads only what the contract suite writes, naming what is wrong."""
    path = tmp_path / "observations.json"
    path.write_bytes(content)
    with pytest.raises(ValueError, match=problem):
        Behaviour.from_observations(path)
    with pytest.raises(FileNotFoundError):
        Behaviour.from_observations(tmp_path / "missing.json")
