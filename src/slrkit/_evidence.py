"""Which service-linked role belongs to which domain: the evidence and its rules.

AWS never says. No domain API returns the role, and the unique id in
``AWSServiceRoleForProfile_<unique-id>`` is undocumented. slrkit therefore
reasons from what it can read, under these premises:

1. Every domain has a role of its own, and a role belongs to at most one domain
   (AWS: "each domain requires a dedicated SLR").
2. Customer Profiles creates the role while it creates the domain: its
   CreateDate lies at most `CLOCK_SKEW` before the domain's CreatedAt and at most
   `CREATION_WINDOW` after it. Domains older than `SLR_LAUNCH` got their roles
   later, at any time.
3. A role is used only from its domain's region (IAM's RoleLastUsed says where).
4. Once a domain is `SETTLE_AFTER` old, IAM shows its role.

A domain *could own* a role when premises 2 and 3 allow it (`could_own`). From
there, `settle` ties roles to domains, for a whole account at once:

- a ``slrkit:linked-role`` tag, or a role this process saw appear when it created
  the domain, counts when the role exists, the domain could own it, and no other
  domain claims the same role;
- then, repeatedly, a settled domain (premise 4) whose only role left is one
  that no other domain needs gets it.

A role is a domain's only when every other domain that could own it is ruled
out. Nothing else counts: two domains created within the window in one region
stay undecided until one of them is tagged or settles, and slrkit then refuses
rather than guesses. A role is an *orphan*, which slrkit may delete, only when
no live domain could own it (`holders`): one with no role of its own holds any
later role of its region, however much later, and a tag never clears a domain
of a role created with it.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import TYPE_CHECKING, Final, Literal

import attrs

from slrkit._models import Evidence, LinkedRole
from slrkit._validate import is_profile_role, validate_linked_role_name
from slrkit.exceptions import (
    AmbiguousLinkedRoleError,
    InvalidInputError,
    LinkedRoleError,
    LinkedRoleNotFoundError,
    UnreadableRegionsError,
)

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence

    from mypy_boto3_iam.type_defs import RoleTypeDef

    from slrkit._models import Domain
    from slrkit._verbs import Verbs

__all__ = [
    "CLOCK_SKEW",
    "CREATION_WINDOW",
    "SETTLE_AFTER",
    "SLR_LAUNCH",
    "DomainFacts",
    "Link",
    "RoleFacts",
    "Settlement",
    "claimants",
    "contradiction",
    "could_own",
    "holders",
    "identify",
    "observe_new_role",
    "settle",
    "unlinked",
    "with_evidence",
]

_log = logging.getLogger("slrkit")

CREATION_WINDOW: Final = dt.timedelta(minutes=2)
"""How long after its domain's CreatedAt a role's CreateDate may be (premise 2)."""

CLOCK_SKEW: Final = dt.timedelta(seconds=1)
"""How much earlier than its domain a role's CreateDate may read: IAM rounds to the second."""

SETTLE_AFTER: Final = CREATION_WINDOW + dt.timedelta(minutes=2)
"""From this age on, a domain's role shows in IAM (premise 4): the creation window plus
the two minutes Terraform allows IAM to propagate a new role (`propagationTimeout`)."""

SLR_LAUNCH: Final = dt.datetime(2023, 6, 8, tzinfo=dt.timezone.utc)
"""When Customer Profiles began to use service-linked roles; older domains got theirs later."""

Reason = Literal["ambiguous", "young", "none"]
"""Why a domain has no role yet: several fit, it may still be propagating, or none fits."""


@attrs.frozen(kw_only=True)
class RoleFacts:
    """What slrkit knows of a Customer Profiles role; ``last_used_region`` None if unknown."""

    name: str
    created_at: dt.datetime
    last_used_region: str | None = None

    @classmethod
    def _from_api(cls, role: RoleTypeDef) -> RoleFacts:
        last = role.get("RoleLastUsed") or {}
        return cls(
            name=role["RoleName"],
            created_at=role["CreateDate"],
            last_used_region=last.get("Region"),
        )


