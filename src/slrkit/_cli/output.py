"""What the command line shows: aligned tables for people, one JSON document for scripts.

Results go to stdout; progress, prompts and errors go to stderr, so that
``slrkit --json ... | jq`` always reads exactly one document.
"""

from __future__ import annotations

import datetime as dt
import enum
import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Final, TextIO, cast

import attrs

from slrkit._models import ApiCall, DeletionPlan, DomainStats, EnsureResult, LinkedRole

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

__all__ = ["Output", "fields", "jsonable", "show", "table", "when"]

_NOTHING = "-"


class Output:
    """Where one run of the command writes, and how.

    Args:
        json: Write one JSON document instead of text.
        quiet: Leave out progress messages.
        stdout: The stream for results.
        stderr: The stream for progress, prompts and errors.
    """

    def __init__(
        self, *, json: bool, quiet: bool, stdin: TextIO, stdout: TextIO, stderr: TextIO
    ) -> None:
        self.json = json
        self.quiet = quiet
        self.stdin = stdin
        self.stdout = stdout
        self.stderr = stderr

    @property
    def interactive(self) -> bool:
        """True when a person can answer a question: stdin is a terminal."""
        isatty = getattr(self.stdin, "isatty", None)
        return bool(isatty and isatty())

    def result(self, document: Mapping[str, object], lines: Iterable[str]) -> None:
        """Write the result: *document* as JSON, or *lines* as text."""
        if self.json:
            self.document(document)
        else:
            for line in lines:
                self.stdout.write(f"{line}\n")

    def document(self, document: Mapping[str, object]) -> None:
        """Write *document* as indented JSON, its keys in the order they were built."""
        json.dump(jsonable(document), self.stdout, indent=2)
        self.stdout.write("\n")

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

    def error(self, message: str) -> None:
        """Write a one-line error to stderr."""
        self.stderr.write(f"slrkit: error: {message}\n")


# Properties worth a key of their own, next to the fields, in JSON documents.
_PROPERTIES: Final[Mapping[type, tuple[str, ...]]] = {
    ApiCall: ("ok",),
    DeletionPlan: ("safe",),
    DomainStats: ("is_empty",),
    EnsureResult: ("changed",),
    LinkedRole: ("is_healthy",),
}


def jsonable(value: object) -> object:
    """*value* as plain JSON types.

    An attrs value becomes an object keyed by its field names (then by the
    properties in ``_PROPERTIES``); those names are public API, so keys are stable.
    """
    kind = type(value)
    if attrs.has(kind):
        names = [field.name for field in attrs.fields(kind)] + list(_PROPERTIES.get(kind, ()))
        return {name: jsonable(getattr(value, name)) for name in names}
    if isinstance(value, enum.Enum):
        value = value.value
    elif isinstance(value, dt.datetime):
        value = value.astimezone(dt.timezone.utc).isoformat()
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in cast("Mapping[object, object]", value).items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [jsonable(v) for v in cast("Iterable[object]", value)]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def when(moment: dt.datetime | None) -> str:
    """A time for people: UTC, to the second."""
    if moment is None:
        return "never"
    return moment.astimezone(dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


def show(value: object) -> str:
    """A setting's value for people: ``-`` when it is not set."""
    if value is None or value == "":
        return _NOTHING
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
