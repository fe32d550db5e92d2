"""All state of one fake: accounts, their domains and roles, and what is due to happen.

Time-based behaviour (the service deleting a domain's role, a deletion task
finishing) is kept as events on a heap and applied lazily: `settle()` runs, in
due order, every event whose time has come, before any request or helper reads
state. Since state only changes through requests and helpers, which all settle
first, this gives the same result as a background worker would, without one.

IAM is eventually consistent (`Behaviour.read_lag`): a deleted role leaves a
ghost that reads still see for a while, and writes never do. Role names are
kept by their lower-case form, since IAM does not tell names apart by case.
"""

from __future__ import annotations

import heapq
import json
import random
import string
from typing import TYPE_CHECKING

import attrs

from slrkit._fake._partitions import partition_of
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

    from slrkit._fake._behaviour import Behaviour
    from slrkit._fake._virtual_clock import VirtualClock

__all__ = ["Account", "Event", "World", "domain_arn", "role_key", "trust_policy"]

_ID_ALPHABET = string.ascii_uppercase + "234567"  # IAM ids are base32 after their prefix
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


def role_key(name: str) -> str:
    """The key a role is kept under: IAM names are "not distinguished by case"."""
    return name.lower()


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
    """One account's state: domains per region, and (global) IAM roles and tasks.

    `roles` holds the roles that exist, by `role_key`; `gone` the deleted ones IAM
    reads still show, with the virtual monotonic time until which they do.
    """

    domains: dict[str, dict[str, Domain]] = attrs.field(factory=dict[str, dict[str, Domain]])
    roles: dict[str, Role] = attrs.field(factory=dict[str, Role])
    tasks: dict[str, DeletionTask] = attrs.field(factory=dict[str, DeletionTask])
    gone: dict[str, tuple[Role, float]] = attrs.field(factory=dict[str, tuple[Role, float]])

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

    def role(self, name: str) -> Role | None:
        """The role named *name* in any case, if it exists (what a write sees)."""
        return self.roles.get(role_key(name))

    def put_role(self, role: Role) -> None:
        """Add *role*, or replace the role of its name."""
        self.roles[role_key(role.name)] = role

    def remove_role(self, name: str, *, now: float, lag: float) -> None:
        """Delete the role *name*; reads go on seeing it for *lag* seconds from *now*."""
        key = role_key(name)
        role = self.roles.pop(key, None)
        for old in [k for k, (_, until) in self.gone.items() if until <= now]:
            del self.gone[old]
        if role is not None and lag > 0 and role.visible_at <= now:
            self.gone[key] = (role, now + lag)

    def read_role(self, name: str, now: float) -> Role | None:
        """The role an IAM read of *name* shows at *now*: propagated, or a recent ghost."""
        key = role_key(name)
        role = self.roles.get(key)
        if role is not None and role.visible_at <= now:
            return role
        ghost = self.gone.get(key)
        return ghost[0] if ghost is not None and now < ghost[1] else None

    def read_roles(self, now: float) -> Iterator[Role]:
        """Every role an IAM list shows at *now*."""
        for key, role in self.roles.items():
            if role.visible_at <= now:
                yield role
            elif (ghost := self.gone.get(key)) is not None and now < ghost[1]:
                yield ghost[0]
        for key, (role, until) in self.gone.items():
            if now < until and key not in self.roles:
                yield role


