"""The fake's state as JSON, so that separate processes (the CLI's `--fake`) can share it.

What is kept: every account's domains, roles and deletion tasks, pending events,
virtual time and the random generator (so ids keep coming in the same order).
What is not: faults, latency, rate limits, the call log and retry sleeps, which
belong to one process's test.
"""

from __future__ import annotations

import datetime as dt
import heapq
from collections.abc import Mapping
from typing import Any, Final, cast

import attrs

from slrkit._fake._records import AttachedPolicy, DeletionTask, Domain, DomainStats, Role, RoleUsage
from slrkit._fake._world import Account, Behaviour, Event, World

__all__ = ["FORMAT", "VERSION", "StateFileError", "dump_behaviour", "dump_world", "load_world"]

FORMAT: Final = "slrkit.testing/fake-state"
VERSION: Final = 1


class StateFileError(ValueError):
    """A state file that is not one this version of slrkit wrote."""


def _plain(inst: object, field: attrs.Attribute[object], value: object) -> object:
    del inst, field
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, Mapping):
        return dict(cast("Mapping[str, object]", value))
    return value


def _dump(record: object) -> dict[str, object]:
    return attrs.asdict(record, value_serializer=_plain)  # type: ignore[arg-type]


def _when(value: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value) if value is not None else None


def dump_world(world: World) -> dict[str, object]:
    """The JSON-ready state of *world* (without its behaviour and clock start)."""
    version, internal, gauss = world.rng.getstate()
    return {
        "elapsed": world.clock.monotonic(),
        "rng": [version, list(internal), gauss],
        "seq": world.seq,
        "events": [_dump(event) for event in sorted(world.events)],
        "accounts": {
            account_id: {
                "domains": [
                    _dump(domain)
                    for by_name in account.domains.values()
                    for domain in by_name.values()
                ],
                "roles": [_dump(role) for role in account.roles.values()],
                "tasks": [_dump(task) for task in account.tasks.values()],
            }
            for account_id, account in world.accounts.items()
        },
    }


# JSON comes back untyped: the readers below take `Any` and rebuild typed records,
# and any shape mismatch surfaces as KeyError/TypeError/ValueError -> StateFileError.


def _domain(data: Any) -> Domain:  # noqa: ANN401  # parsed JSON
    fields = dict(data)
    return Domain(
        **{k: v for k, v in fields.items() if k not in ("stats", "created_at", "last_updated_at")},
        stats=DomainStats(**fields["stats"]),
        created_at=dt.datetime.fromisoformat(fields["created_at"]),
        last_updated_at=dt.datetime.fromisoformat(fields["last_updated_at"]),
    )


def _role(data: Any) -> Role:  # noqa: ANN401  # parsed JSON
    fields = dict(data)
    return Role(
        **{
            k: v
            for k, v in fields.items()
            if k not in ("policies", "create_date", "last_used_date")
        },
        policies=tuple(AttachedPolicy(**policy) for policy in fields["policies"]),
        create_date=dt.datetime.fromisoformat(fields["create_date"]),
        last_used_date=_when(fields["last_used_date"]),
    )


def _task(data: Any) -> DeletionTask:  # noqa: ANN401  # parsed JSON
    fields = dict(data)
    return DeletionTask(
        **{k: v for k, v in fields.items() if k != "usage"},
        usage=tuple(
            RoleUsage(region=usage["region"], resources=tuple(usage["resources"]))
            for usage in fields["usage"]
        ),
    )


def load_world(data: Any, world: World) -> None:  # noqa: ANN401  # parsed JSON
    """Fill an empty *world* (whose clock is at its start) from `dump_world` output.

    Raises:
        StateFileError: If *data* is malformed.
    """
    try:
        world.clock.advance(float(data["elapsed"]))
        version, internal, gauss = data["rng"]
        world.rng.setstate((version, tuple(internal), gauss))
        world.seq = int(data["seq"])
        world.events = [Event(**event) for event in data["events"]]
        heapq.heapify(world.events)
        for account_id, state in data["accounts"].items():
            account = world.accounts[account_id] = Account()
            for raw in state["domains"]:
                domain = _domain(raw)
                account.region(domain.region)[domain.name] = domain
            for raw in state["roles"]:
                role = _role(raw)
                account.roles[role.name] = role
            for raw in state["tasks"]:
                task = _task(raw)
                account.tasks[task.task_id] = task
    except (KeyError, TypeError, ValueError) as exc:
        raise StateFileError(f"malformed fake state: {exc}") from exc


def dump_behaviour(behaviour: Behaviour) -> dict[str, object]:
    """The timing knobs as JSON."""
    return _dump(behaviour)
