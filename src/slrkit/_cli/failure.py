"""How a run fails: every error becomes one `Failure`, with a code, words, an exit code.

`ErrorCode` is the one list of the codes a script sees in ``error.code``, each
with its exit code and whether running again finishes the work. `failure_of`
is the one place that turns an exception into a `Failure`: the message names the
problem and the fix in the command line's words.
"""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING, Final

import attrs
from botocore.exceptions import BotoCoreError, ProfileNotFound

from slrkit._cli.core import ExitCode, UsageError
from slrkit._cli.words import flag, in_cli_words
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
    RetryDeadlineError,
    RoleInUseError,
    SlrkitError,
    ThrottledError,
    UnknownRoleError,
    UnreadableRegionsError,
    UnsafeRoleError,
)

if TYPE_CHECKING:
    from slrkit._cli.core import Rerun

__all__ = ["CommandError", "ErrorCode", "Failure", "failure_of"]


class ErrorCode(enum.Enum):
    """What went wrong, as ``error.code`` of the JSON envelope says it."""

    USAGE = "usage", ExitCode.USAGE, False
    INVALID_INPUT = "invalid-input", ExitCode.USAGE, False
    CONFIGURATION = "configuration", ExitCode.USAGE, False
    NOT_CONFIRMED = "not-confirmed", ExitCode.REFUSED, False
    BLOCKED = "blocked", ExitCode.REFUSED, False
    AMBIGUOUS_ROLE = "ambiguous-role", ExitCode.REFUSED, False
    ROLE_IN_USE = "role-in-use", ExitCode.REFUSED, True
    REFUSED = "refused", ExitCode.REFUSED, False
    DOMAIN_NOT_FOUND = "domain-not-found", ExitCode.ERROR, False
    ROLE_NOT_FOUND = "role-not-found", ExitCode.ERROR, True
    REGIONS_UNREADABLE = "regions-unreadable", ExitCode.ERROR, True
    ACCESS_DENIED = "access-denied", ExitCode.ERROR, True
    THROTTLED = "throttled", ExitCode.ERROR, True
    UNREACHABLE = "unreachable", ExitCode.ERROR, True
    AWS_ERROR = "aws-error", ExitCode.ERROR, True
    DEADLINE = "deadline", ExitCode.ERROR, True
    STATE_FILE_BUSY = "state-file-busy", ExitCode.ERROR, True
    STATE_NOT_SAVED = "state-not-saved", ExitCode.ERROR, True
    SYSTEM_ERROR = "system-error", ExitCode.ERROR, True
    ITEMS_FAILED = "items-failed", ExitCode.ERROR, True
    AUDIT_INCOMPLETE = "audit-incomplete", ExitCode.ERROR, True
    INTERNAL = "internal", ExitCode.ERROR, False
    INTERRUPTED = "interrupted", ExitCode.INTERRUPTED, True

    def __init__(self, word: str, exit_code: ExitCode, resumable: bool) -> None:
        self.word = word
        self.exit_code = exit_code
        self.resumable = resumable
        """Running the command named by ``error.resume`` finishes the work."""


class CommandError(Exception):
    """A run that ends without success, though the kit raised nothing: a blocked plan, say.

    Args:
        code: What went wrong.
        message: The problem and the fix, in the command line's words.
    """

    def __init__(self, code: ErrorCode, message: str) -> None:
        super().__init__(message)
        self.code = code


@attrs.frozen(kw_only=True)
class Failure:
    """How one run failed, for its error line, its envelope and its exit code.

    Attributes:
        code: What went wrong.
        message: The problem and the fix, in the command line's words.
        resume: The command that finishes the work, when running again does.
        aws: The AWS error behind it, if there was one.
        prog: The command whose usage was wrong (``slrkit ensure``), for usage errors.
        line: The error line for people: the message, and the command that finishes
            when it is not the one they typed.
    """

    code: ErrorCode
    message: str
    resume: str | None = None
    aws: AWSError | None = None
    prog: str = "slrkit"
    line: str

    @property
    def exit_code(self) -> ExitCode:
        """The exit code of the run."""
        return self.code.exit_code


# The AWS "errors" that are the machine's setup: nothing reached AWS.
_SETUP_CODES: Final = frozenset(
    {
        "NoCredentialsError",
        "PartialCredentialsError",
        "ProfileNotFound",
        "NoRegionError",
        "InvalidConfigError",
        "ConfigNotFound",
    }
)

