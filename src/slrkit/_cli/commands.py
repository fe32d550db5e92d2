"""The commands ``ensure``, ``role``, ``regions`` and ``policy``.

``ensure`` and ``role`` work on one domain at a time; ``regions`` and ``policy``
need no AWS; ``plan-delete`` and ``delete`` live in `slrkit._cli.delete`. Each
calls `ProfilesKit` and shows what it returns, in the command line's words
(`slrkit._cli.words`).
"""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING, Any, Final

import attrs

from slrkit._cli.arguments import domain_arguments, timeout_option
from slrkit._cli.core import Command, Context, UsageError
from slrkit._cli.output import fields, show, table, when
from slrkit._cli.settings import read_settings_file
from slrkit._cli.words import in_cli_words
from slrkit._models import Action, Evidence, LinkedRole
from slrkit._policy import least_privilege_policy
from slrkit._regions import REGION_NAMES
from slrkit._spec import SETTINGS, TAGS, about
from slrkit._validate import LINKED_ROLE_TAG, validate_domain_name

if TYPE_CHECKING:
    from collections.abc import Mapping

    from slrkit._kit import ProfilesKit
    from slrkit._models import EnsureResult

__all__ = [
    "ENSURE",
    "POLICY",
    "REGIONS",
    "ROLE",
    "ensure_lines",
    "explain_evidence",
    "setting_table",
]


def explain_evidence(evidence: Evidence | None) -> str:
    """Why slrkit ties a role to a domain, in words."""
    if evidence is None:
        return "none: the role was read on its own"
    return f"{evidence}: {evidence.description}"


# -- regions ------------------------------------------------------------------------------


def _regions(ctx: Context, _: argparse.Namespace) -> None:
    ctx.out.result(
        {"regions": [{"code": code, "name": name} for code, name in REGION_NAMES.items()]},
        table(("REGION", "NAME"), REGION_NAMES.items()),
    )


REGIONS: Final = Command(
    name="regions",
    help="list the regions where Customer Profiles runs",
    description="List the ten regions where Customer Profiles runs, in the order of the AWS "
    "table. Every other command refuses any other region before it calls AWS.",
    arguments=lambda _: None,
    run=_regions,
    uses_aws=False,
)


# -- ensure -------------------------------------------------------------------------------


def _tag(text: str) -> tuple[str, str]:
    key, equals, value = text.partition("=")
    if not equals:
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {text!r}")
    return key, value


def _days(text: str) -> int:
    """A whole number in ASCII digits: `int` also takes other scripts' digits and '1_0'."""
    if not (text.isascii() and text.isdigit()):
        raise argparse.ArgumentTypeError(f"expected a whole number of days, got {text!r}")
    return int(text)


def _tags(pairs: list[tuple[str, str]]) -> dict[str, str] | None:
    """The --tag options as a map; a key given twice is an error, not a silent overwrite."""
    tags: dict[str, str] = {}
    for key, value in pairs:
        if key in tags and tags[key] != value:
            raise UsageError(f"--tag {key} is given twice, as {tags[key]!r} and {value!r}")
        tags[key] = value
    return tags or None


# The option of each setting the table gives a flag, by the setting's name.
_SETTING_OPTIONS: Final[Mapping[str, Mapping[str, Any]]] = {
    "default_expiration_days": {
        "type": _days,
        "metavar": "N",
        "help": "days a profile is kept (1 to 1098); needed only to create the domain",
    },
    "default_encryption_key": {"metavar": "ARN", "help": "the domain's KMS key ('' clears it)"},
    "dead_letter_queue_url": {"metavar": "URL", "help": "the SQS dead-letter queue ('' clears it)"},
    "tags": {
        "type": _tag,
        "action": "append",
        "metavar": "KEY=VALUE",
        "help": "a tag to add or change; repeat it for more (tags not named are kept: "
        "--remove-tag removes one)",
    },
}


def _ensure_arguments(parser: argparse.ArgumentParser) -> None:
    domain_arguments(parser)
    for field in SETTINGS:
        flag = about(field).flag
        if flag is not None:
            parser.add_argument(flag, dest=field.name, **_SETTING_OPTIONS[field.name])
    parser.add_argument(
        "--settings",
        metavar="FILE",
        help="a JSON object of settings by name, for those without a flag: matching, "
        "rule_based_matching and data_store, as pulumi-aws's snake_case properties "
        "(any other setting may be given there too)",
    )
    parser.add_argument(
        "--remove-tag",
        dest="remove_tags",
        action="append",
        default=[],
        metavar="KEY",
        help="the key of a tag to remove when the domain has it (the key alone: 'a=b' is the "
        f"key a=b); repeat it for more ({LINKED_ROLE_TAG} is slrkit's own and never removed)",
    )
    timeout_option(parser, "waiting for the new role or for the domain to settle")
    parser.add_argument("--dry-run", action="store_true", help="show the changes, write nothing")


def _ensure_settings(args: argparse.Namespace) -> dict[str, Any]:
    """The settings given by flags and by ``--settings``, each checked, before any call."""
    given = read_settings_file(args.settings) if args.settings is not None else {}
    for field in SETTINGS:
        value = getattr(args, field.name, None)
        if field.name == TAGS and value is not None:
            value = _tags(value)
        if value is None:
            continue
        if field.name in given:
            raise UsageError(f"{field.name} is given both by {about(field).flag} and by --settings")
        given[field.name] = about(field).check(value)
    return given


