"""The arguments that several subcommands share: the domain, the role and the deadline."""

from __future__ import annotations

import argparse
import math

__all__ = ["domain_arguments", "role_options", "seconds", "timeout_option"]


def seconds(text: str) -> float:
    """A ``--timeout``: a finite number of seconds above 0."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"expected a number of seconds above 0, got {text!r}")
    return value


def domain_arguments(parser: argparse.ArgumentParser) -> None:
    """The domain's name and ``--region``."""
    parser.add_argument("name", metavar="NAME", help="the domain name")
    parser.add_argument(
        "--region",
        help="where the domain lives (see 'slrkit regions'; default: AWS_REGION, "
        "AWS_DEFAULT_REGION or the profile's region, but never with --fake)",
    )


def role_options(parser: argparse.ArgumentParser) -> None:
    """``--role`` and ``--allow-unknown-role``, for the commands that delete."""
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


def timeout_option(parser: argparse.ArgumentParser, what: str) -> None:
    """``--timeout``, which gives up *what* after that long."""
    parser.add_argument(
        "--timeout",
        type=seconds,
        metavar="SECONDS",
        help=f"give up {what} after this long, with exit code 1 (default: 300)",
    )
