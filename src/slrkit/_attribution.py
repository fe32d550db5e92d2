"""Which role is a domain's, read from the account: the evidence rules applied through AWS.

`slrkit._evidence` says what counts; this module reads what it needs to weigh
it (a domain's tag, the roles and their last use, the domains of the regions
that matter, what this process created), as little as it can:

- `identify`: a domain's role, for describe and plan;
- `observe_new_role`: the role of a domain this process just created;
- `contradiction`: whether a role a caller names for a domain can be its;
- `claimants`: the live domains that could own a role about to be deleted.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import attrs

from slrkit._evidence import (
    CREATION_WINDOW,
    SETTLE_AFTER,
    SLR_LAUNCH,
    DomainFacts,
    Link,
    RoleFacts,
    claims,
    could_own,
    holders,
    settle,
)
from slrkit._models import Evidence
from slrkit._validate import is_profile_role, validate_linked_role_name
from slrkit.exceptions import (
    AmbiguousLinkedRoleError,
    InvalidInputError,
    LinkedRoleError,
    LinkedRoleNotFoundError,
    UnreadableRegionsError,
)

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Iterable, Mapping

    from mypy_boto3_iam.type_defs import RoleTypeDef

    from slrkit._models import Domain, LinkedRole
    from slrkit._verbs import Creations, Verbs

__all__ = ["claimants", "contradiction", "identify", "observe_new_role", "unlinked"]

_log = logging.getLogger("slrkit")


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


def _facts(verbs: Verbs, domain: Domain, *, seen: Creations | None = None) -> DomainFacts:
    """The domain's facts, with its tag only when it is a usable role name.

    What this process saw of the domain counts whether it is known now or was in *seen*,
    read before the listing that showed the domain: the process may have deleted it since,
    and forgotten it.
    """
    observed = seen.observed(domain) if seen is not None else None
    return DomainFacts.of(
        domain,
        tag=_tag_name(domain),
        observed=observed or verbs.site.account.creations.observed(domain),
    )


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
    """Every role, with the last use read (GetRole) for those the domain could own.

    A role GetRole misses but ListRoles still lists keeps its listing, without a last use.
    """
    listed = verbs.list_roles()
    roles = {name: RoleFacts._from_api(data) for name, data in listed.items()}
    near = [name for name, role in roles.items() if could_own(facts, role)]
    for name in near:
        data = verbs.read_role(name)
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
    # What this process saw is read before the listing too: a domain it deletes (and forgets)
    # while the listing runs is still listed, and must still count as seen, not as a young
    # domain that could own any new role.
    seen = verbs.site.account.creations.snapshot()
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
            facts.setdefault((other.region, other.name), _facts(verbs, other, seen=seen))
    since = verbs.site.clock.now() - SETTLE_AFTER
    for region, name, created_at, role in verbs.site.account.creations.since(since):
        if region in found:
            facts.setdefault(
                (region, name),
                DomainFacts(region=region, name=name, created_at=created_at, observed=role),
            )
    return list(facts.values())


def identify(verbs: Verbs, domain: Domain, *, to_record: bool = False) -> LinkedRole:
    """The domain's role, by its tag when the tag counts, else by the evidence.

    Args:
        verbs: The operation's verbs.
        domain: The domain, as GetDomain read it.
        to_record: The answer will be written into the domain's tag. Then other
            domains' tags, which can be wrong, must not decide it: the evidence
            must give the same role without them (what this process saw appear
            at its own creations still counts).

    Raises:
        LinkedRoleNotFoundError: No role fits, or the domain is too young to tell.
        AmbiguousLinkedRoleError: Several roles fit, or another domain could own it;
            with *to_record*, also when only other domains' tags tell.
        UnreadableRegionsError: A region that had to be read could not be.
        AWSError: An API call failed.
    """
    facts = _facts(verbs, domain)
    claimed = facts.tag or facts.observed
    if claimed is not None and not to_record:
        role = _claimed_role(verbs, facts, claimed)
        if role is not None:
            return role
    roles, near = _roles_near(verbs, facts)
    now = verbs.site.clock.now()
    others = _domains_for(verbs, facts, [roles[n] for n in near]) if near else [facts]
    link = settle(others, roles.values(), now=now).links[facts.key]
    if to_record and link.role is not None:
        bare = settle(_untagged(others), roles.values(), now=now).links[facts.key]
        if bare.role != link.role:
            link = attrs.evolve(bare, reason=bare.reason or "ambiguous", candidates=(link.role,))
    if link.role is None or link.evidence is None:
        raise unlinked(domain, link, now)
    data = verbs.get_role(link.role)
    if data is None:
        raise LinkedRoleNotFoundError(domain.name, f"role {link.role} vanished while being read")
    return verbs.linked(data, link.evidence)


def _untagged(domains: Iterable[DomainFacts]) -> list[DomainFacts]:
    """*domains* without their tags: only times, regions and this process's own sightings."""
    return [attrs.evolve(d, tag=None) for d in domains]


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
    claim = claims(others, {role.name: role}).get(facts.key)
    if claim is None:
        _log.warning(
            "domain %s: its tag names %s, which another domain claims or it cannot own",
            facts.name,
            name,
        )
        return None
    return verbs.linked(data, claim[1])


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
    facts = DomainFacts.of(domain, tag=domain.linked_role_name)
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
    so a role is its own only when no other domain that is not settled could own
    it. The verdict is written into the domain's tag, so other domains' tags (which
    can be wrong) must not decide it: it must be the same without them.
    """
    others = [d for d in _domains_for(verbs, facts, new.values()) if d.key != facts.key]
    now = verbs.site.clock.now()
    tagged = _verdict(facts, others, new, roles, now)
    bare = _verdict(facts, _untagged(others), new, roles, now)
    if tagged is None or bare is None or tagged == bare:
        return None if tagged is None or bare is None else tagged
    named = {link.role for link in (tagged, bare) if link.role is not None}
    return Link(
        role=None,
        reason="ambiguous",
        candidates=tuple(sorted({*tagged.candidates, *bare.candidates, *named})),
        rivals=tuple(sorted({*tagged.rivals, *bare.rivals})),
    )


def _verdict(
    facts: DomainFacts,
    others: list[DomainFacts],
    new: Mapping[str, RoleFacts],
    roles: Mapping[str, RoleFacts],
    now: dt.datetime,
) -> Link | None:
    settled = settle(others, roles.values(), now=now)
    free = [r for r in new.values() if r.name not in settled.owners and could_own(facts, r)]
    if not free:
        return None  # every new role that fits is another domain's: its own is still to come
    rivals = sorted(
        {
            other.key
            for other in others
            if settled.links[other.key].role is None
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
    seen = verbs.site.account.creations.snapshot()  # before the listing, as in `_domains_for`
    try:
        if role.last_used_region is None:
            found = verbs.domains_everywhere()
        else:
            found = verbs.domains_in([role.last_used_region])
    except UnreadableRegionsError as exc:
        raise UnreadableRegionsError(gone.name if gone else "", exc.regions) from None
    live = [
        _facts(verbs, other, seen=seen)
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
