"""``slrkit apply ESTATE.toml``: the plan, the apply, a second apply, failures and bad files."""

from __future__ import annotations

import shlex
import sys
import textwrap
from typing import TYPE_CHECKING, Final

import pytest

from cli_runs import Cli, isolate_from_aws, run_main
from slrkit._validate import LINKED_ROLE_TAG
from slrkit.testing import FakeAWS

if TYPE_CHECKING:
    from pathlib import Path

ESTATE: Final = """\
# The domains of the team, kept in git.

[[domain]]
name = "acme"
region = "eu-west-2"
default_expiration_days = 365
tags = { team = "cx" }

[[domain]]
name = "beta"
region = "us-east-1"
default_expiration_days = 30
data_store = { enabled = true }
"""


@pytest.fixture(autouse=True)
def no_real_aws(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Keep every test away from real credentials and config."""
    isolate_from_aws(monkeypatch, tmp_path)


@pytest.fixture
def cli(fake: FakeAWS, capsys: pytest.CaptureFixture[str]) -> Cli:
    """Runs ``slrkit --fake ...`` on the test's fake."""
    return Cli(fake, capsys)


def write(folder: Path, text: str) -> str:
    estate = folder / "estate.toml"
    estate.write_text(textwrap.dedent(text))
    return str(estate)


def test_without_yes_it_shows_the_plan_and_writes_nothing(cli: Cli, tmp_path: Path) -> None:
    """Without --yes, apply shows what it would create, per domain with its settings, exits
    0, and makes no write."""
    estate = write(tmp_path, ESTATE)
    run = cli("apply", estate)
    assert run.code == 0, run.err
    lines = run.out.splitlines()
    assert (
        lines[0]
        == f"Plan for {estate}: 2 create, 0 update, 0 unchanged, 0 failed (nothing was written)."
    )
    assert lines[2:5] == [
        "ACCOUNT  REGION     DOMAIN  ACTION  ERROR",
        "default  eu-west-2  acme    create  -",
        "default  us-east-1  beta    create  -",
    ]
    assert "  default_expiration_days  -       365" in lines
    assert lines[-1] == "Run it again with --yes to apply it."
    assert cli.writes() == []
    assert cli.fake.domains("eu-west-2") == ()


def test_with_yes_it_creates_every_domain_tagged_with_its_role(cli: Cli, tmp_path: Path) -> None:
    """With --yes, every domain is created with its settings and its link tag; the envelope
    lists each item, applied."""
    run = cli("--json", "apply", write(tmp_path, ESTATE), "--yes")
    assert run.code == 0, run.err
    result = run.result
    assert result["applied"] is True
    assert [(i["name"], i["region"], i["action"]) for i in result["items"]] == [
        ("acme", "eu-west-2", "created"),
        ("beta", "us-east-1", "created"),
    ]
    assert all(i["linked_role"] and i["error"] is None for i in result["items"])
    profiles = cli.fake.client("customer-profiles", "us-east-1")
    beta = profiles.get_domain(DomainName="beta")
    assert beta.get("DataStore", {}).get("Enabled") is True
    assert LINKED_ROLE_TAG in beta.get("Tags", {})
    assert cli.fake.domains("eu-west-2") == ("acme",)


def test_a_second_apply_changes_nothing(cli: Cli, tmp_path: Path) -> None:
    """Applying the same file again writes nothing and exits 0; a changed setting is then the
    one update, planned and applied."""
    estate = write(tmp_path, ESTATE)
    assert cli("apply", estate, "--yes").code == 0
    cli.fake.clear_calls()
    again = cli("apply", estate, "--yes")
    assert again.code == 0, again.err
    assert again.out.splitlines()[0] == (
        f"Applied {estate}: 0 created, 0 updated, 2 unchanged, 0 failed."
    )
    assert cli.writes() == []
    write(tmp_path, ESTATE.replace('team = "cx"', 'team = "ops"'))
    plan = cli("--json", "apply", estate)
    assert [i["action"] for i in plan.result["items"]] == ["updated", "unchanged"]
    assert plan.result["items"][0]["changes"] == [
        {"field": "tags[team]", "old": "cx", "new": "ops"}
    ]
    assert cli.writes() == []
    assert cli("apply", estate, "--yes").code == 0
    assert cli.writes() == ["TagResource"]


def test_a_failed_domain_exits_1_and_leaves_the_others_done(cli: Cli, tmp_path: Path) -> None:
    """One domain that fails stops no other: the run exits 1 with the items, the failure and
    the command that resumes, which then finishes the work."""
    estate = write(tmp_path, ESTATE)
    cli.fake.fail("CreateDomain", code="AccessDeniedException")
    run = cli("--json", "apply", estate, "--yes")
    assert run.code == 1
    items = {i["name"]: i for i in run.result["items"]}
    failed = [i for i in items.values() if i["action"] == "failed"]
    assert len(failed) == 1
    assert failed[0]["error"]["code"] == "access-denied"
    assert run.error["code"] == "items-failed"
    assert run.error["message"].startswith("1 of 2 domains failed, the first default ")
    done = next(i for i in items.values() if i["action"] == "created")
    assert cli.fake.domains(done["region"]) == (done["name"],)
    rerun = cli(*shlex.split(run.error["resume"])[2:])
    assert rerun.code == 0, rerun.err
    assert sorted(i["action"] for i in rerun.result["items"]) == ["created", "unchanged"]


ACCOUNTS: Final = """\
[accounts]
prod = { profile = "prod" }
staging = { profile = "staging" }

[[domain]]
name = "acme"
region = "eu-west-2"
account = "prod"
default_expiration_days = 365

[[domain]]
name = "acme"
region = "eu-west-2"
account = "staging"
default_expiration_days = 30
"""


def test_accounts_on_the_fake_are_fake_accounts_of_their_own(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """With --fake --fake-state, each account of [accounts] is its own fake account, so one
    name in one region is two domains; the state file keeps them for the next run."""
    state = str(tmp_path / "state.json")
    estate = write(tmp_path, ACCOUNTS)
    run = run_main(capsys, "--fake", "--fake-state", state, "--json", "apply", estate, "--yes")
    assert run.code == 0, run.err
    assert [i["account"] for i in run.result["items"]] == ["prod", "staging"]
    assert FakeAWS.load(state).domains("eu-west-2") == ()  # not the fake's own account
    again = run_main(capsys, "--fake", "--fake-state", state, "apply", estate)
    assert again.code == 0, again.err
    assert "0 create, 0 update, 2 unchanged" in again.out


def test_profile_and_accounts_exclude_each_other(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Each account names its profile, so --profile with an [accounts] table is a usage error."""
    run = run_main(capsys, "--profile", "p", "apply", write(tmp_path, ACCOUNTS))
    assert run.code == 2
    assert "--profile and the [accounts] of" in run.err


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            '[[domain]]\nname = "acme"\nregion = "eu-west-2"\nexpiration = 3\n',
            "{path}:4: unknown key 'expiration' in [[domain]]; it takes name, region, account",
        ),
        (
            ('[[domain]]\nname = "acme"\nregion = "eu-west-2"\ndefault_expiration_days = 3\n\n'
            '[[domain]]\nname = "acme"\nregion = "eu-west-2"\ndefault_expiration_days = 9\n'),
            "{path}:6: domain 'acme' in eu-west-2 of account default is already at line 1",
        ),
        (
            '[[domain]]\nname = "acme"\nregion = "eu-west2"\ndefault_expiration_days = 3\n',
            "{path}:3: region 'eu-west2' is invalid",
        ),
        (
            ('[accounts]\nprod = { profile = "prod" }\n\n[[domain]]\nname = "acme"\n'
            'region = "eu-west-2"\naccount = "prd"\ndefault_expiration_days = 3\n'),
            "{path}:7: unknown account 'prd'; one of prod",
        ),
        (
            ('[[domain]]\nname = "acme"\nregion = "eu-west-2"\naccount = "prod"\n'
            "default_expiration_days = 3\n"),
            "{path}:4: unknown account 'prod'; the file has no [accounts] table",
        ),
        (
            '[[domain]]\nname = "acme"\nregion = "eu-west-2"\ndefault_expiration_days = 0\n',
            "{path}:4: default_expiration_days 0 is invalid: must be from 1 to 1098",
        ),
        (
            ('[[domain]]\nname = "acme"\nregion = "eu-west-2"\ndefault_expiration_days = 3\n'
            "[domain.matching]\nenabled = 1\n"),
            "{path}:5: matching.enabled 1 is invalid: must be true or false",
        ),
        (
            '[[domain]]\nname = "a b"\nregion = "eu-west-2"\ndefault_expiration_days = 3\n',
            "{path}:2: name 'a b' is invalid",
        ),
        ('[[domain]]\nregion = "eu-west-2"\n', "{path}:1: a [[domain]] needs its name"),
        (
            '[[domain]]\nname = "acme"\nregion = "eu-west-2"\n',
            "{path}:1: domain 'acme' needs default_expiration_days (to create it)",
        ),
        ('owner = "cx"\n', "{path}:1: unknown key 'owner'; an estate holds an [accounts] table"),
        ('[accounts]\nprod = { role = "x" }\n', "{path}:2: unknown key 'role' in account"),
        ("[[domain]\n", "{path}: not TOML: "),
        ("# nothing yet\n", "{path}:1: no [[domain]] tables: nothing to apply"),
    ],
    ids=[
        "unknown-key", "duplicate", "region", "unknown-account", "no-accounts", "setting",
        "structured-setting", "name", "no-name", "no-days", "top-level-key", "account-key",
        "syntax", "empty",
    ],
)  # fmt: skip
def test_a_bad_file_is_a_usage_error_naming_its_line_and_nothing_is_sent(
    cli: Cli, tmp_path: Path, text: str, message: str
) -> None:
    """Unknown keys, duplicate domains, unsupported regions, unknown accounts and bad values
    exit 2 with one line that names the file and the line, before anything is sent."""
    estate = write(tmp_path, text)
    run = cli("--json", "apply", estate, "--yes")
    assert run.code == 2, run.err
    assert run.error["code"] in {"usage", "invalid-input"}
    assert run.error["message"].startswith(message.format(path=estate)), run.error["message"]
    assert len(run.err.splitlines()) == 1
    assert cli.ops() == []


@pytest.mark.skipif(sys.version_info >= (3, 11), reason="3.11 reads TOML with tomllib")
def test_without_tomli_python_3_10_is_told_the_extra_to_install(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The runtime needs only boto3 and attrs: on 3.10 without the toml extra, apply exits 2
    and names the extra, and nothing is sent."""
    monkeypatch.setitem(sys.modules, "tomli", None)  # what a missing package looks like
    estate = write(tmp_path, '[[domain]]\nname = "acme"\n')
    run = cli("--json", "apply", estate)
    assert run.code == 2
    assert run.error["message"] == (
        f"{estate}: reading TOML on Python 3.10 needs tomli: pip install 'slrkit-aws[toml]'"
    )
    assert cli.ops() == []


def test_a_missing_file_is_a_usage_error(cli: Cli, tmp_path: Path) -> None:
    """An estate file that cannot be read exits 2 and names it."""
    run = cli("apply", str(tmp_path / "nowhere.toml"))
    assert run.code == 2
    assert run.err.startswith(f"slrkit: error: {tmp_path / 'nowhere.toml'}: cannot read it: ")
