"""`slrkit.pulumi`: the CustomerProfilesDomain dynamic resource and its provider, offline.

The provider's methods run against `slrkit.testing.FakeAWS` through a fake state
file, the way Pulumi's provider process would run them; the program side runs
under `pulumi.runtime.set_mocks`; and one test drives Pulumi's real provider
host (``python -m pulumi.dynamic``) over gRPC on loopback. The Pulumi engine
itself is not needed.
"""

from __future__ import annotations

import asyncio
import base64
import pickle
import runpy
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import boto3
import dill
import pulumi
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pulumi.output import Unknown
from pulumi.runtime import rpc

from pulumi_host import ProviderHost, serialize_provider
from slrkit import (
    AutoMerging,
    ConflictResolution,
    Consolidation,
    ExportingConfig,
    JobSchedule,
    Matching,
    MatchingRule,
    RefusedError,
    RuleBasedMatching,
)
from slrkit._evidence import SETTLE_AFTER
from slrkit._settings import settings_from_props, settings_to_props
from slrkit.pulumi import CustomerProfilesDomain, DomainProvider
from slrkit.testing import FakeAWS

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from mypy_boto3_customer_profiles.client import CustomerProfilesClient

program_test = cast(
    "Callable[[Callable[[], pulumi.Output[Any]]], Callable[[], None]]",
    pulumi.runtime.test,  # pyright: ignore[reportUnknownMemberType]
)
UNKNOWN: object = Unknown()  # type: ignore[no-untyped-call]

REGION = "eu-west-2"
EXAMPLE = Path(__file__).parent.parent / "examples" / "pulumi_program" / "__main__.py"
INPUTS: dict[str, Any] = {
    "domain_name": "acme",
    "default_expiration_days": 365,
    "region": REGION,
    "tags": {"team": "cx"},
}
MATCHING: dict[str, Any] = {
    "enabled": True,
    "job_schedule": {"day_of_the_week": "SUNDAY", "time": "3:00"},
    "auto_merging": {
        "enabled": True,
        "consolidation": {"matching_attributes_lists": [["EmailAddress"], ["PhoneNumber"]]},
        "conflict_resolution": {"conflict_resolving_model": "RECENCY"},
        "min_allowed_confidence_score_for_merging": 0.8,
    },
    "exporting_config": {"s3_exporting": {"s3_bucket_name": "acme-matches"}},
}


@pytest.fixture
def state(tmp_path: Path) -> str:
    """The state file of a fresh fake with default timings."""
    path = str(tmp_path / "fake.json")
    FakeAWS().save(path)
    return path


@pytest.fixture
def provider(state: str) -> DomainProvider:
    """A provider whose calls go to the fake in *state*."""
    return DomainProvider(fake_state=state)


def profiles(fake: FakeAWS) -> CustomerProfilesClient:
    """A Customer Profiles client on *fake*, for changes made outside Pulumi."""
    return fake.session(REGION).client("customer-profiles")  # pyright: ignore[reportUnknownMemberType]


def checked(provider: DomainProvider, **overrides: Any) -> dict[str, Any]:
    """The inputs as `check` stores them, asserting that none fails."""
    result = provider.check({}, {**INPUTS, **overrides})
    assert [(f.property, f.reason) for f in result.failures] == []
    return result.inputs


def created(provider: DomainProvider, **overrides: Any) -> dict[str, Any]:
    """The stored outputs of a domain created through `check` and `create`."""
    result = provider.create(checked(provider, **overrides))
    assert result.outs is not None
    return result.outs


# -- packaging ---------------------------------------------------------------------------------


def _run_python(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - the test's own interpreter and code
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )


