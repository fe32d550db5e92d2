"""``slrkit serve`` from outside: the AWS CLI against it, its signals, and its command line."""

# pyright: reportUnknownMemberType=false
# (boto3-stubs type `Session.client` per service, most not installed.)

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
from typing import IO, TYPE_CHECKING, Any

import boto3
import pytest

from cli_runs import envelope
from hostile_aws_env import hostile_env
from slrkit._cli import main
from slrkit.testing import FakeAWS, FakeServer

if TYPE_CHECKING:
    from pathlib import Path

    from mypy_boto3_customer_profiles.client import CustomerProfilesClient

REGION = "eu-west-2"
ROLE_PATH = "/aws-service-role/profile.amazonaws.com/"
SECRET = "slrkit-serve-test-secret"  # noqa: S105  # a dummy


def aws_env(tmp_path: Path) -> dict[str, str]:
    """A clean environment for a subprocess: dummy keys, empty AWS files, no metadata service."""
    for name in ("config", "credentials"):
        (tmp_path / name).write_text("")
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "BOTOCORE_"))}
    return keep | {
        "AWS_ACCESS_KEY_ID": "AKIASLRKITAWSCLI0001",
        "AWS_SECRET_ACCESS_KEY": SECRET,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_CONFIG_FILE": str(tmp_path / "config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "credentials"),
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_PAGER": "",
    }