# By the first class that matches: the code, and the fix to name after the problem.
_KINDS: Final[tuple[tuple[type[BaseException], ErrorCode, str | None], ...]] = (
    (KeyboardInterrupt, ErrorCode.INTERRUPTED, None),
    (UsageError, ErrorCode.USAGE, None),
    (ProfileNotFound, ErrorCode.CONFIGURATION, "'aws configure list-profiles' lists the profiles"),
    (InvalidInputError, ErrorCode.INVALID_INPUT, None),
    (ConfirmationMismatchError, ErrorCode.NOT_CONFIRMED, None),
    (AmbiguousLinkedRoleError, ErrorCode.AMBIGUOUS_ROLE, None),
    (
        UnknownRoleError,
        ErrorCode.BLOCKED,
        "give it with --role ROLE, or pass --allow-unknown-role to leave it",
    ),
    (DomainNotEmptyError, ErrorCode.BLOCKED, None),
    (UnsafeRoleError, ErrorCode.BLOCKED, "remove it yourself if it must go"),
    (RoleInUseError, ErrorCode.ROLE_IN_USE, None),
    (RefusedError, ErrorCode.REFUSED, None),
    (UnreadableRegionsError, ErrorCode.REGIONS_UNREADABLE, None),
    (
        LinkedRoleNotFoundError,
        ErrorCode.ROLE_NOT_FOUND,
        "run it again later, or, if you know its role, tag the domain slrkit:linked-role=ROLE",
    ),
    (DomainNotFoundError, ErrorCode.DOMAIN_NOT_FOUND, "check NAME and --region"),
    (AccessDeniedError, ErrorCode.ACCESS_DENIED, "'slrkit policy' prints the IAM policy it needs"),
    (ThrottledError, ErrorCode.THROTTLED, "try again in a minute, or run fewer jobs at once"),
    (EndpointError, ErrorCode.UNREACHABLE, "check the network, or try slrkit offline with --fake"),
    (AWSError, ErrorCode.AWS_ERROR, None),
    (RetryDeadlineError, ErrorCode.DEADLINE, "--timeout gives it longer"),
    (BotoCoreError, ErrorCode.CONFIGURATION, None),
    (OSError, ErrorCode.SYSTEM_ERROR, None),
)


def failure_of(exc: BaseException, *, rerun: Rerun | None) -> Failure:
    """The `Failure` that *exc* means, with the command that resumes where it does.

    Args:
        exc: What stopped the run.
        rerun: What finishes the run, if the run got as far as knowing it.
    """
    code, fix = _kind(exc)
    resume = rerun.command if rerun is not None and code.resumable else None
    aws = exc if isinstance(exc, AWSError) else None
    prog = exc.prog if isinstance(exc, UsageError) else "slrkit"
    message = _problem(exc, code)
    if fix:
        message += f"; {fix}"
    line = message
    if resume is not None and rerun is not None and resume != rerun.typed:
        line += f"; to finish, run: {resume}"
    elif code is ErrorCode.INTERRUPTED:
        line += "; running the same command again resumes"
    return Failure(code=code, message=message, resume=resume, aws=aws, prog=prog, line=line)


def _kind(exc: BaseException) -> tuple[ErrorCode, str | None]:
    if isinstance(exc, CommandError):
        return exc.code, None
    if isinstance(exc, AWSError) and exc.code in _SETUP_CODES:
        return ErrorCode.CONFIGURATION, None
    return next(
        ((code, fix) for kind, code, fix in _KINDS if isinstance(exc, kind)),
        (ErrorCode.INTERNAL, None),
    )


def _problem(exc: BaseException, code: ErrorCode) -> str:  # noqa: PLR0911 - a return per kind
    """The problem, in the command line's words."""
    if code is ErrorCode.INTERRUPTED:
        return "interrupted"
    if code is ErrorCode.INTERNAL:
        return (
            f"unexpected {type(exc).__name__}: {exc}; run it again with -v for the "
            "traceback, and please report it"
        )
    if isinstance(exc, InvalidInputError):
        return in_cli_words(f"{flag(exc.field)} {exc.value!r} is invalid: {exc.rule}")
    if isinstance(exc, ConfirmationMismatchError):
        name = exc.domain_name
        return (
            f"refusing to delete domain {name!r}: {exc.confirm!r} is not its name; "
            f"confirm with the exact name (--confirm {name})"
        )
    if isinstance(exc, UnreadableRegionsError):
        where = "; ".join(f"{region}: {why}" for region, why in exc.regions)
        return (
            f"cannot tell which role belongs to domain {exc.domain_name!r}: another domain "
            f"could own it in a region that could not be read ({where}); check the "
            "credentials' access to those regions"
        )
    if isinstance(exc, AWSError) and exc.code == "NoCredentialsError":
        return (
            "no AWS credentials found; configure them (aws configure, AWS_PROFILE or "
            "--profile), or try slrkit offline with --fake"
        )
    if isinstance(exc, SlrkitError):
        return in_cli_words(str(exc))
    return str(exc)
