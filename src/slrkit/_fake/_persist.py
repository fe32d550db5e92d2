"""A fake as a JSON document, so that separate processes (the CLI's ``--fake``) can share it.

What is kept: the fake's settings (its `Behaviour` among them), every account's
domains, roles, deletion tasks and the deleted roles reads still see, pending
events, virtual time and the random generator (so ids keep coming in the same
order). What is not: faults, latency, rate limits, the call log and
retry sleeps, which belong to one process's test.

Reading trusts nothing: every value is checked for its type and rule as it is
read, and a domain against the CreateDomain input shape, so that a damaged or
hand-edited file fails here, with a `StateFileError` that says where and what,
rather than later as a crash or a response outside the model.
"""

from __future__ import annotations

import datetime as dt
import functools
import heapq
import json
from collections.abc import Callable, Mapping
from typing import Final, cast

import attrs

from slrkit._fake import _arguments
from slrkit._fake._backend import Backend, Settings
from slrkit._fake._behaviour import Behaviour
from slrkit._fake._document import Malformed, Value, parse, text
from slrkit._fake._loader import service_model
from slrkit._fake._records import AttachedPolicy, DeletionTask, Domain, DomainStats, Role, RoleUsage
from slrkit._fake._shapes import Check, CheckerCache
from slrkit._fake._state_file import StateFileError
from slrkit._fake._virtual_clock import END
from slrkit._fake._world import Account, Event, World, role_key
from slrkit.exceptions import InvalidInputError

__all__ = ["FORMAT", "VERSION", "decode", "encode"]

FORMAT: Final = "slrkit.testing/fake-state"
VERSION: Final = 2  # 2: the whole Behaviour, deleted roles still seen, matching status

# -- writing -----------------------------------------------------------------------------


def encode(backend: Backend) -> bytes:
    """The JSON document of *backend*: its settings and its state, as of now."""
    settings = backend.settings
    with backend.state() as world:
        document = {
            "format": FORMAT,
            "version": VERSION,
            "account_id": settings.account_id,
            "default_region": settings.default_region,
            "seed": settings.seed,
            "strict": settings.strict,
            "start": settings.start.isoformat(),
            "behaviour": _dump(settings.behaviour),
            "state": _dump_world(world),
        }
        return json.dumps(document, indent=1, sort_keys=True, allow_nan=False).encode()


def _plain(inst: object, field: attrs.Attribute[object], value: object) -> object:
    del inst, field
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, Mapping):
        return dict(cast("Mapping[str, object]", value))
    if isinstance(value, frozenset):
        return sorted(cast("frozenset[str]", value))
    return value


def _dump(record: object) -> dict[str, object]:
    return attrs.asdict(record, value_serializer=_plain)  # type: ignore[arg-type]


def _dump_world(world: World) -> dict[str, object]:
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
                "gone": [
                    {"role": _dump(role), "until": until} for role, until in account.gone.values()
                ],
            }
            for account_id, account in world.accounts.items()
        },
    }


# -- reading -----------------------------------------------------------------------------


def decode(data: bytes, source: str) -> Backend:
    """The fake that `encode` wrote as *data*; *source* names the file in errors.

    Raises:
        StateFileError: If *data* is not such a document, naming what is wrong.
    """
    try:
        document = parse(data)
    except ValueError as exc:  # UnicodeDecodeError included
        raise StateFileError(f"{source} is not JSON: {exc}") from exc
    if document.get("format") != FORMAT:
        raise StateFileError(f"{source} is not a slrkit fake state file")
    version = document.get("version")
    if version != VERSION:
        raise StateFileError(
            f"{source} has state version {version!r}; this slrkit reads version {VERSION}"
        )
    try:
        backend = Backend(_settings(document))
        with backend.state() as world:
            _load_world(document.field("state"), world)
    except Malformed as exc:
        raise StateFileError(f"{source} is malformed: {exc}") from exc
    return backend


def _number(where: str, value: object) -> float:
    return _arguments.number(where, value)


def _count(where: str, value: object) -> int:
    return _arguments.count(where, value, high=2**63 - 1)


def _integer(where: str, value: object) -> int:
    return _arguments.count(where, value, low=-(2**63), high=2**63 - 1)


def _start(where: str, value: object) -> dt.datetime:
    start = _when(where, value)
    if start >= END:
        raise InvalidInputError(where, value, f"must be before {END:%Y-%m-%d}")
    return start