def test_import_slrkit_does_not_import_pulumi() -> None:
    """`import slrkit` (and its test helpers) loads no Pulumi module: the extra stays optional."""
    done = _run_python(
        "import sys, slrkit, slrkit.testing\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('pulumi', 'dill', 'grpc')))"
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_import_without_pulumi_names_the_extra() -> None:
    """Without the Pulumi SDK, `import slrkit.pulumi` fails with the install command."""
    done = _run_python("import sys; sys.modules['pulumi'] = None; import slrkit.pulumi")
    assert done.returncode != 0
    assert "pip install 'slrkit-aws[pulumi]'" in done.stderr


# -- serialization -----------------------------------------------------------------------------


def _via_pickle(provider: DomainProvider) -> object:
    return pickle.loads(pickle.dumps(provider))  # noqa: S301 - our own bytes


def _via_dill(provider: DomainProvider) -> object:
    return dill.loads(dill.dumps(provider, recurse=True))  # noqa: S301 - our own provider


def _via_pulumi(provider: DomainProvider) -> object:
    return dill.loads(base64.b64decode(serialize_provider(provider)))  # noqa: S301 - ours


@pytest.mark.parametrize("round_trip", [_via_pickle, _via_dill, _via_pulumi])
def test_provider_round_trips_by_reference(
    provider: DomainProvider, round_trip: Callable[[DomainProvider], object]
) -> None:
    """A provider survives pickle, dill and Pulumi's own serializer and still works after."""
    restored = round_trip(provider)
    assert isinstance(restored, DomainProvider)
    assert repr(restored) == repr(provider)
    assert created(restored)["domain_name"] == "acme"


def test_serialized_provider_is_plain_and_small(provider: DomainProvider) -> None:
    """Pulumi's serialization names `slrkit.pulumi` rather than holding code: a few bytes."""
    blob = base64.b64decode(serialize_provider(provider))
    assert len(blob) < 400
    assert b"slrkit.pulumi" in blob
    assert b"__main__" not in blob


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"profile_name": boto3.Session(region_name=REGION)}, TypeError, "plain configuration"),
        ({"fake_state": 42}, TypeError, "must be a path"),
        ({"profile_name": "prod", "fake_state": "x.json"}, ValueError, "exclude each other"),
    ],
    ids=["session", "not-a-path", "both"],
)
def test_provider_refuses_anything_but_plain_configuration(
    kwargs: dict[str, Any], error: type[Exception], match: str
) -> None:
    """The provider accepts strings only, so no session or client can be pickled with it."""
    with pytest.raises(error, match=match):
        DomainProvider(**kwargs)


def test_provider_refuses_a_client_and_stays_immutable(provider: DomainProvider) -> None:
    """A boto3 client is refused at construction, and none can be attached afterwards."""
    client: Any = profiles(FakeAWS())
    with pytest.raises(TypeError, match="builds its boto3 session and clients inside each"):
        DomainProvider(profile_name=client)
    with pytest.raises(AttributeError, match="immutable"):
        setattr(provider, "client", client)  # noqa: B010 - trying to is the point
    assert set(vars(provider)) == {"_target"}


# -- check -------------------------------------------------------------------------------------


def test_check_normalises_inputs_and_fills_defaults(provider: DomainProvider) -> None:
    """Numbers delivered as floats become ints, flags default to False, the region to the fake's."""
    news = {"domain_name": "acme", "default_expiration_days": 365.0, "matching": MATCHING}
    news["matching"] = {**MATCHING, "auto_merging": {**MATCHING["auto_merging"]}}
    result = provider.check({}, news)
    assert result.failures == []
    assert result.inputs == {
        "domain_name": "acme",
        "region": "us-east-1",
        "default_expiration_days": 365,
        "matching": MATCHING,
        "allow_data_loss": False,
        "adopt_existing": False,
    }
    assert type(result.inputs["default_expiration_days"]) is int


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("domain_name", None, "is required"),
        ("domain_name", "no spaces", "may contain only letters"),
        ("default_expiration_days", 0, "from 1 to 1098"),
        ("default_expiration_days", 1.5, "must be an integer"),
        ("region", "eu-west-1", "closest supported region is 'eu-west-2'"),
        ("tags", {"aws:owner": "x"}, "must not start with 'aws:'"),
        ("tags", {"slrkit:linked-role": "x"}, "managed by slrkit"),
        ("default_encryption_key", "k" * 256, "0 to 255 characters"),
        ("matching", {"enabled": True, "autoMerging": {}}, "matching.autoMerging"),
        (
            "matching",
            {"enabled": True, "job_schedule": {"day_of_the_week": "FUNDAY", "time": "3:00"}},
            "matching.job_schedule.day_of_the_week",
        ),
        ("matching", {"job_schedule": None}, "matching.enabled=None is invalid: is required"),
        ("rule_based_matching", {"enabled": True, "status": "ACTIVE"}, "is not a field here"),
        (
            "rule_based_matching",
            {"enabled": True, "matching_rules": [{"rule": ["EmailAddress"]}]},
            "expected one of rules",
        ),
        ("allow_data_loss", "yes", "must be True or False"),
    ],
)
def test_check_returns_failures_instead_of_raising(
    provider: DomainProvider, field: str, value: object, reason: str
) -> None:
    """Each bad input becomes one CheckFailure naming the input and the rule, never an exception."""
    result = provider.check({}, {**INPUTS, field: value})
    assert [f.property for f in result.failures] == [field]
    assert reason in result.failures[0].reason