@attrs.frozen(kw_only=True)
class DomainFacts:
    """What slrkit knows of a domain: where, when, its tag, and the role seen at its creation."""

    region: str
    name: str
    created_at: dt.datetime
    tag: str | None = None
    observed: str | None = None

    @property
    def key(self) -> tuple[str, str]:
        """(region, name): a domain's identity within an account."""
        return (self.region, self.name)

    @classmethod
    def of(cls, domain: Domain, *, observed: str | None = None) -> DomainFacts:
        """The facts of *domain*, with the role this process saw appear for it, if any."""
        return cls(
            region=domain.region,
            name=domain.name,
            created_at=domain.created_at,
            tag=domain.linked_role_name,
            observed=observed,
        )


def could_own(domain: DomainFacts, role: RoleFacts) -> bool:
    """Whether *role* can be *domain*'s under premises 2 and 3."""
    if role.last_used_region not in (None, domain.region):
        return False
    if role.created_at < domain.created_at - CLOCK_SKEW:
        return False
    return domain.created_at < SLR_LAUNCH or role.created_at <= domain.created_at + CREATION_WINDOW


def _settled(domain: DomainFacts, now: dt.datetime) -> bool:
    return domain.created_at >= SLR_LAUNCH and now - domain.created_at >= SETTLE_AFTER


@attrs.frozen(kw_only=True)
class Link:
    """One domain's outcome: its role and the evidence, or why there is none.

    ``candidates`` are the roles it could own that no other domain has; ``rivals``
    the other domains that could own one of them and are not settled.
    """

    role: str | None
    evidence: Evidence | None = None
    reason: Reason | None = None
    candidates: tuple[str, ...] = ()
    rivals: tuple[tuple[str, str], ...] = ()


@attrs.frozen(kw_only=True)
class Settlement:
    """Every domain's `Link` and every tied role's domain, for one account."""

    links: Mapping[tuple[str, str], Link]
    owners: Mapping[str, tuple[str, str]]


def _claims(
    domains: Sequence[DomainFacts], roles: Mapping[str, RoleFacts]
) -> dict[tuple[str, str], tuple[str, Evidence]]:
    """The tags and observations that count: admissible, and no other domain's too."""
    admissible: dict[tuple[str, str], tuple[str, Evidence]] = {}
    claimants: dict[str, set[tuple[str, str]]] = {}
    for domain in domains:
        said = {
            (name, evidence)
            for name, evidence in (
                (domain.tag, Evidence.TAG),
                (domain.observed, Evidence.OBSERVED_AT_CREATION),
            )
            if name is not None
        }
        for name, _ in said:
            claimants.setdefault(name, set()).add(domain.key)
        names = {name for name, _ in said}
        if len(names) != 1:
            continue  # no claim, or a tag that contradicts what this process saw
        [name] = names
        role = roles.get(name)
        if role is None or not could_own(domain, role):
            continue
        evidence = Evidence.TAG if domain.tag == name else Evidence.OBSERVED_AT_CREATION
        admissible[domain.key] = (name, evidence)
    return {key: claim for key, claim in admissible.items() if claimants[claim[0]] == {key}}


