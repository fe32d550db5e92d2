"""The subcommands for one domain at a time, and the two that need no AWS at all.

Each one calls `ProfilesKit` and shows what it returns, in the command line's
words (`slrkit._cli.words`).
"""

from __future__ import annotations

import argparse
import json
import math
from typing import TYPE_CHECKING, Any, Final

import attrs

from slrkit._cli.core import Command, Context, UsageError
from slrkit._cli.failure import CommandError, ErrorCode
from slrkit._cli.output import fields, show, table, when
from slrkit._cli.settings import read_settings_file
from slrkit._cli.words import in_cli_words
from slrkit._models import Action, Blocker, DeletionPlan, DeletionReport, Evidence, LinkedRole
from slrkit._policy import least_privilege_policy
from slrkit._regions import REGION_NAMES
from slrkit._spec import SETTINGS, TAGS, about
from slrkit._validate import (
    LINKED_ROLE_TAG,
    validate_confirm,
    validate_domain_name,
    validate_linked_role_name,
)
from slrkit.exceptions import SlrkitError

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from slrkit._kit import ProfilesKit
    from slrkit._models import EnsureResult

__all__ = [
    "DELETE",
    "ENSURE",
    "PLAN_DELETE",
    "POLICY",
    "REGIONS",
    "ROLE",
    "ensure_lines",
    "explain_evidence",
    "seconds",
    "setting_table",
]


def explain_evidence(evidence: Evidence | None) -> str:
    """Why slrkit ties a role to a domain, in words."""
    if evidence is None:
        return "none: the role was read on its own"
    return f"{evidence}: {evidence.description}"


def seconds(text: str) -> float:
    """A ``--timeout``: a finite number of seconds above 0."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"expected a number of seconds above 0, got {text!r}")
    return value


def _name(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("name", metavar="NAME", help="the domain name")
    parser.add_argument(
        "--region",
        help="where the domain lives (see 'slrkit regions'; default: AWS_REGION, "
        "AWS_DEFAULT_REGION or the profile's region, but never with --fake)",
    )


def _role_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--role",
        metavar="ROLE",
        help="the domain's role: that of a domain already deleted, from an earlier plan "
        "or report, or one the evidence cannot tell",
    )
    parser.add_argument(
        "--allow-unknown-role",
        action="store_true",
        help="delete the domain even when its role cannot be told, leaving the role to "
        "Customer Profiles",
    )


def _timeout_option(parser: argparse.ArgumentParser, what: str) -> None:
    parser.add_argument(
        "--timeout",
        type=seconds,
        metavar="SECONDS",
        help=f"give up {what} after this long, with exit code 1 (default: 300)",
    )


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
    _name(parser)
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
        help=f"a tag to remove when the domain has it; repeat it for more ({LINKED_ROLE_TAG} "
        "is slrkit's own and never removed)",
    )
    _timeout_option(parser, "waiting for the new role or for the domain to settle")
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
    arguments=_name,
    run=_role,
)


# -- plan-delete and delete ---------------------------------------------------------------


def _blocker_text(blocker: Blocker, plan: DeletionPlan) -> str:
    """A blocker in the command line's words, with the option that settles it."""
    stats = plan.domain.stats if plan.domain is not None else None
    if blocker.code == "data" and stats is not None:
        return (
            f"the domain holds {stats.profile_count} profiles and {stats.object_count} "
            "objects; empty it, or pass --allow-data-loss to delete them too"
        )
    if blocker.code in ("ambiguous-role", "unknown-role"):
        return (
            f"{in_cli_words(blocker.message)}; give the role with --role ROLE, or pass "
            "--allow-unknown-role to leave it to Customer Profiles"
        )
    return in_cli_words(blocker.message)


def _in_cli_words(plan: DeletionPlan) -> DeletionPlan:
    """*plan*, its blockers in the command line's words."""
    blockers = tuple(attrs.evolve(b, message=_blocker_text(b, plan)) for b in plan.blockers)
    return attrs.evolve(plan, blockers=blockers)


def _delete_words(name: str, region: str, role: str | None, args: argparse.Namespace) -> list[str]:
    """The ``delete`` that finishes deleting *name*, as words after ``slrkit OPTIONS``."""
    words = ["delete", name, "--region", region, "--confirm", name]
    words += ["--allow-data-loss"] if args.allow_data_loss else []
    words += ["--allow-unknown-role"] if args.allow_unknown_role else []
    words += ["--timeout", f"{args.timeout:g}"] if args.timeout is not None else []
    words += ["--role", role] if role is not None else []
    return words


