"""A domain's settings, described once.

`SettingsFields` lists every setting that `ProfilesKit.ensure_domain` manages.
Each field's metadata (`About`) says its member in the Customer Profiles API, its
command-line flag, whether ``""`` clears it, and the rule it must keep. Its
Python name is also the attribute of `slrkit.Domain` and pulumi-aws's input
name. Everything else derives from this one table:

- `DomainSettings`, the validated value the kit ensures;
- `slrkit.DomainSpec` (a fleet's spec), which adds where the domain lives;
- the Pulumi resource's inputs, and the command line's flags.

Adding a setting is one field here; ``tests/test_spec.py`` lists every place
that must agree with the table.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final, TypeVar

import attrs

from slrkit._models import FieldChange
from slrkit._settings import DataStore, Matching, RuleBasedMatching, Setting, validate_settings
from slrkit._validate import (
    MAX_TAGS,
    validate_dead_letter_queue_url,
    validate_default_encryption_key,
    validate_expiration_days,
    validate_tags,
)
from slrkit.exceptions import InvalidInputError

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Mapping

__all__ = [
    "SETTINGS",
    "TAGS",
    "About",
    "DomainSettings",
    "SettingsFields",
    "about",
    "check_managed_tags",
    "to_api",
]

_S = TypeVar("_S", bound=Setting)


@attrs.frozen(kw_only=True)
class About:
    """What slrkit knows of one domain setting, beyond its Python name.

    Attributes:
        api: Its member in CreateDomain and UpdateDomain (``Tags`` for the tags,
            which an update writes with TagResource instead).
        check: Validates a value (not None) and returns it as slrkit keeps it;
            raises `InvalidInputError` naming the field.
        flag: Its option in ``slrkit ensure``, if it has one.
        clearable: ``""`` clears it on UpdateDomain (the KMS key and the queue).
        kind: The settings class of a structured setting, for its Pulumi properties.
    """

    api: str
    check: Callable[[object], object]
    flag: str | None = None
    clearable: bool = False
    kind: type[Setting] | None = None


def check_managed_tags(tags: object) -> dict[str, str]:
    """Return a copy of *tags* that slrkit may ask to set on a domain.

    Raises:
        InvalidInputError: A bad key or value (see `validate_tags`), the key
            ``slrkit:linked-role``, which slrkit manages, or more than 49 tags:
            a domain takes 50, and slrkit keeps one for the linked role.
    """
    checked = validate_tags(tags)
    if len(checked) > MAX_TAGS - 1:
        raise InvalidInputError(
            "tags",
            f"<{len(checked)} tags>",
            f"at most {MAX_TAGS - 1}: slrkit keeps one tag for the linked role",
        )
    return checked


def _settings_of(cls: type[_S], field: str) -> Callable[[object], object]:
    def check(value: object) -> object:
        if not isinstance(value, cls):
            raise InvalidInputError(field, value, f"must be a slrkit.{cls.__name__}")
        validate_settings(value, field)
        return value

    return check


def _setting(about: About) -> Any:  # noqa: ANN401 - attrs field factory
    return attrs.field(default=None, metadata={"about": about})


@attrs.frozen(kw_only=True)
class SettingsFields:
    """The settings of a domain, as given: the one table every other place derives from.

    None means "not managed": the domain keeps whatever it has.
    """

    default_expiration_days: int = attrs.field(
        metadata={
            "about": About(
                api="DefaultExpirationDays",
                flag="--expiration-days",
                check=validate_expiration_days,
            )
        }
    )
    default_encryption_key: str | None = _setting(
        About(
            api="DefaultEncryptionKey",
            flag="--kms-key",
            check=validate_default_encryption_key,
            clearable=True,
        )
    )
    dead_letter_queue_url: str | None = _setting(
        About(
            api="DeadLetterQueueUrl",
            flag="--dlq",
            check=validate_dead_letter_queue_url,
            clearable=True,
        )
    )
    matching: Matching | None = _setting(
        About(api="Matching", check=_settings_of(Matching, "matching"), kind=Matching)
    )
    rule_based_matching: RuleBasedMatching | None = _setting(
        About(
            api="RuleBasedMatching",
            check=_settings_of(RuleBasedMatching, "rule_based_matching"),
            kind=RuleBasedMatching,
        )
    )
    data_store: DataStore | None = _setting(
        About(api="DataStore", check=_settings_of(DataStore, "data_store"), kind=DataStore)
    )
    tags: Mapping[str, str] | None = _setting(
        About(api="Tags", flag="--tag", check=check_managed_tags)
    )


SETTINGS: Final[tuple[attrs.Attribute[Any], ...]] = tuple(attrs.fields(SettingsFields))
"""Every domain setting, in the order they are checked and reported."""

TAGS: Final = "tags"
"""The setting that is a tag map, written with TagResource rather than UpdateDomain."""


def about(field: attrs.Attribute[Any]) -> About:
    """The `About` of one of `SETTINGS`."""
    found: About = field.metadata["about"]
    return found


# Every ensure_domain checks its settings and compares the managed ones, a matching
# domain at the cost of one read: the table is read once here, not on every call.
_CHECKS: Final = tuple((f.name, about(f).check, f.default is attrs.NOTHING) for f in SETTINGS)
_MANAGED: Final = tuple(f for f in SETTINGS if f.name != TAGS)


@attrs.frozen(kw_only=True)
class DomainSettings(SettingsFields):
    """The wanted state of a domain, validated when it is made.

    Raises:
        InvalidInputError: The first setting that breaks its rule, in the order of
            `SETTINGS`.
    """

    def __attrs_post_init__(self) -> None:
        for name, check, required in _CHECKS:
            value = getattr(self, name)
            if value is not None or required:
                # A frozen class may set its own fields here: the checked copy (of the
                # tags) must not share the caller's dict.
                object.__setattr__(self, name, check(value))

    @classmethod
    def of(cls, fields: SettingsFields) -> DomainSettings:
        """The settings in *fields* (a `slrkit.DomainSpec`, say), validated.

        Raises:
            InvalidInputError: As the class.
        """
        return cls(**{f.name: getattr(fields, f.name) for f in SETTINGS})

    def managed(self) -> Iterator[tuple[attrs.Attribute[Any], object]]:
        """The settings this value manages (not None), tags aside, with their fields."""
        for field in _MANAGED:
            value = getattr(self, field.name)
            if value is not None:
                yield field, value

    def on_creation(self) -> Iterator[tuple[attrs.Attribute[Any], object]]:
        """The settings a new domain takes: `managed`, less a clearing ``""``.

        A new domain has no key or queue to clear, so CreateDomain is not sent one.
        """
        return ((f, v) for f, v in self.managed() if not (about(f).clearable and v == ""))

    def as_new(self) -> tuple[FieldChange, ...]:
        """The changes of creating a domain with these settings: each one, from None."""
        settings = [FieldChange(field=f.name, old=None, new=v) for f, v in self.on_creation()]
        tags = [
            FieldChange(field=f"tags[{k}]", old=None, new=v) for k, v in (self.tags or {}).items()
        ]
        return (*settings, *tags)

    def create_request(self, name: str) -> dict[str, object]:
        """The CreateDomain request members for a domain of these settings."""
        request: dict[str, object] = {"DomainName": name}
        request.update({about(f).api: to_api(v) for f, v in self.on_creation()})
        if self.tags:
            request[about(attrs.fields_dict(SettingsFields)[TAGS]).api] = dict(self.tags)
        return request


def to_api(value: object) -> object:
    """A setting's value as its API member: settings objects as their request shape."""
    return value._to_api() if isinstance(value, Setting) else value
