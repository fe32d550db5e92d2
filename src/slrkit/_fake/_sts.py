"""STS, as much as slrkit needs: GetCallerIdentity names the account."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Mapping

    from slrkit._fake._ops import Operation, Request
    from slrkit._fake._world import World

__all__ = ["CALLER_NAME", "OPERATIONS"]

CALLER_NAME = "slrkit-fake"
"""The IAM user every fake session signs as."""


def get_caller_identity(world: World, request: Request) -> Mapping[str, object]:
    """GetCallerIdentity: a plausible IAM user in the caller's account."""
    del world
    return {
        "UserId": "AIDASLRKITFAKEUSER01",
        "Account": request.account_id,
        "Arn": f"arn:aws:iam::{request.account_id}:user/{CALLER_NAME}",
    }


OPERATIONS: Mapping[str, Operation] = {"GetCallerIdentity": get_caller_identity}
"""STS operations the fake serves, by name."""
