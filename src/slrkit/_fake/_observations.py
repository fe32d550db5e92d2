"""What slrkit's contract suite saw AWS do, as a JSON file, and the `Behaviour` it implies.

The contract suite (``tests/contract/`` in slrkit's repository) runs the domain
and role lifecycle with plain boto3 clients and writes an `Observations`
document; `Behaviour.from_observations` reads it back. Times are seconds from
the call that started a wait to the first poll that saw its end, so each is an
upper bound, as close as the poll interval.

How each observation sets a knob (knobs a run did not measure keep the base's):

- ``role_visible_after`` is `Behaviour.propagation_delay`.
- ``deleted_role_visible_for`` (from a task's end to GetRole's NoSuchEntity) is
  `Behaviour.read_lag`.
- ``role_removed_after`` (from DeleteDomain to NoSuchEntity, so with the read
  lag in it) less the read lag is `Behaviour.role_cleanup_delay`; a role still
  there when ``role_removal_watched`` seconds of watching ended means None.
- ``task_finished_after`` is `Behaviour.deletion_task_duration`.
- ``task_purged_after`` (from the first answer that the task had finished) is
  `Behaviour.task_retention`; a task still readable when ``task_watched``
  seconds of watching ended means None (kept). The same for FAILED tasks and
  `Behaviour.failed_task_retention`.
- A ``failure``'s reason is `Behaviour.failure_reason`; its first RoleUsage's
  region, if not the domain's, is `Behaviour.usage_region`; its first resource,
  with the domain's partition, region, account and name replaced by fields, is
  `Behaviour.usage_resource`.
- ``short_page_seen`` switches `Behaviour.short_pages` on.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import attrs

from slrkit._fake import _arguments
from slrkit._fake._document import Malformed, Value, parse, text

if TYPE_CHECKING:
    import os
    from collections.abc import Mapping

    from slrkit._fake._behaviour import Behaviour

__all__ = ["FORMAT", "VERSION", "ErrorSeen", "Failure", "Observations", "RoleUsageSeen", "read"]

FORMAT: Final = "slrkit.testing/observations"
VERSION: Final = 1


@attrs.frozen(kw_only=True)
class RoleUsageSeen:
    """One RoleUsage of a FAILED deletion task, as IAM wrote it."""

    region: str
    resources: tuple[str, ...]


@attrs.frozen(kw_only=True)
class Failure:
    """A deletion task that FAILED while the domain used its role, and the domain's own ARN."""

    domain_arn: str
    domain_region: str
    reason: str | None
    usage: tuple[RoleUsageSeen, ...]


@attrs.frozen(kw_only=True)
class ErrorSeen:
    """An error answer: its code, HTTP status and message.

    A call that got no HTTP answer (a connection error) has status 0 and the
    botocore exception's name for its code.
    """

    code: str
    status: int
    message: str


@attrs.frozen(kw_only=True)
class Observations:
    """One run of the contract suite: timings (seconds), states, forms, ids and errors.

    A None timing was not measured, or (with a ``*_watched`` time) did not end
    while watched.
    """

    target: str
    region: str
    observed_at: str
    poll_interval: float
    role_visible_after: float | None = None
    role_removed_after: float | None = None
    role_removal_watched: float = 0.0
    task_states: tuple[str, ...] = ()
    task_finished_after: float | None = None
    task_purged_after: float | None = None
    task_watched: float = 0.0
    deleted_role_visible_for: float | None = None
    failed_task_states: tuple[str, ...] = ()
    failed_task_purged_after: float | None = None
    failed_task_watched: float = 0.0
    failure: Failure | None = None
    short_page_seen: bool = False
    ids: Mapping[str, str] = attrs.field(factory=dict[str, str])
    errors: Mapping[str, ErrorSeen] = attrs.field(factory=dict[str, ErrorSeen])

    def write(self, path: str | os.PathLike[str]) -> None:
        """Write the observations to *path* as JSON.

        Raises:
            OSError: The file cannot be written.
        """
        document = {"format": FORMAT, "version": VERSION, **attrs.asdict(self)}
        Path(path).write_text(json.dumps(document, indent=1, sort_keys=True) + "\n")

    def behaviour(self, base: Behaviour) -> Behaviour:
        """*base* with every knob these observations measured set (see the module docstring)."""
        changes: dict[str, Any] = {}  # each knob is checked again by Behaviour
        if self.role_visible_after is not None:
            changes["propagation_delay"] = self.role_visible_after
        lag = self.deleted_role_visible_for
        if lag is not None:
            changes["read_lag"] = lag
        if self.role_removed_after is not None:
            changes["role_cleanup_delay"] = max(0.0, self.role_removed_after - (lag or 0.0))
        elif self.role_removal_watched:
            changes["role_cleanup_delay"] = None
        if self.task_finished_after is not None:
            changes["deletion_task_duration"] = self.task_finished_after
        changes.update(
            (knob, purged)
            for knob, purged, watched in (
                ("task_retention", self.task_purged_after, self.task_watched),
                ("failed_task_retention", self.failed_task_purged_after, self.failed_task_watched),
            )
            if purged is not None or watched
        )
        if self.failure is not None:
            changes.update(_failure_form(self.failure))
        if self.short_page_seen:
            changes["short_pages"] = True
        return attrs.evolve(base, **changes)


