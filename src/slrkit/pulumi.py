"""A Pulumi resource that runs slrkit's lifecycle: `CustomerProfilesDomain`.

pulumi-aws's ``aws.customerprofiles.Domain`` makes one DeleteDomain call and leaves
the domain's service-linked role to chance. This dynamic resource creates and
updates the domain with `slrkit.ProfilesKit.ensure_domain`, reports the role it
saw appear, and deletes with `slrkit.ProfilesKit.safe_delete_domain`: it refuses
a domain that holds data unless ``allow_data_loss`` is set, and makes sure the
role goes too. Install it with ``pip install 'slrkit-aws[pulumi]'``; ``import slrkit``
alone never imports Pulumi.

>>> from slrkit.pulumi import CustomerProfilesDomain  # doctest: +SKIP
>>> domain = CustomerProfilesDomain(  # doctest: +SKIP
...     "customers",
...     domain_name="acme-customers",
...     default_expiration_days=365,
...     region="eu-west-2",
...     tags={"team": "cx"},
... )

Its inputs follow pulumi-aws's names, including the snake_case mappings for
``matching`` and ``rule_based_matching`` (typed here as `MatchingArgs` and
`RuleBasedMatchingArgs`; slrkit's `slrkit.Matching` objects work too). The
resource type is ``pulumi-python:dynamic/customerprofiles:Domain``.

``pulumi import`` does not work for any dynamic resource (pulumi/pulumi#16175):
to take over a domain that already exists, set ``adopt_existing=True``.

`DomainProvider` is the part Pulumi pickles (with dill) into the stack state and
runs in its provider process. It holds only plain configuration: which AWS
profile to use, or, for tests and rehearsals, the state file of a
`slrkit.testing.FakeAWS`. Sessions and clients are built inside each operation.
The logic itself lives in engine-independent functions, shared with any future
non-dynamic provider.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Optional, TypedDict, cast

try:
    import pulumi
    from pulumi.dynamic import (
        CheckFailure,
        CheckResult,
        CreateResult,
        DiffResult,
        ReadResult,
        ResourceProvider,
        UpdateResult,
    )
    from pulumi.output import Unknown
    from pulumi.runtime import rpc
except ImportError as _missing:
    raise ImportError(
        "slrkit.pulumi needs the Pulumi SDK: pip install 'slrkit-aws[pulumi]'"
    ) from _missing

from slrkit import _pulumi_crud as crud
from slrkit import _pulumi_props as properties
from slrkit._settings import DataStore, Matching, RuleBasedMatching, Setting, settings_to_props

if TYPE_CHECKING:
    import os

__all__ = [
    "AttributeTypesSelectorArgs",
    "AutoMergingArgs",
    "ConflictResolutionArgs",
    "ConsolidationArgs",
    "CustomerProfilesDomain",
    "DataStoreArgs",
    "DomainProvider",
    "ExportingConfigArgs",
    "JobScheduleArgs",
    "MatchingArgs",
    "MatchingRuleArgs",
    "RuleBasedMatchingArgs",
    "S3ExportingArgs",
]

# -- the shapes of `matching` and `rule_based_matching`, as pulumi-aws names them -------------


class JobScheduleArgs(TypedDict):
    """When the weekly matching job runs: ``{"day_of_the_week": "SUNDAY", "time": "3:00"}``."""

    day_of_the_week: str
    time: str


class _ConflictResolutionRequired(TypedDict):
    """The required part of `ConflictResolutionArgs`."""

    conflict_resolving_model: str


class ConflictResolutionArgs(_ConflictResolutionRequired, total=False):
    """How merged profiles resolve conflicts: ``RECENCY`` or ``SOURCE`` (with a source name)."""

    source_name: str


class ConsolidationArgs(TypedDict):
    """Which attribute combinations merge profiles (1 to 10 lists of 1 to 20 names)."""

    matching_attributes_lists: Sequence[Sequence[str]]


class _AutoMergingRequired(TypedDict):
    """The required part of `AutoMergingArgs`."""

    enabled: bool


class AutoMergingArgs(_AutoMergingRequired, total=False):
    """Automatic merging of matched profiles."""

    conflict_resolution: ConflictResolutionArgs
    consolidation: ConsolidationArgs
    min_allowed_confidence_score_for_merging: float


class _S3ExportingRequired(TypedDict):
    """The required part of `S3ExportingArgs`."""

    s3_bucket_name: str


class S3ExportingArgs(_S3ExportingRequired, total=False):
    """The S3 bucket (and optional key prefix) that matching results go to."""

    s3_key_name: str


class ExportingConfigArgs(TypedDict):
    """Where matching results are exported."""

    s3_exporting: S3ExportingArgs


class _MatchingRequired(TypedDict):
    """The required part of `MatchingArgs`."""

    enabled: bool


class MatchingArgs(_MatchingRequired, total=False):
    """Machine-learning identity resolution, as pulumi-aws's ``DomainMatchingArgsDict``."""

    auto_merging: AutoMergingArgs
    exporting_config: ExportingConfigArgs
    job_schedule: JobScheduleArgs


