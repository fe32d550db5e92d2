"""STS, as much as slrkit needs: GetCallerIdentity names the account."""

from __future__ import annotations

import base64
import hashlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Mapping

    from slrkit._fake._ops import Operation, Request
    from slrkit._fake._world import World

__all__ = ["CALLER_NAME", "OPERATIONS", "user_id"]

CALLER_NAME = "slrkit-fake"
"""The IAM user every fake session signs as."""


def user_id(account_id: str) -> str:
    """The unique id of the account's `CALLER_NAME` user, as IAM writes user ids.

    ``AIDA`` and 17 characters of base32 (upper-case letters and 2-7): 21 in all.
    It is derived from the account, so one account's user keeps its id.
    """
    digest = hashlib.sha256(f"{CALLER_NAME}@{account_id}".encode()).digest()
    return "AIDA" + base64.b32encode(digest).decode()[:17]


def get_caller_identity(world: World, request: Request) -> Mapping[str, object]:
    """GetCallerIdentity: a plausible IAM user in the caller's account and partition."""
    del world
    return {
        "UserId": user_id(request.account_id),
        "Account": request.account_id,
        "Arn": f"arn:{request.partition}:iam::{request.account_id}:user/{CALLER_NAME}",
    }


OPERATIONS: Mapping[str, Operation] = {"GetCallerIdentity": get_caller_identity}
"""STS operations the fake serves, by name."""
