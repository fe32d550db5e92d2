"""All state of one fake: accounts, their domains and roles, and what is due to happen.

Time-based behaviour (the service deleting a domain's role, a deletion task
finishing) is kept as events on a heap and applied lazily: `settle()` runs, in
due order, every event whose time has come, before any request or helper reads
state. Since state only changes through requests and helpers, which all settle
first, this gives the same result as a background worker would, without one.
"""

from __future__ import annotations

import heapq
import json
import random
import string
import uuid
from typing import TYPE_CHECKING, Any

import attrs

from slrkit._fake._arguments import number
from slrkit._fake._records import (
    PROFILE_POLICY_ARN,
    PROFILE_PRINCIPAL,
    PROFILE_ROLE_PATH,
    PROFILE_ROLE_PREFIX,
    AttachedPolicy,
    DeletionTask,
    Domain,
    Role,
    RoleUsage,
)
from slrkit._fake._shapes import View

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Callable, Iterator, Mapping

    from slrkit._fake._virtual_clock import VirtualClock

__all__ = ["Account", "Behaviour", "Event", "World", "domain_arn", "trust_policy"]

_ID_ALPHABET = string.ascii_uppercase + string.digits
_MAX_VIEWS = 4096


def trust_policy(principal: str) -> str:
    """The assume-role policy that lets *principal* (`profile.amazonaws.com`) use a role."""
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": principal},
                    "Action": "sts:AssumeRole",
                }
            ],
        },
        separators=(",", ":"),
    )


def _delay(inst: object, attribute: attrs.Attribute[Any], value: object) -> None:
    del inst
    if value is not None or attribute.name != "role_cleanup_delay":
        number(attribute.name, value)


@attrs.frozen(kw_only=True)
class Behaviour:
    """The timing knobs of a fake (virtual seconds, each finite and >= 0).

    Raises:
        ValueError: If a delay is not a finite number >= 0 (only
            `role_cleanup_delay` may be None, for never).
    """

    propagation_delay: float = attrs.field(validator=_delay)
    role_cleanup_delay: float | None = attrs.field(validator=_delay)
    deletion_task_duration: float = attrs.field(validator=_delay)


@attrs.frozen(kw_only=True, order=True)
class Event:
    """Something due at `due` (virtual monotonic seconds): a role cleanup or a task's end."""

    due: float
    seq: int
    kind: str  # "cleanup" | "task"
    account_id: str
    key: str  # the role name for a cleanup, the task id for a task


@attrs.define
class Account:
    """One account's state: domains per region, and (global) IAM roles and tasks."""

    domains: dict[str, dict[str, Domain]] = attrs.field(factory=dict[str, dict[str, Domain]])
    roles: dict[str, Role] = attrs.field(factory=dict[str, Role])
    tasks: dict[str, DeletionTask] = attrs.field(factory=dict[str, DeletionTask])

    def region(self, region: str) -> dict[str, Domain]:
        """The domains of *region*, created empty on first use."""
        found = self.domains.get(region)
        if found is None:
            found = self.domains[region] = {}
        return found

    def domains_using(self, role_name: str) -> Iterator[Domain]:
        """Every domain, in any region, whose service-linked role is *role_name*."""
        for by_name in self.domains.values():
            for domain in by_name.values():
                if domain.role_name == role_name:
                    yield domain


