"""Which service-linked role belongs to which domain: the evidence rules.

AWS never says. The unique id in ``AWSServiceRoleForProfile_<unique-id>`` is
undocumented and no domain API returns the role, so slrkit weighs evidence, in
this order, and never guesses silently:

1. the domain's ``slrkit:linked-role`` tag, once the role it names exists;
2. the roles created close to the domain's creation (AWS creates the role with
   the domain), last used in the domain's region, not claimed by another domain's
   tag, and not closer in time to another domain of the region.

Two candidates with equally strong evidence are an error that lists both.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import TYPE_CHECKING, Final

import attrs

from slrkit._models import Domain, Evidence, LinkedRole
from slrkit.exceptions import AmbiguousLinkedRoleError, LinkedRoleError, LinkedRoleNotFoundError

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from mypy_boto3_iam.type_defs import RoleTypeDef

    from slrkit._verbs import Verbs

__all__ = [
    "CLOCK_SKEW",
    "CREATION_WINDOW",
    "Candidate",
    "await_new_role",
    "choose",
    "identify",
    "near_in_time",
    "new_roles",
    "with_evidence",
]

_log = logging.getLogger("slrkit")

CREATION_WINDOW: Final = dt.timedelta(minutes=2)
"""How far apart a domain's and its role's creation times may be."""

CLOCK_SKEW: Final = dt.timedelta(seconds=1)
"""How much earlier than its domain a new role's creation time may read."""


@attrs.frozen(kw_only=True)
class Candidate:
    """A role that might be the domain's, with its last-use region once known."""

    name: str
    created_at: dt.datetime
    last_used_region: str | None = None

    @classmethod
    def _from_api(cls, role: RoleTypeDef) -> Candidate:
        last = role.get("RoleLastUsed") or {}
        return cls(
            name=role["RoleName"],
            created_at=role["CreateDate"],
            last_used_region=last.get("Region"),
        )


def near_in_time(domain: Domain, roles: Iterable[Candidate]) -> list[Candidate]:
    """The roles created within `CREATION_WINDOW` of the domain, nearest first."""
    close = [r for r in roles if abs(r.created_at - domain.created_at) <= CREATION_WINDOW]
    return sorted(close, key=lambda r: abs(r.created_at - domain.created_at))


def choose(
    domain: Domain,
    candidates: Sequence[Candidate],
    *,
    others: Sequence[Domain] = (),
) -> tuple[str, Evidence]:
    """Pick the domain's role from *candidates* (already near in time).

    Args:
        domain: The domain.
        candidates: Roles created near the domain, with their last-use region.
        others: The other domains of the region, when known: a role one of them
            claims by tag, or that was created closer to one of them, is theirs.

    Raises:
        LinkedRoleNotFoundError: No candidate is left.
        AmbiguousLinkedRoleError: More than one candidate has the strongest evidence.
    """
    # The domain's own tag is no claim against it: when the role it names could not be
    # read once, that very role must stay a candidate.
    claimed = {
        d.linked_role_name
        for d in others
        if d.linked_role_name and (d.name, d.region) != (domain.name, domain.region)
    }
    left = [
        c
        for c in candidates
        if c.name not in claimed
        and c.last_used_region in (None, domain.region)
        and not _closer_to_another(c, domain, others)
    ]
    if not left:
        raise LinkedRoleNotFoundError(
            domain.name,
            f"no Customer Profiles role fits domain {domain.name!r} (created "
            f"{domain.created_at:%Y-%m-%d %H:%M:%S}): none was created within "
            f"{int(CREATION_WINDOW.total_seconds())}s of it in its region; if the domain "
            "predates service-linked roles (June 8, 2023), tag it with "
            "slrkit:linked-role=<role name>",
        )
    used_here = [c for c in left if c.last_used_region == domain.region]
    best, evidence = (
        (used_here, Evidence.CREATION_TIME_AND_LAST_USE)
        if used_here
        else (left, Evidence.CREATION_TIME)
    )
    if len(best) > 1:
        raise AmbiguousLinkedRoleError(domain.name, sorted(c.name for c in best))
    return best[0].name, evidence


