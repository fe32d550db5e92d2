"""The slrkit command line, run in-process through ``main`` against the fake."""

from __future__ import annotations

import contextlib
import io
import json
import logging
import os
import shlex
import subprocess
import sys
from typing import TYPE_CHECKING

import pytest

from cli_runs import Cli, Run, envelope, isolate_from_aws, run_main
from hostile_aws_env import without_aws_settings
from slrkit._cli import main
from slrkit._cli.app import COMMANDS
from slrkit._cli.core import ExitCode
from slrkit._kit import ProfilesKit
from slrkit._models import MANAGED_POLICY_ARN
from slrkit._regions import SUPPORTED_REGIONS
from slrkit._validate import LINKED_ROLE_TAG, ROLE_PATH
from slrkit.testing import FakeAWS

if TYPE_CHECKING:
    from collections.abc import Generator
    from pathlib import Path

    from mypy_boto3_customer_profiles.client import CustomerProfilesClient

REGION = "eu-west-2"


@pytest.fixture(autouse=True)
def no_real_aws(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Keep every test away from real credentials and config, and fix the help width."""
    isolate_from_aws(monkeypatch, tmp_path)


@pytest.fixture
def cli(fake: FakeAWS, capsys: pytest.CaptureFixture[str]) -> Cli:
    """Runs ``slrkit --fake ...`` on the test's fake."""
    return Cli(fake, capsys)


class Terminal(io.StringIO):
    """A stdin that says it is a terminal; its text is what the person types."""

    def isatty(self) -> bool:
        return True


class _Interrupt(logging.Handler):
    """Raises KeyboardInterrupt, as Ctrl-C would, at the first log line that holds *needle*."""

    def __init__(self, needle: str) -> None:
        super().__init__()
        self.needle = needle
        self.fired = False

    def emit(self, record: logging.LogRecord) -> None:
        if not self.fired and self.needle in record.getMessage():
            self.fired = True
            raise KeyboardInterrupt


@contextlib.contextmanager
def ctrl_c_at(needle: str) -> Generator[_Interrupt, None, None]:
    """Press Ctrl-C when slrkit logs a line holding *needle* (a wait, say)."""
    handler = _Interrupt(needle)
    logger = logging.getLogger("slrkit")
    logger.addHandler(handler)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
    assert handler.fired, f"slrkit never logged {needle!r}"


# -- the parser, help and usage errors ----------------------------------------------------


def test_help_lists_every_command_and_the_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    """``--help`` exits 0 and documents every command and every exit code, in the words of
    `ExitCode`."""
    run = run_main(capsys, "--help")
    assert run.code == 0
    for command in COMMANDS:
        assert f"    {command.name}" in run.out
    text = " ".join(run.out.split())
    for code in ExitCode:
        assert f"{int(code)} {code.meaning}" in text
    assert "slrkit demo" in run.out


def test_each_command_has_help(capsys: pytest.CaptureFixture[str]) -> None:
    """Every subcommand answers ``--help`` with its description and the global options."""
    for command in COMMANDS:
        run = run_main(capsys, command.name, "--help")
        assert run.code == 0
        assert f"usage: slrkit {command.name}" in run.out
        assert "--json" in run.out


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c.name)
def test_help_lists_only_the_options_a_command_takes(
    command: object, capsys: pytest.CaptureFixture[str]
) -> None:
    """A command that never calls AWS (serve, demo, regions, policy) lists no --profile,
    --fake or --fake-state; the others list all three."""
    name = getattr(command, "name", "")
    usage = run_main(capsys, name, "--help").out.split("\n\n", 1)[0]
    for option in ("[--profile NAME]", "[--fake]", "[--fake-state FILE]"):
        assert (option in usage) is getattr(command, "uses_aws", None), option


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["serve", "--fake"], "slrkit: error: unrecognized arguments: --fake"),
        (["--fake", "serve"], "slrkit serve: error: serve never calls AWS: leave out --fake"),
        (
            ["--profile", "p", "demo"],
            "slrkit demo: error: demo never calls AWS: leave out --profile",
        ),
    ],
)
def test_a_command_refuses_options_it_would_ignore(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """``serve --fake`` or ``demo --profile`` is a usage error (2), not silently ignored."""
    run = run_main(capsys, *argv)
    assert run.code == 2
    assert run.err.startswith(message)


def test_no_command_is_a_one_line_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    """Without a command, slrkit exits 2 with one line that points at --help."""
    run = run_main(capsys)
    assert run.code == 2
    assert run.out == ""
    assert run.err.splitlines() == [
        "slrkit: error: the following arguments are required: COMMAND; see 'slrkit --help'"
    ]


def test_missing_argument_names_it_and_the_subcommand_help(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A missing argument exits 2, naming it and the command's --help."""
    run = run_main(capsys, "role", "--region", REGION)
    assert run.code == 2
    assert run.err.splitlines() == [
        "slrkit role: error: the following arguments are required: NAME; see 'slrkit role --help'"
    ]


@pytest.mark.parametrize(
    ("argv", "command", "message"),
    [
        (["--json", "bogus"], None, "argument COMMAND: invalid choice: 'bogus'"),
        (["--json", "ensure"], "ensure", "the following arguments are required: NAME"),
        (["ensure", "acme", "--region", REGION, "--json", "--bogus"], "ensure", "--bogus"),
        (["--json", "delete", "acme", "--timeout", "0"], "delete", "--timeout: expected"),
    ],
)
def test_json_usage_errors_are_one_envelope(
    argv: list[str], command: str | None, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """A usage error under --json (an unknown command, a missing argument, a bad option) still
    prints exactly one envelope, with the command when it could be told, and exits 2."""
    run = run_main(capsys, *argv)
    assert run.code == 2
    document = run.document
    assert document["command"] == command
    assert document["ok"] is False
    assert document["result"] is None
    assert run.error["code"] == "usage"
    assert message in run.error["message"]
    assert run.error["resume"] is None
    assert run.err.count("\n") == 1


def test_malformed_tag_is_a_usage_error(cli: Cli) -> None:
    """``--tag`` without ``=`` exits 2 before any API call."""
    run = cli("ensure", "acme", "--region", REGION, "--expiration-days", "1", "--tag", "team")
    assert run.code == 2
    assert "expected KEY=VALUE, got 'team'" in run.err
    assert cli.ops() == []


def test_global_options_work_after_the_command_too(capsys: pytest.CaptureFixture[str]) -> None:
    """``--json`` after the subcommand means the same as before it."""
    run = run_main(capsys, "regions", "--json")
    assert run.code == 0
    assert run.result["regions"][0] == {"code": "us-east-1", "name": "US East (N. Virginia)"}


def test_verbose_and_quiet_exclude_each_other(capsys: pytest.CaptureFixture[str]) -> None:
    """``-v -q`` is a usage error."""
    run = run_main(capsys, "-v", "-q", "regions")
    assert run.code == 2
    assert "not allowed with argument" in run.err


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    """``--version`` prints the package version and exits 0."""
    run = run_main(capsys, "--version")
    assert run.code == 0
    assert run.out.startswith("slrkit ")


# -- regions ------------------------------------------------------------------------------


def test_regions_table(capsys: pytest.CaptureFixture[str]) -> None:
    """``regions`` prints an aligned table of the ten regions in the AWS order."""
    run = run_main(capsys, "regions")
    assert run.code == 0
    lines = run.out.splitlines()
    assert lines[0].split() == ["REGION", "NAME"]
    assert [line.split()[0] for line in lines[1:]] == list(SUPPORTED_REGIONS)
    assert lines[9] == "eu-west-2       Europe (London)"


def test_regions_json(capsys: pytest.CaptureFixture[str]) -> None:
    """``--json regions`` is one envelope listing code and name of each region."""
    run = run_main(capsys, "--json", "regions")
    assert run.document["command"] == "regions"
    assert [r["code"] for r in run.result["regions"]] == list(SUPPORTED_REGIONS)


# -- which region -------------------------------------------------------------------------


@pytest.mark.parametrize("variable", ["AWS_REGION", "AWS_DEFAULT_REGION"])
def test_the_region_defaults_to_the_environments(
    variable: str, cli: Cli, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Without --region, AWS_REGION (else AWS_DEFAULT_REGION) is the region, checked like
    --region: a near miss is refused, naming the variable and the region it means."""
    monkeypatch.setenv(variable, "eu-west2")
    run = run_main(capsys, "role", "acme")
    assert run.code == 2
    assert run.err.startswith(f"slrkit: error: {variable} 'eu-west2' is invalid: ")
    assert "'eu-west-2'" in run.err


def test_aws_region_comes_before_aws_default_region(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """AWS_REGION wins over AWS_DEFAULT_REGION, as in the AWS CLI v2 and the SDKs."""
    monkeypatch.setenv("AWS_REGION", "mars-1")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    run = run_main(capsys, "role", "acme")
    assert run.code == 2
    assert "AWS_REGION 'mars-1' is invalid" in run.err


def test_the_region_defaults_to_the_profiles(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Without --region or a variable, the profile's region counts, and is checked too."""
    config = tmp_path / "config"
    config.write_text("[profile work]\nregion = us-east-2\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    run = run_main(capsys, "--profile", "work", "role", "acme")
    assert run.code == 2
    assert run.err.startswith("slrkit: error: the region of profile work 'us-east-2' is invalid")
    assert "'us-east-1'" in run.err


def test_without_any_region_the_error_names_the_flag(capsys: pytest.CaptureFixture[str]) -> None:
    """With no region anywhere, the error names --region and AWS_REGION, and nothing is sent."""
    run = run_main(capsys, "--json", "role", "acme")
    assert run.code == 2
    assert run.error["code"] == "usage"
    assert run.error["message"].startswith("no region: pass --region, or set AWS_REGION")


def test_a_fake_run_never_takes_the_region_of_the_environment(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Like the fake itself, --fake reads no AWS setting: without --region it says so, even
    with AWS_REGION set, and sends nothing."""
    monkeypatch.setenv("AWS_REGION", REGION)
    run = cli("role", "acme")
    assert run.code == 2
    assert run.err == (
        "slrkit: error: --region is needed with --fake, which reads no AWS settings from the "
        "environment; 'slrkit regions' lists them\n"
    )
    assert cli.ops() == []


# -- ensure -------------------------------------------------------------------------------


def test_ensure_creates_and_shows_the_diff_and_the_role(cli: Cli) -> None:
    """``ensure`` on a new name creates the domain, prints the changes and the linked role."""
    run = cli("ensure", "acme", "--region", REGION, "--expiration-days", "365", "--tag", "team=cx")
    assert run.code == 0, run.err
    [role] = cli.fake.linked_roles()
    lines = run.out.splitlines()
    assert lines[0] == "Created domain acme in eu-west-2."
    assert lines[2:5] == [
        "SETTING                  BEFORE  AFTER",
        "default_expiration_days  -       365",
        "tags[team]               -       cx",
    ]
    assert f"Its service-linked role is {role}, recorded in the tag {LINKED_ROLE_TAG}." in run.out
    assert "slrkit: waiting " in run.err
    assert cli.fake.domains(REGION) == ("acme",)
    assert cli.writes() == ["CreateDomain", "TagResource"]


def test_ensure_json(cli: Cli) -> None:
    """``--json ensure`` returns where, the action, the changes, the domain and the role."""
    run = cli("--json", "ensure", "acme", "--region", REGION, "--expiration-days", "365")
    assert run.code == 0
    assert run.document["command"] == "ensure"
    result = run.result
    assert (result["domain_name"], result["region"]) == ("acme", REGION)
    assert result["action"] == "created"
    assert result["changed"] is True
    assert result["changes"] == [{"field": "default_expiration_days", "old": None, "new": 365}]
    assert result["domain"]["arn"] == "arn:aws:profile:eu-west-2:123456789012:domains/acme"
    assert result["linked_role"]["name"] == cli.fake.linked_roles()[0]
    assert result["linked_role"]["is_healthy"] is True
    assert result["linked_role"]["evidence"] == "observed-at-creation"


def test_ensure_unchanged_reads_only(cli: Cli) -> None:
    """``ensure`` on a matching domain says so and writes nothing."""
    cli.create()
    run = cli("ensure", "acme", "--region", REGION, "--expiration-days", "365")
    assert run.code == 0
    assert run.out == "Domain acme in eu-west-2 already has these settings: nothing to do.\n"
    assert cli.writes() == []
    assert cli.ops().count("GetDomain") == 1


def test_ensure_updates_what_differs(cli: Cli) -> None:
    """``ensure`` with a new value updates only that field and shows old and new."""
    cli.create()
    run = cli("ensure", "acme", "--region", REGION, "--expiration-days", "30", "--dlq", "")
    assert run.code == 0
    assert run.out.splitlines()[:4] == [
        "Updated domain acme in eu-west-2.",
        "",
        "SETTING                  BEFORE  AFTER",
        "default_expiration_days  365     30",
    ]
    assert cli.writes() == ["UpdateDomain"]


def test_ensure_keeps_the_expiration_days_when_they_are_left_out(cli: Cli) -> None:
    """Changing a tag of an existing domain needs no --expiration-days: the domain keeps its
    own, and only the tag is written."""
    cli.create()
    run = cli("--json", "ensure", "acme", "--region", REGION, "--tag", "team=ops")
    assert run.code == 0, run.err
    assert run.result["changes"] == [{"field": "tags[team]", "old": None, "new": "ops"}]
    assert run.result["domain"]["default_expiration_days"] == 365
    assert cli.writes() == ["TagResource"]


def test_ensure_removes_only_the_tags_named_by_remove_tag(cli: Cli) -> None:
    """--tag never removes a tag; --remove-tag removes the ones it names (a missing one is
    no change), in one UntagResource, and the link tag stays."""
    role = cli.create()
    cli("ensure", "acme", "--region", REGION, "--tag", "team=cx", "--tag", "cost=42")
    cli.fake.clear_calls()
    run = cli("--json", "ensure", "acme", "--region", REGION, "--tag", "team=ops")
    assert run.result["domain"]["tags"] == {"team": "ops", "cost": "42", LINKED_ROLE_TAG: role}
    cli.fake.clear_calls()
    run = cli(
        "--json", "ensure", "acme", "--region", REGION, "--remove-tag", "cost",
        "--remove-tag", "absent",
    )  # fmt: skip
    assert run.code == 0, run.err
    assert run.result["changes"] == [{"field": "tags[cost]", "old": "42", "new": None}]
    assert run.result["domain"]["tags"] == {"team": "ops", LINKED_ROLE_TAG: role}
    assert cli.writes() == ["UntagResource"]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["--remove-tag", LINKED_ROLE_TAG],
            f"--remove-tag {LINKED_ROLE_TAG!r} is invalid: this tag is managed by slrkit",
        ),
        (
            ["--remove-tag", "team", "--tag", "team=cx"],
            "--remove-tag ['team'] is invalid: a tag key cannot be both set (tags) and removed",
        ),
    ],
    ids=["link-tag", "set-and-removed"],
)
def test_ensure_refuses_a_tag_removal_it_must_not_make(
    cli: Cli, argv: list[str], message: str
) -> None:
    """Removing the link tag, or a tag also being set, exits 2 with no call at all."""
    cli.create()
    cli.fake.clear_calls()
    run = cli("--json", "ensure", "acme", "--region", REGION, "--expiration-days", "1", *argv)
    assert run.code == 2
    assert run.error["message"] == message
    assert cli.ops() == []


def test_ensure_needs_the_expiration_days_only_to_create(cli: Cli) -> None:
    """Without --expiration-days, a domain that does not exist is a usage error (2): the one
    read that found it missing is all that was sent."""
    run = cli("--json", "ensure", "acme", "--region", REGION, "--tag", "team=ops")
    assert run.code == 2
    assert run.error["code"] == "usage"
    assert run.error["message"] == (
        "domain acme does not exist in eu-west-2, and creating it needs --expiration-days N"
    )
    assert cli.ops() == ["GetDomain"]


def test_ensure_dry_run_writes_nothing(cli: Cli) -> None:
    """``ensure --dry-run`` shows what it would create and makes no write."""
    run = cli("ensure", "acme", "--region", REGION, "--expiration-days", "365", "--dry-run")
    assert run.code == 0
    assert run.out.startswith(
        "Would create domain acme in eu-west-2 (dry run: nothing was written)"
    )
    assert cli.writes() == []
    assert cli.fake.domains(REGION) == ()


SETTINGS_FILE = {
    "matching": {
        "enabled": True,
        "job_schedule": {"day_of_the_week": "SUNDAY", "time": "3:00"},
    },
    "rule_based_matching": {"enabled": True, "max_allowed_rule_level_for_matching": 3},
    "data_store": {"enabled": True},
}


def test_ensure_takes_the_structured_settings_from_a_file(
    cli: Cli, cp: CustomerProfilesClient, tmp_path: Path
) -> None:
    """``--settings FILE`` gives matching, rule-based matching and the data store, by their
    names and pulumi-aws's properties; the domain is created with each."""
    settings = tmp_path / "settings.json"
    settings.write_text(json.dumps(SETTINGS_FILE))
    run = cli(
        "--json", "ensure", "acme", "--region", REGION, "--expiration-days", "30",
        "--settings", str(settings),
    )  # fmt: skip
    assert run.code == 0, run.err
    assert [c["field"] for c in run.result["changes"]] == [
        "default_expiration_days",
        "matching",
        "rule_based_matching",
        "data_store",
    ]
    domain = cp.get_domain(DomainName="acme")
    assert domain["Matching"].get("JobSchedule") == {"DayOfTheWeek": "SUNDAY", "Time": "3:00"}
    assert domain["RuleBasedMatching"].get("MaxAllowedRuleLevelForMatching") == 3
    assert domain["DataStore"].get("Enabled") is True
    again = cli("ensure", "acme", "--region", REGION, "--settings", str(settings))
    assert again.out.endswith("already has these settings: nothing to do.\n")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("[1]", "--settings {}: must hold a JSON object of settings by name"),
        ("{", "--settings {}: cannot read it: Expecting property name"),
        ('{"matchng": {}}', "--settings {}: unknown setting 'matchng'; the settings are"),
        (
            json.dumps(
                {
                    "matching": {
                        "enabled": True,
                        "job_schedule": {"day_of_the_week": "SUN", "time": "3:00"},
                    }
                }
            ),
            "--settings {}: matching.job_schedule.day_of_the_week 'SUN' is invalid",
        ),
        ('{"data_store": {"enabled": "yes"}}', "must be true or false"),
        ('{"tags": {"team": "cx"}}', "tags is given both by --tag and by --settings"),
    ],
)
def test_a_bad_settings_file_is_refused_before_any_call(
    cli: Cli, tmp_path: Path, content: str, message: str
) -> None:
    """A settings file that is not JSON, not an object, names no setting, breaks a rule or
    repeats a flag exits 2, naming the file, and sends nothing."""
    settings = tmp_path / "settings.json"
    settings.write_text(content)
    run = cli(
        "ensure", "acme", "--region", REGION, "--expiration-days", "3", "--tag", "team=cx",
        "--settings", str(settings),
    )  # fmt: skip
    assert run.code == 2
    assert message.format(settings) in run.err
    assert len(run.err.splitlines()) == 1
    assert cli.ops() == []


def test_ensure_timeout_bounds_the_wait_and_a_rerun_records_the_link(cli: Cli) -> None:
    """``--timeout`` shorter than the role's propagation exits 1 with the command that
    resumes; once the domain has settled, that command records the link tag, reported as a
    change."""
    run = cli("--json", "ensure", "acme", "--region", REGION, "--expiration-days", "3",
              "--timeout", "1")  # fmt: skip
    assert run.code == 1
    assert run.error["code"] == "deadline"
    assert "--timeout gives it longer" in run.error["message"]
    resume = shlex.split(run.error["resume"])
    assert resume[:2] == ["slrkit", "--fake"]
    assert cli.fake.domains(REGION) == ("acme",)
    cli.fake.advance(240)  # the domain has settled: the evidence can tell its role at once
    rerun = cli(*resume[2:])
    assert rerun.code == 0, rerun.err
    [role] = cli.fake.linked_roles()
    assert rerun.result["changes"] == [
        {"field": f"tags[{LINKED_ROLE_TAG}]", "old": None, "new": role}
    ]


def test_ensure_interrupted_while_it_waits_resumes_and_records_the_link(cli: Cli) -> None:
    """Ctrl-C while ensure awaits the new role exits 130 with one envelope; running the same
    command again writes the slrkit:linked-role tag (reported as a change) instead of
    saying that there is nothing to do."""
    argv = ["--json", "ensure", "acme", "--region", REGION, "--expiration-days", "3"]
    with ctrl_c_at("to appear"):
        run = cli(*argv)
    assert run.code == 130
    assert run.error["code"] == "interrupted"
    assert shlex.split(run.error["resume"]) == ["slrkit", "--fake", *argv]
    assert run.err.endswith("interrupted; running the same command again resumes\n")
    assert cli.writes() == ["CreateDomain"]
    rerun = cli(*argv)
    assert rerun.code == 0, rerun.err
    [role] = cli.fake.linked_roles()
    assert rerun.result["action"] == "updated"
    assert rerun.result["changes"] == [
        {"field": f"tags[{LINKED_ROLE_TAG}]", "old": None, "new": role}
    ]
    assert rerun.result["linked_role"]["name"] == role


@pytest.mark.parametrize(
    ("region", "expected"),
    [
        ("eu-west-1", "the closest supported region is 'eu-west-2'"),
        ("sa-east-1", "Customer Profiles does not run there; supported: us-east-1"),
        ("EU-WEST-2", "(did you mean 'eu-west-2'?)"),
    ],
)
def test_unknown_region_is_a_usage_error_before_any_call(
    cli: Cli, region: str, expected: str
) -> None:
    """An unsupported region exits 2, names the nearest region, and calls nothing."""
    run = cli("ensure", "acme", "--region", region, "--expiration-days", "365")
    assert run.code == 2
    assert run.err.startswith(f"slrkit: error: --region {region!r} is invalid: ")
    assert expected in run.err
    assert len(run.err.splitlines()) == 1
    assert cli.ops() == []


@pytest.mark.parametrize("command", ["ensure", "role", "plan-delete", "delete"])
def test_bad_name_is_a_usage_error_before_any_call(cli: Cli, command: str) -> None:
    """A domain name that breaks the API's pattern exits 2 for every command, with no call."""
    extra = {"ensure": ["--expiration-days", "365"], "delete": ["--confirm", "a b"]}
    run = cli(command, "a b", "--region", REGION, *extra.get(command, []))
    assert run.code == 2
    assert run.err == (
        "slrkit: error: NAME 'a b' is invalid: may contain only letters, digits, '_' and '-' "
        "(^[a-zA-Z0-9_-]+$)\n"
    )
    assert cli.ops() == []


def test_bad_expiration_names_the_flag(cli: Cli) -> None:
    """An out-of-range ``--expiration-days`` exits 2 and names the flag, not the parameter."""
    run = cli("ensure", "acme", "--region", REGION, "--expiration-days", "0")
    assert run.code == 2
    assert run.err == "slrkit: error: --expiration-days 0 is invalid: must be from 1 to 1098\n"


def test_json_validation_error_is_an_envelope(cli: Cli) -> None:
    """With ``--json``, a validation error is one envelope: code, words, exit code, no resume."""
    run = cli("--json", "role", "acme", "--region", "mars-1")
    assert run.code == 2
    assert run.document["ok"] is False
    assert run.error == {
        "code": "invalid-input",
        "message": run.err.removeprefix("slrkit: error: ").rstrip("\n"),
        "exit_code": 2,
        "resume": None,
        "aws": None,
    }


# -- role ---------------------------------------------------------------------------------


def test_role_shows_the_role_the_evidence_and_no_problems(cli: Cli) -> None:
    """``role`` prints the linked role, the tag evidence and a clean bill of health."""
    role = cli.create()
    run = cli("role", "acme", "--region", REGION)
    assert run.code == 0
    lines = run.out.splitlines()
    assert lines[0] == f"Domain acme in eu-west-2 uses the service-linked role {role}."
    assert f"Role       {role}" in lines
    assert f"Path       {ROLE_PATH}" in lines
    assert "Trusts     profile.amazonaws.com" in lines
    assert "Policies   CustomerProfilesServiceLinkedRolePolicy" in lines
    assert (
        "Evidence   tag: the domain's slrkit:linked-role tag names it, the role exists, and "
        "no other domain claims it" in lines
    )
    assert lines[-1] == "Problems   none"
    assert cli.writes() == []


def test_role_json(cli: Cli) -> None:
    """``--json role`` returns the role with its evidence, problems and health."""
    role = cli.create()
    run = cli("--json", "role", "acme", "--region", REGION)
    result = run.result
    assert result["domain_name"] == "acme"
    assert result["region"] == REGION
    found = result["role"]
    assert found["name"] == role
    assert found["evidence"] == "tag"
    assert found["problems"] == []
    assert found["is_healthy"] is True
    assert found["managed_policies"] == [MANAGED_POLICY_ARN]
    assert found["created_at"] == "2025-01-01T00:00:01+00:00"


def test_role_lists_what_is_wrong(cli: Cli, cp: CustomerProfilesClient) -> None:
    """``role`` on a tagged but broken role lists each problem, and still exits 0."""
    broken = cli.fake.add_role(
        "AWSServiceRoleForProfile_broken", path=ROLE_PATH, trust_principal="ec2.amazonaws.com"
    )
    cp.create_domain(DomainName="acme", DefaultExpirationDays=1, Tags={LINKED_ROLE_TAG: broken})
    run = cli("role", "acme", "--region", REGION)
    assert run.code == 0
    assert "Something is wrong with it (2 problems)." in run.out
    lines = run.out.splitlines()
    assert (
        "Problems   trust: trusts ec2.amazonaws.com, expected only profile.amazonaws.com" in lines
    )
    assert "           policy: CustomerProfilesServiceLinkedRolePolicy is not attached" in lines


def test_role_of_a_young_domain_says_it_may_still_be_propagating(
    cli: Cli, cp: CustomerProfilesClient
) -> None:
    """In the first seconds after another tool created a domain, ``role`` says that its role
    may still be propagating (exit 1, to be run again), and blames no old domain."""
    cp.create_domain(DomainName="acme", DefaultExpirationDays=1)
    cli.fake.advance(cli.fake.propagation_delay + 1)
    run = cli("--json", "role", "acme", "--region", REGION)
    assert run.code == 1
    assert run.error["code"] == "role-not-found"
    assert "was created 6s ago and its role may still be propagating" in run.error["message"]
    assert "June 8, 2023" not in run.err
    assert run.error["resume"] == f"slrkit --fake --json role acme --region {REGION}"


def test_role_of_a_missing_domain_is_an_aws_error_without_resume(cli: Cli) -> None:
    """``role`` for a domain that does not exist exits 1, says what to check, and offers no
    command to resume: running it again would not help."""
    run = cli("--json", "role", "ghost", "--region", REGION)
    assert run.code == 1
    assert run.error["code"] == "domain-not-found"
    assert run.error["resume"] is None
    assert run.err.startswith("slrkit: error: GetDomain failed with ResourceNotFoundException")
    assert run.err.endswith("; check NAME and --region\n")


def test_access_denied_points_at_the_policy(cli: Cli) -> None:
    """An AccessDenied from AWS exits 1 and points at ``slrkit policy``; JSON keeps the code."""
    cli.fake.fail("GetDomain", code="AccessDeniedException")
    run = cli("--json", "role", "acme", "--region", REGION)
    assert run.code == 1
    assert run.err.endswith("; 'slrkit policy' prints the IAM policy it needs\n")
    assert run.error["code"] == "access-denied"
    aws = run.error["aws"]
    assert aws["code"] == "AccessDeniedException"
    assert aws["operation"] == "GetDomain"
    assert aws["request_id"]


# -- plan-delete --------------------------------------------------------------------------


def test_plan_delete_of_a_full_domain_is_blocked(cli: Cli) -> None:
    """``plan-delete`` shows the steps and the data blocker, exits 3 so that CI can gate on
    it, and writes nothing."""
    role = cli.create()
    cli.fake.load_data("acme", region=REGION, profiles=12, objects=3)
    run = cli("plan-delete", "acme", "--region", REGION)
    assert run.code == 3
    assert run.out.splitlines() == [
        "Deleting domain acme in eu-west-2 would:",
        "  1. delete domain 'acme' in eu-west-2",
        f"  2. wait for Customer Profiles to remove role '{role}'",
        f"  3. if it does not, DeleteServiceLinkedRole '{role}' and poll the task",
        "",
        "Domain  acme (12 profiles, 3 objects)",
        f"Role    {role} (evidence: tag)",
        "",
        "Blocked:",
        (
            "  - the domain holds 12 profiles and 3 objects; empty it, or pass "
            "--allow-data-loss to delete them too"
        ),
    ]
    assert run.err == (
        "slrkit: error: deleting domain 'acme' is blocked: the domain holds 12 profiles and 3 "
        "objects; empty it, or pass --allow-data-loss to delete them too\n"
    )
    assert cli.writes() == []


def test_plan_delete_json_of_a_blocked_plan_speaks_flags(cli: Cli) -> None:
    """``--json plan-delete`` of a blocked plan exits 3 with the plan as its result and the
    blocker in command-line words: --allow-data-loss, never allow_data_loss=True."""
    cli.create()
    cli.fake.load_data("acme", region=REGION, profiles=2)
    run = cli("--json", "plan-delete", "acme", "--region", REGION)
    assert run.code == 3
    assert run.error["code"] == "blocked"
    assert run.result["safe"] is False
    [blocker] = run.result["blockers"]
    assert blocker["code"] == "data"
    assert "--allow-data-loss" in blocker["message"]
    assert "allow_data_loss" not in run.out + run.err


def test_plan_delete_json_of_an_empty_domain_is_safe(cli: Cli) -> None:
    """``--json plan-delete`` says ``safe`` with no blockers for an empty domain."""
    role = cli.create()
    run = cli("--json", "plan-delete", "acme", "--region", REGION)
    assert run.code == 0
    plan = run.result
    assert plan["safe"] is True
    assert plan["blockers"] == []
    assert plan["role"]["name"] == role
    assert plan["domain"]["stats"]["is_empty"] is True


def test_plan_delete_of_a_missing_domain(cli: Cli) -> None:
    """``plan-delete`` of a domain that is gone says there is nothing to delete."""
    run = cli("plan-delete", "ghost", "--region", REGION)
    assert run.code == 0
    assert run.out == "Domain ghost does not exist in eu-west-2: there is nothing to delete.\n"


# -- delete -------------------------------------------------------------------------------


def test_delete_removes_the_domain_and_its_role(cli: Cli) -> None:
    """``delete --confirm NAME`` deletes the domain, waits for the role to go, and reports."""
    role = cli.create()
    run = cli("delete", "acme", "--region", REGION, "--confirm", "acme")
    assert run.code == 0, run.err
    lines = run.out.splitlines()
    assert lines[0] == (
        f"Deleted domain acme in eu-west-2. Customer Profiles removed its role {role}."
    )
    assert lines[2:5] == [
        "STEP           OUTCOME  DETAIL",
        "delete domain  done",
        "remove role    done     removed by the service",
    ]
    assert lines[-1].endswith(" s.")
    assert run.err.splitlines()[0] == (
        f"Deleting domain acme in eu-west-2, then waiting for its role {role} to be removed..."
    )
    assert cli.fake.domains(REGION) == ()
    assert cli.fake.linked_roles() == ()
    assert cli.writes() == ["DeleteDomain"]


def test_delete_json_report(cli: Cli) -> None:
    """``--json delete`` returns the report: steps, calls and who removed the role."""
    role = cli.create()
    run = cli("--json", "delete", "acme", "--region", REGION, "--confirm", "acme")
    report = run.result
    assert report["domain_deleted"] is True
    assert report["role_name"] == role
    assert report["role_removed_by"] == "service"
    assert [s["name"] for s in report["steps"]] == ["delete domain", "remove role"]
    assert set(report["calls"][0]) == {"service", "operation", "error_code", "retries", "ok"}


def test_delete_refuses_a_domain_with_data_before_it_says_deleting(cli: Cli) -> None:
    """``delete`` of a domain holding data exits 3 with one line naming --allow-data-loss,
    says nothing of deleting first, and deletes nothing."""
    cli.create()
    cli.fake.load_data("acme", region=REGION, profiles=5)
    run = cli("delete", "acme", "--region", REGION, "--confirm", "acme")
    assert run.code == 3
    assert run.err == (
        "slrkit: error: refusing to delete domain 'acme': the domain holds 5 profiles and 0 "
        "objects; empty it, or pass --allow-data-loss to delete them too\n"
    )
    assert cli.writes() == []
    assert cli.fake.domains(REGION) == ("acme",)


def test_delete_with_allow_data_loss(cli: Cli) -> None:
    """``--allow-data-loss`` deletes a domain that holds data."""
    cli.create()
    cli.fake.load_data("acme", region=REGION, profiles=5)
    run = cli("delete", "acme", "--region", REGION, "--confirm", "acme", "--allow-data-loss")
    assert run.code == 0
    assert cli.fake.domains(REGION) == ()


def test_delete_without_confirm_and_without_a_terminal_refuses(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without --confirm and with no terminal to ask on, delete exits 3 and calls nothing."""
    cli.create()
    monkeypatch.setattr(sys, "stdin", io.StringIO("acme\n"))
    run = cli("delete", "acme", "--region", REGION)
    assert run.code == 3
    assert run.err == (
        "slrkit: error: refusing to delete domain 'acme' unconfirmed: there is no terminal "
        "to ask on; pass --confirm acme\n"
    )
    assert cli.ops() == []


def test_delete_with_a_wrong_confirm_refuses_before_any_call(cli: Cli) -> None:
    """A --confirm that is not the name exits 3 with no API call, in both output modes."""
    cli.create()
    run = cli("delete", "acme", "--region", REGION, "--confirm", "acm")
    assert run.code == 3
    assert run.err == (
        "slrkit: error: refusing to delete domain 'acme': 'acm' is not its name; "
        "confirm with the exact name (--confirm acme)\n"
    )
    as_json = cli("--json", "delete", "acme", "--region", REGION, "--confirm", "acm")
    assert as_json.code == 3
    assert as_json.error["code"] == "not-confirmed"
    assert cli.ops() == []


def test_delete_on_a_terminal_asks_for_the_name(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    """On a terminal, delete shows the plan on stderr, asks for the name, and deletes."""
    cli.create()
    monkeypatch.setattr(sys, "stdin", Terminal("acme\n"))
    run = cli("delete", "acme", "--region", REGION)
    assert run.code == 0, run.err
    assert "Deleting domain acme in eu-west-2 would:" in run.err
    assert "Type the domain name (acme) to delete it: " in run.err
    assert run.out.startswith("Deleted domain acme in eu-west-2.")
    assert cli.fake.domains(REGION) == ()


def test_delete_on_a_terminal_refuses_a_mistyped_name(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A mistyped name at the prompt exits 3 and deletes nothing."""
    cli.create()
    monkeypatch.setattr(sys, "stdin", Terminal("acne\n"))
    run = cli("delete", "acme", "--region", REGION)
    assert run.code == 3
    assert run.err.endswith(
        "'acne' is not its name; confirm with the exact name (--confirm acme)\n"
    )
    assert cli.writes() == []


def test_delete_on_a_terminal_does_not_ask_when_blocked(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When the plan is blocked, the prompt is skipped and delete exits 3 at once."""
    cli.create()
    cli.fake.load_data("acme", region=REGION, profiles=1)
    monkeypatch.setattr(sys, "stdin", Terminal("acme\n"))
    run = cli("delete", "acme", "--region", REGION)
    assert run.code == 3
    assert "Type the domain name" not in run.err
    assert "--allow-data-loss" in run.err.splitlines()[-1]
    assert cli.writes() == []


def test_the_prompt_with_allow_data_loss_does_not_ask_for_it(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With --allow-data-loss, the plan shown at the prompt says the data goes too, and no
    longer tells the person to pass the flag they passed."""
    cli.create()
    cli.fake.load_data("acme", region=REGION, profiles=4)
    monkeypatch.setattr(sys, "stdin", Terminal("acme\n"))
    run = cli("delete", "acme", "--region", REGION, "--allow-data-loss")
    assert run.code == 0, run.err
    assert "With --allow-data-loss, its profiles and objects are deleted too." in run.err
    assert "pass --allow-data-loss" not in run.err
    assert "Blocked" not in run.err


def test_delete_no_wait_tells_how_to_finish_in_flags(cli: Cli) -> None:
    """``--no-wait`` deletes the domain, skips the role, says so in flags (never wait=False),
    and prints the exact command that finishes, --fake included."""
    role = cli.create()
    run = cli("delete", "acme", "--region", REGION, "--confirm", "acme", "--no-wait")
    assert run.code == 0
    assert (
        f"Its role {role} may still exist: 'slrkit --fake delete acme --region eu-west-2 "
        f"--confirm acme --role {role}' makes sure it is gone." in run.out
    )
    assert "remove role    skipped  --no-wait" in run.out
    assert "wait=False" not in run.out + run.err
    assert run.err == "Deleting domain acme in eu-west-2...\n"


def test_delete_resumes_with_role(cli: Cli) -> None:
    """After --no-wait, ``delete --role`` finishes: the domain is already gone, the role goes."""
    role = cli.create()
    cli.fake.advance(1)
    cli("delete", "acme", "--region", REGION, "--confirm", "acme", "--no-wait")
    run = cli("delete", "acme", "--region", REGION, "--confirm", "acme", "--role", role)
    assert run.code == 0, run.err
    assert run.out.startswith("Domain acme in eu-west-2 was already deleted.")
    assert cli.fake.linked_roles() == ()


def test_delete_interrupted_while_it_waits_prints_the_rerun_with_the_role(cli: Cli) -> None:
    """Ctrl-C while delete waits for the role exits 130 with one envelope whose resume is the
    exact command that finishes, --role included; running it ends with domain and role gone."""
    role = cli.create()
    with ctrl_c_at("to remove role"):
        run = cli("--json", "delete", "acme", "--region", REGION, "--confirm", "acme")
    assert run.code == 130
    resume = run.error["resume"]
    assert resume == (
        f"slrkit --fake --json delete acme --region {REGION} --confirm acme --role {role}"
    )
    assert run.err.splitlines()[-1] == f"slrkit: error: interrupted; to finish, run: {resume}"
    assert cli.fake.domains(REGION) == ()
    rerun = cli(*shlex.split(resume)[2:])
    assert rerun.code == 0, rerun.err
    assert rerun.result["domain_deleted"] is False
    assert cli.fake.linked_roles() == ()


def test_delete_of_a_missing_domain_says_how_to_finish_an_earlier_run(cli: Cli) -> None:
    """A delete whose domain is gone (and no --role) exits 1 with no resume, and says both
    what to check and how to finish an earlier delete."""
    run = cli("--json", "delete", "ghost", "--region", REGION, "--confirm", "ghost")
    assert run.code == 1
    assert run.error == {
        "code": "domain-not-found",
        "message": (
            "domain 'ghost' does not exist in eu-west-2; check NAME and --region, or, if an "
            "earlier delete removed it, finish with the --role ROLE that it printed"
        ),
        "exit_code": 1,
        "resume": None,
        "aws": None,
    }
    assert cli.writes() == []


def test_a_failure_after_the_domain_went_gives_the_rerun_with_the_role() -> None:
    """When the role cannot be removed after the domain was deleted (another domain uses it),
    delete exits 3 with the report so far and the command that finishes, --role included."""
    fake = FakeAWS(role_cleanup_delay=None)
    profiles = fake.client("customer-profiles", REGION)
    profiles.create_domain(DomainName="acme", DefaultExpirationDays=5)
    profiles.create_domain(DomainName="other", DefaultExpirationDays=5)
    fake.advance(600)
    roles = fake.roles_in_use()
    acme_role = next(r for r, arns in roles.items() if arns[0].endswith("/acme"))
    other_role = next(r for r, arns in roles.items() if arns[0].endswith("/other"))
    profiles.tag_resource(
        resourceArn=f"arn:aws:profile:{REGION}:{fake.account_id}:domains/other",
        tags={LINKED_ROLE_TAG: acme_role},
    )
    with contextlib.redirect_stdout(io.StringIO()) as out:
        code = main(
            ["--fake", "--json", "delete", "acme", "--region", REGION, "--confirm", "acme"],
            fake=fake,
        )
    run = Run(code, out.getvalue(), "")
    assert run.code == 3
    assert run.error["code"] == "role-in-use"
    assert run.error["resume"] == (
        f"slrkit --fake --json delete acme --region {REGION} --confirm acme --role {other_role}"
    )
    assert run.result["domain_deleted"] is True
    assert fake.domains(REGION) == ("other",)


# -- policy -------------------------------------------------------------------------------


def test_policy_is_printed_in_both_modes(capsys: pytest.CaptureFixture[str]) -> None:
    """``policy`` prints the policy document, alone as text and as the envelope's result."""
    human = run_main(capsys, "policy")
    machine = run_main(capsys, "--json", "policy")
    assert human.code == machine.code == 0
    assert json.loads(human.out) == machine.result
    assert machine.result["Version"] == "2012-10-17"
    assert "iam:CreateServiceLinkedRole" in human.err
    assert machine.err == ""


# -- global options, configuration and how runs end ---------------------------------------


def test_fake_state_keeps_the_domain_between_commands(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``--fake --fake-state FILE`` keeps the fake between runs: role finds what ensure made."""
    state = str(tmp_path / "s.json")
    created = run_main(
        capsys, "--fake", "--fake-state", state, "--json", "ensure", "acme",
        "--region", REGION, "--expiration-days", "365",
    )  # fmt: skip
    assert created.code == 0, created.err
    role = created.result["linked_role"]["name"]
    shown = run_main(capsys, "--fake", "--fake-state", state, "role", "acme", "--region", REGION)
    assert shown.code == 0, shown.err
    assert shown.out.splitlines()[0] == (
        f"Domain acme in eu-west-2 uses the service-linked role {role}."
    )
    assert FakeAWS.load(state).domains(REGION) == ("acme",)


def test_a_state_that_cannot_be_saved_still_gives_one_envelope(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """When the fake's state cannot be saved after the command ran, stdout holds one envelope:
    the command's result, and the error that says the state was not saved (exit 1)."""
    state = str(tmp_path / "s.json")

    def full(self: FakeAWS, path: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(FakeAWS, "save", full)
    run = run_main(
        capsys, "--fake", "--fake-state", state, "--json", "plan-delete", "acme", "--region", REGION
    )
    assert run.code == 1
    assert run.result["domain_name"] == "acme"
    assert run.error["code"] == "state-not-saved"
    assert run.error["message"].startswith(
        f"the command ran, but the fake's state could not be saved in {state}: "
    )


def test_fake_without_state_starts_empty(capsys: pytest.CaptureFixture[str]) -> None:
    """``--fake`` alone keeps nothing: the next run does not find the domain."""
    run_main(capsys, "--fake", "ensure", "acme", "--region", REGION, "--expiration-days", "1")
    run = run_main(capsys, "--fake", "role", "acme", "--region", REGION)
    assert run.code == 1


def test_unreadable_fake_state_is_a_configuration_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A --fake-state file that is not a state file exits 2 and suggests another path."""
    state = tmp_path / "s.json"
    state.write_text("not json")
    run = run_main(
        capsys, "--json", "--fake", "--fake-state", str(state), "role", "a", "--region", REGION
    )
    assert run.code == 2
    assert run.error["code"] == "configuration"
    assert run.err.endswith("pass another --fake-state file, or delete this one\n")
    assert state.read_text() == "not json"


def test_fake_state_needs_fake(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--fake-state without --fake exits 2 instead of quietly calling AWS."""
    run = run_main(
        capsys, "--fake-state", str(tmp_path / "s.json"), "role", "a", "--region", REGION
    )
    assert run.code == 2
    assert run.err == "slrkit: error: --fake-state needs --fake: the file holds the fake's state\n"


def test_profile_and_fake_exclude_each_other(capsys: pytest.CaptureFixture[str]) -> None:
    """--profile with --fake exits 2."""
    run = run_main(capsys, "--fake", "--profile", "prod", "role", "a", "--region", REGION)
    assert run.code == 2
    assert "--profile and --fake exclude each other" in run.err


@pytest.mark.parametrize("where", ["--profile", "AWS_PROFILE", "--account-profile"])
def test_an_unknown_profile_is_a_configuration_error(
    where: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A profile that does not exist, named by --profile, AWS_PROFILE or --account-profile,
    exits 2 (nothing was sent) and says how to list profiles."""
    argv = ["--json", "role", "acme", "--region", REGION]
    if where == "--profile":
        argv = ["--profile", "nosuch", *argv]
    elif where == "AWS_PROFILE":
        monkeypatch.setenv("AWS_PROFILE", "nosuch")
    else:
        argv = ["--json", "audit", "--region", REGION, "--account-profile", "nosuch"]
    run = run_main(capsys, *argv)
    assert run.code == 2
    assert run.error["code"] == "configuration"
    assert run.err == (
        "slrkit: error: The config profile (nosuch) could not be found; "
        "'aws configure list-profiles' lists the profiles\n"
    )


def test_no_credentials_is_a_configuration_error(capsys: pytest.CaptureFixture[str]) -> None:
    """With no AWS credentials at all, nothing can be sent: exit 2, saying how to configure
    them or to use --fake."""
    run = run_main(capsys, "--json", "role", "acme", "--region", REGION)
    assert run.code == 2
    assert run.error["code"] == "configuration"
    assert run.err == (
        "slrkit: error: no AWS credentials found; configure them (aws configure, AWS_PROFILE "
        "or --profile), or try slrkit offline with --fake\n"
    )


def test_quiet_hides_progress(cli: Cli) -> None:
    """``-q`` leaves out the progress lines on stderr, not the result."""
    run = cli("-q", "ensure", "acme", "--region", REGION, "--expiration-days", "1")
    assert run.code == 0
    assert run.err == ""
    assert run.out.startswith("Created domain acme")


def test_verbose_logs_api_calls_and_shows_tracebacks(cli: Cli) -> None:
    """``-v`` logs each API call at DEBUG on stderr and prints the traceback of an error."""
    run = cli("-v", "role", "ghost", "--region", REGION)
    assert run.code == 1
    assert "slrkit: debug: customer-profiles GetDomain -> ResourceNotFoundException" in run.err
    assert "Traceback (most recent call last)" in run.err
    assert logging.getLogger("slrkit").handlers == []


def test_no_traceback_without_verbose(cli: Cli) -> None:
    """Without -v an error is exactly one line on stderr."""
    run = cli("role", "ghost", "--region", REGION)
    assert len(run.err.splitlines()) == 1


def test_unexpected_error_is_one_line_and_exit_1(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    """A bug surfaces as one line asking for -v and a report, with exit code 1 and no resume."""

    def boom(self: ProfilesKit, name: str) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(ProfilesKit, "describe_linked_role", boom)
    run = cli("--json", "role", "acme", "--region", REGION)
    assert run.code == 1
    assert run.error["code"] == "internal"
    assert run.error["resume"] is None
    assert run.err == (
        "slrkit: error: unexpected RuntimeError: boom; run it again with -v for the "
        "traceback, and please report it\n"
    )


def test_interrupt_exits_130_with_one_envelope(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    """Ctrl-C exits 130, says a rerun resumes, and --json still prints one envelope."""

    def interrupted(self: ProfilesKit, name: str) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(ProfilesKit, "describe_linked_role", interrupted)
    run = cli("--json", "role", "acme", "--region", REGION)
    assert run.code == 130
    assert run.error["code"] == "interrupted"
    assert run.error["resume"] == f"slrkit --fake --json role acme --region {REGION}"
    assert run.err == "slrkit: error: interrupted; running the same command again resumes\n"


# -- as a real process --------------------------------------------------------------------


def test_python_m_slrkit_keeps_state_across_processes(tmp_path: Path) -> None:
    """``python -m slrkit --fake --fake-state`` works as a real process, twice in a row."""
    env = without_aws_settings(os.environ)
    state = str(tmp_path / "s.json")
    base = [sys.executable, "-m", "slrkit", "--fake", "--fake-state", state]
    created = subprocess.run(  # noqa: S603 - our own interpreter and module
        [*base, "ensure", "acme", "--region", REGION, "--expiration-days", "365"],
        capture_output=True, text=True, check=False, env=env, timeout=60,
    )  # fmt: skip
    assert created.returncode == 0, created.stderr
    assert created.stdout.startswith("Created domain acme in eu-west-2.")
    shown = subprocess.run(  # noqa: S603 - our own interpreter and module
        [*base, "--json", "role", "acme", "--region", REGION],
        capture_output=True, text=True, check=False, env=env, timeout=60,
    )  # fmt: skip
    assert shown.returncode == 0, shown.stderr
    assert envelope(shown.stdout)["result"]["role"]["evidence"] == "tag"


# -- demo ---------------------------------------------------------------------------------


def test_demo_tells_the_whole_lifecycle(capsys: pytest.CaptureFixture[str]) -> None:
    """``demo`` runs create, inspect, refuse, empty, delete and check, counting the calls."""
    run = run_main(capsys, "demo")
    assert run.code == 0, run.err
    titles = [line for line in run.out.splitlines() if line[:2] in {f"{n}." for n in range(7)}]
    assert titles == [
        "1. Create domain demo in eu-west-2",
        "2. Inspect the role",
        "3. Try to delete it while customers' data is in it",
        "4. Empty it",
        "5. Delete it",
        "6. Check nothing is left",
    ]
    assert "slrkit refused and wrote nothing (the command line exits with 3)." in run.out
    assert "Customer Profiles removed it by itself" in run.out
    assert "Role AWSServiceRoleForProfile_" in run.out
    assert ": gone." in run.out
    assert "   0 API calls" in run.out
    assert run.out.count("API calls") == 7


def test_demo_json_counts_calls_per_chapter(capsys: pytest.CaptureFixture[str]) -> None:
    """``--json demo`` returns the chapters with per-operation counts that add up."""
    result = run_main(capsys, "--json", "demo").result
    assert result["clean"] is True
    chapters = result["chapters"]
    assert len(chapters) == 6
    assert sum(c["api_calls"] for c in chapters) == result["api_calls"]
    assert chapters[0]["operations"]["CreateDomain"] == 1
    assert "DeleteDomain" not in chapters[2]["operations"]
    assert chapters[4]["operations"]["DeleteDomain"] == 1


def test_demo_is_reproducible(capsys: pytest.CaptureFixture[str]) -> None:
    """Two demos make the same calls: the fake and the jitter are seeded."""
    first = run_main(capsys, "--json", "demo").result
    second = run_main(capsys, "--json", "demo").result
    assert first["chapters"] == second["chapters"]


def test_demo_in_an_unsupported_region(capsys: pytest.CaptureFixture[str]) -> None:
    """``demo --region`` refuses an unsupported region like every other command."""
    run = run_main(capsys, "demo", "--region", "us-east-2")
    assert run.code == 2
    assert "the closest supported region is 'us-east-1'" in run.err
