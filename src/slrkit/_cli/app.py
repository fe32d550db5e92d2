"""The ``slrkit`` command: its parser, its global options, and errors turned into exit codes."""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import sys
import textwrap
import traceback
from pathlib import Path
from typing import TYPE_CHECKING, Final, NoReturn

from botocore.exceptions import BotoCoreError, ProfileNotFound

from slrkit._cli import commands, demo, fleet, serve
from slrkit._cli.core import Command, Context, ExitCode, UsageError
from slrkit._cli.output import Output
from slrkit._metadata import installed_version
from slrkit._spec import SETTINGS, about
from slrkit.exceptions import (
    AccessDeniedError,
    AmbiguousLinkedRoleError,
    AWSError,
    ConfirmationMismatchError,
    DomainNotEmptyError,
    DomainNotFoundError,
    EndpointError,
    InvalidInputError,
    LinkedRoleNotFoundError,
    RefusedError,
    SlrkitError,
    ThrottledError,
    UnknownRoleError,
    UnreadableRegionsError,
    UnsafeRoleError,
)

if TYPE_CHECKING:
    from collections.abc import Generator, Sequence

    from slrkit.testing import FakeAWS

__all__ = ["COMMANDS", "main", "parser", "run"]

COMMANDS: Final[tuple[Command, ...]] = (
    commands.REGIONS,
    commands.ENSURE,
    commands.ROLE,
    commands.PLAN_DELETE,
    commands.DELETE,
    fleet.AUDIT,
    fleet.CLEANUP_ORPHANS,
    commands.POLICY,
    demo.DEMO,
    serve.SERVE,
)
"""Every subcommand, in the order ``slrkit --help`` lists them."""

_EPILOG: Final = """\
exit codes:
  0    ok
  1    an AWS call or the run failed (running the command again is safe)
  2    usage or validation error: nothing was sent to AWS
  3    refused for safety: no confirmation, data in the domain, role in use
  130  interrupted

New here? 'slrkit demo' runs the whole lifecycle offline, in seconds.
Try any command without AWS: slrkit --fake --fake-state state.json COMMAND ...
"""

# The kit's errors name its Python parameters; people at a shell typed these.
_FLAGS: Final = {
    "domain_name": "NAME",
    "region": "--region",
    **{f.name: flag for f in SETTINGS if (flag := about(f).flag) is not None},
    "role_name": "--role",
}


class _Parser(argparse.ArgumentParser):
    """An argparse parser whose usage errors fit on one line and name the fix."""

    def error(self, message: str) -> NoReturn:
        self.exit(ExitCode.USAGE, f"{self.prog}: error: {message}; see '{self.prog} --help'\n")


def _global_options(parser: argparse.ArgumentParser, *, top: bool) -> None:
    """Add the global options; below the top they only override what was given above.

    So ``slrkit --json role ...`` and ``slrkit role ... --json`` mean the same.
    """
    off: object = False if top else argparse.SUPPRESS
    unset: object = None if top else argparse.SUPPRESS
    group = parser.add_argument_group("global options")
    group.add_argument(
        "--json",
        action="store_true",
        default=off,
        help="print one JSON document on stdout, for scripts",
    )
    group.add_argument(
        "--profile",
        metavar="NAME",
        default=unset,
        help="the AWS profile to use (default: the usual AWS credential chain)",
    )
    group.add_argument(
        "--fake",
        action="store_true",
        default=off,
        help="use slrkit's offline fake of AWS instead of AWS",
    )
    group.add_argument(
        "--fake-state",
        metavar="FILE",
        default=unset,
        help="with --fake: keep the fake's state in FILE between commands",
    )
    loudness = group.add_mutually_exclusive_group()
    loudness.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        default=off,
        help="log every API call and wait to stderr, and show tracebacks",
    )
    loudness.add_argument(
        "-q",
        "--quiet",
        action="store_true",
        default=off,
        help="print no progress messages",
    )


