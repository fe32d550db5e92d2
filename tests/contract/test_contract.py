"""What slrkit assumes about AWS, checked with plain boto3 clients on every target.

Each test reads the module's one run of the lifecycle (`probe.run_contract`):
against AWS that takes minutes, so it is run once and asserted on in parts.
"""

# pyright: reportUnknownMemberType=false, reportTypedDictNotRequiredAccess=false
# (boto3-stubs type `Session.client` per service, most not installed; and a test may
# index what it asserts is present.)

from __future__ import annotations

import datetime as dt
import json
import re
from typing import TYPE_CHECKING, cast

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError, ConnectionClosedError, EndpointConnectionError
from botocore.retries import standard

from slrkit._fake._observations import Failure
from slrkit.testing import Behaviour, FakeAWS

from .probe import NAME_PREFIX, ROLE_PATH, ROLE_PREFIX, Run, Target
from .serving import REGION

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

POLICY: str = ":iam::aws:policy/aws-service-role/CustomerProfilesServiceLinkedRolePolicy"


def test_a_service_linked_role_appears_after_create_domain(run: Run, target: Target) -> None:
    """CreateDomain makes one new AWSServiceRoleForProfile_* role, within the wait."""
    seconds = run.seen.get("role_visible_after")
    assert isinstance(seconds, float)
    assert 0 <= seconds <= target.pace.appear
    assert run.role is not None
    assert run.domains[0].startswith(NAME_PREFIX)


def test_the_role_is_the_documented_one(run: Run, target: Target) -> None:
    """Its name, path, ARN, trust policy and managed policy are those the AWS page gives."""
    role, domain = run.role, run.domain
    assert role is not None
    assert domain is not None
    assert role["RoleName"].startswith(ROLE_PREFIX)
    assert role["Path"] == ROLE_PATH
    assert (
        role["Arn"]
        == f"arn:{run.partition}:iam::{run.account_id}:role{ROLE_PATH}{role['RoleName']}"
    )
    assert role["RoleId"].startswith("AROA")
    document = cast("dict[str, list[dict[str, object]]]", role["AssumeRolePolicyDocument"])
    [statement] = document["Statement"]
    assert statement["Principal"] == {"Service": "profile.amazonaws.com"}
    assert statement["Action"] == "sts:AssumeRole"
    assert [arn for arn in run.policies if arn.endswith(POLICY)] == [f"arn:{run.partition}{POLICY}"]
    # slrkit tells a domain's role by creation times that lie close together.
    apart = abs(role["CreateDate"] - domain["CreatedAt"])
    assert apart <= dt.timedelta(seconds=target.pace.appear)
    last_used = role.get("RoleLastUsed", {}).get("LastUsedDate")
    assert last_used is None or last_used >= role["CreateDate"]


def test_list_roles_leaves_out_last_used_and_tags(run: Run) -> None:
    """ListRoles omits RoleLastUsed and Tags: slrkit reads them with GetRole."""
    assert run.listed_role is not None
    assert {"RoleLastUsed", "Tags"}.isdisjoint(run.listed_role)


def test_the_service_removes_the_role_after_delete_domain(run: Run, target: Target) -> None:
    """After DeleteDomain the service deletes the domain's role on its own, within the wait."""
    removed = run.seen.get("role_removed_after")
    assert isinstance(removed, float), f"still there after {target.pace.remove:g} s"


def test_a_deletion_task_fails_while_the_domain_uses_the_role(run: Run) -> None:
    """DeleteServiceLinkedRole then gives a task that FAILS, naming the domain in a RoleUsage."""
    assert run.failed_task_id is not None
    role = run.ids["role_name"]
    assert re.fullmatch(rf"task{re.escape(ROLE_PATH)}{role}/[0-9a-f-]{{36}}", run.failed_task_id)
    states = cast("tuple[str, ...]", run.seen["failed_task_states"])
    assert states[-1] == "FAILED", states
    assert [s for s in states if s != "FAILED"] == [
        s for s in ("NOT_STARTED", "IN_PROGRESS") if s in states
    ]
    failure = run.seen["failure"]
    assert isinstance(failure, Failure)
    resources = [r for usage in failure.usage for r in usage.resources]
    assert any(run.domains[0] in resource for resource in resources), resources


