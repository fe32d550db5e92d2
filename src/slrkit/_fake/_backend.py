"""One fake AWS: its settings, its engine, and every test hook, checked and under the lock.

`slrkit.testing.FakeAWS` is the public face of a `Backend`, and the admin
endpoints of ``slrkit serve`` call the same methods with arguments read from
JSON. So each hook checks its arguments here, once (`_arguments`), before it
touches anything, and reads or changes state only through `Backend.state`: under
the engine's lock, after every event that is due has happened.
"""

from __future__ import annotations

import contextlib
from collections.abc import Generator, Iterable
from typing import TYPE_CHECKING, Any, Final

import attrs

from slrkit._fake import _arguments
from slrkit._fake._engine import OPERATIONS, Engine
from slrkit._fake._faults import ErrorFault, RateLimit
from slrkit._fake._profiles import set_stats
from slrkit._fake._records import (
    PROFILE_ROLE_PATH,
    PROFILE_ROLE_PREFIX,
    AttachedPolicy,
    DomainStats,
    Role,
)
from slrkit._fake._virtual_clock import VirtualClock
from slrkit._fake._wire import codec_for
from slrkit._fake._world import World, domain_arn, trust_policy
from slrkit._validate import validate_domain_name, validate_role_name
from slrkit.exceptions import InvalidInputError

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Callable, Mapping

    import boto3

    from slrkit._fake._behaviour import Behaviour
    from slrkit._fake._calls import RecordedCall
    from slrkit._fake._wire import HttpRequest, WireResponse

__all__ = ["CONNECTION_FAULTS", "RETRY_MODES", "Backend", "Settings"]

RETRY_MODES: Final = ("standard", "adaptive", "legacy")
"""botocore's retry modes, which a fake session's clients may use."""

CONNECTION_FAULTS: Final = ("connect", "read-timeout")
"""How an injected connection fault fails: botocore's two network errors."""

_MAX_LATENCY: Final = 86_400.0  # a day per call; more is a typo, and soon the end of time
_ERROR_CODE: Final = r"[A-Za-z][A-Za-z0-9._]*"  # it travels in a header: no spaces or newlines
_POLICY_ARN: Final = r"arn:aws[a-z-]*:iam::(aws|[0-9]{12}):policy/([!-~]*/)?[\w+=,.@-]+"
_PRINCIPAL: Final = r"[a-z0-9][a-z0-9.-]*"
_SEED_BOUND: Final = 2**63


def _rule(
    check: Callable[[str, object], object],
) -> Callable[[object, attrs.Attribute[Any], object], None]:
    """An attrs validator that runs one of `_arguments`' checks."""

    def validate(inst: object, attribute: attrs.Attribute[Any], value: object) -> None:
        del inst
        check(attribute.name, value)

    return validate


def _seed(field: str, value: object) -> int:
    return _arguments.count(field, value, low=-_SEED_BOUND, high=_SEED_BOUND - 1)


@attrs.frozen(kw_only=True)
class Settings:
    """What a fake is made with; its state file keeps these along with its state.

    Raises:
        ValueError: If a setting breaks its rule (`slrkit.InvalidInputError`, naming it).
    """

    account_id: str = attrs.field(validator=_rule(_arguments.account_id))
    default_region: str = attrs.field(validator=_rule(_arguments.region))
    seed: int = attrs.field(validator=_rule(_seed))
    strict: bool = attrs.field(validator=_rule(_arguments.flag))
    start: dt.datetime = attrs.field(validator=_rule(_arguments.aware))
    behaviour: Behaviour