def settle(
    domains: Sequence[DomainFacts], roles: Iterable[RoleFacts], *, now: dt.datetime
) -> Settlement:
    """Tie roles to domains by the rules of this module, for one account.

    Args:
        domains: Every domain that could own one of *roles* (all regions where
            that matters), including ones this process is creating.
        roles: The account's Customer Profiles roles.
        now: The current time, which tells settled domains from young ones.
    """
    by_name = {role.name: role for role in roles}
    links: dict[tuple[str, str], Link] = {}
    owners: dict[str, tuple[str, str]] = {}
    for key, (name, evidence) in _claims(domains, by_name).items():
        links[key] = Link(role=name, evidence=evidence)
        owners[name] = key
    while True:
        proposals: dict[str, list[DomainFacts]] = {}
        for domain in domains:
            if domain.key in links or not _settled(domain, now):
                continue
            free = [r for r in by_name.values() if r.name not in owners and could_own(domain, r)]
            if len(free) == 1:
                proposals.setdefault(free[0].name, []).append(domain)
        # Two settled domains with the same one role left break premise 1: neither gets it.
        won = {name: found[0] for name, found in proposals.items() if len(found) == 1}
        if not won:
            break
        for name, domain in won.items():
            used_here = by_name[name].last_used_region == domain.region
            evidence = Evidence.CREATION_TIME_AND_LAST_USE if used_here else Evidence.CREATION_TIME
            links[domain.key] = Link(role=name, evidence=evidence)
            owners[name] = domain.key
    for domain in domains:
        if domain.key not in links:
            links[domain.key] = _unsettled(domain, domains, by_name, owners, now)
    return Settlement(links=links, owners=owners)


def _unsettled(
    domain: DomainFacts,
    domains: Sequence[DomainFacts],
    roles: Mapping[str, RoleFacts],
    owners: Mapping[str, tuple[str, str]],
    now: dt.datetime,
) -> Link:
    free = sorted(r.name for r in roles.values() if r.name not in owners and could_own(domain, r))
    rivals = sorted(
        {
            other.key
            for other in domains
            if other.key != domain.key and other.key not in {*owners.values()}
            for name in free
            if could_own(other, roles[name])
        }
    )
    reason: Reason
    if domain.created_at >= SLR_LAUNCH and now - domain.created_at < SETTLE_AFTER:
        reason = "young"
    elif free:
        reason = "ambiguous"
    else:
        reason = "none"
    return Link(role=None, reason=reason, candidates=tuple(free), rivals=tuple(rivals))


def holders(
    role: RoleFacts,
    live: Iterable[DomainFacts],
    *,
    domains: Sequence[DomainFacts],
    roles: Iterable[RoleFacts],
    now: dt.datetime,
    settled: Settlement | None = None,
) -> list[DomainFacts]:
    """The live domains that could own *role*, when deleting it is at stake: none for an orphan.

    The evidence weighs *domains* (the live ones, and maybe one just deleted whose
    role this is believed to be). A live domain it ties to the role holds it. So
    does one whose region the role's last use does not rule out, when the role is
    not older than the domain and either the evidence ties the domain to no role
    (a domain older than service-linked roles got its role later, however much
    later; another may still await its own), or the role was created with it and
    only the domain's tag says its role is another: a tag can be wrong, the time
    the role was made cannot. *settled*, when given, is ``settle(domains, roles)``.
    """
    roles = list(roles)
    if settled is None:
        settled = settle(domains, roles, now=now)
    owner = settled.owners.get(role.name)
    found: list[DomainFacts] = []
    for domain in live:
        link = settled.links[domain.key]
        if domain.key == owner or (
            role.last_used_region in (None, domain.region)
            and role.created_at >= domain.created_at - CLOCK_SKEW
            and (
                link.role is None
                or (
                    could_own(domain, role)
                    and not _borne_out(domain, link, domains=domains, roles=roles, now=now)
                )
            )
        ):
            found.append(domain)
    return found


def _borne_out(
    domain: DomainFacts,
    link: Link,
    *,
    domains: Sequence[DomainFacts],
    roles: list[RoleFacts],
    now: dt.datetime,
) -> bool:
    """Whether the domain's *link* holds without its tag: the times alone give the same role."""
    if link.evidence is not Evidence.TAG:
        return True
    bare = [attrs.evolve(d, tag=None) if d.key == domain.key else d for d in domains]
    return settle(bare, roles, now=now).links[domain.key].role == link.role


def with_evidence(role: LinkedRole, evidence: Evidence) -> LinkedRole:
    """*role*, marked with the evidence that ties it to its domain."""
    return attrs.evolve(role, evidence=evidence)


