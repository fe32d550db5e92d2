"""What slrkit's installed distribution says of itself: its name on PyPI, and its version.

The import package is ``slrkit``; the distribution is ``slrkit-aws``, because
``slrkit`` on PyPI is an unrelated project.
"""

from __future__ import annotations

import functools
from importlib.metadata import version
from typing import Final

__all__ = ["DISTRIBUTION", "installed_version"]

DISTRIBUTION: Final = "slrkit-aws"
"""The name slrkit is published and installed under (``pip install slrkit-aws``)."""


@functools.cache
def installed_version() -> str:
    """The version of the installed distribution, read once: every client's user agent has it."""
    return version(DISTRIBUTION)
