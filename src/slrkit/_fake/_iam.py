"""IAM, the service-linked-role part: global per account, eventually consistent.

The timings and forms named here are `Behaviour` knobs.

- A role the Customer Profiles service makes is invisible to every IAM read
  until `propagation_delay` has passed; one made by CreateServiceLinkedRole,
  until `read_lag` has. A deleted role stays visible to reads for `read_lag`;
  writes (DeleteServiceLinkedRole, DeleteRole) see only roles that exist.
- Names are not told apart by case: a suffix taken in another case is taken.
- CreateServiceLinkedRole knows only `profile.amazonaws.com`; other principals
  get InvalidInput rather than a made-up role name.
- DeleteServiceLinkedRole starts a task that is NOT_STARTED for its first fifth,
  then IN_PROGRESS, and ends after `deletion_task_duration`: FAILED with a
  RoleUsageList while a domain still uses the role, else SUCCEEDED (the role is
  gone). A finished task is forgotten (NoSuchEntity) after `task_retention`
  (`failed_task_retention` for a FAILED one).
- ARNs carry the partition of the region the call was signed for.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from slrkit._fake._ops import (
    Operation,
    Request,
    ServiceError,
    decode_cursor,
    encode_cursor,
)
from slrkit._fake._partitions import in_partition
from slrkit._fake._records import PROFILE_PRINCIPAL, DeletionTask, Role

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from slrkit._fake._world import Account, World

__all__ = ["OPERATIONS", "role_view"]

_DEFAULT_PAGE = 100


def _account(world: World, request: Request) -> Account:
    return world.account(request.account_id)


def _no_such_role(name: str) -> ServiceError:
    return ServiceError("NoSuchEntity", f"The role with name {name} cannot be found.")


def _role(world: World, request: Request) -> Role:
    """The role a read of RoleName shows (a recently deleted one included)."""
    name = str(request.params["RoleName"])
    role = _account(world, request).read_role(name, world.clock.monotonic())
    if role is None:
        raise _no_such_role(name)
    return role


def _existing_role(world: World, request: Request) -> Role:
    """The role a write of RoleName acts on: one that exists and has propagated."""
    name = str(request.params["RoleName"])
    role = _account(world, request).role(name)
    if role is None or role.visible_at > world.clock.monotonic():
        raise _no_such_role(name)
    return role


def role_view(role: Role, request: Request, *, full: bool) -> dict[str, object]:
    """The `Role` structure; ListRoles leaves out RoleLastUsed and Tags (*full* False)."""
    out: dict[str, object] = {
        "Path": role.path,
        "RoleName": role.name,
        "RoleId": role.role_id,
        "Arn": role.arn(request.account_id, request.partition),
        "CreateDate": role.create_date,
        "AssumeRolePolicyDocument": role.trust_policy,
        "MaxSessionDuration": role.max_session_duration,
    }
    if role.description is not None:
        out["Description"] = role.description
    if full:
        if role.tags:
            out["Tags"] = [{"Key": k, "Value": v} for k, v in role.tags.items()]
        last_used: dict[str, object] = {}
        if role.last_used_date is not None:
            last_used["LastUsedDate"] = role.last_used_date
        if role.last_used_region is not None:
            last_used["Region"] = role.last_used_region
        out["RoleLastUsed"] = last_used
    return out


def _page(
    world: World, request: Request, items: Iterable[tuple[str, Mapping[str, object]]], key: str
) -> Mapping[str, object]:
    """One page of (sort key, item) pairs, IAM-style: Marker, MaxItems, IsTruncated.

    A page equal to the last one of its request is the same `View`, checked and
    written once: polls of an unchanged listing cost little more than reading it.
    """
    asked = int(request.params.get("MaxItems", _DEFAULT_PAGE))  # type: ignore[call-overload]
    ordered = sorted(items, key=lambda pair: pair[0])
    marker = request.params.get("Marker")
    if isinstance(marker, str):
        after = decode_cursor(marker, code="ValidationError", message="Invalid Marker")
        ordered = [pair for pair in ordered if pair[0] >= after]
    size = world.page_size(asked, len(ordered))
    members = tuple(item for _, item in ordered[:size])
    truncated = len(ordered) > size
    next_marker = encode_cursor(ordered[size][0]) if truncated else None

    def build() -> dict[str, object]:
        out: dict[str, object] = {key: list(members), "IsTruncated": truncated}
        if next_marker is not None:
            out["Marker"] = next_marker
        return out

    return world.listing(
        (key, request.account_id, request.partition, str(marker), str(asked)),
        members,
        (truncated, next_marker),
        build,
    )


def get_role(world: World, request: Request) -> Mapping[str, object]:
    """GetRole: the role, with RoleLastUsed and Tags."""
    role = _role(world, request)
    return world.view(
        ("GetRole", request.account_id, request.partition, role.name),
        role,
        lambda: {"Role": role_view(role, request, full=True)},
    )


def list_roles(world: World, request: Request) -> Mapping[str, object]:
    """ListRoles: visible roles under PathPrefix, by name, paginated by Marker."""
    prefix = str(request.params.get("PathPrefix", "/"))
    account = _account(world, request)
    items: list[tuple[str, Mapping[str, object]]] = [
        (role.name, _listed(world, request, role))
        for role in account.read_roles(world.clock.monotonic())
        if role.path.startswith(prefix)
    ]
    return _page(world, request, items, "Roles")


def _listed(world: World, request: Request, role: Role) -> Mapping[str, object]:
    return world.view(
        ("ListRoles", request.account_id, request.partition, role.name),
        role,
        lambda: role_view(role, request, full=False),
    )


def list_attached_role_policies(world: World, request: Request) -> Mapping[str, object]:
    """ListAttachedRolePolicies: the managed policies on a role, by name."""
    role = _role(world, request)
    prefix = str(request.params.get("PathPrefix", "/"))
    items: list[tuple[str, dict[str, object]]] = [
        (
            policy.name,
            {"PolicyName": policy.name, "PolicyArn": in_partition(policy.arn, request.partition)},
        )
        for policy in role.policies
        if policy.path.startswith(prefix)
    ]
    return _page(world, request, items, "AttachedPolicies")


def create_service_linked_role(world: World, request: Request) -> Mapping[str, object]:
    """CreateServiceLinkedRole: `AWSServiceRoleForProfile_<suffix or random id>`."""
    params = request.params
    service = str(params["AWSServiceName"])
    if service != PROFILE_PRINCIPAL:
        raise ServiceError(
            "InvalidInput",
            f"Service name {service} is not known to the fake; it models only {PROFILE_PRINCIPAL}",
        )
    account = _account(world, request)
    suffix = params.get("CustomSuffix")
    name = f"AWSServiceRoleForProfile_{suffix}" if isinstance(suffix, str) else None
    if name is not None and account.role(name) is not None:
        raise ServiceError(
            "InvalidInput",
            f"Service role name {name} has been taken in this account, "
            "please try a different suffix.",
        )
    description = params.get("Description")
    role = world.make_profile_role(
        account,
        name=name,
        created=world.clock.now(),
        visible_at=world.clock.monotonic() + world.behaviour.read_lag,
        description=description if isinstance(description, str) else None,
    )
    return {"Role": role_view(role, request, full=True)}


def delete_service_linked_role(world: World, request: Request) -> Mapping[str, object]:
    """DeleteServiceLinkedRole: start (or return the running) deletion task."""
    role = _existing_role(world, request)
    if not role.service_linked:
        raise ServiceError("InvalidInput", f"Role {role.name} is not a service-linked role.")
    account = _account(world, request)
    now = world.clock.monotonic()
    for task in account.tasks.values():
        if task.role_name == role.name and task.outcome is None:
            return {"DeletionTaskId": task.task_id}
    principal = role.path.strip("/").split("/", 1)[1]
    task_id = f"task/aws-service-role/{principal}/{role.name}/{world.uuid()}"
    duration = world.behaviour.deletion_task_duration
    account.tasks[task_id] = DeletionTask(
        task_id=task_id, role_name=role.name, started_at=now, finishes_at=now + duration
    )
    world.schedule(duration, "task", request.account_id, task_id)
    return {"DeletionTaskId": task_id}


def get_service_linked_role_deletion_status(world: World, request: Request) -> Mapping[str, object]:
    """GetServiceLinkedRoleDeletionStatus: the task's status, and why it FAILED."""
    task_id = str(request.params["DeletionTaskId"])
    if not task_id.startswith("task/"):
        raise ServiceError("InvalidInput", f"Invalid deletion task id {task_id}")
    tasks = _account(world, request).tasks
    task = tasks.get(task_id)
    now = world.clock.monotonic()
    if task is not None and task.purged(now, world.behaviour):
        del tasks[task_id]
        task = None
    if task is None:
        raise ServiceError("NoSuchEntity", f"Deletion task {task_id} cannot be found.")
    out: dict[str, object] = {"Status": task.status(now)}
    if task.outcome == "FAILED":
        reason: dict[str, object] = {
            "RoleUsageList": [
                {"Region": usage.region, "Resources": list(usage.resources)} for usage in task.usage
            ]
        }
        if world.behaviour.failure_reason is not None:
            reason["Reason"] = world.behaviour.failure_reason
        out["Reason"] = reason
    return out


def delete_role(world: World, request: Request) -> Mapping[str, object]:
    """DeleteRole: refused for service-linked roles and roles with attached policies."""
    role = _existing_role(world, request)
    if role.service_linked:
        raise ServiceError(
            "UnmodifiableEntity",
            f"Cannot perform the operation on the protected role '{role.name}' "
            "- this role is only modifiable by AWS",
        )
    if role.policies:
        raise ServiceError(
            "DeleteConflict", "Cannot delete entity, must detach all policies first."
        )
    _account(world, request).remove_role(
        role.name, now=world.clock.monotonic(), lag=world.behaviour.read_lag
    )
    return {}


OPERATIONS: Mapping[str, Operation] = {
    "GetRole": get_role,
    "ListRoles": list_roles,
    "ListAttachedRolePolicies": list_attached_role_policies,
    "CreateServiceLinkedRole": create_service_linked_role,
    "DeleteServiceLinkedRole": delete_service_linked_role,
    "GetServiceLinkedRoleDeletionStatus": get_service_linked_role_deletion_status,
    "DeleteRole": delete_role,
}
"""IAM operations the fake serves, by name."""