# -- reading the account ------------------------------------------------------------------------


def _tag_name(domain: Domain) -> str | None:
    """The domain's tag, when it can name a Customer Profiles role at all."""
    tag = domain.linked_role_name
    if tag is None:
        return None
    try:
        return validate_linked_role_name(tag, "slrkit:linked-role")
    except InvalidInputError as exc:
        _log.warning("domain %s: ignoring its tag: %s", domain.name, exc)
        return None


def _facts(verbs: Verbs, domain: Domain) -> DomainFacts:
    observed = verbs.site.account.creations.observed(domain)
    facts = DomainFacts.of(domain, observed=observed)
    return attrs.evolve(facts, tag=_tag_name(domain))


def unlinked(domain: Domain, link: Link, now: dt.datetime) -> LinkedRoleError:
    """The error that says why *domain* has no role in *link*, in words for people."""
    if link.reason == "young":
        age = int((now - domain.created_at).total_seconds())
        return LinkedRoleNotFoundError(
            domain.name,
            f"domain {domain.name!r} was created {age}s ago and its role may still be "
            f"propagating; the evidence settles {int(SETTLE_AFTER.total_seconds() // 60)} "
            "minutes after creation",
            candidates=link.candidates,
        )
    if link.reason == "ambiguous":
        return AmbiguousLinkedRoleError(
            domain.name, link.candidates, rivals=[f"{r}/{n}" for r, n in link.rivals]
        )
    legacy = (
        "; if the domain predates service-linked roles (June 8, 2023), tag it with "
        "slrkit:linked-role=<role name>"
        if domain.created_at < SLR_LAUNCH
        else ""
    )
    return LinkedRoleNotFoundError(
        domain.name,
        f"no Customer Profiles role fits domain {domain.name!r} (created "
        f"{domain.created_at:%Y-%m-%d %H:%M:%S}): none that no other domain accounts for "
        f"was created within {int(CREATION_WINDOW.total_seconds())}s of it and used only in "
        f"its region{legacy}",
    )


def _roles_near(verbs: Verbs, facts: DomainFacts) -> tuple[dict[str, RoleFacts], list[str]]:
    """Every role, with the last use read (GetRole) for those the domain could own."""
    listed = verbs.list_roles()
    roles = {name: RoleFacts._from_api(data) for name, data in listed.items()}
    near = [name for name, role in roles.items() if could_own(facts, role)]
    for name in near:
        data = verbs.get_role(name)
        if data is None:
            del roles[name]
        else:
            roles[name] = RoleFacts._from_api(data)
    return roles, [name for name in near if name in roles]


def _domains_for(
    verbs: Verbs, domain: DomainFacts, roles: Iterable[RoleFacts]
) -> list[DomainFacts]:
    """The domain and every other that could own one of *roles*: its region, or every region.

    Only a role never used could belong to a domain of another region; then every
    region of the account is read. Domains this process created lately are added
    when a listing does not show them yet.

    Raises:
        UnreadableRegionsError: A region that had to be read could not be.
    """
    if any(role.last_used_region is None for role in roles):
        try:
            found = verbs.domains_everywhere()
        except UnreadableRegionsError as exc:
            raise UnreadableRegionsError(domain.name, exc.regions) from None
    else:
        found = {verbs.region: verbs.list_domains()}
    facts = {domain.key: domain}
    for listed in found.values():
        for other in listed:
            facts.setdefault((other.region, other.name), _facts(verbs, other))
    since = verbs.site.clock.now() - SETTLE_AFTER
    for region, name, created_at, role in verbs.site.account.creations.since(since):
        if region in found:
            facts.setdefault(
                (region, name),
                DomainFacts(region=region, name=name, created_at=created_at, observed=role),
            )
    return list(facts.values())