def test_check_with_a_region_reads_no_state(tmp_path: Path) -> None:
    """With every input given, check makes no call and does not even open the fake's state."""
    missing = tmp_path / "never-written.json"
    result = DomainProvider(fake_state=missing).check({}, INPUTS)
    assert result.failures == []
    assert not missing.exists()


def test_check_without_any_region_says_where_to_set_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No region input and none in the AWS configuration is a failure on `region`, not a crash."""
    for name in ("AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    news = {k: v for k, v in INPUTS.items() if k != "region"}
    result = DomainProvider().check({}, news)
    assert [(f.property, "set region=" in f.reason) for f in result.failures] == [("region", True)]
    unknown_profile = DomainProvider(profile_name="nobody").check({}, news)
    assert [f.property for f in unknown_profile.failures] == ["region"]
    assert "nobody" in unknown_profile.failures[0].reason


def test_check_keeps_the_stored_region_when_none_is_given(tmp_path: Path) -> None:
    """An unset region stays where the domain is, whatever the AWS configuration says now."""
    missing = tmp_path / "never-read.json"
    news = {k: v for k, v in INPUTS.items() if k != "region"}
    result = DomainProvider(fake_state=missing).check({"region": "eu-central-1"}, news)
    assert result.failures == []
    assert result.inputs["region"] == "eu-central-1"
    assert not missing.exists()


def test_check_keeps_values_not_known_yet(provider: DomainProvider) -> None:
    """During a preview, unknown values (even nested ones) pass through unchecked."""
    unknown = UNKNOWN
    matching = {"enabled": True, "exporting_config": {"s3_exporting": unknown}}
    result = provider.check({}, {**INPUTS, "domain_name": unknown, "matching": matching})
    assert result.failures == []
    assert result.inputs["domain_name"] is unknown
    assert result.inputs["matching"] is matching


# -- diff --------------------------------------------------------------------------------------


def test_diff_of_unchanged_inputs_is_no_change(provider: DomainProvider) -> None:
    """Stored outputs against the same inputs, numbers sent as floats, show no change."""
    outs = created(provider, matching=MATCHING)
    news = {**checked(provider, matching=MATCHING), "default_expiration_days": 365.0}
    result = provider.diff("acme", outs, news)
    assert (result.changes, result.replaces) == (False, [])


@pytest.mark.parametrize(
    ("field", "value", "replaces"),
    [
        ("domain_name", "acme-2", ["domain_name"]),
        ("region", "eu-central-1", ["region"]),
        ("default_expiration_days", 30, []),
        ("tags", {"team": "sales"}, []),
        ("matching", {"enabled": False}, []),
        ("default_encryption_key", "", []),
        ("allow_data_loss", True, []),
    ],
)
def test_diff_replaces_on_name_or_region_and_updates_otherwise(
    provider: DomainProvider, field: str, value: object, replaces: list[str]
) -> None:
    """A new name or region replaces the domain; any other changed input is an update."""
    outs = created(provider)
    result = provider.diff("acme", outs, {**checked(provider), field: value})
    assert (result.changes, result.replaces) == (True, replaces)


def test_diff_counts_an_unknown_name_as_a_replacement(provider: DomainProvider) -> None:
    """A domain name not known yet may change, so the preview shows a replacement."""
    outs = created(provider)
    result = provider.diff("acme", outs, {**checked(provider), "domain_name": UNKNOWN})
    assert (result.changes, result.replaces) == (True, ["domain_name"])


# -- create ------------------------------------------------------------------------------------


def test_create_makes_the_domain_and_reports_its_role(provider: DomainProvider, state: str) -> None:
    """Create returns the name as id, echoes the inputs and reports the role it saw appear."""
    result = provider.create(checked(provider, matching=MATCHING))
    fake = FakeAWS.load(state)
    [role] = fake.linked_roles()
    assert result.id == "acme"
    assert result.outs == {
        **checked(provider, matching=MATCHING),
        "arn": "arn:aws:profile:eu-west-2:123456789012:domains/acme",
        "created_at": "2025-01-01T00:00:00+00:00",
        "linked_role_name": role,
        "linked_role_arn": f"arn:aws:iam::123456789012:role/aws-service-role/"
        f"profile.amazonaws.com/{role}",
        "linked_role_evidence": "observed-at-creation",
    }
    assert fake.domains(REGION) == ("acme",)
    assert fake.roles_in_use() == {role: ("arn:aws:profile:eu-west-2:123456789012:domains/acme",)}
    assert fake.clock.monotonic() >= fake.propagation_delay  # waited, on virtual time


def _make_outside_slrkit(state: str, days: int = 30) -> None:
    """A domain made by other tools a while ago: its role can be told by the evidence."""
    fake = FakeAWS.load(state)
    profiles(fake).create_domain(DomainName="acme", DefaultExpirationDays=days)
    fake.advance(SETTLE_AFTER.total_seconds())
    fake.save(state)


def _expiration_days(state: str) -> int:
    client = profiles(FakeAWS.load(state))
    return client.get_domain(DomainName="acme")["DefaultExpirationDays"]


def test_create_refuses_an_existing_domain(provider: DomainProvider, state: str) -> None:
    """An existing domain is an error pointing at adopt_existing, and nothing is written."""
    _make_outside_slrkit(state)
    with pytest.raises(RefusedError, match=r"adopt_existing=True.*pulumi/pulumi#16175"):
        provider.create(checked(provider))
    assert _expiration_days(state) == 30


def test_create_adopts_an_existing_domain(provider: DomainProvider, state: str) -> None:
    """With adopt_existing, the domain is taken over, brought to the inputs, and its role found."""
    _make_outside_slrkit(state)
    result = provider.create(checked(provider, adopt_existing=True))
    assert result.outs is not None
    assert result.id == "acme"
    assert _expiration_days(state) == 365
    assert result.outs["linked_role_name"] == FakeAWS.load(state).linked_roles()[0]
    assert result.outs["linked_role_evidence"] in ("creation-time", "creation-time-and-last-use")


# -- read --------------------------------------------------------------------------------------


def test_read_shows_drift_of_managed_settings_only(provider: DomainProvider, state: str) -> None:
    """Refresh reads back the settings the resource owns and the managed tag keys, so the next
    diff sees the drift; a tag on a key the program never named stays out."""
    outs = created(provider)
    fake = FakeAWS.load(state)
    client = profiles(fake)
    client.update_domain(DomainName="acme", DefaultExpirationDays=90, DeadLetterQueueUrl="q")
    client.tag_resource(resourceArn=outs["arn"], tags={"team": "ops", "owner": "someone"})
    fake.save(state)
    result = provider.read("acme", outs)
    assert result.id == "acme"
    assert result.outs is not None
    assert result.outs["default_expiration_days"] == 90
    assert result.outs["tags"] == {"team": "ops"}
    assert result.outs["dead_letter_queue_url"] == "q"
    assert "matching" not in result.outs
    assert result.outs["linked_role_evidence"] == "tag"
    assert provider.diff("acme", result.outs, checked(provider)).changes is True


def test_read_of_a_deleted_domain_drops_it(provider: DomainProvider, state: str) -> None:
    """A domain deleted outside Pulumi reads back with an empty id: refresh drops it."""
    outs = created(provider)
    fake = FakeAWS.load(state)
    profiles(fake).delete_domain(DomainName="acme")
    fake.save(state)
    result = provider.read("acme", outs)
    assert (result.id, result.outs) == ("", {})


# -- update ------------------------------------------------------------------------------------


def test_update_brings_the_domain_to_the_new_inputs(provider: DomainProvider, state: str) -> None:
    """Update writes what changed and returns the new inputs with the same outputs."""
    outs = created(provider)
    news = checked(provider, default_expiration_days=30, tags={"team": "sales"})
    result = provider.update("acme", outs, news)
    assert result.outs is not None
    assert _expiration_days(state) == 30
    assert {k: result.outs[k] for k in news} == news
    assert result.outs["linked_role_name"] == outs["linked_role_name"]
    assert result.outs["linked_role_evidence"] == "tag"


# -- delete ------------------------------------------------------------------------------------


def test_delete_refuses_a_domain_that_holds_data(provider: DomainProvider, state: str) -> None:
    """Deleting a domain with profiles fails with a clear message, and leaves domain and role."""
    outs = created(provider)
    fake = FakeAWS.load(state)
    fake.load_data("acme", region=REGION, profiles=3, objects=7)
    fake.save(state)
    message = (
        r"refusing to delete domain 'acme' in eu-west-2: it holds 3 profiles and 7 objects\. "
        r"To delete it with its data, set allow_data_loss=True on the resource"
    )
    with pytest.raises(RefusedError, match=message):
        provider.delete("acme", outs)
    after = FakeAWS.load(state)
    assert after.domains(REGION) == ("acme",)
    assert after.linked_roles() == (outs["linked_role_name"],)


def test_delete_with_allow_data_loss_removes_domain_and_role(
    provider: DomainProvider, state: str
) -> None:
    """Once allow_data_loss is applied, delete removes the domain, its data and its role."""
    outs = created(provider)
    fake = FakeAWS.load(state)
    fake.load_data("acme", region=REGION, profiles=3)
    fake.save(state)
    diff = provider.diff("acme", outs, checked(provider, allow_data_loss=True))
    assert (diff.changes, diff.replaces) == (True, [])
    updated = provider.update("acme", outs, checked(provider, allow_data_loss=True))
    assert updated.outs is not None
    provider.delete("acme", updated.outs)
    after = FakeAWS.load(state)
    assert after.domains(REGION) == ()
    assert after.linked_roles(include_pending=True) == ()


def test_delete_falls_back_to_deleting_the_role_on_virtual_time(tmp_path: Path) -> None:
    """If the service never removes the role, delete waits on virtual time, then deletes it."""
    state = str(tmp_path / "fake.json")
    FakeAWS(role_cleanup_delay=None).save(state)
    provider = DomainProvider(fake_state=state)
    outs = created(provider)
    started = FakeAWS.load(state).clock.monotonic()
    provider.delete("acme", outs)
    after = FakeAWS.load(state)
    assert after.linked_roles(include_pending=True) == ()
    assert after.clock.monotonic() - started >= 60  # the cleanup grace, spent virtually


def test_delete_after_the_domain_is_gone_still_removes_its_role(tmp_path: Path) -> None:
    """A rerun after the domain went (a crash, or by hand) removes the role named in the state."""
    state = str(tmp_path / "fake.json")
    FakeAWS(role_cleanup_delay=None).save(state)
    provider = DomainProvider(fake_state=state)
    outs = created(provider)
    fake = FakeAWS.load(state)
    profiles(fake).delete_domain(DomainName="acme")
    fake.save(state)
    assert FakeAWS.load(state).linked_roles() == (outs["linked_role_name"],)
    provider.delete("acme", outs)
    assert FakeAWS.load(state).linked_roles(include_pending=True) == ()


def test_delete_of_a_domain_that_never_was_succeeds(provider: DomainProvider) -> None:
    """Deleting what is already gone is not an error, as Pulumi expects."""
    provider.delete("acme", {**checked(provider), "linked_role_name": None})


# -- settings in pulumi-aws's shape ------------------------------------------------------------

_names = st.lists(
    st.sampled_from(["EmailAddress", "PhoneNumber", "Address.City"]), min_size=1, max_size=15
).map(tuple)
_matchings = st.builds(
    Matching,
    enabled=st.booleans(),
    job_schedule=st.none()
    | st.builds(JobSchedule, day_of_the_week=st.just("MONDAY"), time=st.just("23:59")),
    auto_merging=st.none()
    | st.builds(
        AutoMerging,
        enabled=st.booleans(),
        consolidation=st.none()
        | st.builds(
            Consolidation,
            matching_attributes_list=st.lists(_names, min_size=1, max_size=3).map(tuple),
        ),
        conflict_resolution=st.none()
        | st.builds(
            ConflictResolution, conflict_resolving_model=st.sampled_from(["RECENCY", "SOURCE"])
        ),
        min_allowed_confidence_score_for_merging=st.none() | st.floats(0, 1),
    ),
    exporting_config=st.none()
    | st.builds(
        ExportingConfig, s3_bucket_name=st.just("bucket"), s3_key_name=st.none() | st.just("k")
    ),
)
_rule_based = st.builds(
    RuleBasedMatching,
    enabled=st.booleans(),
    matching_rules=st.none()
    | st.lists(st.builds(MatchingRule, rule=_names), min_size=1, max_size=15).map(tuple),
    max_allowed_rule_level_for_merging=st.none() | st.integers(1, 15),
)


@given(_matchings)
def test_matching_survives_the_pulumi_aws_shape(matching: Matching) -> None:
    """Any valid Matching converts to pulumi-aws's mapping and back unchanged."""
    assert settings_from_props(Matching, settings_to_props(matching), "matching") == matching