def _failure_form(failure: Failure) -> dict[str, Any]:
    """The knobs a FAILED task's form sets: reason, usage region and resource template."""
    changes: dict[str, Any] = {"failure_reason": failure.reason}
    if not failure.usage:
        return changes
    first = failure.usage[0]
    if first.region != failure.domain_region:
        changes["usage_region"] = first.region
    if first.resources:
        template = _template(first.resources[0], failure.domain_arn)
        if template is not None:
            changes["usage_resource"] = template
    return changes


def _template(resource: str, domain_arn: str) -> str | None:
    """*resource* as a `Behaviour.usage_resource` template, if it names the domain at all."""
    _, partition, _, region, account_id, path = domain_arn.split(":", 5)
    name = path.removeprefix("domains/")
    at = resource.rfind(name)
    if at < 0:
        return None
    head, tail = resource[:at], resource[at + len(name) :]

    def fields(part: str) -> str:
        part = part.replace("{", "{{").replace("}", "}}")
        for value, field in ((account_id, "account_id"), (region, "region")):
            part = part.replace(value, f"{{{field}}}")
        return part.replace(f"arn:{partition}:", "arn:{partition}:", 1)

    return f"{fields(head)}{{domain}}{fields(tail)}"


# -- reading -----------------------------------------------------------------------------


def read(path: str | os.PathLike[str]) -> Observations:
    """The observations in the file *path*.

    Raises:
        FileNotFoundError: There is no such file.
        ValueError: It is not an observations file of this version, or a value in
            it breaks its rule; the message names the file and the value.
    """
    data = Path(path).read_bytes()
    try:
        document = parse(data)
    except ValueError as exc:
        raise ValueError(f"{path} is not JSON: {exc}") from exc
    if document.get("format") != FORMAT:
        raise ValueError(f"{path} is not a slrkit contract observations file")
    if document.get("version") != VERSION:
        raise ValueError(
            f"{path} has observations version {document.get('version')!r}; "
            f"this slrkit reads version {VERSION}"
        )
    try:
        return _observations(document)
    except Malformed as exc:
        raise ValueError(f"{path} is malformed: {exc}") from exc


def _seconds(where: str, value: object) -> float:
    return _arguments.number(where, value)


def _status(where: str, value: object) -> int:
    return _arguments.count(where, value, high=599)


def _observations(document: Value) -> Observations:
    def seconds(key: str) -> float | None:
        return document.field(key).optional(_seconds)

    failure = document.field("failure")
    return Observations(
        target=document.field("target").check(text),
        region=document.field("region").check(_arguments.region),
        observed_at=document.field("observed_at").check(text),
        poll_interval=document.field("poll_interval").check(_seconds),
        role_visible_after=seconds("role_visible_after"),
        role_removed_after=seconds("role_removed_after"),
        role_removal_watched=document.field("role_removal_watched").check(_seconds),
        task_states=tuple(item.check(text) for item in document.field("task_states").items()),
        task_finished_after=seconds("task_finished_after"),
        task_purged_after=seconds("task_purged_after"),
        task_watched=document.field("task_watched").check(_seconds),
        deleted_role_visible_for=seconds("deleted_role_visible_for"),
        failed_task_states=tuple(
            item.check(text) for item in document.field("failed_task_states").items()
        ),
        failed_task_purged_after=seconds("failed_task_purged_after"),
        failed_task_watched=document.field("failed_task_watched").check(_seconds),
        failure=None if failure.value is None else _failure(failure),
        short_page_seen=document.field("short_page_seen").check(_arguments.flag),
        ids={key: item.check(text) for key, item in document.field("ids").members().items()},
        errors={
            key: ErrorSeen(
                code=item.field("code").check(text),
                status=item.field("status").check(_status),
                message=item.field("message").check(text),
            )
            for key, item in document.field("errors").members().items()
        },
    )


def _failure(data: Value) -> Failure:
    return Failure(
        domain_arn=data.field("domain_arn").check(text),
        domain_region=data.field("domain_region").check(_arguments.region),
        reason=data.field("reason").optional(text),
        usage=tuple(
            RoleUsageSeen(
                region=item.field("region").check(text),
                resources=tuple(r.check(text) for r in item.field("resources").items()),
            )
            for item in data.field("usage").items()
        ),
    )