def test_aws_cli_runs_the_domain_lifecycle(
    fake: FakeAWS, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The AWS CLI creates, reads and deletes a domain, and lists its SLR, via --endpoint-url,
    from a `FakeServer` in a process whose every AWS variable is hostile."""
    pytest.importorskip("awscli", reason="the tests dependency group installs awscli")
    env = aws_env(tmp_path)  # the AWS CLI's own: clean
    for name, value in hostile_env(tmp_path).items():
        monkeypatch.setenv(name, value)

    with FakeServer(fake, time_scale=0) as server:

        def aws(*commands: list[str]) -> list[Any]:
            """Run AWS CLI commands side by side (each is a process); their JSON outputs."""
            cli = [sys.executable, "-m", "awscli", "--output", "json"]
            runs = [
                subprocess.Popen(  # noqa: S603  # our interpreter, fixed arguments
                    [*cli, "--endpoint-url", server.endpoint_url, *command],
                    env=env,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    text=True,
                )
                for command in commands
            ]
            outputs = [run.communicate(timeout=60) for run in runs]
            for run, (_, err) in zip(runs, outputs, strict=True):
                assert run.returncode == 0, err
            return [json.loads(out) for out, _ in outputs]

        [created] = aws(
            ["customer-profiles", "create-domain", "--domain-name", "acme",
             "--default-expiration-days", "365", "--tags", "team=cx"],
        )  # fmt: skip
        assert created["DomainName"] == "acme"
        fake.advance(fake.propagation_delay)
        read, listed = aws(
            ["customer-profiles", "get-domain", "--domain-name", "acme"],
            ["iam", "list-roles", "--path-prefix", ROLE_PATH],
        )
        assert (read["DomainName"], read["DefaultExpirationDays"]) == ("acme", 365)
        assert read["Tags"] == {"team": "cx"}
        assert [role["RoleName"] for role in listed["Roles"]] == list(fake.linked_roles())
        assert listed["Roles"][0]["Path"] == ROLE_PATH
        [deleted] = aws(["customer-profiles", "delete-domain", "--domain-name", "acme"])
        assert "acme" in deleted["Message"]

    fake.advance(fake.role_cleanup_delay or 0)
    assert (fake.domains(REGION), fake.linked_roles()) == ((), ())
    assert sorted((c.operation, c.region, c.account_id) for c in fake.calls) == [
        ("CreateDomain", REGION, fake.account_id),
        ("DeleteDomain", REGION, fake.account_id),
        ("GetDomain", REGION, fake.account_id),
        ("ListRoles", REGION, fake.account_id),
    ]


def cp_client(endpoint_url: str, access_key: str) -> CustomerProfilesClient:
    session = boto3.Session(
        aws_access_key_id=access_key, aws_secret_access_key=SECRET, region_name=REGION
    )
    return session.client("customer-profiles", endpoint_url=endpoint_url)


def announcement(stdout: IO[str]) -> list[str]:
    """The lines serve prints at start, read whole: `communicate` skips what reads buffered."""
    lines: list[str] = []
    for line in stdout:  # ends at EOF too, if the server dies first
        lines.append(line)
        if line.startswith("Stop with"):
            break
    return lines


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_signal_stops_the_server_and_saves_its_state(
    stop: signal.Signals, tmp_path: Path
) -> None:
    """``python -m slrkit serve`` loads --state, serves, and on a signal saves it and exits 0,
    in an environment whose every AWS variable is hostile."""
    state = tmp_path / "state.json"
    before = FakeAWS()
    before.client("customer-profiles", REGION).create_domain(
        DomainName="before", DefaultExpirationDays=3
    )
    before.save(state)
    process = subprocess.Popen(  # noqa: S603  # our interpreter, fixed arguments
        [sys.executable, "-m", "slrkit", "serve", "--port", "0", "--time-scale", "0",
         "--state", str(state), "--account-id", "210987654321"],
        env=aws_env(tmp_path) | hostile_env(tmp_path), stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    watchdog = threading.Timer(20, process.kill)  # a broken server fails the test, never hangs it
    watchdog.start()
    try:
        assert process.stdout is not None
        banner = announcement(process.stdout)
        match = re.search(r"http://127\.0\.0\.1:\d+", banner[0])
        assert match is not None, banner
        assert f"  export AWS_ENDPOINT_URL_CUSTOMER_PROFILES={match.group()}\n" in banner
        # The AWS CLI v1 reads only AWS_DEFAULT_REGION: the banner exports it too.
        assert "  export AWS_DEFAULT_REGION=eu-west-2 AWS_REGION=eu-west-2\n" in banner
        # A 12-digit key is its own account; any other is --account-id's.
        mine, theirs = (cp_client(match.group(), key) for key in ("123456789012", "AKIAOTHER"))
        try:
            assert [d["DomainName"] for d in mine.list_domains()["Items"]] == ["before"]
            theirs.create_domain(DomainName="during", DefaultExpirationDays=3)
        finally:
            mine.close()
            theirs.close()
        process.send_signal(stop)
        err = process.communicate()[1]
    finally:
        watchdog.cancel()
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0, err
    assert "Traceback" not in err
    assert f"stopped; the fake is saved in {state}" in err
    after = FakeAWS.load(state)
    assert after.account_id == "210987654321"
    assert after.domains(REGION, account_id="123456789012") == ("before",)
    assert after.domains(REGION, account_id="210987654321") == ("during",)
    assert not (tmp_path / "state.json.partial").exists()


def test_help_says_any_signature_is_accepted(capsys: pytest.CaptureFixture[str]) -> None:
    """serve --help warns that it is a test server, and shows the options and the admin API."""
    assert main(["serve", "--help"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    for needle in (
        "accepts any credentials and never checks a signature",
        "an access key id of 12 digits is taken as the account id",
        "--allow-remote",
        "--time-scale X",
        "--state FILE",
        "Admin endpoints under /_slrkit/",
        "AWS_ENDPOINT_URL_CUSTOMER_PROFILES",
    ):
        assert needle in text


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["serve", "--host", "0.0.0.0"], "needs --allow-remote"),  # noqa: S104
        (["serve", "--time-scale", "-1"], "--time-scale must be a number from 0 to 1000000"),
        (["serve", "--time-scale", "inf"], "--time-scale must be a number from 0 to 1000000"),
        (["serve", "--time-scale", "1e308"], "--time-scale must be a number from 0 to 1000000"),
        (["serve", "--port", "70000"], "--port must be between 0 and 65535"),
        (["serve", "--account-id", "12345"], "--account-id must be 12 digits 0-9"),
        (["serve", "--account-id", "١٢٣٤٥٦٧٨٩٠١٢"], "--account-id must be 12 digits 0-9"),
        (["--fake", "serve"], "serve never calls AWS: leave out --fake"),
    ],
)
def test_usage_errors_come_before_anything_is_bound(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Bad options, --fake, and a remote host without --allow-remote exit 2 with one line."""
    assert main(argv) == 2
    assert message in capsys.readouterr().err


def test_a_busy_port_names_the_port_and_the_option(capsys: pytest.CaptureFixture[str]) -> None:
    """A port already in use exits 2 with one line naming the port and --port, not a bare
    [Errno 98]; with --json, one envelope says the same."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["--json", "serve", "--port", str(port)]) == 2
    out, err = capsys.readouterr()
    assert err == (
        f"slrkit: error: port {port} on 127.0.0.1 is in use; stop what listens there, or "
        "pass --port N (--port 0 picks a free one)\n"
    )
    document = envelope(out)
    assert document["command"] == "serve"
    assert document["error"]["code"] == "configuration"


def test_an_unreadable_state_file_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A --state file that is not a fake's state is refused, and left as it was."""
    state = tmp_path / "state.json"
    state.write_text('{"not": "a state file"}')
    assert main(["serve", "--state", str(state), "--port", "0"]) == 2
    assert "pass another --state file" in capsys.readouterr().err
    assert json.loads(state.read_text()) == {"not": "a state file"}
