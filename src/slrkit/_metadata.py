"""What slrkit's installed distribution says of itself: its name on PyPI, and its version.

The import package is ``slrkit``; the distribution is ``slrkit-aws``, because
``slrkit`` on PyPI is an unrelated project.
"""

from __future__ import annotations

from importlib.metadata import version
from typing import Final

__all__ = ["DISTRIBUTION", "installed_version"]

DISTRIBUTION: Final = "slrkit-aws"
"""The name slrkit is published and installed under (``pip install slrkit-aws``)."""


def installed_version() -> str:
    """The version of the installed distribution."""
    return version(DISTRIBUTION)