class MatchingRuleArgs(TypedDict):
    """One matching rule: the attributes that must all match (1 to 15)."""

    rules: Sequence[str]


class _AttributeTypesSelectorRequired(TypedDict):
    """The required part of `AttributeTypesSelectorArgs`."""

    attribute_matching_model: str


class AttributeTypesSelectorArgs(_AttributeTypesSelectorRequired, total=False):
    """Which address, email and phone attributes rule-based matching compares."""

    addresses: Sequence[str]
    email_addresses: Sequence[str]
    phone_numbers: Sequence[str]


class _RuleBasedMatchingRequired(TypedDict):
    """The required part of `RuleBasedMatchingArgs`."""

    enabled: bool


class RuleBasedMatchingArgs(_RuleBasedMatchingRequired, total=False):
    """Rule-based identity resolution, as pulumi-aws's ``DomainRuleBasedMatchingArgsDict``.

    pulumi-aws's ``status`` is left out: the service reports it and never takes it.
    """

    attribute_types_selector: AttributeTypesSelectorArgs
    conflict_resolution: ConflictResolutionArgs
    exporting_config: ExportingConfigArgs
    matching_rules: Sequence[MatchingRuleArgs]
    max_allowed_rule_level_for_matching: int
    max_allowed_rule_level_for_merging: int


class DataStoreArgs(TypedDict):
    """The domain's data store, as aws-native's ``DomainDataStoreArgs`` (pulumi-aws has none)."""

    enabled: bool


# -- the provider ------------------------------------------------------------------------------


def _is_unknown(value: object) -> bool:
    """Whether *value* is, or holds, a value the engine does not know yet (a preview)."""
    if isinstance(value, Unknown) or (isinstance(value, str) and value == rpc.UNKNOWN):
        return True
    if isinstance(value, Mapping):
        return any(map(_is_unknown, cast("Mapping[object, object]", value).values()))
    if isinstance(value, (list, tuple)):
        return any(map(_is_unknown, cast("Sequence[object]", value)))
    return False


