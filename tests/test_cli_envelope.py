"""The ``--json`` contract: one envelope per run, every command and every failure, one schema.

Each run here goes through `cli_runs.envelope`, which validates stdout against the
schema that the package ships.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Final

import jsonschema
import pytest

from cli_runs import Run, envelope, isolate_from_aws
from slrkit._cli import main
from slrkit._cli.app import COMMANDS
from slrkit._cli.core import ExitCode
from slrkit._cli.envelope import SCHEMA_FILE, SCHEMA_VERSION, schema
from slrkit._cli.failure import ErrorCode, failure_of
from slrkit._kit import ProfilesKit
from slrkit.exceptions import UnreadableRegionsError
from slrkit.testing import FakeAWS, StateFileBusyError

REGION: Final = "eu-west-2"
ESTATE: Final = """\
[[domain]]
name = "acme"
region = "eu-west-2"
default_expiration_days = 30
"""


@pytest.fixture(autouse=True)
def no_real_aws(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Keep every test away from real credentials and config."""
    isolate_from_aws(monkeypatch, tmp_path)


def test_the_schema_is_shipped_valid_and_agrees_with_the_code() -> None:
    """The package's schema is a valid JSON Schema whose version, commands, error codes and
    exit codes are those of the code, with a result shape for every command."""
    shipped = schema()
    jsonschema.Draft202012Validator.check_schema(shipped)
    properties = shipped["properties"]
    assert properties["schema_version"] == {"const": SCHEMA_VERSION}
    assert properties["command"]["enum"] == [c.name for c in COMMANDS] + [None]
    error = shipped["$defs"]["error"]["properties"]
    assert error["code"]["enum"] == [code.word for code in ErrorCode]
    assert error["exit_code"]["enum"] == [int(c) for c in ExitCode if c is not ExitCode.OK]
    assert {c.name for c in COMMANDS} <= set(shipped["$defs"])
    assert SCHEMA_FILE == "cli-envelope.schema.json"


@pytest.mark.parametrize(
    "document",
    [
        {"schema_version": 1, "command": "regions", "ok": True, "result": {}, "error": None},
        {"schema_version": 1, "command": "regions", "ok": False, "result": None, "error": None},
        {"schema_version": 2, "command": None, "ok": True, "result": {}, "error": None},
        {"schema_version": 1, "command": "role", "ok": True, "result": {"role": {}}, "error": None},
    ],
    ids=["a result that is not the command's", "a failure without an error", "another version",
         "a role without its fields"],
)  # fmt: skip
def test_the_schema_refuses_what_breaks_the_contract(document: object) -> None:
    """The schema is strict enough to fail: wrong shapes and versions do not validate."""
    with pytest.raises(jsonschema.ValidationError):
        envelope(json.dumps(document))


# -- every command, succeeding ------------------------------------------------------------


def _estate(tmp_path: Path) -> str:
    estate = tmp_path / "estate.toml"
    estate.write_text(ESTATE)
    return str(estate)


def _created(fake: FakeAWS) -> None:
    fake.kit(REGION).ensure_domain("acme", default_expiration_days=30)


SUCCESSES: Final[dict[str, tuple[list[str], bool]]] = {
    "regions": (["regions"], False),
    "ensure": (["ensure", "acme", "--region", REGION, "--expiration-days", "30"], False),
    "role": (["role", "acme", "--region", REGION], True),
    "plan-delete": (["plan-delete", "acme", "--region", REGION], True),
    "delete": (["delete", "acme", "--region", REGION, "--confirm", "acme"], True),
    "apply": (["apply", "{estate}", "--yes"], False),
    "audit": (["audit", "--region", REGION], True),
    "cleanup-orphans": (["cleanup-orphans", "--region", REGION], True),
    "policy": (["policy"], False),
    "demo": (["demo"], False),
}
"""A successful run of each command but serve (whose envelope the signal tests read), and
whether it needs a domain first."""


def test_every_command_but_serve_has_a_successful_run_here() -> None:
    """The table of successes covers the commands (serve: in test_cli_signals)."""
    assert set(SUCCESSES) == {c.name for c in COMMANDS} - {"serve"}