def identify(verbs: Verbs, domain: Domain) -> LinkedRole:
    """The domain's role, by its tag when the tag counts, else by the evidence.

    Raises:
        LinkedRoleNotFoundError: No role fits, or the domain is too young to tell.
        AmbiguousLinkedRoleError: Several roles fit, or another domain could own it.
        UnreadableRegionsError: A region that had to be read could not be.
        AWSError: An API call failed.
    """
    facts = _facts(verbs, domain)
    claimed = facts.tag or facts.observed
    if claimed is not None:
        role = _claimed_role(verbs, facts, claimed)
        if role is not None:
            return role
    roles, near = _roles_near(verbs, facts)
    now = verbs.site.clock.now()
    others = _domains_for(verbs, facts, [roles[n] for n in near]) if near else [facts]
    link = settle(others, roles.values(), now=now).links[facts.key]
    if link.role is None or link.evidence is None:
        raise unlinked(domain, link, now)
    data = verbs.get_role(link.role)
    if data is None:
        raise LinkedRoleNotFoundError(domain.name, f"role {link.role} vanished while being read")
    return with_evidence(verbs.linked(data), link.evidence)


def _claimed_role(verbs: Verbs, facts: DomainFacts, name: str) -> LinkedRole | None:
    """The role the domain's tag (or this process's observation) names, if that claim counts."""
    data = verbs.get_role(name)
    if data is None or not is_profile_role(data["RoleName"], data["Path"]):
        # Gone, or not a Customer Profiles role, which slrkit never touches: the
        # evidence decides instead.
        _log.warning("domain %s: its tag names %s, which is not usable", facts.name, name)
        return None
    role = RoleFacts._from_api(data)
    others = _domains_for(verbs, facts, [role])
    claim = _claims(others, {role.name: role}).get(facts.key)
    if claim is None:
        _log.warning(
            "domain %s: its tag names %s, which another domain claims or it cannot own",
            facts.name,
            name,
        )
        return None
    return with_evidence(verbs.linked(data), claim[1])


def observe_new_role(
    verbs: Verbs, domain: Domain, before: Iterable[str]
) -> tuple[Link, RoleTypeDef | None]:
    """Watch the role of a domain this process just created appear, and judge it.

    A role that was listed before the CreateDomain call is never a candidate. A
    new role is the domain's only when every other domain that could own it is
    ruled out. The wait ends when a new role fits the domain; a decision that
    waiting cannot change is returned at once.

    Args:
        verbs: The creating operation's verbs; the wait draws on its deadline.
        domain: The domain just created.
        before: The roles listed before the CreateDomain call.

    Returns:
        The judgement, and the role as GetRole read it when it is the domain's.

    Raises:
        RetryDeadlineError: No new role that the domain could own appeared in time.
        UnreadableRegionsError: A region that had to be read could not be.
        AWSError: An API call failed.
    """
    seen_before = set(before)
    facts = DomainFacts.of(domain)
    read: dict[str, RoleTypeDef] = {}
    waits = verbs.deadline.waits(f"the service-linked role of domain {domain.name!r} to appear")
    creations = verbs.site.account.creations
    while True:
        listed = {name: RoleFacts._from_api(data) for name, data in verbs.list_roles().items()}
        # Roles this process saw appear for its other creations are theirs, and a role made
        # before this domain cannot be its own: neither needs reading.
        theirs = {role for *_, role in creations.since(facts.created_at - SETTLE_AFTER) if role}
        unread = listed.keys() - seen_before - read.keys() - theirs
        # ListRoles omits RoleLastUsed: GetRole tells where each new role was used, once.
        for name in sorted(unread):
            if not could_own(facts, listed[name]):
                continue
            data = verbs.get_role(name)
            if data is not None:
                read[name] = data
        new = {n: RoleFacts._from_api(read[n]) for n in listed if n in read}
        fits = [role for role in new.values() if could_own(facts, role)]
        if fits:
            link = _judge(verbs, facts, new, {**listed, **new})
            if link is not None:
                return link, (read[link.role] if link.role is not None else None)
        waits.wait(last_state="no new role yet")