def _when(where: str, value: object) -> dt.datetime:
    written = text(where, value)
    try:
        when = dt.datetime.fromisoformat(written)
    except ValueError as exc:
        raise InvalidInputError(where, value, "must be an ISO 8601 timestamp") from exc
    return _arguments.aware(where, when)


def text_map(where: str, value: object) -> dict[str, str]:
    rule = "must be a JSON object of strings"
    if not isinstance(value, dict):
        raise InvalidInputError(where, value, rule)
    members = cast("dict[str, object]", value)
    if not all(isinstance(item, str) for item in members.values()):
        raise InvalidInputError(where, members, rule)
    return cast("dict[str, str]", members)


def _json_object(where: str, value: object) -> dict[str, object]:
    if not isinstance(value, dict):
        raise InvalidInputError(where, value, "must be a JSON object")
    return cast("dict[str, object]", value)


def _settings(document: Value) -> Settings:
    return Settings(
        account_id=document.field("account_id").check(_arguments.account_id),
        default_region=document.field("default_region").check(_arguments.region),
        seed=document.field("seed").check(_integer),
        strict=document.field("strict").check(_arguments.flag),
        start=document.field("start").check(_start),
        behaviour=_behaviour(document.field("behaviour")),
    )


def _behaviour(data: Value) -> Behaviour:
    regions = data.field("profile_regions")
    try:
        return Behaviour(
            propagation_delay=data.field("propagation_delay").check(_number),
            role_cleanup_delay=data.field("role_cleanup_delay").optional(_number),
            deletion_task_duration=data.field("deletion_task_duration").check(_number),
            read_lag=data.field("read_lag").check(_number),
            task_retention=data.field("task_retention").optional(_number),
            failed_task_retention=data.field("failed_task_retention").optional(_number),
            short_pages=data.field("short_pages").check(_arguments.flag),
            profile_regions=[item.check(_arguments.region) for item in regions.items()],
            rule_based_matching_pending=data.field("rule_based_matching_pending").check(_number),
            rule_based_matching_duration=data.field("rule_based_matching_duration").check(_number),
            rule_based_matching_lock=data.field("rule_based_matching_lock").check(_number),
            usage_region=data.field("usage_region").optional(_arguments.region),
            usage_resource=data.field("usage_resource").check(text),
            failure_reason=data.field("failure_reason").optional(text),
        )
    except ValueError as exc:  # a rule that spans values: no regions, a bad template
        raise data.broken(getattr(exc, "rule", exc)) from exc


def _load_world(state: Value, world: World) -> None:
    """Fill an empty *world* (whose clock is at its start) from `_dump_world`'s output."""
    elapsed = state.field("elapsed")
    seconds = elapsed.check(_number)
    try:
        world.clock.advance(seconds)
    except ValueError as exc:
        raise elapsed.broken(getattr(exc, "rule", exc)) from exc
    rng = state.field("rng")
    try:
        version, internal, gauss = cast("list[object]", rng.value)
        world.rng.setstate((version, tuple(cast("list[int]", internal)), gauss))
    except (TypeError, ValueError) as exc:
        raise rng.wrong("the state of Python's random generator") from exc
    world.seq = state.field("seq").check(_count)
    world.events = [_event(item) for item in state.field("events").items()]
    heapq.heapify(world.events)
    for account_id, data in state.field("accounts").members().items():
        Value(account_id, f"{data.where} (its key)").check(_arguments.account_id)
        account = world.accounts[account_id] = Account()
        for item in data.field("domains").items():
            domain = _domain(item)
            account.region(domain.region)[domain.name] = domain
        for item in data.field("roles").items():
            account.put_role(_role(item))
        for item in data.field("tasks").items():
            task = _task(item)
            account.tasks[task.task_id] = task
        for item in data.field("gone").items():
            role = _role(item.field("role"))
            account.gone[role_key(role.name)] = (role, item.field("until").check(_number))


def _event(data: Value) -> Event:
    return Event(
        due=data.field("due").check(_number),
        seq=data.field("seq").check(_count),
        kind=data.field("kind").check(_choice("cleanup", "task")),
        account_id=data.field("account_id").check(_arguments.account_id),
        key=data.field("key").check(text),
    )


def _choice(*choices: str) -> Callable[[str, object], str]:
    def rule(where: str, value: object) -> str:
        return _arguments.choice(where, value, choices)

    return rule


