"""Running the command line in tests, and reading what it showed.

Every JSON document a test reads goes through `envelope`: stdout must hold exactly
one document, and it must validate against the schema the package ships.
"""

from __future__ import annotations

import json
import os
from typing import TYPE_CHECKING, Any, NamedTuple

import jsonschema

from hostile_aws_env import is_aws_setting
from slrkit._cli import main
from slrkit._cli.envelope import schema
from writes import WRITES

if TYPE_CHECKING:
    from pathlib import Path

    import pytest

    from slrkit.testing import FakeAWS

__all__ = ["Cli", "Run", "envelope", "isolate_from_aws", "run_main"]


_VALIDATOR = jsonschema.Draft202012Validator(
    schema(), format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
)


def envelope(stdout: str) -> dict[str, Any]:
    """*stdout* as the one JSON envelope it must be, checked against the shipped schema."""
    document: object = json.loads(stdout)  # a second document would be "Extra data"
    _VALIDATOR.validate(document)  # pyright: ignore[reportUnknownMemberType]
    assert isinstance(document, dict)
    return document  # pyright: ignore[reportUnknownVariableType]


class Run(NamedTuple):
    """What one run of the command showed."""

    code: int
    out: str
    err: str

    @property
    def document(self) -> dict[str, Any]:
        """stdout as the one envelope it must be, validated."""
        return envelope(self.out)

    @property
    def result(self) -> Any:
        """The envelope's result."""
        return self.document["result"]

    @property
    def error(self) -> Any:
        """The envelope's error, with its exit code checked against the run's."""
        error = self.document["error"]
        assert error["exit_code"] == self.code
        return error


def isolate_from_aws(monkeypatch: pytest.MonkeyPatch, folder: Path) -> None:
    """Keep a test away from real credentials, config and regions, and fix the help width."""
    for name in [name for name in os.environ if is_aws_setting(name)]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(folder / "no-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(folder / "no-credentials"))
    monkeypatch.setenv("COLUMNS", "100")


def run_main(capsys: pytest.CaptureFixture[str], *argv: str) -> Run:
    """``slrkit ARGV...``, in-process."""
    code = main(list(argv))
    out, err = capsys.readouterr()
    return Run(code, out, err)


class Cli:
    """``slrkit --fake ...`` on one fake, and what it printed."""

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

    def create(self, name: str = "acme", region: str = "eu-west-2") -> str:
        """Create a domain through the CLI, forget its calls, and return its role's name."""
        run = self("--json", "ensure", name, "--region", region, "--expiration-days", "365")
        assert run.code == 0, run.err
        self.fake.clear_calls()
        return str(run.result["linked_role"]["name"])
