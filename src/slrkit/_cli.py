"""The ``slrkit`` command."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, NoReturn

from slrkit._regions import REGION_NAMES

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = ["main", "run"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="slrkit",
        description="Customer Profiles domains and their service-linked roles, safely.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    commands.add_parser("regions", help="list the regions where Customer Profiles runs")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line with *argv* and return the exit code."""
    args = _parser().parse_args(argv)
    if args.command == "regions":
        width = max(map(len, REGION_NAMES))
        for code, name in REGION_NAMES.items():
            print(f"{code:<{width}}  {name}")
    return 0


def run() -> NoReturn:
    """The console-script entry point."""
    sys.exit(main())
