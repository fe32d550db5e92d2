"""The ``slrkit`` command line (also ``python -m slrkit``), built on `slrkit.ProfilesKit`.

- `app`: the parser, the global options, and how every run ends.
- `core`: what subcommands share (`core.Command`, `core.Context`, `core.ExitCode`).
- `commands`: the subcommands for one domain, plus ``regions`` and ``policy``.
- `fleet`: the subcommands for a whole estate (``apply``, ``audit``, ``cleanup-orphans``).
- `estate`: the estate file that ``apply`` reads, checked line by line.
- `settings`: domain settings read from a file (``ensure --settings``, an estate's domains).
- `failure`: every error as one `failure.Failure`: its code, its words, its exit code.
- `envelope`: the one JSON document of a ``--json`` run, and its shipped schema.
- `words`: the command line's words for the kit's Python names.
- `output`: tables for people, the envelope for scripts.
- `demo`: the narrated lifecycle on the offline fake.
- `serve`: the fake as a local AWS endpoint.

A new subcommand is a `core.Command` added to `app.COMMANDS`.
"""

from slrkit._cli.app import main, run

__all__ = ["main", "run"]