class World:
    """The state of one fake. Not thread-safe by itself: the engine's lock guards it."""

    def __init__(self, *, clock: VirtualClock, behaviour: Behaviour, seed: int) -> None:
        self.clock = clock
        self.behaviour = behaviour
        self.rng = random.Random(seed)  # noqa: S311  # ids, not secrets
        # Request ids and page sizes draw from generators of their own, so that adding
        # or removing a read never changes the names of the roles made after it.
        self._request_rng = random.Random(seed)  # noqa: S311  # ids, not secrets
        self._page_rng = random.Random(seed)  # noqa: S311  # page sizes, not secrets
        self.accounts: dict[str, Account] = {}
        self.events: list[Event] = []
        self.seq = 0
        self._views: dict[tuple[str, ...], tuple[tuple[object, ...], int, View]] = {}
        self._kept_items = 0  # the items of the views in _views

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
        the view was built from (or an equal one), that view is still right, and the
        same object comes back: the codecs then check and write it only once.
        """
        return self._kept(key, (record,), 1, build)

    def listing(
        self,
        key: tuple[str, ...],
        items: tuple[object, ...],
        end: tuple[object, ...],
        build: Callable[[], Mapping[str, object]],
    ) -> View:
        """The page *build* makes of *items* and *end*, made once while both stay equal.

        *items* are the page's items (views or plain values) and *end* says where it
        ends: together, everything the page shows. A page of the same views in the
        same order, as a test's polls list them, is then checked and written only
        once; a tuple compares its items by identity before equality, so finding it
        costs a pass over the items.
        """
        return self._kept(key, (items, end), len(items), build)

    def _kept(
        self,
        key: tuple[str, ...],
        content: tuple[object, ...],
        size: int,
        build: Callable[[], Mapping[str, object]],
    ) -> View:
        """The view *build* makes of *content*, kept under *key* while *content* stays equal.

        It is a cache: the views kept hold at most `_MAX_VIEWS` items in all (a
        record's view is one, a page as many as it lists; deleted records keep
        theirs), and past that it starts afresh.
        """
        found = self._views.get(key)
        if found is not None:
            if found[0] == content:
                return found[2]
            self._kept_items -= found[1]
        if self._kept_items + size > _MAX_VIEWS:
            self._views.clear()
            self._kept_items = 0
        view = View(build())
        self._views[key] = (content, size, view)
        self._kept_items += size
        return view

    # -- identifiers, all from the seeded generator so runs repeat ----------------------

    def unique_id(self) -> str:
        """The random part of a service-made role name: 12 lowercase hex digits."""
        return f"{self.rng.getrandbits(48):012x}"

    def role_id(self) -> str:
        """A role id as IAM makes them: `AROA` and 17 base32 characters (A-Z, 2-7)."""
        return "AROA" + "".join(self.rng.choices(_ID_ALPHABET, k=17))

    def uuid(self) -> str:
        """A random (version 4) UUID, for resources such as deletion tasks."""
        return _uuid4(self.rng.getrandbits(128))

    def request_id(self) -> str:
        """A random (version 4) UUID for one response."""
        return _uuid4(self._request_rng.getrandbits(128))

    def page_size(self, asked: int, remaining: int) -> int:
        """How many of *remaining* items a page holds when *asked* for a page of that size.

        With `Behaviour.short_pages`, a page that could be full may hold as few as
        one item while more remain (random, from the seed).
        """
        size = min(asked, remaining)
        if self.behaviour.short_pages and remaining > 1 and size > 1:
            return self._page_rng.randint(1, size)
        return size

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
                self._cleanup(self.account(event.account_id), event.key, event.due)
            else:
                self._finish_task(event.account_id, event.key, event.due)

    def _cleanup(self, account: Account, role_name: str, at: float) -> None:
        # The service deletes its role only once no domain of its own uses it.
        if next(account.domains_using(role_name), None) is None:
            account.remove_role(role_name, now=at, lag=self.behaviour.read_lag)

    def _finish_task(self, account_id: str, task_id: str, at: float) -> None:
        account = self.account(account_id)
        task = account.tasks.get(task_id)
        if task is None or task.outcome is not None:
            return
        by_region: dict[str, list[str]] = {}
        behaviour = self.behaviour
        for domain in account.domains_using(task.role_name):
            region = behaviour.usage_region or domain.region
            by_region.setdefault(region, []).append(
                behaviour.usage_resource.format(
                    partition=partition_of(domain.region),
                    region=domain.region,
                    account_id=account_id,
                    domain=domain.name,
                )
            )
        if by_region:
            usage = tuple(
                RoleUsage(region=region, resources=tuple(arns))
                for region, arns in sorted(by_region.items())
            )
            account.tasks[task_id] = attrs.evolve(task, outcome="FAILED", usage=usage)
            return
        account.tasks[task_id] = attrs.evolve(task, outcome="SUCCEEDED")
        account.remove_role(task.role_name, now=at, lag=self.behaviour.read_lag)

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
        """Create the SLR the Customer Profiles service uses (name chosen randomly if None).

        The service uses the role as it makes it: *last_used*, if given, is never
        before the role's CreateDate.
        """
        if name is None:
            name = PROFILE_ROLE_PREFIX + self.unique_id()
            while account.role(name) is not None:  # 48 random bits: practically never loops
                name = PROFILE_ROLE_PREFIX + self.unique_id()
        create_date = created.replace(microsecond=0)
        role = Role(
            name=name,
            path=PROFILE_ROLE_PATH,
            role_id=self.role_id(),
            create_date=create_date,
            trust_policy=trust_policy(PROFILE_PRINCIPAL),
            visible_at=visible_at,
            description=description,
            policies=(
                AttachedPolicy(name=PROFILE_POLICY_ARN.rsplit("/", 1)[1], arn=PROFILE_POLICY_ARN),
            ),
            last_used_date=max(last_used[0].replace(microsecond=0), create_date)
            if last_used
            else None,
            last_used_region=last_used[1] if last_used else None,
        )
        account.put_role(role)
        return role


def _uuid4(bits: int) -> str:
    """``str(uuid.UUID(int=bits, version=4))`` at a third of its cost: every response has one."""
    bits = (bits & ~(0xC000 << 48) | 0x8000 << 48) & ~(0xF000 << 64) | 4 << 76
    digits = f"{bits:032x}"
    return f"{digits[:8]}-{digits[8:12]}-{digits[12:16]}-{digits[16:20]}-{digits[20:]}"


def domain_arn(account_id: str, domain: Domain) -> str:
    """The ARN Customer Profiles tags a domain by (no API returns it)."""
    partition = partition_of(domain.region)
    return f"arn:{partition}:profile:{domain.region}:{account_id}:domains/{domain.name}"