@given(_rule_based)
def test_rule_based_matching_survives_the_pulumi_aws_shape(setting: RuleBasedMatching) -> None:
    """Any valid RuleBasedMatching converts to pulumi-aws's mapping and back unchanged."""
    props = settings_to_props(setting)
    assert settings_from_props(RuleBasedMatching, props, "rule_based_matching") == setting


# -- the program side, under Pulumi's mocks ----------------------------------------------------


def registered_inputs(args: pulumi.runtime.MockResourceArgs) -> dict[str, Any]:
    """The inputs a resource registered, as the mock monitor received them."""
    return cast("dict[str, Any]", args.inputs)  # pyright: ignore[reportUnknownMemberType]


class EngineStandIn(pulumi.runtime.Mocks):
    """Mocks that do what the engine would: restore the serialized provider, check, create."""

    def __init__(self) -> None:
        self.registered: list[pulumi.runtime.MockResourceArgs] = []

    def new_resource(
        self, args: pulumi.runtime.MockResourceArgs
    ) -> tuple[str | None, dict[Any, Any]]:
        """Run the provider that the resource serialized into its inputs."""
        self.registered.append(args)
        inputs = registered_inputs(args)
        pickled = base64.b64decode(rpc.unwrap_rpc_secret(inputs["__provider"]))
        restored = dill.loads(pickled)  # noqa: S301 - the provider this test registered
        assert isinstance(restored, DomainProvider)
        result = restored.check({}, inputs)
        assert result.failures == []
        created = restored.create(result.inputs)
        return created.id, created.outs or {}

    def call(
        self, args: pulumi.runtime.MockCallArgs
    ) -> tuple[dict[Any, Any], list[tuple[str, str]] | None]:
        """No functions are invoked by the resource."""
        del args
        return {}, None