def _plan_lines(plan: DeletionPlan, *, allow_data_loss: bool = False) -> list[str]:
    name, region = plan.domain_name, plan.region
    if plan.domain is None and plan.role is None:
        return [f"Domain {name} does not exist in {region}: there is nothing to delete."]
    lines = [
        f"Deleting domain {name} in {region} would:",
        *(f"  {number}. {step}" for number, step in enumerate(plan.steps, 1)),
        "",
    ]
    stats = plan.domain.stats if plan.domain is not None else None
    holds = f"{stats.profile_count} profiles, {stats.object_count} objects" if stats else "-"
    role = plan.role
    lines += fields(
        [
            ("Domain", f"{name} ({holds})" if plan.domain is not None else "already deleted"),
            ("Role", f"{role.name} (evidence: {role.evidence})" if role else "none identified"),
        ]
    )
    waived = [b for b in plan.blockers if b.code == "data" and allow_data_loss]
    blocking = [b for b in plan.blockers if b not in waived]
    if waived:
        lines += ["", "With --allow-data-loss, its profiles and objects are deleted too."]
    if blocking:
        lines += ["", "Blocked:", *(f"  - {b.message}" for b in blocking)]
    else:
        again = f" --role {role.name}" if plan.domain is None and role else ""
        flag = " --allow-data-loss" if waived else ""
        command = f"slrkit delete {name} --region {region} --confirm {name}{flag}{again}"
        lines += ["", f"Nothing blocks it: {command}"]
    return lines


def _blocked(head: str, blockers: Iterable[Blocker]) -> CommandError:
    reasons = "; ".join(b.message for b in blockers)
    return CommandError(ErrorCode.BLOCKED, f"{head}: {reasons}")


def _plan_arguments(parser: argparse.ArgumentParser) -> None:
    _name(parser)
    _role_options(parser)


def _plan_delete(ctx: Context, args: argparse.Namespace) -> None:
    name = validate_domain_name(args.name)
    if args.role is not None:
        validate_linked_role_name(args.role, "role_name")
    region = ctx.region(args.region)
    plan = _in_cli_words(
        ctx.kit(region).plan_domain_deletion(
            name, role_name=args.role, allow_unknown_role=args.allow_unknown_role
        )
    )
    ctx.out.result(plan, _plan_lines(plan))
    if plan.blockers:
        raise _blocked(f"deleting domain {name!r} is blocked", plan.blockers)


PLAN_DELETE: Final = Command(
    name="plan-delete",
    help="show what delete would do, and what blocks it (exit 3 when blocked)",
    description="Look up the domain, its data and its service-linked role, and show the "
    "steps 'delete' would take and anything that would make it refuse. Nothing is written. "
    "Exits 3 when something blocks the deletion, so that a script can gate on it.",
    arguments=_plan_arguments,
    run=_plan_delete,
)


def _delete_arguments(parser: argparse.ArgumentParser) -> None:
    _name(parser)
    parser.add_argument(
        "--confirm",
        metavar="NAME",
        help="the domain name again; without it you are asked to type it (needs a terminal)",
    )
    parser.add_argument(
        "--allow-data-loss",
        action="store_true",
        help="delete the domain even though it holds profiles or objects",
    )
    parser.add_argument(
        "--no-wait", action="store_true", help="do not wait for the role to be removed"
    )
    _role_options(parser)
    _timeout_option(parser, "waiting for the role to be removed")


def _confirmed(ctx: Context, args: argparse.Namespace, plan: DeletionPlan) -> None:
    """Show the plan and have the name typed; refuse a wrong name or a blocked plan."""
    ctx.out.tell([*_plan_lines(plan, allow_data_loss=args.allow_data_loss), ""])
    _refuse_if_blocked(plan, args)
    typed = ctx.out.ask(f"Type the domain name ({plan.domain_name}) to delete it: ")
    validate_confirm(plan.domain_name, typed)


def _refuse_if_blocked(plan: DeletionPlan, args: argparse.Namespace) -> None:
    blocking = [b for b in plan.blockers if not (b.code == "data" and args.allow_data_loss)]
    if blocking:
        raise _blocked(f"refusing to delete domain {plan.domain_name!r}", blocking)


def _report_in_cli_words(report: DeletionReport) -> DeletionReport:
    steps = tuple(attrs.evolve(s, detail=in_cli_words(s.detail)) for s in report.steps)
    return attrs.evolve(report, steps=steps)


