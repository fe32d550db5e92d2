"""Value checks against botocore shapes, compiled once per shape.

botocore validates only `required`, types and `min` on the way out
(`botocore/validate.py`); AWS services also enforce `max`, `enum` and `pattern`
on the way in. The fake runs these checks twice: on every request, to answer
like the service does, and (in strict mode) on every response it produces, so
that it cannot drift from the model unnoticed.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Generic, TypeVar, cast

from botocore.model import ListShape, MapShape, StructureShape

if TYPE_CHECKING:
    from botocore.model import Shape

__all__ = ["Check", "CheckerCache", "ShapeCache", "View", "compile_pattern"]


class View(dict[str, object]):
    """A response structure built from immutable records, and never changed once built.

    The fake hands out the same `View` for as long as the records behind it are
    unchanged (`World.view`), so the codecs need to check and write it only once:
    they keep what they made of it in `memo`, keyed by what they did and to which
    shape. A fresh dict is simply checked and written every time.
    """

    __slots__ = ("memo",)

    def __init__(self, members: Mapping[str, object]) -> None:
        super().__init__(members)
        self.memo: dict[str, object] = {}


Check = Callable[[object, str, list[str]], None]
"""A compiled check: `(value, path, violations)` appends one line per violation."""

# Java regex classes that Python's `re` lacks. The replacements are slightly broader
# (`\w` also holds marks), which only ever lets a value through, never rejects one.
_JAVA_CLASSES = {r"\p{L}": r"\w", r"\p{N}": r"\w", r"\p{Z}": r"\s"}


def compile_pattern(pattern: str) -> Callable[[str], object]:
    r"""Compile a model `pattern` (Java syntax) into a matcher returning a truthy value on success.

    Anchored patterns (`^...`) keep their own anchors; unanchored ones must match the
    whole value, as AWS services apply them. As in the services' regex engines, `$`
    matches only at the very end (Python's also before a final newline, so that
    ``acme\n`` would pass), and `\d` means 0-9 even where the Java classes make the
    pattern Unicode-aware.
    """
    translated, unicode = _translate(pattern)
    compiled = re.compile(translated, 0 if unicode else re.ASCII)
    if pattern.startswith("^") or pattern.endswith("$"):
        return compiled.search
    return compiled.fullmatch


def _translate(pattern: str) -> tuple[str, bool]:
    """*pattern* in Python's syntax, and whether it needs Unicode classes."""
    out: list[str] = []
    unicode = in_class = False
    position = 0
    while position < len(pattern):
        char = pattern[position]
        if char == "\\":
            java = pattern[position : position + 5]
            escape = pattern[position : position + 2]
            if java in _JAVA_CLASSES:
                out.append(_JAVA_CLASSES[java])
                unicode = True
                position += 5
                continue
            out.append(("0-9" if in_class else "[0-9]") if escape == r"\d" else escape)
            position += 2
            continue
        if char == "[" and not in_class:
            in_class = True
        elif char == "]" and in_class:
            in_class = False
        elif char == "$" and not in_class:
            char = r"\Z"
        out.append(char)
        position += 1
    return "".join(out), unicode


_SHOWN = 80  # characters of a bad value quoted in a message


def _describe(value: object) -> str:
    text = repr(value) if not isinstance(value, str) else value
    return text if len(text) <= _SHOWN else text[: _SHOWN - 3] + "..."


F = TypeVar("F", bound=Callable[..., object])


class ShapeCache(Generic[F]):
    """Functions compiled once per shape of one service, keyed by shape name.

    botocore builds new `Shape` objects on every `members` access, so walking the
    model per request would cost more than the work itself; compiling once makes
    the per-request path a chain of small closures. Subclasses say how in `_compile`.
    """

    def __init__(self) -> None:
        self._compiled: dict[str, F] = {}

    def get(self, shape: Shape) -> F:
        """Return the function for *shape*, compiling it (and its members) on first use."""
        found = self._compiled.get(shape.name)
        if found is None:
            # A forwarder stands in while the shape compiles, so recursive shapes terminate.
            cell: list[F] = []

            def forward(*args: object) -> object:
                return cell[0](*args)

            self._compiled[shape.name] = cast("F", forward)
            found = self._compile(shape)
            cell.append(found)
            self._compiled[shape.name] = found
        return found

    def _compile(self, shape: Shape) -> F:
        raise NotImplementedError


