"""``slrkit policy``: least privilege, derived from the code, and enough for a full lifecycle."""

from __future__ import annotations

import fnmatch
import json
from typing import TYPE_CHECKING

import pytest

from iam_oracle import ACCOUNT, request
from slrkit._aws import OPERATIONS
from slrkit._cli import main
from slrkit._policy import least_privilege_policy
from slrkit.testing import FakeAWS, RecordedCall

if TYPE_CHECKING:
    from collections.abc import Mapping

REGION = "eu-west-2"
ROLE_ARNS = "arn:aws:iam::*:role/aws-service-role/profile.amazonaws.com/AWSServiceRoleForProfile_*"
# The one action slrkit never calls itself (see the comment in slrkit._policy).
NOT_CALLED = frozenset({"iam:CreateServiceLinkedRole"})


def statements() -> list[Mapping[str, object]]:
    return least_privilege_policy()["Statement"]  # type: ignore[return-value]


def actions_of(statement: Mapping[str, object]) -> list[str]:
    return statement["Action"]  # type: ignore[return-value]


def allowed(action: str, resource: str) -> bool:
    """Whether an unconditional Allow statement of the policy matches (IAM's `*` spans `/`)."""
    return any(
        "Condition" not in s
        and action in actions_of(s)
        and fnmatch.fnmatchcase(resource, str(s["Resource"]))
        for s in statements()
    )


@pytest.fixture(scope="module")
def lifecycle() -> tuple[RecordedCall, ...]:
    """Every call of a lifecycle that reaches every path: create, update, untag, read, list,
    and a deletion whose role the service never removes, so that slrkit deletes it itself."""
    fake = FakeAWS(ACCOUNT, role_cleanup_delay=None)
    kit = fake.kit(REGION)
    kit.ensure_domain("acme", default_expiration_days=365, tags={"team": "cx"})
    kit.ensure_domain("acme", default_expiration_days=30, tags={"team": "ops"})
    kit.ensure_domain("acme", default_expiration_days=30, remove_tags=["team"])
    kit.describe_linked_role("acme")
    kit.list_domains()
    kit.plan_domain_deletion("acme")
    kit.safe_delete_domain("acme", confirm="acme", cleanup_grace=0)
    return fake.calls


def test_policy_has_no_wildcard_actions() -> None:
    """No action is a wildcard, and every action is one slrkit's code lists."""
    known = {op.action for op in OPERATIONS.values()} | NOT_CALLED
    for statement in statements():
        for action in actions_of(statement):
            assert "*" not in action
            assert action in known


def test_iam_and_domain_actions_are_scoped() -> None:
    """IAM actions are scoped to Customer Profiles SLRs and domain actions to domains, except
    the list actions that IAM cannot scope (and GetCallerIdentity, which it cannot deny)."""
    unscoped = {"iam:ListRoles", "profile:ListDomains", "sts:GetCallerIdentity"}
    for statement in statements():
        resource = statement["Resource"]
        for action in actions_of(statement):
            if action in unscoped:
                assert resource == "*"
            elif action.startswith("iam:"):
                assert resource == ROLE_ARNS
            else:
                assert resource == "arn:aws:profile:*:*:domains/*"


def test_create_service_linked_role_is_conditioned_on_the_service() -> None:
    """iam:CreateServiceLinkedRole is allowed only for profile.amazonaws.com's roles."""
    [statement] = [s for s in statements() if "iam:CreateServiceLinkedRole" in actions_of(s)]
    assert actions_of(statement) == ["iam:CreateServiceLinkedRole"]
    assert statement["Resource"] == ROLE_ARNS
    assert statement["Condition"] == {
        "StringEquals": {"iam:AWSServiceName": "profile.amazonaws.com"}
    }


def test_lifecycle_reaches_every_kind_of_call(lifecycle: tuple[RecordedCall, ...]) -> None:
    """The lifecycle below exercises the deletion fallback and the listing calls too."""
    made = {call.operation for call in lifecycle}
    assert {"DeleteServiceLinkedRole", "GetServiceLinkedRoleDeletionStatus"} <= made
    assert {"UpdateDomain", "ListDomains", "ListRoles", "GetCallerIdentity"} <= made


def test_every_call_of_a_full_lifecycle_is_allowed(lifecycle: tuple[RecordedCall, ...]) -> None:
    """Each call the kit made on the fake, with its real resource, is allowed by the policy."""
    denied = [request(call) for call in lifecycle if not allowed(*request(call))]
    assert denied == []


def test_policy_allows_nothing_the_kit_does_not_call(
    lifecycle: tuple[RecordedCall, ...],
) -> None:
    """Every action in the policy is one the lifecycle called (but CreateServiceLinkedRole)."""
    called = {request(call)[0] for call in lifecycle}
    granted = {action for statement in statements() for action in actions_of(statement)}
    assert granted - NOT_CALLED == called


def test_cli_prints_exactly_this_policy(capsys: pytest.CaptureFixture[str]) -> None:
    """``slrkit policy`` prints the derived document, with the uncertainty noted on stderr."""
    assert main(["policy"]) == 0
    out, err = capsys.readouterr()
    assert json.loads(out) == least_privilege_policy()
    assert err.startswith("slrkit: note: iam:CreateServiceLinkedRole is included")
