"""The slrkit command line, run in-process through ``main`` against the fake."""

from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys
from typing import TYPE_CHECKING, Any, NamedTuple

import pytest

from slrkit._cli import main
from slrkit._cli.app import COMMANDS
from slrkit._kit import ProfilesKit
from slrkit._models import MANAGED_POLICY_ARN
from slrkit._regions import SUPPORTED_REGIONS
from slrkit._validate import LINKED_ROLE_TAG, ROLE_PATH
from slrkit.testing import FakeAWS

if TYPE_CHECKING:
    from pathlib import Path

    from mypy_boto3_customer_profiles.client import CustomerProfilesClient

REGION = "eu-west-2"
WRITES = frozenset(
    {
        "CreateDomain",
        "UpdateDomain",
        "DeleteDomain",
        "TagResource",
        "UntagResource",
        "DeleteServiceLinkedRole",
    }
)


class Run(NamedTuple):
    """What one run of the command showed."""

    code: int
    out: str
    err: str

    @property
    def document(self) -> Any:
        """stdout as the one JSON document it must be."""
        assert isinstance(json.loads(self.out), dict)
        return json.loads(self.out)


@pytest.fixture(autouse=True)
def no_real_aws(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Keep every test away from real credentials and config, and fix the help width."""
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.setenv("COLUMNS", "100")


@pytest.fixture
def cli(fake: FakeAWS, capsys: pytest.CaptureFixture[str]) -> Cli:
    """Runs ``slrkit --fake ...`` on the test's fake."""
    return Cli(fake, capsys)


class Cli:
    """``main`` with ``--fake`` on one fake, and what it printed."""

    def __init__(self, fake: FakeAWS, capsys: pytest.CaptureFixture[str]) -> None:
        self.fake = fake
        self.capsys = capsys

    def __call__(self, *argv: str) -> Run:
        code = main(["--fake", *argv], fake=self.fake)
        out, err = self.capsys.readouterr()
        return Run(code, out, err)

    def ops(self) -> list[str]:
        """The operations the fake received so far."""
        return [call.operation for call in self.fake.calls]

    def writes(self) -> list[str]:
        """The write operations the fake received so far."""
        return [op for op in self.ops() if op in WRITES]

    def create(self, name: str = "acme") -> str:
        """Create a domain through the CLI, forget its calls, and return its role's name."""
        run = self("--json", "ensure", name, "--region", REGION, "--expiration-days", "365")
        assert run.code == 0, run.err
        self.fake.clear_calls()
        return str(run.document["result"]["linked_role"]["name"])


def run_main(capsys: pytest.CaptureFixture[str], *argv: str) -> Run:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return Run(code, out, err)


class Terminal(io.StringIO):
    """A stdin that says it is a terminal; its text is what the person types."""

    def isatty(self) -> bool:
        return True


# -- the parser, help and usage errors ----------------------------------------------------


def test_help_lists_every_command_and_the_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    """``--help`` exits 0 and documents every command and every exit code."""
    run = run_main(capsys, "--help")
    assert run.code == 0
    for command in COMMANDS:
        assert f"    {command.name}" in run.out
    for line in ("0    ok", "1    an AWS call", "2    usage", "3    refused for safety"):
        assert line in run.out
    assert "slrkit demo" in run.out


def test_each_command_has_help(capsys: pytest.CaptureFixture[str]) -> None:
    """Every subcommand answers ``--help`` with its description and the global options."""
    for command in COMMANDS:
        run = run_main(capsys, command.name, "--help")
        assert run.code == 0
        assert f"usage: slrkit {command.name}" in run.out
        assert "--json" in run.out


def test_no_command_is_a_one_line_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    """Without a command, slrkit exits 2 with one line that points at --help."""
    run = run_main(capsys)
    assert run.code == 2
    assert run.out == ""
    assert run.err.splitlines() == [
        "slrkit: error: the following arguments are required: COMMAND; see 'slrkit --help'"
    ]


def test_missing_option_names_it_and_the_subcommand_help(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A missing required option exits 2, naming the option and the command's --help."""
    run = run_main(capsys, "ensure", "acme", "--expiration-days", "365")
    assert run.code == 2
    assert run.err.splitlines() == [
        (
            "slrkit ensure: error: the following arguments are required: --region; "
            "see 'slrkit ensure --help'"
        )
    ]


def test_malformed_tag_is_a_usage_error(cli: Cli) -> None:
    """``--tag`` without ``=`` exits 2 before any API call."""
    run = cli("ensure", "acme", "--region", REGION, "--expiration-days", "1", "--tag", "team")
    assert run.code == 2
    assert "expected KEY=VALUE, got 'team'" in run.err
    assert cli.ops() == []


def test_global_options_work_after_the_command_too(cli: Cli) -> None:
    """``--json`` after the subcommand means the same as before it."""
    run = cli("regions", "--json")
    assert run.code == 0
    assert run.document["regions"][0] == {"code": "us-east-1", "name": "US East (N. Virginia)"}


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
    """``--json regions`` is one document listing code and name of each region."""
    run = run_main(capsys, "--json", "regions")
    assert [r["code"] for r in run.document["regions"]] == list(SUPPORTED_REGIONS)


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
    """``--json ensure`` returns the action, the changes, the domain and the role."""
    run = cli("--json", "ensure", "acme", "--region", REGION, "--expiration-days", "365")
    assert run.code == 0
    result = run.document["result"]
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


def test_ensure_dry_run_writes_nothing(cli: Cli) -> None:
    """``ensure --dry-run`` shows what it would create and makes no write."""
    run = cli("ensure", "acme", "--region", REGION, "--expiration-days", "365", "--dry-run")
    assert run.code == 0
    assert run.out.startswith(
        "Would create domain acme in eu-west-2 (dry run: nothing was written)"
    )
    assert cli.writes() == []
    assert cli.fake.domains(REGION) == ()


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


def test_json_usage_error_is_a_document(cli: Cli) -> None:
    """With ``--json``, a validation error is also one JSON document with stable keys."""
    run = cli("--json", "role", "acme", "--region", "mars-1")
    assert run.code == 2
    assert run.document == {
        "error": {
            "type": "UnsupportedRegionError",
            "exit_code": 2,
            "message": run.err.removeprefix("slrkit: error: ").rstrip("\n"),
            "aws_code": None,
            "operation": None,
            "request_id": None,
        }
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
    document = run.document
    assert document["domain_name"] == "acme"
    assert document["region"] == REGION
    found = document["role"]
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


def test_role_of_a_missing_domain_is_an_aws_error(cli: Cli) -> None:
    """``role`` for a domain that does not exist exits 1 and says what to check."""
    run = cli("role", "ghost", "--region", REGION)
    assert run.code == 1
    assert run.err.startswith("slrkit: error: GetDomain failed with ResourceNotFoundException")
    assert run.err.endswith("; check NAME and --region\n")


def test_access_denied_points_at_the_policy(cli: Cli) -> None:
    """An AccessDenied from AWS exits 1 and points at ``slrkit policy``; JSON keeps the code."""
    cli.fake.fail("GetDomain", code="AccessDeniedException")
    run = cli("--json", "role", "acme", "--region", REGION)
    assert run.code == 1
    assert run.err.endswith("; 'slrkit policy' prints the IAM policy slrkit needs\n")
    error = run.document["error"]
    assert error["aws_code"] == "AccessDeniedException"
    assert error["operation"] == "GetDomain"
    assert error["request_id"]


# -- plan-delete --------------------------------------------------------------------------


def test_plan_delete_of_a_full_domain_is_blocked(cli: Cli) -> None:
    """``plan-delete`` shows the steps and the data blocker, and writes nothing."""
    role = cli.create()
    cli.fake.load_data("acme", region=REGION, profiles=12, objects=3)
    run = cli("plan-delete", "acme", "--region", REGION)
    assert run.code == 0
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
    assert cli.writes() == []


def test_plan_delete_json_of_an_empty_domain_is_safe(cli: Cli) -> None:
    """``--json plan-delete`` says ``safe`` with no blockers for an empty domain."""
    role = cli.create()
    plan = cli("--json", "plan-delete", "acme", "--region", REGION).document["plan"]
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
    assert "then waiting for its role to be removed..." in run.err
    assert cli.fake.domains(REGION) == ()
    assert cli.fake.linked_roles() == ()
    assert cli.writes() == ["DeleteDomain"]


def test_delete_json_report(cli: Cli) -> None:
    """``--json delete`` returns the report: steps, calls and who removed the role."""
    role = cli.create()
    report = cli("--json", "delete", "acme", "--region", REGION, "--confirm", "acme").document[
        "report"
    ]
    assert report["domain_deleted"] is True
    assert report["role_name"] == role
    assert report["role_removed_by"] == "service"
    assert [s["name"] for s in report["steps"]] == ["delete domain", "remove role"]
    assert len(report["calls"]) == len(cli.fake.calls)
    assert set(report["calls"][0]) == {"service", "operation", "error_code", "retries", "ok"}


def test_delete_refuses_a_domain_with_data(cli: Cli) -> None:
    """``delete`` of a domain holding data exits 3, names --allow-data-loss, deletes nothing."""
    cli.create()
    cli.fake.load_data("acme", region=REGION, profiles=5)
    run = cli("delete", "acme", "--region", REGION, "--confirm", "acme")
    assert run.code == 3
    assert run.err.splitlines()[-1] == (
        "slrkit: error: refusing to delete domain 'acme': it holds 5 profiles and 0 objects; "
        "empty it first, or pass --allow-data-loss to delete them too"
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
    assert as_json.document["error"]["type"] == "ConfirmationMismatchError"
    assert as_json.document["error"]["exit_code"] == 3
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


def test_delete_no_wait_tells_how_to_finish(cli: Cli) -> None:
    """``--no-wait`` deletes the domain, skips the role, and prints the command that finishes."""
    role = cli.create()
    run = cli("delete", "acme", "--region", REGION, "--confirm", "acme", "--no-wait")
    assert run.code == 0
    assert (
        f"Its role {role} may still exist: 'slrkit delete acme --region eu-west-2 "
        f"--confirm acme --role {role}' makes sure it is gone." in run.out
    )
    assert "skipped  wait=False" in run.out
    assert cli.ops().count("GetRole") == 1


def test_delete_resumes_with_role(cli: Cli) -> None:
    """After --no-wait, ``delete --role`` finishes: the domain is already gone, the role goes."""
    role = cli.create()
    cli.fake.advance(1)
    cli("delete", "acme", "--region", REGION, "--confirm", "acme", "--no-wait")
    run = cli("delete", "acme", "--region", REGION, "--confirm", "acme", "--role", role)
    assert run.code == 0, run.err
    assert run.out.startswith("Domain acme in eu-west-2 was already deleted.")
    assert cli.fake.linked_roles() == ()


# -- policy -------------------------------------------------------------------------------


def test_policy_is_printed_in_both_modes(capsys: pytest.CaptureFixture[str]) -> None:
    """``policy`` prints the same JSON document with and without --json."""
    human = run_main(capsys, "policy")
    machine = run_main(capsys, "--json", "policy")
    assert human.code == machine.code == 0
    assert human.document == machine.document
    assert human.document["Version"] == "2012-10-17"
    assert "iam:CreateServiceLinkedRole" in human.err
    assert machine.err == ""


# -- global options -----------------------------------------------------------------------


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
    role = created.document["result"]["linked_role"]["name"]
    shown = run_main(capsys, "--fake", "--fake-state", state, "role", "acme", "--region", REGION)
    assert shown.code == 0, shown.err
    assert shown.out.splitlines()[0] == (
        f"Domain acme in eu-west-2 uses the service-linked role {role}."
    )
    assert FakeAWS.load(state).domains(REGION) == ("acme",)


def test_fake_without_state_starts_empty(capsys: pytest.CaptureFixture[str]) -> None:
    """``--fake`` alone keeps nothing: the next run does not find the domain."""
    run_main(capsys, "--fake", "ensure", "acme", "--region", REGION, "--expiration-days", "1")
    run = run_main(capsys, "--fake", "role", "acme", "--region", REGION)
    assert run.code == 1


def test_unreadable_fake_state_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A --fake-state file that is not a state file exits 2 and suggests another path."""
    state = tmp_path / "s.json"
    state.write_text("not json")
    run = run_main(capsys, "--fake", "--fake-state", str(state), "role", "a", "--region", REGION)
    assert run.code == 2
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


def test_unknown_profile_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    """An unknown --profile exits 2 and says how to list profiles, before any call."""
    run = run_main(capsys, "--profile", "nosuch", "role", "acme", "--region", REGION)
    assert run.code == 2
    assert run.err == (
        "slrkit: error: The config profile (nosuch) could not be found; "
        "'aws configure list-profiles' lists the profiles\n"
    )


def test_no_credentials_suggests_the_fake(capsys: pytest.CaptureFixture[str]) -> None:
    """With no AWS credentials at all, the error says how to configure them or use --fake."""
    run = run_main(capsys, "role", "acme", "--region", REGION)
    assert run.code == 1
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
    """A bug surfaces as one line asking for -v and a report, with exit code 1."""

    def boom(self: ProfilesKit, name: str) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(ProfilesKit, "describe_linked_role", boom)
    run = cli("role", "acme", "--region", REGION)
    assert run.code == 1
    assert run.err == (
        "slrkit: error: unexpected RuntimeError: boom; run it again with -v for the "
        "traceback, and please report it\n"
    )


def test_interrupt_exits_130(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    """Ctrl-C exits 130 and says a rerun resumes."""

    def interrupted(self: ProfilesKit, name: str) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(ProfilesKit, "describe_linked_role", interrupted)
    run = cli("role", "acme", "--region", REGION)
    assert run.code == 130
    assert "resumes" in run.err


# -- as a real process --------------------------------------------------------------------


def test_python_m_slrkit_keeps_state_across_processes(tmp_path: Path) -> None:
    """``python -m slrkit --fake --fake-state`` works as a real process, twice in a row."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
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
    assert json.loads(shown.stdout)["role"]["evidence"] == "tag"


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
    document = run_main(capsys, "--json", "demo").document
    assert document["clean"] is True
    chapters = document["chapters"]
    assert len(chapters) == 6
    assert sum(c["api_calls"] for c in chapters) == document["api_calls"]
    assert chapters[0]["operations"]["CreateDomain"] == 1
    assert "DeleteDomain" not in chapters[2]["operations"]
    assert chapters[4]["operations"]["DeleteDomain"] == 1


def test_demo_is_reproducible(capsys: pytest.CaptureFixture[str]) -> None:
    """Two demos make the same calls: the fake and the jitter are seeded."""
    first = run_main(capsys, "--json", "demo").document
    second = run_main(capsys, "--json", "demo").document
    assert first["chapters"] == second["chapters"]


def test_demo_in_an_unsupported_region(capsys: pytest.CaptureFixture[str]) -> None:
    """``demo --region`` refuses an unsupported region like every other command."""
    run = run_main(capsys, "demo", "--region", "us-east-2")
    assert run.code == 2
    assert "the closest supported region is 'us-east-1'" in run.err
