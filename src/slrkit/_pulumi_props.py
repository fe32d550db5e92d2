"""A Customer Profiles domain's properties as an IaC resource: names, inputs, check, diff.

Properties travel as plain mappings whose names and nesting follow pulumi-aws's
``aws.customerprofiles.Domain`` (snake_case, ``matching_attributes_lists``,
``exporting_config.s3_exporting``...), and are turned into slrkit's typed
settings in one walk. `slrkit._pulumi_crud` applies them; nothing here imports
Pulumi or makes a call.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Final, cast

import attrs
import botocore.exceptions

from slrkit._regions import validate_region
from slrkit._settings import Setting, plain_number, settings_from_props, settings_to_props
from slrkit._spec import SETTINGS, TAGS, SettingsFields, about
from slrkit._validate import validate_domain_name
from slrkit.exceptions import InvalidInputError

if TYPE_CHECKING:
    from slrkit._kit import ProfilesKit
    from slrkit._models import EnsureResult

__all__ = [
    "CLEARABLE",
    "INPUT_NAMES",
    "KEPT",
    "OUTPUT_NAMES",
    "REPLACE_ON",
    "CheckOutcome",
    "DiffOutcome",
    "DomainInputs",
    "Failure",
    "IsUnknown",
    "check",
    "diff",
    "to_prop",
]

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


def to_prop(value: object) -> object:
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
            name: to_prop(value)
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
            inputs[name] = to_prop(parsed)
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
