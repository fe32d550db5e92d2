"""Your own boto3 code, offline: a domain's life and its service-linked role, on slrkit's fake.

Nothing here knows it is talking to a fake except the first line of `main`: the
clients are plain boto3 clients, the errors plain boto3 errors.

Run it: ``python examples/offline_boto3.py``
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from slrkit.testing import FakeAWS

if TYPE_CHECKING:
    import boto3
    from mypy_boto3_customer_profiles.client import CustomerProfilesClient
    from mypy_boto3_iam.client import IAMClient

REGION = "eu-west-2"
SLR_PATH = "/aws-service-role/profile.amazonaws.com/"


def linked_roles(iam: IAMClient) -> list[str]:
    """The Customer Profiles service-linked roles IAM shows right now."""
    pages = iam.get_paginator("list_roles").paginate(PathPrefix=SLR_PATH)
    return [role["RoleName"] for page in pages for role in page["Roles"]]


def trusted_services(document: object) -> list[object]:
    """The services a trust policy lets in (boto3 decodes it into a dict for IAM)."""
    if not isinstance(document, dict):
        return []
    policy = cast("dict[str, list[dict[str, dict[str, object]]]]", document)
    statements = policy.get("Statement", [])
    return [statement.get("Principal", {}).get("Service") for statement in statements]


def lifecycle(session: boto3.Session, fake: FakeAWS) -> None:
    """Create, read and delete a domain, watching its role come and go."""
    # boto3-stubs type `client` per service; with only some services' stubs installed,
    # pyright sees the others as unknown, hence the ignores.
    profiles: CustomerProfilesClient = session.client("customer-profiles")  # pyright: ignore[reportUnknownMemberType]
    iam: IAMClient = session.client("iam")  # pyright: ignore[reportUnknownMemberType]

    created = profiles.create_domain(DomainName="acme", DefaultExpirationDays=365)
    print(f"created domain {created['DomainName']} at {created['CreatedAt']:%Y-%m-%d %H:%M:%S}")
    print(f"  IAM shows {linked_roles(iam) or 'no role yet'} (IAM is eventually consistent)")

    fake.advance(fake.propagation_delay)
    [role_name] = linked_roles(iam)
    role = iam.get_role(RoleName=role_name)["Role"]
    print(f"  after {fake.propagation_delay:g} s: {role_name}")
    print(f"  trusted by {trusted_services(role.get('AssumeRolePolicyDocument'))}")
    print(f"  last used in {role.get('RoleLastUsed', {}).get('Region')}")

    try:
        profiles.create_domain(DomainName="acme", DefaultExpirationDays=30)
    except profiles.exceptions.BadRequestException as error:
        print(f"creating it again: {error.response.get('Error', {}).get('Message')}")
    try:
        iam.delete_role(RoleName=role_name)
    except iam.exceptions.UnmodifiableEntityException as error:
        print(f"deleting the role by hand: {error.response.get('Error', {}).get('Code')}")

    stats = profiles.get_domain(DomainName="acme").get("Stats", {})
    print(f"domain holds {stats.get('ProfileCount', 0)} profiles; deleting it")
    profiles.delete_domain(DomainName="acme")
    try:
        profiles.get_domain(DomainName="acme")
    except profiles.exceptions.ResourceNotFoundException:
        print("  GetDomain now says ResourceNotFoundException")
    print(f"  right after: IAM still shows {linked_roles(iam)}")
    # The service deletes the role after a while, and IAM's reads catch up a little later.
    cleanup = (fake.role_cleanup_delay or 0.0) + fake.behaviour.read_lag
    fake.advance(cleanup)
    print(f"  {cleanup:g} s later the service has deleted it: {linked_roles(iam)}")
    try:
        iam.get_role(RoleName=role_name)
    except iam.exceptions.NoSuchEntityException:
        print("  GetRole says NoSuchEntity")


def main() -> None:
    """Run the lifecycle on a fresh fake."""
    fake = FakeAWS()
    lifecycle(fake.session(REGION), fake)
    print(f"{len(fake.calls)} calls, {fake.clock.monotonic():g} virtual seconds, no AWS account")


if __name__ == "__main__":
    main()
