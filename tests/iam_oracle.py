"""What IAM would authorize a recorded call against: shared by the policy tests.

It is written independently of slrkit's own operation registry, so that a
mistake there cannot hide in the tests that check the policy derived from it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from slrkit.testing import RecordedCall

ACCOUNT: Final = "123456789012"
ROLE_PATH: Final = "/aws-service-role/profile.amazonaws.com/"
PREFIXES: Final = {"customer-profiles": "profile", "iam": "iam", "sts": "sts"}


def request(call: RecordedCall) -> tuple[str, str]:
    """The IAM action and resource ARN a recorded call is authorized against."""
    action = f"{PREFIXES[call.service]}:{call.operation}"
    params = call.params
    if "resourceArn" in params:
        return action, str(params["resourceArn"])
    if "DomainName" in params:
        return action, f"arn:aws:profile:{call.region}:{ACCOUNT}:domains/{params['DomainName']}"
    role = params.get("RoleName")
    if "DeletionTaskId" in params:  # task/aws-service-role/<principal>/<role>/<uuid>
        role = str(params["DeletionTaskId"]).split("/")[3]
    if role is not None:
        return action, f"arn:aws:iam::{ACCOUNT}:role{ROLE_PATH}{role}"
    return action, "*"
