"""An audit: every domain and every Customer Profiles role of an account, classified.

IAM is global: the roles of every domain of an account, in every region, sit
under one path, and nothing in AWS says which belongs to which. `classify`
weighs the evidence of `slrkit._evidence` for the whole account at once. A role
is *linked* when the evidence ties it to a domain; *orphaned* only when no live
domain in any region could own it (whatever the times), every supported region
was read, and it is older than the grace period; otherwise it is *unexplained*,
and cleanup never touches it.
"""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING, Literal

import attrs

from slrkit import _evidence
from slrkit._evidence import DomainFacts, RoleFacts

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Sequence

    from slrkit._models import Domain, Evidence, LinkedRole

__all__ = [
    "AuditError",
    "AuditReport",
    "CleanupAction",
    "CleanupItem",
    "CleanupReport",
    "DomainAudit",
    "RoleAudit",
    "RoleStatus",
    "classify",
]


class RoleStatus(str, enum.Enum):
    """How an audit classifies a Customer Profiles service-linked role."""

    LINKED = "linked"
    """Tied to an existing domain by the evidence."""
    ORPHANED = "orphaned"
    """No live domain in any region could own it, and it is past the grace period."""
    UNEXPLAINED = "unexplained"
    """The evidence cannot decide; cleanup leaves it alone."""

    def __str__(self) -> str:
        return self.value


@attrs.frozen(kw_only=True)
class DomainAudit:
    """A domain found by an audit, with its role and the evidence for it (None if none)."""

    account: str
    region: str
    domain: Domain
    role_name: str | None
    evidence: Evidence | None
    note: str = ""


@attrs.frozen(kw_only=True)
class RoleAudit:
    """A role found by an audit: its status, its domain if linked, and why."""

    account: str
    role: LinkedRole
    status: RoleStatus
    region: str | None = None
    domain_name: str | None = None
    reason: str = ""


@attrs.frozen(kw_only=True)
class AuditError:
    """A part of the estate that could not be read."""

    account: str
    region: str | None
    message: str


@attrs.frozen(kw_only=True)
class AuditReport:
    """Everything `Fleet.audit` found."""

    domains: tuple[DomainAudit, ...]
    roles: tuple[RoleAudit, ...]
    errors: tuple[AuditError, ...]
    elapsed: float

    def with_status(self, status: RoleStatus) -> tuple[RoleAudit, ...]:
        """The roles with *status*."""
        return tuple(r for r in self.roles if r.status is status)

    @property
    def problems(self) -> tuple[RoleAudit, ...]:
        """The roles with something wrong (trust, policy, path)."""
        return tuple(r for r in self.roles if r.role.problems)


CleanupAction = Literal["would-delete", "deleted", "failed"]
"""What `Fleet.cleanup_orphans` did with an orphan (``would-delete`` on a dry run)."""


@attrs.frozen(kw_only=True)
class CleanupItem:
    """What `Fleet.cleanup_orphans` did with one orphan (see `CleanupAction`)."""

    account: str
    role_name: str
    action: CleanupAction
    detail: str = ""


@attrs.frozen(kw_only=True)
class CleanupReport:
    """The orphans `Fleet.cleanup_orphans` found and what it did with each."""

    dry_run: bool
    items: tuple[CleanupItem, ...]
    audit: AuditReport


def _note(link: _evidence.Link) -> str:
    if link.role is not None:
        return ""
    if link.reason == "young":
        return f"too young to tell; its role may still be propagating: {', '.join(link.candidates)}"
    if link.reason == "ambiguous":
        rivals = ", ".join(f"{r}/{n}" for r, n in link.rivals)
        return f"ambiguous: {', '.join(link.candidates)}" + (f" (also {rivals})" if rivals else "")
    return "no role fits"


def classify(
    account: str,
    domains: Sequence[tuple[Domain, str | None]],
    roles: Sequence[LinkedRole],
    *,
    complete: bool,
    every_region: bool,
    now: dt.datetime,
    grace: dt.timedelta,
) -> tuple[list[DomainAudit], list[RoleAudit]]:
    """The audit rows of one account.

    Args:
        account: The account's label.
        domains: Every domain read, each with the role this process saw appear at its
            creation (if it made it).
        roles: Every Customer Profiles role read.
        complete: Whether every part of the account could be read.
        every_region: Whether the audit covered every supported region.
        now: The current time.
        grace: How old a role must be before it may be called an orphan.
    """
    facts = [
        DomainFacts.of(domain, tag=domain.linked_role_name, observed=observed)
        for domain, observed in domains
    ]
    role_facts = [
        RoleFacts(name=r.name, created_at=r.created_at, last_used_region=r.last_used_region)
        for r in roles
    ]
    settled = _evidence.settle(facts, role_facts, now=now)
    domain_rows = [
        DomainAudit(
            account=account,
            region=domain.region,
            domain=domain,
            role_name=(link := settled.links[(domain.region, domain.name)]).role,
            evidence=link.evidence,
            note=_note(link),
        )
        for domain, _ in domains
    ]
    role_rows: list[RoleAudit] = []
    for role, fact in zip(roles, role_facts, strict=True):
        owner = settled.owners.get(role.name)
        if owner is not None:
            evidence = settled.links[owner].evidence
            row = RoleAudit(
                account=account,
                role=role,
                status=RoleStatus.LINKED,
                region=owner[0],
                domain_name=owner[1],
                reason=str(evidence),
            )
        else:
            status, reason = _unlinked(
                fact,
                facts,
                role_facts,
                settled,
                complete=complete,
                every_region=every_region,
                now=now,
                grace=grace,
            )
            row = RoleAudit(account=account, role=role, status=status, reason=reason)
        role_rows.append(row)
    return domain_rows, role_rows


def _unlinked(
    role: RoleFacts,
    domains: Sequence[DomainFacts],
    roles: Sequence[RoleFacts],
    settled: _evidence.Settlement,
    *,
    complete: bool,
    every_region: bool,
    now: dt.datetime,
    grace: dt.timedelta,
) -> tuple[RoleStatus, str]:
    holders = _evidence.holders(
        role, domains, domains=domains, roles=roles, now=now, settled=settled
    )
    if holders:
        names = ", ".join(f"{d.region}/{d.name}" for d in holders)
        return RoleStatus.UNEXPLAINED, f"may belong to {names}"
    if not complete:
        return RoleStatus.UNEXPLAINED, "part of the account could not be read"
    if not every_region:
        return RoleStatus.UNEXPLAINED, "not every supported region was audited"
    if now - role.created_at < grace:
        return RoleStatus.UNEXPLAINED, "younger than the orphan grace period"
    return RoleStatus.ORPHANED, "no live domain in any region could own it"
