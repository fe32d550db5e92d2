"""What the command line shows: aligned tables for people, one JSON envelope for scripts.

Results go to stdout; progress, prompts and errors go to stderr, so that
``slrkit --json ... | jq`` always reads exactly one document: the envelope
(`slrkit._cli.envelope`) that `Output.finish` writes once the run is over,
whatever happened.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import TYPE_CHECKING, TextIO

from slrkit._cli.envelope import envelope
from slrkit._settings import Setting, settings_to_props

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence

    from slrkit._cli.failure import Failure

__all__ = ["Output", "fields", "show", "table", "when"]

_NOTHING = "-"


class Output:
    """Where one run of the command writes, and how.

    Args:
        json: Write one JSON envelope instead of text.
        quiet: Leave out progress messages.
        command: The command that runs, for the envelope; None when it cannot be told.
        stdin: Where a person answers a prompt.
        stdout: The stream for results.
        stderr: The stream for progress, prompts and errors.
    """

    def __init__(
        self,
        *,
        json: bool,
        quiet: bool,
        command: str | None,
        stdin: TextIO,
        stdout: TextIO,
        stderr: TextIO,
    ) -> None:
        self.json = json
        self.quiet = quiet
        self.command = command
        self.stdin = stdin
        self.stdout = stdout
        self.stderr = stderr
        self._result: object = None
        self._published = False

    @property
    def interactive(self) -> bool:
        """True when a person can answer a question: stdin is a terminal."""
        isatty = getattr(self.stdin, "isatty", None)
        return bool(isatty and isatty())

    def result(self, result: object, lines: Iterable[str]) -> None:
        """Keep *result* (a mapping or an attrs value) for the envelope, or write *lines* now."""
        self._result = result
        if not self.json:
            for line in lines:
                self.stdout.write(f"{line}\n")

    def publish(self) -> None:
        """Write the envelope of a successful run now, for a run that goes on (serve).

        A failure after this goes to stderr and the exit code only: stdout has its
        one document already.
        """
        if self.json:
            self._write(envelope(self.command, self._result, None))
        self._published = True
        self.stdout.flush()

    def finish(self, failure: Failure | None) -> None:
        """End the run: its error line on stderr, then its envelope, unless published."""
        if failure is not None:
            self.stderr.write(f"{failure.prog}: error: {failure.line}\n")
        if self.json and not self._published:
            self._write(envelope(self.command, self._result, failure))

    def tell(self, lines: Iterable[str]) -> None:
        """Write *lines* to stderr: the conversation around a prompt, never a result."""
        for line in lines:
            self.stderr.write(f"{line}\n")

    def ask(self, question: str) -> str:
        """Ask *question* on stderr and return the answer typed (empty at end of input)."""
        self.stderr.write(question)
        self.stderr.flush()
        return self.stdin.readline().rstrip("\r\n")

    def progress(self, message: str) -> None:
        """Tell the person waiting what is going on (stderr), unless quiet."""
        if not self.quiet:
            self.stderr.write(f"{message}\n")
            self.stderr.flush()

    def _write(self, document: Mapping[str, object]) -> None:
        json.dump(document, self.stdout, indent=2)
        self.stdout.write("\n")


def when(moment: dt.datetime | None) -> str:
    """A time for people: UTC, to the second."""
    if moment is None:
        return "never"
    return moment.astimezone(dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


def show(value: object) -> str:
    """A setting's value for people: ``-`` when it is not set, JSON when it is structured."""
    if value is None or value == "":
        return _NOTHING
    if isinstance(value, Setting):
        return json.dumps(settings_to_props(value))
    return str(value)


def table(headers: Sequence[str], rows: Iterable[Sequence[str]]) -> list[str]:
    """Lines of an aligned table, columns two spaces apart, with no trailing blanks."""
    grid = [list(headers), *(list(row) for row in rows)]
    widths = [max(len(row[i]) for row in grid) for i in range(len(headers))]
    return [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in grid
    ]


def fields(pairs: Iterable[tuple[str, str]]) -> list[str]:
    """Lines of ``label  value`` pairs, with the values aligned."""
    pairs = list(pairs)
    width = max((len(label) for label, _ in pairs), default=0)
    return [f"{label.ljust(width)}  {value}".rstrip() for label, value in pairs]