def _judge(
    verbs: Verbs, facts: DomainFacts, new: Mapping[str, RoleFacts], roles: Mapping[str, RoleFacts]
) -> Link | None:
    """The verdict on the new roles that fit a domain just created; None to wait for more.

    Other domains settle first (by tags, observations and time). This one is young,
    so a role is its own only when no other domain that is not settled could own it.
    """
    others = _domains_for(verbs, facts, new.values())
    settled = settle(
        [d for d in others if d.key != facts.key], roles.values(), now=verbs.site.clock.now()
    )
    free = [r for r in new.values() if r.name not in settled.owners and could_own(facts, r)]
    if not free:
        return None  # every new role that fits is another domain's: its own is still to come
    rivals = sorted(
        {
            other.key
            for other in others
            if other.key != facts.key and settled.links[other.key].role is None
            for role in free
            if could_own(other, role)
        }
    )
    if len(free) == 1 and not rivals:
        return Link(role=free[0].name, evidence=Evidence.OBSERVED_AT_CREATION)
    return Link(
        role=None,
        reason="ambiguous",
        candidates=tuple(sorted(r.name for r in free)),
        rivals=tuple(rivals),
    )


def _account_roles(verbs: Verbs, read: RoleTypeDef) -> dict[str, RoleFacts]:
    """Every Customer Profiles role of the account, with *read* as GetRole gave it."""
    roles = {name: RoleFacts._from_api(data) for name, data in verbs.list_roles().items()}
    roles[read["RoleName"]] = RoleFacts._from_api(read)
    return roles


def contradiction(verbs: Verbs, domain: Domain, read: RoleTypeDef) -> str | None:
    """Why the role a caller names for *domain* cannot be its, or None when nothing says so.

    The caller's word settles what the evidence cannot tell; it does not overrule
    evidence: a role last used in another region, a role another domain holds, or
    a domain whose own tag or observation names another role.

    Raises:
        UnreadableRegionsError: A region that had to be read could not be.
        AWSError: An API call failed.
    """
    role = RoleFacts._from_api(read)
    facts = _facts(verbs, domain)
    if role.last_used_region not in (None, domain.region):
        return f"role {role.name} was last used in {role.last_used_region}, not {domain.region}"
    domains = _domains_for(verbs, facts, [role])
    settled = settle(domains, _account_roles(verbs, read).values(), now=verbs.site.clock.now())
    owner = settled.owners.get(role.name)
    if owner is not None and owner != facts.key:
        return f"role {role.name} is domain {owner[0]}/{owner[1]}'s by the evidence"
    own = settled.links[facts.key].role
    if own is not None and own != role.name:
        return f"the evidence says domain {domain.name}'s role is {own}"
    return None


def claimants(verbs: Verbs, read: RoleTypeDef, *, gone: Domain | None) -> list[str]:
    """The live domains (``region/name``) that could own the role: none for an orphan.

    The evidence weighs every domain, *gone* included (a domain just deleted, whose
    role this is believed to be); of the others, `holders` are those that could own
    the role. A listing may still show *gone*: it never counts as live.

    Raises:
        UnreadableRegionsError: A region that had to be read could not be.
        AWSError: An API call failed.
    """
    role = RoleFacts._from_api(read)
    try:
        if role.last_used_region is None:
            found = verbs.domains_everywhere()
        else:
            found = verbs.domains_in([role.last_used_region])
    except UnreadableRegionsError as exc:
        raise UnreadableRegionsError(gone.name if gone else "", exc.regions) from None
    live = [
        _facts(verbs, other)
        for listed in found.values()
        for other in listed
        if gone is None
        or (other.region, other.name, other.created_at) != (gone.region, gone.name, gone.created_at)
    ]
    weighed = [*live, _facts(verbs, gone)] if gone is not None else live
    held = holders(
        role,
        live,
        domains=weighed,
        roles=_account_roles(verbs, read).values(),
        now=verbs.site.clock.now(),
    )
    return sorted(f"{d.region}/{d.name}" for d in held)
