"""How the fake behaves where AWS leaves room: its timings and the forms of its answers.

`Behaviour` is the one place that says how harsh the fake is. Where AWS documents
the behaviour, the default is AWS's; where it does not, the default is the best
guess the sources allow, and the knob's docstring says which is which, so that
a user with an account can set it to what AWS did for them
(`Behaviour.from_observations`, fed by slrkit's contract suite).
"""

from __future__ import annotations

import string
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, Final

import attrs

from slrkit._fake import _arguments, _observations
from slrkit._regions import SUPPORTED_REGIONS
from slrkit.exceptions import InvalidInputError

if TYPE_CHECKING:
    import os

__all__ = ["DEFAULT_USAGE_RESOURCE", "USAGE_FIELDS", "Behaviour"]

DEFAULT_USAGE_RESOURCE: Final = "arn:{partition}:profile:{region}:{account_id}:domains/{domain}"
"""A domain's ARN, as the Service Authorization Reference (and Terraform) builds it."""

USAGE_FIELDS: Final = ("partition", "region", "account_id", "domain")
"""The fields a `Behaviour.usage_resource` template may name."""

_MAX_REASON: Final = 1000  # the model's maximum for DeletionTaskFailureReasonType.Reason
_MAX_ARN: Final = 2048  # the model's maximum for arnType


def _seconds(inst: object, attribute: attrs.Attribute[Any], value: object) -> None:
    del inst
    _arguments.number(attribute.name, value)


def _optional_seconds(inst: object, attribute: attrs.Attribute[Any], value: object) -> None:
    del inst
    if value is not None:
        _arguments.number(attribute.name, value)


def _flag(inst: object, attribute: attrs.Attribute[Any], value: object) -> None:
    del inst
    _arguments.flag(attribute.name, value)


def _region(inst: object, attribute: attrs.Attribute[Any], value: object) -> None:
    del inst
    if value is not None:
        _arguments.region(attribute.name, value)


def _reason(inst: object, attribute: attrs.Attribute[Any], value: object) -> None:
    del inst
    if value is not None:
        _arguments.text(attribute.name, value, pattern=r"(?s).+", high=_MAX_REASON)