def _kept_expiration(kit: ProfilesKit, name: str, region: str) -> int:
    """The domain's own expiration days, for an ensure that leaves them as they are.

    The kit takes the days even to update a domain; a dry run is how the
    command line reads the domain's own, through the kit.

    Raises:
        UsageError: The domain does not exist, and creating it needs the days.
    """
    domain = kit.ensure_domain(name, default_expiration_days=1, dry_run=True).domain
    if domain is None:
        raise UsageError(
            f"domain {name} does not exist in {region}, and creating it needs --expiration-days N"
        )
    if domain.default_expiration_days is None:
        raise UsageError(f"domain {name} has no expiration days to keep; give --expiration-days N")
    return domain.default_expiration_days


def setting_table(result: EnsureResult) -> list[str]:
    """The changes of an ensure, as an aligned table."""
    rows = [(c.field, show(c.old), show(c.new)) for c in result.changes]
    return table(("SETTING", "BEFORE", "AFTER"), rows)


def ensure_lines(result: EnsureResult, name: str, region: str) -> list[str]:
    """What an ensure did (or would do), with the changes and the role, for people."""
    created = result.action is Action.CREATED
    if not result.changed:
        lines = [f"Domain {name} in {region} already has these settings: nothing to do."]
    elif result.dry_run:
        verb = "create" if created else "update"
        lines = [f"Would {verb} domain {name} in {region} (dry run: nothing was written)."]
    else:
        lines = [f"{'Created' if created else 'Updated'} domain {name} in {region}."]
    if result.changes:
        lines += ["", *setting_table(result)]
    role = result.linked_role
    if role is not None:
        lines += [
            "",
            f"Its service-linked role is {role.name}, recorded in the tag {LINKED_ROLE_TAG}.",
        ]
    elif result.link_problem and not result.dry_run:
        lines += [
            "",
            (
                f"Its role is not recorded ({in_cli_words(result.link_problem)}). "
                f"'slrkit role {name} --region {region}' tells it once the evidence settles."
            ),
        ]
    return lines


def _ensure(ctx: Context, args: argparse.Namespace) -> None:
    name = validate_domain_name(args.name)
    settings = _ensure_settings(args)
    region = ctx.region(args.region)
    kit = ctx.kit(region, timeout=args.timeout)
    if "default_expiration_days" not in settings:
        settings["default_expiration_days"] = _kept_expiration(kit, name, region)
    result = kit.ensure_domain(name, remove_tags=args.remove_tags, dry_run=args.dry_run, **settings)
    result = attrs.evolve(
        result,
        link_problem=in_cli_words(result.link_problem) if result.link_problem else None,
    )
    ctx.out.result(
        {
            "domain_name": name,
            "region": region,
            **attrs.asdict(result, recurse=False),
            "changed": result.changed,
        },
        ensure_lines(result, name, region),
    )


ENSURE: Final = Command(
    name="ensure",
    help="create a domain, or bring it to these settings",
    description="Create the domain, or change only the settings that differ; settings "
    "left out are kept, and tags are removed only by --remove-tag. A domain that already "
    "matches is not touched. A new domain's "
    f"service-linked role is awaited and recorded in the domain tag {LINKED_ROLE_TAG}; "
    "a domain without that tag (an ensure cut short, or another tool's domain) gets it "
    "when the evidence tells its role, which is reported as a change.",
    arguments=_ensure_arguments,
    run=_ensure,
)


# -- role ---------------------------------------------------------------------------------


def role_lines(role: LinkedRole) -> list[str]:
    """The role, the evidence that ties it to its domain, and what is wrong with it."""
    last_used = when(role.last_used_at)
    if role.last_used_region:
        last_used += f" in {role.last_used_region}"
    problems = [f"{p.code}: {p.message}" for p in role.problems] or ["none"]
    return fields(
        [
            ("Role", role.name),
            ("ARN", role.arn),
            ("Path", role.path),
            ("Created", when(role.created_at)),
            ("Last used", last_used),
            ("Trusts", ", ".join(role.trust_principals) or "nobody"),
            ("Policies", ", ".join(a.rsplit("/", 1)[-1] for a in role.managed_policies) or "none"),
            ("Evidence", explain_evidence(role.evidence)),
            ("Problems", problems[0]),
            *(("", problem) for problem in problems[1:]),
        ]
    )


def _role(ctx: Context, args: argparse.Namespace) -> None:
    name = validate_domain_name(args.name)
    region = ctx.region(args.region)
    role = ctx.kit(region).describe_linked_role(name)
    head = f"Domain {name} in {region} uses the service-linked role {role.name}."
    if not role.is_healthy:
        head += f" Something is wrong with it ({len(role.problems)} problems)."
    ctx.out.result(
        {"domain_name": name, "region": region, "role": role},
        [head, "", *role_lines(role)],
    )


ROLE: Final = Command(
    name="role",
    help="show a domain's service-linked role and what is wrong with it",
    description="Find the domain's service-linked role (AWS never says which one it is), "
    "show why slrkit believes it is the one, and check its trust policy, path and managed "
    "policy.",
    arguments=domain_arguments,
    run=_role,
)


# -- policy -------------------------------------------------------------------------------


def _policy(ctx: Context, _: argparse.Namespace) -> None:
    policy = least_privilege_policy()
    ctx.out.result(policy, json.dumps(policy, indent=2).splitlines())
    if not ctx.out.json:
        ctx.out.progress(
            "slrkit: note: iam:CreateServiceLinkedRole is included because AWS does not document "
            "whether CreateDomain needs it."
        )


POLICY: Final = Command(
    name="policy",
    help="print the least-privilege IAM policy that slrkit needs",
    description="Print the IAM policy document that allows every API call slrkit makes "
    "and nothing else. It is derived from the calls in slrkit's code.",
    arguments=lambda _: None,
    run=_policy,
    uses_aws=False,
)
