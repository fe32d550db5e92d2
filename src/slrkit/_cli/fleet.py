"""The subcommands for a whole estate: ``audit`` and ``cleanup-orphans``, through `Fleet`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

import boto3

from slrkit._cli.core import Command, Context, ExitCode, UsageError
from slrkit._cli.output import table, when
from slrkit._fleet import AuditReport, CleanupReport, Fleet, RoleStatus
from slrkit._regions import SUPPORTED_REGIONS, validate_region

if TYPE_CHECKING:
    import argparse
    from collections.abc import Mapping

__all__ = ["AUDIT", "CLEANUP_ORPHANS"]


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
    sessions: Mapping[str, boto3.Session]
    if ctx.fake is not None:
        if args.account_profile:
            raise UsageError("--account-profile and --fake exclude each other")
        sessions = {"fake": ctx.fake.session(regions[0])}
        return Fleet(sessions, regions=regions, clock=ctx.fake.clock)
    profiles = args.account_profile or [ctx.profile]
    sessions = {name or "default": boto3.Session(profile_name=name) for name in profiles}
    return Fleet(sessions, regions=regions)


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


def _audit(ctx: Context, args: argparse.Namespace) -> int:
    report = _fleet(ctx, args).audit()
    ctx.out.result({"audit": report}, _audit_lines(report))
    return ExitCode.ERROR if report.errors else ExitCode.OK


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


def _cleanup(ctx: Context, args: argparse.Namespace) -> int:
    report = _fleet(ctx, args).cleanup_orphans(dry_run=not args.yes)
    ctx.out.result({"cleanup": report}, _cleanup_lines(report))
    if any(item.action == "failed" for item in report.items):
        return ExitCode.REFUSED
    return ExitCode.ERROR if report.audit.errors else ExitCode.OK


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
