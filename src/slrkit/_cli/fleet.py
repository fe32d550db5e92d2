"""The subcommands for a whole estate, through `Fleet`: apply, audit and cleanup-orphans."""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

import attrs

from slrkit._audit import AuditReport, CleanupReport, RoleStatus
from slrkit._cli.arguments import seconds
from slrkit._cli.commands import setting_table
from slrkit._cli.core import Command, Context, UsageError
from slrkit._cli.estate import DEFAULT_ACCOUNT, read_estate
from slrkit._cli.failure import CommandError, ErrorCode, failure_of
from slrkit._cli.output import table, when
from slrkit._cli.words import in_cli_words
from slrkit._fleet import FleetItem
from slrkit._regions import SUPPORTED_REGIONS, validate_region
from slrkit._spec import SETTINGS
from slrkit.exceptions import SlrkitError

if TYPE_CHECKING:
    import argparse
    from collections.abc import Sequence

    import boto3

    from slrkit._cli.estate import Estate
    from slrkit._fleet import DomainSpec, Fleet

__all__ = ["APPLY", "AUDIT", "CLEANUP_ORPHANS"]


# -- apply --------------------------------------------------------------------------------


def _apply_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "estate",
        metavar="ESTATE.toml",
        help="the estate file: an optional [accounts] table (name = { profile = ... }) and "
        "one [[domain]] table per domain (name, region, account, settings by name)",
    )
    parser.add_argument(
        "--yes",
        action="store_true",
        help="apply the plan; without it, only show what would be created or changed",
    )
    parser.add_argument(
        "--timeout",
        type=seconds,
        metavar="SECONDS",
        help="give up waiting for a new role after this long, failing that domain (default: 300)",
    )


def _planned(ctx: Context, session: boto3.Session, spec: DomainSpec) -> FleetItem:
    """What ensuring *spec* would do, read with a dry run: nothing is written."""
    account = spec.account or DEFAULT_ACCOUNT
    try:
        result = ctx.kit(spec.region, session=session).ensure_domain(
            spec.name, dry_run=True, **{f.name: getattr(spec, f.name) for f in SETTINGS}
        )
    except SlrkitError as exc:
        return FleetItem(account=account, region=spec.region, name=spec.name, error=exc)
    return FleetItem(account=account, region=spec.region, name=spec.name, result=result)


def _item(item: FleetItem) -> dict[str, object]:
    """One domain of an apply, for the envelope."""
    result = item.result
    error = failure_of(item.error, rerun=None) if item.error is not None else None
    return {
        "account": item.account,
        "region": item.region,
        "name": item.name,
        "action": result.action if result is not None else "failed",
        "changes": result.changes if result is not None else [],
        "linked_role": result.linked_role.name if result and result.linked_role else None,
        "link_problem": in_cli_words(result.link_problem)
        if result and result.link_problem
        else None,
        "error": {"code": error.code.word, "message": error.message} if error else None,
    }


def _apply_lines(estate: Estate, items: Sequence[FleetItem], *, applied: bool) -> list[str]:
    verbs = (
        {"created": "created", "updated": "updated", "unchanged": "unchanged"}
        if applied
        else {"created": "create", "updated": "update", "unchanged": "unchanged"}
    )
    counts = dict.fromkeys((*verbs.values(), "failed"), 0)
    rows: list[tuple[str, ...]] = []
    details: list[str] = []
    for item in items:
        result = item.result
        action = verbs[result.action] if result is not None else "failed"
        counts[action] += 1
        note = "-"
        if item.error is not None:
            note = failure_of(item.error, rerun=None).message
        elif result is not None and result.linked_role is not None and applied:
            note = result.linked_role.name
        elif result is not None and result.link_problem and applied:
            note = f"role not recorded: {in_cli_words(result.link_problem)}"
        rows.append((item.account, item.region, item.name, action, note))
        if result is not None and result.changes:
            details += ["", f"{item.account} {item.region} {item.name}:"]
            details += [f"  {line}" for line in setting_table(result)]
    tally = ", ".join(f"{count} {verb}" for verb, count in counts.items())
    head = (
        f"Applied {estate.path}: {tally}."
        if applied
        else f"Plan for {estate.path}: {tally} (nothing was written)."
    )
    last = "ROLE OR ERROR" if applied else "ERROR"
    lines = [head, "", *table(("ACCOUNT", "REGION", "DOMAIN", "ACTION", last), rows), *details]
    if not applied and any(item.result and item.result.changed for item in items):
        lines += ["", "Run it again with --yes to apply it."]
    return lines


