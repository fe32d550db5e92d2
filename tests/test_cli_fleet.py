"""``slrkit audit`` and ``slrkit cleanup-orphans`` on the fake, through ``main``."""

from __future__ import annotations

import datetime as dt

import pytest

from cli_runs import envelope
from slrkit._cli import main
from slrkit.testing import FakeAWS

REGION = "eu-west-2"


@pytest.fixture
def estate() -> tuple[FakeAWS, str, str]:
    """One domain created through slrkit, and one role orphaned a month ago."""
    fake = FakeAWS()
    linked = fake.kit(REGION).ensure_domain("acme", default_expiration_days=30).linked_role
    assert linked is not None
    orphan = fake.add_linked_role(
        region="us-east-1",
        created_at=fake.clock.now() - dt.timedelta(days=30),
        last_used_region="us-east-1",
    )
    fake.advance(86_400)
    fake.clear_calls()
    return fake, linked.name, orphan


def run(fake: FakeAWS, capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["--fake", *argv], fake=fake)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_audit_shows_domains_roles_and_their_status(
    estate: tuple[FakeAWS, str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    """The table names the linked and the orphaned role; progress goes to stderr."""
    fake, linked, orphan = estate
    code, out, err = run(fake, capsys, "audit")
    assert code == 0
    assert "1 domains, 2 Customer Profiles roles (1 orphaned, 0 unexplained)." in out
    assert f"{linked}  linked" in out
    assert f"{orphan}  orphaned" in out
    assert "iam: 2 Customer Profiles roles" in err
    assert len(fake.calls_to("ListRoles")) == 1


def test_audit_json_is_one_document(
    estate: tuple[FakeAWS, str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    """--json prints the report as one document with stable keys."""
    fake, linked, orphan = estate
    code, out, _ = run(fake, capsys, "--json", "audit", "-q")
    assert code == 0
    report = envelope(out)["result"]
    assert {r["role"]["name"]: r["status"] for r in report["roles"]} == {
        linked: "linked",
        orphan: "orphaned",
    }
    assert report["domains"][0]["evidence"] == "tag"
    assert report["errors"] == []


def test_audit_of_some_regions_is_cautious(
    estate: tuple[FakeAWS, str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    """With --region, unread regions could hold an owner: no role is called an orphan."""
    fake, _, orphan = estate
    code, out, _ = run(fake, capsys, "audit", "--region", REGION, "-q")
    assert code == 0
    assert f"{orphan}  unexplained" in out
    assert {c.region for c in fake.calls_to("ListDomains")} == {REGION}


def test_audit_exits_1_when_a_region_cannot_be_read(
    estate: tuple[FakeAWS, str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    """A region that fails to list is reported, and the exit code says so; with --json, the
    envelope holds the report and an audit-incomplete error that resumes with the same
    command."""
    fake, _, _ = estate
    fake.fail("ListDomains", code="AccessDeniedException")
    code, out, _ = run(fake, capsys, "audit", "-q")
    assert code == 1
    assert "not read: fake" in out
    fake.fail("ListDomains", code="AccessDeniedException")
    code, out, err = run(fake, capsys, "--json", "audit", "-q")
    assert code == 1
    document = envelope(out)
    assert document["result"]["errors"]
    assert document["error"]["code"] == "audit-incomplete"
    assert document["error"]["resume"] == "slrkit --fake --json audit -q"
    assert err.startswith("slrkit: error: 1 parts of the estate could not be read (fake ")


def test_cleanup_is_a_dry_run_without_yes(
    estate: tuple[FakeAWS, str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    """Without --yes it lists the orphan and deletes nothing."""
    fake, _, orphan = estate
    code, out, _ = run(fake, capsys, "cleanup-orphans", "-q")
    assert code == 0
    assert f"{orphan}  would-delete" in out
    assert "--yes" in out
    assert fake.calls_to("DeleteServiceLinkedRole") == ()
    assert orphan in fake.roles()


def test_cleanup_with_yes_deletes_only_the_orphan(
    estate: tuple[FakeAWS, str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    """--yes deletes the orphan, and the linked role stays."""
    fake, linked, orphan = estate
    code, out, _ = run(fake, capsys, "cleanup-orphans", "--yes", "-q")
    assert code == 0
    assert f"{orphan}  deleted" in out
    assert fake.roles() == (linked,)


def test_fleet_commands_refuse_account_profiles_with_fake(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """--account-profile names real AWS profiles: with --fake it is a usage error."""
    code, _, err = run(FakeAWS(), capsys, "audit", "--account-profile", "prod")
    assert code == 2
    assert "--account-profile" in err


def test_fleet_commands_refuse_an_unknown_region(capsys: pytest.CaptureFixture[str]) -> None:
    """A bad --region fails with exit 2 before any call."""
    fake = FakeAWS()
    code, _, err = run(fake, capsys, "audit", "--region", "eu-west-1")
    assert code == 2
    assert "eu-west-2" in err
    assert fake.calls == ()
