"""Type checks of the public API: mypy and pyright check this file; nothing runs it.

Each ``assert_type`` pins what users get, so that ``Any`` never leaks out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING

from typing_extensions import assert_type

import slrkit
from slrkit.testing import Behaviour, FakeAWS, FakeServer, RecordedCall

if TYPE_CHECKING:
    import boto3


def check_kit(kit: slrkit.ProfilesKit) -> None:
    result = kit.ensure_domain("acme", default_expiration_days=365, tags={"team": "cx"})
    assert_type(result, slrkit.EnsureResult)
    assert_type(result.action, slrkit.Action)
    assert_type(result.domain, "slrkit.Domain | None")
    assert_type(result.changes, "tuple[slrkit.FieldChange, ...]")
    assert_type(result.linked_role, "slrkit.LinkedRole | None")

    role = kit.describe_linked_role("acme")
    assert_type(role, slrkit.LinkedRole)
    assert_type(role.evidence, "slrkit.Evidence | None")
    assert_type(role.created_at, dt.datetime)
    assert_type(role.problems, "tuple[slrkit.RoleProblem, ...]")

    plan = kit.plan_domain_deletion("acme")
    assert_type(plan, slrkit.DeletionPlan)
    assert_type(plan.blockers, "tuple[slrkit.Blocker, ...]")

    report = kit.safe_delete_domain("acme", confirm="acme")
    assert_type(report, slrkit.DeletionReport)
    assert_type(report.calls, "tuple[slrkit.ApiCall, ...]")
    assert_type(report.waits, "tuple[slrkit.Wait, ...]")
    assert_type(kit.list_domains(), "list[slrkit.Domain]")


def check_values(domain: slrkit.Domain) -> None:
    assert_type(domain.tags, Mapping[str, str])
    assert_type(domain.stats, "slrkit.DomainStats | None")
    assert_type(domain.linked_role_name, "str | None")
    assert_type(domain.matching, "slrkit.Matching | None")


def check_regions() -> None:
    assert_type(slrkit.SUPPORTED_REGIONS, "tuple[str, ...]")
    assert_type(slrkit.validate_region("eu-west-2"), str)


def check_errors(error: slrkit.AWSError, refused: slrkit.RoleInUseError) -> None:
    assert_type(error.code, str)
    assert_type(error.request_id, "str | None")
    assert_type(refused.usages, "tuple[slrkit.RoleUsage, ...]")


def check_fleet(session: boto3.Session) -> None:
    fleet = slrkit.Fleet(session, regions=["eu-west-2"])
    result = fleet.ensure_all(
        [slrkit.DomainSpec(name="a", region="eu-west-2", default_expiration_days=30)]
    )
    assert_type(result, slrkit.FleetResult)
    assert_type(result.failed, "tuple[slrkit.FleetItem, ...]")
    audit = fleet.audit()
    assert_type(audit, slrkit.AuditReport)
    assert_type(audit.with_status(slrkit.RoleStatus.ORPHANED), "tuple[slrkit.RoleAudit, ...]")
    assert_type(fleet.cleanup_orphans(), slrkit.CleanupReport)


def check_testing() -> None:
    fake = FakeAWS(account_id="123456789012")
    assert_type(fake.kit("eu-west-2"), slrkit.ProfilesKit)
    assert_type(fake.calls, tuple[RecordedCall, ...])
    assert_type(fake.calls[0].operation, str)
    assert_type(fake.clock.monotonic(), float)
    harsh = FakeAWS(behaviour=Behaviour.harsh(), role_cleanup_delay=None)
    assert_type(harsh.behaviour, Behaviour)
    assert_type(harsh.behaviour.task_retention, float | None)
    assert_type(Behaviour.from_observations("observations.json"), Behaviour)
    with FakeAWS.open("fake.json", default=fake, timeout=1.0) as kept:
        assert_type(kept, FakeAWS)
    assert_type(FakeAWS.load("fake.json"), FakeAWS)
    with FakeServer(kept, time_scale=0) as server:
        assert_type(server, FakeServer)
        assert_type(server.fake, FakeAWS)
        assert_type(server.endpoint_url, str)
