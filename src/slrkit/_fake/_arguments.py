"""Checks of the arguments the fake's test hooks take, made before any state changes.

The hooks are called from Python (`slrkit.testing.FakeAWS`) and, as JSON, from
``slrkit serve``'s admin endpoints, so neither may trust a type: a bool is not a
number, a float must be finite, a count is a non-negative integer. Every check
raises `slrkit.InvalidInputError` (a `ValueError`) that names the argument, the
value and the rule, as `slrkit._validate`'s rules do; those are reused for text.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Final, TypeGuard, cast

from slrkit._validate import check_in, check_int_range, check_pattern, validate_account_id
from slrkit.exceptions import InvalidInputError

__all__ = [
    "MAX_COUNT",
    "account_id",
    "aware",
    "choice",
    "count",
    "flag",
    "number",
    "optional_account_id",
    "positive",
    "region",
    "text",
]

MAX_COUNT: Final = 10**12
"""The largest count a hook takes (profiles, injected failures...): beyond, only a typo."""

_REGION: Final = check_pattern(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?", 1, 63)


def number(field: str, value: object, *, low: float = 0.0, high: float = math.inf) -> float:
    """Return *value* if it is a finite int or float (not a bool) from *low* to *high*.

    Raises:
        InvalidInputError: It is not.
    """
    rule = (
        f"must be a finite number from {_shown(low)} to {_shown(high)}"
        if math.isfinite(high)
        else f"must be a finite number >= {_shown(low)}"
    )
    if _is_number(value) and math.isfinite(value) and low <= value <= high:
        return float(value)
    raise InvalidInputError(field, value, rule)


def count(field: str, value: object, *, low: int = 0, high: int = MAX_COUNT) -> int:
    """Return *value* if it is an int (not a bool) from *low* to *high*.

    Raises:
        InvalidInputError: It is not.
    """
    check_int_range(low, high)(field, value)
    return cast("int", value)


def positive(field: str, value: object) -> float:
    """Return *value* if it is a finite int or float (not a bool) above 0.

    Raises:
        InvalidInputError: It is not.
    """
    if _is_number(value) and math.isfinite(value) and value > 0:
        return float(value)
    raise InvalidInputError(field, value, "must be a finite number > 0")


def _shown(bound: float) -> str:
    return str(int(bound)) if bound.is_integer() else f"{bound:g}"


def _is_number(value: object) -> TypeGuard[float]:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def flag(field: str, value: object) -> bool:
    """Return *value* if it is a bool.

    Raises:
        InvalidInputError: It is not.
    """
    if not isinstance(value, bool):
        raise InvalidInputError(field, value, "must be True or False")
    return value


def text(field: str, value: object, *, pattern: str = r".+", high: int = 1024) -> str:
    """Return *value* if it is a string of 1 to *high* characters that matches *pattern*.

    Raises:
        InvalidInputError: It is not.
    """
    check_pattern(pattern, 1, high)(field, value)
    return str(value)


def choice(field: str, value: object, choices: tuple[str, ...]) -> str:
    """Return *value* if it is one of *choices*.

    Raises:
        InvalidInputError: It is not.
    """
    check_in(*choices)(field, value)
    return str(value)


def region(field: str, value: object) -> str:
    """Return *value* if it has the form of a region code (``eu-west-2``).

    Raises:
        InvalidInputError: It does not.
    """
    _REGION(field, value)
    return str(value)


def account_id(field: str, value: object) -> str:
    """Return *value* if it is an account id: a string of 12 ASCII digits.

    Raises:
        InvalidInputError: It is not.
    """
    return validate_account_id(value, field)


def optional_account_id(value: object, default: str) -> str:
    """The ``account_id`` argument of a hook: *value* if given and valid, else *default*.

    Raises:
        InvalidInputError: It is given and not an account id.
    """
    return default if value is None else account_id("account_id", value)


def aware(field: str, value: object) -> dt.datetime:
    """Return *value* if it is a timezone-aware datetime.

    Raises:
        InvalidInputError: It is not.
    """
    if not isinstance(value, dt.datetime) or value.utcoffset() is None:
        raise InvalidInputError(field, value, "must be a timezone-aware datetime")
    return value
