"""What every subcommand shares: the `Command` record, the run's `Context`, exit codes."""

from __future__ import annotations

import enum
import hashlib
import os
import random
import shlex
from typing import TYPE_CHECKING, Final

import attrs
import boto3

from slrkit._fleet import Fleet
from slrkit._kit import ProfilesKit
from slrkit._regions import validate_region
from slrkit._retry import RetryPolicy
from slrkit.exceptions import InvalidInputError

if TYPE_CHECKING:
    import argparse
    from collections.abc import Callable, Mapping, Sequence

    from slrkit._cli.output import Output
    from slrkit.testing import FakeAWS

__all__ = ["Command", "Context", "ExitCode", "Rerun", "UsageError"]


class ExitCode(enum.IntEnum):
    """The documented exit codes of ``slrkit``; `meaning` says each in words."""

    OK = 0
    ERROR = 1
    USAGE = 2
    REFUSED = 3
    INTERRUPTED = 130

    @property
    def meaning(self) -> str:
        """What the code tells a script, as ``--help`` and the README say it."""
        return _MEANINGS[self]


_MEANINGS: Final[Mapping[ExitCode, str]] = {
    ExitCode.OK: "ok",
    ExitCode.ERROR: "an AWS call or the run failed; running it again is safe, and the "
    "error names the command that finishes the work when there is one",
    ExitCode.USAGE: "usage, validation or configuration error (bad option or value, no "
    "credentials, unknown profile): nothing was written",
    ExitCode.REFUSED: "refused or blocked, for safety: no confirmation, data in the domain, "
    "a role that cannot be told or is in use; also a blocked plan-delete",
    ExitCode.INTERRUPTED: "interrupted (Ctrl-C or SIGTERM); the error names the command "
    "that resumes",
}


class UsageError(Exception):
    """The command line is wrong (exit code 2).

    Args:
        message: What is wrong, and the fix.
        prog: The command whose usage it is, as its help names it.
    """

    def __init__(self, message: str, *, prog: str = "slrkit") -> None:
        super().__init__(message)
        self.prog = prog


@attrs.frozen(kw_only=True)
class Command:
    """A subcommand of ``slrkit``: add one to ``slrkit._cli.app.COMMANDS`` to ship it.

    Attributes:
        name: What the user types, e.g. ``plan-delete``.
        help: One line for ``slrkit --help``.
        description: The paragraph for ``slrkit NAME --help``.
        arguments: Adds the command's own arguments to its parser.
        run: Does the work and shows its result; it raises to fail (a slrkit error,
            or `slrkit._cli.failure.CommandError`), and errors become messages and exit
            codes in one place.
        uses_aws: It calls AWS or the fake, so it takes ``--profile``, ``--fake`` and
            ``--fake-state``.
    """

    name: str
    help: str
    description: str
    arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[Context, argparse.Namespace], None]
    uses_aws: bool = True


class Rerun:
    """The command that finishes a run that stopped: by default, the one typed.

    A command that knows better (``delete``, once it knows the role) says so with
    `finish_with`.

    Args:
        typed: The arguments given after ``slrkit``.
        options: The global options to repeat in another command (``--json``,
            ``--profile P``, ``--fake``, ``--fake-state F``).
    """

    def __init__(self, typed: Sequence[str], options: Sequence[str]) -> None:
        self.typed = shlex.join(["slrkit", *typed])
        self.options = tuple(options)
        self.command = self.typed

    def finish_with(self, *words: str) -> None:
        """Make ``slrkit OPTIONS WORDS...`` the command that finishes the run."""
        self.command = shlex.join(["slrkit", *self.options, *words])


