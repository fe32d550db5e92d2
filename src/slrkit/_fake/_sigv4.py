"""The SigV4 credential scope: who signed a request, for which region and which service.

Both ways into the fake read it: `_boto` takes the region a fake session's
client signed for, and ``slrkit serve`` also routes on the service and the
account (a 12-digit access key id). Signatures themselves are never checked.
"""

from __future__ import annotations

import re
from typing import Final

import attrs

__all__ = ["CredentialScope", "credential_scope", "signed_region"]

# AWS4-HMAC-SHA256 Credential=AKID/20260101/eu-west-2/profile/aws4_request, SignedHeaders=...
_SCOPE: Final = re.compile(
    r"Credential=([^/,\s]+)/[0-9]{8}/([^/,\s]+)/([^/,\s]+)/aws4_request", re.ASCII
)


@attrs.frozen(kw_only=True)
class CredentialScope:
    """The parts of a credential scope the fake uses."""

    access_key: str
    region: str
    signing_name: str


def credential_scope(authorization: str) -> CredentialScope | None:
    """The scope in an ``Authorization`` header or a ``Credential=...`` query value.

    Returns None if *authorization* holds no well-formed credential scope.
    """
    match = _SCOPE.search(authorization)
    if match is None:
        return None
    access_key, region, signing_name = match.groups()
    return CredentialScope(access_key=access_key, region=region, signing_name=signing_name)


def signed_region(authorization: str) -> str | None:
    """The region of the credential scope in *authorization*, as `credential_scope` reads it.

    Every request of a fake session asks for it, so it builds no `CredentialScope`.
    """
    match = _SCOPE.search(authorization)
    return None if match is None else match.group(2)
