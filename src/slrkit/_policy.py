"""The least-privilege IAM policy slrkit needs, derived from the calls its code makes.

Every statement comes from `slrkit._aws.OPERATIONS`: a new call added there shows
up here, and a test runs the whole lifecycle on the fake and checks every call
against this policy.
"""

from __future__ import annotations

from typing import Final

from slrkit._aws import OPERATIONS, Operation
from slrkit._models import SERVICE_PRINCIPAL
from slrkit._validate import ROLE_NAME_PREFIX, ROLE_PATH

__all__ = ["DOMAIN_ARNS", "LINKED_ROLE_ARNS", "least_privilege_policy"]

DOMAIN_ARNS: Final = "arn:aws:profile:*:*:domains/*"
"""Every Customer Profiles domain, in any region and account."""

LINKED_ROLE_ARNS: Final = f"arn:aws:iam::*:role{ROLE_PATH}{ROLE_NAME_PREFIX}*"
"""Every Customer Profiles service-linked role, and no other role."""

_ANYTHING: Final = "*"

_RESOURCES: Final = {"domain": DOMAIN_ARNS, "role": LINKED_ROLE_ARNS}
"""The resources of each kind of operation in `OPERATIONS`; listing and identity get ``*``."""

_SIDS: Final = {
    DOMAIN_ARNS: "CustomerProfilesDomains",
    LINKED_ROLE_ARNS: "CustomerProfilesLinkedRoles",
    _ANYTHING: "ListingAndIdentity",
}


def _resource(operation: Operation) -> str:
    return _RESOURCES.get(operation.resource, _ANYTHING)


def least_privilege_policy() -> dict[str, object]:
    """The IAM policy document that allows every call slrkit makes, and nothing else.

    Actions are never wildcards; domain actions are scoped to domains and IAM
    actions to Customer Profiles service-linked roles. Only the list actions
    and ``sts:GetCallerIdentity`` (which IAM cannot deny anyway) use ``*``.
    """
    by_resource: dict[str, set[str]] = {}
    for operation in OPERATIONS.values():
        by_resource.setdefault(_resource(operation), set()).add(operation.action)
    statements: list[dict[str, object]] = [
        {
            "Sid": _SIDS[resource],
            "Effect": "Allow",
            "Action": sorted(actions),
            "Resource": resource,
        }
        for resource, actions in sorted(by_resource.items(), key=lambda item: _SIDS[item[0]])
    ]
    # UNCERTAIN: AWS does not document whether CreateDomain needs the caller to be
    # allowed iam:CreateServiceLinkedRole for the role the service makes. slrkit
    # never calls it itself, so it is granted only for this service's roles.
    statements.append(
        {
            "Sid": "CustomerProfilesCreatesItsLinkedRole",
            "Effect": "Allow",
            "Action": ["iam:CreateServiceLinkedRole"],
            "Resource": LINKED_ROLE_ARNS,
            "Condition": {"StringEquals": {"iam:AWSServiceName": SERVICE_PRINCIPAL}},
        }
    )
    return {"Version": "2012-10-17", "Statement": statements}
