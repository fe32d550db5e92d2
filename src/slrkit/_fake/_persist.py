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
from typing import Final

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
        return dict(value)
    return value


def _dump(record: object) -> dict[str, object]:
    return attrs.asdict(record, value_serializer=_plain)  # type: ignore[arg-type]


def _when(value: object) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value) if isinstance(value, str) else None


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


def _domain(data: dict[str, object]) -> Domain:
    stats = data.pop("stats")
    created, updated = data.pop("created_at"), data.pop("last_updated_at")
    return Domain(
        stats=DomainStats(**stats),  # type: ignore[arg-type]
        created_at=_when(created),  # type: ignore[arg-type]
        last_updated_at=_when(updated),  # type: ignore[arg-type]
        **data,  # type: ignore[arg-type]
    )


def _role(data: dict[str, object]) -> Role:
    policies = data.pop("policies")
    created, used = data.pop("create_date"), data.pop("last_used_date")
    return Role(
        policies=tuple(AttachedPolicy(**p) for p in policies),  # type: ignore[attr-defined]
        create_date=_when(created),  # type: ignore[arg-type]
        last_used_date=_when(used),
        **data,  # type: ignore[arg-type]
    )


def _task(data: dict[str, object]) -> DeletionTask:
    usage = data.pop("usage")
    return DeletionTask(
        usage=tuple(
            RoleUsage(region=u["region"], resources=tuple(u["resources"]))  # type: ignore[index]
            for u in usage  # type: ignore[attr-defined]
        ),
        **data,  # type: ignore[arg-type]
    )


def load_world(data: Mapping[str, object], world: World) -> None:
    """Fill an empty *world* (whose clock is at its start) from `dump_world` output.

    Raises:
        StateFileError: If *data* is malformed.
    """
    try:
        world.clock.advance(float(data["elapsed"]))  # type: ignore[arg-type]
        version, internal, gauss = data["rng"]  # type: ignore[misc]
        world.rng.setstate((version, tuple(internal), gauss))
        world.seq = int(data["seq"])  # type: ignore[call-overload]
        world.events = [Event(**event) for event in data["events"]]  # type: ignore[attr-defined]
        heapq.heapify(world.events)
        for account_id, state in data["accounts"].items():  # type: ignore[attr-defined]
            account = world.accounts[account_id] = Account()
            for raw in state["domains"]:
                domain = _domain(dict(raw))
                account.region(domain.region)[domain.name] = domain
            for raw in state["roles"]:
                role = _role(dict(raw))
                account.roles[role.name] = role
            for raw in state["tasks"]:
                task = _task(dict(raw))
                account.tasks[task.task_id] = task
    except (KeyError, TypeError, ValueError) as exc:
        raise StateFileError(f"malformed fake state: {exc}") from exc


def dump_behaviour(behaviour: Behaviour) -> dict[str, object]:
    """The timing knobs as JSON."""
    return _dump(behaviour)

