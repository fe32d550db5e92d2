"""The fake as a whole: its clock, call log, persistence, threads and pytest fixture."""

# pyright: reportUnknownMemberType=false, reportTypedDictNotRequiredAccess=false
# (boto3-stubs type `Session.client` per service, most not installed; and a test may
# index what it asserts is present.)

from __future__ import annotations

import datetime as dt
import json
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

import pytest

from slrkit._clock import Clock
from slrkit._fake._calls import CallLog, RecordedCall
from slrkit.testing import FakeAWS, VirtualClock

if TYPE_CHECKING:
    from pathlib import Path

REGION = "eu-west-2"


def test_virtual_clock_is_a_clock_and_moves_only_when_told() -> None:
    """VirtualClock satisfies slrkit's Clock; sleep and advance move time, nothing else does."""
    clock = VirtualClock(dt.datetime(2030, 1, 1, tzinfo=dt.timezone.utc))
    assert isinstance(clock, Clock)
    clock.sleep(1.5)
    clock.advance(0.5)
    assert clock.monotonic() == 2.0
    assert clock.now() == dt.datetime(2030, 1, 1, 0, 0, 2, tzinfo=dt.timezone.utc)
    with pytest.raises(ValueError, match="finite"):
        clock.advance(-1)
    with pytest.raises(ValueError, match="aware"):
        VirtualClock(dt.datetime(2030, 1, 1))  # noqa: DTZ001  # the point of the test


def test_calls_record_every_attempt_in_order(fake: FakeAWS) -> None:
    """calls lists service, operation, region, account, parsed params, status and code."""
    session = fake.session(REGION)
    session.client("customer-profiles").create_domain(DomainName="acme", DefaultExpirationDays=3)
    session.client("iam").list_roles(MaxItems=5)
    create, listing = fake.calls
    assert (create.service, create.operation, create.region, create.account_id) == (
        "customer-profiles",
        "CreateDomain",
        REGION,
        "123456789012",
    )
    assert dict(create.params) == {"DomainName": "acme", "DefaultExpirationDays": 3}
    assert (create.status, create.error_code, create.ok) == (200, None, True)
    assert (listing.service, listing.region, dict(listing.params)) == (
        "iam",
        "us-east-1",
        {"MaxItems": 5},
    )
    assert fake.calls_to("ListRoles") == (listing,)
    fake.clear_calls()
    assert fake.calls == ()


def test_the_call_log_reads_the_same_however_often_and_whenever_it_is_read() -> None:
    """Read between calls, after more calls, and after the oldest are dropped, the log gives
    the same records, in order, as one read at the end would."""
    log = CallLog()

    def add(n: int) -> None:
        log.add(
            service="iam",
            operation="GetRole",
            region="us-east-1",
            account_id="123456789012",
            params={"RoleName": f"r{n}"},
            status=200,
            error_code=None,
            at=float(n),
        )

    def names(records: tuple[RecordedCall, ...]) -> list[object]:
        return [r.params["RoleName"] for r in records]

    for n in range(3):
        add(n)
    first = log.records()
    assert names(first) == ["r0", "r1", "r2"]
    for n in range(3, 6):
        add(n)
    assert log.records()[:3] == first
    log.keep_newest(4)
    assert names(log.records()) == ["r2", "r3", "r4", "r5"]
    log.keep_newest(1)
    add(6)
    assert names(log.records()) == ["r5", "r6"]
    assert [r.at for r in log.records()] == [5.0, 6.0]
    assert len(log) == 2
    log.clear()
    assert log.records() == ()
    add(7)
    assert names(log.records()) == ["r7"]


def test_save_and_load_round_trip(tmp_path: Path) -> None:
    """A saved fake loads with the same domains, roles, tasks, pending events and time."""
    fake = FakeAWS(role_cleanup_delay=30, seed=7)
    session = fake.session(REGION)
    cp, iam = session.client("customer-profiles"), session.client("iam")
    cp.create_domain(DomainName="keep", DefaultExpirationDays=3, Tags={"a": "b"})
    cp.create_domain(DomainName="gone", DefaultExpirationDays=3)
    fake.load_data("keep", region=REGION, profiles=4)
    fake.advance(10)
    [keep_role] = [r for r, arns in fake.roles_in_use().items() if arns[0].endswith("/keep")]
    task = iam.delete_service_linked_role(RoleName=keep_role)["DeletionTaskId"]
    cp.delete_domain(DomainName="gone")
    path = tmp_path / "state.json"
    fake.save(path)
    assert json.loads(path.read_text())["format"] == "slrkit.testing/fake-state"

    loaded = FakeAWS.load(path)
    # The random generator carries on where it stopped: both make the same next role.
    for f in (fake, loaded):
        f.session(REGION).client("customer-profiles").create_domain(
            DomainName="next", DefaultExpirationDays=1
        )
    assert fake.roles(include_pending=True) == loaded.roles(include_pending=True)
    assert loaded.clock.monotonic() == fake.clock.monotonic()
    assert loaded.clock.now() == fake.clock.now()
    assert loaded.domains(REGION) == ("keep", "next")
    assert loaded.roles(include_pending=True) == fake.roles(include_pending=True)
    again = loaded.session(REGION)
    domain = again.client("customer-profiles").get_domain(DomainName="keep")
    assert (domain["Tags"], domain["Stats"]["ProfileCount"]) == ({"a": "b"}, 4)
    loaded.advance(30)
    assert len(loaded.linked_roles()) == 2  # the cleanup of "gone"'s role was still pending
    status = again.client("iam").get_service_linked_role_deletion_status(DeletionTaskId=task)
    assert status["Status"] == "FAILED"


def test_concurrent_clients_keep_state_exact(fake: FakeAWS) -> None:
    """16 threads creating, reading and deleting domains leave exactly the expected state."""
    session = fake.session(REGION)
    cp = session.client("customer-profiles")

    def work(worker: int) -> None:
        for index in range(8):
            name = f"w{worker}-d{index}"
            cp.create_domain(DomainName=name, DefaultExpirationDays=1)
            assert cp.get_domain(DomainName=name)["DomainName"] == name
            if index % 2:
                cp.delete_domain(DomainName=name)

    with ThreadPoolExecutor(max_workers=16) as pool:
        list(pool.map(work, range(16)))
    expected = sorted(f"w{w}-d{i}" for w in range(16) for i in range(0, 8, 2))
    assert list(fake.domains(REGION)) == expected
    assert len(fake.calls) == 16 * (8 * 2 + 4)
    assert len(fake.linked_roles(include_pending=True)) == 16 * 8


def test_fake_aws_fixture_is_fresh(fake_aws: FakeAWS) -> None:
    """The plugin's fake_aws fixture gives a new fake at virtual time zero."""
    assert isinstance(fake_aws, FakeAWS)
    assert fake_aws.clock.monotonic() == 0.0
    assert fake_aws.calls == ()


def test_plugin_is_registered_and_lazy(pytester: pytest.Pytester) -> None:
    """The pytest11 entry point provides fake_aws, and loading it imports not the fake."""
    pytester.makepyfile(
        """
        import sys

        def test_lazy(request):
            assert "slrkit.testing" not in sys.modules
            fake = request.getfixturevalue("fake_aws")
            assert fake.domains("eu-west-2") == ()
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-p", "no:benchmark")
    result.assert_outcomes(passed=1)
