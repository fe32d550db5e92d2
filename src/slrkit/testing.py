"""Offline AWS for slrkit and for your own boto3 code: a stateful fake under botocore.

`FakeAWS` keeps Customer Profiles domains, IAM service-linked roles and their
deletion tasks, and answers STS GetCallerIdentity. Its sessions are real
`boto3.Session` objects whose clients hand every HTTP request to the fake at
botocore's ``before-send`` event, so everything else botocore does still runs:
parameter validation, serialization, signing, parsing, modeled exceptions and
retries (whose back-off is spent on the fake's virtual clock). They read none of
the machine's AWS configuration (profiles, config and credentials files,
``AWS_*`` variables), so a test runs the same on a laptop and on any CI runner.

>>> fake = FakeAWS()
>>> profiles = fake.session("eu-west-2").client("customer-profiles")
>>> _ = profiles.create_domain(DomainName="acme", DefaultExpirationDays=365)
>>> fake.advance(fake.propagation_delay)        # the domain's role becomes visible
>>> [role] = fake.linked_roles()
>>> role.startswith("AWSServiceRoleForProfile_")
True

How it behaves (virtual seconds; `Behaviour` holds every knob, says what AWS
documents and what the fake chooses, and `Behaviour.harsh` turns every hardship
on at once). It is no kinder than AWS:

- CreateDomain makes the domain's service-linked role
  ``AWSServiceRoleForProfile_<12 lowercase hex digits>`` under
  ``/aws-service-role/profile.amazonaws.com/``, trusted by ``profile.amazonaws.com``
  and with ``CustomerProfilesServiceLinkedRolePolicy`` attached. Its CreateDate is
  one second after the domain's CreatedAt; IAM reads see it only after
  `Behaviour.propagation_delay`.
- DeleteDomain makes the service delete that role `Behaviour.role_cleanup_delay`
  later (never, if None, so that the DeleteServiceLinkedRole fallback can be tested).
- A DeleteServiceLinkedRole task takes `Behaviour.deletion_task_duration` and FAILS,
  with a RoleUsageList, if a domain still uses the role when it ends. IAM
  forgets a finished task after `Behaviour.task_retention`.
- IAM reads lag its writes by `Behaviour.read_lag`: a deleted role stays visible
  that long. Role names are not told apart by case.
- Customer Profiles answers only in `Behaviour.profile_regions` (its ten
  regions); elsewhere a call fails as a missing host does, with botocore's
  `EndpointConnectionError`, and reaches no service (it is not recorded).
- Rule-based matching goes PENDING, IN_PROGRESS, then ACTIVE, and refuses changes
  while IN_PROGRESS and for a day after ACTIVE, as the model documents.
- ARNs name the partition of the region (``arn:aws-cn:`` in cn-north-1).
- IAM is global: its calls are recorded with the region they were signed for
  (``us-east-1``), and its rate limits count in one ``aws-global`` bucket.
- Virtual time runs from the fake's start to the last day of year 9999.

The pytest plugin provides a fresh fake as the ``fake_aws`` fixture, and
`FakeServer` serves one over HTTP.

Errors raised by the fake itself (not AWS errors, which come as botocore's
``ClientError``):

- `ValueError` (`slrkit.InvalidInputError`): a test hook was given an argument
  that breaks its rule; the message names the argument, the value and the rule.
- `FidelityError` (an `AssertionError`): in strict mode, the fake produced a
  response outside the service model, a bug in the fake.
- `UnsupportedOperationError` (a `NotImplementedError`): a fake session's client
  called an operation the fake does not serve; nothing went to AWS.
- `StateFileError` (a `ValueError`): a state file the fake cannot use.
- `StateFileBusyError` (a `TimeoutError`): another process kept a state file
  locked (`FakeAWS.open`).
"""

from __future__ import annotations

import contextlib
import enum
import random
from typing import TYPE_CHECKING, Final, Literal, overload

import attrs

from slrkit._fake import _persist, _state_file
from slrkit._fake._backend import Backend, Settings
from slrkit._fake._behaviour import Behaviour
from slrkit._fake._calls import RecordedCall
from slrkit._fake._engine import FidelityError, UnsupportedOperationError
from slrkit._fake._server import DEFAULT_HOST, Server
from slrkit._fake._state_file import StateFileBusyError, StateFileError
from slrkit._fake._virtual_clock import DEFAULT_START, VirtualClock
from slrkit.exceptions import InvalidInputError