@pytest.fixture(scope="module")
def program_loop() -> asyncio.AbstractEventLoop:
    """The event loop Pulumi's runtime runs on, current for the rest of the process.

    A Pulumi program keeps its loop, and the mock monitor one loop per worker
    thread, until the process ends; closing them early only frees pulumi's
    per-thread loops in the middle of the suite, unclosed.
    """
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)  # older pulumi asks for a current loop in set_mocks
    return loop


@pytest.fixture
def engine(program_loop: asyncio.AbstractEventLoop) -> EngineStandIn:
    """Pulumi's mock runtime, with the stand-in engine behind it."""
    assert not program_loop.is_closed()
    mocks = EngineStandIn()
    pulumi.runtime.set_mocks(mocks, preview=False)
    return mocks


def test_program_registers_the_resource_and_resolves_its_outputs(
    engine: EngineStandIn, state: str
) -> None:
    """A program's resource has the dynamic type, sends the inputs set, and gets its outputs."""

    @program_test
    def program() -> pulumi.Output[Any]:
        domain = CustomerProfilesDomain(
            "customers",
            domain_name="acme",
            default_expiration_days=365,
            region=REGION,
            matching=Matching(
                enabled=True, job_schedule=JobSchedule(day_of_the_week="SUNDAY", time="3:00")
            ),
            tags={"team": "cx"},
            provider=DomainProvider(fake_state=state),
        )
        return pulumi.Output.all(
            domain.id,
            domain.arn,
            domain.linked_role_name,
            domain.linked_role_evidence,
            domain.matching,
        ).apply(_check_outputs)

    program()
    [args] = engine.registered
    assert args.typ == "pulumi-python:dynamic/customerprofiles:Domain"
    assert sorted(registered_inputs(args)) == [
        "__provider",
        "adopt_existing",
        "allow_data_loss",
        "default_expiration_days",
        "domain_name",
        "matching",
        "region",
        "tags",
    ]


