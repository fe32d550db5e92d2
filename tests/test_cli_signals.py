"""Runs that stop halfway, as real processes against ``slrkit serve``, and the reruns that finish.

The server's time stands still (``--time-scale 0``): a command waiting for a role waits
until the test sends the signal, and the test moves time on through the admin endpoint.
Each process has a watchdog, so that a hang fails the test instead of stalling the suite.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shlex
import signal
import subprocess
import sys
import threading
import urllib.request
from typing import IO, TYPE_CHECKING, Any, Final

import pytest

from cli_runs import envelope
from hostile_aws_env import is_aws_setting, without_aws_settings
from slrkit._cli import main
from slrkit._validate import LINKED_ROLE_TAG
from slrkit.testing import FakeAWS

if TYPE_CHECKING:
    from collections.abc import Callable, Generator
    from pathlib import Path

REGION: Final = "eu-west-2"
SLRKIT: Final = (sys.executable, "-m", "slrkit")
WATCHDOG: Final = 120.0
"""Seconds after which a process still running is killed: far above a normal run (a few
seconds), and above one on a machine loaded by other work."""


def clean_env(folder: Path) -> dict[str, str]:
    """An environment with dummy keys, empty AWS files and no metadata service."""
    for name in ("config", "credentials"):
        (folder / name).write_text("")
    return without_aws_settings(os.environ) | {
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_CONFIG_FILE": str(folder / "config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(folder / "credentials"),
        "AWS_EC2_METADATA_DISABLED": "true",
    }


def read_document(stream: IO[str]) -> dict[str, Any]:
    """The envelope a running ``slrkit --json serve`` prints first, read line by line."""
    lines: list[str] = []
    for line in stream:
        lines.append(line)
        if line == "}\n":
            break
    return envelope("".join(lines))


class Served:
    """A ``slrkit --json serve`` process on a state file, and the environment to reach it."""

    def __init__(self, process: subprocess.Popen[str], env: dict[str, str]) -> None:
        self.process = process
        assert process.stdout is not None
        self.started = read_document(process.stdout)
        self.url = self.started["result"]["endpoint_url"]
        self.env = env | {
            "AWS_ENDPOINT_URL_CUSTOMER_PROFILES": self.url,
            "AWS_ENDPOINT_URL_IAM": self.url,
            "AWS_ENDPOINT_URL_STS": self.url,
        }

    def advance(self, seconds: float) -> None:
        """Move the server's virtual time on."""
        request = urllib.request.Request(  # noqa: S310 - our own loopback server
            f"{self.url}/_slrkit/advance",
            data=json.dumps({"seconds": seconds}).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310
            assert answer.status == 200


@pytest.fixture
def serve(tmp_path: Path) -> Generator[Callable[[FakeAWS], Served], None, None]:
    """Start ``slrkit --json serve`` on a state file made from a fake; stop it, saved, after."""
    started: list[tuple[subprocess.Popen[str], threading.Timer]] = []

    def start(fake: FakeAWS) -> Served:
        state = tmp_path / "state.json"
        fake.save(state)
        process = subprocess.Popen(  # noqa: S603 - our interpreter, fixed arguments
            [*SLRKIT, "--json", "serve", "--port", "0", "--time-scale", "0",
             "--state", str(state)],
            env=clean_env(tmp_path), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        watchdog = threading.Timer(WATCHDOG, process.kill)
        watchdog.start()
        started.append((process, watchdog))
        return Served(process, clean_env(tmp_path))

    yield start
    for process, watchdog in started:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
        process.communicate(timeout=WATCHDOG)
        watchdog.cancel()


def _as_in_a_terminal() -> None:
    """Let SIGINT interrupt the child, as it does a command typed at a terminal.

    A test run started in the background (``.ci/run &``, a CI runner's job) ignores SIGINT,
    and a child inherits that: Python then never raises KeyboardInterrupt, rightly.
    """
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def stopped_at_first_wait(argv: list[str], env: dict[str, str], stop: signal.Signals) -> Any:
    """Run ``slrkit ARGV``, send *stop* once it logs its first wait, and return what it
    showed as (exit code, envelope, stderr)."""
    process = subprocess.Popen(  # noqa: S603 - our interpreter, fixed arguments
        [*SLRKIT, *argv],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=_as_in_a_terminal,  # noqa: PLW1509  # only signal.signal, before exec
    )
    watchdog = threading.Timer(WATCHDOG, process.kill)
    watchdog.start()
    try:
        assert process.stderr is not None
        said: list[str] = []
        for line in process.stderr:
            said.append(line)
            if line.startswith("slrkit: waiting "):
                process.send_signal(stop)
                break
        out, err = process.communicate(timeout=WATCHDOG)
    finally:
        watchdog.cancel()
    shown = "".join(said) + err
    assert out, f"no envelope (exit code {process.returncode}); stderr: {shown}"
    return process.returncode, envelope(out), shown


def finished(
    resume: str,
    env: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> dict[str, Any]:
    """Run the command a stopped run printed (in-process: a second interpreter's start would
    prove nothing more), and return its envelope once it succeeded."""
    words = shlex.split(resume)
    assert words[0] == "slrkit"
    for name in [n for n in os.environ if is_aws_setting(n)]:
        monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    code = main(words[1:])
    out, err = capsys.readouterr()
    assert code == 0, err
    return envelope(out)


def test_a_delete_interrupted_while_it_waits_is_finished_by_the_command_it_printed(
    serve: Callable[[FakeAWS], Served],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """SIGINT during a real-time delete against slrkit serve exits 130 with one envelope
    whose resume is the exact command, --role included; once the service has removed the
    role, that command ends with domain and role gone."""
    fake = FakeAWS(start=dt.datetime.now(dt.timezone.utc))
    role = fake.kit(REGION).ensure_domain("acme", default_expiration_days=30).linked_role
    assert role is not None
    server = serve(fake)
    assert server.started["command"] == "serve"
    argv = ["--json", "delete", "acme", "--region", REGION, "--confirm", "acme"]
    code, document, err = stopped_at_first_wait(argv, server.env, signal.SIGINT)
    assert code == 130, err
    error = document["error"]
    assert error["code"] == "interrupted"
    resume = f"slrkit --json delete acme --region {REGION} --confirm acme --role {role.name}"
    assert error["resume"] == resume
    assert err.splitlines()[-1] == f"slrkit: error: interrupted; to finish, run: {resume}"
    # The service removes the role, and IAM's reads stop showing it after their lag.
    server.advance((fake.role_cleanup_delay or 0) + fake.behaviour.read_lag)
    done = finished(resume, server.env, monkeypatch, capsys)
    assert done["result"]["domain_deleted"] is False
    server.process.send_signal(signal.SIGTERM)
    server.process.communicate(timeout=WATCHDOG)
    after = FakeAWS.load(tmp_path / "state.json")
    assert (after.domains(REGION), after.linked_roles()) == ((), ())


def test_an_ensure_stopped_while_it_waits_for_the_role_records_the_link_when_rerun(
    serve: Callable[[FakeAWS], Served],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """SIGTERM while ensure awaits the new role exits 130 with one envelope whose resume is
    the command typed; once the role shows, that command writes the slrkit:linked-role tag
    and reports it as a change."""
    # An hour behind the machine's clock: the domain is long settled when the rerun looks.
    fake = FakeAWS(start=dt.datetime.now(dt.timezone.utc) - dt.timedelta(hours=1))
    server = serve(fake)
    argv = ["--json", "ensure", "beta", "--region", REGION, "--expiration-days", "30"]
    code, document, err = stopped_at_first_wait(argv, server.env, signal.SIGTERM)
    assert code == 130, err
    assert document["error"]["code"] == "interrupted"
    assert document["error"]["resume"] == shlex.join(["slrkit", *argv])
    server.advance(fake.propagation_delay)
    done = finished(document["error"]["resume"], server.env, monkeypatch, capsys)
    [change] = done["result"]["changes"]
    assert change["field"] == f"tags[{LINKED_ROLE_TAG}]"
    assert change["new"] == done["result"]["linked_role"]["name"]
    server.process.send_signal(signal.SIGTERM)
    server.process.communicate(timeout=WATCHDOG)
    after = FakeAWS.load(tmp_path / "state.json")
    assert after.linked_roles() == (change["new"],)
