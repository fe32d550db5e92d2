"""Typed domain settings: matching, rule-based matching and the data store.

Each class mirrors one request shape of the Customer Profiles API with
snake_case names (as pulumi-aws names them). Every field records its wire name
and the rule the model sets, so that one walk converts to and from the API and
one walk validates, naming the full path of a bad field
(``matching.job_schedule.time``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, TypeVar, cast

import attrs

from slrkit._validate import Rule, check_in, check_int_range, check_length, check_pattern
from slrkit.exceptions import InvalidInputError

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

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
    "validate_settings",
]

_T = TypeVar("_T", bound="_Setting")


def _api(
    name: str,
    rule: Rule | None = None,
    *,
    nested: type[_Setting] | None = None,
    item: type[_Setting] | None = None,
    read_only: bool = False,
) -> Any:  # noqa: ANN401 - attrs field factory
    """An optional field: its wire name, its rule, and the settings class it holds, if any."""
    metadata = {"api": name, "rule": rule, "nested": nested, "item": item, "read_only": read_only}
    return attrs.field(default=None, eq=not read_only, metadata=metadata)


def _required(name: str, rule: Rule | None = None) -> Any:  # noqa: ANN401 - attrs field factory
    """A required scalar field."""
    metadata = {"api": name, "rule": rule, "nested": None, "item": None, "read_only": False}
    return attrs.field(metadata=metadata)


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


class _Setting:
    """Conversion and validation shared by every settings class."""

    __attrs_attrs__: ClassVar[tuple[attrs.Attribute[Any], ...]]
    _wrapper: ClassVar[str | None] = None
    """A wire-only envelope around the members (``ExportingConfig.S3Exporting``)."""

    def _to_api(self) -> dict[str, object]:
        out: dict[str, object] = {}
        for field in attrs.fields(type(self)):
            value = getattr(self, field.name)
            if value is None or field.metadata["read_only"]:
                continue
            if isinstance(value, _Setting):
                out[field.metadata["api"]] = value._to_api()
            elif field.metadata["item"] is not None:
                out[field.metadata["api"]] = [item._to_api() for item in value]
            elif (items := _items(value)) is not None:
                out[field.metadata["api"]] = [
                    list(inner) if (inner := _items(v)) is not None else v for v in items
                ]
            else:
                out[field.metadata["api"]] = value
        return {cls_wrapper: out} if (cls_wrapper := self._wrapper) else out

    @classmethod
    def _from_api(cls: type[_T], data: Mapping[str, Any]) -> _T:
        if cls._wrapper:
            data = data.get(cls._wrapper, {})
        kwargs: dict[str, object] = {}
        for name, field in attrs.fields_dict(cls).items():
            raw = data.get(field.metadata["api"])
            if raw is None:
                continue
            nested: type[_Setting] | None = field.metadata["nested"]
            if nested is not None:
                kwargs[name] = nested._from_api(raw)
            elif field.metadata["item"] is not None:
                kwargs[name] = tuple(field.metadata["item"]._from_api(item) for item in raw)
            elif (items := _items(raw)) is not None:
                kwargs[name] = tuple(
                    tuple(inner) if (inner := _items(v)) is not None else v for v in items
                )
            else:
                kwargs[name] = raw
        return cls(**kwargs)


def validate_settings(setting: object, path: str) -> None:
    """Check *setting* and everything nested in it against the API's rules.

    Raises:
        InvalidInputError: The first field that breaks a rule, named by its full path.
    """
    if not isinstance(setting, _Setting):
        raise InvalidInputError(path, setting, "must be a slrkit settings object")
    for field in attrs.fields(type(setting)):
        value = getattr(setting, field.name)
        where = f"{path}.{field.name}"
        if value is None:
            if field.default is attrs.NOTHING:
                raise InvalidInputError(where, value, "is required")
            continue
        if isinstance(value, _Setting):
            validate_settings(value, where)
        elif field.metadata["item"] is not None:
            items = cast("tuple[object, ...]", value)
            if not 1 <= len(items) <= 15:  # noqa: PLR2004 - MatchingRules 1..15
                raise InvalidInputError(where, value, "must hold 1 to 15 entries")
            for index, item in enumerate(items):
                validate_settings(item, f"{where}[{index}]")
        rule: Rule | None = field.metadata["rule"]
        if rule is not None and not isinstance(value, _Setting):
            rule(where, value)


def _check_bool(field: str, value: object) -> None:
    if not isinstance(value, bool):
        raise InvalidInputError(field, value, "must be True or False")


_S3_BUCKET = check_pattern(r"^[a-z0-9.-]+$", 3, 63)
_TIME = check_pattern(r"^([0-9]|0[0-9]|1[0-9]|2[0-3]):[0-5][0-9]$", 3, 5)
_DAY = check_in("SUNDAY", "MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY")


@attrs.frozen(kw_only=True)
class ExportingConfig(_Setting):
    """Where matching results are exported: an S3 bucket and an optional key prefix."""

    _wrapper = "S3Exporting"

    s3_bucket_name: str = _required("S3BucketName", _S3_BUCKET)
    s3_key_name: str | None = _api("S3KeyName", check_length(1, 800))


@attrs.frozen(kw_only=True)
class JobSchedule(_Setting):
    """When the weekly matching job runs: a day and a UTC time such as ``"3:00"``."""

    day_of_the_week: str = _required("DayOfTheWeek", _DAY)
    time: str = _required("Time", _TIME)


@attrs.frozen(kw_only=True)
class ConflictResolution(_Setting):
    """How merged profiles resolve conflicting values: ``RECENCY`` or ``SOURCE``."""

    conflict_resolving_model: str = _required(
        "ConflictResolvingModel", check_in("RECENCY", "SOURCE")
    )
    source_name: str | None = _api("SourceName", check_length(1, 255))


@attrs.frozen(kw_only=True)
class Consolidation(_Setting):
    """Which attribute combinations merge profiles."""

    matching_attributes_list: tuple[tuple[str, ...], ...] = _required(
        "MatchingAttributesList", _check_matrix
    )


@attrs.frozen(kw_only=True)
class AutoMerging(_Setting):
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
class Matching(_Setting):
    """Machine-learning identity resolution (``Matching`` in the API)."""

    enabled: bool = _required("Enabled", _check_bool)
    job_schedule: JobSchedule | None = _api("JobSchedule", nested=JobSchedule)
    auto_merging: AutoMerging | None = _api("AutoMerging", nested=AutoMerging)
    exporting_config: ExportingConfig | None = _api("ExportingConfig", nested=ExportingConfig)


@attrs.frozen(kw_only=True)
class MatchingRule(_Setting):
    """One rule of rule-based matching: the attributes that must all match."""

    rule: tuple[str, ...] = _required("Rule", _check_rule)


@attrs.frozen(kw_only=True)
class AttributeTypesSelector(_Setting):
    """Which address, phone and email attributes rule-based matching compares."""

    attribute_matching_model: str = _required(
        "AttributeMatchingModel", check_in("ONE_TO_ONE", "MANY_TO_MANY")
    )
    address: tuple[str, ...] | None = _api("Address")
    phone_number: tuple[str, ...] | None = _api("PhoneNumber")
    email_address: tuple[str, ...] | None = _api("EmailAddress")


@attrs.frozen(kw_only=True)
class RuleBasedMatching(_Setting):
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
class DataStore(_Setting):
    """The domain's data store (unified profile storage)."""

    enabled: bool = _required("Enabled", _check_bool)
