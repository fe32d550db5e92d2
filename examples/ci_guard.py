"""Fail a CI job when a Customer Profiles domain's service-linked role is broken.

    python examples/ci_guard.py --region eu-west-2 acme other   # real domains on AWS
    python examples/ci_guard.py                                  # a demo on the offline fake

With names, it exits 0 when every domain's role is found and healthy, 1 when one is
broken or cannot be found (one line per problem), and 2 on bad input. Without names it
runs a demo on the fake: one healthy domain, and one whose role lost its managed
policy. It shows the guard passing the first and failing the second, and exits 0 when
the guard did both.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from slrkit import InvalidInputError, ProfilesKit, SlrkitError
from slrkit.testing import FakeAWS

if TYPE_CHECKING:
    from collections.abc import Sequence

    from mypy_boto3_customer_profiles.client import CustomerProfilesClient

DEMO_REGION = "eu-west-2"
BROKEN_ROLE = "AWSServiceRoleForProfile_broken0000"
ROLE_PATH = "/aws-service-role/profile.amazonaws.com/"


def guard(kit: ProfilesKit, names: Sequence[str]) -> int:
    """Check the roles of *names*; print one line per domain or problem; return the exit code."""
    failed = False
    for name in names:
        try:
            role = kit.describe_linked_role(name)
        except InvalidInputError as exc:
            print(f"ci_guard: {exc}", file=sys.stderr)
            return 2
        except SlrkitError as exc:
            print(f"FAIL {name}: {exc}")
            failed = True
            continue
        for problem in role.problems:
            print(f"FAIL {name}: {role.name}: {problem.message}")
        if role.is_healthy:
            print(f"ok   {name}: {role.name} (evidence: {role.evidence})")
        failed = failed or not role.is_healthy
    return 1 if failed else 0


def profiles_client(fake: FakeAWS) -> CustomerProfilesClient:
    """A plain boto3 Customer Profiles client on the fake, as any other code would use."""
    # boto3-stubs leaves the services it has no stubs for Unknown, and pyright sees them all.
    return fake.session(DEMO_REGION).client("customer-profiles")  # pyright: ignore[reportUnknownMemberType]


def demo_kit() -> ProfilesKit:
    """A fake with a healthy domain, and one whose role trusts the right service but has
    lost its managed policy, as a hand-edited role would."""
    fake = FakeAWS()
    kit = fake.kit(DEMO_REGION)
    kit.ensure_domain("healthy", default_expiration_days=365)
    fake.add_role(BROKEN_ROLE, path=ROLE_PATH, trust_principal="profile.amazonaws.com")
    profiles_client(fake).create_domain(
        DomainName="broken", DefaultExpirationDays=365, Tags={"slrkit:linked-role": BROKEN_ROLE}
    )
    return kit


def main(argv: Sequence[str] | None = None) -> int:
    """Guard real domains, or run the demo; return the exit code."""
    parser = argparse.ArgumentParser(description="Fail when a domain's role is broken.")
    parser.add_argument("--region", default=DEMO_REGION, help="where the domains live")
    parser.add_argument("names", nargs="*", metavar="NAME", help="domains to check on AWS")
    args = parser.parse_args(argv)
    if args.names:
        try:
            kit = ProfilesKit(args.region)
        except InvalidInputError as exc:
            print(f"ci_guard: {exc}", file=sys.stderr)
            return 2
        return guard(kit, args.names)
    kit = demo_kit()
    print("A CI job guarding a healthy domain:")
    passed = guard(kit, ["healthy"])
    print(f"-> exit code {passed}\n\nA CI job guarding a domain whose role lost its policy:")
    failed = guard(kit, ["broken"])
    print(f"-> exit code {failed}")
    return 0 if (passed, failed) == (0, 1) else 1


if __name__ == "__main__":
    sys.exit(main())