def _check_outputs(values: list[Any]) -> None:
    resource_id, arn, role, evidence, matching = values
    assert resource_id == "acme"
    assert arn == "arn:aws:profile:eu-west-2:123456789012:domains/acme"
    assert role.startswith("AWSServiceRoleForProfile_")
    assert evidence == "observed-at-creation"
    assert matching == {
        "enabled": True,
        "job_schedule": {"day_of_the_week": "SUNDAY", "time": "3:00"},
    }


@pytest.fixture
def stack_config(state: str) -> Iterator[None]:
    """Stack configuration that points the example program at the fake."""
    pulumi.runtime.set_all_config({"project:fakeState": state, "project:region": "ca-central-1"})
    yield
    pulumi.runtime.set_all_config({})


@pytest.mark.usefixtures("stack_config")
def test_example_program_runs_against_the_fake(engine: EngineStandIn, state: str) -> None:
    """The example program, given `fakeState`, creates its domain and exports its role."""

    @program_test
    def program() -> pulumi.Output[Any]:
        domain = runpy.run_path(str(EXAMPLE))["domain"]
        assert isinstance(domain, CustomerProfilesDomain)
        return domain.linked_role_name

    program()
    assert [args.typ for args in engine.registered] == [
        "pulumi-python:dynamic/customerprofiles:Domain"
    ]
    fake = FakeAWS.load(state)
    assert fake.domains("ca-central-1") == ("acme-customers",)
    assert len(fake.linked_roles()) == 1


# -- Pulumi's real provider host ---------------------------------------------------------------


def test_pulumi_provider_host_runs_the_provider_over_grpc(
    provider: DomainProvider, state: str
) -> None:
    """Pulumi's provider host unpickles the provider and runs check to delete over gRPC."""
    with ProviderHost(provider) as host:
        inputs, failures = host.check({}, INPUTS)
        assert failures == []
        resource_id, outs = host.create(inputs)
        assert (resource_id, outs["default_expiration_days"]) == ("acme", 365.0)  # a double
        assert host.changes("acme", outs, inputs) is False
        assert FakeAWS.load(state).domains(REGION) == ("acme",)
        host.delete("acme", outs)
        assert host.read("acme", outs) == ("", {})
    assert FakeAWS.load(state).linked_roles(include_pending=True) == ()
