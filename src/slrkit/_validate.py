"""Local checks for every limit the APIs set but botocore does not enforce.

botocore validates only required members, types and minimums. The maximums,
patterns and enums in the service models are enforced here, before any call,
so that an error names the field, the value and the rule instead of arriving as
a ``BadRequestException`` halfway through a deletion.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Collection, Mapping
from typing import Final, cast

from slrkit.exceptions import ConfirmationMismatchError, InvalidInputError

__all__ = [
    "LINKED_ROLE_TAG",
    "MAX_TAGS",
    "ROLE_NAME_PREFIX",
    "ROLE_PATH",
    "Rule",
    "check_flag",
    "check_in",
    "check_int_range",
    "check_length",
    "check_pattern",
    "check_seconds",
    "is_profile_role",
    "validate_account_id",
    "validate_confirm",
    "validate_dead_letter_queue_url",
    "validate_default_encryption_key",
    "validate_domain_name",
    "validate_expiration_days",
    "validate_linked_role_name",
    "validate_role_name",
    "validate_tag_keys",
    "validate_tags",
]

ROLE_PATH: Final = "/aws-service-role/profile.amazonaws.com/"
"""The IAM path of every Customer Profiles service-linked role."""

ROLE_NAME_PREFIX: Final = "AWSServiceRoleForProfile_"
"""The name prefix of every Customer Profiles service-linked role."""

LINKED_ROLE_TAG: Final = "slrkit:linked-role"
"""The domain tag in which slrkit records the name of the domain's role."""

MAX_TAGS: Final = 50
"""The most tags a domain takes, slrkit's own included."""


def is_profile_role(name: str, path: str) -> bool:
    """True for a role slrkit may ever touch: a Customer Profiles SLR by path and name."""
    return path == ROLE_PATH and name.startswith(ROLE_NAME_PREFIX) and name != ROLE_NAME_PREFIX


# Every pattern is matched against the whole string (`fullmatch`): with `match`, the
# model's trailing `$` also accepts a final newline ("acme\n").
_DOMAIN_NAME: Final = re.compile(r"[a-zA-Z0-9_-]+")
# The model's pattern `^(?!aws:)[a-zA-Z+-=._:/]+$`; `+-=` is a range that
# includes the digits, so it is kept verbatim rather than "fixed". The `aws:`
# prefix is checked apart: AWS reserves it in any case.
_TAG_KEY: Final = re.compile(r"[a-zA-Z+-=._:/]+")
_ACCOUNT_ID: Final = re.compile(r"[0-9]{12}")

Rule = Callable[[str, object], None]
"""A check of one value: ``rule(field, value)`` raises `InvalidInputError` or returns."""


def check_length(lo: int, hi: int) -> Rule:
    """A rule: the value is a string of *lo* to *hi* characters."""

    def rule(field: str, value: object) -> None:
        if not isinstance(value, str):
            raise InvalidInputError(field, value, "must be a string")
        if not lo <= len(value) <= hi:
            raise InvalidInputError(
                field, value, f"must be {lo} to {hi} characters long (got {len(value)})"
            )

    return rule


def check_pattern(pattern: str, lo: int, hi: int) -> Rule:
    """A rule: a string of *lo* to *hi* characters that matches *pattern*."""
    compiled = re.compile(pattern, re.ASCII)  # the models mean ASCII `\w`, as IAM does
    length = check_length(lo, hi)

    def rule(field: str, value: object) -> None:
        length(field, value)
        if not compiled.fullmatch(str(value)):
            raise InvalidInputError(field, value, f"must match {pattern}")

    return rule


def check_int_range(lo: int, hi: int) -> Rule:
    """A rule: an integer (not a bool) from *lo* to *hi*."""

    def rule(field: str, value: object) -> None:
        if isinstance(value, bool) or not isinstance(value, int):
            raise InvalidInputError(field, value, f"must be an integer from {lo} to {hi}")
        if not lo <= value <= hi:
            raise InvalidInputError(field, value, f"must be from {lo} to {hi}")

    return rule


