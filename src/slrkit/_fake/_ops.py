"""What a fake operation receives and how it says no.

An operation is a plain function `(world, request) -> result dict`. It raises
`ServiceError` with the AWS error code; the codec looks the code up in the
service model for the HTTP status and writes it in the service's protocol, so
operations choose only the code and the message.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

import attrs

if TYPE_CHECKING:
    from slrkit._fake._world import World

__all__ = ["Operation", "Request", "ServiceError"]


@attrs.frozen(kw_only=True)
class Request:
    """One call as an operation sees it: who, where, and the parsed parameters."""

    account_id: str
    region: str
    params: Mapping[str, object]


class ServiceError(Exception):
    """An error answer from a fake operation, with its AWS error code."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


Operation = Callable[["World", Request], Mapping[str, object]]
"""A fake operation: reads and changes the world, returns the output members."""
