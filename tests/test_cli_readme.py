"""The documented command line is true: its commands run as shown and its tables are the code's.

It lives in docs/ (the reference's command-line page and the guides); the README links there.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Final

import pytest

from cli_runs import envelope, isolate_from_aws, run_main
from slrkit._cli.core import ExitCode
from slrkit._cli.failure import ErrorCode
from slrkit.testing import FakeAWS

ROOT: Final = Path(__file__).parent.parent
DOCS: Final = ROOT / "docs"
CLI_PAGE: Final = (DOCS / "reference" / "cli.md").read_text(encoding="utf-8")
FLEETS_PAGE: Final = (DOCS / "guides" / "fleets.md").read_text(encoding="utf-8")
SERVE_PAGE: Final = (DOCS / "guides" / "serve.md").read_text(encoding="utf-8")
EXAMPLE_ESTATE: Final = ROOT / "examples" / "estate.toml"


@pytest.fixture(autouse=True)
def no_real_aws(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Keep every test away from real credentials and config."""
    isolate_from_aws(monkeypatch, tmp_path)


def section(title: str, page: str = CLI_PAGE) -> str:
    """The *page*'s text from the heading *title* to the next heading below the page's title."""
    start = page.index(f"{title}\n")
    following = re.search(r"^#{2,3} ", page[start + len(title) :], flags=re.MULTILINE)
    end = len(page) if following is None else start + len(title) + following.start()
    return page[start:end]


def blocks(text: str, language: str) -> list[str]:
    """The fenced code blocks of *language* in *text*."""
    return re.findall(rf"```{language}\n(.*?)```", text, flags=re.DOTALL)


def rows(text: str) -> list[list[str]]:
    """The body rows of the first Markdown table in *text*, cell by cell, without backticks."""
    table = [line for line in text.splitlines() if line.startswith("|")][2:]
    return [[cell.strip().strip("`") for cell in line.strip("|").split("|")] for line in table]


def test_the_fake_commands_run_as_shown(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Each ``slrkit --fake --fake-state`` line of the command-line section exits 0, in turn."""
    monkeypatch.chdir(tmp_path)
    lines = [
        line
        for block in blocks(section("# The command line"), "console")
        for line in block.splitlines()
        if line.startswith("slrkit --fake")
    ]
    assert len(lines) == 5
    for line in lines:
        run = run_main(capsys, *shlex.split(line)[1:])
        assert run.code == 0, (line, run.err)
    assert FakeAWS.load(tmp_path / "s.json").domains("eu-west-2") == ()


def test_the_exit_code_table_is_the_codes() -> None:
    """The documented exit codes and their words are `ExitCode`'s, every one of them."""
    table = {int(code): meaning for code, meaning in rows(section("## Exit codes"))}
    assert table == {int(code): code.meaning for code in ExitCode}


def test_the_error_code_table_is_the_codes() -> None:
    """The docs list every error code, in order, with its exit code and whether it resumes."""
    table = [tuple(row[:3]) for row in rows(section("## Error codes"))]
    assert table == [
        (code.word, str(int(code.exit_code)), "yes" if code.resumable else "no")
        for code in ErrorCode
    ]


def test_the_envelope_example_validates() -> None:
    """The documented example envelope validates against the shipped schema."""
    [example] = blocks(section("## JSON: one envelope for every run"), "json")
    assert envelope(example)["error"]["code"] == "interrupted"


def test_the_estate_example_plans(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The fleets guide's estate file is a valid one (once its profile's account is the fake's)."""
    [example] = blocks(section("## `slrkit apply`: an estate file", FLEETS_PAGE), "toml")
    estate = tmp_path / "estate.toml"
    estate.write_text(example)
    run = run_main(capsys, "--fake", "--json", "apply", str(estate))
    assert run.code == 0, run.err
    assert [item["action"] for item in run.document["result"]["items"]] == ["created"]


def test_the_example_estate_applies_and_then_changes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """examples/estate.toml applies on the fake, and a second apply changes nothing."""
    base = ["--fake", "--fake-state", str(tmp_path / "fake.json"), "--json", "apply"]
    first = run_main(capsys, *base, str(EXAMPLE_ESTATE), "--yes")
    assert first.code == 0, first.err
    assert {i["action"] for i in first.document["result"]["items"]} == {"created"}
    second = run_main(capsys, *base, str(EXAMPLE_ESTATE), "--yes")
    assert second.code == 0, second.err
    assert {i["action"] for i in second.document["result"]["items"]} == {"unchanged"}


def _aws_cli_env(folder: Path) -> dict[str, str]:
    """A shell with no AWS settings of the machine's, and this interpreter's ``aws`` first."""
    for name in ("config", "credentials"):
        (folder / name).write_text("")
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "BOTOCORE_"))}
    return keep | {
        "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]),
        "AWS_CONFIG_FILE": str(folder / "config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(folder / "credentials"),
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_PAGER": "",
    }


def test_the_serve_snippet_runs_with_the_aws_cli(tmp_path: Path) -> None:
    """The serve guide's snippet, run as written with the AWS CLI v1 of the tests group
    (which reads AWS_DEFAULT_REGION, not AWS_REGION), creates, lists and deletes; the
    server's banner tells the same exports. Only the port is the one the server picked."""
    pytest.importorskip("awscli", reason="the tests dependency group installs awscli")
    [snippet] = blocks(
        section("# `slrkit serve` with the AWS CLI, boto3 and other SDKs", SERVE_PAGE), "console"
    )
    commands = [line[2:] for line in snippet.splitlines() if line.startswith("$ ")]
    serve, shell = commands[0], commands[1:]
    env = _aws_cli_env(tmp_path)
    process = subprocess.Popen(  # noqa: S603 - our interpreter, the guide's arguments
        [sys.executable, "-m", "slrkit", *shlex.split(serve)[1:], "--port", "0"],
        cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    watchdog = threading.Timer(60, process.kill)
    watchdog.start()
    try:
        assert process.stdout is not None
        banner: list[str] = []
        for line in process.stdout:  # ends at EOF too, if the server dies first
            banner.append(line)
            if line.startswith("Stop with"):
                break
        match = re.search(r"http://127\.0\.0\.1:\d+", banner[0])
        assert match is not None, banner
        assert "  export AWS_DEFAULT_REGION=eu-west-2 AWS_REGION=eu-west-2\n" in banner
        script = "\n".join(
            ["set -eu", *(line.replace("http://127.0.0.1:4599", match.group()) for line in shell)]
        )
        bash = shutil.which("bash")
        assert bash is not None
        ran = subprocess.run(  # noqa: S603 - bash, running the guide's lines
            [bash, "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True,
            timeout=120, check=False,
        )  # fmt: skip
        assert ran.returncode == 0, ran.stderr
        assert '"DomainName": "acme"' in ran.stdout
        assert '"RoleName": "AWSServiceRoleForProfile_' in ran.stdout
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=30)
    finally:
        watchdog.cancel()
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0
    assert FakeAWS.load(tmp_path / "fake.json").domains("eu-west-2") == ()