def _closer_to_another(role: Candidate, domain: Domain, others: Sequence[Domain]) -> bool:
    mine = abs(role.created_at - domain.created_at)
    return any(
        abs(role.created_at - other.created_at) < mine
        for other in others
        if other.name != domain.name
    )


def new_roles(
    before: Iterable[str], after: Sequence[Candidate], *, not_before: dt.datetime
) -> list[Candidate]:
    """The roles in *after* that were not in *before* and were created at *not_before* or later.

    `CLOCK_SKEW` of slack allows for IAM's and Customer Profiles' clocks to differ.
    """
    seen = set(before)
    earliest = not_before - CLOCK_SKEW
    return [c for c in after if c.name not in seen and c.created_at >= earliest]


def with_evidence(role: LinkedRole, evidence: Evidence) -> LinkedRole:
    """*role*, marked with the evidence that ties it to its domain."""
    return attrs.evolve(role, evidence=evidence)


def identify(verbs: Verbs, domain: Domain) -> LinkedRole:
    """The domain's role, by its tag once the role exists, else by the evidence.

    Raises:
        LinkedRoleNotFoundError: No role fits.
        AmbiguousLinkedRoleError: Several roles fit equally well.
        AWSError: An API call failed.
    """
    tagged = domain.linked_role_name
    if tagged:
        role = verbs.find_role(tagged)
        if role is None:
            _log.warning("role %s named by domain %s's tag is gone", tagged, domain.name)
        elif role.last_used_region in (None, domain.region):
            return with_evidence(role, Evidence.TAG)
        else:
            # A domain's role is used in the domain's region only: the tag is wrong,
            # and trusting it would point a deletion at another domain's role.
            _log.warning(
                "role %s named by domain %s's tag was last used in %s: not its role",
                tagged,
                domain.name,
                role.last_used_region,
            )
    listed = verbs.list_roles()
    near = near_in_time(domain, [Candidate._from_api(r) for r in listed.values()])
    # ListRoles omits RoleLastUsed: GetRole tells the region each candidate was used in.
    full: dict[str, RoleTypeDef] = {}
    for candidate in near:
        role_data = verbs.get_role(candidate.name)
        if role_data is not None:
            full[candidate.name] = role_data
    candidates = [Candidate._from_api(r) for r in full.values()]
    # A candidate may belong to another domain of the region: its tag or creation time says so.
    others = verbs.list_domains() if candidates else []
    chosen, evidence = choose(domain, candidates, others=others)
    return with_evidence(verbs.linked(full[chosen]), evidence)


def await_new_role(verbs: Verbs, domain: Domain, before: Iterable[str]) -> LinkedRole | None:
    """The role that appears for a domain just created, or None when it cannot be told.

    Args:
        verbs: The creating operation's verbs; the wait draws on its deadline.
        domain: The domain just created.
        before: The roles listed before the CreateDomain call.

    Raises:
        RetryDeadlineError: No new role appeared before the deadline.
        AWSError: An API call failed.
    """
    waits = verbs.deadline.waits(f"the service-linked role of domain {domain.name!r} to appear")
    while True:
        listed = verbs.list_roles()
        seen = [Candidate._from_api(r) for r in listed.values()]
        # A role created before the domain belongs to another domain, even if it was
        # still propagating when the snapshot was taken.
        fresh = new_roles(before, seen, not_before=domain.created_at)
        if fresh:
            break
        waits.wait(last_state="no new role yet")
    try:
        chosen, _ = choose(domain, near_in_time(domain, fresh))
    except LinkedRoleError as exc:
        _log.warning("not tagging domain %s: %s", domain.name, exc)
        return None
    # ListRoles already returned the role; only its attached policies are missing.
    return with_evidence(verbs.linked(listed[chosen]), Evidence.OBSERVED_AT_CREATION)
