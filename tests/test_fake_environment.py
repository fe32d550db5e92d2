"""The fake never reads the machine's AWS configuration: a CI runner's settings change nothing.

Every way in is run under `hostile_aws_env`: the demo and ``--fake`` through the
command line's ``main``, a downstream ``fake_aws`` test through pytester, the
Pulumi provider on a fake state file, and sessions one variable at a time.
``tests/test_serve_cli.py`` runs ``slrkit serve`` and `FakeServer` under it too.
"""

# pyright: reportUnknownMemberType=false
# (boto3-stubs type `Session.client` per service, most not installed.)

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from hostile_aws_env import BAD_FILE_VARIABLES, HOSTILE, hostile_env
from slrkit._cli import main
from slrkit._pulumi_crud import Target
from slrkit.testing import FakeAWS

REGION = "eu-west-2"


@pytest.fixture
def hostile(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Set every AWS variable botocore reads to a value that breaks it."""
    for name, value in hostile_env(tmp_path).items():
        monkeypatch.setenv(name, value)


def test_the_demo_runs_under_a_hostile_environment(
    hostile: None, capsys: pytest.CaptureFixture[str]
) -> None:
    """``AWS_PROFILE=ci-deployer slrkit demo`` (and everything else set) runs the lifecycle."""
    assert main(["demo"]) == 0, capsys.readouterr().err
    assert "The config profile" not in capsys.readouterr().err


def test_fake_commands_run_under_a_hostile_environment(
    hostile: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``--fake`` and ``--fake-state`` commands create, show and delete a domain."""
    state = str(tmp_path / "state.json")
    base = ["--fake", "--fake-state", state]
    for argv in (
        ["ensure", "acme", "--region", REGION, "--expiration-days", "30"],
        ["role", "acme", "--region", REGION],
        ["delete", "acme", "--region", REGION, "--confirm", "acme"],
    ):
        assert main([*base, *argv]) == 0, capsys.readouterr().err
    assert FakeAWS.load(state).domains(REGION) == ()


def test_a_fake_aws_test_passes_under_a_hostile_environment(
    hostile: None, pytester: pytest.Pytester
) -> None:
    """A downstream project's test on the ``fake_aws`` fixture passes, with its boto3 calls."""
    pytester.makepyfile(
        """
        def test_onboarding(fake_aws):
            kit = fake_aws.kit("eu-west-2")
            assert kit.ensure_domain("acme", default_expiration_days=30).linked_role is not None
            iam = fake_aws.session("eu-west-2").client("iam")
            assert iam.list_roles()["Roles"]
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)


def test_the_pulumi_provider_on_a_fake_runs_under_a_hostile_environment(
    hostile: None, tmp_path: Path
) -> None:
    """A provider target on a fake state file connects and works, whatever AWS_* say."""
    target = Target(fake_state=str(tmp_path / "fake.json"))
    assert target.default_region() == "us-east-1"
    with target.connect(REGION) as kit:
        assert kit.ensure_domain("acme", default_expiration_days=30).action == "created"
    assert FakeAWS.load(target.fake_state or "").domains(REGION) == ("acme",)


@pytest.mark.parametrize("name", [*HOSTILE, *BAD_FILE_VARIABLES])
def test_no_single_variable_reaches_a_fake_session(
    name: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Each variable alone leaves a fake session's clients answering, in its own region,
    with botocore's standard retries, on an endpoint of its own."""
    monkeypatch.setenv(name, hostile_env(tmp_path)[name])
    fake = FakeAWS()
    session = fake.session(REGION)
    with contextlib.redirect_stderr(io.StringIO()):
        profiles = session.client("customer-profiles")
    profiles.create_domain(DomainName="acme", DefaultExpirationDays=3)
    assert session.client("sts").get_caller_identity()["Account"] == fake.account_id
    assert profiles.meta.region_name == REGION
    assert profiles.meta.endpoint_url == f"https://profile.{REGION}.amazonaws.com"
    assert getattr(profiles.meta.config, "retries", None) == {"mode": "standard"}
    assert fake.domains(REGION) == ("acme",)


def test_the_suite_passes_where_the_machines_aws_settings_point_nowhere(tmp_path: Path) -> None:
    """The README's test command on a CI runner: with every AWS variable hostile, the tests
    that build their own boto3 sessions (moto's, botocore's region data, a session object)
    still pass, because the suite sets the machine's settings aside before collecting."""
    root = Path(__file__).parent.parent
    tests = ["test_fake_moto.py", "test_regions.py", "test_pulumi.py", "test_models.py"]
    done = subprocess.run(  # noqa: S603  # this interpreter, fixed arguments
        [
            sys.executable, "-m", "pytest", "-q", "-p", "no:xdist", "-p", "no:randomly",
            "-k", "moto or botocore or session or profile or region", "--rootdir", str(root),
            *(str(root / "tests" / name) for name in tests),
        ],
        env={**os.environ, **hostile_env(tmp_path)},
        cwd=root,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:]
    assert " passed" in done.stdout
    assert "failed" not in done.stdout
