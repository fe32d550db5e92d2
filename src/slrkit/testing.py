"""Offline AWS for slrkit and for your own boto3 code: a stateful fake under botocore.

`FakeAWS` keeps Customer Profiles domains, IAM service-linked roles and their
deletion tasks, and answers STS GetCallerIdentity. Its sessions are real
`boto3.Session` objects whose clients hand every HTTP request to the fake at
botocore's ``before-send`` event, so everything else botocore does still runs:
parameter validation, serialization, signing, parsing, modeled exceptions and
retries (whose back-off is spent on the fake's virtual clock).

>>> fake = FakeAWS()
>>> profiles = fake.session("eu-west-2").client("customer-profiles")
>>> _ = profiles.create_domain(DomainName="acme", DefaultExpirationDays=365)
>>> fake.advance(fake.propagation_delay)        # the domain's role becomes visible
>>> [role] = fake.linked_roles()
>>> role.startswith("AWSServiceRoleForProfile_")
True

How the fake behaves where AWS does not document it is described on
`FakeAWS`; the pytest plugin provides a fresh one as the ``fake_aws`` fixture.

Errors raised by the fake itself (not AWS errors, which come as botocore's
``ClientError``):

- `FidelityError` (an `AssertionError`): in strict mode, the fake produced a
  response outside the service model, a bug in the fake.
- `UnsupportedOperationError` (a `NotImplementedError`): a fake session's client
  called an operation the fake does not serve; nothing went to AWS.
- `StateFileError` (a `ValueError`): `FakeAWS.load` was given a file it cannot read.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import random
from typing import TYPE_CHECKING, Any, Final, Literal, cast, overload

import attrs

from slrkit._fake._calls import RecordedCall
from slrkit._fake._engine import (
    OPERATIONS,
    Engine,
    FidelityError,
    UnsupportedOperationError,
)
from slrkit._fake._faults import ErrorFault, RateLimit
from slrkit._fake._persist import (
    FORMAT,
    VERSION,
    StateFileError,
    dump_behaviour,
    dump_world,
    load_world,
)
from slrkit._fake._profiles import set_stats
from slrkit._fake._records import (
    PROFILE_ROLE_PATH,
    PROFILE_ROLE_PREFIX,
    AttachedPolicy,
    DomainStats,
    Role,
)
from slrkit._fake._virtual_clock import DEFAULT_START, VirtualClock
from slrkit._fake._wire import codec_for
from slrkit._fake._world import Behaviour, domain_arn, trust_policy

if TYPE_CHECKING:
    import os
    from collections.abc import Callable, Iterable, Mapping

    import boto3
    from mypy_boto3_customer_profiles.client import CustomerProfilesClient
    from mypy_boto3_iam.client import IAMClient
    from mypy_boto3_sts.client import STSClient

    from slrkit._kit import ProfilesKit

__all__ = [
    "FakeAWS",
    "FakeServer",
    "FidelityError",
    "RecordedCall",
    "StateFileError",
    "UnsupportedOperationError",
    "VirtualClock",
]

if TYPE_CHECKING:
    from slrkit._serve import FakeServer
else:

    def __getattr__(name: str) -> object:
        # The server imports this module; importing it here, on first use, avoids the cycle
        # and keeps the HTTP machinery out of every test run that never serves.
        if name == "FakeServer":
            from slrkit._serve import FakeServer  # noqa: PLC0415

            return FakeServer
        raise AttributeError(f"module 'slrkit.testing' has no attribute {name!r}")


DEFAULT_ACCOUNT_ID: Final = "123456789012"
DEFAULT_REGION: Final = "us-east-1"
ConnectionFaultKind = Literal["connect", "read-timeout"]
RetryMode = Literal["standard", "adaptive", "legacy"]


class FakeAWS:
    """A stateful fake of Customer Profiles, IAM (service-linked roles) and STS.

    All accounts live in one fake; Customer Profiles state is kept per account and
    region, IAM state per account. Every random choice comes from *seed* and all
    time is virtual, so a run repeats exactly.

    Behaviour (virtual seconds; see the module docstrings of `slrkit._fake._profiles`
    and `slrkit._fake._iam` for the details):

    - CreateDomain makes the domain's service-linked role
      ``AWSServiceRoleForProfile_<12 lowercase hex digits>`` under
      ``/aws-service-role/profile.amazonaws.com/``, trusted by
      ``profile.amazonaws.com`` and with ``CustomerProfilesServiceLinkedRolePolicy``
      attached. Its CreateDate is one second after the domain's CreatedAt; IAM
      reads see it only after *propagation_delay*.
    - DeleteDomain makes the service delete that role *role_cleanup_delay* later
      (never, if None, so that the DeleteServiceLinkedRole fallback can be tested).
    - A DeleteServiceLinkedRole task takes *deletion_task_duration* and FAILS, with
      a RoleUsageList, if a domain still uses the role when it ends.
    - IAM is global: its calls are recorded with the region they were signed for
      (``us-east-1``), and its rate limits count in one ``aws-global`` bucket.

    Args:
        account_id: The account of sessions that name none.
        propagation_delay: Seconds before a new domain's role shows in IAM.
        role_cleanup_delay: Seconds after DeleteDomain until the service deletes
            the role, or None for never.
        deletion_task_duration: Seconds a role-deletion task runs.
        seed: Seeds role names, ids and request ids.
        strict: Check every response against the service model's output shape
            (raising `FidelityError`) and refuse `fail` codes the model lacks.
        start: The virtual wall-clock time at the start; timezone-aware.
        default_region: The region of sessions that name none.

    Raises:
        ValueError: If a delay is negative or *start* is naive.
    """

    def __init__(
        self,
        account_id: str = DEFAULT_ACCOUNT_ID,
        *,
        propagation_delay: float = 5.0,
        role_cleanup_delay: float | None = 20.0,
        deletion_task_duration: float = 10.0,
        seed: int = 0,
        strict: bool = True,
        start: dt.datetime = DEFAULT_START,
        default_region: str = DEFAULT_REGION,
    ) -> None:
        for name, value in (
            ("propagation_delay", propagation_delay),
            ("role_cleanup_delay", role_cleanup_delay),
            ("deletion_task_duration", deletion_task_duration),
        ):
            if value is not None and (not math.isfinite(value) or value < 0):
                raise ValueError(f"{name} must be a finite number >= 0, got {value!r}")
        self.account_id = account_id
        self.default_region = default_region
        self.clock = VirtualClock(start)
        self._engine = Engine(
            clock=self.clock,
            behaviour=Behaviour(
                propagation_delay=propagation_delay,
                role_cleanup_delay=role_cleanup_delay,
                deletion_task_duration=deletion_task_duration,
            ),
            seed=seed,
            strict=strict,
        )

    def __repr__(self) -> str:
        return f"FakeAWS(account_id={self.account_id!r}, clock={self.clock!r})"

    # -- configuration ------------------------------------------------------------------

    @property
    def propagation_delay(self) -> float:
        """Seconds before a new domain's role shows in IAM reads."""
        return self._engine.world.behaviour.propagation_delay

    @property
    def role_cleanup_delay(self) -> float | None:
        """Seconds after DeleteDomain until the service deletes the role (None: never)."""
        return self._engine.world.behaviour.role_cleanup_delay

    @property
    def deletion_task_duration(self) -> float:
        """Seconds a DeleteServiceLinkedRole task runs."""
        return self._engine.world.behaviour.deletion_task_duration

    @property
    def strict(self) -> bool:
        """Whether responses are checked against the model (see the class docstring)."""
        return self._engine.strict

    # -- clients ------------------------------------------------------------------------

    def session(
        self,
        region_name: str | None = None,
        *,
        account_id: str | None = None,
        retry_mode: RetryMode = "standard",
    ) -> boto3.Session:
        """A boto3 session, with dummy credentials, whose clients talk to this fake.

        Each call makes a new session (cheap: botocore's model data is shared).
        Clients may still choose their own retry mode through `botocore.config.Config`.

        Args:
            region_name: The session's region (default: the fake's `default_region`).
            account_id: The account its calls belong to (default: the fake's).
            retry_mode: botocore's retry mode for clients that choose none.
        """
        from slrkit._fake._boto import FakeSession  # noqa: PLC0415  # boto3 only when used

        return FakeSession(
            self._engine,
            account_id=account_id or self.account_id,
            region_name=region_name or self.default_region,
            retry_mode=retry_mode,
        )

    @overload
    def client(
        self,
        service_name: Literal["customer-profiles"],
        region_name: str | None = None,
        *,
        account_id: str | None = None,
    ) -> CustomerProfilesClient: ...
    @overload
    def client(
        self,
        service_name: Literal["iam"],
        region_name: str | None = None,
        *,
        account_id: str | None = None,
    ) -> IAMClient: ...
    @overload
    def client(
        self,
        service_name: Literal["sts"],
        region_name: str | None = None,
        *,
        account_id: str | None = None,
    ) -> STSClient: ...
    def client(
        self,
        service_name: Literal["customer-profiles", "iam", "sts"],
        region_name: str | None = None,
        *,
        account_id: str | None = None,
    ) -> CustomerProfilesClient | IAMClient | STSClient:
        """A typed client of one of the services the fake serves, on a new `session`.

        Args:
            service_name: ``"customer-profiles"``, ``"iam"`` or ``"sts"``.
            region_name: The client's region (default: the fake's `default_region`).
            account_id: The account its calls belong to (default: the fake's).
        """
        session = self.session(region_name, account_id=account_id)
        # boto3-stubs give `client` one overload per service, most of them for services
        # whose stubs are not installed; only these three are wanted here.
        make = session.client  # pyright: ignore[reportUnknownMemberType, reportUnknownVariableType]
        return make(service_name)

    def kit(
        self,
        region_name: str,
        *,
        account_id: str | None = None,
        rand: Callable[[], float] | None = None,
    ) -> ProfilesKit:
        """A `slrkit.ProfilesKit` on this fake, waiting on its virtual clock.

        Its back-off jitter comes from *rand*, by default a generator seeded from
        the fake's seed, so the same script makes the same calls every run.

        Raises:
            slrkit.UnsupportedRegionError: If slrkit does not support *region_name*.
        """
        from slrkit._kit import ProfilesKit  # noqa: PLC0415  # the kit imports this module's peers

        return ProfilesKit(
            region_name,
            session=self.session(region_name, account_id=account_id),
            clock=self.clock,
            rand=rand if rand is not None else random.Random(self._engine.seed).random,  # noqa: S311
        )

    # -- time ---------------------------------------------------------------------------

    def advance(self, seconds: float) -> None:
        """Move virtual time forward; due role cleanups and task endings happen lazily.

        Raises:
            ValueError: If *seconds* is negative or not finite.
        """
        self.clock.advance(seconds)

    # -- faults -------------------------------------------------------------------------

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
        """Answer the next *times* calls of *operation* with the error *code*.

        Each HTTP attempt counts, so with botocore's retries a throttle injected
        twice is retried and then succeeds.

        Args:
            operation: ``"GetDomain"``, or qualified: ``"iam:GetRole"``.
            code: The AWS error code (``"ThrottlingException"``, ``"Throttling"`` ...).
            times: How many calls fail.
            after: How many calls of *operation* succeed first (for a failure at
                the n-th call, ``after=n - 1``).
            status: The HTTP status; by default the model's for a modeled error, or
                the usual one for a common error (IAM ``Throttling`` 400, ...).
            message: The error message; a default names the injection.

        Raises:
            ValueError: If *operation* is unknown or ambiguous, *times* < 1, *after* < 0, or (in
                strict mode) *code* is neither modeled nor common and no *status*
                is given.
        """
        service_id, name = self._operation(operation)
        _check_times(times)
        info = codec_for(service_id).error_info(name, code)
        if status is None:
            if info is None and self.strict:
                raise ValueError(
                    f"{service_id}:{name} has no modeled or common error {code!r}; "
                    "pass status= to inject it anyway"
                )
            status = info.status if info is not None else 400
        fault = ErrorFault(
            code=code,
            status=status,
            sender_fault=status < 500,  # noqa: PLR2004
            message=message or f"{code} injected by slrkit.testing",
        )
        _check_after(after)
        with self._engine.lock:
            self._engine.faults.add_error(f"{service_id}:{name}", fault, times, after)

    def fail_connection(
        self,
        operation: str,
        *,
        times: int = 1,
        after: int = 0,
        kind: ConnectionFaultKind = "connect",
    ) -> None:
        """Fail the next *times* calls of *operation* before any answer.

        ``"connect"`` raises botocore's `EndpointConnectionError`, ``"read-timeout"``
        its `ReadTimeoutError`; botocore retries both as it would real network errors.
        *after* calls succeed first, as for `fail`.

        Raises:
            ValueError: If *operation* is unknown, *times* < 1, *after* < 0 or *kind*
                is unknown.
        """
        service_id, name = self._operation(operation)
        _check_times(times)
        _check_after(after)
        if kind not in ("connect", "read-timeout"):
            raise ValueError(f"kind must be 'connect' or 'read-timeout', got {kind!r}")
        with self._engine.lock:
            self._engine.faults.add_connection(f"{service_id}:{name}", kind, times, after)

    def set_latency(self, operation: str, seconds: float) -> None:
        """Make every call of *operation* take *seconds* of virtual time (0 removes it).

        Raises:
            ValueError: If *operation* is unknown or *seconds* is negative.
        """
        service_id, name = self._operation(operation)
        if not math.isfinite(seconds) or seconds < 0:
            raise ValueError(f"seconds must be a finite number >= 0, got {seconds!r}")
        with self._engine.lock:
            self._engine.faults.latency[f"{service_id}:{name}"] = seconds

    def rate_limit(self, operation: str, per_second: float, *, burst: float | None = None) -> None:
        """Throttle *operation* beyond *per_second* calls per account and region.

        A token bucket on virtual time, holding *burst* calls (default: *per_second*,
        at least 1). Calls beyond it get the service's throttling error
        (``ThrottlingException`` 429, IAM ``Throttling`` 400) and change nothing.
        IAM counts globally, in region ``aws-global``.

        Raises:
            ValueError: If *operation* is unknown or a rate is not positive.
        """
        service_id, name = self._operation(operation)
        capacity = burst if burst is not None else max(1.0, per_second)
        if not per_second > 0 or not capacity >= 1:
            raise ValueError(f"per_second must be > 0 and burst >= 1, got {per_second}, {burst}")
        with self._engine.lock:
            self._engine.faults.limits[f"{service_id}:{name}"] = RateLimit(
                per_second=per_second, burst=capacity
            )

    def clear_faults(self) -> None:
        """Remove every injected error, connection fault, latency and rate limit."""
        with self._engine.lock:
            self._engine.faults = type(self._engine.faults)()

    # -- what happened ------------------------------------------------------------------

    @property
    def calls(self) -> tuple[RecordedCall, ...]:
        """Every HTTP attempt answered so far (retries included), oldest first."""
        with self._engine.lock:
            return tuple(self._engine.calls)

    def calls_to(self, operation: str) -> tuple[RecordedCall, ...]:
        """The recorded attempts of one operation (``"GetDomain"`` or ``"iam:GetRole"``).

        Raises:
            ValueError: If *operation* is unknown or ambiguous.
        """
        service_id, name = self._operation(operation)
        return tuple(c for c in self.calls if c.service == service_id and c.operation == name)

    def clear_calls(self) -> None:
        """Forget the recorded calls (and retry sleeps)."""
        with self._engine.lock:
            self._engine.calls.clear()
            self._engine.retry_sleeps.clear()

    @property
    def retry_sleeps(self) -> tuple[float, ...]:
        """Every delay botocore's retry machinery asked for, spent on the virtual clock."""
        with self._engine.lock:
            return tuple(self._engine.retry_sleeps)

    def reset(self) -> None:
        """Forget all state, faults and calls, and put the clock back at its start."""
        self._engine.reset()

    # -- state: Customer Profiles ---------------------------------------------------------

    def domains(self, region: str, *, account_id: str | None = None) -> tuple[str, ...]:
        """The names of the domains in *region*, sorted."""
        with self._engine.lock:
            world = self._engine.world
            world.settle()
            return tuple(sorted(world.account(account_id or self.account_id).region(region)))

    def load_data(
        self,
        domain_name: str,
        *,
        region: str,
        profiles: int,
        objects: int = 0,
        account_id: str | None = None,
    ) -> None:
        """Put *profiles* profiles and *objects* objects into a domain (its `Stats`).

        Also counts as the service using the domain's role.

        Raises:
            LookupError: If there is no such domain.
            ValueError: If a count is negative.
        """
        if profiles < 0 or objects < 0:
            raise ValueError(f"counts must be >= 0, got {profiles=}, {objects=}")
        stats = DomainStats(
            profile_count=profiles,
            metering_profile_count=profiles,
            object_count=objects,
            # A plausible size: about 2 KiB per profile and 1 KiB per object.
            total_size=profiles * 2048 + objects * 1024,
        )
        with self._engine.lock:
            self._engine.world.settle()
            set_stats(self._engine.world, account_id or self.account_id, region, domain_name, stats)

    def clear_data(self, domain_name: str, *, region: str, account_id: str | None = None) -> None:
        """Empty a domain: its `Stats` become zero.

        Raises:
            LookupError: If there is no such domain.
        """
        with self._engine.lock:
            self._engine.world.settle()
            set_stats(
                self._engine.world,
                account_id or self.account_id,
                region,
                domain_name,
                DomainStats(),
            )

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
        """Add a Customer Profiles service-linked role, as the service would make it.

        The role is visible at once. With *domain_name*, that domain (in *region*)
        uses it from now on; without, the role is an orphan no domain uses.

        Args:
            region: Where the domain lives, and the role's last-used region
                when *domain_name* is given.
            unique_id: The name's suffix (default: random, like the service's).
            created_at: The role's CreateDate (default: now).
            last_used_region: RoleLastUsed's region (default: *region* if the role
                has a domain, else unused).
            domain_name: The domain that uses the role, if any.
            account_id: The account (default: the fake's).

        Returns:
            The role's name.

        Raises:
            LookupError: If *domain_name* names no domain in *region*.
            ValueError: If a role of that name exists, or *created_at* is naive.
        """
        if created_at is not None and created_at.tzinfo is None:
            raise ValueError(f"created_at must be timezone-aware, got {created_at!r}")
        account_key = account_id or self.account_id
        with self._engine.lock:
            world = self._engine.world
            world.settle()
            account = world.account(account_key)
            name = PROFILE_ROLE_PREFIX + unique_id if unique_id is not None else None
            if name is not None and name in account.roles:
                raise ValueError(f"role {name} already exists in account {account_key}")
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
        """Add any role, visible at once.

        For instance one outside the Customer Profiles path, or a broken Customer
        Profiles role (wrong trust, missing policy) for slrkit's checks.

        Args:
            name: The role name.
            path: The role path (``/aws-service-role/...`` makes it service-linked).
            trust_principal: The service principal its trust policy allows.
            policies: ARNs of managed policies attached to it.
            account_id: The account (default: the fake's).

        Returns:
            The role's name.

        Raises:
            ValueError: If a role of that name exists or *path* is not ``/.../``.
        """
        if not (path.startswith("/") and path.endswith("/")):
            raise ValueError(f"path must start and end with '/', got {path!r}")
        account_key = account_id or self.account_id
        with self._engine.lock:
            world = self._engine.world
            world.settle()
            account = world.account(account_key)
            if name in account.roles:
                raise ValueError(f"role {name} already exists in account {account_key}")
            account.roles[name] = Role(
                name=name,
                path=path,
                role_id=world.role_id(),
                create_date=world.clock.now().replace(microsecond=0),
                trust_policy=trust_policy(trust_principal),
                visible_at=world.clock.monotonic(),
                policies=tuple(
                    AttachedPolicy(name=arn.rsplit("/", 1)[-1], arn=arn) for arn in policies
                ),
            )
        return name

    def roles(
        self, *, account_id: str | None = None, include_pending: bool = False
    ) -> tuple[str, ...]:
        """The names of the account's roles, sorted.

        Args:
            account_id: The account (default: the fake's).
            include_pending: Also list roles IAM does not show yet (propagation).
        """
        with self._engine.lock:
            world = self._engine.world
            world.settle()
            now = world.clock.monotonic()
            roles = world.account(account_id or self.account_id).roles.values()
            return tuple(sorted(r.name for r in roles if include_pending or r.visible_at <= now))

    def linked_roles(
        self, *, account_id: str | None = None, include_pending: bool = False
    ) -> tuple[str, ...]:
        """Like `roles`, but only Customer Profiles service-linked roles."""
        with self._engine.lock:
            world = self._engine.world
            world.settle()
            now = world.clock.monotonic()
            roles = world.account(account_id or self.account_id).roles.values()
            return tuple(
                sorted(
                    r.name
                    for r in roles
                    if r.path == PROFILE_ROLE_PATH and (include_pending or r.visible_at <= now)
                )
            )

    def roles_in_use(self, *, account_id: str | None = None) -> Mapping[str, tuple[str, ...]]:
        """Which existing roles domains use: role name -> ARNs of the domains using it."""
        account_key = account_id or self.account_id
        with self._engine.lock:
            world = self._engine.world
            world.settle()
            account = world.account(account_key)
            used: dict[str, list[str]] = {}
            for by_name in account.domains.values():
                for domain in by_name.values():
                    if domain.role_name is not None and domain.role_name in account.roles:
                        used.setdefault(domain.role_name, []).append(
                            domain_arn(account_key, domain)
                        )
            return {role: tuple(sorted(arns)) for role, arns in sorted(used.items())}

    # -- persistence ----------------------------------------------------------------------

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the fake's state (incl. virtual time) to a JSON file.

        Faults, latency, rate limits, calls and retry sleeps are not saved.

        Raises:
            OSError: If the file cannot be written.
        """
        with self._engine.lock:
            self._engine.world.settle()
            document = {
                "format": FORMAT,
                "version": VERSION,
                "account_id": self.account_id,
                "default_region": self.default_region,
                "seed": self._engine.seed,
                "strict": self.strict,
                "start": self.clock.start.isoformat(),
                "behaviour": dump_behaviour(self._engine.world.behaviour),
                "state": dump_world(self._engine.world),
            }
        with open(path, "w", encoding="utf-8") as file:  # noqa: PTH123  # path may be str
            json.dump(document, file, indent=1, sort_keys=True)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> FakeAWS:
        """Read a fake back from a file written by `save`.

        Raises:
            OSError: If the file cannot be read.
            StateFileError: If it is not a fake state file of a supported version.
        """
        with open(path, encoding="utf-8") as file:  # noqa: PTH123  # path may be str
            try:
                loaded: object = json.load(file)
            except ValueError as exc:
                raise StateFileError(f"{path} is not JSON: {exc}") from exc
        if not isinstance(loaded, dict):
            raise StateFileError(f"{path} is not a slrkit fake state file")
        document = cast("dict[str, Any]", loaded)
        if document.get("format") != FORMAT:
            raise StateFileError(f"{path} is not a slrkit fake state file")
        if document.get("version") != VERSION:
            raise StateFileError(
                f"{path} has state version {document.get('version')!r}; "
                f"this slrkit reads version {VERSION}"
            )
        try:
            behaviour = document["behaviour"]
            fake = cls(
                document["account_id"],
                propagation_delay=behaviour["propagation_delay"],
                role_cleanup_delay=behaviour["role_cleanup_delay"],
                deletion_task_duration=behaviour["deletion_task_duration"],
                seed=document["seed"],
                strict=document["strict"],
                start=dt.datetime.fromisoformat(document["start"]),
                default_region=document["default_region"],
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise StateFileError(f"{path} is malformed: {exc}") from exc
        load_world(document["state"], fake._engine.world)
        return fake

    # -- helpers --------------------------------------------------------------------------

    @staticmethod
    def _operation(operation: str) -> tuple[str, str]:
        """Resolve ``"GetDomain"`` or ``"iam:GetRole"`` to (service id, operation name)."""
        service, _, name = operation.rpartition(":")
        matches = [
            (service_id, name)
            for service_id, ops in OPERATIONS.items()
            if name in ops and service in ("", service_id)
        ]
        if len(matches) != 1:
            known = sorted(f"{s}:{o}" for s, ops in OPERATIONS.items() for o in ops)
            problem = "is ambiguous" if matches else "is not an operation the fake serves"
            raise ValueError(f"{operation!r} {problem}; known: {', '.join(known)}")
        return matches[0]


def _check_times(times: int) -> None:
    if times < 1:
        raise ValueError(f"times must be >= 1, got {times}")


def _check_after(after: int) -> None:
    if after < 0:
        raise ValueError(f"after must be >= 0, got {after}")