class World:
    """The state of one fake. Not thread-safe by itself: the engine's lock guards it."""

    def __init__(self, *, clock: VirtualClock, behaviour: Behaviour, seed: int) -> None:
        self.clock = clock
        self.behaviour = behaviour
        self.rng = random.Random(seed)  # noqa: S311  # ids, not secrets
        # Request ids draw from their own generator, so that adding or removing a read
        # never changes the names of the roles made after it.
        self._request_rng = random.Random(seed)  # noqa: S311  # ids, not secrets
        self.accounts: dict[str, Account] = {}
        self.events: list[Event] = []
        self.seq = 0
        self._views: dict[tuple[str, ...], tuple[object, View]] = {}

    def account(self, account_id: str) -> Account:
        """The state of *account_id*, created empty on first use."""
        found = self.accounts.get(account_id)
        if found is None:
            found = self.accounts[account_id] = Account()
        return found

    def view(
        self, key: tuple[str, ...], record: object, build: Callable[[], Mapping[str, object]]
    ) -> View:
        """The response structure *build* makes of *record*, made once per version of it.

        *key* names what is viewed and how (`("GetRole", account_id, role_name)`).
        Records are replaced, never changed, so while *record* is the very object
        the view was built from, that view is still right, and the same object
        comes back: the codecs then check and write it only once. It is a cache:
        past `_MAX_VIEWS` entries (deleted records keep theirs) it starts afresh.
        """
        found = self._views.get(key)
        if found is not None and found[0] is record:
            return found[1]
        if len(self._views) >= _MAX_VIEWS:
            self._views.clear()
        view = View(build())
        self._views[key] = (record, view)
        return view

    # -- identifiers, all from the seeded generator so runs repeat ----------------------

    def unique_id(self) -> str:
        """The random part of a service-made role name: 12 lowercase hex digits."""
        return f"{self.rng.getrandbits(48):012x}"

    def role_id(self) -> str:
        """A role id as IAM makes them: `AROA` and 17 upper-case letters and digits."""
        return "AROA" + "".join(self.rng.choices(_ID_ALPHABET, k=17))

    def uuid(self) -> str:
        """A random (version 4) UUID, for resources such as deletion tasks."""
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def request_id(self) -> str:
        """A random (version 4) UUID for one response."""
        return str(uuid.UUID(int=self._request_rng.getrandbits(128), version=4))

    # -- time -------------------------------------------------------------------------

    def schedule(self, delay: float, kind: str, account_id: str, key: str) -> None:
        """Make *kind* happen to *key* once *delay* more virtual seconds have passed."""
        self.seq += 1
        event = Event(
            due=self.clock.monotonic() + delay,
            seq=self.seq,
            kind=kind,
            account_id=account_id,
            key=key,
        )
        heapq.heappush(self.events, event)

    def settle(self) -> None:
        """Apply, in order, every event that is due by now."""
        now = self.clock.monotonic()
        while self.events and self.events[0].due <= now:
            event = heapq.heappop(self.events)
            if event.kind == "cleanup":
                self._cleanup(self.account(event.account_id), event.key)
            else:
                self._finish_task(event.account_id, event.key)

    def _cleanup(self, account: Account, role_name: str) -> None:
        # The service deletes its role only once no domain of its own uses it.
        if role_name in account.roles and next(account.domains_using(role_name), None) is None:
            del account.roles[role_name]

    def _finish_task(self, account_id: str, task_id: str) -> None:
        account = self.account(account_id)
        task = account.tasks.get(task_id)
        if task is None or task.outcome is not None:
            return
        by_region: dict[str, list[str]] = {}
        for domain in account.domains_using(task.role_name):
            by_region.setdefault(domain.region, []).append(domain_arn(account_id, domain))
        if by_region:
            usage = tuple(
                RoleUsage(region=region, resources=tuple(arns))
                for region, arns in sorted(by_region.items())
            )
            account.tasks[task_id] = attrs.evolve(task, outcome="FAILED", usage=usage)
            return
        account.tasks[task_id] = attrs.evolve(task, outcome="SUCCEEDED")
        account.roles.pop(task.role_name, None)

    # -- the Customer Profiles service-linked role --------------------------------------

    def make_profile_role(
        self,
        account: Account,
        *,
        name: str | None,
        created: dt.datetime,
        visible_at: float,
        description: str | None = None,
        last_used: tuple[dt.datetime, str] | None = None,
    ) -> Role:
        """Create the SLR the Customer Profiles service uses (name chosen randomly if None)."""
        if name is None:
            name = PROFILE_ROLE_PREFIX + self.unique_id()
            while name in account.roles:  # 48 random bits: practically never loops
                name = PROFILE_ROLE_PREFIX + self.unique_id()
        role = Role(
            name=name,
            path=PROFILE_ROLE_PATH,
            role_id=self.role_id(),
            create_date=created.replace(microsecond=0),
            trust_policy=trust_policy(PROFILE_PRINCIPAL),
            visible_at=visible_at,
            description=description,
            policies=(
                AttachedPolicy(name=PROFILE_POLICY_ARN.rsplit("/", 1)[1], arn=PROFILE_POLICY_ARN),
            ),
            last_used_date=last_used[0] if last_used else None,
            last_used_region=last_used[1] if last_used else None,
        )
        account.roles[name] = role
        return role


def domain_arn(account_id: str, domain: Domain) -> str:
    """The ARN Customer Profiles tags a domain by (no API returns it)."""
    return f"arn:aws:profile:{domain.region}:{account_id}:domains/{domain.name}"
