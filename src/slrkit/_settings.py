"""Typed domain settings: matching, rule-based matching and the data store.

Each class mirrors one request shape of the Customer Profiles API with
snake_case names (as pulumi-aws names them). Every field records its wire names
(the API's, and pulumi-aws's where it pluralises) and the rule the model sets,
so that one walk converts to and from the API and Pulumi's properties, and one
walk validates, naming the full path of a bad field (``matching.job_schedule.time``).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar, cast

import attrs

from slrkit._validate import Rule, check_in, check_int_range, check_length, check_pattern
from slrkit.exceptions import InvalidInputError

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = [
    "AttributeTypesSelector",
    "AutoMerging",
    "ConflictResolution",
    "Consolidation",
    "DataStore",
    "ExportingConfig",
    "JobSchedule",
    "Matching",
    "MatchingRule",
    "RuleBasedMatching",
    "Setting",
    "plain_number",
    "settings_from_props",
    "settings_to_props",
    "validate_settings",
]

_T = TypeVar("_T", bound="Setting")


class _Dialect(enum.Enum):
    """The two spellings of a setting: the API's, and pulumi-aws's properties."""

    API = "api"
    """PascalCase members (``DayOfTheWeek``), as boto3 sends and returns them."""
    PROPS = "prop"
    """snake_case properties (``day_of_the_week``), with pulumi-aws's plurals."""


def _api(
    name: str,
    rule: Rule | None = None,
    *,
    nested: type[Setting] | None = None,
    item: type[Setting] | None = None,
    read_only: bool = False,
    prop: str | None = None,
) -> Any:  # noqa: ANN401 - attrs field factory
    """An optional field: its wire names, its rule, and the settings class it holds, if any.

    *prop* is pulumi-aws's name where it differs from slrkit's (a plural).
    """
    metadata = {
        "api": name,
        "prop": prop,
        "rule": rule,
        "nested": nested,
        "item": item,
        "read_only": read_only,
    }
    return attrs.field(default=None, eq=not read_only, metadata=metadata)


def _required(name: str, rule: Rule | None = None, *, prop: str | None = None) -> Any:  # noqa: ANN401 - attrs field factory
    """A required scalar field."""
    metadata = {
        "api": name,
        "prop": prop,
        "rule": rule,
        "nested": None,
        "item": None,
        "read_only": False,
    }
    return attrs.field(metadata=metadata)


def _wire_name(field: attrs.Attribute[Any], dialect: _Dialect) -> str:
    if dialect is _Dialect.API:
        return cast("str", field.metadata["api"])
    return cast("str", field.metadata["prop"] or field.name)