def _report_lines(report: DeletionReport, *, finish: str | None, gone: str | None) -> list[str]:
    """The report, for people.

    *finish* is the command that makes sure a role that may remain goes, and *gone* the
    role given with --role that no longer exists.
    """
    name, region, role = report.domain_name, report.region, report.role_name
    if report.domain_deleted:
        head = f"Deleted domain {name} in {region}."
    else:
        head = f"Domain {name} in {region} was already deleted."
    removed = {
        "service": f"Customer Profiles removed its role {role}.",
        "slrkit": f"slrkit removed its role {role} with DeleteServiceLinkedRole.",
        "already-gone": f"Its role {role} was already gone.",
    }
    if report.role_removed_by is not None:
        head += f" {removed[report.role_removed_by]}"
    elif finish is not None:
        head += f" Its role {role} may still exist: '{finish}' makes sure it is gone."
    elif gone is not None:
        head += f" Its role {gone} is gone."
    else:
        head += " Its role could not be told; it was left to Customer Profiles."
    steps = table(
        ("STEP", "OUTCOME", "DETAIL"), [(s.name, s.outcome, s.detail) for s in report.steps]
    )
    summary = (
        f"{len(report.calls)} API calls and {len(report.waits)} waits in {report.elapsed:.1f} s."
    )
    return [head, "", *steps, "", summary]


def _deleting(name: str, region: str, role: str | None, *, no_wait: bool) -> str:
    """What delete says once nothing can stop it any more."""
    if no_wait:
        return f"Deleting domain {name} in {region}..."
    if role is None:
        return (
            f"Deleting domain {name} in {region}; its role cannot be told, so it is left to "
            "Customer Profiles..."
        )
    return f"Deleting domain {name} in {region}, then waiting for its role {role} to be removed..."


def _check_delete(ctx: Context, args: argparse.Namespace) -> str:
    """The domain name, once every check that needs no call has passed."""
    name = validate_domain_name(args.name)
    if args.confirm is not None:
        validate_confirm(name, args.confirm)
    elif not ctx.out.interactive:
        raise CommandError(
            ErrorCode.NOT_CONFIRMED,
            f"refusing to delete domain {name!r} unconfirmed: there is no terminal to ask "
            f"on; pass --confirm {name}",
        )
    if args.role is not None:
        validate_linked_role_name(args.role, "role_name")
    return name


def _delete(ctx: Context, args: argparse.Namespace) -> None:
    name = _check_delete(ctx, args)
    region = ctx.region(args.region)
    kit = ctx.kit(region, timeout=args.timeout)
    # The plan comes first: a refusal says so before anything is said of deleting, and
    # the role it names is the one a rerun needs once the domain is gone.
    plan = _in_cli_words(
        kit.plan_domain_deletion(
            name, role_name=args.role, allow_unknown_role=args.allow_unknown_role
        )
    )
    if args.confirm is None:
        _confirmed(ctx, args, plan)
    _refuse_if_blocked(plan, args)
    if plan.domain is None and plan.role is None and args.role is None:
        raise CommandError(
            ErrorCode.DOMAIN_NOT_FOUND,
            f"domain {name!r} does not exist in {region}; check NAME and --region, or, if "
            "an earlier delete removed it, finish with the --role ROLE that it printed",
        )
    role = plan.role.name if plan.role is not None else args.role
    ctx.rerun.finish_with(*_delete_words(name, region, role, args))
    ctx.out.progress(_deleting(name, region, role, no_wait=args.no_wait))
    try:
        report = kit.safe_delete_domain(
            name,
            confirm=name,
            allow_data_loss=args.allow_data_loss,
            wait=not args.no_wait,
            role_name=args.role,
            allow_unknown_role=args.allow_unknown_role,
            timeout=args.timeout,
        )
    except SlrkitError as exc:
        if exc.report is not None:
            done = _report_in_cli_words(exc.report)
            ctx.rerun.finish_with(*_delete_words(name, region, done.role_name or role, args))
            ctx.out.result(done, [])
        raise
    report = _report_in_cli_words(report)
    finish = None
    if report.role_removed_by is None and report.role_name is not None:
        ctx.rerun.finish_with(*_delete_words(name, region, report.role_name, args))
        finish = ctx.rerun.command
    gone = args.role if plan.role is None else None
    ctx.out.result(report, _report_lines(report, finish=finish, gone=gone))


DELETE: Final = Command(
    name="delete",
    help="delete a domain, and make sure its role goes too",
    description="Delete the domain safely: refuse when it holds data (unless "
    "--allow-data-loss) and unless the name is confirmed, then wait for its service-linked "
    "role to be removed, removing it with DeleteServiceLinkedRole if the service does not. "
    "If it stops halfway, it prints the command that finishes the work, with the --role "
    "it needs once the domain is gone.",
    arguments=_delete_arguments,
    run=_delete,
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