def _apply(ctx: Context, args: argparse.Namespace) -> None:
    estate = read_estate(args.estate)
    if ctx.profile is not None and estate.accounts != {DEFAULT_ACCOUNT: None}:
        raise UsageError(
            f"--profile and the [accounts] of {estate.path} exclude each other: each account "
            "names its own profile"
        )
    sessions = ctx.sessions(estate.accounts)
    if args.yes:
        regions = [r for r in SUPPORTED_REGIONS if any(s.region == r for s in estate.specs)]
        fleet = ctx.fleet(sessions, regions, timeout=args.timeout)
        items = fleet.ensure_all(estate.specs).items
    else:
        items = tuple(
            _planned(ctx, sessions[s.account or DEFAULT_ACCOUNT], s) for s in estate.specs
        )
    ctx.out.result(
        {"estate": estate.path, "applied": args.yes, "items": [_item(i) for i in items]},
        _apply_lines(estate, items, applied=args.yes),
    )
    failed = [item for item in items if not item.ok]
    if failed:
        first = failed[0]
        raise CommandError(
            ErrorCode.ITEMS_FAILED,
            f"{len(failed)} of {len(items)} domains failed, the first {first.account} "
            f"{first.region} {first.name}; the others are done",
        )


APPLY: Final = Command(
    name="apply",
    help="bring every domain of an estate file to its settings (a plan unless --yes)",
    description="Read an estate file (TOML: [accounts], then one [[domain]] per domain "
    "with its name, region, account and settings) and check all of it before anything is "
    "sent. Without --yes, show what would be created or changed, per domain, and write "
    "nothing. With --yes, converge the estate through slrkit's Fleet: existing domains "
    "concurrently, new ones one at a time per account and region, each tagged with its "
    "role. A domain that fails stops no other; the run then exits 1, and running it again "
    "finishes the work.",
    arguments=_apply_arguments,
    run=_apply,
)


# -- audit and cleanup-orphans ------------------------------------------------------------


def _fleet_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--region",
        action="append",
        default=[],
        metavar="R",
        help="a region to cover; repeat it for more (default: every supported region)",
    )
    parser.add_argument(
        "--account-profile",
        action="append",
        default=[],
        metavar="NAME",
        help="an AWS profile per account, e.g. one per assumed role; repeat it for more "
        "(default: --profile, or the usual credential chain)",
    )


def _fleet(ctx: Context, args: argparse.Namespace) -> Fleet:
    regions = [validate_region(r) for r in args.region] or list(SUPPORTED_REGIONS)
    if ctx.fake is not None:
        if args.account_profile:
            raise UsageError("--account-profile and --fake exclude each other")
        return ctx.fleet({"fake": ctx.fake.session(regions[0])}, regions)
    profiles = args.account_profile or [ctx.profile]
    return ctx.fleet(ctx.sessions({name or "default": name for name in profiles}), regions)