def _check_score(field: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
        raise InvalidInputError(field, value, "must be a number from 0.0 to 1.0")


def _items(value: object) -> Sequence[object] | None:
    """*value* as a sequence of items, or None when it is not a list or tuple."""
    return cast("Sequence[object]", value) if isinstance(value, (list, tuple)) else None


def _check_matrix(field: str, value: object) -> None:
    rows = _items(value)
    if rows is None or not 1 <= len(rows) <= 10:  # noqa: PLR2004 - the model's limit
        raise InvalidInputError(field, value, "must be a list of 1 to 10 attribute lists")
    for row in rows:
        names = _items(row)
        if names is None or not 1 <= len(names) <= 20:  # noqa: PLR2004 - the model's limit
            raise InvalidInputError(field, row, "each attribute list holds 1 to 20 names")


def _check_rule(field: str, value: object) -> None:
    names = _items(value)
    if names is None or not 1 <= len(names) <= 15:  # noqa: PLR2004 - the model's limit
        raise InvalidInputError(field, value, "a rule is a list of 1 to 15 attribute names")
    for name in names:
        check_length(1, 255)(field, name)


def plain_number(value: object) -> object:
    """An integral float as an int: IaC engines carry every number as a double."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _mapping(path: str, value: object) -> Mapping[str, object]:
    if not isinstance(value, Mapping):
        raise InvalidInputError(path, value, "must be a mapping of snake_case names to values")
    return cast("Mapping[str, object]", value)


class Setting:
    """Conversion and validation shared by every settings class.

    One walk converts to and from both dialects; only the reading of properties
    is strict (unknown names, missing fields and wrong shapes are errors), since
    the API's own responses may carry fields slrkit does not model.
    """

    __attrs_attrs__: ClassVar[tuple[attrs.Attribute[Any], ...]]
    _envelope: ClassVar[Mapping[_Dialect, str]] = {}
    """A wire-only envelope around the members (``S3Exporting``), by dialect."""

    def _to_wire(self, dialect: _Dialect) -> dict[str, object]:
        out: dict[str, object] = {}
        for field in attrs.fields(type(self)):
            value = getattr(self, field.name)
            if value is None or field.metadata["read_only"]:
                continue
            key = _wire_name(field, dialect)
            if isinstance(value, Setting):
                out[key] = value._to_wire(dialect)
            elif field.metadata["item"] is not None:
                out[key] = [item._to_wire(dialect) for item in value]
            elif (items := _items(value)) is not None:
                out[key] = [list(inner) if (inner := _items(v)) is not None else v for v in items]
            else:
                out[key] = value
        envelope = self._envelope.get(dialect)
        return {envelope: out} if envelope else out

    @classmethod
    def _from_wire(cls: type[_T], data: object, dialect: _Dialect, path: str) -> _T:
        strict = dialect is _Dialect.PROPS
        given = _mapping(path, data) if strict else cast("Mapping[str, object]", data)
        envelope = cls._envelope.get(dialect)
        if envelope is not None:
            unknown = sorted(set(given) - {envelope})
            if strict and unknown:
                raise InvalidInputError(
                    f"{path}.{unknown[0]}", given[unknown[0]], f"expected only {envelope!r}"
                )
            path = f"{path}.{envelope}"
            inner = given.get(envelope)
            given = _mapping(path, inner) if strict else cast("Mapping[str, object]", inner or {})
        fields = {
            _wire_name(f, dialect): f
            for f in attrs.fields(cls)
            if not (strict and f.metadata["read_only"])
        }
        if strict:
            for key in given:
                if key not in fields:
                    raise InvalidInputError(
                        f"{path}.{key}",
                        given[key],
                        f"is not a field here; expected one of {', '.join(fields)}",
                    )
        kwargs: dict[str, object] = {}
        for key, field in fields.items():
            raw = given.get(key)
            if raw is None:
                if strict and field.default is attrs.NOTHING:
                    raise InvalidInputError(f"{path}.{key}", raw, "is required")
                continue
            kwargs[field.name] = _field_from_wire(field, raw, dialect, f"{path}.{key}")
        return cls(**kwargs)

    def _to_api(self) -> dict[str, object]:
        """The setting as the API's request member."""
        return self._to_wire(_Dialect.API)

    @classmethod
    def _from_api(cls: type[_T], data: Mapping[str, Any]) -> _T:
        """The setting a response member describes; members slrkit does not model are ignored."""
        return cls._from_wire(data, _Dialect.API, cls.__name__)


def _field_from_wire(
    field: attrs.Attribute[Any], raw: object, dialect: _Dialect, where: str
) -> object:
    nested: type[Setting] | None = field.metadata["nested"]
    item: type[Setting] | None = field.metadata["item"]
    items = _items(raw)
    if nested is not None:
        return nested._from_wire(raw, dialect, where)
    if item is not None:
        if items is None:
            raise InvalidInputError(where, raw, "must be a list")
        return tuple(
            item._from_wire(entry, dialect, f"{where}[{index}]")
            for index, entry in enumerate(items)
        )
    if items is not None:
        return tuple(tuple(inner) if (inner := _items(v)) is not None else v for v in items)
    return plain_number(raw) if dialect is _Dialect.PROPS else raw


def settings_to_props(setting: Setting) -> dict[str, object]:
    """A settings object as pulumi-aws's snake_case property mapping.

    Fields the service reports but never takes (``RuleBasedMatching.status``) are
    left out, so that they can never show as a difference.
    """
    return setting._to_wire(_Dialect.PROPS)


def settings_from_props(cls: type[_T], value: object, path: str) -> _T:
    """The settings object that a pulumi-aws style property mapping describes, validated.

    Args:
        cls: The settings class (`Matching` or `RuleBasedMatching` at the top).
        value: The mapping; numbers may arrive as floats.
        path: The property's name, for errors (``"matching"``).

    Raises:
        InvalidInputError: An unknown or missing field, a wrong shape, or a value that
            breaks the API's rules; the error names the field's full path.
    """
    setting = cls._from_wire(value, _Dialect.PROPS, path)
    validate_settings(setting, path)
    return setting


def validate_settings(setting: object, path: str) -> None:
    """Check *setting* and everything nested in it against the API's rules.

    Raises:
        InvalidInputError: The first field that breaks a rule, named by its full path.
    """
    if not isinstance(setting, Setting):
        raise InvalidInputError(path, setting, "must be a slrkit settings object")
    for field in attrs.fields(type(setting)):
        value = getattr(setting, field.name)
        where = f"{path}.{field.name}"
        if value is None:
            if field.default is attrs.NOTHING:
                raise InvalidInputError(where, value, "is required")
            continue
        if isinstance(value, Setting):
            validate_settings(value, where)
        elif field.metadata["item"] is not None:
            items = cast("tuple[object, ...]", value)
            if not 1 <= len(items) <= 15:  # noqa: PLR2004 - MatchingRules 1..15
                raise InvalidInputError(where, value, "must hold 1 to 15 entries")
            for index, item in enumerate(items):
                validate_settings(item, f"{where}[{index}]")
        rule: Rule | None = field.metadata["rule"]
        if rule is not None and not isinstance(value, Setting):
            rule(where, value)


def _check_bool(field: str, value: object) -> None:
    if not isinstance(value, bool):
        raise InvalidInputError(field, value, "must be True or False")


_S3_BUCKET = check_pattern(r"^[a-z0-9.-]+$", 3, 63)
_TIME = check_pattern(r"^([0-9]|0[0-9]|1[0-9]|2[0-3]):[0-5][0-9]$", 3, 5)
_DAY = check_in("SUNDAY", "MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY")


@attrs.frozen(kw_only=True)
class ExportingConfig(Setting):
    """Where matching results are exported: an S3 bucket and an optional key prefix."""

    _envelope = MappingProxyType({_Dialect.API: "S3Exporting", _Dialect.PROPS: "s3_exporting"})

    s3_bucket_name: str = _required("S3BucketName", _S3_BUCKET)
    s3_key_name: str | None = _api("S3KeyName", check_length(1, 800))


@attrs.frozen(kw_only=True)
class JobSchedule(Setting):
    """When the weekly matching job runs: a day and a UTC time such as ``"3:00"``."""

    day_of_the_week: str = _required("DayOfTheWeek", _DAY)
    time: str = _required("Time", _TIME)


@attrs.frozen(kw_only=True)
class ConflictResolution(Setting):
    """How merged profiles resolve conflicting values: ``RECENCY`` or ``SOURCE``."""

    conflict_resolving_model: str = _required(
        "ConflictResolvingModel", check_in("RECENCY", "SOURCE")
    )
    source_name: str | None = _api("SourceName", check_length(1, 255))


@attrs.frozen(kw_only=True)
class Consolidation(Setting):
    """Which attribute combinations merge profiles."""

    matching_attributes_list: tuple[tuple[str, ...], ...] = _required(
        "MatchingAttributesList", _check_matrix, prop="matching_attributes_lists"
    )


@attrs.frozen(kw_only=True)
class AutoMerging(Setting):
    """Automatic merging of matched profiles."""

    enabled: bool = _required("Enabled", _check_bool)
    consolidation: Consolidation | None = _api("Consolidation", nested=Consolidation)
    conflict_resolution: ConflictResolution | None = _api(
        "ConflictResolution", nested=ConflictResolution
    )
    min_allowed_confidence_score_for_merging: float | None = _api(
        "MinAllowedConfidenceScoreForMerging", _check_score
    )


@attrs.frozen(kw_only=True)
class Matching(Setting):
    """Machine-learning identity resolution (``Matching`` in the API)."""

    enabled: bool = _required("Enabled", _check_bool)
    job_schedule: JobSchedule | None = _api("JobSchedule", nested=JobSchedule)
    auto_merging: AutoMerging | None = _api("AutoMerging", nested=AutoMerging)
    exporting_config: ExportingConfig | None = _api("ExportingConfig", nested=ExportingConfig)


@attrs.frozen(kw_only=True)
class MatchingRule(Setting):
    """One rule of rule-based matching: the attributes that must all match."""

    rule: tuple[str, ...] = _required("Rule", _check_rule, prop="rules")


@attrs.frozen(kw_only=True)
class AttributeTypesSelector(Setting):
    """Which address, phone and email attributes rule-based matching compares."""

    attribute_matching_model: str = _required(
        "AttributeMatchingModel", check_in("ONE_TO_ONE", "MANY_TO_MANY")
    )
    address: tuple[str, ...] | None = _api("Address", prop="addresses")
    phone_number: tuple[str, ...] | None = _api("PhoneNumber", prop="phone_numbers")
    email_address: tuple[str, ...] | None = _api("EmailAddress", prop="email_addresses")


@attrs.frozen(kw_only=True)
class RuleBasedMatching(Setting):
    """Rule-based identity resolution (``RuleBasedMatching`` in the API).

    ``status`` is reported by the service and never sent.
    """

    enabled: bool = _required("Enabled", _check_bool)
    matching_rules: tuple[MatchingRule, ...] | None = _api("MatchingRules", item=MatchingRule)
    max_allowed_rule_level_for_merging: int | None = _api(
        "MaxAllowedRuleLevelForMerging", check_int_range(1, 15)
    )
    max_allowed_rule_level_for_matching: int | None = _api(
        "MaxAllowedRuleLevelForMatching", check_int_range(1, 15)
    )
    attribute_types_selector: AttributeTypesSelector | None = _api(
        "AttributeTypesSelector", nested=AttributeTypesSelector
    )
    conflict_resolution: ConflictResolution | None = _api(
        "ConflictResolution", nested=ConflictResolution
    )
    exporting_config: ExportingConfig | None = _api("ExportingConfig", nested=ExportingConfig)
    status: str | None = _api("Status", read_only=True)


@attrs.frozen(kw_only=True)
class DataStore(Setting):
    """The domain's data store (unified profile storage)."""

    enabled: bool = _required("Enabled", _check_bool)
