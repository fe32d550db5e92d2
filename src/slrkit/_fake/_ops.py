"""What a fake operation receives and how it says no.

An operation is a plain function `(world, request) -> result dict`. It raises
`ServiceError` with the AWS error code; the codec looks the code up in the
service model for the HTTP status and writes it in the service's protocol, so
operations choose only the code and the message.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

import attrs

if TYPE_CHECKING:
    from slrkit._fake._world import World

__all__ = ["Operation", "Request", "ServiceError", "decode_cursor", "encode_cursor"]


@attrs.frozen(kw_only=True)
class Request:
    """One call as an operation sees it: who, where, and the parsed parameters.

    `partition` is the region's (``aws``, ``aws-cn``...): the one its ARNs name.
    """

    account_id: str
    region: str
    partition: str
    params: Mapping[str, object]


class ServiceError(Exception):
    """An error answer from a fake operation, with its AWS error code."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


Operation = Callable[["World", Request], Mapping[str, object]]
"""A fake operation: reads and changes the world, returns the output members."""


def encode_cursor(name: str) -> str:
    """An opaque page cursor (IAM's Marker, Customer Profiles' NextToken) starting at *name*."""
    return base64.urlsafe_b64encode(f"v1:{name}".encode()).decode()


def decode_cursor(cursor: str, *, code: str, message: str) -> str:
    """The name an `encode_cursor` cursor starts at.

    Raises:
        ServiceError: With *code* and *message*, for a cursor the fake did not issue.
    """
    try:
        text = base64.urlsafe_b64decode(cursor.encode()).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise ServiceError(code, message) from exc
    if not text.startswith("v1:"):
        raise ServiceError(code, message)
    return text[3:]
