"""The subcommands for one domain at a time, and the two that need no AWS at all.

Each one calls `ProfilesKit` and shows what it returns; none has logic of its own.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Final

from slrkit._cli.core import Command, Context, ExitCode, UsageError
from slrkit._cli.output import fields, show, table, when
from slrkit._models import Action, Blocker, DeletionPlan, DeletionReport, Evidence, LinkedRole
from slrkit._policy import least_privilege_policy
from slrkit._regions import REGION_NAMES
from slrkit._validate import (
    LINKED_ROLE_TAG,
    validate_confirm,
    validate_domain_name,
    validate_linked_role_name,
)
from slrkit.exceptions import RefusedError

if TYPE_CHECKING:
    from slrkit._models import EnsureResult

__all__ = ["DELETE", "ENSURE", "PLAN_DELETE", "POLICY", "REGIONS", "ROLE", "explain_evidence"]


def explain_evidence(evidence: Evidence | None) -> str:
    """Why slrkit ties a role to a domain, in words."""
    if evidence is None:
        return "none: the role was read on its own"
    return f"{evidence}: {evidence.description}"


def _name(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("name", metavar="NAME", help="the domain name")
    parser.add_argument(
        "--region", required=True, help="where the domain lives (see 'slrkit regions')"
    )


def _role_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--role",
        metavar="ROLE",
        help="the role of a domain already deleted, from an earlier plan or report",
    )


# -- regions ------------------------------------------------------------------------------


def _regions(ctx: Context, _: argparse.Namespace) -> int:
    ctx.out.result(
        {"regions": [{"code": code, "name": name} for code, name in REGION_NAMES.items()]},
        table(("REGION", "NAME"), REGION_NAMES.items()),
    )
    return ExitCode.OK


REGIONS: Final = Command(
    name="regions",
    help="list the regions where Customer Profiles runs",
    description="List the ten regions where Customer Profiles runs, in the order of the AWS "
    "table. Every other command refuses any other region before it calls AWS.",
    arguments=lambda _: None,
    run=_regions,
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


def _ensure_arguments(parser: argparse.ArgumentParser) -> None:
    _name(parser)
    parser.add_argument(
        "--expiration-days",
        type=_days,
        required=True,
        metavar="N",
        help="days a profile is kept (1 to 1098)",
    )
    parser.add_argument("--kms-key", metavar="ARN", help="the domain's KMS key ('' clears it)")
    parser.add_argument("--dlq", metavar="URL", help="the SQS dead-letter queue ('' clears it)")
    parser.add_argument(
        "--tag",
        type=_tag,
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a tag to add or change; repeat it for more (other tags are kept)",
    )
    parser.add_argument("--dry-run", action="store_true", help="show the changes, write nothing")


def _ensure_lines(result: EnsureResult, name: str, region: str) -> list[str]:
    created = result.action is Action.CREATED
    if not result.changed:
        lines = [f"Domain {name} in {region} already has these settings: nothing to do."]
    elif result.dry_run:
        verb = "create" if created else "update"
        lines = [f"Would {verb} domain {name} in {region} (dry run: nothing was written)."]
    else:
        lines = [f"{'Created' if created else 'Updated'} domain {name} in {region}."]
    if result.changes:
        rows = [(c.field, show(c.old), show(c.new)) for c in result.changes]
        lines += ["", *table(("SETTING", "BEFORE", "AFTER"), rows)]
    role = result.linked_role
    if role is not None:
        lines += [
            "",
            f"Its service-linked role is {role.name}, recorded in the tag {LINKED_ROLE_TAG}.",
        ]
    elif created and not result.dry_run:
        why = f" ({result.link_problem})" if result.link_problem else ""
        lines += [
            "",
            (
                f"Its role was not recorded{why}. 'slrkit role {name} --region {region}' tells "
                "it once the evidence settles."
            ),
        ]
    return lines


def _ensure(ctx: Context, args: argparse.Namespace) -> int:
    result = ctx.kit(args.region).ensure_domain(
        args.name,
        default_expiration_days=args.expiration_days,
        default_encryption_key=args.kms_key,
        dead_letter_queue_url=args.dlq,
        tags=_tags(args.tag),
        dry_run=args.dry_run,
    )
    ctx.out.result(
        {"domain_name": args.name, "region": args.region, "result": result},
        _ensure_lines(result, args.name, args.region),
    )
    return ExitCode.OK


ENSURE: Final = Command(
    name="ensure",
    help="create a domain, or bring it to these settings",
    description="Create the domain, or change only the settings that differ. A domain that "
    "already matches costs one read and is not touched. A new domain's service-linked role "
    f"is awaited and recorded in the domain tag {LINKED_ROLE_TAG}.",
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


def _role(ctx: Context, args: argparse.Namespace) -> int:
    role = ctx.kit(args.region).describe_linked_role(args.name)
    head = f"Domain {args.name} in {args.region} uses the service-linked role {role.name}."
    if not role.is_healthy:
        head += f" Something is wrong with it ({len(role.problems)} problems)."
    ctx.out.result(
        {"domain_name": args.name, "region": args.region, "role": role},
        [head, "", *role_lines(role)],
    )
    return ExitCode.OK


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
    stats = plan.domain.stats if plan.domain is not None else None
    if blocker.code == "data" and stats is not None:
        return (
            f"the domain holds {stats.profile_count} profiles and {stats.object_count} "
            "objects; empty it, or pass --allow-data-loss to delete them too"
        )
    return blocker.message


def _plan_lines(plan: DeletionPlan) -> list[str]:
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
    if plan.safe:
        again = f" --role {role.name}" if plan.domain is None and role else ""
        lines += ["", f"Nothing blocks it: slrkit delete {name} --region {region} --confirm {name}"]
        lines[-1] += again
    else:
        lines += ["", "Blocked:", *(f"  - {_blocker_text(b, plan)}" for b in plan.blockers)]
    return lines


def _plan_arguments(parser: argparse.ArgumentParser) -> None:
    _name(parser)
    _role_option(parser)


def _plan_delete(ctx: Context, args: argparse.Namespace) -> int:
    plan = ctx.kit(args.region).plan_domain_deletion(args.name, role_name=args.role)
    ctx.out.result({"plan": plan}, _plan_lines(plan))
    return ExitCode.OK


PLAN_DELETE: Final = Command(
    name="plan-delete",
    help="show what delete would do, and what blocks it",
    description="Look up the domain, its data and its service-linked role, and show the "
    "steps 'delete' would take and anything that would make it refuse. Nothing is written.",
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
    parser.add_argument(
        "--allow-unknown-role",
        action="store_true",
        help="delete the domain even when its role cannot be told, leaving the role to "
        "Customer Profiles",
    )
    _role_option(parser)


def _ask_confirmation(ctx: Context, args: argparse.Namespace) -> str:
    """Show the plan and have the name typed; refuse when nobody can type it."""
    name = args.name
    if not ctx.out.interactive:
        raise RefusedError(
            f"refusing to delete domain {name!r} unconfirmed: there is no terminal to ask "
            f"on; pass --confirm {name}"
        )
    plan = ctx.kit(args.region).plan_domain_deletion(
        name, role_name=args.role, allow_unknown_role=args.allow_unknown_role
    )
    ctx.out.tell([*_plan_lines(plan), ""])
    blocking = [b for b in plan.blockers if not (b.code == "data" and args.allow_data_loss)]
    if blocking:
        reasons = "; ".join(_blocker_text(b, plan) for b in blocking)
        raise RefusedError(f"refusing to delete domain {name!r}: {reasons}")
    return ctx.out.ask(f"Type the domain name ({name}) to delete it: ")


def _report_lines(report: DeletionReport) -> list[str]:
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
    elif role is not None:
        head += (
            f" Its role {role} may still exist: 'slrkit delete {name} --region {region} "
            f"--confirm {name} --role {role}' makes sure it is gone."
        )
    else:
        head += " Its role could not be told; it was left to Customer Profiles."
    steps = table(
        ("STEP", "OUTCOME", "DETAIL"), [(s.name, s.outcome, s.detail) for s in report.steps]
    )
    summary = (
        f"{len(report.calls)} API calls and {len(report.waits)} waits in {report.elapsed:.1f} s."
    )
    return [head, "", *steps, "", summary]


def _delete(ctx: Context, args: argparse.Namespace) -> int:
    validate_domain_name(args.name)
    confirm = args.confirm if args.confirm is not None else _ask_confirmation(ctx, args)
    validate_confirm(args.name, confirm)  # refuse before saying "Deleting"
    if args.role is not None:
        validate_linked_role_name(args.role, "role_name")
    kit = ctx.kit(args.region)
    ctx.out.progress(
        f"Deleting domain {args.name} in {args.region}"
        + ("..." if args.no_wait else ", then waiting for its role to be removed...")
    )
    report = kit.safe_delete_domain(
        args.name,
        confirm=confirm,
        allow_data_loss=args.allow_data_loss,
        wait=not args.no_wait,
        role_name=args.role,
        allow_unknown_role=args.allow_unknown_role,
    )
    ctx.out.result({"report": report}, _report_lines(report))
    return ExitCode.OK


DELETE: Final = Command(
    name="delete",
    help="delete a domain, and make sure its role goes too",
    description="Delete the domain safely: refuse when it holds data (unless "
    "--allow-data-loss) and unless the name is confirmed, then wait for its service-linked "
    "role to be removed, removing it with DeleteServiceLinkedRole if the service does not. "
    "Running it again after a failure finishes the work.",
    arguments=_delete_arguments,
    run=_delete,
)


# -- policy -------------------------------------------------------------------------------


def _policy(ctx: Context, _: argparse.Namespace) -> int:
    ctx.out.document(least_privilege_policy())
    if not ctx.out.json:
        ctx.out.progress(
            "slrkit: note: iam:CreateServiceLinkedRole is included because AWS does not document "
            "whether CreateDomain needs it."
        )
    return ExitCode.OK


POLICY: Final = Command(
    name="policy",
    help="print the least-privilege IAM policy that slrkit needs",
    description="Print the IAM policy document that allows every API call slrkit makes "
    "and nothing else. It is derived from the calls in slrkit's code.",
    arguments=lambda _: None,
    run=_policy,
)
