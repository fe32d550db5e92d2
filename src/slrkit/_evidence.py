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
5. A domain is known by its region, name and CreatedAt: one deleted and created
   again under its name has a later CreatedAt. What this process saw appear at
   a creation is matched to a listed domain by those three.

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

The rules here read nothing and call nothing; `slrkit._attribution` reads the
account and applies them.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Final, Literal

import attrs

from slrkit._models import Evidence

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence

    from mypy_boto3_iam.type_defs import RoleTypeDef

    from slrkit._models import Domain

__all__ = [
    "CLOCK_SKEW",
    "CREATION_WINDOW",
    "SETTLE_AFTER",
    "SLR_LAUNCH",
    "DomainFacts",
    "Link",
    "Reason",
    "RoleFacts",
    "Settlement",
    "claims",
    "could_own",
    "holders",
    "settle",
]

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
    def of(cls, domain: Domain, *, tag: str | None, observed: str | None = None) -> DomainFacts:
        """The facts of *domain*: *tag* is the role its tag names, as the caller trusts it.

        *observed* is the role this process saw appear for it, if any.
        """
        return cls(
            region=domain.region,
            name=domain.name,
            created_at=domain.created_at,
            tag=tag,
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


def claims(
    domains: Sequence[DomainFacts], roles: Mapping[str, RoleFacts]
) -> dict[tuple[str, str], tuple[str, Evidence]]:
    """The tags and observations that count, by domain: admissible, and no other domain's too."""
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
    for key, (name, evidence) in claims(domains, by_name).items():
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
    role this is believed to be). A live domain it ties to the role holds it, with
    the tags or by the times alone. So does every live domain that `could_own` the
    role by its region and its times, whatever else the evidence says: ties made
    by elimination can rest on a copied tag, or on a deleted domain whose own role
    the service has already removed, and neither may send a live domain's role to
    IAM. A role made after a live domain but outside its creation window is held
    too when the evidence ties that domain to no role, with the tags or without.
    *settled*, when given, is ``settle(domains, roles)``.
    """
    roles = list(roles)
    if settled is None:
        settled = settle(domains, roles, now=now)
    bare = settle([attrs.evolve(d, tag=None) for d in domains], roles, now=now)
    owners = {settled.owners.get(role.name), bare.owners.get(role.name)}
    found: list[DomainFacts] = []
    for domain in live:
        untied = None in (settled.links[domain.key].role, bare.links[domain.key].role)
        if domain.key in owners or (
            role.last_used_region in (None, domain.region)
            and role.created_at >= domain.created_at - CLOCK_SKEW
            and (untied or could_own(domain, role))
        ):
            found.append(domain)
    return found