@pytest.mark.parametrize("name", SUCCESSES)
def test_every_command_succeeds_in_one_envelope(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Each command's --json success is one envelope: version 1, its name, ok, a result of its
    own shape, no error, and exit code 0, a plain int that prints as 0 on every Python."""
    argv, needs_domain = SUCCESSES[name]
    fake = FakeAWS()
    if needs_domain:
        _created(fake)
    command = next(c for c in COMMANDS if c.name == name)
    fake_options = ["--fake"] if command.uses_aws else []
    argv = [word.format(estate=_estate(tmp_path)) for word in argv]
    code = main([*fake_options, "--json", *argv], fake=fake)
    out, err = capsys.readouterr()
    assert code == 0, err
    assert type(code) is int
    assert str(code) == "0"
    document = envelope(out)
    assert document["schema_version"] == 1
    assert document["command"] == name
    assert document["ok"] is True
    assert document["error"] is None
    assert isinstance(document["result"], dict)


# -- every failure ------------------------------------------------------------------------

Setup = Callable[[FakeAWS, pytest.MonkeyPatch, Path], list[str]]


def _usage(fake: FakeAWS, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[str]:
    return ["bogus"]


def _invalid(fake: FakeAWS, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[str]:
    return ["ensure", "acme", "--region", REGION, "--expiration-days", "0"]


def _configuration(fake: FakeAWS, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[str]:
    (tmp_path / "state.json").write_text("{}")
    return ["--fake-state", str(tmp_path / "state.json"), "role", "acme", "--region", REGION]


def _not_confirmed(fake: FakeAWS, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[str]:
    return ["delete", "acme", "--region", REGION, "--confirm", "acm"]


def _blocked(fake: FakeAWS, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[str]:
    _created(fake)
    fake.load_data("acme", region=REGION, profiles=1)
    return ["delete", "acme", "--region", REGION, "--confirm", "acme"]


def _ambiguous(fake: FakeAWS, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[str]:
    profiles = fake.client("customer-profiles", REGION)
    profiles.create_domain(DomainName="acme", DefaultExpirationDays=3)
    created = profiles.get_domain(DomainName="acme")["CreatedAt"]
    fake.add_linked_role(region=REGION, created_at=created, last_used_region=REGION)
    fake.advance(600)
    return ["role", "acme", "--region", REGION]


def _refused(fake: FakeAWS, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[str]:
    fake.add_linked_role(
        region=REGION, created_at=fake.clock.now() - dt.timedelta(days=30), last_used_region=REGION
    )
    fake.fail("DeleteServiceLinkedRole", code="AccessDenied")
    return ["cleanup-orphans", "--yes"]


def _not_found(fake: FakeAWS, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[str]:
    return ["role", "ghost", "--region", REGION]


def _young(fake: FakeAWS, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[str]:
    fake.client("customer-profiles", REGION).create_domain(
        DomainName="acme", DefaultExpirationDays=3
    )
    return ["role", "acme", "--region", REGION]


def _failing(operation: str, code: str, times: int = 1) -> Setup:
    def setup(fake: FakeAWS, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[str]:
        fake.fail(operation, code=code, times=times)
        return ["role", "acme", "--region", REGION]

    return setup


def _unreachable(fake: FakeAWS, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[str]:
    fake.fail_connection("GetDomain", times=100)
    return ["role", "acme", "--region", REGION]


def _deadline(fake: FakeAWS, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[str]:
    return ["ensure", "acme", "--region", REGION, "--expiration-days", "3", "--timeout", "1"]


def _busy(fake: FakeAWS, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[str]:
    def busy(path: object, **_: object) -> None:
        raise StateFileBusyError(f"{path} is held by process 4242")

    monkeypatch.setattr(FakeAWS, "open", busy)
    return ["--fake-state", str(tmp_path / "state.json"), "role", "acme", "--region", REGION]


def _unsaved(fake: FakeAWS, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[str]:
    def full(self: FakeAWS, path: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(FakeAWS, "save", full)
    return ["--fake-state", str(tmp_path / "s.json"), "plan-delete", "a", "--region", REGION]


def _raising(exc: BaseException) -> Setup:
    def setup(fake: FakeAWS, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[str]:
        def describe(self: ProfilesKit, name: str) -> None:
            raise exc

        monkeypatch.setattr(ProfilesKit, "describe_linked_role", describe)
        return ["role", "acme", "--region", REGION]

    return setup


def _items_failed(fake: FakeAWS, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[str]:
    fake.fail("CreateDomain", code="AccessDeniedException")
    return ["apply", _estate(tmp_path), "--yes"]


def _incomplete(fake: FakeAWS, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[str]:
    fake.fail("ListDomains", code="AccessDeniedException")
    return ["audit", "--region", REGION]


def _role_in_use(fake: FakeAWS, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[str]:
    other = fake.kit(REGION).ensure_domain("other", default_expiration_days=5).linked_role
    assert other is not None
    return ["delete", "gone", "--region", REGION, "--confirm", "gone", "--role", other.name]


FAILURES: Final[dict[ErrorCode, Setup]] = {
    ErrorCode.USAGE: _usage,
    ErrorCode.INVALID_INPUT: _invalid,
    ErrorCode.CONFIGURATION: _configuration,
    ErrorCode.NOT_CONFIRMED: _not_confirmed,
    ErrorCode.BLOCKED: _blocked,
    ErrorCode.AMBIGUOUS_ROLE: _ambiguous,
    ErrorCode.ROLE_IN_USE: _role_in_use,
    ErrorCode.REFUSED: _refused,
    ErrorCode.DOMAIN_NOT_FOUND: _not_found,
    ErrorCode.ROLE_NOT_FOUND: _young,
    ErrorCode.ACCESS_DENIED: _failing("GetDomain", "AccessDeniedException"),
    ErrorCode.THROTTLED: _failing("GetDomain", "ThrottlingException", times=100),
    ErrorCode.UNREACHABLE: _unreachable,
    ErrorCode.AWS_ERROR: _failing("GetDomain", "BadRequestException"),
    ErrorCode.DEADLINE: _deadline,
    ErrorCode.STATE_FILE_BUSY: _busy,
    ErrorCode.STATE_NOT_SAVED: _unsaved,
    ErrorCode.SYSTEM_ERROR: _raising(PermissionError(13, "Permission denied")),
    ErrorCode.ITEMS_FAILED: _items_failed,
    ErrorCode.AUDIT_INCOMPLETE: _incomplete,
    ErrorCode.INTERNAL: _raising(RuntimeError("boom")),
    ErrorCode.INTERRUPTED: _raising(KeyboardInterrupt()),
}
"""How to end a --fake run in each error code; regions-unreadable is checked on its own."""


def test_every_error_code_but_one_has_a_run_here() -> None:
    """The table of failures covers every code (regions-unreadable needs a denied region)."""
    assert set(FAILURES) == set(ErrorCode) - {ErrorCode.REGIONS_UNREADABLE}


@pytest.mark.parametrize("code", FAILURES, ids=lambda c: c.word)
def test_every_failure_is_one_envelope_with_its_code(
    code: ErrorCode,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Each kind of failure exits with its code's exit code, and prints one envelope (ok
    false, the error's code and words, a resume exactly when running again finishes) and
    one error line on stderr."""
    fake = FakeAWS(role_cleanup_delay=None)
    argv = FAILURES[code](fake, monkeypatch, tmp_path)
    exit_code = main(["--fake", "--json", *argv], fake=fake if "--fake-state" not in argv else None)
    out, err = capsys.readouterr()
    run = Run(exit_code, out, err)
    assert run.code == code.exit_code, err
    assert type(exit_code) is int
    assert run.document["ok"] is False
    assert run.error["code"] == code.word
    assert (run.error["resume"] is not None) is code.resumable
    assert err.count("slrkit") >= 1
    assert err.splitlines()[-1].split(": error: ", 1)[1].startswith(run.error["message"])


def test_an_unreadable_region_is_told_in_command_line_words() -> None:
    """A region the evidence could not read is its own code, and its words name no Python
    parameter (the kit's message says account_regions, which the command line has not)."""
    failure = failure_of(UnreadableRegionsError("acme", [("us-east-1", "denied")]), rerun=None)
    assert failure.code is ErrorCode.REGIONS_UNREADABLE
    assert failure.exit_code == 1
    assert "account_regions" not in failure.message
    assert failure.message.endswith(
        "(us-east-1: denied); check the credentials' access to those regions"
    )
