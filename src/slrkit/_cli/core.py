"""What every subcommand shares: the `Command` record, the run's `Context`, exit codes."""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING

import attrs
import boto3

from slrkit._kit import ProfilesKit
from slrkit._regions import validate_region

if TYPE_CHECKING:
    import argparse
    from collections.abc import Callable

    from slrkit._cli.output import Output
    from slrkit.testing import FakeAWS

__all__ = ["Command", "Context", "ExitCode", "UsageError"]


class ExitCode(enum.IntEnum):
    """The documented exit codes of ``slrkit``."""

    OK = 0
    ERROR = 1
    """An AWS call or the run failed; running the same command again is safe."""
    USAGE = 2
    """The command line or an input is wrong; nothing was sent to AWS."""
    REFUSED = 3
    """slrkit refused, for safety: confirmation, data in the domain, role in use."""
    INTERRUPTED = 130
    """Ctrl-C; running the command again resumes."""


class UsageError(Exception):
    """The command line is wrong in a way argparse cannot tell (exit code 2)."""


@attrs.frozen(kw_only=True)
class Command:
    """A subcommand of ``slrkit``: add one to ``slrkit._cli.app.COMMANDS`` to ship it.

    Attributes:
        name: What the user types, e.g. ``plan-delete``.
        help: One line for ``slrkit --help``.
        description: The paragraph for ``slrkit NAME --help``.
        arguments: Adds the command's own arguments to its parser.
        run: Does the work and returns the exit code; errors are raised as
            slrkit errors and turned into messages and exit codes in one place.
    """

    name: str
    help: str
    description: str
    arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[Context, argparse.Namespace], int]


class Context:
    """One run of the command line: its output, and where its kits talk to.

    Args:
        out: Where results and progress go.
        profile: The AWS profile for real AWS, or None for the default chain.
        fake: The fake AWS to use instead of real AWS (``--fake``), if any.
    """

    def __init__(self, *, out: Output, profile: str | None, fake: FakeAWS | None) -> None:
        self.out = out
        self.profile = profile
        self.fake = fake
        self._session: boto3.Session | None = None

    def kit(self, region: str) -> ProfilesKit:
        """A kit for *region*, on the fake with ``--fake``, else on AWS.

        Raises:
            UnsupportedRegionError: Before any session or client is made.
            botocore.exceptions.ProfileNotFound: ``--profile`` names no profile.
        """
        validate_region(region)
        if self.fake is not None:
            return self.fake.kit(region)
        if self._session is None:
            self._session = boto3.Session(profile_name=self.profile)
        return ProfilesKit(region, session=self._session)
