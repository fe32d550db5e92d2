"""Every example of the README and of docs/ runs as written, on the fake, with its output checked.

Sybil finds the examples: ``python`` blocks run in one namespace per page, and those that start
with ``>>>`` are doctests, so the output they show is checked (``...`` stands for what varies).
``console`` blocks run in bash: each ``$ `` line is a command, and the lines under it, when there
are any, are what it must print. A block without ``$`` runs line by line and must exit 0. An
example that cannot run here says why in a ``<!-- skip: next "why" -->`` comment, which Sybil
reads; nothing else is left out, as the last test checks.

A page's examples run against a fresh `FakeAWS`: `boto3.Session()` hands out its sessions (a
profile named in an example is an account of that fake), and the shell's ``slrkit`` is this
interpreter's, in a temporary folder and with the AWS settings of a CI runner that deploys
elsewhere, which the fake never reads.
"""

from __future__ import annotations

import doctest
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final
from unittest import SkipTest

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

import boto3
import pytest
from sybil import Sybil
from sybil.parsers.markdown import CodeBlockParser, PythonCodeBlockParser, SkipParser
from sybil.parsers.markdown.lexers import FencedCodeBlockLexer

from hostile_aws_env import HOSTILE, is_aws_setting, without_aws_settings
from slrkit.testing import FakeAWS

if TYPE_CHECKING:
    from sybil import Example

ROOT: Final = Path(__file__).parent.parent
PAGES: Final = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
ACCOUNTS: Final = {"prod": "111111111111", "staging": "222222222222", "sandbox": "333333333333"}
"""The fake account behind each profile that an example names."""
RUN_LANGUAGES: Final = frozenset({"python", "console", "toml"})
"""The blocks that run (a toml block is parsed, for the examples after it)."""
DATA_LANGUAGES: Final = frozenset({"json", "text"})
"""The blocks that do not run: data that a test reads (json), or plain text."""
OPTIONS: Final = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
WATCHDOG_SECONDS: Final = 120


def _shell_env(folder: Path) -> dict[str, str]:
    """A shell whose ``slrkit`` and ``python`` are this interpreter's, and whose AWS settings
    (the suite's hostile ones) point everywhere but the fake."""
    for name in ("config", "credentials"):
        (folder / f".aws-{name}").write_text("[default]\nregion = mars-north-9\n")
    keep = without_aws_settings(os.environ)
    return (
        keep
        | HOSTILE
        | {
            "PATH": os.pathsep.join([str(Path(sys.executable).parent), keep.get("PATH", "")]),
            "AWS_CONFIG_FILE": str(folder / ".aws-config"),
            "AWS_SHARED_CREDENTIALS_FILE": str(folder / ".aws-credentials"),
            "COLUMNS": "100",
            "NO_COLOR": "1",
        }
    )


def _commands(source: str) -> list[tuple[str, str | None]]:
    """The block's commands, each with the output it shows (None: not shown, not checked)."""
    lines = source.splitlines()
    if not any(line.startswith("$ ") for line in lines):
        return [(line, None) for line in lines if line.strip() and not line.startswith("#")]
    commands: list[tuple[str, list[str]]] = []
    for line in lines:
        if line.startswith("$ "):
            commands.append((line[2:], []))
        elif commands:
            commands[-1][1].append(line)
    return [(command, "\n".join(shown) + "\n" if shown else None) for command, shown in commands]


def run_console(example: Example) -> str | None:
    """Run a ``console`` block in bash; a failure is the text Sybil reports."""
    folder = Path(example.namespace["folder"])
    bash = shutil.which("bash")
    assert bash is not None
    checker = doctest.OutputChecker()
    for command, shown in _commands(str(example.parsed)):
        ran = subprocess.run(  # noqa: S603 - bash, running the documentation's own lines
            [bash, "-c", f"set -euo pipefail\n{command}"],
            cwd=folder, env=example.namespace["shell_env"], capture_output=True, text=True,
            timeout=WATCHDOG_SECONDS, check=False,
        )  # fmt: skip
        if ran.returncode != 0:
            return f"$ {command}\nexited {ran.returncode}\n{ran.stdout}{ran.stderr}"
        if shown is not None and not checker.check_output(shown, ran.stdout, OPTIONS):
            return f"$ {command}\nshows:\n{shown}printed:\n{ran.stdout}"
    return None


def read_toml(example: Example) -> None:
    """A ``toml`` block must parse; the page's next examples find its text as ``TOML``."""
    tomllib.loads(str(example.parsed))
    example.namespace["TOML"] = str(example.parsed)


SYBIL: Final = Sybil(
    parsers=[
        PythonCodeBlockParser(doctest_optionflags=OPTIONS),
        CodeBlockParser("console", run_console),
        CodeBlockParser("toml", read_toml),
        SkipParser(),
    ],
)


def _fake_sessions(fake: FakeAWS) -> Any:
    """`boto3.Session` for the examples: sessions of *fake*, a profile being one of its accounts.

    A session given credentials of its own is a real one: the example talks to an endpoint
    it names (`slrkit serve`). It stays a type that every boto3 session is an instance of, as
    `Fleet` checks.
    """
    real = boto3.Session

    class SessionOfTheFake(type):
        def __instancecheck__(cls, instance: object) -> bool:
            return isinstance(instance, real)

        def __call__(
            cls,
            *,
            profile_name: str | None = None,
            region_name: str | None = None,
            aws_access_key_id: str | None = None,
            aws_secret_access_key: str | None = None,
        ) -> boto3.Session:
            if aws_access_key_id is not None:
                return real(
                    aws_access_key_id=aws_access_key_id,
                    aws_secret_access_key=aws_secret_access_key,
                    region_name=region_name,
                )
            return fake.session(region_name, account_id=ACCOUNTS.get(profile_name or ""))

    class Session(metaclass=SessionOfTheFake):
        pass

    return Session


def _page_id(path: Path) -> str:
    return str(path.relative_to(ROOT))


@pytest.mark.parametrize("page", PAGES, ids=_page_id)
def test_every_example_of_the_page_runs(
    page: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The page's examples run in order on one fresh fake; only those that say why are skipped."""
    for name in [name for name in os.environ if is_aws_setting(name)]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.chdir(tmp_path)
    fake = FakeAWS()
    fake.session()  # loads the fake's session class, which derives from the real boto3.Session
    monkeypatch.setattr(boto3, "Session", _fake_sessions(fake))
    document = SYBIL.parse(page)
    document.namespace.update(folder=str(tmp_path), shell_env=_shell_env(tmp_path))
    for example in document:
        failure = None
        try:
            example.evaluate()
        except SkipTest:
            continue
        except Exception as error:  # noqa: BLE001 - any failure, told with its line
            failure = f"{_page_id(page)}, line {example.line}:\n{error}"
        if failure is not None:
            pytest.fail(failure, pytrace=False)


def _blocks(page: Path) -> list[tuple[str, str]]:
    """Every fenced block of *page*: its line and its language, as Sybil's lexer reads them."""
    document = SYBIL.parse(page)
    lexer = FencedCodeBlockLexer(language=r"[\w-]*")
    return [
        (document.line_column(region.start), str(region.lexemes["language"]))
        for region in lexer(document)
    ]


@pytest.mark.parametrize("page", PAGES, ids=_page_id)
def test_every_block_is_an_example_or_data(page: Path) -> None:
    """A fenced block is python or console, which run, or data that a test reads: no example
    escapes the suite because of its language."""
    unknown = [
        (line, language)
        for line, language in _blocks(page)
        if language not in RUN_LANGUAGES | DATA_LANGUAGES
    ]
    assert unknown == []