class DomainProvider(ResourceProvider):
    """The dynamic provider behind `CustomerProfilesDomain`: plain configuration only.

    Pulumi pickles the provider into the stack state (by reference: the module
    ``slrkit.pulumi`` must be importable where the program runs). It therefore holds
    two strings and nothing else; it refuses anything that is not a string, and
    accepts no new attributes, so a boto3 session or client can never be captured.
    Each operation builds a fresh boto3 session and `slrkit.ProfilesKit`.

    Args:
        profile_name: The AWS profile to use (default: boto3's credential chain,
            e.g. ``AWS_PROFILE``).
        fake_state: The state file of a `slrkit.testing.FakeAWS` (it need not exist
            yet). Every call then goes to that fake, never to AWS, and waits run on
            the fake's virtual clock; for tests and rehearsals.

    Raises:
        TypeError: An argument is not a string (or, for *fake_state*, a path).
        ValueError: Both arguments are given.
    """

    _target: crud.Target

    def __init__(
        self,
        *,
        profile_name: str | None = None,
        fake_state: str | os.PathLike[str] | None = None,
    ) -> None:
        super().__init__()
        object.__setattr__(
            self, "_target", crud.Target(profile_name=profile_name, fake_state=fake_state)
        )

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(
            f"DomainProvider is immutable (cannot set {name!r}): Pulumi pickles it, so it "
            "holds only plain configuration"
        )

    def __repr__(self) -> str:
        return f"DomainProvider(profile_name={self.profile_name!r}, fake_state={self.fake_state!r})"

    @property
    def profile_name(self) -> str | None:
        """The AWS profile in use, if one was named."""
        return self._target.profile_name

    @property
    def fake_state(self) -> str | None:
        """The fake's state file, when calls go to a `slrkit.testing.FakeAWS`."""
        return self._target.fake_state

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        """Validate the inputs with slrkit's rules, with no API call.

        Returns the normalised inputs and one `CheckFailure` per bad input; it never
        raises for a bad input. An unset region is the stored one or, for a new
        resource, the AWS configuration's. A program that drops ``matching``,
        ``rule_based_matching`` or ``data_store`` fails here: the API cannot
        remove them.
        """
        outcome = properties.check(
            news,
            olds=_olds,
            default_region=self._target.default_region,
            is_unknown=_is_unknown,
        )
        failures = [CheckFailure(f.property, f.reason) for f in outcome.failures]
        return CheckResult(dict(outcome.inputs), failures)

    def diff(self, _id: str, _olds: dict[str, Any], _news: dict[str, Any]) -> DiffResult:
        """A changed ``domain_name`` or ``region`` replaces the domain; other changes update it."""
        outcome = properties.diff(_olds, _news, is_unknown=_is_unknown)
        return DiffResult(changes=bool(outcome.changes), replaces=list(outcome.replaces))

    def create(self, props: dict[str, Any]) -> CreateResult:
        """Create the domain (or adopt it, with ``adopt_existing``); its id is its name.

        Raises:
            slrkit.RefusedError: The domain exists and ``adopt_existing`` is not set.
            slrkit.SlrkitError: As `slrkit.ProfilesKit.ensure_domain`.
        """
        applied = crud.create(self._target, props)
        return CreateResult(applied.id, dict(applied.outs))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        """Refresh from the live domain; a domain that is gone yields an empty id.

        Every managed property is read back as the domain has it, outputs and
        inputs alike, so that the next preview and diff show what changed
        outside Pulumi, and the next update corrects it (see
        `CustomerProfilesDomain`).

        An empty id tells the engine that the resource no longer exists, so
        ``pulumi refresh`` drops it from the state.

        Raises:
            slrkit.SlrkitError: As `slrkit.ProfilesKit.plan_domain_deletion`.
        """
        applied = crud.read(self._target, id_, props)
        if applied is None:
            return ReadResult("", {})
        return ReadResult(applied.id, dict(applied.outs), dict(applied.inputs))

    def update(self, _id: str, _olds: dict[str, Any], _news: dict[str, Any]) -> UpdateResult:
        """Bring the domain to the new inputs with `slrkit.ProfilesKit.ensure_domain`.

        What the program dropped since the stored state *_olds* is removed: tags on
        the keys it no longer names, and the key and queue it no longer sets.

        Raises:
            slrkit.SlrkitError: As `slrkit.ProfilesKit.ensure_domain`.
        """
        return UpdateResult(dict(crud.update(self._target, _news, olds=_olds).outs))

    def delete(self, _id: str, _props: dict[str, Any]) -> None:
        """Delete the domain and its role with `slrkit.ProfilesKit.safe_delete_domain`.

        Raises:
            slrkit.RefusedError: The domain holds data and the stack's state does not
                say ``allow_data_loss=True``; nothing was deleted.
            slrkit.SlrkitError: As `slrkit.ProfilesKit.safe_delete_domain`.
        """
        crud.delete(self._target, _props)


# -- the resource ------------------------------------------------------------------------------


def _settings_input(value: object) -> object:
    """Turn slrkit settings objects into pulumi-aws mappings; leave anything else."""
    if isinstance(value, Setting):
        return settings_to_props(value)
    return value


