"""The ``slrkit`` command line (also ``python -m slrkit``), built on `slrkit.ProfilesKit`.

- `app`: the parser, global options, and errors turned into exit codes.
- `core`: what subcommands share (`core.Command`, `core.Context`, `core.ExitCode`).
- `commands`: the subcommands for one domain, plus ``regions`` and ``policy``.
- `demo`: the narrated lifecycle on the offline fake.
- `output`: tables for people, JSON for scripts.

A new subcommand is a `core.Command` added to `app.COMMANDS`.
"""

from slrkit._cli.app import main, run

__all__ = ["main", "run"]