def check_in(*choices: str) -> Rule:
    """A rule: one of *choices*."""

    def rule(field: str, value: object) -> None:
        if value not in choices:
            raise InvalidInputError(field, value, f"must be one of {', '.join(choices)}")

    return rule


def check_flag(field: str, value: object) -> bool:
    """Return *value* if it is a real bool: consent is never read from a string or a number.

    Raises:
        InvalidInputError: Anything but True or False (``"false"``, ``0``, None...).
    """
    if not isinstance(value, bool):
        raise InvalidInputError(field, value, "must be True or False")
    return value


def check_seconds(field: str, value: object, *, allow_zero: bool = True) -> float:
    """Return *value* if it is a finite number of seconds, 0 or more (or above 0).

    Raises:
        InvalidInputError: A bool, a non-number, NaN, an infinity, a negative value, or
            0 when *allow_zero* is False.
    """
    number = not isinstance(value, bool) and isinstance(value, (int, float))
    if (
        not number
        or not math.isfinite(value)  # type: ignore[arg-type]
        or value < 0  # type: ignore[operator]
        or (value == 0 and not allow_zero)
    ):
        rule = "0 or more" if allow_zero else "above 0"
        raise InvalidInputError(field, value, f"must be a finite number of seconds, {rule}")
    return float(value)  # type: ignore[arg-type]


_EXPIRATION_DAYS: Final = check_int_range(1, 1098)
_UP_TO_255: Final = check_length(0, 255)
_ROLE_NAME_RULE: Final = check_pattern(r"[\w+=,.@-]+", 1, 64)


def validate_domain_name(name: object, field: str = "domain_name") -> str:
    """Return *name* if it is a valid Customer Profiles domain name.

    Raises:
        InvalidInputError: Not 1 to 64 characters of ``[a-zA-Z0-9_-]``.
    """
    if not isinstance(name, str):
        raise InvalidInputError(field, name, "must be a string")
    if not 1 <= len(name) <= 64:  # noqa: PLR2004 - the model's limit
        raise InvalidInputError(field, name, f"must be 1 to 64 characters long (got {len(name)})")
    if not _DOMAIN_NAME.fullmatch(name):
        raise InvalidInputError(
            field, name, "may contain only letters, digits, '_' and '-' (^[a-zA-Z0-9_-]+$)"
        )
    return name


def validate_account_id(account_id: object, field: str = "account_id") -> str:
    """Return *account_id* if it is an AWS account id: a string of 12 ASCII digits.

    Raises:
        InvalidInputError: Not a string, or not exactly 12 of ``0-9`` (an int loses
            leading zeros, and other scripts' digits are no account).
    """
    if not isinstance(account_id, str) or not _ACCOUNT_ID.fullmatch(account_id):
        raise InvalidInputError(field, account_id, "must be a string of 12 digits 0-9")
    return account_id


def validate_expiration_days(days: object) -> int:
    """Return *days* if it is a valid ``DefaultExpirationDays``.

    Raises:
        InvalidInputError: Not an integer from 1 to 1098 (a bool is refused).
    """
    _EXPIRATION_DAYS("default_expiration_days", days)
    return cast("int", days)


def validate_default_encryption_key(key: object) -> str:
    """Return *key* if it fits ``DefaultEncryptionKey`` (at most 255 characters).

    The empty string is allowed: on an update it clears the key.

    Raises:
        InvalidInputError: Not a string of at most 255 characters.
    """
    _UP_TO_255("default_encryption_key", key)
    return str(key)


def validate_dead_letter_queue_url(url: object) -> str:
    """Return *url* if it fits ``DeadLetterQueueUrl`` (at most 255 characters).

    The empty string is allowed: on an update it clears the queue.

    Raises:
        InvalidInputError: Not a string of at most 255 characters.
    """
    _UP_TO_255("dead_letter_queue_url", url)
    return str(url)


