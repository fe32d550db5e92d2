"""Domain settings read from a file: ``ensure --settings FILE`` and an estate's domains.

The keys are the names of `slrkit._spec.SETTINGS` (the API's members in
snake_case, as ``ensure_domain`` takes them). A structured setting (matching,
rule-based matching, the data store) is a table of pulumi-aws's snake_case
properties. Each value is checked by the table's own rule, and an error names
its place in the file.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, cast

from slrkit._cli.core import UsageError
from slrkit._settings import settings_from_props
from slrkit._spec import SETTINGS, about
from slrkit.exceptions import InvalidInputError

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

__all__ = ["SETTING_NAMES", "read_settings_file", "settings_from"]

SETTING_NAMES: Final = tuple(field.name for field in SETTINGS)
"""The keys a settings file or an estate's domain may hold, in the table's order."""

_FIELDS: Final = {field.name: field for field in SETTINGS}


def settings_from(document: Mapping[str, object], where: Callable[[str], str]) -> dict[str, Any]:
    """The settings in *document*, each checked by its rule; null leaves one unmanaged.

    Args:
        document: Settings by name.
        where: The place of a key in the file, for errors (``estate.toml:7``).

    Raises:
        UsageError: A key that names no setting.
        InvalidInputError: A value that breaks its rule; the field names its place.
    """
    settings: dict[str, Any] = {}
    for key, value in document.items():
        field = _FIELDS.get(key)
        if field is None:
            raise UsageError(
                f"{where(key)}: unknown setting {key!r}; the settings are "
                f"{', '.join(SETTING_NAMES)}"
            )
        if value is None:
            continue
        kind = about(field).kind
        try:
            settings[key] = (
                settings_from_props(kind, value, key)
                if kind is not None
                else about(field).check(value)
            )
        except InvalidInputError as exc:
            raise InvalidInputError(f"{where(key)}: {exc.field}", exc.value, exc.rule) from exc
    return settings


def read_settings_file(path: str) -> dict[str, Any]:
    """The settings in the JSON file *path* (``ensure --settings``), checked.

    Raises:
        UsageError: The file cannot be read, is not a JSON object, or has a key that
            names no setting.
        InvalidInputError: A value that breaks its rule.
    """
    try:
        document: object = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UsageError(f"--settings {path}: cannot read it: {exc}") from exc
    if not isinstance(document, dict):
        raise UsageError(f"--settings {path}: must hold a JSON object of settings by name")
    return settings_from(cast("dict[str, object]", document), lambda _: f"--settings {path}")
