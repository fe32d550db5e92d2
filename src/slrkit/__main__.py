"""``python -m slrkit``: the same as the ``slrkit`` command."""

from slrkit._cli import run

run()
