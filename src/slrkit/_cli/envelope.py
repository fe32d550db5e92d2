"""The one JSON document that every ``slrkit --json`` run prints, success or failure.

::

    {"schema_version": 1, "command": "ensure", "ok": true, "result": {...}, "error": null}

``error`` is null on success, else ``{"code", "message", "exit_code", "resume",
"aws"}``. ``result`` is what the command found or did, also when it failed
partway (a blocked plan, the domains an apply did). The schema ships in the
package as ``slrkit/cli-envelope.schema.json``; a change that breaks it bumps
`SCHEMA_VERSION`.
"""

from __future__ import annotations

import datetime as dt
import enum
import json
from collections.abc import Mapping
from importlib import resources
from typing import TYPE_CHECKING, Any, Final, cast

import attrs

from slrkit._models import ApiCall, DeletionPlan, DomainStats, EnsureResult, LinkedRole
from slrkit._settings import Setting, settings_to_props

if TYPE_CHECKING:
    from collections.abc import Iterable

    from slrkit._cli.failure import Failure

__all__ = ["SCHEMA_FILE", "SCHEMA_VERSION", "envelope", "jsonable", "schema"]

SCHEMA_VERSION: Final = 1
"""The version of the envelope's shape; the schema's ``schema_version`` is this constant."""

SCHEMA_FILE: Final = "cli-envelope.schema.json"
"""The schema's file name, in the ``slrkit`` package."""


def envelope(command: str | None, result: object, failure: Failure | None) -> dict[str, object]:
    """The envelope of one run: *command* (None when it could not be told) and its outcome.

    *result* is a mapping or an attrs value, or None when the run has none.
    """
    return {
        "schema_version": SCHEMA_VERSION,
        "command": command,
        "ok": failure is None,
        "result": jsonable(result) if result is not None else None,
        "error": _error(failure) if failure is not None else None,
    }


def _error(failure: Failure) -> dict[str, object]:
    aws = failure.aws
    return {
        "code": failure.code.word,
        "message": failure.message,
        "exit_code": int(failure.exit_code),
        "resume": failure.resume,
        "aws": (
            {"code": aws.code, "operation": aws.operation, "request_id": aws.request_id}
            if aws is not None
            else None
        ),
    }


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
    A structured setting becomes its snake_case properties, as ``--settings`` and an
    estate file take them.
    """
    if isinstance(value, Setting):
        return settings_to_props(value)
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


def schema() -> dict[str, Any]:
    """The JSON Schema of the envelope, as shipped in the package."""
    text = resources.files("slrkit").joinpath(SCHEMA_FILE).read_text(encoding="utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded
