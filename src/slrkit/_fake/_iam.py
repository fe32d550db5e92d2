"""IAM, the service-linked-role part: global per account, eventually consistent.

- A role the Customer Profiles service makes is invisible to every IAM read
  until `propagation_delay` virtual seconds have passed. Roles made through IAM
  itself (CreateServiceLinkedRole) are visible at once.
- CreateServiceLinkedRole knows only `profile.amazonaws.com`; other principals
  get InvalidInput rather than a made-up role name.
- DeleteServiceLinkedRole starts a task that is NOT_STARTED for its first fifth,
  then IN_PROGRESS, and ends after `deletion_task_duration`: FAILED with a
  RoleUsageList while a domain still uses the role, else SUCCEEDED (the role is gone).
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
from slrkit._fake._records import PROFILE_PRINCIPAL, DeletionTask, Role

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from slrkit._fake._world import Account, World

__all__ = ["OPERATIONS", "role_view"]

_DEFAULT_PAGE = 100


def _account(world: World, request: Request) -> Account:
    return world.account(request.account_id)


def _visible(world: World, account: Account, name: str) -> Role | None:
    role = account.roles.get(name)
    if role is None or role.visible_at > world.clock.monotonic():
        return None
    return role


def _role(world: World, request: Request) -> Role:
    name = str(request.params["RoleName"])
    role = _visible(world, _account(world, request), name)
    if role is None:
        raise ServiceError("NoSuchEntity", f"The role with name {name} cannot be found.")
    return role


def role_view(role: Role, account_id: str, *, full: bool) -> dict[str, object]:
    """The `Role` structure; ListRoles leaves out RoleLastUsed and Tags (*full* False)."""
    out: dict[str, object] = {
        "Path": role.path,
        "RoleName": role.name,
        "RoleId": role.role_id,
        "Arn": role.arn(account_id),
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
    request: Request, items: Iterable[tuple[str, Mapping[str, object]]], key: str
) -> dict[str, object]:
    """One page of (sort key, item) pairs, IAM-style: Marker, MaxItems, IsTruncated."""
    size = int(request.params.get("MaxItems", _DEFAULT_PAGE))  # type: ignore[call-overload]
    ordered = sorted(items, key=lambda pair: pair[0])
    marker = request.params.get("Marker")
    if isinstance(marker, str):
        after = decode_cursor(marker, code="ValidationError", message="Invalid Marker")
        ordered = [pair for pair in ordered if pair[0] >= after]
    page = ordered[:size]
    out: dict[str, object] = {key: [item for _, item in page], "IsTruncated": len(ordered) > size}
    if len(ordered) > size:
        out["Marker"] = encode_cursor(ordered[size][0])
    return out


def get_role(world: World, request: Request) -> Mapping[str, object]:
    """GetRole: the role, with RoleLastUsed and Tags."""
    role = _role(world, request)
    account_id = request.account_id
    return world.view(
        ("GetRole", account_id, role.name),
        role,
        lambda: {"Role": role_view(role, account_id, full=True)},
    )


def list_roles(world: World, request: Request) -> Mapping[str, object]:
    """ListRoles: visible roles under PathPrefix, by name, paginated by Marker."""
    prefix = str(request.params.get("PathPrefix", "/"))
    account = _account(world, request)
    now = world.clock.monotonic()
    items: list[tuple[str, Mapping[str, object]]] = [
        (role.name, _listed(world, request.account_id, role))
        for role in account.roles.values()
        if role.visible_at <= now and role.path.startswith(prefix)
    ]
    return _page(request, items, "Roles")


def _listed(world: World, account_id: str, role: Role) -> Mapping[str, object]:
    return world.view(
        ("ListRoles", account_id, role.name),
        role,
        lambda: role_view(role, account_id, full=False),
    )


def list_attached_role_policies(world: World, request: Request) -> Mapping[str, object]:
    """ListAttachedRolePolicies: the managed policies on a role, by name."""
    role = _role(world, request)
    prefix = str(request.params.get("PathPrefix", "/"))
    items: list[tuple[str, dict[str, object]]] = [
        (policy.name, {"PolicyName": policy.name, "PolicyArn": policy.arn})
        for policy in role.policies
        if policy.path.startswith(prefix)
    ]
    return _page(request, items, "AttachedPolicies")


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
    if name is not None and name in account.roles:
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
        visible_at=world.clock.monotonic(),
        description=description if isinstance(description, str) else None,
    )
    return {"Role": role_view(role, request.account_id, full=True)}


def delete_service_linked_role(world: World, request: Request) -> Mapping[str, object]:
    """DeleteServiceLinkedRole: start (or return the running) deletion task."""
    role = _role(world, request)
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
    task = _account(world, request).tasks.get(task_id)
    if task is None:
        raise ServiceError("NoSuchEntity", f"Deletion task {task_id} cannot be found.")
    out: dict[str, object] = {"Status": task.status(world.clock.monotonic())}
    if task.outcome == "FAILED":
        out["Reason"] = {
            "Reason": "The role is in use by resources of the service.",
            "RoleUsageList": [
                {"Region": usage.region, "Resources": list(usage.resources)} for usage in task.usage
            ],
        }
    return out


def delete_role(world: World, request: Request) -> Mapping[str, object]:
    """DeleteRole: refused for service-linked roles and roles with attached policies."""
    role = _role(world, request)
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
    del _account(world, request).roles[role.name]
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
