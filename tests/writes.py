"""The AWS operations that change something, as the tests count them: one list for all."""

from __future__ import annotations

from typing import Final

__all__ = ["FORBIDDEN", "WRITES"]

WRITES: Final = frozenset(
    {
        "CreateDomain",
        "UpdateDomain",
        "DeleteDomain",
        "TagResource",
        "UntagResource",
        "DeleteServiceLinkedRole",
    }
)
"""The writes slrkit makes."""

FORBIDDEN: Final = frozenset({"DeleteRole", "CreateServiceLinkedRole", "DeleteRolePolicy"})
"""Writes slrkit must never make: a test that counts writes counts these too."""
