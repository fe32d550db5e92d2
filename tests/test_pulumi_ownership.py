"""`CustomerProfilesDomain` owns what its program says, and refresh tells the truth (issue 20).

After ``pulumi up`` the domain is what the program says: a tag key, KMS key or
queue dropped from the program is removed from the domain. ``pulumi refresh``
reads back every managed property as the domain has it, so drift made outside
Pulumi shows in the next diff and the next update corrects it. Tags the program
never named, and slrkit's link tag, are never touched. The scenarios run through
Pulumi's real provider host over gRPC; the property test calls the provider in
process, because each operation builds its own session and clients and the
host's gRPC round trips would only add time.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pulumi_host import ProviderHost
from slrkit import RefusedError
from slrkit._pulumi_props import INPUT_NAMES, diff
from slrkit._validate import LINKED_ROLE_TAG
from slrkit.pulumi import DomainProvider
from slrkit.testing import FakeAWS

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from mypy_boto3_customer_profiles.client import CustomerProfilesClient

REGION: Final = "eu-west-2"
ARN: Final = f"arn:aws:profile:{REGION}:123456789012:domains/acme"
QUEUE: Final = f"https://sqs.{REGION}.amazonaws.com/123456789012/acme-dlq"
KEY: Final = f"arn:aws:kms:{REGION}:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
PROGRAM: Final[dict[str, Any]] = {
    "domain_name": "acme",
    "region": REGION,
    "default_expiration_days": 365,
    "tags": {"team": "cx", "cost": "42"},
    "dead_letter_queue_url": QUEUE,
    "default_encryption_key": KEY,
}


def fresh_state(folder: Path) -> str:
    path = str(folder / "fake.json")
    FakeAWS().save(path)
    return path


def profiles(fake: FakeAWS) -> CustomerProfilesClient:
    return fake.client("customer-profiles", REGION)


def live(state: str) -> dict[str, Any]:
    """The domain as the fake holds it: what AWS would answer."""
    domain = profiles(FakeAWS.load(state)).get_domain(DomainName="acme")
    return {
        "days": domain["DefaultExpirationDays"],
        "key": domain.get("DefaultEncryptionKey"),
        "queue": domain.get("DeadLetterQueueUrl"),
        "tags": dict(domain.get("Tags", {})),
    }


def outside(state: str, edit: Callable[[CustomerProfilesClient], object]) -> None:
    """A change made outside Pulumi, with the AWS API."""
    fake = FakeAWS.load(state)
    edit(profiles(fake))
    fake.save(state)


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("ownership")


@pytest.fixture(scope="module")
def host(folder: Path) -> Iterator[ProviderHost]:
    """One provider host for the module; each test starts its fake anew in the same file."""
    with ProviderHost(DomainProvider(fake_state=folder / "fake.json")) as started:
        yield started


@pytest.fixture
def state(folder: Path) -> str:
    return fresh_state(folder)


def up(
    host: ProviderHost, olds: dict[str, Any], program: dict[str, Any]
) -> tuple[dict[str, Any], bool]:
    """What ``pulumi up`` does for an existing resource: check, diff, then update if it changed.

    Returns the stored properties after it, and whether the diff found changes.
    """
    inputs, failures = host.check(olds, program)
    assert failures == []
    if not host.changes("acme", olds, inputs):
        return olds, False
    return host.update("acme", olds, inputs), True


def created(host: ProviderHost, program: dict[str, Any]) -> dict[str, Any]:
    inputs, failures = host.check({}, program)
    assert failures == []
    resource_id, outs = host.create(inputs)
    assert resource_id == "acme"
    return outs


# -- what was seen: a dropped tag, key and queue stayed on the domain, and refresh hid them --


def test_an_update_removes_the_tag_key_and_queue_the_program_dropped(
    host: ProviderHost, state: str
) -> None:
    outs = created(host, PROGRAM)
    role = outs["linked_role_name"]
    assert live(state)["tags"] == {"team": "cx", "cost": "42", LINKED_ROLE_TAG: role}
    program: dict[str, object] = {
        "domain_name": "acme",
        "region": REGION,
        "default_expiration_days": 365,
        "tags": {"team": "cx"},
    }
    outs, changed = up(host, outs, program)
    assert changed
    assert live(state) == {
        "days": 365,
        "key": None,
        "queue": None,
        "tags": {"team": "cx", LINKED_ROLE_TAG: role},
    }
    resource_id, refreshed = host.read("acme", outs)
    assert resource_id == "acme"
    assert refreshed["tags"] == {"team": "cx"}
    assert "dead_letter_queue_url" not in refreshed
    assert "default_encryption_key" not in refreshed
    assert up(host, refreshed, program)[1] is False


def test_a_refresh_shows_a_queue_the_program_dropped_that_the_domain_still_has(
    host: ProviderHost, state: str
) -> None:
    """The stored state says no queue (the program dropped it), the domain has one: refresh
    reports it, and the next update clears it."""
    program = {k: v for k, v in PROGRAM.items() if k != "dead_letter_queue_url"}
    outs = created(host, program)
    outside(state, lambda c: c.update_domain(DomainName="acme", DeadLetterQueueUrl=QUEUE))
    _, refreshed = host.read("acme", outs)
    assert refreshed["dead_letter_queue_url"] == QUEUE
    after, changed = up(host, refreshed, program)
    assert changed
    assert live(state)["queue"] is None
    assert "dead_letter_queue_url" not in host.read("acme", after)[1]


# -- drift made outside Pulumi: refresh shows it, the next update converges --------------------


@attrs.frozen
class Drift:
    edit: Callable[[CustomerProfilesClient], object]
    shows: dict[str, Any]


DRIFTS: Final = {
    "changed-tag": Drift(
        lambda c: c.tag_resource(resourceArn=ARN, tags={"team": "ops"}),
        {"tags": {"team": "ops", "cost": "42"}},
    ),
    "removed-tag": Drift(
        lambda c: c.untag_resource(resourceArn=ARN, tagKeys=["cost"]), {"tags": {"team": "cx"}}
    ),
    "changed-expiration": Drift(
        lambda c: c.update_domain(DomainName="acme", DefaultExpirationDays=90),
        {"default_expiration_days": 90},
    ),
    "cleared-queue": Drift(
        lambda c: c.update_domain(DomainName="acme", DeadLetterQueueUrl=""),
        {"dead_letter_queue_url": None},
    ),
    "changed-key": Drift(
        lambda c: c.update_domain(DomainName="acme", DefaultEncryptionKey=KEY + "0"),
        {"default_encryption_key": KEY + "0"},
    ),
}


@pytest.mark.parametrize("drift", list(DRIFTS.values()), ids=list(DRIFTS))
def test_drift_shows_in_refresh_and_the_next_update_converges(
    host: ProviderHost, state: str, drift: Drift
) -> None:
    outs = created(host, PROGRAM)
    role = outs["linked_role_name"]
    expected = live(state)
    outside(state, drift.edit)
    _, refreshed = host.read("acme", outs)
    assert {k: refreshed.get(k) for k in drift.shows} == drift.shows
    after, changed = up(host, refreshed, PROGRAM)
    assert changed
    assert live(state) == expected
    assert expected["tags"][LINKED_ROLE_TAG] == role
    assert up(host, host.read("acme", after)[1], PROGRAM)[1] is False


def test_tags_the_program_never_named_stay_and_stay_out_of_the_state(
    host: ProviderHost, state: str
) -> None:
    outs = created(host, PROGRAM)
    outside(state, lambda c: c.tag_resource(resourceArn=ARN, tags={"owner": "finance"}))
    _, refreshed = host.read("acme", outs)
    assert refreshed["tags"] == PROGRAM["tags"]
    program = {**PROGRAM, "tags": {"team": "cx"}}
    up(host, refreshed, program)
    assert live(state)["tags"] == {
        "team": "cx",
        "owner": "finance",
        LINKED_ROLE_TAG: outs["linked_role_name"],
    }


# -- removals the API cannot make, and adoption ------------------------------------------------


def test_a_program_that_drops_matching_is_refused_before_any_call(
    host: ProviderHost, state: str
) -> None:
    with_matching = {**PROGRAM, "data_store": {"enabled": True}, "matching": {"enabled": False}}
    outs = created(host, with_matching)
    calls = len(FakeAWS.load(state).calls)
    _, failures = host.check(outs, PROGRAM)
    assert [f.split(":")[0] for f in failures] == ["matching", "data_store"]
    assert "UpdateDomain cannot remove it" in failures[0]
    assert "matching={'enabled': False}" in failures[0]
    assert len(FakeAWS.load(state).calls) == calls
    # A new domain (another name) starts without them: nothing to keep.
    _, failures = host.check(outs, {**PROGRAM, "domain_name": "acme-2"})
    assert failures == []


def test_adopting_a_domain_with_a_queue_the_program_does_not_set_is_refused(state: str) -> None:
    outside(state, lambda c: c.create_domain(DomainName="acme", DefaultExpirationDays=30))
    outside(state, lambda c: c.update_domain(DomainName="acme", DeadLetterQueueUrl=QUEUE))
    provider = DomainProvider(fake_state=state)
    program = {
        "domain_name": "acme",
        "region": REGION,
        "default_expiration_days": 365,
        "adopt_existing": True,
    }
    inputs = provider.check({}, program).inputs
    with pytest.raises(RefusedError, match=r"dead_letter_queue_url=.*to '' to clear it"):
        provider.create(inputs)
    assert live(state)["days"] == 30
    cleared = provider.check({}, {**program, "dead_letter_queue_url": ""}).inputs
    assert provider.create(cleared).id == "acme"
    assert live(state)["queue"] is None
    assert live(state)["days"] == 365


# -- any sequence of program changes and outside edits -----------------------------------------

_VALUES: Final = st.sampled_from(["a", "b"])
_PROGRAMS: Final = st.fixed_dictionaries(
    {
        "default_expiration_days": st.sampled_from([30, 365]),
        "tags": st.dictionaries(st.sampled_from(["team", "cost", "env"]), _VALUES, max_size=3),
        "dead_letter_queue_url": st.sampled_from([None, "", QUEUE]),
        "default_encryption_key": st.sampled_from([None, "", KEY]),
    }
)


def _tag(key: str, value: str) -> Callable[[CustomerProfilesClient], object]:
    return lambda c: c.tag_resource(resourceArn=ARN, tags={key: value})


def _untag(key: str) -> Callable[[CustomerProfilesClient], object]:
    return lambda c: c.untag_resource(resourceArn=ARN, tagKeys=[key])


def _queue(url: str) -> Callable[[CustomerProfilesClient], object]:
    return lambda c: c.update_domain(DomainName="acme", DeadLetterQueueUrl=url)


def _days(days: int) -> Callable[[CustomerProfilesClient], object]:
    return lambda c: c.update_domain(DomainName="acme", DefaultExpirationDays=days)


_KEYS: Final = st.sampled_from(["team", "cost", "env", "owner"])
_EDITS: Final = st.one_of(
    st.builds(_tag, _KEYS, _VALUES),
    st.builds(_untag, _KEYS),
    st.builds(_queue, st.sampled_from(["", QUEUE])),
    st.builds(_days, st.sampled_from([7, 365])),
)
_STEPS: Final = st.lists(
    st.one_of(
        st.tuples(st.just("program"), _PROGRAMS),
        st.tuples(st.just("edit"), _EDITS),
        st.tuples(st.just("refresh"), st.none()),
    ),
    max_size=5,
)


def _program(props: dict[str, Any]) -> dict[str, Any]:
    return {
        "domain_name": "acme",
        "region": REGION,
        **{k: v for k, v in props.items() if v is not None},
    }


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(first=_PROGRAMS, steps=_STEPS)
def test_any_program_changes_and_outside_edits_end_as_the_program_says(
    first: dict[str, Any], steps: list[tuple[str, Any]]
) -> None:
    """After each update, a read gives exactly the program's properties, the domain on the
    fake holds them, and the link tag names the domain's role."""
    with tempfile.TemporaryDirectory() as folder:
        state = fresh_state(Path(folder))
        provider = DomainProvider(fake_state=state)
        program = provider.check({}, _program(first)).inputs
        outs = _outs(provider.create(program).outs)
        role = outs["linked_role_name"]
        for kind, step in steps:
            if kind == "edit":
                outside(state, step)
                continue
            if kind == "refresh":
                outs = _outs(provider.read("acme", outs).outs)
                continue
            check = provider.check(program, _program(step))
            assert check.failures == []
            program = check.inputs
            outs = _outs(provider.update("acme", outs, program).outs)
            read = _outs(provider.read("acme", outs).outs)
            assert diff(read, program).changes == ()
            assert {k: read[k] for k in INPUT_NAMES if k in read} == program
            domain = live(state)
            assert domain["days"] == program["default_expiration_days"]
            assert domain["queue"] == (program.get("dead_letter_queue_url") or None)
            assert domain["key"] == (program.get("default_encryption_key") or None)
            tags = program.get("tags", {})
            assert {k: domain["tags"].get(k) for k in tags} == tags
            assert domain["tags"][LINKED_ROLE_TAG] == role


def _outs(outs: dict[str, Any] | None) -> dict[str, Any]:
    assert outs is not None
    return outs