def _domain(data: Value) -> Domain:
    stats = data.field("stats")
    domain = Domain(
        name=data.field("name").check(text),
        region=data.field("region").check(_arguments.region),
        created_at=data.field("created_at").check(_when),
        last_updated_at=data.field("last_updated_at").check(_when),
        expiration_days=data.field("expiration_days").check(_count),
        encryption_key=data.field("encryption_key").optional(text),
        dead_letter_queue_url=data.field("dead_letter_queue_url").optional(text),
        matching=data.field("matching").optional(_json_object),
        rule_based_matching=data.field("rule_based_matching").optional(_json_object),
        data_store=data.field("data_store").optional(_json_object),
        tags=data.field("tags").check(text_map),
        stats=DomainStats(
            profile_count=stats.field("profile_count").check(_count),
            metering_profile_count=stats.field("metering_profile_count").check(_count),
            object_count=stats.field("object_count").check(_count),
            total_size=stats.field("total_size").check(_count),
        ),
        role_name=data.field("role_name").optional(text),
        rule_based_matching_since=data.field("rule_based_matching_since").optional(_number),
        rule_based_matching_queued=data.field("rule_based_matching_queued").check(_arguments.flag),
    )
    # The settings are what CreateDomain was given: the model says what it may be given.
    params = {
        "DomainName": domain.name,
        "DefaultExpirationDays": domain.expiration_days,
        "DefaultEncryptionKey": domain.encryption_key,
        "DeadLetterQueueUrl": domain.dead_letter_queue_url,
        "Matching": domain.matching,
        "RuleBasedMatching": domain.rule_based_matching,
        "DataStore": domain.data_store,
        "Tags": dict(domain.tags) or None,
    }
    problems: list[str] = []
    _create_domain_check()({k: v for k, v in params.items() if v is not None}, "", problems)
    if problems:
        raise Malformed(data.where, "breaks the Customer Profiles model: " + "; ".join(problems))
    return domain


@functools.cache
def _create_domain_check() -> Check:
    shape = service_model("customer-profiles").operation_model("CreateDomain").input_shape
    if shape is None:  # pragma: no cover - botocore's model gives CreateDomain a DomainName
        raise LookupError("botocore's Customer Profiles model has no CreateDomain input")
    return CheckerCache().get(shape)


def _role(data: Value) -> Role:
    trust = data.field("trust_policy")
    try:
        json.loads(trust.check(text))
    except ValueError as exc:
        raise trust.wrong("a JSON policy document") from exc
    return Role(
        name=data.field("name").check(_role_name),
        path=data.field("path").check(_path),
        role_id=data.field("role_id").check(text),
        create_date=data.field("create_date").check(_when),
        trust_policy=cast("str", trust.value),
        visible_at=data.field("visible_at").check(_number),
        description=data.field("description").optional(text),
        max_session_duration=data.field("max_session_duration").check(_count),
        tags=data.field("tags").check(text_map),
        policies=tuple(
            AttachedPolicy(
                name=item.field("name").check(text), arn=item.field("arn").check(_policy_arn)
            )
            for item in data.field("policies").items()
        ),
        last_used_date=data.field("last_used_date").optional(_when),
        last_used_region=data.field("last_used_region").optional(_arguments.region),
    )


def _role_name(where: str, value: object) -> str:
    return _arguments.text(where, value, pattern=r"[\w+=,.@-]+", high=64)


def _path(where: str, value: object) -> str:
    return _arguments.text(where, value, pattern=r"/|/[!-~]+/", high=512)


def _policy_arn(where: str, value: object) -> str:
    return _arguments.text(where, value, pattern=r"arn:[!-~]+:policy/[!-~]+", high=2048)


def _task(data: Value) -> DeletionTask:
    return DeletionTask(
        task_id=data.field("task_id").check(text),
        role_name=data.field("role_name").check(_role_name),
        started_at=data.field("started_at").check(_number),
        finishes_at=data.field("finishes_at").check(_number),
        outcome=data.field("outcome").optional(_choice("SUCCEEDED", "FAILED")),
        usage=tuple(
            RoleUsage(
                region=item.field("region").check(_arguments.region),
                resources=tuple(r.check(text) for r in item.field("resources").items()),
            )
            for item in data.field("usage").items()
        ),
    )
