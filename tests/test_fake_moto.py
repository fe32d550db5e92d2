"""The same IAM scenario on the fake and on moto: equal where moto is right, and where not.

moto (5.x) gets GetRole, ListRoles and NoSuchEntity right, so those must match.
Where it differs from AWS, the difference is asserted, so that a moto release
that fixes it shows up here:

- it names the Customer Profiles SLR ``AWSServiceRoleForprofile`` (lower-case p);
- it attaches no policy to the role;
- it deletes at once and reports every deletion task SUCCEEDED, even made-up ones;
- it allows DeleteRole on a service-linked role.
"""

# pyright: reportUnknownMemberType=false, reportTypedDictNotRequiredAccess=false
# (boto3-stubs type `Session.client` per service, most not installed; and a test may
# index what it asserts is present.)

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import boto3
import botocore
import botocore.handlers
import botocore.session
import pytest
from botocore.handlers import BUILTIN_HANDLERS
from botocore.hooks import EventAliaser
from moto import mock_aws

from slrkit._fake._loader import shared_loader

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from botocore.model import OperationModel
    from mypy_boto3_iam.client import IAMClient

    from slrkit.testing import FakeAWS

PATH = "/aws-service-role/profile.amazonaws.com/"
TRUST = '{"Version":"2012-10-17","Statement":[]}'