def _audit_lines(report: AuditReport) -> list[str]:
    lines = [
        (
            f"{len(report.domains)} domains, {len(report.roles)} Customer Profiles roles "
            f"({len(report.with_status(RoleStatus.ORPHANED))} orphaned, "
            f"{len(report.with_status(RoleStatus.UNEXPLAINED))} unexplained)."
        )
    ]
    if report.domains:
        rows = [
            (
                d.account,
                d.region,
                d.domain.name,
                d.role_name or "-",
                str(d.evidence) if d.evidence else d.note or "-",
            )
            for d in report.domains
        ]
        lines += ["", *table(("ACCOUNT", "REGION", "DOMAIN", "ROLE", "EVIDENCE"), rows)]
    if report.roles:
        rows = [
            (
                r.account,
                r.role.name,
                str(r.status),
                when(r.role.created_at),
                f"{r.region}/{r.domain_name}" if r.domain_name else r.reason,
            )
            for r in report.roles
        ]
        lines += ["", *table(("ACCOUNT", "ROLE", "STATUS", "CREATED", "DOMAIN OR REASON"), rows)]
    for row in report.problems:
        for problem in row.role.problems:
            lines.append(f"problem: {row.role.name}: {problem.message}")
    for error in report.errors:
        lines.append(f"not read: {error.account} {error.region or 'iam'}: {error.message}")
    return lines


def _incomplete(report: AuditReport) -> CommandError:
    parts = ", ".join(f"{e.account} {e.region or 'iam'}" for e in report.errors)
    return CommandError(
        ErrorCode.AUDIT_INCOMPLETE,
        f"{len(report.errors)} parts of the estate could not be read ({parts}); no role "
        "is called an orphan on their account",
    )


def _audit(ctx: Context, args: argparse.Namespace) -> None:
    report = _fleet(ctx, args).audit()
    ctx.out.result(report, _audit_lines(report))
    if report.errors:
        raise _incomplete(report)


AUDIT: Final = Command(
    name="audit",
    help="every domain and Customer Profiles role of the estate, classified",
    description="List every domain of the given regions and accounts with its role and the "
    "evidence for it, and classify every Customer Profiles service-linked role: linked, "
    "orphaned (no domain in any region can own it) or unexplained. IAM is read once per "
    "account. Exits 1 when a part of the estate could not be read.",
    arguments=_fleet_arguments,
    run=_audit,
)


def _cleanup_arguments(parser: argparse.ArgumentParser) -> None:
    _fleet_arguments(parser)
    parser.add_argument(
        "--yes",
        action="store_true",
        help="delete the orphans; without it, only show what would be deleted",
    )


def _cleanup_lines(report: CleanupReport) -> list[str]:
    if not report.items:
        return ["No orphaned Customer Profiles roles: nothing to delete."]
    verb = "Would delete" if report.dry_run else "Deleted"
    lines = [f"{verb} {sum(i.action != 'failed' for i in report.items)} orphaned roles."]
    rows = [(i.account, i.role_name, i.action, i.detail or "-") for i in report.items]
    lines += ["", *table(("ACCOUNT", "ROLE", "ACTION", "DETAIL"), rows)]
    if report.dry_run:
        lines += ["", "Nothing was deleted: run again with --yes to delete them."]
    return lines


def _cleanup(ctx: Context, args: argparse.Namespace) -> None:
    report = _fleet(ctx, args).cleanup_orphans(dry_run=not args.yes)
    report = attrs.evolve(
        report,
        items=tuple(attrs.evolve(i, detail=in_cli_words(i.detail)) for i in report.items),
    )
    ctx.out.result(report, _cleanup_lines(report))
    failed = [item for item in report.items if item.action == "failed"]
    if failed:
        raise CommandError(
            ErrorCode.REFUSED,
            f"{len(failed)} orphaned roles were not deleted, the first {failed[0].role_name}: "
            f"{failed[0].detail}",
        )
    if report.audit.errors:
        raise _incomplete(report.audit)


CLEANUP_ORPHANS: Final = Command(
    name="cleanup-orphans",
    help="delete the roles that no domain can own (a dry run unless --yes)",
    description="Audit the estate, then delete each orphaned Customer Profiles role through "
    "DeleteServiceLinkedRole, polling its task to the end. Roles that are unexplained, in "
    "use, or outside the Customer Profiles path are never touched. Without --yes it only "
    "shows what it would delete. Exits 3 when IAM refused a deletion because the role is in "
    "use.",
    arguments=_cleanup_arguments,
    run=_cleanup,
)
