"""Engine-independent CRUD for a Customer Profiles domain managed as an IaC resource.

`slrkit.pulumi` adapts these functions to Pulumi's dynamic-provider interface;
a native (``pulumi.provider.experimental``) provider could call them unchanged.
Nothing here imports Pulumi. Properties travel as plain mappings whose names
and nesting follow pulumi-aws's ``aws.customerprofiles.Domain`` (snake_case,
``matching_attributes_lists``, ``exporting_config.s3_exporting``...), and are
turned into slrkit's typed settings in one walk.

Every operation takes a `Target`: plain, picklable configuration that builds a
fresh boto3 session and `ProfilesKit` inside each call, because IaC engines
pickle providers and run them on worker threads.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Callable, Generator, Mapping
from typing import TYPE_CHECKING, Any, Final, cast

import attrs
import boto3
import botocore.exceptions

from slrkit._kit import ProfilesKit
from slrkit._regions import validate_region
from slrkit._settings import Setting, plain_number, settings_from_props, settings_to_props
from slrkit._spec import SETTINGS, TAGS, SettingsFields, about
from slrkit._validate import validate_domain_name
from slrkit.exceptions import DomainNotEmptyError, InvalidInputError, LinkedRoleError, RefusedError

if TYPE_CHECKING:
    from slrkit._models import DeletionReport, Domain, EnsureResult, LinkedRole

__all__ = [
    "CLEARABLE",
    "INPUT_NAMES",
    "KEPT",
    "OUTPUT_NAMES",
    "REPLACE_ON",
    "Applied",
    "CheckOutcome",
    "DiffOutcome",
    "DomainInputs",
    "Failure",
    "IsUnknown",
    "Target",
    "check",
    "create",
    "delete",
    "diff",
    "read",
    "update",
]

_log = logging.getLogger("slrkit.pulumi")

INPUT_NAMES: Final = (
    "domain_name",
    "region",
    *(field.name for field in SETTINGS),
    "allow_data_loss",
    "adopt_existing",
)
"""The resource's inputs: the domain's settings by pulumi-aws's names (which are
slrkit's), where the domain lives, and slrkit's two safety switches."""

OUTPUT_NAMES: Final = (
    "arn",
    "created_at",
    "linked_role_name",
    "linked_role_arn",
    "linked_role_evidence",
)
"""What the resource computes, on top of echoing its inputs."""

REPLACE_ON: Final = ("domain_name", "region")
"""Inputs whose change means a new domain: neither can be changed in place."""

CLEARABLE: Final = tuple(field.name for field in SETTINGS if about(field).clearable)
"""Settings the resource owns whether or not the program sets them: UpdateDomain
clears them with ``""``, so one the program leaves out is cleared."""

KEPT: Final = tuple(
    field.name
    for field in SETTINGS
    if field.name != TAGS and not about(field).clearable and field.default is not attrs.NOTHING
)
"""Settings UpdateDomain cannot remove (only turn off): managed while the program
sets them, and `check` refuses a program that drops one."""

IsUnknown = Callable[[object], bool]
"""Whether a property value is not known yet (an engine's placeholder during a preview)."""

# -- one input at a time ----------------------------------------------------------------------


def _required(name: str, value: object) -> object:
    if value is None:
        raise InvalidInputError(name, value, "is required")
    return value


def _flag(name: str) -> Callable[[object], bool]:
    def parse(value: object) -> bool:
        if value is None:
            return False
        if not isinstance(value, bool):
            raise InvalidInputError(name, value, "must be True or False")
        return value

    return parse


def _optional(parse: Callable[[object], object]) -> Callable[[object], object]:
    return lambda value: None if value is None else parse(value)


def _setting_parser(field: attrs.Attribute[Any]) -> Callable[[object], object]:
    """How one setting's property becomes slrkit's typed value (None if unset)."""
    kind = about(field).kind
    if kind is not None:
        return _optional(lambda v: settings_from_props(kind, v, field.name))
    check = about(field).check
    if field.default is attrs.NOTHING:
        return lambda v: check(plain_number(_required(field.name, v)))
    return _optional(lambda v: check(plain_number(v)))


_PARSERS: Final[Mapping[str, Callable[[object], object]]] = {
    "domain_name": lambda v: validate_domain_name(_required("domain_name", v)),
    "region": lambda v: validate_region(_required("region", v)),
    **{field.name: _setting_parser(field) for field in SETTINGS},
    "allow_data_loss": _flag("allow_data_loss"),
    "adopt_existing": _flag("adopt_existing"),
}
"""Each input's parser: the typed value (None if unset), or `InvalidInputError`."""


def _to_prop(value: object) -> object:
    """A parsed input as a property value: settings as mappings, tags as a dict."""
    if isinstance(value, Setting):
        return settings_to_props(value)
    if isinstance(value, Mapping):
        return dict(cast("Mapping[str, str]", value))
    return value


@attrs.frozen(kw_only=True)
class DomainInputs(SettingsFields):
    """A resource's inputs, validated and typed.

    The resource owns what its program says, as pulumi-aws's resources do: on an
    update, a key or queue the program leaves out is cleared (`CLEARABLE`), and a
    tag removed from the program is removed from the domain. A setting the API
    cannot clear (`KEPT`) is managed while the program sets it; `check` refuses
    to drop it. Tags the program never named are left alone.
    """

    domain_name: str
    region: str
    allow_data_loss: bool = False
    adopt_existing: bool = False

    @classmethod
    def parse(cls, props: Mapping[str, object]) -> DomainInputs:
        """The inputs in *props* (other keys are ignored).

        Raises:
            InvalidInputError: The first input that breaks a rule.
        """
        values: dict[str, Any] = {name: _PARSERS[name](props.get(name)) for name in INPUT_NAMES}
        return cls(**values)

    def to_props(self) -> dict[str, object]:
        """The inputs as property values; unset ones are left out."""
        return {
            name: _to_prop(value)
            for name in INPUT_NAMES
            if (value := getattr(self, name)) is not None
        }

    def ensure(
        self,
        kit: ProfilesKit,
        *,
        olds: Mapping[str, object] | None = None,
        dry_run: bool = False,
    ) -> EnsureResult:
        """Bring the domain to these inputs with `ProfilesKit.ensure_domain`.

        Args:
            kit: The kit of the domain's region.
            olds: The stored properties of the resource being updated: the key and
                queue the inputs leave out are then cleared, and the tag keys of
                *olds* that the inputs drop are removed. None when creating.
            dry_run: Write nothing.
        """
        settings: dict[str, Any] = {f.name: getattr(self, f.name) for f in SETTINGS}
        removed: list[str] = []
        if olds is not None:
            settings.update({name: "" for name in CLEARABLE if settings[name] is None})
            removed = [key for key in _tag_keys(olds) if key not in (self.tags or {})]
        return kit.ensure_domain(self.domain_name, **settings, remove_tags=removed, dry_run=dry_run)


def _tag_keys(props: Mapping[str, object]) -> list[str]:
    """The tag keys of stored properties (none when they hold no tag map)."""
    tags = props.get(TAGS)
    if not isinstance(tags, Mapping):
        return []
    return [str(key) for key in cast("Mapping[object, object]", tags)]


# -- check and diff -----------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class Failure:
    """One input that fails validation: the input's name and why, in words."""

    property: str
    reason: str


@attrs.frozen(kw_only=True)
class CheckOutcome:
    """The inputs to store (normalised, defaults filled in) and what is wrong with them."""

    inputs: Mapping[str, object]
    failures: tuple[Failure, ...]


def _never_unknown(value: object) -> bool:
    del value
    return False


def check(
    news: Mapping[str, object],
    *,
    olds: Mapping[str, object],
    default_region: Callable[[], str | None],
    is_unknown: IsUnknown = _never_unknown,
) -> CheckOutcome:
    """Validate every input on its own, with no API call, and normalise the valid ones.

    Numbers come back as ints, settings in their canonical pulumi-aws shape, and the
    two flags default to False. A missing region is the stored one, so that a
    different ``AWS_REGION`` on a later run never plans a replacement; for a new
    resource it comes from *default_region*. Values not known yet are kept as they
    are and checked later.

    Args:
        news: The proposed inputs (keys other than the inputs are ignored).
        olds: The stored inputs (empty for a new resource).
        default_region: Where a new domain goes when no region is given (the AWS
            configuration's region); called only then.
        is_unknown: Whether a value is an engine's placeholder.
    """
    inputs: dict[str, object] = {}
    failures: list[Failure] = []
    for name in INPUT_NAMES:
        value = news.get(name)
        if name == "region" and value is None:
            try:
                value = olds.get("region") or default_region()
            except botocore.exceptions.BotoCoreError as exc:
                failures.append(Failure(property=name, reason=f"no region given: {exc}"))
                continue
            if value is None:
                failures.append(
                    Failure(
                        property=name,
                        reason="no region given, and the AWS configuration names none: "
                        "set region= (or AWS_REGION)",
                    )
                )
                continue
        if is_unknown(value):
            inputs[name] = value
            continue
        try:
            parsed = _PARSERS[name](value)
        except InvalidInputError as exc:
            failures.append(Failure(property=name, reason=str(exc)))
            if value is not None:
                inputs[name] = value
            continue
        if parsed is not None:
            inputs[name] = _to_prop(parsed)
    failures.extend(_dropped(olds, inputs))
    return CheckOutcome(inputs=inputs, failures=tuple(failures))


def _dropped(olds: Mapping[str, object], inputs: Mapping[str, object]) -> list[Failure]:
    """One failure per setting of `KEPT` that the program drops from the same domain."""
    if any(inputs.get(name) != olds.get(name) for name in REPLACE_ON):
        return []  # a new domain, or one not known yet: nothing to keep
    return [
        Failure(
            property=name,
            reason=f"{name} was removed from the program, but UpdateDomain cannot remove it "
            f"from the domain: to turn it off, set {name}={{'enabled': False}}; to stop "
            "managing it, keep it in the program as the domain has it",
        )
        for name in KEPT
        if olds.get(name) is not None and inputs.get(name) is None
    ]


@attrs.frozen(kw_only=True)
class DiffOutcome:
    """Which inputs differ, and which of those force a new domain."""

    changes: tuple[str, ...]
    replaces: tuple[str, ...]


def _canonical(name: str, value: object) -> object:
    try:
        return _PARSERS[name](value)
    except InvalidInputError:
        return value


def diff(
    olds: Mapping[str, object],
    news: Mapping[str, object],
    *,
    is_unknown: IsUnknown = _never_unknown,
) -> DiffOutcome:
    """Compare the stored properties with the proposed inputs, with no API call.

    Values are compared as slrkit sees them (``365.0`` equals ``365``; fields the
    service reports are ignored). A change of `REPLACE_ON` means replacement; any
    other change is an update, even one that only flips ``allow_data_loss``, so
    that the stored state, which deletion reads, follows the program. A value not
    known yet counts as a change.
    """
    changes = tuple(
        name
        for name in INPUT_NAMES
        if is_unknown(news.get(name))
        or _canonical(name, olds.get(name)) != _canonical(name, news.get(name))
    )
    return DiffOutcome(changes=changes, replaces=tuple(n for n in changes if n in REPLACE_ON))


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
    """A domain as the resource reports it: its id and its properties (inputs and outputs)."""

    id: str
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
    return Applied(id=domain.name, outs=outs)


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
            outs[name] = _to_prop(live)
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
