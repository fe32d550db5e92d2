"""The contract suite's targets: the fake, the fake behind ``slrkit serve``, or a real account.

Without ``--aws-account`` every contract test runs twice: on a `FakeAWS` session,
and on plain `boto3.Session` objects that reach a `FakeServer` through the
``AWS_ENDPOINT_URL_*`` variables, along the path a real account takes
(`probe.live_target`). With it, only against that account, if the guard lets it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from slrkit.testing import FakeAWS, FakeServer

from .probe import AWS_PACE, FAKE_PACE, Refused, Run, Target, live_target, run_contract
from .serving import REGION, environment_of

if TYPE_CHECKING:
    from collections.abc import Iterator


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Run each contract test on every target this run has."""
    if "target_name" in metafunc.fixturenames:
        live = metafunc.config.getoption("--aws-account") is not None
        metafunc.parametrize("target_name", ["aws"] if live else ["fake", "serve"], scope="module")


@pytest.fixture(scope="module")
def target(
    target_name: str, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Target]:
    """Where the module's run goes."""
    if target_name == "fake":
        fake = FakeAWS()
        yield Target(
            name="fake",
            session=fake.session(REGION),
            region=REGION,
            clock=fake.clock,
            pace=FAKE_PACE,
            fake=fake,
        )
        return
    if target_name == "serve":
        fake = FakeAWS()
        folder = tmp_path_factory.mktemp("serve")
        with (
            FakeServer(fake, time_scale=0) as server,
            environment_of(server, folder, account=fake.account_id),
        ):
            yield live_target(
                account=fake.account_id, environ=os.environ, clock=fake.clock, pace=FAKE_PACE
            )
        return
    account = str(request.config.getoption("--aws-account"))
    try:
        live = live_target(account=account, environ=os.environ, pace=AWS_PACE)
    except Refused as exc:
        pytest.exit(f"slrkit contract suite: {exc}", returncode=pytest.ExitCode.USAGE_ERROR)
    yield live


@pytest.fixture(scope="module")
def observations_path(
    target_name: str, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """Where the run's observations go."""
    chosen = request.config.getoption("--contract-observations")
    if chosen is not None:
        return Path(str(chosen))
    if target_name == "aws":
        return Path("contract-observations.json")
    return tmp_path_factory.mktemp("observations") / f"{target_name}.json"


@pytest.fixture(scope="module")
def run(target: Target, observations_path: Path) -> Run:
    """The lifecycle, run once per target, its observations written to JSON."""
    result = run_contract(target)
    assert result.observations is not None
    result.observations.write(observations_path)
    return result
