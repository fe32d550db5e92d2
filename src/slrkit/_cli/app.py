"""The ``slrkit`` command: its parser, its global options, and how a run ends.

Every run ends in `Output.finish`: an error line on stderr for a failure, and,
with ``--json``, exactly one envelope on stdout, whatever stopped the run (a
usage error, a refusal, AWS, Ctrl-C or SIGTERM).
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import signal
import sys
import textwrap
import threading
import traceback
from pathlib import Path
from typing import TYPE_CHECKING, Final, NoReturn

from slrkit._cli import commands, delete, demo, fleet, serve
from slrkit._cli.core import Command, Context, ExitCode, Rerun, UsageError
from slrkit._cli.failure import CommandError, ErrorCode, failure_of
from slrkit._cli.output import Output
from slrkit._metadata import installed_version

if TYPE_CHECKING:
    from collections.abc import Generator, Sequence
    from types import FrameType

    from slrkit._cli.failure import Failure
    from slrkit.testing import FakeAWS

__all__ = ["COMMANDS", "main", "parser", "run"]

COMMANDS: Final[tuple[Command, ...]] = (
    commands.REGIONS,
    commands.ENSURE,
    commands.ROLE,
    delete.PLAN_DELETE,
    delete.DELETE,
    fleet.APPLY,
    fleet.AUDIT,
    fleet.CLEANUP_ORPHANS,
    commands.POLICY,
    demo.DEMO,
    serve.SERVE,
)
"""Every subcommand, in the order ``slrkit --help`` lists them."""

_AWS_OPTIONS: Final = ("--profile", "--fake", "--fake-state")
"""The global options of the commands that call AWS (`Command.uses_aws`)."""


def _epilog() -> str:
    codes = [
        textwrap.fill(
            code.meaning, width=79, initial_indent=f"  {int(code):<5}", subsequent_indent=" " * 7
        )
        for code in ExitCode
    ]
    return "\n".join(
        [
            "exit codes (with --json, stdout holds one JSON envelope, error.exit_code too):",
            *codes,
            "",
            "New here? 'slrkit demo' runs the whole lifecycle offline, in seconds.",
            "Try any command without AWS: slrkit --fake --fake-state state.json COMMAND ...",
            "",
        ]
    )


class _Parser(argparse.ArgumentParser):
    """An argparse parser whose usage errors are raised, to end the run like any other."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message}; see '{self.prog} --help'", prog=self.prog)