class CustomerProfilesDomain(pulumi.dynamic.Resource, module="customerprofiles", name="Domain"):
    """A Customer Profiles domain, created, updated and deleted by slrkit.

    Args:
        resource_name: The Pulumi name of the resource.
        opts: Pulumi resource options.
        domain_name: The domain's name; changing it replaces the domain.
        default_expiration_days: Days a profile is kept (1 to 1098).
        default_encryption_key: A KMS key ARN; left out (or ``""``), the domain
            has none.
        dead_letter_queue_url: An SQS queue URL; left out (or ``""``), the domain
            has none.
        matching: Identity-resolution settings (`MatchingArgs` or `slrkit.Matching`).
        rule_based_matching: Rule-based matching (`RuleBasedMatchingArgs` or
            `slrkit.RuleBasedMatching`).
        data_store: The data store (`DataStoreArgs` or `slrkit.DataStore`).
        tags: Tags to set. A key removed from the program is removed from the
            domain; tags on keys the program never named are left alone, and
            slrkit's ``slrkit:linked-role`` is never touched.
        region: A supported region (default: the region already in the stack's
            state, else the AWS configuration's); changing it replaces the domain.
        allow_data_loss: Let deletion (or replacement) delete a domain that holds
            profiles or objects. Deletion reads it from the stack's state, so apply
            it with ``pulumi up`` before ``pulumi destroy``.
        adopt_existing: Take over a domain of that name that already exists, instead
            of failing; the stand-in for ``pulumi import``. A domain with a key or
            queue that the program does not set is refused, rather than cleared.
        provider: How to reach AWS (default: ``DomainProvider()``).

    After ``pulumi up`` the domain is what the program says, and ``pulumi refresh``
    shows where it no longer is. ``matching``, ``rule_based_matching`` and
    ``data_store`` are managed while the program sets them; the API cannot remove
    them, so a program that drops one is refused at preview: set
    ``{"enabled": False}`` to turn it off.
    """

    domain_name: pulumi.Output[str]
    """The domain's name, which is also the resource's id."""
    region: pulumi.Output[str]
    """The domain's region."""
    default_expiration_days: pulumi.Output[int]
    """Days a profile is kept."""
    default_encryption_key: pulumi.Output[str | None]
    """The KMS key ARN, if the domain has one."""
    dead_letter_queue_url: pulumi.Output[str | None]
    """The dead-letter queue URL, if the domain has one."""
    # Pulumi reads the annotations of mapping outputs at run time to shape them. It
    # takes `Any` values, not a TypedDict (the shapes are `MatchingArgs` and
    # `RuleBasedMatchingArgs`), and before pulumi 3.2xx only `Optional`, not `X | None`.
    matching: pulumi.Output[Optional[Mapping[str, Any]]]  # noqa: UP045
    """Identity-resolution settings, if managed (shaped as `MatchingArgs`)."""
    rule_based_matching: pulumi.Output[Optional[Mapping[str, Any]]]  # noqa: UP045
    """Rule-based matching settings, if managed (shaped as `RuleBasedMatchingArgs`)."""
    data_store: pulumi.Output[Optional[Mapping[str, Any]]]  # noqa: UP045
    """The data store settings, if managed (shaped as `DataStoreArgs`)."""
    tags: pulumi.Output[Optional[Mapping[str, str]]]  # noqa: UP045
    """The managed tags."""
    allow_data_loss: pulumi.Output[bool]
    """Whether deletion may delete a domain that holds data."""
    adopt_existing: pulumi.Output[bool]
    """Whether creation took over an existing domain."""
    arn: pulumi.Output[str]
    """``arn:aws:profile:<region>:<account>:domains/<name>``."""
    created_at: pulumi.Output[str]
    """When the domain was created (ISO 8601)."""
    linked_role_name: pulumi.Output[str | None]
    """The domain's service-linked role ``AWSServiceRoleForProfile_<id>``, if known."""
    linked_role_arn: pulumi.Output[str | None]
    """That role's ARN, if known."""
    linked_role_evidence: pulumi.Output[str | None]
    """Why slrkit ties that role to the domain (`slrkit.Evidence`), if known."""

    def __init__(
        self,
        resource_name: str,
        opts: pulumi.ResourceOptions | None = None,
        *,
        domain_name: pulumi.Input[str],
        default_expiration_days: pulumi.Input[int],
        default_encryption_key: pulumi.Input[str] | None = None,
        dead_letter_queue_url: pulumi.Input[str] | None = None,
        matching: pulumi.Input[MatchingArgs] | Matching | None = None,
        rule_based_matching: pulumi.Input[RuleBasedMatchingArgs] | RuleBasedMatching | None = None,
        data_store: pulumi.Input[DataStoreArgs] | DataStore | None = None,
        tags: pulumi.Input[Mapping[str, pulumi.Input[str]]] | None = None,
        region: pulumi.Input[str] | None = None,
        allow_data_loss: pulumi.Input[bool] = False,
        adopt_existing: pulumi.Input[bool] = False,
        provider: DomainProvider | None = None,
    ) -> None:
        props: dict[str, object] = {
            "domain_name": domain_name,
            "region": region,
            "default_expiration_days": default_expiration_days,
            "default_encryption_key": default_encryption_key,
            "dead_letter_queue_url": dead_letter_queue_url,
            "matching": _settings_input(matching),
            "rule_based_matching": _settings_input(rule_based_matching),
            "data_store": _settings_input(data_store),
            "tags": tags,
            "allow_data_loss": allow_data_loss,
            "adopt_existing": adopt_existing,
        }
        # Outputs are named with None so that Pulumi makes an Output attribute for each.
        props.update(dict.fromkeys(properties.OUTPUT_NAMES))
        super().__init__(provider or DomainProvider(), resource_name, props, opts)