class Context:
    """One run of the command line: its output, and where its kits talk to.

    Args:
        out: Where results and progress go.
        profile: The AWS profile for real AWS, or None for the default chain.
        fake: The fake AWS to use instead of real AWS (``--fake``), if any.
        rerun: The command that finishes this run if it stops.
    """

    def __init__(
        self, *, out: Output, profile: str | None, fake: FakeAWS | None, rerun: Rerun
    ) -> None:
        self.out = out
        self.profile = profile
        self.fake = fake
        self.rerun = rerun
        self._session: boto3.Session | None = None

    def session(self) -> boto3.Session:
        """The boto3 session of real AWS (``--profile``, or the default chain).

        Raises:
            botocore.exceptions.ProfileNotFound: ``--profile`` names no profile.
        """
        if self._session is None:
            self._session = boto3.Session(profile_name=self.profile)
        return self._session

    def region(self, given: str | None) -> str:
        """The region to work in: *given* (``--region``), else the one users keep.

        That is ``AWS_REGION``, else ``AWS_DEFAULT_REGION``, else the profile's
        region. With ``--fake`` only *given* counts: like the fake itself, a fake
        run reads nothing of the machine's AWS settings, so it runs the same on a
        CI runner set up to deploy elsewhere.

        Raises:
            InvalidInputError: The region is not supported; the field names where
                it came from.
            UsageError: No region was given or found.
        """
        if given is not None:
            return _supported(given, "region")
        if self.fake is not None:
            raise UsageError(
                "--region is needed with --fake, which reads no AWS settings from the "
                "environment; 'slrkit regions' lists them"
            )
        for variable in ("AWS_REGION", "AWS_DEFAULT_REGION"):
            value = os.environ.get(variable)
            if value:
                return _supported(value, variable)
        found = self.session().region_name
        if found:
            return _supported(found, f"the region of profile {self.profile or 'default'}")
        raise UsageError("no region: pass --region, or set AWS_REGION; 'slrkit regions' lists them")

    def sessions(self, profiles: Mapping[str, str | None]) -> dict[str, boto3.Session]:
        """A session for each account, by name, from its profile.

        A profile of None is ``--profile``'s, or the default chain's. With
        ``--fake``, that is the fake's own account, and every other account is a
        fake account of its own, whose id is derived from its name.

        Raises:
            botocore.exceptions.ProfileNotFound: A profile that does not exist.
        """
        if self.fake is None:
            return {
                name: self.session() if profile is None else boto3.Session(profile_name=profile)
                for name, profile in profiles.items()
            }
        return {
            name: self.fake.session(account_id=None if profile is None else _fake_account(name))
            for name, profile in profiles.items()
        }

    def kit(
        self, region: str, *, timeout: float | None = None, session: boto3.Session | None = None
    ) -> ProfilesKit:
        """A kit for *region*, on the fake with ``--fake``, else on AWS.

        Args:
            region: A region already checked by `region`.
            timeout: The deadline of each operation, in seconds (default: the
                kit's own).
            session: One of `sessions` (default: ``--profile``'s, or the fake's).

        Raises:
            UnsupportedRegionError: Before any session or client is made.
            botocore.exceptions.ProfileNotFound: ``--profile`` names no profile.
        """
        validate_region(region)
        retry = RetryPolicy(deadline=timeout) if timeout is not None else None
        if self.fake is None:
            return ProfilesKit(region, session=session or self.session(), retry=retry)
        return ProfilesKit(
            region,
            session=session or self.fake.session(region),
            clock=self.fake.clock,
            rand=_seeded(),
            retry=retry,
        )

    def fleet(
        self,
        sessions: Mapping[str, boto3.Session],
        regions: Sequence[str],
        *,
        timeout: float | None = None,
    ) -> Fleet:
        """A fleet of *sessions* (from `sessions`) in *regions*; it logs its progress."""
        retry = RetryPolicy(deadline=timeout) if timeout is not None else None
        if self.fake is None:
            return Fleet(sessions, regions=regions, retry=retry)
        return Fleet(sessions, regions=regions, retry=retry, clock=self.fake.clock, rand=_seeded())


def _seeded() -> Callable[[], float]:
    """A seeded jitter: a fake run waits, and so calls, the same every time."""
    return random.Random(0).random  # noqa: S311 - jitter, not cryptography


def _fake_account(name: str) -> str:
    """The fake account of the account *name*: 12 digits, the same on every run."""
    digest = hashlib.sha256(name.encode()).digest()
    return f"{int.from_bytes(digest[:8], 'big') % 10**12:012d}"


def _supported(region: str, source: str) -> str:
    """*region*, once it is supported; else an error that names where it came from."""
    try:
        return validate_region(region)
    except InvalidInputError as exc:
        raise InvalidInputError(source, region, exc.rule) from exc
