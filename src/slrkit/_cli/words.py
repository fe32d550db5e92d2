"""The command line's words for the kit's Python names.

The kit's errors and reports name its parameters (``default_expiration_days``,
``allow_data_loss=True``); people at a shell typed flags. This is the one table
between the two, so that no output of the command line speaks Python.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from slrkit._spec import SETTINGS, about

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["flag", "in_cli_words"]

_FLAGS: Final[Mapping[str, str]] = {
    "domain_name": "NAME",
    "region": "--region",
    **{f.name: option for f in SETTINGS if (option := about(f).flag) is not None},
    "role_name": "--role",
    "remove_tags": "--remove-tag",
}
"""The argument or option of each kit parameter the command line passes on."""

_PYTHON: Final[Mapping[str, str]] = {
    "allow_data_loss=True": "--allow-data-loss",
    "wait=False": "--no-wait",
    "True or False": "true or false",
}
"""Python as the kit's messages write it, and the command line's words for it: the
flag that sets a switch, and JSON's and TOML's booleans."""


def flag(field: str) -> str:
    """The flag of a kit parameter or setting (``tags[team]`` is ``--tag``); else *field*."""
    return _FLAGS.get(field.split("[", 1)[0], field)


def in_cli_words(text: str) -> str:
    """*text* with the Python of `_PYTHON` in the command line's words."""
    for python, cli in _PYTHON.items():
        text = text.replace(python, cli)
    return text