if TYPE_CHECKING:
    import datetime as dt
    import os
    from collections.abc import Callable, Generator, Iterable, Mapping, Sequence

    import boto3
    from mypy_boto3_customer_profiles.client import CustomerProfilesClient
    from mypy_boto3_iam.client import IAMClient
    from mypy_boto3_sts.client import STSClient

    from slrkit._fleet import Fleet
    from slrkit._kit import ProfilesKit
    from slrkit._ratelimit import RateLimits

__all__ = [
    "Behaviour",
    "FakeAWS",
    "FakeServer",
    "FidelityError",
    "RecordedCall",
    "StateFileBusyError",
    "StateFileError",
    "UnsupportedOperationError",
    "VirtualClock",
]

DEFAULT_ACCOUNT_ID: Final = "123456789012"
DEFAULT_REGION: Final = "us-east-1"
ConnectionFaultKind = Literal["connect", "read-timeout"]
RetryMode = Literal["standard", "adaptive", "legacy"]


class _Unset(enum.Enum):
    """The default of a timing argument of `FakeAWS`: the behaviour's value."""

    BEHAVIOUR = "the behaviour's"


_BEHAVIOURS: Final = _Unset.BEHAVIOUR


class FakeAWS:
    """A stateful fake of Customer Profiles, IAM (service-linked roles) and STS.

    All accounts live in one fake; Customer Profiles state is kept per account and
    region, IAM state per account. Every random choice comes from *seed* and all
    time is virtual, so a run repeats exactly; the module docstring says how it
    behaves. A fake is safe to share between threads. Every method checks its
    arguments before it changes anything: one that breaks its rule (its type, a
    range, IAM's naming rules...) raises `ValueError` naming the argument, the
    value and the rule, as the Raises sections below say only where the rule
    needs saying.

    Args:
        account_id: The account of sessions and hooks that name none: 12 digits.
        behaviour: How it behaves where AWS leaves room (default: `Behaviour()`,
            AWS's documented behaviour and the fake's best guesses elsewhere).
        propagation_delay: Overrides *behaviour*'s `Behaviour.propagation_delay`.
        role_cleanup_delay: Overrides `Behaviour.role_cleanup_delay` (None: never).
        deletion_task_duration: Overrides `Behaviour.deletion_task_duration`.
        seed: Seeds role names, ids and request ids (a 64-bit integer).
        strict: Check every response against the service model's output shape
            (raising `FidelityError`) and refuse `fail` codes the model lacks.
        start: The virtual wall-clock time at the start; timezone-aware.
        default_region: The region of sessions that name none.

    Raises:
        ValueError: An account id that is not 12 digits, a delay that is not a
            finite number >= 0, a *behaviour* that is not a `Behaviour`, a naive
            *start*...
    """

    def __init__(
        self,
        account_id: str = DEFAULT_ACCOUNT_ID,
        *,
        behaviour: Behaviour | None = None,
        propagation_delay: float | _Unset = _BEHAVIOURS,
        role_cleanup_delay: float | _Unset | None = _BEHAVIOURS,
        deletion_task_duration: float | _Unset = _BEHAVIOURS,
        seed: int = 0,
        strict: bool = True,
        start: dt.datetime = DEFAULT_START,
        default_region: str = DEFAULT_REGION,
    ) -> None:
        if behaviour is not None and not isinstance(behaviour, Behaviour):
            raise InvalidInputError("behaviour", behaviour, "must be a slrkit.testing.Behaviour")
        timing = behaviour if behaviour is not None else Behaviour()
        if propagation_delay is not _BEHAVIOURS:
            timing = attrs.evolve(timing, propagation_delay=propagation_delay)
        if role_cleanup_delay is not _BEHAVIOURS:
            timing = attrs.evolve(timing, role_cleanup_delay=role_cleanup_delay)
        if deletion_task_duration is not _BEHAVIOURS:
            timing = attrs.evolve(timing, deletion_task_duration=deletion_task_duration)
        self._backend = Backend(
            Settings(
                account_id=account_id,
                default_region=default_region,
                seed=seed,
                strict=strict,
                start=start,
                behaviour=timing,
            )
        )

    @classmethod
    def _of(cls, backend: Backend) -> FakeAWS:
        fake = cls.__new__(cls)
        fake._backend = backend
        return fake

    def __repr__(self) -> str:
        return f"FakeAWS(account_id={self.account_id!r}, clock={self.clock!r})"

    # -- configuration ------------------------------------------------------------------

    @property
    def account_id(self) -> str:
        """The account of sessions and hooks that name none; settable (12 digits)."""
        return self._backend.account_id

    @account_id.setter
    def account_id(self, value: str) -> None:
        self._backend.account_id = value

    @property
    def default_region(self) -> str:
        """The region of sessions that name none."""
        return self._backend.settings.default_region

    @property
    def clock(self) -> VirtualClock:
        """The virtual clock every session, kit and delay of this fake shares."""
        return self._backend.clock

    @property
    def behaviour(self) -> Behaviour:
        """How this fake behaves where AWS leaves room."""
        return self._backend.settings.behaviour

    @property
    def propagation_delay(self) -> float:
        """Seconds before a new domain's role shows in IAM reads."""
        return self._backend.settings.behaviour.propagation_delay

    @property
    def role_cleanup_delay(self) -> float | None:
        """Seconds after DeleteDomain until the service deletes the role (None: never)."""
        return self._backend.settings.behaviour.role_cleanup_delay

    @property
    def deletion_task_duration(self) -> float:
        """Seconds a DeleteServiceLinkedRole task runs."""
        return self._backend.settings.behaviour.deletion_task_duration

    @property
    def strict(self) -> bool:
        """Whether responses are checked against the model (see the class docstring)."""
        return self._backend.settings.strict

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
        return self._backend.session(region_name, account_id=account_id, retry_mode=retry_mode)

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
        if service_name not in ("customer-profiles", "iam", "sts"):
            raise ValueError(
                f"service_name={service_name!r} is invalid: "
                "must be one of customer-profiles, iam, sts"
            )
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
        from slrkit._kit import ProfilesKit  # noqa: PLC0415  # the kit loads on first use

        return ProfilesKit(
            region_name,
            session=self.session(region_name, account_id=account_id),
            clock=self.clock,
            rand=rand if rand is not None else random.Random(self._backend.settings.seed).random,  # noqa: S311
        )

    def fleet(
        self,
        account_ids: Sequence[str] | None = None,
        *,
        regions: Sequence[str] | None = None,
        rate_limits: RateLimits | None = None,
        orphan_grace: float = 600.0,
        progress: Callable[[str], None] | None = None,
    ) -> Fleet:
        """A `slrkit.Fleet` on this fake: its accounts' sessions, its virtual clock.

        Args:
            account_ids: The accounts to work in, each labelled by its id (default:
                the fake's own).
            regions: The regions to work in (default: every supported one).
            rate_limits: Client-side pacing (default: none; the fake throttles only
                where told to).
            orphan_grace: As `slrkit.Fleet`.
            progress: As `slrkit.Fleet`.

        Raises:
            slrkit.InvalidInputError: As `slrkit.Fleet`.
        """
        from slrkit._fleet import Fleet  # noqa: PLC0415  # the fleet loads on first use
        from slrkit._regions import SUPPORTED_REGIONS  # noqa: PLC0415

        accounts = account_ids if account_ids is not None else [self.account_id]
        return Fleet(
            {account: self.session(account_id=account) for account in accounts},
            regions=regions if regions is not None else SUPPORTED_REGIONS,
            rate_limits=rate_limits,
            clock=self.clock,
            rand=random.Random(self._backend.settings.seed).random,  # noqa: S311
            orphan_grace=orphan_grace,
            progress=progress,
        )

    # -- time and faults ----------------------------------------------------------------

    def advance(self, seconds: float) -> None:
        """Move virtual time forward; due role cleanups and task endings happen lazily.

        Raises:
            ValueError: If *seconds* is not a finite number >= 0, or would take
                virtual time past the year 9999.
        """
        self._backend.advance(seconds)

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
            times: How many calls fail (>= 1).
            after: How many calls of *operation* succeed first (for a failure at
                the n-th call, ``after=n - 1``).
            status: The HTTP status, 400 to 599; by default the model's for a
                modeled error, or the usual one for a common error (IAM
                ``Throttling`` 400, ...).
            message: The error message; a default names the injection.

        Raises:
            ValueError: If *operation* is unknown or ambiguous, or (in strict mode)
                *code* is neither modeled nor common and no *status* is given.
        """
        self._backend.fail(
            operation, code=code, times=times, after=after, status=status, message=message
        )

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
        """
        self._backend.fail_connection(operation, times=times, after=after, kind=kind)

    def set_latency(self, operation: str, seconds: float) -> None:
        """Make every call of *operation* take *seconds* (0 to 86400) of virtual time; 0: none."""
        self._backend.set_latency(operation, seconds)

    def rate_limit(self, operation: str, per_second: float, *, burst: float | None = None) -> None:
        """Throttle *operation* beyond *per_second* calls per account and region.

        A token bucket on virtual time, holding *burst* calls (default: *per_second*,
        at least 1). Calls beyond it get the service's throttling error
        (``ThrottlingException`` 429, IAM ``Throttling`` 400) and change nothing.
        IAM counts globally, in region ``aws-global``. *per_second* must be > 0 and
        *burst* >= 1.
        """
        self._backend.rate_limit(operation, per_second, burst=burst)

    def clear_faults(self) -> None:
        """Remove every injected error, connection fault, latency and rate limit."""
        self._backend.clear_faults()

    # -- what happened ------------------------------------------------------------------

    @property
    def calls(self) -> tuple[RecordedCall, ...]:
        """Every HTTP attempt answered so far (retries included), oldest first."""
        return self._backend.calls

    def calls_to(self, operation: str) -> tuple[RecordedCall, ...]:
        """The recorded attempts of one operation (``"GetDomain"`` or ``"iam:GetRole"``)."""
        return self._backend.calls_to(operation)

    def clear_calls(self) -> None:
        """Forget the recorded calls (and retry sleeps)."""
        self._backend.clear_calls()

    @property
    def retry_sleeps(self) -> tuple[float, ...]:
        """Every delay botocore's retry machinery asked for, spent on the virtual clock."""
        return self._backend.retry_sleeps

    def reset(self) -> None:
        """Forget all state, faults and calls, and put the clock back at its start."""
        self._backend.reset()

    # -- state --------------------------------------------------------------------------

    def domains(self, region: str, *, account_id: str | None = None) -> tuple[str, ...]:
        """The names of the domains in *region*, sorted."""
        return self._backend.domains(region, account_id=account_id)

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

        Also counts as the service using the domain's role. Counts go up to 10**12.

        Raises:
            LookupError: If there is no such domain.
        """
        self._backend.load_data(
            domain_name, region=region, profiles=profiles, objects=objects, account_id=account_id
        )

    def clear_data(self, domain_name: str, *, region: str, account_id: str | None = None) -> None:
        """Empty a domain: its `Stats` become zero.

        Raises:
            LookupError: If there is no such domain.
        """
        self._backend.clear_data(domain_name, region=region, account_id=account_id)

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
            ValueError: If a role of that name exists.
        """
        return self._backend.add_linked_role(
            region=region,
            unique_id=unique_id,
            created_at=created_at,
            last_used_region=last_used_region,
            domain_name=domain_name,
            account_id=account_id,
        )

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
            ValueError: If a role of that name exists.
        """
        return self._backend.add_role(
            name,
            path=path,
            trust_principal=trust_principal,
            policies=policies,
            account_id=account_id,
        )

    def roles(
        self, *, account_id: str | None = None, include_pending: bool = False
    ) -> tuple[str, ...]:
        """The names of the account's roles, sorted.

        These are the roles that exist: one deleted a moment ago is not listed,
        though IAM's reads may show it a while longer (`Behaviour.read_lag`).

        Args:
            account_id: The account (default: the fake's).
            include_pending: Also list roles IAM does not show yet (propagation).
        """
        return self._backend.roles(account_id=account_id, include_pending=include_pending)

    def linked_roles(
        self, *, account_id: str | None = None, include_pending: bool = False
    ) -> tuple[str, ...]:
        """Like `roles`, but only Customer Profiles service-linked roles."""
        return self._backend.linked_roles(account_id=account_id, include_pending=include_pending)

    def roles_in_use(self, *, account_id: str | None = None) -> Mapping[str, tuple[str, ...]]:
        """Which existing roles domains use: role name -> ARNs of the domains using it."""
        return self._backend.roles_in_use(account_id=account_id)

    # -- persistence ----------------------------------------------------------------------

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the fake's state (and virtual time) to a JSON file, whole or not at all.

        The file is written beside its final name, then renamed over it. Faults,
        latency, rate limits, calls and retry sleeps are not saved. Processes that
        share a file use `open`.

        Raises:
            OSError: If the file cannot be written; the previous one is left as it was.
        """
        _state_file.write(path, _persist.encode(self._backend))

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> FakeAWS:
        """Read a fake back from a file written by `save`.

        Raises:
            FileNotFoundError: If there is no such file.
            StateFileError: If it is not a regular file, is larger than 64 MiB, or is
                not a fake state file of this version; the message says what is wrong.
        """
        data = _state_file.read(path)
        if data is None:
            raise FileNotFoundError(f"no fake state file {path}")
        return cls._of(_persist.decode(data, str(path)))

    @classmethod
    @contextlib.contextmanager
    def open(
        cls,
        path: str | os.PathLike[str],
        *,
        default: FakeAWS | None = None,
        timeout: float | None = None,
    ) -> Generator[FakeAWS, None, None]:
        """Use the fake kept in *path*, alone, and keep it there: ``with FakeAWS.open(p) as f:``.

        On entry: lock the file across processes (``<path>.lock``, beside it), then
        load it, or take *default* (a new fake) if there is none. On exit, also
        after an error (AWS would have kept the changes too): `save`, then unlock.
        So processes that open one file in turn lose none of each other's changes.
        Not re-entrant; on Windows only the threads of one process take turns.

        Raises:
            StateFileError: On entry, before any work: *path* is not a state file
                (see `load`), or its folder is missing or not writable.
            StateFileBusyError: On entry: another holder kept the lock for longer
                than *timeout* seconds (default 10).
            OSError: On exit, if the state cannot be saved.
        """
        with _state_file.locked(path, timeout=timeout):
            data = _state_file.read(path)
            if data is not None:
                fake = cls._of(_persist.decode(data, str(path)))
            else:
                fake = default if default is not None else cls()
            try:
                yield fake
            finally:
                fake.save(path)


class FakeServer(Server):
    """A `FakeAWS` behind an HTTP endpoint: a threading server on loopback.

    It listens from construction (so `endpoint_url` names the port even with
    *port* 0) and answers from `start`; use it as a context manager:

    >>> with FakeServer(FakeAWS(), time_scale=0) as server:
    ...     server.endpoint_url.startswith("http://127.0.0.1:")
    True

    Clients need any credentials and ``endpoint_url``; the ``/_slrkit/`` admin
    endpoints steer the fake as JSON (the documentation lists them). ``slrkit serve`` runs one.

    Args:
        fake: The fake to serve (default: a new one).
        host: The address to listen on.
        port: The port; 0 picks a free one.
        time_scale: Virtual seconds per real second, from 0 (time stands still)
            to a million.
        allow_remote: Allow a *host* other than loopback. Anyone who can reach
            the port can then read and change the fake, with any credentials.

    Raises:
        ValueError: If *host* is not loopback and *allow_remote* is False, or
            *time_scale* is invalid.
        OSError: If the address cannot be bound.
    """

    def __init__(
        self,
        fake: FakeAWS | None = None,
        *,
        host: str = DEFAULT_HOST,
        port: int = 0,
        time_scale: float = 1.0,
        allow_remote: bool = False,
    ) -> None:
        self.fake: FakeAWS = fake if fake is not None else FakeAWS()
        super().__init__(
            self.fake._backend,
            host=host,
            port=port,
            time_scale=time_scale,
            allow_remote=allow_remote,
        )