class Backend:
    """A fake's state, clock, faults and call log; one per `slrkit.testing.FakeAWS`.

    The methods are `FakeAWS`'s test hooks, documented there, with the same
    arguments and errors.

    Raises:
        ValueError: If *settings* start at or after the clock's `END`.
    """

    def __init__(self, settings: Settings) -> None:
        self.clock: VirtualClock = VirtualClock(settings.start)
        self._settings = settings
        self._engine = Engine(
            clock=self.clock,
            behaviour=settings.behaviour,
            seed=settings.seed,
            strict=settings.strict,
        )

    @property
    def settings(self) -> Settings:
        """What this fake was made with (with the current account id)."""
        return self._settings

    @property
    def account_id(self) -> str:
        """The account of sessions, hooks and served keys that name none."""
        return self._settings.account_id

    @account_id.setter
    def account_id(self, value: str) -> None:
        self._settings = attrs.evolve(self._settings, account_id=value)

    @contextlib.contextmanager
    def state(self) -> Generator[World, None, None]:
        """The world, for one read or change: under the lock, every due event applied."""
        with self._engine.lock:
            self._engine.world.settle()
            yield self._engine.world

    # -- requests -----------------------------------------------------------------------

    def session(
        self, region_name: str | None, *, account_id: str | None, retry_mode: str
    ) -> boto3.Session:
        """A boto3 session whose clients talk to this fake (see `FakeAWS.session`)."""
        from slrkit._fake._boto import FakeSession  # noqa: PLC0415  # boto3 only when used

        return FakeSession(
            self._engine,
            account_id=_arguments.optional_account_id(account_id, self.account_id),
            region_name=(
                _arguments.region("region_name", region_name)
                if region_name is not None
                else self._settings.default_region
            ),
            retry_mode=_arguments.choice("retry_mode", retry_mode, RETRY_MODES),
        )

    def handle(
        self,
        service_id: str,
        operation: str | None,
        request: HttpRequest,
        *,
        account_id: str,
        region: str,
    ) -> WireResponse:
        """Answer one HTTP request as the service would (`Engine.handle`)."""
        return self._engine.handle(
            service_id, operation, request, account_id=account_id, region=region
        )

    # -- time and faults ------------------------------------------------------------------

    def advance(self, seconds: float) -> None:
        """Move virtual time forward (see `FakeAWS.advance`)."""
        self.clock.advance(seconds)

    def fail(
        self,
        operation: str,
        *,
        code: str,
        times: int = 1,
        after: int = 0,
        status: int | None = None,
        message: str | None = None,
    ) -> None:
        """Answer the next calls of *operation* with an error (see `FakeAWS.fail`)."""
        service_id, name = _operation(operation)
        code = _arguments.text("code", code, pattern=_ERROR_CODE, high=128)
        times = _arguments.count("times", times, low=1)
        after = _arguments.count("after", after)
        if status is not None:
            status = _arguments.count("status", status, low=400, high=599)
        if message is not None:
            message = _arguments.text("message", message, pattern=r"(?s).+", high=4096)
        info = codec_for(service_id).error_info(name, code)
        if status is None:
            if info is None and self._settings.strict:
                raise InvalidInputError(
                    "code",
                    code,
                    f"{service_id}:{name} has no such modeled or common error; "
                    "pass status= to inject it anyway",
                )
            status = info.status if info is not None else 400
        fault = ErrorFault(
            code=code,
            status=status,
            sender_fault=status < 500,  # noqa: PLR2004
            message=message or f"{code} injected by slrkit.testing",
        )
        with self._engine.lock:
            self._engine.faults.add_error(f"{service_id}:{name}", fault, times, after)

    def fail_connection(
        self, operation: str, *, times: int = 1, after: int = 0, kind: str = "connect"
    ) -> None:
        """Fail the next calls of *operation* unanswered (see `FakeAWS.fail_connection`)."""
        service_id, name = _operation(operation)
        times = _arguments.count("times", times, low=1)
        after = _arguments.count("after", after)
        kind = _arguments.choice("kind", kind, CONNECTION_FAULTS)
        with self._engine.lock:
            self._engine.faults.add_connection(f"{service_id}:{name}", kind, times, after)

    def set_latency(self, operation: str, seconds: float) -> None:
        """Make each call of *operation* take virtual time (see `FakeAWS.set_latency`)."""
        service_id, name = _operation(operation)
        seconds = _arguments.number("seconds", seconds, high=_MAX_LATENCY)
        with self._engine.lock:
            self._engine.faults.latency[f"{service_id}:{name}"] = seconds

    def rate_limit(self, operation: str, per_second: float, *, burst: float | None = None) -> None:
        """Throttle *operation* with a token bucket (see `FakeAWS.rate_limit`)."""
        service_id, name = _operation(operation)
        per_second = _arguments.positive("per_second", per_second)
        capacity = (
            _arguments.number("burst", burst, low=1.0)
            if burst is not None
            else max(1.0, per_second)
        )
        with self._engine.lock:
            self._engine.faults.limits[f"{service_id}:{name}"] = RateLimit(
                per_second=per_second, burst=capacity
            )

    def clear_faults(self) -> None:
        """Remove every injected fault (see `FakeAWS.clear_faults`)."""
        with self._engine.lock:
            self._engine.faults = type(self._engine.faults)()

    # -- what happened ------------------------------------------------------------------

    @property
    def calls(self) -> tuple[RecordedCall, ...]:
        """Every HTTP attempt answered so far, oldest first."""
        with self._engine.lock:
            return self._engine.calls.records()

    def calls_to(self, operation: str) -> tuple[RecordedCall, ...]:
        """The recorded attempts of one operation (see `FakeAWS.calls_to`)."""
        service_id, name = _operation(operation)
        return tuple(c for c in self.calls if c.service == service_id and c.operation == name)

    def clear_calls(self) -> None:
        """Forget the recorded calls and retry sleeps."""
        with self._engine.lock:
            self._engine.calls.clear()
            self._engine.retry_sleeps.clear()

    def trim_calls(self, keep: int) -> None:
        """Keep only the newest *keep* calls, once there are twice as many (a server's log)."""
        with self._engine.lock:
            if len(self._engine.calls) > 2 * keep:
                self._engine.calls.keep_newest(keep)

    @property
    def retry_sleeps(self) -> tuple[float, ...]:
        """Every delay botocore's retry machinery asked for."""
        with self._engine.lock:
            return tuple(self._engine.retry_sleeps)

    def reset(self) -> None:
        """Forget all state, faults and calls; the clock goes back to its start."""
        self._engine.reset()

    # -- state: Customer Profiles ---------------------------------------------------------

    def domains(self, region: str, *, account_id: str | None = None) -> tuple[str, ...]:
        """The names of the domains in *region*, sorted."""
        region = _arguments.region("region", region)
        account_key = _arguments.optional_account_id(account_id, self.account_id)
        with self.state() as world:
            return tuple(sorted(world.account(account_key).region(region)))

    def load_data(
        self,
        domain_name: str,
        *,
        region: str,
        profiles: int,
        objects: int = 0,
        account_id: str | None = None,
    ) -> None:
        """Put profiles and objects into a domain (see `FakeAWS.load_data`)."""
        profiles = _arguments.count("profiles", profiles)
        objects = _arguments.count("objects", objects)
        stats = DomainStats(
            profile_count=profiles,
            metering_profile_count=profiles,
            object_count=objects,
            # A plausible size: about 2 KiB per profile and 1 KiB per object.
            total_size=profiles * 2048 + objects * 1024,
        )
        self._set_stats(domain_name, region, account_id, stats)

    def clear_data(self, domain_name: str, *, region: str, account_id: str | None = None) -> None:
        """Empty a domain (see `FakeAWS.clear_data`)."""
        self._set_stats(domain_name, region, account_id, DomainStats())

    def _set_stats(
        self, domain_name: str, region: str, account_id: str | None, stats: DomainStats
    ) -> None:
        name = validate_domain_name(domain_name)
        region = _arguments.region("region", region)
        account_key = _arguments.optional_account_id(account_id, self.account_id)
        with self.state() as world:
            set_stats(world, account_key, region, name, stats)

    # -- state: IAM -----------------------------------------------------------------------

    def add_linked_role(
        self,
        *,
        region: str,
        unique_id: str | None = None,
        created_at: dt.datetime | None = None,
        last_used_region: str | None = None,
        domain_name: str | None = None,
        account_id: str | None = None,
    ) -> str:
        """Add a Customer Profiles service-linked role (see `FakeAWS.add_linked_role`)."""
        region = _arguments.region("region", region)
        name = None
        if unique_id is not None:
            high = 64 - len(PROFILE_ROLE_PREFIX)
            name = PROFILE_ROLE_PREFIX + _arguments.text(
                "unique_id", unique_id, pattern=r"[\w+=,.@-]+", high=high
            )
        if created_at is not None:
            created_at = _arguments.aware("created_at", created_at)
        if last_used_region is not None:
            last_used_region = _arguments.region("last_used_region", last_used_region)
        if domain_name is not None:
            domain_name = validate_domain_name(domain_name)
        account_key = _arguments.optional_account_id(account_id, self.account_id)
        with self.state() as world:
            account = world.account(account_key)
            if name is not None and account.role(name) is not None:
                raise InvalidInputError("unique_id", unique_id, f"role {name} already exists")
            domain = None
            if domain_name is not None:
                domain = account.region(region).get(domain_name)
                if domain is None:
                    raise LookupError(f"no domain {domain_name!r} in {region} of {account_key}")
            created = created_at or world.clock.now()
            used_region = last_used_region or (region if domain is not None else None)
            role = world.make_profile_role(
                account,
                name=name,
                created=created,
                visible_at=world.clock.monotonic(),
                last_used=(created, used_region) if used_region is not None else None,
            )
            if domain is not None:
                account.region(region)[domain.name] = attrs.evolve(domain, role_name=role.name)
            return role.name

    def add_role(
        self,
        name: str,
        *,
        path: str = "/",
        trust_principal: str = "ec2.amazonaws.com",
        policies: Iterable[str] = (),
        account_id: str | None = None,
    ) -> str:
        """Add any role, visible at once (see `FakeAWS.add_role`)."""
        name = validate_role_name(name, "name")
        path = _arguments.text("path", path, pattern=r"/|/[!-~]+/", high=512)
        trust_principal = _arguments.text(
            "trust_principal", trust_principal, pattern=_PRINCIPAL, high=256
        )
        if isinstance(policies, str) or not isinstance(policies, Iterable):
            raise InvalidInputError("policies", policies, "must be a list of policy ARNs")
        arns = [
            _arguments.text("policies", arn, pattern=_POLICY_ARN, high=2048) for arn in policies
        ]
        account_key = _arguments.optional_account_id(account_id, self.account_id)
        with self.state() as world:
            account = world.account(account_key)
            if account.role(name) is not None:
                raise InvalidInputError("name", name, "a role of that name already exists")
            account.put_role(
                Role(
                    name=name,
                    path=path,
                    role_id=world.role_id(),
                    create_date=world.clock.now().replace(microsecond=0),
                    trust_policy=trust_policy(trust_principal),
                    visible_at=world.clock.monotonic(),
                    policies=tuple(
                        AttachedPolicy(name=arn.rsplit("/", 1)[-1], arn=arn) for arn in arns
                    ),
                )
            )
        return name

    def roles(
        self, *, account_id: str | None = None, include_pending: bool = False
    ) -> tuple[str, ...]:
        """The names of the account's roles, sorted (see `FakeAWS.roles`)."""
        return self._role_names(account_id, include_pending, linked_only=False)

    def linked_roles(
        self, *, account_id: str | None = None, include_pending: bool = False
    ) -> tuple[str, ...]:
        """Like `roles`, only Customer Profiles service-linked roles."""
        return self._role_names(account_id, include_pending, linked_only=True)

    def _role_names(
        self, account_id: str | None, include_pending: bool, *, linked_only: bool
    ) -> tuple[str, ...]:
        account_key = _arguments.optional_account_id(account_id, self.account_id)
        include_pending = _arguments.flag("include_pending", include_pending)
        with self.state() as world:
            now = world.clock.monotonic()
            return tuple(
                sorted(
                    role.name
                    for role in world.account(account_key).roles.values()
                    if (include_pending or role.visible_at <= now)
                    and (not linked_only or role.path == PROFILE_ROLE_PATH)
                )
            )

    def roles_in_use(self, *, account_id: str | None = None) -> Mapping[str, tuple[str, ...]]:
        """Which existing roles domains use: role name -> ARNs of the domains using it."""
        account_key = _arguments.optional_account_id(account_id, self.account_id)
        with self.state() as world:
            account = world.account(account_key)
            used: dict[str, list[str]] = {}
            for by_name in account.domains.values():
                for domain in by_name.values():
                    if domain.role_name is not None and account.role(domain.role_name):
                        used.setdefault(domain.role_name, []).append(
                            domain_arn(account_key, domain)
                        )
            return {role: tuple(sorted(arns)) for role, arns in sorted(used.items())}


def _operation(operation: object) -> tuple[str, str]:
    """Resolve ``"GetDomain"`` or ``"iam:GetRole"`` to (service id, operation name).

    Raises:
        InvalidInputError: The fake serves no such operation, or several of that name.
    """
    if not isinstance(operation, str):
        raise InvalidInputError("operation", operation, "must be an operation name")
    service, _, name = operation.rpartition(":")
    matches = [
        (service_id, name)
        for service_id, ops in OPERATIONS.items()
        if name in ops and service in ("", service_id)
    ]
    if len(matches) != 1:
        known = sorted(f"{s}:{o}" for s, ops in OPERATIONS.items() for o in ops)
        problem = "is ambiguous" if matches else "is not an operation the fake serves"
        raise InvalidInputError("operation", operation, f"{problem}; known: {', '.join(known)}")
    return matches[0]