def _check_tag_key(field: str, key: object, *, reserved_ok: bool) -> str:
    if not isinstance(key, str) or not 1 <= len(key) <= 128:  # noqa: PLR2004
        raise InvalidInputError(field, key, "a tag key must be 1 to 128 characters long")
    if key[:4].lower() == "aws:":
        raise InvalidInputError(
            field, key, "a tag key must not start with 'aws:' in any case: AWS reserves it"
        )
    if not _TAG_KEY.fullmatch(key):
        raise InvalidInputError(
            field, key, "a tag key may contain only letters, digits and + - = . _ : /"
        )
    if key == LINKED_ROLE_TAG and not reserved_ok:
        raise InvalidInputError(field, key, "this tag is managed by slrkit")
    return key


def validate_tags(tags: object, *, reserved_ok: bool = False) -> dict[str, str]:
    """Return a copy of *tags* if every key and value is valid.

    Args:
        tags: The tag map.
        reserved_ok: Whether the key ``slrkit:linked-role``, which slrkit manages,
            may appear.

    Raises:
        InvalidInputError: Not a mapping of at most 50 entries, a key that is not 1 to
            128 characters of the allowed set or that starts with ``aws:``, or a value
            longer than 256 characters.
    """
    if not isinstance(tags, Mapping):
        raise InvalidInputError("tags", tags, "must be a mapping of tag keys to values")
    checked: dict[str, str] = {}
    for key, value in cast("Mapping[object, object]", tags).items():
        checked_key = _check_tag_key("tags", key, reserved_ok=reserved_ok)
        if not isinstance(value, str) or len(value) > 256:  # noqa: PLR2004
            raise InvalidInputError(
                f"tags[{key!r}]", value, "a tag value must be a string of at most 256 characters"
            )
        checked[checked_key] = value
    if len(checked) > MAX_TAGS:
        raise InvalidInputError(
            "tags", f"<{len(checked)} tags>", f"a domain takes at most {MAX_TAGS} tags"
        )
    return checked


def validate_tag_keys(keys: object, field: str = "remove_tags") -> tuple[str, ...]:
    """Return *keys* (tag keys slrkit may remove) as a tuple, in order, without repeats.

    Raises:
        InvalidInputError: Not a collection of strings (a lone string is refused: it
            would be read letter by letter), a key that breaks the tag key rules, or
            ``slrkit:linked-role``, which slrkit alone manages.
    """
    if type(keys) is tuple and not keys:
        return ()  # the default of every caller, on each ensure_domain
    if isinstance(keys, (str, bytes)) or not isinstance(keys, (list, tuple, set, frozenset)):
        raise InvalidInputError(field, keys, "must be a list of tag keys")
    checked: list[str] = []
    for key in cast("Collection[object]", keys):
        checked_key = _check_tag_key(field, key, reserved_ok=False)
        if checked_key not in checked:
            checked.append(checked_key)
    return tuple(checked)


def validate_role_name(name: object, field: str = "role_name") -> str:
    r"""Return *name* if it is a valid IAM role name (1 to 64 of ``[\w+=,.@-]``).

    Raises:
        InvalidInputError: The name breaks IAM's rule.
    """
    _ROLE_NAME_RULE(field, name)
    return cast("str", name)


def validate_linked_role_name(name: object, field: str = "role_name") -> str:
    """Return *name* if it can be a Customer Profiles service-linked role.

    Raises:
        InvalidInputError: Not a valid role name, or not ``AWSServiceRoleForProfile_*``.
    """
    name = validate_role_name(name, field)
    if not name.startswith(ROLE_NAME_PREFIX) or name == ROLE_NAME_PREFIX:
        raise InvalidInputError(
            field, name, f"a Customer Profiles role is named {ROLE_NAME_PREFIX}<unique-id>"
        )
    return name


def validate_confirm(domain_name: str, confirm: object) -> None:
    """Check that *confirm* repeats the domain name exactly.

    Raises:
        ConfirmationMismatchError: It does not.
    """
    if confirm != domain_name:
        raise ConfirmationMismatchError(domain_name, confirm)
