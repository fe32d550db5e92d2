"""The one place that builds boto3 clients.

Clients use botocore's ``standard`` retry mode (deterministic, quota-protected,
and the same before and after AWS changes the default), carry
``slrkit/<version>`` in the user agent, and are built once per kit: a client
costs about 65 ms to build on a fresh session and 3 ms on a warm one. boto3
clients are safe to share between threads.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

import attrs
from botocore.config import Config

from slrkit._metadata import installed_version

if TYPE_CHECKING:
    from collections.abc import Callable

    import boto3
    from botocore.client import BaseClient
    from mypy_boto3_customer_profiles.client import CustomerProfilesClient
    from mypy_boto3_iam.client import IAMClient
    from mypy_boto3_sts.client import STSClient

__all__ = ["Clients", "client_config", "make_client"]


def client_config() -> Config:
    """The botocore configuration of every client slrkit builds."""
    return Config(
        retries={"mode": "standard", "total_max_attempts": 3},
        user_agent_extra=f"slrkit/{installed_version()}",
    )


@attrs.frozen(kw_only=True)
class Clients:
    """The typed clients of one kit: Customer Profiles for its region, IAM, and STS."""

    profiles: CustomerProfilesClient
    iam: IAMClient
    sts: STSClient | None

    @classmethod
    def build(
        cls,
        region: str,
        *,
        session: boto3.Session | None,
        profiles: CustomerProfilesClient | None,
        iam: IAMClient | None,
        sts: STSClient | None,
        account_known: bool,
    ) -> Clients:
        """Use the clients given and build the missing ones from *session*.

        STS is only needed to learn the account id: without a session it is the
        caller's own client, and when the caller gave the account id
        (*account_known*) none is built.
        """
        if session is None:
            if profiles is None or iam is None:
                raise ValueError("without a session, both clients must be given")
            return cls(profiles=profiles, iam=iam, sts=sts)
        if sts is None and not account_known:
            sts = cast("STSClient", make_client(session, "sts", region))
        return cls(
            profiles=profiles
            if profiles is not None
            else cast("CustomerProfilesClient", make_client(session, "customer-profiles", region)),
            iam=iam if iam is not None else cast("IAMClient", make_client(session, "iam", region)),
            sts=sts,
        )


def make_client(session: boto3.Session, service: str, region: str) -> BaseClient:
    """A client for *service* with slrkit's configuration."""
    # boto3-stubs types `client` per service name; this one helper serves all three.
    make = cast("Callable[..., BaseClient]", session.client)  # pyright: ignore[reportUnknownMemberType]
    return make(service, region_name=region, config=client_config())