class CheckerCache(ShapeCache[Check]):
    """Compiled value checks for one service's shapes."""

    def _compile(self, shape: Shape) -> Check:  # noqa: PLR0911  # one return per shape type
        kind = shape.type_name
        if isinstance(shape, StructureShape):
            return self._structure(shape)
        if isinstance(shape, ListShape):
            return self._list(shape)
        if isinstance(shape, MapShape):
            return self._map(shape)
        if kind == "string":
            return _string(shape.metadata)
        if kind in ("integer", "long"):
            return _number(shape.metadata, (int,), "an integer")
        if kind in ("double", "float"):
            return _number(shape.metadata, (int, float), "a number")
        if kind == "boolean":
            return _exact(bool, "a boolean")
        if kind == "timestamp":
            return _timestamp
        if kind == "blob":
            return _exact((bytes, bytearray), "bytes")
        return _anything

    def _structure(self, shape: StructureShape) -> Check:
        members = {name: self.get(member) for name, member in shape.members.items()}
        # AWS names members in lower camel case in its messages: 'roleName', not 'RoleName'.
        shown = {name: name[:1].lower() + name[1:] for name in members}
        required = tuple(shape.required_members)
        passed = f"checked:{shape.name}"

        def check(value: object, path: str, out: list[str]) -> None:
            if type(value) is View:
                # A view that passed once passes again: neither it nor its records change.
                if passed in value.memo:
                    return
                found = len(out)
                check_fields(value, path, out)
                if len(out) == found:
                    value.memo[passed] = True
                return
            check_fields(value, path, out)

        def check_fields(value: object, path: str, out: list[str]) -> None:
            if not isinstance(value, Mapping):
                out.append(f"Value at '{path}' must be a structure, got {type(value).__name__}")
                return
            fields = cast("Mapping[str, object]", value)
            prefix = f"{path}." if path else ""
            out.extend(
                f"Value null at '{prefix}{shown[name]}' failed to satisfy constraint: "
                "Member must not be null"
                for name in required
                if name not in fields
            )
            for name, item in fields.items():
                member = members.get(name)
                if member is None:
                    out.append(f"Unknown member '{prefix}{name}'")
                elif item is not None:
                    member(item, prefix + shown[name], out)

        return check

    def _list(self, shape: ListShape) -> Check:
        member = self.get(shape.member)
        size = _size_check(shape.metadata)

        def check(value: object, path: str, out: list[str]) -> None:
            if not isinstance(value, (list, tuple)):
                out.append(f"Value at '{path}' must be a list, got {type(value).__name__}")
                return
            items = cast("Sequence[object]", value)
            size(items, len(items), path, out)
            for index, item in enumerate(items):
                member(item, f"{path}.{index + 1}", out)

        return check

    def _map(self, shape: MapShape) -> Check:
        key_check = self.get(shape.key)
        value_check = self.get(shape.value)
        size = _size_check(shape.metadata)

        def check(value: object, path: str, out: list[str]) -> None:
            if not isinstance(value, Mapping):
                out.append(f"Value at '{path}' must be a map, got {type(value).__name__}")
                return
            entries = cast("Mapping[object, object]", value)
            size(entries, len(entries), path, out)
            for key, item in entries.items():
                key_check(key, f"{path}.key", out)
                value_check(item, f"{path}.{key}", out)

        return check


SizeCheck = Callable[[object, int, str, list[str]], None]


def _violation(shown: object, path: str, rule: str) -> str:
    """A constraint violation, worded as AWS words it."""
    return f"Value '{shown}' at '{path}' failed to satisfy constraint: {rule}"


def _size_check(metadata: Mapping[str, object]) -> SizeCheck:
    low = metadata.get("min")
    high = metadata.get("max")

    def check(value: object, size: int, path: str, out: list[str]) -> None:
        if isinstance(low, (int, float)) and size < low:
            out.append(
                _violation(
                    _describe(value),
                    path,
                    f"Member must have length greater than or equal to {low}",
                )
            )
        if isinstance(high, (int, float)) and size > high:
            out.append(
                _violation(
                    _describe(value), path, f"Member must have length less than or equal to {high}"
                )
            )

    return check


def _string(metadata: Mapping[str, object]) -> Check:
    size = _size_check(metadata)
    enum = metadata.get("enum")
    allowed = (
        frozenset(str(item) for item in cast("list[object]", enum))
        if isinstance(enum, list)
        else None
    )
    pattern = metadata.get("pattern")
    matcher = compile_pattern(pattern) if isinstance(pattern, str) else None

    def check(value: object, path: str, out: list[str]) -> None:
        if not isinstance(value, str):
            out.append(f"Value at '{path}' must be a string, got {type(value).__name__}")
            return
        size(value, len(value), path, out)
        if allowed is not None and value not in allowed:
            out.append(
                _violation(
                    _describe(value),
                    path,
                    f"Member must satisfy enum value set: [{', '.join(sorted(allowed))}]",
                )
            )
        if matcher is not None and value and not matcher(value):
            out.append(
                _violation(
                    _describe(value),
                    path,
                    f"Member must satisfy regular expression pattern: {pattern}",
                )
            )

    return check


def _number(metadata: Mapping[str, object], types: tuple[type, ...], label: str) -> Check:
    low = metadata.get("min")
    high = metadata.get("max")

    def check(value: object, path: str, out: list[str]) -> None:
        if isinstance(value, bool) or not isinstance(value, types):
            out.append(f"Value at '{path}' must be {label}, got {type(value).__name__}")
            return
        number = float(value)  # type: ignore[arg-type]  # narrowed to int/float above
        if not math.isfinite(number):
            out.append(_violation(value, path, "Member must be a finite number"))
            return
        if isinstance(low, (int, float)) and number < low:
            out.append(
                _violation(value, path, f"Member must have value greater than or equal to {low}")
            )
        if isinstance(high, (int, float)) and number > high:
            out.append(
                _violation(value, path, f"Member must have value less than or equal to {high}")
            )

    return check


def _exact(types: type | tuple[type, ...], label: str) -> Check:
    def check(value: object, path: str, out: list[str]) -> None:
        if not isinstance(value, types):
            out.append(f"Value at '{path}' must be {label}, got {type(value).__name__}")

    return check


def _timestamp(value: object, path: str, out: list[str]) -> None:
    if not isinstance(value, dt.datetime) or value.tzinfo is None:
        out.append(f"Value at '{path}' must be a timezone-aware datetime, got {value!r}")


def _anything(value: object, path: str, out: list[str]) -> None:
    """Document shapes and other free-form values carry no constraints."""