def test_a_deletion_task_after_delete_domain_ends_and_is_forgotten(
    run: Run, target: Target
) -> None:
    """With the domain gone, the task ends; the role goes, and the task may be forgotten."""
    if run.seen.get("service_was_first"):
        pytest.skip("the service deleted the role before DeleteServiceLinkedRole could")
    finished = run.seen.get("task_finished_after")
    assert isinstance(finished, float), f"no end within {target.pace.task:g} s"
    states = cast("tuple[str, ...]", run.seen["task_states"])
    assert set(states) <= {"NOT_STARTED", "IN_PROGRESS", "SUCCEEDED"}, states
    assert isinstance(run.seen.get("deleted_role_visible_for"), float)


def test_the_errors_slrkit_branches_on(run: Run) -> None:
    """Codes and statuses: not found, already exists, NoSuchEntity, UnmodifiableEntity."""
    seen = {name: (e.code, e.status) for name, e in run.errors.items()}
    assert seen["GetDomain missing"] == ("ResourceNotFoundException", 404)
    assert seen["CreateDomain existing"] == ("BadRequestException", 400)
    assert "already exists" in run.errors["CreateDomain existing"].message
    assert seen["GetRole missing"] == ("NoSuchEntity", 404)
    assert seen["DeleteRole service-linked"] == ("UnmodifiableEntity", 400)
    assert seen["GetServiceLinkedRoleDeletionStatus unknown"] == ("NoSuchEntity", 404)


def test_customer_profiles_has_no_endpoint_outside_its_regions(run: Run) -> None:
    """A region without Customer Profiles fails to connect: no service error, nothing made."""
    error = run.unsupported_region_error
    assert isinstance(error, (EndpointConnectionError, ConnectionClosedError)), error


def test_list_roles_pages_by_marker(run: Run) -> None:
    """MaxItems=1 pages, followed by Marker while IsTruncated, list every role once."""
    listed = [name for page in run.role_pages for name in page]
    assert all(len(page) <= 1 for page in run.role_pages)
    assert sorted(listed) == sorted(set(listed)) == sorted(run.all_roles)
    assert len(run.role_pages) >= 2


def test_list_domains_pages_by_next_token(run: Run) -> None:
    """MaxResults=1 pages, followed by NextToken, list both of the run's domains once."""
    listed = [name for page in run.domain_pages for name in page]
    assert all(len(page) <= 1 for page in run.domain_pages)
    assert len(listed) == len(set(listed))
    assert set(run.domains) <= set(listed)


def test_the_observations_are_written_and_read_back(run: Run, observations_path: Path) -> None:
    """The run's JSON file becomes a Behaviour; on a default fake, the default one."""
    document = json.loads(observations_path.read_text())
    assert document["format"] == "slrkit.testing/observations"
    assert document["ids"]["role_name"] == run.ids["role_name"]
    behaviour = Behaviour.from_observations(observations_path)
    if run.target != "aws":
        assert behaviour == Behaviour()


@pytest.mark.parametrize(
    ("operation", "code", "status"),
    [("GetDomain", "ThrottlingException", 429), ("iam:GetRole", "Throttling", 400)],
)
def test_throttling_codes_are_the_ones_botocore_retries(
    operation: str, code: str, status: int
) -> None:
    """Each service's throttling code arrives with its status and is one botocore retries.

    No account can be made to throttle on demand: this part of the contract is
    botocore's retry data, and what the fake sends when told to throttle.
    """
    checker = standard.ThrottledRetryableChecker()
    context = standard.RetryContext(attempt_number=1, parsed_response={"Error": {"Code": code}})
    assert checker.is_retryable(context)
    fake = FakeAWS()
    fake.fail(operation, code=code)
    session = fake.session(REGION)
    once = Config(retries={"total_max_attempts": 1})
    cp, iam = session.client("customer-profiles", config=once), session.client("iam", config=once)
    call: Callable[[], object] = (
        (lambda: cp.get_domain(DomainName="d"))
        if operation == "GetDomain"
        else (lambda: iam.get_role(RoleName="r"))
    )
    with pytest.raises(ClientError) as caught:
        call()
    response = caught.value.response
    assert response["Error"]["Code"] == code
    assert response["ResponseMetadata"]["HTTPStatusCode"] == status
