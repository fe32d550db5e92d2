"""The kit on the harshest fake: every hardship AWS is known or allowed to inflict, at once.

`Behaviour.harsh()` makes IAM slow to show a new role (30 s) and slow to forget a
deleted one (reads lag writes by 10 s), pages short, SUCCEEDED deletion tasks
forgotten at once, the service slower (120 s) than the kit's grace to remove a
deleted domain's role, and a FAILED task's RoleUsageList name another region.
Each test runs a whole lifecycle through the public API on it, and the
combinations vary how a FAILED task names the domain and in which region. The
kit ends in success or in its documented typed error: never in a wrong deletion,
and never in an error after the work was in fact done.
"""

from __future__ import annotations

import random
from typing import Final

import attrs
import pytest

from slrkit import Evidence, ProfilesKit, RetryDeadlineError, RoleInUseError
from slrkit.testing import Behaviour, FakeAWS

REGION: Final = "eu-west-2"
ACCOUNT: Final = "123456789012"
FORMS: Final = {
    "arn": "arn:{partition}:profile:{region}:{account_id}:domains/{domain}",
    "path": "domains/{domain}",
    "name": "{domain}",
}


def harsh(
    *,
    role_cleanup_delay: float | None = 120.0,
    usage_resource: str = FORMS["arn"],
    usage_region: str | None = "eu-north-1",
) -> FakeAWS:
    """A fake as harsh as `Behaviour.harsh()`, with the changes asked for."""
    behaviour = attrs.evolve(
        Behaviour.harsh(),
        role_cleanup_delay=role_cleanup_delay,
        usage_resource=usage_resource,
        usage_region=usage_region,
    )
    return FakeAWS(ACCOUNT, behaviour=behaviour)


def make_kit(fake: FakeAWS) -> ProfilesKit:
    return ProfilesKit(REGION, session=fake.session(REGION), rand=random.Random(5).random)


def role_of(fake: FakeAWS, name: str) -> str:
    arn = f"arn:aws:profile:{REGION}:{ACCOUNT}:domains/{name}"
    return next(r for r, arns in fake.roles_in_use().items() if arn in arns)


def sent_to_iam(fake: FakeAWS) -> list[str]:
    return [str(c.params["RoleName"]) for c in fake.calls_to("DeleteServiceLinkedRole")]


def test_a_domain_is_created_linked_described_and_planned() -> None:
    """Slow propagation, lagging reads and short pages: the new domain's role is seen, proven
    and recorded, and describe and plan name it."""
    fake = harsh()
    kit = make_kit(fake)
    kit.ensure_domain("other", default_expiration_days=5)
    fake.advance(600)
    result = kit.ensure_domain("acme", default_expiration_days=5)
    assert result.linked_role is not None
    assert result.linked_role.name == role_of(fake, "acme")
    assert kit.describe_linked_role("acme").evidence is Evidence.TAG
    plan = kit.plan_domain_deletion("acme")
    assert plan.safe
    assert plan.role is not None
    assert plan.role.name == role_of(fake, "acme")


@pytest.mark.parametrize("cleanup", [120.0, None], ids=["service-late", "service-never"])
@pytest.mark.parametrize("usage_region", [None, "eu-north-1"], ids=["own-region", "elsewhere"])
@pytest.mark.parametrize("form", FORMS, ids=FORMS.keys())
def test_a_delete_ends_with_domain_and_role_gone(
    form: str, usage_region: str | None, cleanup: float | None
) -> None:
    """The service is slower than the grace (or never removes the role), so the fallback
    runs: its task FAILS while the service still counts the deleted domain (named in any
    form, in any region), is purged once SUCCEEDED while GetRole still shows the role; the
    delete still ends in success, with domain and role gone and no other role touched."""
    fake = harsh(role_cleanup_delay=cleanup, usage_resource=FORMS[form], usage_region=usage_region)
    kit = make_kit(fake)
    kit.ensure_domain("other", default_expiration_days=5)
    fake.advance(600)
    mine = kit.ensure_domain("acme", default_expiration_days=5).linked_role
    assert mine is not None
    other = role_of(fake, "other")
    report = kit.safe_delete_domain("acme", confirm="acme")
    assert report.domain_deleted
    assert report.role_name == mine.name
    assert report.role_removed_by in ("service", "slrkit")
    fake.advance(fake.behaviour.read_lag)
    assert mine.name not in fake.roles(include_pending=True)
    assert fake.domains(REGION) == ("other",)
    assert other in fake.roles()
    assert set(sent_to_iam(fake)) <= {mine.name}


@pytest.mark.parametrize("form", FORMS, ids=FORMS.keys())
def test_a_role_another_domain_uses_is_reported_never_forced(form: str) -> None:
    """A FAILED task naming another live domain (in whatever form) ends in RoleInUseError,
    with that domain's role untouched."""
    fake = harsh(role_cleanup_delay=None, usage_resource=FORMS[form], usage_region="eu-north-1")
    kit = make_kit(fake)
    kit.ensure_domain("other", default_expiration_days=5)
    fake.advance(600)
    theirs = role_of(fake, "other")
    # Naming "other"'s role for a domain already gone: the evidence stops the fallback.
    with pytest.raises(RoleInUseError):
        kit.safe_delete_domain("gone", confirm="gone", role_name=theirs, cleanup_grace=0)
    assert theirs in fake.roles()
    assert sent_to_iam(fake) == []


def test_a_delete_cut_short_is_finished_by_a_rerun() -> None:
    """A deadline crossed while the role goes leaves the domain deleted; the rerun with the
    role from the error's report finishes the work, even with tasks forgotten at once."""
    fake = harsh(role_cleanup_delay=None)
    kit = make_kit(fake)
    mine = kit.ensure_domain("acme", default_expiration_days=5).linked_role
    assert mine is not None
    with pytest.raises(RetryDeadlineError) as caught:
        kit.safe_delete_domain("acme", confirm="acme", timeout=40)
    report = caught.value.report
    assert report is not None
    assert report.domain_deleted
    assert report.role_name == mine.name
    rerun = kit.safe_delete_domain("acme", confirm="acme", role_name=report.role_name)
    assert rerun.role_removed_by in ("slrkit", "already-gone")
    fake.advance(fake.behaviour.read_lag)
    assert mine.name not in fake.roles(include_pending=True)


def test_a_fleet_creates_audits_and_cleans_up() -> None:
    """A fleet on the harsh fake creates domains in three regions, each tagged with its own
    role; an audit links them all; a cleanup deletes only the one orphan."""
    fake = harsh()
    orphan = fake.add_linked_role(region="ap-southeast-2", last_used_region="ap-southeast-2")
    fleet = fake.fleet()
    from slrkit import DomainSpec  # noqa: PLC0415 - next to its one use

    specs = [
        DomainSpec(name=f"d{n}", region=region, default_expiration_days=5)
        for region in (REGION, "us-east-1", "ca-central-1")
        for n in range(2)
    ]
    result = fleet.ensure_all(specs)
    assert result.failed == ()
    assert result.unlinked == ()
    fake.advance(86_400)
    cleanup = fleet.cleanup_orphans(dry_run=False)
    assert [(i.role_name, i.action) for i in cleanup.items] == [(orphan, "deleted")]
    linked = {r.role.name for r in cleanup.audit.roles if str(r.status) == "linked"}
    assert len(linked) == len(specs)
    assert set(sent_to_iam(fake)) == {orphan}  # resubmitted while IAM still showed it