@pytest.fixture
def moto_iam(monkeypatch: pytest.MonkeyPatch) -> Iterator[IAMClient]:
    """An IAM client on moto, with dummy credentials and no way out to AWS."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        yield boto3.client("iam", region_name="us-east-1")


@pytest.fixture
def fake_iam(fake: FakeAWS) -> IAMClient:
    """An IAM client on the fake."""
    return fake.session().client("iam")


def _settled(fake: FakeAWS) -> Callable[[], None]:
    """Wait until the fake's IAM reads show its writes (moto's show them at once)."""
    return lambda: fake.advance(fake.behaviour.read_lag)


def _scenario(iam: IAMClient, settle: Callable[[], None] = lambda: None) -> dict[str, object]:
    """Create an ordinary role on the SLR path, then read it every way slrkit does."""
    iam.create_service_linked_role(AWSServiceName="profile.amazonaws.com", CustomSuffix="probe")
    settle()
    name = iam.list_roles(PathPrefix=PATH)["Roles"][0]["RoleName"]
    role = iam.get_role(RoleName=name)["Role"]
    listed = iam.list_roles(PathPrefix=PATH)
    with pytest.raises(iam.exceptions.NoSuchEntityException) as caught:
        iam.get_role(RoleName="AWSServiceRoleForProfile_missing")
    exc = caught.value
    missing = (exc.response["Error"]["Code"], exc.response["ResponseMetadata"]["HTTPStatusCode"])
    return {
        "name": name,
        "path": role["Path"],
        "arn_prefix": role["Arn"].rsplit("/", 1)[0],
        "max_session": role["MaxSessionDuration"],
        "listed": [r["RoleName"] for r in listed["Roles"]],
        "truncated": listed["IsTruncated"],
        "missing": missing,
        "policies": iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"],
        "task": iam.delete_service_linked_role(RoleName=name)["DeletionTaskId"],
    }


def test_fake_and_moto_agree_where_moto_is_right(
    moto_iam: IAMClient, fake_iam: IAMClient, fake: FakeAWS
) -> None:
    """Path, ARN shape, listing, pagination flag and NoSuchEntity 404 are the same on both."""
    on_moto, on_fake = _scenario(moto_iam), _scenario(fake_iam, _settled(fake))
    for key in ("path", "max_session", "truncated", "missing"):
        assert on_moto[key] == on_fake[key], key
    assert on_fake["missing"] == ("NoSuchEntity", 404)
    assert on_moto["listed"] == [on_moto["name"]]
    assert on_fake["listed"] == [on_fake["name"]]
    assert str(on_moto["arn_prefix"]).endswith(PATH.rstrip("/"))
    assert str(on_fake["arn_prefix"]).endswith(PATH.rstrip("/"))


def test_documented_differences_from_moto(
    moto_iam: IAMClient, fake_iam: IAMClient, fake: FakeAWS
) -> None:
    """Role name, policies and deletion tasks differ: the fake follows AWS, moto does not."""
    on_moto, on_fake = _scenario(moto_iam), _scenario(fake_iam, _settled(fake))
    assert on_moto["name"] == "AWSServiceRoleForprofile_probe"
    assert on_fake["name"] == "AWSServiceRoleForProfile_probe"
    assert on_moto["policies"] == []
    assert [p["PolicyName"] for p in on_fake["policies"]] == [  # type: ignore[attr-defined]
        "CustomerProfilesServiceLinkedRolePolicy"
    ]
    assert str(on_fake["task"]).startswith("task/aws-service-role/profile.amazonaws.com/")
    assert not str(on_moto["task"]).startswith("task/")
    made_up = "task/aws-service-role/profile.amazonaws.com/x/0"
    assert moto_iam.get_service_linked_role_deletion_status(DeletionTaskId=made_up)["Status"] == (
        "SUCCEEDED"
    )
    with pytest.raises(fake_iam.exceptions.NoSuchEntityException):
        fake_iam.get_service_linked_role_deletion_status(DeletionTaskId=made_up)


def test_moto_allows_delete_role_on_an_slr(
    moto_iam: IAMClient, fake_iam: IAMClient, fake: FakeAWS
) -> None:
    """moto deletes a service-linked role with DeleteRole; AWS and the fake refuse."""
    for iam in (moto_iam, fake_iam):
        iam.create_service_linked_role(AWSServiceName="profile.amazonaws.com", CustomSuffix="x")
    _settled(fake)()
    moto_iam.delete_role(RoleName="AWSServiceRoleForprofile_x")
    with pytest.raises(fake_iam.exceptions.UnmodifiableEntityException):
        fake_iam.delete_role(RoleName="AWSServiceRoleForProfile_x")


def test_fake_sessions_do_not_touch_motos_or_the_default_session(fake: FakeAWS) -> None:
    """Fake sessions leave boto3.DEFAULT_SESSION alone and are unaffected by mock_aws."""
    before = boto3.DEFAULT_SESSION
    sts = fake.session().client("sts")
    with mock_aws():
        assert sts.get_caller_identity()["Arn"].endswith(":user/slrkit-fake")
    assert boto3.DEFAULT_SESSION is before


def test_fake_sessions_share_one_search_path_that_boto3s_resources_are_on(
    fake: FakeAWS,
) -> None:
    """boto3 adds its data folder to each session's loader, which every fake session shares:
    the folder is on its search path once, however many sessions are made, and boto3's
    resources still load from it."""
    boto3_data = str(Path(boto3.__file__).parent / "data")
    fake.session()
    before = list(shared_loader().search_paths)
    for _ in range(20):
        fake.session()
    assert shared_loader().search_paths == before
    assert before.count(boto3_data) == 1
    session = fake.session()
    assert "iam" in session.get_available_resources()
    fake.add_role("ops-admin")
    assert [role.name for role in session.resource("iam").roles.all()] == ["ops-admin"]


def test_moto_never_sees_the_fakes_requests(moto_iam: IAMClient, fake: FakeAWS) -> None:
    """With mock_aws active, a fake client's writes leave moto's state alone."""
    moto_iam.create_role(RoleName="shared-name", AssumeRolePolicyDocument=TRUST)
    fake_iam = fake.client("iam", "us-east-1")
    fake_iam.create_service_linked_role(
        AWSServiceName="profile.amazonaws.com", CustomSuffix="probe"
    )
    fake.add_role("shared-name")
    fake_iam.delete_role(RoleName="shared-name")
    assert moto_iam.get_role(RoleName="shared-name")["Role"]["RoleName"] == "shared-name"
    assert moto_iam.list_roles(PathPrefix=PATH)["Roles"] == []


def test_a_handler_botocore_adds_later_reaches_the_sessions_made_after(fake: FakeAWS) -> None:
    """Sessions share one registration of botocore's built-in handlers, kept as current as the list.

    A before-send handler added to the list (as moto adds its own) is still dropped.
    """
    fake.session().client("sts")  # the built-in handlers are registered by now
    seen: list[str] = []

    def before_call(model: OperationModel, **kwargs: object) -> None:
        del kwargs
        seen.append(model.name)

    def answer(**kwargs: object) -> None:
        del kwargs
        seen.append("a before-send handler answered")

    added = [("before-call.sts.GetCallerIdentity", before_call), ("before-send", answer)]
    BUILTIN_HANDLERS.extend(added)
    try:
        sts = fake.session().client("sts")
        assert sts.get_caller_identity()["Account"] == fake.account_id
    finally:
        for spec in added:
            BUILTIN_HANDLERS.remove(spec)
    assert seen == ["GetCallerIdentity"]
    fake.session().client("sts").get_caller_identity()
    assert seen == ["GetCallerIdentity"], "a handler taken off the list was still called"


def test_botocores_initializers_run_once_for_each_fake_session(fake: FakeAWS) -> None:
    """`botocore.register_initializer` callbacks see every fake session once, and only that
    session; once unregistered, they see none."""
    fake.session().client("sts")  # the built-in handlers are registered by now
    seen: list[botocore.session.Session] = []

    def initialize(session: botocore.session.Session) -> None:
        seen.append(session)

    # A new built-in handler makes the fake register them again, with the initializer on.
    spec = ("before-call.sts", _ignore)
    botocore.register_initializer(initialize)
    BUILTIN_HANDLERS.append(spec)
    try:
        session = fake.session()
    finally:
        BUILTIN_HANDLERS.remove(spec)
        botocore.unregister_initializer(initialize)
    [initialized] = seen
    calls: list[str] = []
    initialized.register("before-call.sts.GetCallerIdentity", lambda **_: calls.append("called"))
    session.client("sts").get_caller_identity()
    fake.session().client("sts").get_caller_identity()
    assert calls == ["called"], "the session the initializer saw is not the one it made"
    fake.session()
    assert seen == [initialized]


def test_an_initializer_that_puts_its_own_emitter_in_place_keeps_it(fake: FakeAWS) -> None:
    """An initializer may give each session an emitter of its own: a fake session keeps it,
    and its clients copy it, as botocore's would."""
    emitted: list[str] = []

    class Counting(EventAliaser):
        def emit(self, event_name: str, **kwargs: Any) -> Any:
            emitted.append(event_name)
            return super().emit(event_name, **kwargs)

    def initialize(session: botocore.session.Session) -> None:
        session.register_component(
            "event_emitter", Counting(session.get_component("event_emitter"))
        )

    botocore.register_initializer(initialize)
    try:
        session = fake.session()
    finally:
        botocore.unregister_initializer(initialize)
    assert isinstance(session.events, Counting)
    session.client("sts").get_caller_identity()
    assert "provide-client-params.sts.GetCallerIdentity" in emitted


def test_botocores_handler_list_is_read_as_botocore_reads_it(fake: FakeAWS) -> None:
    """Specs botocore takes (a list as well as a tuple), and a list put in place of the old
    one, reach the fake sessions made after."""
    fake.session().client("sts")
    seen: list[str] = []

    def before_call(model: OperationModel, **kwargs: object) -> None:
        del kwargs
        seen.append(model.name)

    spec = ["before-call.sts.GetCallerIdentity", before_call]
    BUILTIN_HANDLERS.append(spec)  # type: ignore[arg-type]  # botocore unpacks any sequence
    try:
        fake.session().client("sts").get_caller_identity()
    finally:
        BUILTIN_HANDLERS.remove(spec)  # type: ignore[arg-type]
    assert seen == ["GetCallerIdentity"]
    original = botocore.handlers.BUILTIN_HANDLERS
    botocore.handlers.BUILTIN_HANDLERS = [*original, ("before-call.sts", before_call)]
    try:
        fake.session().client("sts").get_caller_identity()
    finally:
        botocore.handlers.BUILTIN_HANDLERS = original
    assert seen == ["GetCallerIdentity", "GetCallerIdentity"]


def _ignore(**kwargs: object) -> None:
    del kwargs
