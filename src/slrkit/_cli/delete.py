"""``plan-delete`` and ``delete``: the plan, the refusals, the confirmation and the report.

Each calls `ProfilesKit` and shows what it returns in the command line's words;
a delete cut short names the command that finishes it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

import attrs

from slrkit._cli.arguments import domain_arguments, role_options, timeout_option
from slrkit._cli.core import Command, Context
from slrkit._cli.failure import CommandError, ErrorCode
from slrkit._cli.output import fields, table
from slrkit._cli.words import in_cli_words
from slrkit._validate import validate_confirm, validate_domain_name, validate_linked_role_name
from slrkit.exceptions import SlrkitError

if TYPE_CHECKING:
    import argparse
    from collections.abc import Iterable

    from slrkit._models import Blocker, DeletionPlan, DeletionReport

__all__ = ["DELETE", "PLAN_DELETE"]


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
    domain_arguments(parser)
    role_options(parser)


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
    domain_arguments(parser)
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
    role_options(parser)
    timeout_option(parser, "waiting for the role to be removed")


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
