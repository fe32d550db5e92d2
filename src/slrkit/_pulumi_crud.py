"""Engine-independent create, read, update and delete of a domain managed as an IaC resource.

`slrkit.pulumi` adapts these functions to Pulumi's dynamic-provider interface;
a native (``pulumi.provider.experimental``) provider could call them unchanged.
Nothing here imports Pulumi. The properties are parsed and checked by
`slrkit._pulumi_props`.

Every operation takes a `Target`: plain, picklable configuration that builds a
fresh boto3 session and `ProfilesKit` inside each call, because IaC engines
pickle providers and run them on worker threads.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Generator, Mapping
from typing import TYPE_CHECKING, Any, cast

import attrs
import boto3

from slrkit._kit import ProfilesKit
from slrkit._pulumi_props import CLEARABLE, INPUT_NAMES, KEPT, DomainInputs, to_prop
from slrkit._regions import validate_region
from slrkit._spec import SETTINGS, TAGS
from slrkit._validate import validate_domain_name
from slrkit.exceptions import DomainNotEmptyError, LinkedRoleError, RefusedError

if TYPE_CHECKING:
    from slrkit._models import DeletionReport, Domain, EnsureResult, LinkedRole

__all__ = ["Applied", "Target", "create", "delete", "read", "update"]

_log = logging.getLogger("slrkit.pulumi")

# -- where the calls go -----------------------------------------------------------------------


def _path_or_none(value: object) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, os.PathLike):
        return os.fspath(cast("os.PathLike[str]", value))
    raise TypeError(f"fake_state must be a path, got {type(value).__name__}")


def _plain_string(inst: object, attribute: attrs.Attribute[Any], value: object) -> None:
    del inst
    if value is not None and not isinstance(value, str):
        raise TypeError(
            f"{attribute.name} must be a string or None, not {type(value).__name__}: a provider "
            "is pickled with the program's state, so it holds only plain configuration and "
            "builds its boto3 session and clients inside each operation"
        )


@attrs.frozen(kw_only=True)
class Target:
    """Where a provider's calls go: plain data only, so that it pickles in a few bytes.

    With neither field set, calls go to AWS with boto3's default credential chain.

    Attributes:
        profile_name: The AWS profile to use (default: boto3's default chain).
        fake_state: The state file of a `slrkit.testing.FakeAWS`. Calls then go to
            that fake, never to AWS: each operation holds the file (`FakeAWS.open`:
            locked across processes, loaded or started anew, saved whole), and
            works on the fake's virtual clock. Operations on one file take turns.

    Raises:
        TypeError: A field is not a string (a boto3 session or client, say).
        ValueError: Both fields are set.
    """

    profile_name: str | None = attrs.field(default=None, validator=_plain_string)
    fake_state: str | None = attrs.field(
        default=None, converter=_path_or_none, validator=_plain_string
    )

    def __attrs_post_init__(self) -> None:
        if self.profile_name is not None and self.fake_state is not None:
            raise ValueError("profile_name and fake_state exclude each other")

    def default_region(self) -> str | None:
        """The region of the AWS configuration (or the fake's default region).

        Raises:
            botocore.exceptions.BotoCoreError: The configuration cannot be read
                (an unknown profile, say).
        """
        if self.fake_state is None:
            return boto3.session.Session(profile_name=self.profile_name).region_name
        from slrkit.testing import FakeAWS  # noqa: PLC0415 - only a target on a fake needs it

        with FakeAWS.open(self.fake_state) as fake:
            return fake.default_region

    @contextlib.contextmanager
    def connect(self, region: str) -> Generator[ProfilesKit, None, None]:
        """A `ProfilesKit` for *region* on a fresh session, for one operation.

        A fresh session each time, because boto3's default session is not safe to
        share between an engine's worker threads.
        """
        if self.fake_state is None:
            session = boto3.session.Session(profile_name=self.profile_name, region_name=region)
            yield ProfilesKit(region, session=session)
            return
        from slrkit.testing import FakeAWS  # noqa: PLC0415 - only a target on a fake needs it

        with FakeAWS.open(self.fake_state) as fake:
            yield fake.kit(region)


# -- create, read, update, delete --------------------------------------------------------------


@attrs.frozen(kw_only=True)
class Applied:
    """A domain as the resource reports it: its id, its inputs, and all its properties.

    ``outs`` holds the inputs and the outputs; ``inputs`` alone is what a refresh
    gives the engine for the next diff.
    """

    id: str
    inputs: Mapping[str, object]
    outs: Mapping[str, object]


def _role(kit: ProfilesKit, name: str, known: LinkedRole | None) -> LinkedRole | None:
    if known is not None:
        return known
    try:
        return kit.describe_linked_role(name)
    except LinkedRoleError as exc:
        _log.warning("domain %s: no linked role in the outputs: %s", name, exc)
        return None


def _outputs(inputs: Mapping[str, object], domain: Domain, role: LinkedRole | None) -> Applied:
    outs = dict(inputs)
    outs.update(
        arn=domain.arn,
        created_at=domain.created_at.isoformat(),
        linked_role_name=role.name if role else None,
        linked_role_arn=role.arn if role else None,
        linked_role_evidence=role.evidence.value if role and role.evidence else None,
    )
    return Applied(id=domain.name, inputs=dict(inputs), outs=outs)


def _written(result: EnsureResult) -> Domain:
    if result.domain is None:
        raise RuntimeError(f"ensure_domain wrote nothing ({result.action}); no domain to report")
    return result.domain


def create(target: Target, props: Mapping[str, object]) -> Applied:
    """Create the domain with `ProfilesKit.ensure_domain`; its id is the domain name.

    Raises:
        InvalidInputError: A bad input, before any API call.
        RefusedError: The domain exists and ``adopt_existing`` is not set; nothing
            was written.
        slrkit.SlrkitError: As `ProfilesKit.ensure_domain`.
    """
    inputs = DomainInputs.parse(props)
    with target.connect(inputs.region) as kit:
        existing = inputs.ensure(kit, dry_run=True).domain
        if existing is not None and not inputs.adopt_existing:
            raise RefusedError(
                f"domain {inputs.domain_name!r} already exists in {inputs.region}; set "
                "adopt_existing=True to manage it from here (import does not work for "
                "dynamic resources, see pulumi/pulumi#16175)"
            )
        if existing is not None:
            _refuse_unowned(inputs, existing)
        result = inputs.ensure(kit)
        role = _role(kit, inputs.domain_name, result.linked_role)
        return _outputs(inputs.to_props(), _written(result), role)


def _refuse_unowned(inputs: DomainInputs, existing: Domain) -> None:
    """Refuse to adopt a domain whose key or queue the program does not say what to do with.

    The resource owns both, so adopting would clear them; one left out by mistake
    (a customer managed KMS key, say) must not be cleared on a guess.
    """
    for name in CLEARABLE:
        live = getattr(existing, name)
        if live is not None and getattr(inputs, name) is None:
            raise RefusedError(
                f"domain {inputs.domain_name!r} in {inputs.region} has {name}={live!r}, which "
                f"the program does not set; the resource owns it and would clear it. Set "
                f"{name} to that value to keep it, or to '' to clear it, then adopt"
            )


def update(target: Target, news: Mapping[str, object], *, olds: Mapping[str, object]) -> Applied:
    """Bring the domain to *news* with `ProfilesKit.ensure_domain`.

    What *news* leaves out of the stored properties *olds* is removed: the tag
    keys it drops, and the key and queue it does not set (`DomainInputs.ensure`).

    Raises:
        InvalidInputError: A bad input, before any API call.
        slrkit.SlrkitError: As `ProfilesKit.ensure_domain`.
    """
    inputs = DomainInputs.parse(news)
    with target.connect(inputs.region) as kit:
        result = inputs.ensure(kit, olds=olds)
        return _outputs(inputs.to_props(), _written(result), _role(kit, inputs.domain_name, None))


def read(target: Target, resource_id: str, props: Mapping[str, object]) -> Applied | None:
    """The domain as it is now, or None when it is gone; no writes.

    Every property the resource manages is its live value, so that drift shows in
    the next diff: the expiration, the key and the queue whatever the stored
    properties say (one set outside the program shows up, and the next update
    clears it), the settings of `KEPT` the stored properties hold, and the tags
    on the keys they hold. Tags on other keys stay out.

    Args:
        target: Where the calls go.
        resource_id: The domain name.
        props: The stored properties (at least ``region``).

    Raises:
        InvalidInputError: The stored region is not valid.
        slrkit.SlrkitError: As `ProfilesKit.plan_domain_deletion`.
    """
    name = validate_domain_name(props.get("domain_name") or resource_id)
    region = validate_region(props.get("region"))
    with target.connect(region) as kit:
        plan = kit.plan_domain_deletion(name)
    domain = plan.domain
    if domain is None:
        return None
    outs = {k: v for k, v in props.items() if k in INPUT_NAMES}
    outs.update(domain_name=domain.name, region=region)
    for field in SETTINGS:
        name = field.name
        if name == TAGS or (name in KEPT and outs.get(name) is None):
            continue
        live = getattr(domain, name)
        if live is None and outs.get(name) == "":
            continue  # "" asked for a cleared key or queue, and it is
        if live is None:
            outs.pop(name, None)
        else:
            outs[name] = to_prop(live)
    managed = outs.get("tags")
    if isinstance(managed, Mapping):
        keys = cast("Mapping[str, object]", managed)
        outs["tags"] = {k: domain.tags[k] for k in keys if k in domain.tags}
    return _outputs(outs, domain, plan.role)


def delete(target: Target, props: Mapping[str, object]) -> DeletionReport:
    """Delete the domain and its role with `ProfilesKit.safe_delete_domain`.

    The confirmation is the domain name. A domain that is already gone is not an
    error; the role named in the stored outputs is then still removed, so a rerun
    after a failure finishes the work.

    Raises:
        RefusedError: The domain holds data and the stored ``allow_data_loss`` is
            False, or its role cannot be told or is not a Customer Profiles role.
            Nothing was written.
        slrkit.SlrkitError: As `ProfilesKit.safe_delete_domain`.
    """
    inputs = DomainInputs.parse(props)
    role_name = props.get("linked_role_name")
    with target.connect(inputs.region) as kit:
        try:
            return kit.safe_delete_domain(
                inputs.domain_name,
                confirm=inputs.domain_name,
                allow_data_loss=inputs.allow_data_loss,
                missing_ok=True,
                role_name=role_name if isinstance(role_name, str) else None,
            )
        except DomainNotEmptyError as exc:
            raise RefusedError(
                f"refusing to delete domain {inputs.domain_name!r} in {inputs.region}: it holds "
                f"{exc.profile_count} profiles and {exc.object_count} objects. To delete it with "
                "its data, set allow_data_loss=True on the resource, apply that change, then "
                "delete again"
            ) from exc