def _global_options(parser: argparse.ArgumentParser, *, top: bool, aws: bool) -> None:
    """Add the global options; below the top they only override what was given above.

    So ``slrkit --json role ...`` and ``slrkit role ... --json`` mean the same. A
    command that never calls AWS (*aws* False) lists none of `_AWS_OPTIONS`.
    """
    off: object = False if top else argparse.SUPPRESS
    unset: object = None if top else argparse.SUPPRESS
    group = parser.add_argument_group("global options")
    group.add_argument(
        "--json",
        action="store_true",
        default=off,
        help="print one JSON envelope on stdout, for scripts, also on failure",
    )
    if aws:
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
    epilog = _epilog()
    top = _Parser(
        prog="slrkit",
        description="Amazon Connect Customer Profiles domains and their IAM service-linked\n"
        "roles: create, inspect and delete them safely.",
        epilog=epilog,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    top.add_argument("--version", action="version", version=f"slrkit {installed_version()}")
    _global_options(top, top=True, aws=True)
    subparsers = top.add_subparsers(
        title="commands", dest="command_name", required=True, metavar="COMMAND"
    )
    for command in COMMANDS:
        sub = subparsers.add_parser(
            command.name,
            help=command.help,
            # The exit-code table needs a raw epilog, so the paragraph is wrapped here.
            description=textwrap.fill(command.description, width=79),
            epilog=epilog,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        command.arguments(sub)
        _global_options(sub, top=False, aws=command.uses_aws)
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
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        args = parser().parse_args(argv)
    except UsageError as exc:
        out = _output(json=_asks_for_json(argv), quiet=False, command=_command_in(argv))
        return _finish(out, failure_of(exc, rerun=None))
    except SystemExit as exc:  # argparse has printed the help or the version
        return int(exc.code) if isinstance(exc.code, int) else int(ExitCode.USAGE)
    command: Command = args.command
    out = _output(json=args.json, quiet=args.quiet, command=command.name)
    rerun = Rerun(argv, _repeated_options(args))
    failure: Failure | None = None
    with _logging(args, out):
        try:
            with _sigterm_interrupts():
                _refuse_aws_options(command, args)
                with _context(args, out, fake, rerun) as ctx:
                    command.run(ctx, args)
        except BrokenPipeError:
            raise
        except (Exception, KeyboardInterrupt) as exc:  # noqa: BLE001 - each run ends in one place
            if args.verbose:
                traceback.print_exception(exc, file=out.stderr)
            failure = failure_of(exc, rerun=rerun)
    return _finish(out, failure)


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


def _output(*, json: bool, quiet: bool, command: str | None) -> Output:
    return Output(
        json=json,
        quiet=quiet,
        command=command,
        stdin=sys.stdin,
        stdout=sys.stdout,
        stderr=sys.stderr,
    )


def _finish(out: Output, failure: Failure | None) -> int:
    out.finish(failure)
    # A plain int: ``str()`` of an IntEnum member differs across Pythons (3.10 gives its name).
    return int(failure.exit_code if failure is not None else ExitCode.OK)


def _asks_for_json(argv: Sequence[str]) -> bool:
    """Whether *argv*, which argparse refused, asked for JSON all the same."""
    options = argv[: argv.index("--")] if "--" in argv else argv
    return "--json" in options


def _command_in(argv: Sequence[str]) -> str | None:
    """The command *argv*, which argparse refused, names, if any."""
    names = {command.name for command in COMMANDS}
    return next((word for word in argv if word in names), None)


def _repeated_options(args: argparse.Namespace) -> list[str]:
    """The global options a command that finishes this run must repeat."""
    options: list[str] = []
    if args.profile is not None:
        options += ["--profile", args.profile]
    if args.fake:
        options.append("--fake")
    if args.fake_state is not None:
        options += ["--fake-state", args.fake_state]
    return [*options, "--json"] if args.json else options


def _refuse_aws_options(command: Command, args: argparse.Namespace) -> None:
    """Refuse ``--fake`` and the like, given before a command that never calls AWS."""
    if command.uses_aws:
        return
    given = [
        option
        for option, value in zip(
            _AWS_OPTIONS, (args.profile, args.fake, args.fake_state), strict=True
        )
        if value
    ]
    if given:
        raise UsageError(
            f"{command.name} never calls AWS: leave out {' and '.join(given)}",
            prog=f"slrkit {command.name}",
        )


@contextlib.contextmanager
def _sigterm_interrupts() -> Generator[None, None, None]:
    """Let SIGTERM stop a run as Ctrl-C does: state saved, envelope written, exit 130.

    Python's own SIGTERM ends the process at once, with nothing said or saved.
    """
    if threading.current_thread() is not threading.main_thread():
        yield  # signals reach only the main thread
        return

    def interrupt(_signum: int, _frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextlib.contextmanager
def _context(
    args: argparse.Namespace, out: Output, fake: FakeAWS | None, rerun: Rerun
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
        yield Context(out=out, profile=args.profile, fake=None, rerun=rerun)
        return
    from slrkit.testing import (  # noqa: PLC0415 - only --fake pays
        FakeAWS,
        StateFileBusyError,
        StateFileError,
    )

    if fake is not None or state_file is None:
        fake = fake if fake is not None else FakeAWS()
        yield Context(out=out, profile=None, fake=fake, rerun=rerun)
        return
    held = contextlib.ExitStack()
    try:
        opened = held.enter_context(FakeAWS.open(state_file))
    except StateFileError as exc:
        raise CommandError(
            ErrorCode.CONFIGURATION, f"{exc}; pass another --fake-state file, or delete this one"
        ) from exc
    except StateFileBusyError as exc:
        raise CommandError(ErrorCode.STATE_FILE_BUSY, str(exc)) from exc
    ran = False
    try:
        with held:
            yield Context(out=out, profile=None, fake=opened, rerun=rerun)
            ran = True
    except OSError as exc:
        if not ran:
            raise
        raise CommandError(
            ErrorCode.STATE_NOT_SAVED,
            f"the command ran, but the fake's state could not be saved in {state_file}: {exc}",
        ) from exc


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