def parser() -> argparse.ArgumentParser:
    """The ``slrkit`` argument parser, with one subparser per entry of `COMMANDS`."""
    top = _Parser(
        prog="slrkit",
        description="Amazon Connect Customer Profiles domains and their IAM service-linked\n"
        "roles: create, inspect and delete them safely.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    top.add_argument("--version", action="version", version=f"slrkit {installed_version()}")
    _global_options(top, top=True)
    subparsers = top.add_subparsers(
        title="commands", dest="command_name", required=True, metavar="COMMAND"
    )
    for command in COMMANDS:
        sub = subparsers.add_parser(
            command.name,
            help=command.help,
            # The exit-code table needs a raw epilog, so the paragraph is wrapped here.
            description=textwrap.fill(command.description, width=79),
            epilog=_EPILOG,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        command.arguments(sub)
        _global_options(sub, top=False)
        sub.set_defaults(command=command)
    return top


def main(argv: Sequence[str] | None = None, *, fake: FakeAWS | None = None) -> int:
    """Run the command line with *argv* (default: ``sys.argv[1:]``) and return the exit code.

    Args:
        argv: The arguments after the program name.
        fake: The fake that ``--fake`` uses, instead of a new one or the
            ``--fake-state`` file's (which is then neither read nor written);
            tests pass theirs to read its call log.
    """
    try:
        args = parser().parse_args(argv)
    except SystemExit as exc:  # argparse has printed the help, the version or a usage error
        return exc.code if isinstance(exc.code, int) else ExitCode.USAGE
    out = Output(
        json=args.json, quiet=args.quiet, stdin=sys.stdin, stdout=sys.stdout, stderr=sys.stderr
    )
    command: Command = args.command
    with _logging(args, out):
        try:
            with _context(args, out, fake) as ctx:
                return command.run(ctx, args)
        except BrokenPipeError:
            raise
        except KeyboardInterrupt:
            out.error("interrupted; running the command again resumes where it stopped")
            return ExitCode.INTERRUPTED
        except Exception as exc:  # noqa: BLE001 - every error becomes one line and an exit code
            return _fail(out, exc, verbose=args.verbose)


def run() -> NoReturn:
    """The console-script entry point."""
    try:
        code = main()
        sys.stdout.flush()
    except BrokenPipeError:
        # The reader left (``slrkit ... | head``): say nothing more, and keep Python's
        # shutdown from failing on the flush of the dead pipe.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        code = ExitCode.ERROR
    sys.exit(code)


@contextlib.contextmanager
def _context(
    args: argparse.Namespace, out: Output, fake: FakeAWS | None
) -> Generator[Context, None, None]:
    """The run's context; with ``--fake-state``, the file is held for the whole command.

    `FakeAWS.open` locks the file before it is read and saves it before it is let
    go, so commands run at the same time on one file take turns and lose nothing.
    """
    state_file = Path(args.fake_state) if args.fake_state is not None else None
    if state_file is not None and not args.fake:
        raise UsageError("--fake-state needs --fake: the file holds the fake's state")
    if args.fake and args.profile is not None:
        raise UsageError("--profile and --fake exclude each other: the fake never calls AWS")
    if not args.fake:
        yield Context(out=out, profile=args.profile, fake=None)
        return
    from slrkit.testing import FakeAWS, StateFileError  # noqa: PLC0415 - only --fake pays

    if fake is not None or state_file is None:
        yield Context(out=out, profile=None, fake=fake if fake is not None else FakeAWS())
        return
    with contextlib.ExitStack() as stack:
        try:
            opened = stack.enter_context(FakeAWS.open(state_file))
        except StateFileError as exc:
            raise UsageError(f"{exc}; pass another --fake-state file, or delete this one") from exc
        yield Context(out=out, profile=None, fake=opened)


class _Formatter(logging.Formatter):
    """``slrkit: waiting 2.0s for ...`` for progress; the level named from warnings up."""

    def format(self, record: logging.LogRecord) -> str:
        level = "" if record.levelno == logging.INFO else f"{record.levelname.lower()}: "
        return f"slrkit: {level}{record.getMessage()}"


@contextlib.contextmanager
def _logging(args: argparse.Namespace, out: Output) -> Generator[None, None, None]:
    """Send the ``slrkit`` logger to stderr for one run.

    Its INFO lines (each wait, with what it waits for) are the progress that -q
    hides; -v adds a DEBUG line per API call.
    """
    logger = logging.getLogger("slrkit")
    handler = logging.StreamHandler(out.stderr)
    handler.setFormatter(_Formatter())
    level = logging.DEBUG if args.verbose else logging.WARNING if args.quiet else logging.INFO
    previous = logger.level
    logger.addHandler(handler)
    logger.setLevel(level)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(previous)


def _fail(out: Output, exc: Exception, *, verbose: bool) -> int:
    code = _exit_code(exc)
    message = _message(exc)
    if verbose:
        traceback.print_exception(exc, file=out.stderr)
    out.error(message)
    if out.json:
        aws = exc if isinstance(exc, AWSError) else None
        out.document(
            {
                "error": {
                    "type": type(exc).__name__,
                    "exit_code": int(code),
                    "message": message,
                    "aws_code": aws.code if aws else None,
                    "operation": aws.operation if aws else None,
                    "request_id": aws.request_id if aws else None,
                }
            }
        )
    return code


def _exit_code(exc: Exception) -> ExitCode:
    if isinstance(exc, (InvalidInputError, UsageError, ProfileNotFound)):
        return ExitCode.USAGE
    if isinstance(exc, RefusedError):
        return ExitCode.REFUSED
    return ExitCode.ERROR


# The fix to name after an error's own message, by the first class that matches.
_FIXES: Final[tuple[tuple[type[Exception], str], ...]] = (
    (ProfileNotFound, "'aws configure list-profiles' lists the profiles"),
    (UnknownRoleError, "give it with --role ROLE, or pass --allow-unknown-role to leave it"),
    (AmbiguousLinkedRoleError, "or give it with --role ROLE"),
    (UnreadableRegionsError, "check the credentials' access to those regions"),
    (LinkedRoleNotFoundError, "if you know the role, tag the domain: slrkit:linked-role=ROLE"),
    (UnsafeRoleError, "remove it yourself if it must go"),
    (DomainNotFoundError, "check NAME and --region"),
    (AccessDeniedError, "'slrkit policy' prints the IAM policy slrkit needs"),
    (ThrottledError, "try again in a minute, or run fewer jobs at once"),
    (EndpointError, "check the network, or try slrkit offline with --fake"),
)


def _message(exc: Exception) -> str:
    """One line naming the problem and the fix, in the words of the command line."""
    message = _problem(exc)
    report = exc.report if isinstance(exc, SlrkitError) else None
    if report is not None and report.domain_deleted and report.role_name:
        name, region = report.domain_name, report.region
        message += (
            f"; domain {name} is already deleted: finish with 'slrkit delete {name} "
            f"--region {region} --confirm {name} --role {report.role_name}'"
        )
    return message


def _problem(exc: Exception) -> str:
    if isinstance(exc, InvalidInputError):
        flag = _FLAGS.get(exc.field.split("[", 1)[0], exc.field)
        return f"{flag} {exc.value!r} is invalid: {exc.rule}"
    if isinstance(exc, ConfirmationMismatchError):
        name = exc.domain_name
        return (
            f"refusing to delete domain {name!r}: {exc.confirm!r} is not its name; "
            f"confirm with the exact name (--confirm {name})"
        )
    if isinstance(exc, DomainNotEmptyError):
        return (
            f"refusing to delete domain {exc.domain_name!r}: it holds {exc.profile_count} "
            f"profiles and {exc.object_count} objects; empty it first, or pass "
            "--allow-data-loss to delete them too"
        )
    if isinstance(exc, AWSError) and exc.code == "NoCredentialsError":
        return (
            "no AWS credentials found; configure them (aws configure, AWS_PROFILE or "
            "--profile), or try slrkit offline with --fake"
        )
    if not isinstance(exc, (SlrkitError, UsageError, BotoCoreError, OSError)):
        return (
            f"unexpected {type(exc).__name__}: {exc}; run it again with -v for the "
            "traceback, and please report it"
        )
    fix = next((fix for kind, fix in _FIXES if isinstance(exc, kind)), None)
    return f"{exc}; {fix}" if fix else str(exc)
