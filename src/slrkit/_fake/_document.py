"""A parsed JSON document read with checks: every value knows where it is, for messages.

The fake's state file and the contract suite's observations are both read this
way: each value is checked for its type and rule as it is taken, and a value
that breaks one raises `Malformed`, naming where it is and what is wrong, so a
damaged or hand-edited file fails as it is read rather than later.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, TypeVar, cast

from slrkit.exceptions import InvalidInputError

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["Malformed", "Value", "parse", "text"]

_T = TypeVar("_T")


class Malformed(Exception):  # noqa: N818  # a signal to the reader, which says what it read
    """A value that breaks its rule, at *where* in the document."""

    def __init__(self, where: str, problem: str) -> None:
        super().__init__(f"{where or 'the document'} {problem}")


def parse(data: bytes) -> Value:
    """The JSON in *data*, as the document's root `Value`.

    Raises:
        ValueError: *data* is not JSON (``NaN`` and ``Infinity`` are not JSON numbers).
    """

    def refuse(constant: str) -> float:
        raise ValueError(f"{constant} is not a JSON number")

    return Value(json.loads(data, parse_constant=refuse), "")


def text(where: str, value: object) -> str:
    """A rule for `Value.check`: any string.

    Raises:
        InvalidInputError: *value* is not a string.
    """
    if not isinstance(value, str):
        raise InvalidInputError(where, value, "must be a string")
    return value


class Value:
    """One value of the parsed document, and where it is, for messages."""

    def __init__(self, value: object, where: str) -> None:
        self.value = value
        self.where = where

    def get(self, key: str) -> object:
        """The member *key* if this is an object that has it, else None (for format and version)."""
        members = self.value
        if not isinstance(members, dict):
            return None
        return cast("dict[str, object]", members).get(key)

    def field(self, key: str) -> Value:
        """The member *key* of this object, which must be there."""
        members = self.members()
        if key not in members:
            raise Malformed(self.where, f"has no {key!r}")
        return members[key]

    def members(self) -> dict[str, Value]:
        """This object's members."""
        members = self.value
        if not isinstance(members, dict):
            raise self.wrong("a JSON object")
        members = cast("dict[str, object]", members)
        prefix = f"{self.where}." if self.where else ""
        return {key: Value(value, prefix + key) for key, value in members.items()}

    def items(self) -> list[Value]:
        """This array's items."""
        items = self.value
        if not isinstance(items, list):
            raise self.wrong("a JSON array")
        return [
            Value(item, f"{self.where}[{i}]") for i, item in enumerate(cast("list[object]", items))
        ]

    def check(self, rule: Callable[[str, object], _T]) -> _T:
        """The value, if *rule* (one of `_arguments`' checks) accepts it."""
        try:
            return rule(self.where, self.value)
        except ValueError as exc:
            raise self.broken(getattr(exc, "rule", exc)) from exc

    def optional(self, rule: Callable[[str, object], _T]) -> _T | None:
        """The value, if it is null or *rule* accepts it."""
        return None if self.value is None else self.check(rule)

    def wrong(self, expected: str) -> Malformed:
        """The error for a value that is not *expected*."""
        return self.broken(f"must be {expected}")

    def broken(self, rule: object) -> Malformed:
        """The error for a value that breaks *rule*."""
        return Malformed(self.where, f"is {self.value!r:.80}: {rule}")