def _template(inst: object, attribute: attrs.Attribute[Any], value: object) -> None:
    del inst
    text = _arguments.text(attribute.name, value, pattern=r"[!-~]+", high=_MAX_ARN)
    rule = f"must be a template naming only {{{'}, {'.join(USAGE_FIELDS)}}}"
    try:
        fields = {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
        text.format(**dict.fromkeys(USAGE_FIELDS, "x"))
    except (ValueError, KeyError, IndexError) as exc:
        raise InvalidInputError(attribute.name, value, rule) from exc
    if not fields <= set(USAGE_FIELDS):
        raise InvalidInputError(attribute.name, value, rule)


def _regions(value: Iterable[str]) -> frozenset[str]:
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise InvalidInputError("profile_regions", value, "must be a set of region codes")
    regions = frozenset(_arguments.region("profile_regions", item) for item in value)
    if not regions:
        raise InvalidInputError("profile_regions", value, "must name at least one region")
    return regions


@attrs.frozen(kw_only=True)
class Behaviour:
    """How the fake behaves where AWS leaves room: timings, consistency and answer forms.

    All times are virtual seconds (finite, >= 0). A fake keeps its behaviour in
    its state file. `harsh` switches every hardship on at once; `from_observations`
    takes what slrkit's contract suite saw AWS do.

    Attributes:
        propagation_delay: After CreateDomain, how long until IAM reads show the
            domain's service-linked role. AWS: created "automatically", IAM is
            eventually consistent, no figure given (Terraform waits up to 2
            minutes). Chosen: 5.
        role_cleanup_delay: After DeleteDomain, how long until the service deletes
            the role; None: never (the DeleteServiceLinkedRole fallback then runs).
            AWS: the service deletes it, no figure given. Chosen: 20.
        deletion_task_duration: How long a DeleteServiceLinkedRole task runs
            (NOT_STARTED for its first fifth, then IN_PROGRESS). AWS: asynchronous,
            no figure given. Chosen: 10.
        read_lag: How long IAM reads (GetRole, ListRoles...) go on showing what a
            write changed: a role made by CreateServiceLinkedRole stays unseen, and
            a deleted role stays visible, for this long. AWS documents eventual
            consistency ("can take some time"), with no figure; cloud-nuke saw a
            role still readable right after its deletion task was gone
            (gruntwork-io/cloud-nuke#1149). Chosen: 2.
        task_retention: How long a SUCCEEDED deletion task stays readable before
            GetServiceLinkedRoleDeletionStatus answers NoSuchEntity; None: forever.
            AWS: undocumented; tasks of fast deletions were gone at the first
            poll (gruntwork-io/cloud-nuke#1143), and Terraform's waiter takes
            NoSuchEntity as success. Chosen: 5.
        failed_task_retention: The same for a FAILED task. AWS: undocumented, and
            the failure's reason is meant to be read. Chosen: None (kept).
        short_pages: Whether IAM list calls and ListDomains may return fewer items
            than asked for while more remain (IsTruncated or NextToken). The IAM
            model says IAM "might return fewer results, even when there are more
            results available"; when it does is not documented. Chosen: False.
        profile_regions: Where Customer Profiles has an endpoint. Elsewhere a call
            fails to connect, as botocore's does for a host that does not exist
            (it builds ``profile.<region>.amazonaws.com`` for any region). AWS: the
            ten regions of the endpoint data and of the service-linked-role page.
        rule_based_matching_pending: How long a rule-based matching configuration
            set on an existing domain stays PENDING. AWS (the model): "waits one
            hour"; a new domain skips PENDING. Default: 3600. The model forbids
            changes only from IN_PROGRESS on, so a change while PENDING is taken,
            and its hour starts again (chosen).
        rule_based_matching_duration: How long the matching job then stays
            IN_PROGRESS, when the configuration cannot be changed (the model says
            so; UpdateDomain answers BadRequestException, the only fitting error it
            models). How long it runs is undocumented. Chosen: 600.
        rule_based_matching_lock: How long after becoming ACTIVE the configuration
            stays unchangeable. AWS (the model): "a day". Default: 86400.
        usage_region: The Region a FAILED task's RoleUsageList names; None: each
            domain's own. AWS: undocumented for Customer Profiles; a real
            RoleUsageList named eu-north-1 for resources in eu-west-2
            (awslabs/landing-zone-accelerator-on-aws#221). Chosen: None.
        usage_resource: How a FAILED task's RoleUsageList names a domain, a
            template of {partition}, {region} (the domain's), {account_id} and
            {domain}. AWS: undocumented. Chosen: the domain's ARN.
        failure_reason: A FAILED task's ``Reason.Reason`` text; None leaves it out.
            AWS: returned "if that information is returned by the service", wording
            undocumented. Chosen: None.

    Raises:
        ValueError: A knob that breaks its rule (`slrkit.InvalidInputError`,
            naming the knob, the value and the rule).
    """

    propagation_delay: float = attrs.field(default=5.0, validator=_seconds)
    role_cleanup_delay: float | None = attrs.field(default=20.0, validator=_optional_seconds)
    deletion_task_duration: float = attrs.field(default=10.0, validator=_seconds)
    read_lag: float = attrs.field(default=2.0, validator=_seconds)
    task_retention: float | None = attrs.field(default=5.0, validator=_optional_seconds)
    failed_task_retention: float | None = attrs.field(default=None, validator=_optional_seconds)
    short_pages: bool = attrs.field(default=False, validator=_flag)
    profile_regions: frozenset[str] = attrs.field(
        default=frozenset(SUPPORTED_REGIONS), converter=_regions
    )
    rule_based_matching_pending: float = attrs.field(default=3600.0, validator=_seconds)
    rule_based_matching_duration: float = attrs.field(default=600.0, validator=_seconds)
    rule_based_matching_lock: float = attrs.field(default=86400.0, validator=_seconds)
    usage_region: str | None = attrs.field(default=None, validator=_region)
    usage_resource: str = attrs.field(default=DEFAULT_USAGE_RESOURCE, validator=_template)
    failure_reason: str | None = attrs.field(default=None, validator=_reason)

    @classmethod
    def harsh(cls) -> Behaviour:
        """Every hardship at once, each within what AWS is known or allowed to do.

        Slow propagation (30 s) and a service that deletes a domain's role only
        after two minutes, so that a fallback DeleteServiceLinkedRole races it;
        30 s deletion tasks; reads that lag writes by 10 s; SUCCEEDED tasks gone
        at once and FAILED ones after 30 s; short pages; RoleUsageList in a
        region where no domain is (eu-north-1).
        """
        return cls(
            propagation_delay=30.0,
            role_cleanup_delay=120.0,
            deletion_task_duration=30.0,
            read_lag=10.0,
            task_retention=0.0,
            failed_task_retention=30.0,
            short_pages=True,
            usage_region="eu-north-1",
        )

    @classmethod
    def from_observations(
        cls, path: str | os.PathLike[str], *, base: Behaviour | None = None
    ) -> Behaviour:
        """The behaviour AWS showed in a run of slrkit's contract suite (its JSON file).

        Knobs the run measured take the measured values; the others keep
        *base*'s (default: the defaults). The testing guide says how to make the file.

        Raises:
            FileNotFoundError: There is no such file.
            ValueError: It is not an observations file of this version, or a value
                in it breaks its rule; the message names the file and the value.
        """
        return _observations.read(path).behaviour(base if base is not None else cls())
