"""Deleting a domain safely, and making sure its service-linked role goes with it.

A deletion is planned first, with no writes: the domain, its data, and its role,
identified while the evidence still exists (it goes with the domain). A plan
with a blocker is refused. Then the domain is deleted, Customer Profiles gets a
grace period to remove the role itself, and slrkit falls back to
DeleteServiceLinkedRole, polling the task to its end. It never touches a role
outside the Customer Profiles SLR path and never forces a role IAM says is in use.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Final

from slrkit import _attribution
from slrkit._models import (
    Blocker,
    DeletionPlan,
    DeletionReport,
    Evidence,
    RoleUsage,
    Step,
)
from slrkit._validate import is_profile_role
from slrkit._verbs import NO_SUCH_ENTITY
from slrkit.exceptions import (
    AmbiguousLinkedRoleError,
    AWSError,
    DomainNotEmptyError,
    DomainNotFoundError,
    LinkedRoleError,
    RoleInUseError,
    SlrkitError,
    UnknownRoleError,
    UnreadableRegionsError,
    UnsafeRoleError,
)

if TYPE_CHECKING:
    from slrkit._models import Domain, LinkedRole, RemovedBy, StepOutcome
    from slrkit._retry import WaitLoop
    from slrkit._verbs import Verbs

__all__ = ["delete_role", "plan", "safe_delete"]

_log = logging.getLogger("slrkit")

_NOT_FOUND: Final = "ResourceNotFoundException"


def plan(
    verbs: Verbs, name: str, role_name: str | None, *, allow_unknown_role: bool = False
) -> DeletionPlan:
    """What `safe_delete` would do, with no writes; see `ProfilesKit.plan_domain_deletion`."""
    domain = _find_domain(verbs, name)
    blockers: list[Blocker] = []
    role: LinkedRole | None = None
    unknown = ""
    if domain is None:
        if role_name is not None:
            role = verbs.find_role(role_name, Evidence.PLAN)
    else:
        if domain.stats is not None and not domain.stats.is_empty:
            blockers.append(
                Blocker(
                    code="data",
                    message=f"the domain holds {domain.stats.profile_count} profiles and "
                    f"{domain.stats.object_count} objects (allow_data_loss=True deletes them)",
                )
            )
        try:
            role = (
                _named(verbs, domain, role_name)
                if role_name
                else _attribution.identify(verbs, domain)
            )
        except LinkedRoleError as exc:
            unknown = str(exc)
            if not allow_unknown_role:
                blockers.append(_role_blocker(exc))
    if role is not None and not is_profile_role(role.name, role.path):
        blockers.append(
            Blocker(
                code="unsafe-role",
                message=f"role {role.name!r} at {role.path!r} is not a Customer Profiles "
                "service-linked role; slrkit will not touch it",
            )
        )
    steps: list[str] = []
    if domain is not None:
        steps.append(f"delete domain {name!r} in {verbs.region}")
    if role is not None:
        steps += [
            f"wait for Customer Profiles to remove role {role.name!r}",
            f"if it does not, DeleteServiceLinkedRole {role.name!r} and poll the task",
        ]
    elif unknown and allow_unknown_role:
        steps.append(f"leave the role to Customer Profiles: {unknown}")
    return DeletionPlan(
        domain_name=name,
        region=verbs.region,
        domain=domain,
        role=role,
        blockers=tuple(blockers),
        steps=tuple(steps),
    )


def _find_domain(verbs: Verbs, name: str) -> Domain | None:
    """GetDomain; a domain it does not find is gone only once ListDomains agrees.

    "Already gone" ends a deletion as a success, so one answer is not enough:
    while the listing still shows the domain, slrkit waits and asks again.
    """
    waits = verbs.deadline.waits(f"GetDomain and ListDomains to agree on domain {name!r}")
    while True:
        domain = verbs.find_domain(name)
        if domain is not None or all(listed.name != name for listed in verbs.list_domains()):
            return domain
        waits.wait(last_state="listed, while GetDomain finds no such domain")


def _named(verbs: Verbs, domain: Domain, role_name: str) -> LinkedRole:
    """The role the caller names for an existing domain, once nothing contradicts it.

    Raises:
        UnknownRoleError: The role does not exist, or the evidence says it is not
            this domain's.
    """
    data = verbs.get_role(role_name)
    if data is None:
        raise UnknownRoleError(domain.name, f"the role named, {role_name}, does not exist")
    why = _attribution.contradiction(verbs, domain, data)
    if why is not None:
        raise UnknownRoleError(domain.name, f"the role named does not fit: {why}")
    return verbs.linked(data, Evidence.NAMED)


def _role_blocker(exc: LinkedRoleError) -> Blocker:
    if isinstance(exc, AmbiguousLinkedRoleError):
        return Blocker(code="ambiguous-role", message=str(exc), roles=exc.candidates)
    return Blocker(code="unknown-role", message=str(exc), roles=exc.candidates)


def safe_delete(
    verbs: Verbs,
    name: str,
    *,
    allow_data_loss: bool,
    wait: bool,
    missing_ok: bool,
    role_name: str | None,
    allow_unknown_role: bool,
    grace: float,
) -> DeletionReport:
    """Plan, refuse or delete, then remove the role; see `ProfilesKit.safe_delete_domain`.

    Raises:
        The errors `ProfilesKit.safe_delete_domain` documents. One raised after the
        domain was deleted carries the report so far in its ``report``.
    """
    planned = plan(verbs, name, role_name, allow_unknown_role=allow_unknown_role)
    steps: list[Step] = []
    if planned.domain is None and planned.role is None:
        if role_name is not None:
            steps.append(Step(name="remove role", outcome="already-done", detail=role_name))
        elif not missing_ok:
            raise DomainNotFoundError(
                f"domain {name!r} does not exist in {verbs.region}; if an earlier run "
                "deleted it, give the role name from that run's plan or report to finish "
                "removing the role",
                code=_NOT_FOUND,
                operation="GetDomain",
                service="customer-profiles",
            )
        return _report(verbs, planned, steps, domain_deleted=False, removed_by=None)
    _refuse_if_blocked(planned, allow_data_loss=allow_data_loss)
    domain_deleted = False
    if planned.domain is not None:
        domain_deleted = verbs.delete_domain(name)
        if domain_deleted:
            verbs.site.account.creations.forget(planned.domain)
        steps.append(
            Step(name="delete domain", outcome="done" if domain_deleted else "already-done")
        )
    else:
        steps.append(Step(name="delete domain", outcome="already-done"))
    removed_by: RemovedBy | None = None
    if planned.role is None:
        left = "the role cannot be told; left to Customer Profiles"
        steps.append(Step(name="remove role", outcome="skipped", detail=left))
    elif not wait:
        steps.append(Step(name="remove role", outcome="skipped", detail="wait=False"))
    else:
        try:
            removed_by = _remove_role(
                verbs, planned, planned.role, steps, grace=grace, deleted=domain_deleted
            )
        except SlrkitError as exc:
            # The domain may be gone now, and with it the evidence: the error carries
            # what was done and the role a rerun must be given.
            exc.report = _report(
                verbs, planned, steps, domain_deleted=domain_deleted, removed_by=None
            )
            raise
    return _report(verbs, planned, steps, domain_deleted=domain_deleted, removed_by=removed_by)


def _refuse_if_blocked(planned: DeletionPlan, *, allow_data_loss: bool) -> None:
    for blocker in planned.blockers:
        if blocker.code == "data" and not allow_data_loss:
            stats = planned.domain.stats if planned.domain is not None else None
            raise DomainNotEmptyError(
                planned.domain_name,
                profile_count=stats.profile_count if stats else 0,
                object_count=stats.object_count if stats else 0,
            )
        if blocker.code == "ambiguous-role":
            raise AmbiguousLinkedRoleError(planned.domain_name, blocker.roles)
        if blocker.code == "unknown-role":
            raise UnknownRoleError(planned.domain_name, blocker.message, candidates=blocker.roles)
        if blocker.code == "unsafe-role" and planned.role is not None:
            raise UnsafeRoleError(planned.role.name, planned.role.path)


def _remove_role(
    verbs: Verbs,
    planned: DeletionPlan,
    role: LinkedRole,
    steps: list[Step],
    *,
    grace: float,
    deleted: bool,
) -> RemovedBy:
    if not is_profile_role(role.name, role.path):
        raise UnsafeRoleError(role.name, role.path)
    deadline = verbs.deadline
    started = deadline.elapsed
    waits = deadline.waits(f"Customer Profiles to remove role {role.name!r}")
    while (data := verbs.read_role(role.name)) is not None:
        if deadline.elapsed - started >= grace:
            break
        waits.wait(last_state="role still exists")
    else:
        outcome: StepOutcome = "done" if planned.domain is not None else "already-done"
        steps.append(Step(name="remove role", outcome=outcome, detail="removed by the service"))
        return "service" if planned.domain is not None else "already-gone"
    # A listing may still show the domain this run deleted; one that DeleteDomain did not
    # delete ("not found, or access denied") may well be alive, and counts.
    holders = _attribution.claimants(verbs, data, gone=planned.domain if deleted else None)
    if holders:
        # Another live domain could own the role: DeleteServiceLinkedRole is for
        # orphans only. IAM would refuse a role in use; slrkit does not ask.
        raise RoleInUseError(
            role.name,
            [RoleUsage(region=h.split("/")[0], resources=(h,)) for h in holders],
            "slrkit found live domains that could own it",
        )
    delete_role(verbs, role.name, own=planned.domain_name)
    steps.append(
        Step(name="remove role", outcome="done", detail="DeleteServiceLinkedRole succeeded")
    )
    return "slrkit"


def delete_role(verbs: Verbs, role_name: str, *, own: str | None) -> None:
    """DeleteServiceLinkedRole and poll its task to the end.

    A FAILED task whose only user is the domain *own* of the verbs' region (just
    deleted, and the service has not caught up with it) is resubmitted after a wait; any other user
    means the role is in use, and slrkit stops there. A task IAM has forgotten
    (it purges finished ones) while its reads still show the role is resubmitted
    after a wait too: IAM answers NoSuchEntity once the role is gone. That answer
    counts only once GetRole and ListRoles agree; while either still shows the role,
    slrkit waits and asks again.

    Raises:
        RoleInUseError: The task failed because other resources use the role.
        RetryDeadlineError: The task did not end before the deadline.
        AWSError: An API call failed.
    """
    polls = verbs.deadline.waits(f"the deletion task of role {role_name!r}")
    while True:
        task = verbs.delete_service_linked_role(role_name)
        if task is None:
            # IAM's reads lag its writes: the role is gone only once its reads agree.
            if verbs.read_role(role_name) is None:
                return
            polls.wait(last_state="NoSuchEntity while IAM's reads still show the role")
        elif _follow(verbs, task, role_name, own=own, polls=polls):
            return


def _follow(verbs: Verbs, task: str, role_name: str, *, own: str | None, polls: WaitLoop) -> bool:
    """Poll a deletion task: True once the role is gone, False (after a wait) to resubmit."""
    while True:
        try:
            status = verbs.deletion_status(task)
        except AWSError as exc:
            if exc.code != NO_SUCH_ENTITY:
                raise
            if verbs.read_role(role_name) is None:
                return True
            polls.wait(last_state="the task is forgotten while the role still shows")
            return False
        if status.state == "SUCCEEDED":
            return True
        if status.state == "FAILED":
            if not status.usages or not all(
                _ours(verbs, resource, own) for u in status.usages for resource in u.resources
            ):
                raise RoleInUseError(role_name, status.usages, status.reason)
            polls.wait(last_state="FAILED: the service still uses the role")
            return False
        polls.wait(last_state=status.state)


_RESOURCE: Final = re.compile(
    r"(?:arn:[^:]*:profile:(?P<region>[^:]*):(?P<account>[^:]*):domains/)?(?P<name>[\w-]+)"
)


def _ours(verbs: Verbs, resource: str, own: str | None) -> bool:
    """Whether a RoleUsageList entry names *own*, the domain just deleted in the verbs' region.

    How Customer Profiles names a domain there is undocumented, and the region
    it gives may not be the domain's: an entry naming the domain in another
    region is ours unless a live domain of that name is there.
    """
    found = _RESOURCE.fullmatch(resource)
    if own is None or found is None or found["name"] != own:
        return False
    if found["account"] not in (None, "", verbs.account_id()):
        return False
    region = found["region"]
    if region in (None, "", verbs.region):
        return True
    try:
        there = verbs.domains_in([region])[region]
    except UnreadableRegionsError:
        return False
    return all(domain.name != own for domain in there)


def _report(
    verbs: Verbs,
    planned: DeletionPlan,
    steps: list[Step],
    *,
    domain_deleted: bool,
    removed_by: RemovedBy | None,
) -> DeletionReport:
    calls = verbs.calls
    return DeletionReport(
        domain_name=planned.domain_name,
        region=verbs.region,
        role_name=planned.role.name if planned.role else None,
        domain_deleted=domain_deleted,
        role_removed_by=removed_by,
        steps=tuple(steps),
        calls=calls.calls,
        waits=tuple(calls.waits),
        elapsed=calls.deadline.elapsed,
    )
